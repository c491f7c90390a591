"""Live progress: the WebSocket API ($connect behind a Lambda authorizer that validates the Cognito
JWT, $disconnect, subscribe) and the fan-out from the jobs table's stream (MODIFY records of job
items only, partial batch failures, bisect on error, a dead-letter queue)."""

from __future__ import annotations

import json

from aws_cdk import CfnResource, Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks import config
from stacks.functions import Functions, retention
from stacks.nag import ack, logical_id
from stacks.storage import Storage, dead_letter_queue

ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "eventType": "$context.eventType",
    "status": "$context.status",
    "connectionId": "$context.connectionId",
    "error": "$context.error.message",
    "authorizerError": "$context.authorizer.error",
}


class Progress(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: config.Settings,
        functions: Functions,
        storage: Storage,
        logging_role: CfnResource,
    ):
        super().__init__(scope, id)
        z = functions.zip

        def integration(name: str) -> integrations.WebSocketLambdaIntegration:
            return integrations.WebSocketLambdaIntegration(f"{name}Integration", z[name])

        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            description="OmniGen live progress",
            route_selection_expression="$request.body.action",
            connect_route_options=apigwv2.WebSocketRouteOptions(
                integration=integration("WsConnect"),
                authorizer=authorizers.WebSocketLambdaAuthorizer(
                    "CognitoJwt", z["WsAuthorizer"], identity_source=["route.request.querystring.token"]
                ),
            ),
            disconnect_route_options=apigwv2.WebSocketRouteOptions(integration=integration("WsDisconnect")),
        )
        self.api.add_route("subscribe", integration=integration("WsSubscribe"))
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name="prod",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=settings.api_rate_limit, burst_limit=settings.api_burst_limit),
        )
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=retention(settings.log_retention_days), removal_policy=RemovalPolicy.DESTROY
        )
        cfn_stage: apigwv2.CfnStage = self.stage.node.default_child  # type: ignore[assignment]
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn, format=json.dumps(ACCESS_LOG_FORMAT)
        )
        # Access logs are written with the account's API Gateway CloudWatch role: a stage that
        # enables them before that role is set fails to deploy on a fresh account.
        cfn_stage.node.add_dependency(logging_role)
        endpoint = self.stage.callback_url
        for name in ("WsSubscribe", "Fanout"):
            self.stage.grant_management_api_access(z[name])
            z[name].add_environment("OMNIGEN_WS_ENDPOINT", endpoint)
            ack(
                z[name],
                "IAM5",
                "Posting to a connection names its id, known only at run time; scoped to this API's prod stage.",
                f"Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<{logical_id(self.api)}>"
                "/prod/*/@connections/*",
            )
        ack(
            self.api,
            "APIG4",
            "$disconnect and subscribe ride on a connection whose $connect passed the Cognito JWT authorizer; "
            "API Gateway allows an authorizer on $connect only.",
        )

        self.dlq = dead_letter_queue(self, "FanoutDlq", "fan-out")
        z["Fanout"].add_event_source(
            sources.DynamoEventSource(
                storage.jobs,
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=100,
                max_batching_window=Duration.seconds(1),
                bisect_batch_on_error=True,
                report_batch_item_failures=True,
                retry_attempts=5,
                max_record_age=Duration.hours(1),
                parallelization_factor=2,
                on_failure=sources.SqsDlq(self.dlq),
                filters=[
                    lambda_.FilterCriteria.filter(
                        {
                            "eventName": lambda_.FilterRule.is_equal("MODIFY"),
                            "dynamodb": {"NewImage": {"sk": {"S": lambda_.FilterRule.is_equal("job")}}},
                        }
                    )
                ],
            )
        )
        ack(
            z["Fanout"],
            "IAM5",
            "dynamodb:ListStreams has no resource-level permission; the stream read actions name the table's stream.",
            "Resource::*",
        )

    @property
    def url(self) -> str:
        return self.stage.url
