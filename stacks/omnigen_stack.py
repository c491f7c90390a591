"""The OmniGen stack: composes the constructs, wires their outputs together, nothing more."""

from __future__ import annotations

from aws_cdk import Aws, CfnOutput, Stack
from constructs import Construct

from stacks import config
from stacks.alarms import Alarms
from stacks.api import Api
from stacks.auth import Auth
from stacks.functions import Functions
from stacks.layer import OmnigenLayer
from stacks.pipeline import Pipeline
from stacks.secrets import Secrets
from stacks.storage import Storage
from stacks.web import Web
from stacks.websocket import Progress


class OmniGenStack(Stack):
    def __init__(self, scope: Construct, id: str, *, settings: config.Settings, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(scope, id, description="OmniGen: compliant prescription-drug video ads", **kwargs)
        state_machine_name = f"{self.stack_name}-pipeline"

        # Storage's access-log bucket also takes CloudFront's logs, and the web app's origin is
        # needed by the assets bucket's CORS: create the logs first, then the site, then storage.
        storage = Storage(self, "Storage", settings=settings)
        web = Web(self, "Web", logs=storage.logs)
        origins = [web.origin, *settings.web_origins]
        storage.allow_origins(origins)

        auth = Auth(self, "Auth", settings=settings, app_urls=[f"{o}/" for o in origins])
        secrets = Secrets(self, "Secrets")
        layer = OmnigenLayer(self, "Layer", with_dependencies=settings.layer_dependencies)
        functions = Functions(
            self,
            "Functions",
            settings=settings,
            storage=storage,
            secrets=secrets,
            layer=layer.layer,
            state_machine_name=state_machine_name,
        )
        pipeline = Pipeline(
            self,
            "Pipeline",
            settings=settings,
            name=state_machine_name,
            steps_fn=functions.steps,
            media_fn=functions.media,
        )
        api = Api(
            self,
            "Api",
            settings=settings,
            origins=origins,
            user_pool=auth.user_pool,
            api_fn=functions.api,
            webhook_fn=functions.zip["Webhook"],
        )
        progress = Progress(
            self, "Progress", settings=settings, functions=functions, storage=storage, logging_role=api.logging_role
        )

        cognito = {
            "region": Aws.REGION,
            "userPoolId": auth.user_pool.user_pool_id,
            "clientId": auth.client.user_pool_client_id,
            "domain": f"https://{auth.domain.domain_name}.auth.{Aws.REGION}.amazoncognito.com",
        }
        for fn in (functions.api, functions.zip["WsAuthorizer"]):
            fn.add_environment("OMNIGEN_USER_POOL_ID", auth.user_pool.user_pool_id)
            fn.add_environment("OMNIGEN_USER_POOL_CLIENT_ID", auth.client.user_pool_client_id)
        for fn in (functions.api, functions.zip["WsAuthorizer"]):  # CORS; the WebSocket's Origin check
            fn.add_environment("OMNIGEN_CORS_ORIGINS", ",".join(origins))
        for fn in (functions.steps, functions.media):
            fn.add_environment("OMNIGEN_WEBHOOK_URL", api.webhook_url)
        web.publish({"mode": "aws", "apiBase": api.url, "wsUrl": progress.url, "cognito": cognito})

        Alarms(
            self,
            "Alarms",
            settings=settings,
            state_machine=pipeline.state_machine,
            functions={**functions.zip, "Media": functions.media},
            dlqs={
                "FanoutDlq": (
                    progress.dlq,
                    "Progress updates could not be delivered to WebSocket clients; see the dead-letter queue.",
                ),
                "ReconcileDlq": (
                    pipeline.reconcile_dlq,
                    "A job whose execution ended badly could not be marked failed; see the dead-letter queue.",
                ),
            },
            rest_api=api.rest_api,
        )

        CfnOutput(self, "WebUrl", value=web.origin)
        CfnOutput(self, "ApiUrl", value=api.url)
        CfnOutput(self, "WebSocketUrl", value=progress.url)
        CfnOutput(self, "WebhookUrl", value=api.webhook_url)
        CfnOutput(self, "UserPoolId", value=auth.user_pool.user_pool_id)
        CfnOutput(self, "StateMachineArn", value=pipeline.state_machine.state_machine_arn)
        CfnOutput(self, "AssetsBucket", value=storage.assets.bucket_name)
        CfnOutput(self, "ReplicateTokenSecret", value=secrets.replicate_token.secret_arn)
        CfnOutput(self, "WebhookSecret", value=secrets.webhook_secret.secret_arn)
