"""Synthesize the CDK app once per test session (it takes ~30 s on two cores): offline, with the
layer built from omnigen's source alone, cdk-nag's AwsSolutions checks attached as in app.py."""

from __future__ import annotations

import functools
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `app`, `stacks` and `lambdas` live at the top of the repository
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

STACK = "OmniGen"


@dataclass(frozen=True)
class Synth:
    outdir: Path
    template: dict[str, Any]

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.template["Resources"].items() if v["Type"] == kind}

    def validation_report(self) -> dict[str, Any]:
        return json.loads((self.outdir / "validation-report.json").read_text())


@functools.cache
def synthesize() -> Synth:
    import aws_cdk as cdk

    from app import build

    outdir = Path(tempfile.mkdtemp(prefix="omnigen-cdk-"))
    app = cdk.App(context={"layerDependencies": False, "stackName": STACK}, outdir=str(outdir))
    build(app)
    app.synth()  # raises when a validation plugin (cdk-nag) reports an unacknowledged finding
    template = json.loads((outdir / f"{STACK}.template.json").read_text())
    return Synth(outdir, template)


def state_machine_definition(synth: Synth, arns: dict[str, str], region: str, account: str) -> str:
    """The pipeline's ASL with CloudFormation references resolved: `arns` maps a Lambda's logical
    id to the ARN to put in its place."""
    (sm,) = synth.resources("AWS::StepFunctions::StateMachine").values()
    body = sm["Properties"]["DefinitionString"]
    parts = body["Fn::Join"][1] if isinstance(body, dict) else [body]
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif "Fn::GetAtt" in part:
            out.append(arns[part["Fn::GetAtt"][0]])
        elif part.get("Ref") == "AWS::Partition":
            out.append("aws")
        elif part.get("Ref") == "AWS::Region":
            out.append(region)
        elif part.get("Ref") == "AWS::AccountId":
            out.append(account)
        else:
            raise ValueError(f"unexpected reference in the state machine definition: {part}")
    return "".join(out)
