"""Operations: alarms on failed or timed-out executions, Lambda errors, the fan-out's dead-letter
queue and API 5xx, all to one SNS topic (with an optional e-mail subscription)."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
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
        dlq: sqs.IQueue,
        rest_api: apigw.RestApi,
    ):
        super().__init__(scope, id)
        self.topic = sns.Topic(
            self,
            "Topic",
            display_name="OmniGen alarms",
            enforce_ssl=True,
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
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
        alarm(
            "FanoutDlq",
            dlq.metric_approximate_number_of_messages_visible(period=five_min, statistic="Max"),
            "Progress updates could not be delivered to WebSocket clients; see the dead-letter queue.",
        )
        alarm(
            "Api5xx",
            rest_api.metric_server_error(period=five_min, statistic="Sum"),
            "The REST API answered 5xx.",
            threshold=5,
        )
