"""The published contracts the fake holds the adapters to: each model's OpenAPI schema, kept as a
fixture in tests/fixtures/replicate_schemas/ with its source and date (see `_source` in each).

Inputs are validated the way Replicate validates them — JSON Schema over the version's
`components.schemas.Input` (its `$ref`s resolved in the same document), `format` not enforced
(Replicate takes data URIs and URLs for `uri` fields) — with one deliberate difference, by
default: an input the schema does not declare is rejected. Replicate's API ignores such inputs
(replicate/cog#2943: "Replicate's API ... has historically ignored unknown inputs"; Cog now drops
them with a warning), so a renamed or removed input would silently stop doing anything; the fake
refuses it instead, so that drift fails a test. `unknown_inputs="ignore"` drops them as
Replicate does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from omnigen.providers.replicate.schema import InvalidField, input_problems

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "replicate_schemas"
UnknownInputs = Literal["reject", "ignore"]


@dataclass
class ModelContract:
    model: str
    version_id: str
    document: dict[str, Any]
    """The model object as `GET /v1/models/{owner}/{name}` returns it (without `_source`)."""
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def openapi(self) -> dict[str, Any]:
        return self.document["latest_version"]["openapi_schema"]

    @property
    def input_schema(self) -> dict[str, Any]:
        return self.openapi["components"]["schemas"]["Input"]

    @property
    def output_schema(self) -> dict[str, Any]:
        return self.openapi["components"]["schemas"]["Output"]

    def check(
        self, inputs: dict[str, Any], unknown: UnknownInputs = "reject"
    ) -> tuple[dict[str, Any], list[InvalidField]]:
        """(the inputs the model would run with, the problems found). Unknown inputs are
        problems, or dropped with `unknown="ignore"`."""
        return check_inputs(self.openapi, inputs, unknown)


def check_inputs(
    openapi: dict[str, Any], inputs: dict[str, Any], unknown: UnknownInputs = "reject"
) -> tuple[dict[str, Any], list[InvalidField]]:
    """Validate `inputs` as Replicate does (the package's own checker, `omnigen doctor`'s too);
    undeclared inputs are problems, or with `unknown="ignore"` dropped as Replicate drops them."""
    declared = set(openapi["components"]["schemas"]["Input"].get("properties", {}))
    kept = {k: v for k, v in inputs.items() if k in declared}
    problems = input_problems(openapi, inputs if unknown == "reject" else kept)
    return kept, problems


def detail(problems: list[InvalidField]) -> str:
    return "".join(f"- {p.field}: {p.description}\n" for p in problems)


@cache
def contracts() -> dict[str, ModelContract]:
    """Every fixture, by `owner/name`."""
    out = {}
    for path in sorted(FIXTURES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        source = data.pop("_source", {})
        model = f"{data['owner']}/{data['name']}"
        version = data["latest_version"]
        if not version.get("id"):
            # Not published for this model in the sources: the fake's own stable id.
            schema_text = json.dumps(version["openapi_schema"], sort_keys=True)
            version["id"] = hashlib.sha256(f"{model}\n{schema_text}".encode()).hexdigest()
        out[model] = ModelContract(model=model, version_id=version["id"], document=data, source=source)
    return out


def contract(model: str) -> ModelContract:
    return contracts()[model]
