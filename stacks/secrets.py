"""Secrets Manager entries for the Replicate API token and the Replicate webhook signing secret.

Both are created with a random placeholder; the operator puts the real values after the first
deploy (docs/deploy.md). The Lambdas read them once per container."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as sm
from constructs import Construct

from stacks.nag import ack


class Secrets(Construct):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id)
        self.replicate_token = sm.Secret(
            self,
            "ReplicateToken",
            description="Replicate API token (r8_...) for the OmniGen model calls",
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.webhook_secret = sm.Secret(
            self,
            "ReplicateWebhookSecret",
            description="Replicate webhook signing secret (whsec_...) for OmniGen's callback route",
            removal_policy=RemovalPolicy.RETAIN,
        )
        for secret in (self.replicate_token, self.webhook_secret):
            ack(
                secret,
                "SMG4",
                "Issued by Replicate, which has no rotation API; rotate it at replicate.com and put the new "
                "value (docs/deploy.md).",
            )
