"""The pipeline as a Standard Step Functions workflow (DESIGN's pipeline):

    WriteScript ─► Produce: ┬ [Keyframes: one still per cut, all at once, when the script's plan
                             │  lists any (continuity keyframes)] ─►
                             │ Scenes: Map over the script's chains (max concurrency), each chain
                             │         a sequential Map of RenderScene (render → last frame → next)
                             ├ Music
                             └ Voiceover
               ─► Compose ─► Finalize ─► Done
    any failure ─► FailJob (status failed, error kept) ─► JobFailed
    FailJob fails too ─► FailJobFailed          (the execution ends FAILED either way)
    an execution that ends FAILED, TIMED_OUT or ABORTED ─► EventBridge ─► `reconcile` (the step
    Lambda) marks a job that is still unfinished failed: no job stays running forever, whether
    FailJob failed, the whole execution timed out, or someone stopped it in the console.

Model steps are `.waitForTaskToken` tasks: the Lambda records the token, heartbeats while it
works (HeartbeatSeconds catches a Lambda that died) and ends the task; the Replicate webhook
fails it at once when a prediction fails. Transient errors retry with exponential backoff and
full jitter; a throttled media function is waited for longer. State carries keys and ids, never
media. The state machine's logs carry no execution data: inputs and outputs hold task tokens.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from omnigen.pipeline.error_names import RETRYABLE
from stacks import config
from stacks.functions import retention, state_machine_arn
from stacks.nag import ack, logical_id
from stacks.storage import dead_letter_queue

LAMBDA_TRANSIENT = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
]
LAMBDA_THROTTLED = "Lambda.TooManyRequestsException"
"""The media function is at its reserved concurrency: wait for a slot (up to ~20 minutes)."""
ENDED_BADLY = ["FAILED", "TIMED_OUT", "ABORTED"]


class Pipeline(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: config.Settings,
        name: str,
        steps_fn: lambda_.IFunction,
        media_fn: lambda_.IFunction,
    ):
        super().__init__(scope, id)
        self.settings = settings
        job_id = sfn.JsonPath.string_at("$.job_id")

        write_script = self._token_task(
            "WriteScript", steps_fn, {"step": "write_script", "job_id": job_id}, result_path="$.script"
        )
        render = self._token_task(
            "RenderScene",
            media_fn,
            {"step": "render_scene", "job_id": job_id, "scene": sfn.JsonPath.number_at("$.scene")},
        )
        chain = sfn.Map(
            self,
            "Chain",
            comment="One chain's scenes in order: each may start on the previous one's last frame",
            items_path="$.chain",
            max_concurrency=1,
            item_selector={"job_id": job_id, "scene": sfn.JsonPath.string_at("$$.Map.Item.Value")},
            result_path=sfn.JsonPath.DISCARD,
        ).item_processor(render)
        scenes = sfn.Map(
            self,
            "Scenes",
            comment="The chains side by side, at most maxConcurrentScenes at a time",
            items_path="$.script.chains",
            max_concurrency=settings.max_concurrent_scenes,
            item_selector={"job_id": job_id, "chain": sfn.JsonPath.string_at("$$.Map.Item.Value")},
            result_path=sfn.JsonPath.DISCARD,
        ).item_processor(chain)
        keyframes = self._token_task("Keyframes", media_fn, {"step": "make_keyframes", "job_id": job_id})
        keyframes.next(scenes)
        pictures = (
            sfn.Choice(self, "KeyframesFirst?", comment="continuity keyframes: one still per cut before the scenes")
            .when(sfn.Condition.is_present("$.script.keyframes[0]"), keyframes)
            .otherwise(scenes)
        )
        music = self._token_task("Music", media_fn, {"step": "make_music", "job_id": job_id})
        voiceover = self._token_task("Voiceover", media_fn, {"step": "make_voiceover", "job_id": job_id})
        produce = sfn.Parallel(self, "Produce", result_path=sfn.JsonPath.DISCARD)
        produce.branch(pictures).branch(music).branch(voiceover)
        compose = self._token_task("Compose", media_fn, {"step": "compose", "job_id": job_id})
        finalize = self._task("Finalize", steps_fn, {"step": "finalize", "job_id": job_id})

        fail_job = self._task(
            "FailJob",
            steps_fn,
            {"step": "fail_job", "job_id": job_id, "error": sfn.JsonPath.object_at("$.error")},
        )
        fail_job.add_catch(
            sfn.Fail(
                self,
                "FailJobFailed",
                error="Omnigen.FailJobFailed",
                cause="recording the job's failure failed; the reconcile rule marks it failed",
            ),
            errors=["States.ALL"],
            result_path="$.fail_job_error",
        )
        failed = fail_job.next(sfn.Fail(self, "JobFailed", error="Omnigen.JobFailed", cause="see the job's error"))
        for state in (write_script, produce, compose, finalize):
            state.add_catch(failed, errors=["States.ALL"], result_path="$.error")

        definition = write_script.next(produce).next(compose).next(finalize).next(sfn.Succeed(self, "Done"))
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=retention(settings.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(definition),
            timeout=Duration.seconds(settings.execution_timeout_s),
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            comment="OmniGen: brief → script → scenes, music, voiceover → compose → finalize",
        )
        role = self.state_machine.role
        ack(
            role,
            "IAM5",
            "Step Functions invokes these two functions by ARN, including their versions (ARN:*), as CDK grants.",
            *[f"Resource::<{logical_id(fn)}.Arn>:*" for fn in (steps_fn, media_fn)],
        )
        ack(
            role,
            "IAM5",
            "X-Ray and CloudWatch Logs delivery actions of Step Functions do not support resource-level permissions.",
            "Resource::*",
        )

        self._reconcile(name, steps_fn)

    def _reconcile(self, name: str, steps_fn: lambda_.IFunction) -> None:
        """Executions of this state machine that end badly → the step Lambda's `reconcile`, which
        fails the job if it is still unfinished. EventBridge retries delivery for a day; what it
        still cannot deliver waits in a dead-letter queue."""
        self.reconcile_dlq = dead_letter_queue(self, "ReconcileDlq", "reconcile rule")
        self.reconcile_rule = events.Rule(
            self,
            "Reconcile",
            description="A pipeline execution ended FAILED, TIMED_OUT or ABORTED: fail its job if unfinished",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={"stateMachineArn": [state_machine_arn(self, name)], "status": ENDED_BADLY},
            ),
        )
        self.reconcile_rule.add_target(
            targets.LambdaFunction(
                steps_fn,
                event=events.RuleTargetInput.from_object(
                    {
                        "step": "reconcile",
                        "job_id": events.EventField.from_path("$.detail.name"),  # executions are named after jobs
                        "execution": events.EventField.from_path("$.detail"),  # error/cause only when given
                    }
                ),
                dead_letter_queue=self.reconcile_dlq,
                max_event_age=Duration.hours(24),
                retry_attempts=185,
            )
        )

    def _payload(self, fields: dict) -> sfn.TaskInput:  # type: ignore[type-arg]
        return sfn.TaskInput.from_object(fields)

    def _token_task(
        self,
        id: str,
        fn: lambda_.IFunction,
        fields: dict,
        result_path: str = sfn.JsonPath.DISCARD,  # type: ignore[type-arg]
    ) -> tasks.LambdaInvoke:
        task = tasks.LambdaInvoke(
            self,
            id,
            lambda_function=fn,
            integration_pattern=sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            payload=self._payload({**fields, "task_token": sfn.JsonPath.task_token}),
            heartbeat_timeout=sfn.Timeout.duration(Duration.seconds(self.settings.step_heartbeat_s)),
            task_timeout=sfn.Timeout.duration(Duration.seconds(self.settings.step_timeout_s)),
            retry_on_service_exceptions=False,
            result_path=result_path,
        )
        return self._retry(task, ["States.HeartbeatTimeout"])

    def _task(self, id: str, fn: lambda_.IFunction, fields: dict) -> tasks.LambdaInvoke:  # type: ignore[type-arg]
        task = tasks.LambdaInvoke(
            self,
            id,
            lambda_function=fn,
            payload=self._payload(fields),
            payload_response_only=True,
            retry_on_service_exceptions=False,
            result_path=sfn.JsonPath.DISCARD,
        )
        return self._retry(task, ["StoreError"])

    @staticmethod
    def _retry(task: tasks.LambdaInvoke, extra: list[str]) -> tasks.LambdaInvoke:
        task.add_retry(
            errors=[LAMBDA_THROTTLED],
            interval=Duration.seconds(10),
            max_attempts=12,
            backoff_rate=2.0,
            max_delay=Duration.seconds(120),
            jitter_strategy=sfn.JitterType.FULL,
        )
        task.add_retry(
            errors=[RETRYABLE, *LAMBDA_TRANSIENT, *extra],
            interval=Duration.seconds(5),
            max_attempts=3,
            backoff_rate=2.0,
            max_delay=Duration.seconds(120),
            jitter_strategy=sfn.JitterType.FULL,
        )
        return task
