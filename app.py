#!/usr/bin/env python3
"""CDK app entry point: `cdk synth` / `cdk deploy` (settings from cdk.json context, `-c key=value`)."""

from __future__ import annotations

import os

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from stacks.config import APP_NAME, Settings
from stacks.omnigen_stack import OmniGenStack


def build(app: cdk.App) -> OmniGenStack:
    settings = Settings.from_context(app.node.try_get_context)
    env = None
    if os.environ.get("CDK_DEFAULT_ACCOUNT"):
        env = cdk.Environment(account=os.environ["CDK_DEFAULT_ACCOUNT"], region=os.environ.get("CDK_DEFAULT_REGION"))
    stack = OmniGenStack(app, app.node.try_get_context("stackName") or APP_NAME, settings=settings, env=env)
    cdk.Tags.of(stack).add("project", "omnigen")
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return stack


if __name__ == "__main__":
    app = cdk.App()
    build(app)
    app.synth()
