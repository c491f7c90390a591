"""The synthesized state machine, executed by moto's Step Functions interpreter, with its Lambda
invocations dispatched in-process to the real handlers (lambdas/steps.py, lambdas/webhook.py)
over moto DynamoDB and S3, so the task-token protocol, the retries and catches, FailJob and the
stores run for real.

moto cannot run Lambda code without Docker, hence the in-process dispatch. The media and model
steps are small stand-ins that write the same keys and progress as omnigen's steps (the offline
providers and ffmpeg are exercised by the e2e tests); finalize, fail_job and cancel are the real ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from typing import Any

import boto3
import pytest
from aws_fixtures import REGION, create_bucket, create_tables, serialize_moto_transactions
from conftest import SHARED_BRIEFS
from moto import mock_aws
from store_contract import BRIEF

from omnigen.brief import load_brief
from omnigen.config import Settings
from omnigen.job import JobStatus
from omnigen.media.ffmpeg import probe
from omnigen.pipeline import steps
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.progress import Tracker
from omnigen.providers.factory import build_providers
from omnigen.providers.ports import Cancelled
from omnigen.store.dynamodb import DynamoJobStore
from omnigen.store.s3 import S3AssetStore
from stacks.config import TableNames

synth_once = pytest.importorskip("synth_once")  # tests/infrastructure is on sys.path (tests/conftest.py)
pytestmark = pytest.mark.timeout(600)

NAMES = TableNames()
BUCKET = "omnigen-assets-sm"
ACCOUNT = "123456789012"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
CHAINS = [[1, 2], [3], [4]]


class LambdaContext:
    function_name = "omnigen-test"
    memory_limit_in_mb = 1024
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:omnigen-test"
    aws_request_id = "req-1"


@pytest.fixture(scope="module")
def definition_template():
    return synth_once.synthesize()


@pytest.fixture
def aws(request, monkeypatch, definition_template):
    """moto AWS with the pipeline's state machine; `real` (indirect param) runs omnigen's own steps
    with the offline providers instead of the stand-ins."""
    real = getattr(request, "param", "stand-ins") == "real"
    env = {
        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing", "POWERTOOLS_METRICS_NAMESPACE": "OmniGen",
        "POWERTOOLS_SERVICE_NAME": "omnigen", "POWERTOOLS_TRACE_DISABLED": "1",
        "OMNIGEN_JOBS_TABLE": NAMES.jobs, "OMNIGEN_KV_TABLE": NAMES.kv, "OMNIGEN_USAGE_TABLE": NAMES.usage,
        "OMNIGEN_WEBHOOK_SECRET": WEBHOOK_SECRET, "OMNIGEN_HEARTBEAT_S": "0.5",
    }  # fmt: skip
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    serialize_moto_transactions()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        create_tables(NAMES)
        create_bucket(BUCKET)
        from lambdas import runtime

        for cached in (runtime.client, runtime.job_store):
            cached.cache_clear()
        ctx = StepContext(
            jobs=DynamoJobStore(NAMES.jobs, NAMES.kv),
            assets=S3AssetStore(BUCKET),
            providers=build_providers(Settings()) if real else None,  # type: ignore[arg-type]
            settings=Settings(store="aws", jobs_table=NAMES.jobs, assets_bucket=BUCKET),
        )
        monkeypatch.setattr(runtime, "step_context", lambda: ctx)
        harness = Harness(ctx, definition_template, monkeypatch, fake_steps=not real)
        yield harness
        harness.finish_handlers()  # while the tables still exist: a stray handler must not outlive them
        for cached in (runtime.client, runtime.job_store):
            cached.cache_clear()


class Harness:
    def __init__(self, ctx: StepContext, synth, monkeypatch, fake_steps: bool = True):
        self.ctx = ctx
        self.invocations: list[dict[str, Any]] = []
        self.handlers: list[threading.Thread] = []
        self.fail_scene: int | None = None
        self.on_scene = None
        functions = {k for k in synth.resources("AWS::Lambda::Function") if k.startswith("Functions")}
        arns = {}
        for logical in functions:
            arns[logical] = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical}"
        self._dispatch(monkeypatch)
        self._keep_failure_cause(monkeypatch)
        self._create_functions(functions)
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        role = f"arn:aws:iam::{ACCOUNT}:role/sfn"
        definition = synth_once.state_machine_definition(synth, arns, REGION, ACCOUNT)
        self.arn = self.sfn.create_state_machine(name="OmniGen-pipeline", definition=definition, roleArn=role)[
            "stateMachineArn"
        ]
        if fake_steps:
            self._fake_steps(monkeypatch)

    def finish_handlers(self, timeout_s: float = 30.0) -> None:
        """Wait for the handlers still running on their own threads (a task-token step whose
        execution has ended, e.g. by a cancel, goes on until its next check)."""
        deadline = time.monotonic() + timeout_s
        for thread in self.handlers:
            thread.join(max(0.0, deadline - time.monotonic()))

    @staticmethod
    def _keep_failure_cause(monkeypatch) -> None:
        """moto's SendTaskFailure handler drops `cause`; AWS passes it on to the Catch. Pass it on."""
        from moto.stepfunctions import responses

        def send_task_failure(self):  # type: ignore[no-untyped-def]
            self.stepfunction_backend.send_task_failure(
                self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
            )
            return responses.EmptyResult()

        monkeypatch.setattr(responses.StepFunctionResponse, "send_task_failure", send_task_failure)

    def _create_functions(self, names: set[str]) -> None:
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda", region_name=REGION)
        for name in names:
            lam.create_function(
                FunctionName=name, Runtime="python3.11", Role=role, Handler="x.handler", Code={"ZipFile": b"PK"}
            )

    def _dispatch(self, monkeypatch) -> None:
        """moto's Lambda → our handler, in this process."""
        from moto.awslambda.models import LambdaFunction

        from lambdas import steps as steps_handler

        harness = self

        def invoke(fn, body, request_headers, response_headers):  # type: ignore[no-untyped-def]
            event = json.loads(body) if body else {}
            harness.invocations.append(event)
            if "task_token" in event:
                # moto only notices a task token's outcome once it has started waiting, which it
                # does after the invoke returns; on AWS the outcome may come first. Let the
                # handler finish on its own thread, as a long step does on AWS.
                thread = threading.Thread(target=steps_handler.handler, args=(event, LambdaContext()), daemon=True)
                harness.handlers.append(thread)
                thread.start()
                return b"null"
            try:
                result = steps_handler.handler(event, LambdaContext())
            except Exception as err:
                response_headers["x-amz-function-error"] = "Unhandled"
                return json.dumps({"errorType": type(err).__name__, "errorMessage": str(err)}).encode()
            return json.dumps(result).encode()

        monkeypatch.setattr(LambdaFunction, "invoke", invoke)

    def _fake_steps(self, monkeypatch) -> None:
        """Stand-ins for the model and media steps: the keys and progress omnigen's steps write."""
        harness = self

        def keys(job_id: str):  # type: ignore[no-untyped-def]
            from omnigen.keys import JobKeys

            return JobKeys(harness.ctx.jobs.get(job_id).user_id, job_id)

        def write_script(ctx, job_id):  # type: ignore[no-untyped-def]
            t = Tracker(ctx.jobs, job_id)
            t.start("script", "writing")
            ctx.assets.put_bytes(keys(job_id).script, b"{}", "application/json")
            t.done("script")
            t.declare([f"scene_{n}" for c in CHAINS for n in c] + ["music", "voiceover", "compose"])
            return {"script": keys(job_id).script, "chains": CHAINS}

        def render_scene(ctx, job_id, index):  # type: ignore[no-untyped-def]
            k = keys(job_id)
            track = f"scene_{index}"
            if index in (2,):  # chained: needs scene 1's last frame
                assert ctx.assets.exists(k.last_frame(1)), "scene 2 started before scene 1's last frame"
            Tracker(ctx.jobs, job_id).start(track)
            if harness.on_scene:
                harness.on_scene(ctx, job_id, index)
            steps._check_cancel(ctx, job_id)
            if index == harness.fail_scene:
                raise steps.StepFailed(track, f"the video model refused scene {index}", "HTTP 422")
            ctx.assets.put_bytes(k.clip(index), b"mp4", "video/mp4")
            ctx.assets.put_bytes(k.last_frame(index), b"jpg", "image/jpeg")
            Tracker(ctx.jobs, job_id).done(track, asset=k.last_frame(index))
            return {"clip": k.clip(index), "last_frame": k.last_frame(index)}

        def simple(track, key_of):  # type: ignore[no-untyped-def]
            def step(ctx, job_id, **_):  # type: ignore[no-untyped-def]
                key = key_of(keys(job_id))
                Tracker(ctx.jobs, job_id).start(track)
                ctx.assets.put_bytes(key, b"data")
                Tracker(ctx.jobs, job_id).done(track, asset=key)
                return {track: key}

            return step

        monkeypatch.setattr(steps, "write_script", write_script)
        monkeypatch.setattr(steps, "render_scene", render_scene)
        monkeypatch.setattr(steps, "make_music", simple("music", lambda k: k.music))
        monkeypatch.setattr(steps, "make_voiceover", simple("voiceover", lambda k: k.voiceover))

        def compose(ctx, job_id, version=None):  # type: ignore[no-untyped-def]
            result = simple("compose", lambda k: k.output(version or 1))(ctx, job_id)
            ctx.jobs.update(job_id, lambda j: j.assets.update(output=keys(job_id).output(1)))
            return result

        monkeypatch.setattr(steps, "compose", compose)

    def run(self, timeout_s: float = 30, brief=BRIEF) -> tuple[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
        job = steps.create_job(self.ctx, "alice", brief)
        from lambdas.aws_services import StepFunctionsLauncher

        self.launcher = StepFunctionsLauncher(self.ctx, self.arn, "media")
        self.launcher.start(job.job_id)
        self.launcher.start(job.job_id)  # a retried start is a no-op
        arn = self.launcher.execution_arn(job.job_id)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            execution = self.sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                return job.job_id, execution
            time.sleep(0.2)
        events = [e["type"] for e in self.history(arn)][-8:]
        raise AssertionError(
            f"execution {arn} still running after {timeout_s} s; last events {events}; "
            f"invocations {[e['step'] for e in self.invocations]}"
        )

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        return self.sfn.get_execution_history(executionArn=execution_arn)["events"]


def test_a_whole_job_runs_through_the_state_machine(aws):
    job_id, execution = aws.run()
    assert execution["status"] == "SUCCEEDED"
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.COMPLETED and job.percent == 100
    assert all(t.state == "done" for t in job.tracks.values())
    assert set(job.tracks) == {"script", "scene_1", "scene_2", "scene_3", "scene_4", "music", "voiceover", "compose"}
    prefix = f"users/alice/jobs/{job_id}/"
    assert aws.ctx.assets.exists(prefix + "final/output.mp4")
    # Model and media steps went through the task-token protocol; state carried keys, not media.
    token_steps = [e["step"] for e in aws.invocations if "task_token" in e]
    assert sorted(token_steps) == sorted(["write_script", *["render_scene"] * 4, "make_music", "make_voiceover",
                                          "compose"])  # fmt: skip
    assert [e["step"] for e in aws.invocations if "task_token" not in e] == ["finalize"]
    assert all(len(json.dumps(e)) < 2000 for e in aws.invocations)
    # Task records are removed once the task ends; progress events are ordered and complete.
    assert aws.ctx.jobs.kv_get("task", f"{job_id}:scene_1") is None
    seqs = [e.seq for e in aws.ctx.jobs.events(job_id)]
    assert seqs == list(range(1, job.seq + 1))
    usage = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=NAMES.usage, Key={"user_id": {"S": "alice"}, "month": {"S": time.strftime("%Y-%m", time.gmtime())}}
    )["Item"]
    assert usage["completed"] == {"N": "1"}


@pytest.mark.parametrize("aws", ["real"], indirect=True)
def test_a_real_ad_is_made_through_the_state_machine_on_s3_and_dynamodb(aws):
    """omnigen's own steps and offline providers behind the task-token protocol: a composed MP4
    lands in (moto) S3 and the job completes."""
    brief = load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml").model_copy(update={"resolution": "360p"})
    job_id, execution = aws.run(timeout_s=300, brief=brief)
    assert execution["status"] == "SUCCEEDED", [e["type"] for e in aws.history(execution["executionArn"])][-6:]
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.COMPLETED, job.error
    with aws.ctx.assets.local_path(job.assets["output"]) as mp4:
        info = probe(mp4, decode=True)
    assert abs(info.duration_s - 30) <= 0.1 and info.video is not None and info.audio is not None
    assert job.compliance["errors"] == 0


def test_a_failing_scene_fails_the_job_with_its_error(aws):
    aws.fail_scene = 3
    job_id, execution = aws.run()
    assert execution["status"] == "FAILED"
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.FAILED
    fail_event = next(e for e in aws.invocations if e["step"] == "fail_job")
    assert job.error.step == "scene_3" and "refused scene 3" in job.error.message, fail_event
    assert job.tracks["scene_3"].state == "failed"
    assert aws.ctx.assets.exists(f"users/alice/jobs/{job_id}/script.json")  # partial assets kept
    assert [e["step"] for e in aws.invocations if e["step"] == "fail_job"] == ["fail_job"]
    assert not any(e["step"] == "compose" for e in aws.invocations)


def test_cancel_stops_the_execution_and_keeps_the_job_cancelled(aws):
    cancelled = threading.Event()

    def cancel_during_scene_3(ctx, job_id, index):  # type: ignore[no-untyped-def]
        if index == 3 and not cancelled.is_set():
            cancelled.set()
            aws.launcher.cancel(job_id)

    aws.on_scene = cancel_during_scene_3
    job_id, execution = aws.run()
    assert cancelled.is_set()
    assert execution["status"] in ("ABORTED", "FAILED")
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.CANCELLED and job.error is None
    assert not aws.ctx.assets.exists(f"users/alice/jobs/{job_id}/final/output.mp4")


def _signed(body: bytes, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    msg_id, stamp = "msg_1", str(int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    sig = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": stamp, "webhook-signature": f"v1,{sig}"}


def test_webhook_failure_ends_the_waiting_task(aws):
    """Replicate reports scene 4's prediction failed: the webhook Lambda verifies the signature and
    fails the task through its token; the state machine's catch fails the job with that error."""
    from lambdas import webhook

    replies = []

    def replicate_calls_back(ctx, job_id, index):  # type: ignore[no-untyped-def]
        if index != 4:
            return
        body = json.dumps({"id": "p123", "status": "failed", "error": "NSFW content detected"}).encode()
        event = {
            "body": body.decode(),
            "headers": _signed(body),
            "queryStringParameters": {"task": f"{job_id}:scene_4"},
        }
        forged = dict(event, headers=_signed(body, "whsec_" + base64.b64encode(b"x" * 32).decode()))
        replies.append(webhook.handler(forged, LambdaContext())["statusCode"])
        replies.append(webhook.handler(event, LambdaContext())["statusCode"])
        time.sleep(0.5)  # the step carries on; its own success arrives after the task has ended

    aws.on_scene = replicate_calls_back
    job_id, execution = aws.run()
    assert replies == [401, 204]
    assert execution["status"] == "FAILED"
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.FAILED
    assert "p123 failed: NSFW content detected" in job.error.message


def test_webhook_lambda_uses_the_shared_verifier_and_ignores_replays(aws, monkeypatch):
    from lambdas import webhook
    from lambdas.runtime import TASK_NAMESPACE, job_store

    job_store().kv_put(TASK_NAMESPACE, "t1", json.dumps({"token": "tok", "step": "render_scene"}))
    notified: list[str] = []
    monkeypatch.setattr(webhook, "_notify", lambda task, prediction: notified.append(prediction["id"]))
    body = b'{"id": "p1", "status": "processing"}'
    event = {"headers": _signed(body), "body": body.decode(), "queryStringParameters": {"task": "t1"}}
    assert webhook.handler(event, LambdaContext())["statusCode"] == 204
    assert "msg_1" in webhook.SeenIds()
    assert webhook.handler(event, LambdaContext())["statusCode"] == 204  # replay: acknowledged, ignored
    assert notified == ["p1"]
    tampered = event | {"body": body.decode() + " "}
    assert webhook.handler(tampered, LambdaContext())["statusCode"] == 401


def test_cancelled_error_maps_to_its_state_machine_name():
    from lambdas.runtime import CANCELLED, FAILED, RETRYABLE, error_name
    from omnigen.providers.ports import ProviderError
    from omnigen.store.ports import StoreError

    assert error_name(Cancelled("x")) == CANCELLED
    assert error_name(ProviderError("429", retryable=True)) == RETRYABLE
    assert error_name(ProviderError("bad prompt")) == FAILED
    assert error_name(StoreError("throttled")) == RETRYABLE
