"""The providers' credentials on AWS: the Replicate token and the webhook signing secret live in
Secrets Manager, and each Lambda's environment names the secrets it may read by ARN. They are
copied into the environment once per container, where `omnigen.config.load_settings` reads them
as it does everywhere else."""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from omnigen.config import ConfigError

CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=10, retries={"mode": "standard", "max_attempts": 5})
SECRETS = {
    "REPLICATE_API_TOKEN": "OMNIGEN_REPLICATE_SECRET_ARN",
    "OMNIGEN_WEBHOOK_SECRET": "OMNIGEN_WEBHOOK_SECRET_ARN",
}
"""Setting read by omnigen → the environment variable holding its secret's ARN."""


def load_secrets(
    env: MutableMapping[str, str] | None = None, secrets: Mapping[str, str] = SECRETS, client: Any = None
) -> None:
    """Set each setting whose secret's ARN is in the environment and that is not set already."""
    env = os.environ if env is None else env
    for name, arn_name in secrets.items():
        arn = env.get(arn_name)
        if not arn or env.get(name):
            continue
        client = client or boto3.client("secretsmanager", config=CLIENT_CONFIG)
        try:
            env[name] = str(client.get_secret_value(SecretId=arn)["SecretString"]).strip()
        except (ClientError, BotoCoreError) as err:
            raise ConfigError(f"{name}: cannot read the secret {arn} ({arn_name}) from Secrets Manager: {err}") from err
