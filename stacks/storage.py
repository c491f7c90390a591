"""The assets bucket and the DynamoDB tables (jobs with its stream, connections, usage, idempotency,
the append-only audit trail)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from omnigen.store.tables import LIFECYCLE_TAG
from stacks import config
from stacks.nag import ack

AUDIT_ACTIONS = ("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:DescribeTable")
"""Everything a function may do to the audit table: no UpdateItem, DeleteItem or BatchWriteItem."""

S = ddb.AttributeType.STRING


def dead_letter_queue(scope: Construct, id: str, of: str) -> sqs.Queue:
    """Encrypted, TLS-only, messages kept 14 days: where `of` puts what it could not deliver."""
    queue = sqs.Queue(
        scope, id, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True, retention_period=Duration.days(14)
    )
    ack(queue, "SQS3", f"This queue is the {of}'s dead-letter queue; it needs none of its own.")
    return queue


def secure_bucket(scope: Construct, id: str, **kwargs) -> s3.Bucket:  # type: ignore[no-untyped-def]
    """Private, encrypted, TLS-only: the baseline of every bucket here."""
    return s3.Bucket(
        scope,
        id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        encryption=s3.BucketEncryption.S3_MANAGED,
        **kwargs,
    )


class Storage(Construct):
    def __init__(self, scope: Construct, id: str, *, settings: config.Settings):
        super().__init__(scope, id)
        self.logs = secure_bucket(
            self,
            "AccessLogs",
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,  # CloudFront standard logs need ACLs
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        ack(self.logs, "S1", "This is the access-log bucket; logging it into itself would loop.")

        self.assets = secure_bucket(
            self,
            "Assets",
            server_access_logs_bucket=self.logs,
            server_access_logs_prefix="s3/assets/",
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="intermediate-assets",
                    tag_filters={LIFECYCLE_TAG: "intermediate"},
                    expiration=Duration.days(settings.asset_retention_days),
                ),
                s3.LifecycleRule(
                    id="scratch",
                    prefix="tmp/",
                    expiration=Duration.days(1),
                ),
                s3.LifecycleRule(
                    id="incomplete-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
                s3.LifecycleRule(
                    id="finished-ads-tiering",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INTELLIGENT_TIERING,
                            transition_after=Duration.days(30),
                        )
                    ],
                ),
            ],
        )

        pitr = ddb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True)
        self.jobs = ddb.Table(
            self,
            "Jobs",
            partition_key=ddb.Attribute(name="job_id", type=S),
            sort_key=ddb.Attribute(name="sk", type=S),
            billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            stream=ddb.StreamViewType.NEW_IMAGE,
            point_in_time_recovery_specification=pitr,
            time_to_live_attribute=config.TTL_ATTRIBUTE,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.jobs.add_global_secondary_index(
            index_name=config.JOBS_BY_USER,
            partition_key=ddb.Attribute(name="user_id", type=S),
            sort_key=ddb.Attribute(name="created_key", type=S),
        )
        self.jobs.add_global_secondary_index(
            index_name=config.JOBS_UNFINISHED,
            partition_key=ddb.Attribute(name="open", type=S),
            sort_key=ddb.Attribute(name="created_key", type=S),
        )
        self.connections = ddb.Table(
            self,
            "Connections",
            partition_key=ddb.Attribute(name="connection_id", type=S),
            sort_key=ddb.Attribute(name="sk", type=S),
            billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=config.TTL_ATTRIBUTE,
            point_in_time_recovery_specification=pitr,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.connections.add_global_secondary_index(
            index_name=config.CONNECTIONS_BY_JOB,
            partition_key=ddb.Attribute(name="job_id", type=S),
            sort_key=ddb.Attribute(name="connection_id", type=S),
            projection_type=ddb.ProjectionType.KEYS_ONLY,
        )
        self.usage = ddb.Table(
            self,
            "Usage",
            partition_key=ddb.Attribute(name="user_id", type=S),
            sort_key=ddb.Attribute(name="month", type=S),
            billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=pitr,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # The audit trail: append-only. No TTL, kept on stack deletion, point-in-time recovery; the
        # functions may put, get and query it, never update or delete (`grant_append`).
        self.audit = ddb.Table(
            self,
            "Audit",
            partition_key=ddb.Attribute(name="pk", type=S),
            sort_key=ddb.Attribute(name="seq", type=ddb.AttributeType.NUMBER),
            billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=pitr,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.idempotency = ddb.Table(
            self,
            "Idempotency",
            partition_key=ddb.Attribute(name="key", type=S),
            billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=config.TTL_ATTRIBUTE,
            point_in_time_recovery_specification=pitr,
            removal_policy=RemovalPolicy.DESTROY,
        )

    def grant_append(self, fn: iam.IGrantable) -> None:
        """What the audit trail allows: write a new entry (conditioned on its absence by the
        adapter), read one, query a stream — and nothing that could rewrite one."""
        self.audit.grant(fn, *AUDIT_ACTIONS)

    def allow_origins(self, origins: list[str]) -> None:
        """CORS for the web app: presigned GETs (video with Range) and presigned upload PUTs."""
        self.assets.add_cors_rule(
            allowed_methods=[s3.HttpMethods.GET, s3.HttpMethods.HEAD, s3.HttpMethods.PUT],
            allowed_origins=origins,
            allowed_headers=["Content-Type", "Range", "x-amz-tagging"],
            exposed_headers=["ETag", "Content-Length", "Content-Range", "Accept-Ranges"],
            max_age=3600,
        )
