"""The synthesized state machine, executed by moto's Step Functions interpreter, with its Lambda
invocations dispatched in-process to the real handlers of the template's functions
(tests/integration/lambda_world.py: each with the template's environment, its own container
caches, and every AWS call recorded), over moto DynamoDB, S3, Secrets Manager and Cognito, so the
task-token protocol, the retries and catches, FailJob and the stores run for real — and every
call each function made is checked against its role in the same template (the IAM audit).

Jobs start as in production: a REST proxy event (AWS's sample, adapted) to the API function,
with a Cognito ID token. moto cannot run Lambda code without Docker, hence the in-process
dispatch. The media and model steps are small stand-ins that write the same keys and progress as
omnigen's steps (the offline providers and ffmpeg are exercised by the e2e tests and by the
`real` run below); finalize, fail_job, reconcile and cancel are the real ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import zipfile
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from api_harness import small_brief
from aws_fixtures import serialize_moto_transactions
from conftest import SHARED_BRIEFS
from lambda_world import REGION, LambdaWorld, sample_event
from moto import mock_aws
from store_contract import BRIEF

from omnigen.brief import Brief, load_brief, parse_brief
from omnigen.config import Settings
from omnigen.job import JobStatus
from omnigen.media.ffmpeg import probe
from omnigen.pipeline import lifecycle, steps
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.launchers.step_functions import StepFunctionsLauncher
from omnigen.pipeline.progress import Tracker
from omnigen.providers.ports import Cancelled, ProviderError
from omnigen.store.dynamodb import DynamoJobStore
from omnigen.store.s3 import S3AssetStore
from omnigen.store.step_functions import StepFunctionsExecutions

synth_once = pytest.importorskip("synth_once")  # tests/infrastructure is on sys.path (tests/conftest.py)
pytestmark = pytest.mark.timeout(600)

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
SECRETS = {"SecretsReplicateToken": "r8_test_token", "SecretsReplicateWebhookSecret": WEBHOOK_SECRET}
CHAINS = [[1, 2], [3], [4]]
RETRY_SPEEDUP = 0.02
"""moto sleeps each Retry interval for real; the harness shortens every sleep by this factor
(the definition's intervals, backoff and jitter are unchanged)."""


@pytest.fixture(scope="module")
def definition_template():
    return synth_once.synthesize()


def rest_event(method: str, path: str, token: str | None, body: Any = None, headers: dict | None = None) -> dict:
    """AWS's REST proxy sample event for this method and path (stage `prod`)."""
    event = sample_event("apiGatewayProxyEvent")
    h = {"Content-Type": "application/json", **(headers or {})}
    if token:
        h["Authorization"] = f"Bearer {token}"
    path, _, query = path.partition("?")
    params = dict(q.split("=", 1) for q in query.split("&")) if query else None
    event.update(
        path=path,
        resource="/api/v1/{proxy+}",
        httpMethod=method,
        headers=h,
        multiValueHeaders={k: [v] for k, v in h.items()},
        queryStringParameters=params,
        multiValueQueryStringParameters={k: [v] for k, v in params.items()} if params else None,
        body=None if body is None else json.dumps(body),
    )
    event["requestContext"].update(
        httpMethod=method, path=f"/prod{path}", resourcePath="/api/v1/{proxy+}", stage="prod"
    )
    return event


@pytest.fixture
def aws(request, monkeypatch, definition_template):
    """moto AWS with the stack's resources and the pipeline's state machine; `real` (indirect
    param) runs omnigen's own steps with the offline providers (as a `-c providers=local` deploy
    would) instead of the stand-ins."""
    real = getattr(request, "param", "stand-ins") == "real"
    for k, v in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(k, v)  # the test's own clients (each function has its own environment)
    serialize_moto_transactions()
    overrides = {"*": {"OMNIGEN_HEARTBEAT_S": "0.5"}}  # heartbeats every 0.5 s instead of 60 s
    if real:
        overrides["*"]["OMNIGEN_PROVIDERS"] = "local"
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        world = LambdaWorld(definition_template.template, monkeypatch, secrets=SECRETS, overrides=overrides)
        harness = Harness(world, definition_template, monkeypatch, fake_steps=not real)
        yield harness
        harness.finish_handlers()  # while the tables still exist: a stray handler must not outlive them


class Harness:
    def __init__(self, world: LambdaWorld, synth, monkeypatch, fake_steps: bool = True):
        self.world = world
        steps_env = world.env("Steps")
        settings = Settings(store="aws", jobs_table=steps_env["OMNIGEN_JOBS_TABLE"],
                            assets_bucket=steps_env["OMNIGEN_ASSETS_BUCKET"])  # fmt: skip
        self.ctx = StepContext(  # the test's own view of the stores, for its checks
            jobs=DynamoJobStore(settings.jobs_table, steps_env["OMNIGEN_KV_TABLE"]),
            assets=S3AssetStore(settings.assets_bucket),
            providers=None,  # type: ignore[arg-type]
            settings=settings,
        )
        self.token, self.user = world.id_token()
        self.invocations: list[dict[str, Any]] = []
        self.handlers: list[threading.Thread] = []
        self.fail_scene: int | None = None
        self.on_scene = None
        self.chains: list[list[int]] = CHAINS
        self.keyframes: list[int] = []  # scenes that start on a keyframe (continuity keyframes)
        self._dispatch(monkeypatch)
        self._keep_failure_cause(monkeypatch)
        self._shorten_retry_sleeps(monkeypatch)
        self._create_functions(set(world.functions))
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        self.arn = world.env("Api")["OMNIGEN_STATE_MACHINE_ARN"]
        arns = {lid: world.resolver.attr(lid, "Arn") for lid in world.functions}
        definition = synth_once.state_machine_definition(synth, arns, REGION, world.resolver.account)
        name = self.arn.rsplit(":", 1)[1]
        made = self.sfn.create_state_machine(
            name=name, definition=definition, roleArn=f"arn:aws:iam::{world.resolver.account}:role/sfn"
        )
        assert made["stateMachineArn"] == self.arn, "the API's state machine ARN is not the deployed one"
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

    @staticmethod
    def _shorten_retry_sleeps(monkeypatch) -> None:
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

        class Clock:
            def __getattr__(self, name):  # type: ignore[no-untyped-def]
                return getattr(time, name)

            @staticmethod
            def sleep(seconds: float) -> None:
                time.sleep(seconds * RETRY_SPEEDUP)

        monkeypatch.setattr(retrier_decl, "time", Clock())

    def _create_functions(self, names: set[str]) -> None:
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda", region_name=REGION)
        for name in names:
            lam.create_function(
                FunctionName=name, Runtime="python3.11", Role=role, Handler="x.handler", Code={"ZipFile": b"PK"}
            )

    def _dispatch(self, monkeypatch) -> None:
        """moto's Lambda → the function's handler, in this process, in its container."""
        from moto.awslambda.models import LambdaFunction

        harness = self

        def invoke(fn, body, request_headers, response_headers):  # type: ignore[no-untyped-def]
            event = json.loads(body) if body else {}
            harness.invocations.append(event)
            if "task_token" in event or request_headers.get("X-Amz-Invocation-Type") == "Event":
                # moto only notices a task token's outcome once it has started waiting, which it
                # does after the invoke returns; on AWS the outcome may come first. Let the
                # handler finish on its own thread, as a long step does on AWS.
                thread = threading.Thread(target=harness.world.invoke, args=(fn.function_name, event), daemon=True)
                harness.handlers.append(thread)
                thread.start()
                return b"null"
            try:
                result = harness.world.invoke(fn.function_name, event)
            except Exception as err:
                response_headers["x-amz-function-error"] = "Unhandled"
                return json.dumps({"errorType": type(err).__name__, "errorMessage": str(err)}).encode()
            return json.dumps(result).encode()

        monkeypatch.setattr(LambdaFunction, "invoke", invoke)

    def _fake_steps(self, monkeypatch) -> None:
        """Stand-ins for the model and media steps: the keys and progress omnigen's steps write."""
        harness = self

        def keys(ctx, job_id: str):  # type: ignore[no-untyped-def]
            from omnigen.keys import JobKeys

            return JobKeys(ctx.jobs.get(job_id).user_id, job_id)

        def write_script(ctx, job_id):  # type: ignore[no-untyped-def]
            t = Tracker(ctx.jobs, job_id)
            t.start("script", "writing")
            ctx.assets.put_bytes(keys(ctx, job_id).script, b"{}", "application/json")
            t.done("script")
            t.declare([f"scene_{n}" for c in CHAINS for n in c] + ["music", "voiceover", "compose"])
            return {"script": keys(ctx, job_id).script, "chains": harness.chains, "keyframes": harness.keyframes}

        def make_keyframes(ctx, job_id):  # type: ignore[no-untyped-def]
            k = keys(ctx, job_id)
            Tracker(ctx.jobs, job_id).start("keyframes")
            for n in harness.keyframes:
                ctx.assets.put_bytes(k.keyframe(n), b"jpg", "image/jpeg")
            Tracker(ctx.jobs, job_id).done("keyframes")
            return {"keyframes": [k.keyframe(n) for n in harness.keyframes]}

        def render_scene(ctx, job_id, index):  # type: ignore[no-untyped-def]
            k = keys(ctx, job_id)
            track = f"scene_{index}"
            if index in (2,) and not harness.keyframes:  # chained: needs scene 1's last frame
                assert ctx.assets.exists(k.last_frame(1)), "scene 2 started before scene 1's last frame"
            if index in harness.keyframes:  # starts on its keyframe: drawn before any scene
                assert ctx.assets.exists(k.keyframe(index)), f"scene {index} started before its keyframe"
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
                key = key_of(keys(ctx, job_id))
                Tracker(ctx.jobs, job_id).start(track)
                ctx.assets.put_bytes(key, b"data")
                Tracker(ctx.jobs, job_id).done(track, asset=key)
                return {track: key}

            return step

        monkeypatch.setattr(steps, "write_script", write_script)
        monkeypatch.setattr(steps, "render_scene", render_scene)
        monkeypatch.setattr(steps, "make_keyframes", make_keyframes)
        monkeypatch.setattr(steps, "make_music", simple("music", lambda k: k.music))
        monkeypatch.setattr(steps, "make_voiceover", simple("voiceover", lambda k: k.voiceover))

        def compose(ctx, job_id, version=None):  # type: ignore[no-untyped-def]
            result = simple("compose", lambda k: k.output(version or 1))(ctx, job_id)
            ctx.jobs.update(job_id, lambda j: j.assets.update(output=keys(ctx, job_id).output(version or 1)))
            return result

        monkeypatch.setattr(steps, "compose", compose)

    def api(self, method: str, path: str, body: Any = None, token: str | None = "", **headers: str) -> tuple[int, Any]:
        """One request through the REST API function (the caller's token unless given)."""
        reply = self.world.invoke("Api", rest_event(method, path, self.token if token == "" else token, body, headers))
        text = reply.get("body") or ""
        if reply.get("isBase64Encoded"):
            text = base64.b64decode(text).decode()
        return reply["statusCode"], (json.loads(text) if text else None)

    def run(self, timeout_s: float = 30, brief: Brief = BRIEF) -> tuple[str, dict[str, Any]]:  # type: ignore[no-untyped-def]
        status, accepted = self.api(
            "POST", "/api/v1/generate", brief.model_dump(mode="json"), **{"Idempotency-Key": "k1"}
        )
        assert status == 202, accepted
        job_id = accepted["job_id"]
        replay_status, replay = self.api(
            "POST", "/api/v1/generate", brief.model_dump(mode="json"), **{"Idempotency-Key": "k1"}
        )
        assert replay_status == 202 and replay["job_id"] == job_id  # a retried request starts nothing new
        executions = StepFunctionsExecutions(self.arn, "media")
        self.launcher = StepFunctionsLauncher(self.ctx, executions)
        arn = executions.execution_arn(job_id)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            execution = self.sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                return job_id, execution
            time.sleep(0.2)
        events = [e["type"] for e in self.history(arn)][-8:]
        raise AssertionError(
            f"execution {arn} still running after {timeout_s} s; last events {events}; "
            f"invocations {[e.get('step') for e in self.invocations]}"
        )

    def task_records(self, job_id: str, track: str = "") -> list[str]:
        """Ids of the task-token records the steps of `job_id` (on `track`) keep right now."""
        table = self.world.env("Steps")["OMNIGEN_KV_TABLE"]
        items = boto3.client("dynamodb", region_name=REGION).scan(TableName=table)["Items"]
        prefix = f"task|{job_id}:{track}"
        return [i["key"]["S"].removeprefix("task|") for i in items if i["key"]["S"].startswith(prefix)]

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        return self.sfn.get_execution_history(executionArn=execution_arn)["events"]

    def assert_audited(self, *functions: str) -> None:
        """Each named function made AWS calls, and every call of every function is allowed by
        its role in the template."""
        called = self.world.called_functions()
        for name in functions:
            assert self.world.lid(name) in called, f"{name} made no AWS call: the audit saw nothing of it"
        problems = self.world.audit()
        assert not problems, "calls the deployed roles would refuse:\n" + "\n".join(problems)


def test_a_whole_job_runs_through_the_state_machine(aws):
    job_id, execution = aws.run()
    assert execution["status"] == "SUCCEEDED"
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.COMPLETED and job.percent == 100
    assert all(t.state == "done" for t in job.tracks.values())
    assert set(job.tracks) == {"script", "scene_1", "scene_2", "scene_3", "scene_4", "music", "voiceover", "compose"}
    prefix = f"users/{aws.user}/jobs/{job_id}/"
    assert aws.ctx.assets.exists(prefix + "final/output.mp4")
    # Model and media steps went through the task-token protocol; state carried keys, not media.
    token_steps = [e["step"] for e in aws.invocations if "task_token" in e]
    assert sorted(token_steps) == sorted(["write_script", *["render_scene"] * 4, "make_music", "make_voiceover",
                                          "compose"])  # fmt: skip
    assert [e["step"] for e in aws.invocations if "task_token" not in e] == ["finalize"]
    assert all(len(json.dumps(e)) < 2000 for e in aws.invocations)
    # Task records are removed once the task ends; progress events are ordered and complete.
    assert aws.task_records(job_id) == []
    seqs = [e.seq for e in aws.ctx.jobs.events(job_id)]
    assert seqs == list(range(1, job.seq + 1))
    usage = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=aws.world.env("Steps")["OMNIGEN_USAGE_TABLE"],
        Key={"user_id": {"S": aws.user}, "month": {"S": time.strftime("%Y-%m", time.gmtime())}},
    )["Item"]
    assert usage["completed"] == {"N": "1"}
    aws.assert_audited("Api", "Steps", "Media")


def test_keyframes_are_drawn_before_every_scene_starts_at_once(aws):
    """Continuity keyframes: write_script lists the scenes that need a keyframe, the Choice runs
    the Keyframes task (on the media function, task token) before the Scenes Map, and every scene
    then runs as a chain of its own."""
    aws.chains, aws.keyframes = [[1], [2], [3], [4]], [1, 2, 3, 4]
    job_id, execution = aws.run()
    assert execution["status"] == "SUCCEEDED"
    order = [e["step"] for e in aws.invocations if "task_token" in e]
    assert order.count("make_keyframes") == 1
    assert order.index("make_keyframes") < min(i for i, s in enumerate(order) if s == "render_scene")
    assert order.count("render_scene") == 4
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in aws.history(execution["executionArn"])
        if "stateEnteredEventDetails" in e
    ]
    assert "Keyframes" in entered
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.COMPLETED and job.tracks["keyframes"].state == "done"
    aws.assert_audited("Steps", "Media")


def test_the_api_function_serves_its_routes_within_its_role(aws):
    """Every route family the web app uses, through AWS's REST proxy event shape, on the API
    function as deployed (its template environment: the import itself reads its secrets), and
    every call it makes allowed by its role: health (open), estimate, generate, jobs, a job with
    its presigned URLs, uploads (a presigned PUT with tags), usage, cancel and re-compose (which
    invokes the media function)."""
    assert aws.api("GET", "/api/v1/health", token=None)[0] == 200
    assert aws.api("GET", "/api/v1/jobs", token=None)[0] == 401
    assert aws.api("GET", "/api/v1/jobs", token="not-a-jwt")[0] == 401
    job_id, execution = aws.run()
    assert execution["status"] == "SUCCEEDED"
    status, page = aws.api("GET", "/api/v1/jobs")
    assert status == 200 and [j["job_id"] for j in page["items"]] == [job_id]
    status, job = aws.api("GET", f"/api/v1/jobs/{job_id}")
    assert status == 200 and job["status"] == "completed"
    output_url = job["urls"]["output"]
    assert output_url.startswith(f"https://{aws.ctx.assets.bucket}.s3.{REGION}.amazonaws.com/")  # regional (item 7)
    status, ticket = aws.api(
        "POST", "/api/v1/uploads", {"filename": "pack.png", "content_type": "image/png", "size_bytes": 2048}
    )
    assert status == 201 and "x-amz-tagging" in ticket["headers"], ticket
    assert aws.api("POST", "/api/v1/estimate", BRIEF.model_dump(mode="json"))[0] == 200
    status, usage = aws.api("GET", "/api/v1/usage")
    assert status == 200 and usage["jobs"] == 1
    status, accepted = aws.api("POST", f"/api/v1/jobs/{job_id}/compose")
    assert status == 202, accepted
    aws.finish_handlers()
    presigned = {(c.operation, c.presigned) for c in aws.world.calls("Api")}
    assert {("GetObject", True), ("PutObject", True), ("StartExecution", False), ("Invoke", False)} <= presigned
    aws.assert_audited("Api", "Media")


@pytest.mark.parametrize("aws", ["real"], indirect=True)
def test_a_real_ad_is_made_through_the_state_machine_on_s3_and_dynamodb(aws):
    """omnigen's own steps and offline providers behind the task-token protocol: a composed MP4
    lands in (moto) S3, the job completes, and every call the real steps made is allowed."""
    brief = load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml").model_copy(update={"resolution": "360p"})
    job_id, execution = aws.run(timeout_s=300, brief=brief)
    assert execution["status"] == "SUCCEEDED", [e["type"] for e in aws.history(execution["executionArn"])][-6:]
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.COMPLETED, job.error
    with aws.ctx.assets.local_path(job.assets["output"]) as mp4:
        info = probe(mp4, decode=True)
    assert abs(info.duration_s - 30) <= 0.1 and info.video is not None and info.audio is not None
    assert job.compliance["errors"] == 0
    aws.assert_audited("Api", "Steps", "Media")


@pytest.mark.parametrize("aws", ["real"], indirect=True)
def test_a_scene_is_regenerated_by_the_media_function_from_the_api(aws):
    """The API function routes a regenerate (its estimate first) to one asynchronous invocation
    of the media function, whose handler renders the take with omnigen's own step on S3 and
    DynamoDB and puts it in the draft; a regenerate of a scene the ad does not have is a 404. The
    library's rename and delete (every object removed from S3) run within the API's role too."""
    brief = parse_brief(small_brief(duration_s=20))  # its contact card keeps the referral QC requires
    job_id, execution = aws.run(timeout_s=300, brief=brief)
    assert execution["status"] == "SUCCEEDED"
    status, cost = aws.api("POST", f"/api/v1/jobs/{job_id}/scenes/2/regenerate/estimate", {"mood": "bright"})
    assert status == 200 and cost["scenes"] == [2], cost
    assert aws.api("POST", f"/api/v1/jobs/{job_id}/scenes/9/regenerate", {})[0] == 404
    status, accepted = aws.api("POST", f"/api/v1/jobs/{job_id}/scenes/2/regenerate", {"mood": "bright"})
    assert status == 202 and accepted["take"] == 2, accepted
    aws.finish_handlers(120)
    sent = [e for e in aws.invocations if e.get("step") == "regenerate_scene"]
    assert sent == [{"step": "regenerate_scene", "job_id": job_id, "scene": 2, "take": 2}]
    job = aws.ctx.jobs.get(job_id)
    take = job.take(2, 2)
    assert take is not None and take.state == "done" and take.mood == "bright", take
    assert aws.ctx.assets.exists(take.clip) and aws.ctx.assets.exists(take.last_frame)
    status, draft = aws.api("GET", f"/api/v1/jobs/{job_id}/timeline")
    assert status == 200 and [c["asset"] for c in draft["clips"] if c["scene_index"] == 2] == [take.clip]
    # the export package: built by one asynchronous invocation of the media function, on S3
    status, build = aws.api("POST", f"/api/v1/jobs/{job_id}/versions/1/package")
    assert status == 202 and build["state"] == "building", build
    aws.finish_handlers(120)
    sent = [e for e in aws.invocations if e.get("step") == "package"]
    assert sent == [{"step": "package", "job_id": job_id, "version": 1, "build_id": build["build_id"]}]
    status, ready = aws.api("GET", build["status_url"].removeprefix("/prod"))
    assert status == 200 and ready["state"] == "ready" and ready["url"], ready
    with aws.ctx.assets.local_path(ready["key"]) as path, zipfile.ZipFile(path) as z:
        assert "v1/video.mp4" in z.namelist() and "v1/compliance.pdf" in z.namelist()
    status, renamed = aws.api("PATCH", f"/api/v1/jobs/{job_id}", {"title": "Spring cut", "campaign": "Spring"})
    assert status == 200 and renamed["title"] == "Spring cut" and renamed["versions"] == 1, renamed
    assert aws.api("DELETE", f"/api/v1/jobs/{job_id}")[0] == 204
    assert aws.ctx.assets.list(f"users/{aws.user}/jobs/{job_id}/") == []  # every object removed from S3
    assert aws.api("GET", f"/api/v1/jobs/{job_id}")[0] == 404
    aws.assert_audited("Api", "Steps", "Media")


def test_a_failing_scene_fails_the_job_with_its_error(aws):
    aws.fail_scene = 3
    job_id, execution = aws.run()
    assert execution["status"] == "FAILED"
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.FAILED
    fail_event = next(e for e in aws.invocations if e["step"] == "fail_job")
    assert job.error.step == "scene_3" and "refused scene 3" in job.error.message, fail_event
    assert job.tracks["scene_3"].state == "failed"
    assert aws.ctx.assets.exists(f"users/{aws.user}/jobs/{job_id}/script.json")  # partial assets kept
    assert [e["step"] for e in aws.invocations if e["step"] == "fail_job"] == ["fail_job"]
    assert not any(e["step"] == "compose" for e in aws.invocations)
    aws.assert_audited("Steps", "Media")


def test_cancel_stops_the_execution_and_keeps_the_job_cancelled(aws):
    cancelled = threading.Event()

    def cancel_during_scene_3(ctx, job_id, index):  # type: ignore[no-untyped-def]
        if index == 3 and not cancelled.is_set():
            cancelled.set()
            assert aws.api("POST", f"/api/v1/jobs/{job_id}/cancel")[0] == 200

    aws.on_scene = cancel_during_scene_3
    job_id, execution = aws.run()
    assert cancelled.is_set()
    assert execution["status"] in ("ABORTED", "FAILED")
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.CANCELLED and job.error is None
    assert not aws.ctx.assets.exists(f"users/{aws.user}/jobs/{job_id}/final/output.mp4")
    assert any(c.operation == "StopExecution" for c in aws.world.calls("Api"))
    aws.assert_audited("Api", "Media")


def _signed(body: bytes, secret: str = WEBHOOK_SECRET, msg_id: str = "msg_1") -> dict[str, str]:
    stamp = str(int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    sig = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": stamp, "webhook-signature": f"v1,{sig}"}


def webhook_event(body: bytes, headers: dict[str, str], task: str) -> dict[str, Any]:
    """AWS's REST proxy sample for Replicate's POST to the open webhook route."""
    event = rest_event("POST", "/api/v1/webhooks/replicate", None)
    event.update(
        resource="/api/v1/webhooks/replicate",
        headers=headers,
        multiValueHeaders={k: [v] for k, v in headers.items()},
        queryStringParameters={"task": task},
        multiValueQueryStringParameters={"task": [task]},
        body=body.decode(),
    )
    return event


def test_webhook_failure_fails_the_task_as_retryable_and_the_state_machine_retries(aws):
    """Replicate reports scene 4's prediction failed: the webhook function verifies the signature
    and fails the task through its token under the name the step itself gives that failure
    (Omnigen.Retryable), so the state machine retries the scene; when every attempt fails, the
    Catch fails the job with Replicate's message."""
    replies: list[int] = []

    def replicate_calls_back(ctx, job_id, index):  # type: ignore[no-untyped-def]
        if index != 4:
            return
        n = len(replies)
        # The id Replicate calls back with is the one in the webhook URL this attempt gave it.
        task = parse_qs(urlparse(ctx.settings.webhook_url).query)["task"][0]
        assert task in aws.task_records(job_id, "scene_4:"), "the attempt keeps its task record while it runs"
        body = json.dumps({"id": f"p{n}", "status": "failed", "error": "NSFW content detected"}).encode()
        event = webhook_event(body, _signed(body, msg_id=f"msg_{n}"), task)
        forged = webhook_event(body, _signed(body, "whsec_" + base64.b64encode(b"x" * 32).decode(), f"f{n}"), task)
        replies.append(aws.world.invoke("Webhook", forged)["statusCode"])
        replies.append(aws.world.invoke("Webhook", event)["statusCode"])
        # The step's own wait then sees the same failure (as the Replicate runner does on its next
        # poll) and ends its attempt with it, after the webhook has already failed the task.
        time.sleep(0.5)
        raise ProviderError(f"the step's own wait saw p{n} failed: NSFW content detected", retryable=True)

    aws.on_scene = replicate_calls_back
    job_id, execution = aws.run(timeout_s=60)
    assert replies[:2] == [401, 204] and set(replies[1::2]) == {204}
    scene_4_attempts = [e for e in aws.invocations if e.get("step") == "render_scene" and str(e.get("scene")) == "4"]
    # Retried (on main the webhook's error name was not retryable: one attempt). moto's count of
    # attempts is its own (3 here for MaxAttempts 3), so the test asserts the retry, not the count.
    assert len(scene_4_attempts) >= 3, "a retryable failure is retried"
    failures = [e for e in aws.history(execution["executionArn"]) if e["type"] == "TaskFailed"]
    assert {e["taskFailedEventDetails"]["error"] for e in failures} == {"Omnigen.Retryable"}
    # The first attempt was failed by the webhook, half a second before its step noticed.
    assert json.loads(failures[0]["taskFailedEventDetails"]["cause"])["message"].startswith("Replicate prediction p0")
    assert execution["status"] == "FAILED"
    job = aws.ctx.jobs.get(job_id)
    assert job.status == JobStatus.FAILED
    assert "failed: NSFW content detected" in job.error.message
    aws.assert_audited("Webhook", "Steps", "Media")


def test_webhook_function_uses_the_shared_verifier_and_ignores_replays(aws, monkeypatch):
    from lambdas import webhook
    from omnigen.pipeline.tasks import TASK_NAMESPACE

    aws.ctx.jobs.kv_put(TASK_NAMESPACE, "t1", json.dumps({"token": "tok", "step": "render_scene"}))
    notified: list[str] = []
    monkeypatch.setattr(webhook, "_notify", lambda task, prediction: notified.append(prediction["id"]))
    body = b'{"id": "p1", "status": "processing"}'
    event = webhook_event(body, _signed(body), "t1")
    assert aws.world.invoke("Webhook", event)["statusCode"] == 204
    assert aws.ctx.jobs.kv_get(webhook.SeenIds.NAMESPACE, "msg_1") == "1"
    assert aws.world.invoke("Webhook", event)["statusCode"] == 204  # replay: acknowledged, ignored
    assert notified == ["p1"]
    tampered = event | {"body": body.decode() + " "}
    assert aws.world.invoke("Webhook", tampered)["statusCode"] == 401
    aws.assert_audited("Webhook")


def test_a_failure_without_a_cause_is_stored_with_a_sentence_not_none(aws):
    """A step that times out reaches the Catch as {"Error": "States.Timeout"} with no Cause."""
    job = lifecycle.create_job(aws.ctx, aws.user, BRIEF)
    aws.world.invoke("Steps", {"step": "fail_job", "job_id": job.job_id, "error": {"Error": "States.Timeout"}})
    failed = aws.ctx.jobs.get(job.job_id)
    assert failed.status == JobStatus.FAILED
    assert failed.error.message == "a step ran past its time limit (stepTimeoutS) and was stopped"
    assert "None" not in failed.message and failed.error.detail == "States.Timeout"
    other = lifecycle.create_job(aws.ctx, aws.user, BRIEF)
    aws.world.invoke("Steps", {"step": "fail_job", "job_id": other.job_id, "error": {"Error": "Lambda.Unknown"}})
    assert aws.ctx.jobs.get(other.job_id).error.message == "the pipeline failed (Lambda.Unknown)"


@pytest.mark.parametrize("sample", ["stepFunctionsExecutionTimedOut", "stepFunctionsExecutionFailed"])
def test_an_execution_that_ends_badly_is_reconciled_from_eventbridge(aws, definition_template, sample):
    """AWS's sample status-change event, through the rule's input template, to the step function:
    a job its execution left running is failed with a sentence; a job already ended is kept."""
    (rule,) = [r for r in definition_template.resources("AWS::Events::Rule").values()]
    pattern = rule["Properties"]["EventPattern"]
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [aws.world.lid("Steps"), "Arn"]}
    job = lifecycle.create_job(aws.ctx, aws.user, BRIEF)
    event = sample_event(sample)
    event["detail"].update(
        name=job.job_id,
        stateMachineArn=aws.arn,
        executionArn=aws.arn.replace(":stateMachine:", ":execution:") + f":{job.job_id}",
    )
    assert event["detail-type"] in pattern["detail-type"] and event["detail"]["status"] in pattern["detail"]["status"]
    assert event["detail"]["stateMachineArn"] in aws.world.resolver.resolve(pattern["detail"]["stateMachineArn"])
    payload = apply_input_transformer(target["InputTransformer"], event)
    assert aws.world.invoke("Steps", payload)["changed"] is True
    failed = aws.ctx.jobs.get(job.job_id)
    assert failed.status == JobStatus.FAILED and "None" not in failed.error.message
    if sample.endswith("TimedOut"):
        assert failed.error.message == "the job ran past the pipeline's time limit (executionTimeoutS) and was stopped"
    assert aws.world.invoke("Steps", payload)["changed"] is False  # delivered twice: nothing changes
    aws.assert_audited("Steps")


def apply_input_transformer(transformer: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    """EventBridge's input transformer: each `<name>` in the template becomes the JSON of the
    value at its path in the event (paths here are plain `$.a.b`)."""
    template = transformer["InputTemplate"]
    for name, path in transformer["InputPathsMap"].items():
        value: Any = event
        for part in path.removeprefix("$.").split("."):
            value = value.get(part) if isinstance(value, dict) else None
        template = template.replace(f"<{name}>", json.dumps(value))
    return json.loads(template)


def test_cancelled_error_maps_to_its_state_machine_name():
    from omnigen.pipeline.error_names import CANCELLED, FAILED, RETRYABLE
    from omnigen.pipeline.lifecycle import error_name
    from omnigen.providers.ports import ProviderError
    from omnigen.store.ports import StoreError

    assert error_name(Cancelled("x")) == CANCELLED
    assert error_name(ProviderError("429", retryable=True)) == RETRYABLE
    assert error_name(ProviderError("bad prompt")) == FAILED
    assert error_name(StoreError("throttled")) == RETRYABLE
