"""Secrets Manager entries for the Replicate API token and the Replicate webhook signing secret.

Both are created with a random placeholder; the operator puts the real values after the first
deploy (docs/deploy.md). A Lambda reads, once per container, every secret whose ARN its
environment names (lambdas/runtime.py `load_secrets`), so the grant and the environment variable
are given together by `let_read`: a function can never be told of a secret its role may not read.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as sm
from constructs import Construct

from stacks.nag import ack

REPLICATE_TOKEN_ENV = "OMNIGEN_REPLICATE_SECRET_ARN"
WEBHOOK_SECRET_ENV = "OMNIGEN_WEBHOOK_SECRET_ARN"


class ReadableSecret:
    """A secret and the environment variable that names its ARN to the functions that read it."""

    def __init__(self, secret: sm.Secret, arn_env: str):
        self.secret = secret
        self.arn_env = arn_env

    @property
    def secret_arn(self) -> str:
        return self.secret.secret_arn

    def let_read(self, fn: lambda_.Function) -> None:
        self.secret.grant_read(fn)
        fn.add_environment(self.arn_env, self.secret.secret_arn)


class Secrets(Construct):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id)

        def secret(id: str, description: str, arn_env: str) -> ReadableSecret:
            return ReadableSecret(
                sm.Secret(self, id, description=description, removal_policy=RemovalPolicy.RETAIN), arn_env
            )

        self.replicate_token = secret(
            "ReplicateToken", "Replicate API token (r8_...) for the OmniGen model calls", REPLICATE_TOKEN_ENV
        )
        self.webhook_secret = secret(
            "ReplicateWebhookSecret",
            "Replicate webhook signing secret (whsec_...) for OmniGen's callback route",
            WEBHOOK_SECRET_ENV,
        )
        for readable in (self.replicate_token, self.webhook_secret):
            ack(
                readable.secret,
                "SMG4",
                "Issued by Replicate, which has no rotation API; rotate it at replicate.com and put the new "
                "value (docs/deploy.md).",
            )
