"""The REST API: every `/api/v1` route goes to the API Lambda (the omnigen FastAPI app) behind a
Cognito authorizer, except `GET /api/v1/health`, the share links' `/api/v1/shared/{token}` (the
signed token is their credential) and Replicate's `POST /api/v1/webhooks/replicate`
(open, its signature checked by the webhook Lambda; each open route throttled on its own, apart
from the stage's default). JSON access logs, X-Ray, and CORS for the web app's origin — on
preflights and on API Gateway's own error responses. The account-level CloudWatch role this
API creates is also what the WebSocket stage's access logs need (`logging_role`)."""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks import config
from stacks.functions import retention
from stacks.nag import ack

STAGE = "prod"
HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID", "If-Match"]
EXPOSED = ["Idempotent-Replayed", "ETag"]
"""The web app (on CloudFront) calls the API cross-origin: a save names the draft revision it
read in `If-Match`, which it can only do when it may read the draft's `ETag`."""


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        settings: config.Settings,
        origins: list[str],
        user_pool: cognito.IUserPool,
        api_fn: lambda_.IFunction,
        webhook_fn: lambda_.IFunction,
    ):
        super().__init__(scope, id)
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=retention(settings.log_retention_days), removal_policy=RemovalPolicy.DESTROY
        )
        self.rest_api = apigw.RestApi(
            self,
            "Rest",
            description="OmniGen HTTP API (/api/v1)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.DESTROY,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE,
                throttling_rate_limit=settings.api_rate_limit,
                throttling_burst_limit=settings.api_burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                metrics_enabled=True,
                tracing_enabled=True,
                # The two open routes have throttles of their own, apart from the stage's.
                method_options={
                    f"{config.API_PREFIX}/health/GET": apigw.MethodDeploymentOptions(
                        throttling_rate_limit=settings.health_rate_limit,
                        throttling_burst_limit=settings.health_burst_limit,
                    ),
                    f"{config.API_PREFIX}/{config.WEBHOOK_PATH}/POST": apigw.MethodDeploymentOptions(
                        throttling_rate_limit=settings.webhook_rate_limit,
                        throttling_burst_limit=settings.webhook_burst_limit,
                    ),
                },
            ),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=origins,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                allow_headers=HEADERS,
                expose_headers=EXPOSED,
            ),
        )
        # API Gateway's own answers (throttled, unauthorized, ...) carry the same security headers
        # as the app's (omnigen.api.security_headers); a CSP's quoted keywords cannot be written
        # in a gateway response's quoted value, so X-Frame-Options stands in for frame-ancestors.
        cors = {
            "Access-Control-Allow-Origin": f"'{origins[0]}'",
            "Vary": "'Origin'",
            "X-Content-Type-Options": "'nosniff'",
            "Referrer-Policy": "'no-referrer'",
            "X-Frame-Options": "'DENY'",
        }
        for kind in (apigw.ResponseType.DEFAULT_4_XX, apigw.ResponseType.DEFAULT_5_XX):
            self.rest_api.add_gateway_response(f"Cors{kind.response_type}", type=kind, response_headers=cors)

        authorizer = apigw.CognitoUserPoolsAuthorizer(self, "Authorizer", cognito_user_pools=[user_pool])
        validator = self.rest_api.add_request_validator(
            "Validate", validate_request_body=True, validate_request_parameters=True
        )
        app = apigw.LambdaIntegration(api_fn)
        v1 = self.rest_api.root.add_resource("api").add_resource("v1")
        v1.add_resource("{proxy+}").add_method(
            "ANY",
            app,
            authorizer=authorizer,
            authorization_type=apigw.AuthorizationType.COGNITO,
            request_validator=validator,
        )
        v1.add_resource("health").add_method("GET", app, request_validator=validator)
        # Share links: an outside reviewer has no Cognito account; the signed token in the path is
        # the credential, checked by the app (which serves only that one version through it).
        v1.add_resource("shared").add_resource("{proxy+}").add_method("ANY", app, request_validator=validator)
        webhook = v1.add_resource("webhooks").add_resource("replicate")
        webhook.add_method("POST", apigw.LambdaIntegration(webhook_fn), request_validator=validator)
        # Built from the API's id, not its stage: the step Lambdas carry this URL, and a reference
        # to the stage would make them depend on the deployment (a cycle through the API Lambda).
        self.webhook_url = (
            f"https://{self.rest_api.rest_api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}/"
            f"{STAGE}{config.API_PREFIX}/{config.WEBHOOK_PATH}"
        )

        why_open = (
            "Open on purpose: {} (the preflights are CORS OPTIONS, the health check is public, and "
            "Replicate's webhook carries no Cognito token — its signature is verified instead)."
        )
        for rule in ("APIG4", "COG4"):
            ack(self.rest_api, rule, why_open.format("health, CORS preflights, the Replicate webhook and share links"))
        ack(
            self.rest_api,
            "APIG3",
            "Throttled per stage and per open route; a WAF web ACL is an optional add-on (docs/deploy.md).",
        )
        ack(
            self.rest_api,
            "IAM4",
            "API Gateway's account-level CloudWatch role uses the AWS managed push-to-CloudWatch-Logs policy.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        )

    @property
    def logging_role(self) -> apigw.CfnAccount:
        """API Gateway's account setting naming the CloudWatch Logs role: any stage with access
        logs must be deployed after it (on a fresh account nothing else sets it)."""
        account = self.rest_api.node.find_child("Account")
        assert isinstance(account, apigw.CfnAccount)
        return account

    @property
    def url(self) -> str:
        return self.rest_api.url_for_path(config.API_PREFIX)
