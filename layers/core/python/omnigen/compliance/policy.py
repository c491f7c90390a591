"""The compliance policy: every threshold the law leaves to us, with documented defaults.

Defaults live in `policy_defaults.yaml` next to this module (each key commented with why it has
its value). A user's YAML file is merged over them: a mapping (the jargon list) merges entry by
entry, anything else replaces the default. An unknown key or a bad value stops with a
`PolicyError` that names the key, so a typo never silently leaves a default in force.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from omnigen.validation import located_errors

DEFAULTS_FILE = "policy_defaults.yaml"

Fraction = Annotated[float, Field(gt=0, le=1)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _check_regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as err:
        raise ValueError(f"not a valid regular expression ({err}): {pattern!r}") from None
    return pattern


class ClaimPattern(BaseModel):
    """An unsubstantiated-claim pattern and the reason a finding gives for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pattern: NonEmpty
    why: NonEmpty

    @field_validator("pattern")
    @classmethod
    def _valid(cls, v: str) -> str:
        return _check_regex(v)


class Policy(BaseModel):
    """The thresholds and word lists the rules use. Frozen: one policy serves a whole check."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_ms_wpm: float = Field(gt=60, le=400)
    pace_tolerance: float = Field(ge=1.0, le=2.0)
    pace_floor_wpm: float = Field(ge=0, le=400)
    natural_wpm: float = Field(gt=60, le=400)
    duration_tolerance_s: float = Field(ge=0, le=10)
    dual_modality_tolerance_s: float = Field(ge=0, le=2)
    dual_modality_min_terms: Fraction
    min_cap_height: float = Field(gt=0, le=0.2)
    min_contrast: float = Field(ge=1, le=21)
    title_safe: float = Field(ge=0, le=0.2)
    min_duck_db: float = Field(ge=0, le=40)
    min_shot_s: float = Field(ge=0, le=30)
    risk_match_min_fraction: Fraction
    boxed_warning_min_fraction: Fraction
    indication_min_fraction: Fraction
    reminder_indication_fraction: Fraction
    max_writer_retries: int = Field(ge=0, le=10)
    jargon: dict[NonEmpty, NonEmpty]
    equivalents: dict[NonEmpty, list[NonEmpty]]
    absolute_claims: list[ClaimPattern]
    hcp_patterns: list[NonEmpty] = Field(min_length=1)
    use_patterns: list[NonEmpty]

    @field_validator("hcp_patterns", "use_patterns")
    @classmethod
    def _valid_patterns(cls, v: list[str]) -> list[str]:
        return [_check_regex(p) for p in v]

    @field_validator("jargon", "equivalents")
    @classmethod
    def _lower_keys(cls, v: dict[str, Any]) -> dict[str, Any]:
        return {k.lower(): t for k, t in v.items()}


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the key."""


@lru_cache(maxsize=1)
def _default_data() -> dict[str, Any]:
    text = resources.files("omnigen.compliance").joinpath(DEFAULTS_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise PolicyError(f"{DEFAULTS_FILE}: must be a mapping (the package is damaged)")
    return data


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(out.get(key), dict) and isinstance(value, dict):
            merged = dict(out[key])
            for k, v in value.items():
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = v
            out[key] = merged
        else:
            out[key] = value
    return out


def _validate(data: dict[str, Any], origin: str) -> Policy:
    known = set(Policy.model_fields)
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise PolicyError(f"{origin}: unknown key {unknown[0]!r} (known keys: {', '.join(sorted(known))})")
    try:
        return Policy.model_validate(data)
    except ValidationError as err:
        key, msg = located_errors(err)[0]
        raise PolicyError(f"{origin}: {key}: {msg} (got {err.errors()[0].get('input')!r})") from None


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The built-in policy (validated once; a broken defaults file is a programming error)."""
    return _validate(_default_data(), DEFAULTS_FILE)


def policy_from_data(data: dict[str, Any] | None, origin: str = "policy") -> Policy:
    """Defaults with `data` merged over them; `origin` names the source in error messages."""
    if data is None:
        return default_policy()
    if not isinstance(data, dict):
        raise PolicyError(f"{origin}: a policy must be a mapping of keys to values")
    return _validate(_merge(_default_data(), data), origin)


def load_policy(path: str | Path | None) -> Policy:
    """The policy in force: the defaults, or a user's YAML file merged over them."""
    if path is None:
        return default_policy()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyError(f"cannot read policy file {p}: {err.strerror or err}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise PolicyError(f"{p}: not valid YAML: {err}") from None
    return policy_from_data(data if data is not None else {}, str(p))
