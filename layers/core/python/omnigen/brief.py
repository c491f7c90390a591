"""The brief: what a user asks for. Validated once, at the edge, with errors that name the field.

A brief is plain data (YAML or JSON). Every other part of OmniGen trusts a `Brief` object, so
every limit a downstream step relies on (lengths, list sizes, allowed values) lives here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from omnigen.documents import DocumentError, parse_json_or_yaml
from omnigen.validation import located_errors

AspectRatio = Literal["16:9", "9:16", "1:1"]
Resolution = Literal["1080p", "720p", "480p", "360p"]
Continuity = Literal["auto", "chain", "parallel", "keyframes"]
AdType = Literal["product_claim", "reminder", "help_seeking"]
LoudnessTarget = Literal["broadcast", "web"]

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1500)]

SHORT_SIDE: dict[str, int] = {"1080p": 1080, "720p": 720, "480p": 480, "360p": 360}
LOUDNESS_LUFS: dict[str, float] = {"broadcast": -24.0, "web": -14.0}


class Product(BaseModel):
    """The label facts the ad must state; they come from the approved prescribing information."""

    model_config = ConfigDict(extra="forbid")

    brand_name: ShortText
    generic_name: ShortText
    indication: LongText
    dosage: LongText | None = None
    side_effects: list[ShortText] = Field(default_factory=list, max_length=20)
    contraindications: list[ShortText] = Field(default_factory=list, max_length=20)
    boxed_warning: LongText | None = None
    image: Annotated[str, StringConstraints(max_length=1024)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    website: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    print_ad: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None


class Brief(BaseModel):
    """One ad request. `duration_s` is the finished ad's exact length."""

    model_config = ConfigDict(extra="forbid")

    prompt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]
    duration_s: int = Field(30, ge=10, le=120)
    style: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    aspect_ratio: AspectRatio = "16:9"
    resolution: Resolution = "1080p"
    continuity: Continuity = "auto"
    ad_type: AdType = "product_claim"
    loudness: LoudnessTarget = "broadcast"
    seed: int = Field(0, ge=0, le=2**31 - 1)
    product: Product
    music_mood: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None

    @model_validator(mode="after")
    def _risks_required_for_claims(self) -> Brief:
        if self.ad_type == "product_claim" and not self.product.side_effects:
            raise ValueError(
                "product.side_effects: a product_claim ad must list at least one major risk "
                "(use ad_type: reminder or help_seeking for ads that state no use)"
            )
        return self

    def output_size(self) -> tuple[int, int]:
        """Frame size in pixels: the resolution is the short side; both sides are even."""
        return output_size(self.aspect_ratio, self.resolution)

    @property
    def loudness_lufs(self) -> float:
        return LOUDNESS_LUFS[self.loudness]


def output_size(aspect_ratio: str, resolution: str) -> tuple[int, int]:
    short = SHORT_SIDE[resolution]
    w, h = (int(x) for x in aspect_ratio.split(":"))
    long_side = round(short * max(w, h) / min(w, h) / 2) * 2
    return (long_side, short) if w >= h else (short, long_side)


class BriefError(ValueError):
    """A brief that cannot be used. `problems` holds one (field, message) pair per fault."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" if f else m for f, m in problems))

    def lines(self) -> list[str]:
        return [f"{f}: {m}" if f else m for f, m in self.problems]


WORDING = {"extra_forbidden": "unknown field (check its spelling against the brief reference)", "missing": "required"}


def parse_brief(data: Any) -> Brief:
    """Validate already-parsed data; raise `BriefError` naming every bad field."""
    if not isinstance(data, dict):
        raise BriefError([("", "a brief must be a mapping of fields (YAML or JSON object)")])
    try:
        return Brief.model_validate(data)
    except ValidationError as err:
        raise BriefError(located_errors(err, wording=WORDING)) from None


def parse_brief_text(text: str) -> Brief:
    """Parse YAML or JSON text."""
    try:
        data = parse_json_or_yaml(text)
    except DocumentError as err:
        raise BriefError([("", f"not valid YAML or JSON: {err}")]) from None
    return parse_brief(data)


def load_brief(path: str | Path) -> Brief:
    """Read a brief file. A relative `product.image` is taken relative to the brief's folder."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise BriefError([("", f"cannot read brief file {p}: {err.strerror or err}")]) from None
    brief = parse_brief_text(text)
    image = brief.product.image
    if image and "://" not in image and not Path(image).is_absolute():
        resolved = (p.parent / image).resolve()
        brief = brief.model_copy(update={"product": brief.product.model_copy(update={"image": str(resolved)})})
    return brief
