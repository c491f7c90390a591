"""Pydantic's validation errors as (field, message) pairs a person can act on: one formatter for
every place that shows them (a brief, a script or timeline file, a policy, an API request, a
model's reply sent back to it).

A field is a path, `product.side_effects.0` (what the web app keys its inputs by) or, for people
reading a file, `scenes[0].duration_s`. A model-level check names its field at the start of its
message ("product.side_effects: ..."): that becomes the field. Pydantic's "Value error, " prefix
is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from pydantic import ConfigDict, ValidationError

INPUT_MODEL = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
"""The config of every model a person or client writes (brief, timeline, API request bodies):
unknown fields refused, no coercion (`true` or `"30"` is not a number, `1` is not text) and no
non-finite number (`Infinity`, `NaN`: JSON has none, and a stored one reads back as null)."""

_NAMED = re.compile(r"^([a-z_]+(?:\.[a-z_0-9]+)+|[a-z_]+): (.+)$", re.S)


def field_path(loc: Iterable[Any], *, brackets: bool = False, skip: Collection[str] = ()) -> str:
    """`("scenes", 0, "duration_s")` → `scenes.0.duration_s`, or `scenes[0].duration_s` with
    `brackets`; parts in `skip` (FastAPI's `body`, `query`, ...) are left out."""
    out = ""
    for part in loc:
        if isinstance(part, str) and part in skip:
            continue
        if brackets and isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def located_errors(
    errors: ValidationError | Iterable[Mapping[str, Any]],
    *,
    brackets: bool = False,
    skip: Collection[str] = (),
    wording: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """(field, message) per error. `wording` replaces pydantic's message for an error type
    (`missing`, `extra_forbidden`, ...); the field is "" for an error about the whole thing."""
    items = errors.errors() if isinstance(errors, ValidationError) else errors
    out: list[tuple[str, str]] = []
    for e in items:
        field = field_path(e.get("loc", ()), brackets=brackets, skip=skip)
        message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        if wording and e.get("type") in wording:
            message = wording[str(e["type"])]
        elif not field:
            named = _NAMED.match(message)
            if named:
                field, message = named[1], named[2]
        out.append((field, message))
    return out
