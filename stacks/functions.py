"""The Lambdas: zip functions on the omnigen layer (API, steps, webhook, WebSocket, fan-out) and
the media function, a container image with ffmpeg sized for a 60 s 1080p compose.

Every function gets Powertools' logger, tracer and metrics settings, X-Ray tracing, its own log
group with the configured retention, and only the permissions its handler uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, AssetHashType, Duration, RemovalPolicy, Size, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks import config, staging
from stacks.layer import RUNTIME
from stacks.nag import ack, logical_id
from stacks.secrets import Secrets
from stacks.storage import Storage


@dataclass(frozen=True)
class FunctionSpec:
    handler: str
    memory_mb: int = 512
    timeout_s: int = 30
    description: str = ""


ZIP_FUNCTIONS = {
    "Api": FunctionSpec("lambdas.api.handler", 1024, 29, "REST API: the omnigen FastAPI app behind Mangum"),
    "Steps": FunctionSpec("lambdas.steps.handler", 1024, 900, "Pipeline steps without ffmpeg (script, finish)"),
    "Webhook": FunctionSpec("lambdas.webhook.handler", 256, 10, "Replicate webhook: signature, task token"),
    "WsAuthorizer": FunctionSpec("lambdas.ws.authorizer", 256, 10, "WebSocket $connect: Cognito JWT"),
    "WsConnect": FunctionSpec("lambdas.ws.connect", 256, 10, "WebSocket $connect"),
    "WsDisconnect": FunctionSpec("lambdas.ws.disconnect", 256, 10, "WebSocket $disconnect"),
    "WsSubscribe": FunctionSpec("lambdas.ws.subscribe", 256, 15, "WebSocket subscribe: replay + register"),
    "Fanout": FunctionSpec("lambdas.fanout.handler", 256, 60, "Jobs stream → WebSocket connections"),
}


def state_machine_arn(scope: Construct, name: str) -> str:
    """The pipeline's ARN from its fixed name: the step Lambdas answer its task tokens, and a
    reference to the state machine itself would make a cycle (it invokes them)."""
    return Stack.of(scope).format_arn(
        service="states", resource="stateMachine", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
    )


class Functions(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: config.Settings,
        storage: Storage,
        secrets: Secrets,
        layer: lambda_.ILayerVersion,
        state_machine_name: str,
    ):
        super().__init__(scope, id)
        self.settings = settings
        self.state_machine_name = state_machine_name
        self.environment = {
            "POWERTOOLS_SERVICE_NAME": config.SERVICE,
            "POWERTOOLS_METRICS_NAMESPACE": config.METRICS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "POWERTOOLS_LOGGER_LOG_EVENT": "false",
            "OMNIGEN_HOME": "/tmp/omnigen",
            "OMNIGEN_STORE": "aws",
            "OMNIGEN_PROVIDERS": settings.providers,
            "OMNIGEN_MAX_CONCURRENT_SCENES": str(settings.max_concurrent_scenes),
            "OMNIGEN_MODEL_SCRIPT": settings.script_model,
            "OMNIGEN_MODEL_VIDEO": settings.video_model,
            "OMNIGEN_MODEL_VIDEO_END_FRAME": settings.video_model_end_frame,
            "OMNIGEN_MODEL_MUSIC": settings.music_model,
            "OMNIGEN_MODEL_VOICE": settings.voice_model,
            "OMNIGEN_JOBS_TABLE": storage.jobs.table_name,
            "OMNIGEN_KV_TABLE": storage.idempotency.table_name,
            "OMNIGEN_CONNECTIONS_TABLE": storage.connections.table_name,
            "OMNIGEN_USAGE_TABLE": storage.usage.table_name,
            "OMNIGEN_AUDIT_TABLE": storage.audit.table_name,
            "OMNIGEN_ASSETS_BUCKET": storage.assets.bucket_name,
            "OMNIGEN_HEARTBEAT_S": "60",
            "OMNIGEN_QUOTA_JOBS_PER_MONTH": settings.quota_jobs_per_month,
            "OMNIGEN_QUOTA_USD_PER_MONTH": settings.quota_usd_per_month,
        }
        code_dir, code_hash = staging.handlers()
        code = lambda_.Code.from_asset(str(code_dir), asset_hash=code_hash, asset_hash_type=AssetHashType.CUSTOM)
        self.zip: dict[str, lambda_.Function] = {}
        for name, spec in ZIP_FUNCTIONS.items():
            self.zip[name] = lambda_.Function(
                self,
                name,
                runtime=RUNTIME,
                architecture=lambda_.Architecture.X86_64,
                code=code,
                handler=spec.handler,
                layers=[layer],
                memory_size=spec.memory_mb,
                timeout=Duration.seconds(spec.timeout_s),
                description=spec.description,
                environment=dict(self.environment),
                tracing=lambda_.Tracing.ACTIVE,
                log_group=self._log_group(name),
            )
        media_dir, _ = staging.media_context()
        self.media = lambda_.DockerImageFunction(
            self,
            "Media",
            code=lambda_.DockerImageCode.from_image_asset(str(media_dir), platform=ecr_assets.Platform.LINUX_AMD64),
            architecture=lambda_.Architecture.X86_64,
            # Memory buys vCPUs for libx264 (3,008 MB ≈ 2 vCPUs, the most a new account may set;
            # 10,240 MB = 6 once the quota is raised, docs/deploy.md). A 60 s 1080p ad with a
            # dozen clips, its voice, music and intermediate files needs well under the /tmp given.
            memory_size=settings.media_memory_mb,
            # A ceiling on concurrent renders and composes (each job runs at most
            # maxConcurrentScenes + 2 at once), so a burst of jobs cannot take the account's
            # whole concurrency or run up a bill; 0 leaves the function unreserved.
            reserved_concurrent_executions=settings.media_reserved_concurrency or None,
            ephemeral_storage_size=Size.mebibytes(settings.media_ephemeral_mb),
            timeout=Duration.seconds(900),
            description="Pipeline steps that run ffmpeg: scenes, music, voiceover, compose",
            environment=dict(self.environment),
            tracing=lambda_.Tracing.ACTIVE,
            log_group=self._log_group("Media"),
        )
        self.media.configure_async_invoke(retry_attempts=0)  # the API's re-compose reports its own failure
        self._grant(storage, secrets)

    @property
    def steps(self) -> lambda_.Function:
        return self.zip["Steps"]

    @property
    def api(self) -> lambda_.Function:
        return self.zip["Api"]

    def _log_group(self, name: str) -> logs.LogGroup:
        return logs.LogGroup(
            self,
            f"{name}Logs",
            retention=retention(self.settings.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )

    def all(self) -> list[lambda_.Function]:
        return [*self.zip.values(), self.media]

    def _grant(self, storage: Storage, secrets: Secrets) -> None:
        z = self.zip
        sm_arn = state_machine_arn(self, self.state_machine_name)
        task_response = iam.PolicyStatement(
            actions=["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
            resources=[sm_arn],
        )
        for fn in (z["Steps"], self.media):
            storage.jobs.grant_read_write_data(fn)
            storage.idempotency.grant_read_write_data(fn)
            storage.usage.grant_write_data(fn)
            storage.grant_append(fn)  # renders are recorded in the audit trail
            storage.assets.grant_read_write(fn)
            secrets.replicate_token.let_read(fn)
            fn.add_to_role_policy(task_response)
        storage.jobs.grant_read_write_data(z["Api"])
        storage.idempotency.grant_read_write_data(z["Api"])
        storage.usage.grant_read_write_data(z["Api"])  # counts new jobs, reads GET /usage and the quota
        storage.grant_append(z["Api"])
        storage.assets.grant_read_write(z["Api"])
        secrets.replicate_token.let_read(z["Api"])
        z["Api"].add_to_role_policy(iam.PolicyStatement(actions=["states:StartExecution"], resources=[sm_arn]))
        z["Api"].add_to_role_policy(
            iam.PolicyStatement(
                actions=["states:StopExecution"],
                resources=[
                    Stack.of(self).format_arn(
                        service="states",
                        resource="execution",
                        resource_name=f"{self.state_machine_name}:*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        self.media.grant_invoke(z["Api"])
        ack(
            z["Api"],
            "IAM5",
            "Stopping an execution needs its ARN, named after the job at run time; scoped to this state machine.",
            f"Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:{self.state_machine_name}:*",
        )
        ack(
            z["Api"],
            "IAM5",
            "CDK's grant_invoke also names the media function's versions (ARN:*); it is the one function invoked.",
            f"Resource::<{logical_id(self.media)}.Arn>:*",
        )
        z["Api"].add_environment("OMNIGEN_STATE_MACHINE_ARN", sm_arn)
        z["Api"].add_environment("OMNIGEN_MEDIA_FUNCTION", self.media.function_name)

        # Seen webhook ids are written (PutItem) and task records read in the key-value table.
        storage.idempotency.grant_read_write_data(z["Webhook"])
        secrets.webhook_secret.let_read(z["Webhook"])
        z["Webhook"].add_to_role_policy(task_response)

        for name in ("WsConnect", "WsDisconnect", "WsSubscribe", "Fanout"):
            storage.connections.grant_read_write_data(z[name])
        storage.jobs.grant_read_data(z["WsSubscribe"])

        for fn in self.all():
            ack(
                fn,
                "IAM4",
                "AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs.",
                "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            )
            ack(
                fn,
                "IAM5",
                "X-Ray's PutTraceSegments and PutTelemetryRecords do not support resource-level permissions.",
                "Resource::*",
            )
            ack(
                fn,
                "L1",
                "Pinned to Python 3.11, the version the omnigen layer's wheels and the media image are built for.",
            )
        ack_grants(self.all(), storage)


def ack_grants(functions: list[lambda_.IFunction], storage: Storage) -> None:
    """The wildcards CDK's table and bucket grants produce, each scoped to one of our resources."""
    why_index = "Queries on this table's own indexes (by user, by job, unfinished); no other table."
    why_objects = "Object-level actions on the assets bucket only; keys are per user and job."
    why_actions = "CDK's grant expands to the Get/Put/List/Delete families of object actions on this bucket only."
    for fn in functions:
        for table in (storage.jobs, storage.connections, storage.idempotency, storage.usage):
            ack(fn, "IAM5", why_index, f"Resource::<{logical_id(table)}.Arn>/index/*")
        ack(fn, "IAM5", why_objects, f"Resource::<{logical_id(storage.assets)}.Arn>/*")
        for action in ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"):
            ack(fn, "IAM5", why_actions, f"Action::{action}")


_RETENTION = dict(
    zip(
        [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
        [r for r in logs.RetentionDays if r != logs.RetentionDays.INFINITE],
        strict=True,
    )
)


def retention(days: int) -> logs.RetentionDays:
    """The shortest CloudWatch retention that keeps logs at least `days`."""
    return _RETENTION[min((d for d in _RETENTION if d >= days), default=3653)]
