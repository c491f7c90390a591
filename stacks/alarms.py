"""Operations: alarms on failed or timed-out executions, Lambda errors, the fan-out's dead-letter
queue and API 5xx, all to one SNS topic (with an optional e-mail subscription).

The topic is encrypted with a customer-managed key: CloudWatch cannot use the AWS-managed SNS key
(`alias/aws/sns`, whose policy nobody can change), so alarms on a topic under it never notify.
The key's policy lets CloudWatch generate data keys and decrypt; the topic's policy lets CloudWatch
publish, for this account's alarms only."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from stacks import config


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: config.Settings,
        state_machine: sfn.StateMachine,
        functions: dict[str, lambda_.IFunction],
        dlqs: dict[str, tuple[sqs.IQueue, str]],
        rest_api: apigw.RestApi,
    ):
        super().__init__(scope, id)
        cloudwatch = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        from_our_alarms = {
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
            "ArnLike": {"aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"},
        }
        self.key = kms.Key(
            self,
            "TopicKey",
            description="OmniGen alarm topic: CloudWatch encrypts the notifications it publishes",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[cloudwatch],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions=from_our_alarms,
            )
        )
        self.topic = sns.Topic(self, "Topic", display_name="OmniGen alarms", enforce_ssl=True, master_key=self.key)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsPublish",
                principals=[cloudwatch],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=from_our_alarms,
            )
        )
        if settings.alarm_email:
            self.topic.add_subscription(subs.EmailSubscription(settings.alarm_email))
        five_min = Duration.minutes(5)
        self.alarms: list[cw.Alarm] = []

        def alarm(id: str, metric: cw.IMetric, description: str, threshold: float = 1) -> None:
            a = cw.Alarm(
                self,
                id,
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                alarm_description=description,
            )
            a.add_alarm_action(actions.SnsAction(self.topic))
            self.alarms.append(a)

        alarm(
            "ExecutionsFailed",
            state_machine.metric_failed(period=five_min, statistic="Sum"),
            "A pipeline execution failed (the job is marked failed with its error).",
        )
        alarm(
            "ExecutionsTimedOut",
            state_machine.metric_timed_out(period=five_min, statistic="Sum"),
            "A pipeline execution hit its overall timeout.",
        )
        for name, fn in functions.items():
            alarm(
                f"{name}Errors", fn.metric_errors(period=five_min, statistic="Sum"), f"The {name} Lambda raised errors."
            )
        for name, (queue, description) in dlqs.items():
            alarm(
                name, queue.metric_approximate_number_of_messages_visible(period=five_min, statistic="Max"), description
            )
        alarm(
            "Api5xx",
            rest_api.metric_server_error(period=five_min, statistic="Sum"),
            "The REST API answered 5xx.",
            threshold=5,
        )
