"""Acknowledging cdk-nag findings: every acknowledgment says why, next to what it is about."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct


def ack(construct: IConstruct, rule: str, reason: str, *findings: str) -> None:
    """Acknowledge `AwsSolutions-<rule>` on `construct` (and its children), or only the named
    findings of it (`AwsSolutions-IAM5[Resource::...]`) when `findings` are given."""
    ids = [f"AwsSolutions-{rule}[{f}]" for f in findings] or [f"AwsSolutions-{rule}"]
    for finding in ids:
        Validations.of(construct).acknowledge(Acknowledgment(id=finding, reason=reason))


def logical_id(resource: IConstruct) -> str:
    """The CloudFormation logical id of an L2's resource, as cdk-nag names it in findings."""
    return Stack.of(resource).get_logical_id(resource.node.default_child)  # type: ignore[arg-type]
