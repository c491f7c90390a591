"""Checking a request against a model version's published OpenAPI schema, as Replicate does.

One function serves `omnigen doctor` (against the schema Replicate serves now) and the tests'
fake (against the schemas kept as fixtures): JSON Schema over `components.schemas.Input`, its
`$ref`s resolved in the same document, `format` not enforced (Replicate takes data URIs and URLs
for `uri` fields). An input the schema does not declare is reported as
`additional_property_not_allowed`: Replicate's API does not refuse such an input, it ignores it
(replicate/cog#2943: the API "has historically ignored unknown inputs"), which is why it must be
caught here — a renamed input would otherwise silently stop doing anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class InvalidField:
    """One problem, in the shape of Replicate's 422 `invalid_fields` entries."""

    type: str
    field: str
    description: str


def input_problems(openapi: dict[str, Any], inputs: dict[str, Any]) -> list[InvalidField]:
    """What is wrong with `inputs` for the version whose schema is `openapi`: undeclared inputs
    first, then what JSON Schema validation of the declared ones finds."""
    from jsonschema import Draft202012Validator

    components = openapi.get("components") or {}
    declared = set((components.get("schemas") or {}).get("Input", {}).get("properties", {}))
    problems = [
        InvalidField("additional_property_not_allowed", f"input.{k}", f"Additional property {k} is not allowed")
        for k in inputs
        if k not in declared
    ]
    root = {"components": components, "$ref": "#/components/schemas/Input"}
    kept = {k: v for k, v in inputs.items() if k in declared}
    for err in sorted(Draft202012Validator(root).iter_errors(kept), key=lambda e: [str(p) for p in e.path]):
        where = ".".join(["input", *(str(p) for p in err.path)])
        problems.append(InvalidField(str(err.validator), where, err.message))
    return problems


def output_kind(openapi: dict[str, Any]) -> str:
    """`file` (a URI string), `text` (a string or an iterator of strings), or what else it is."""
    out = ((openapi.get("components") or {}).get("schemas") or {}).get("Output") or {}
    if out.get("type") == "string":
        return "file" if out.get("format") == "uri" else "text"
    if out.get("type") == "array" and (out.get("items") or {}).get("type") == "string":
        return "file" if (out.get("items") or {}).get("format") == "uri" else "text"
    return str(out.get("type") or "unknown")
