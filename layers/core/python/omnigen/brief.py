"""The brief: what a user asks for. Validated once, at the edge, with errors that name the field.

A brief is plain data (YAML or JSON). Every other part of OmniGen trusts a `Brief` object, so
every limit a downstream step relies on (lengths, list sizes, allowed values) lives here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from omnigen.documents import DocumentError, parse_json_or_yaml
from omnigen.safe_text import text_field
from omnigen.validation import INPUT_MODEL, located_errors

AspectRatio = Literal["16:9", "9:16", "1:1"]
Resolution = Literal["1080p", "720p", "480p", "360p"]
Continuity = Literal["auto", "chain", "parallel", "keyframes"]
AdType = Literal["product_claim", "reminder", "help_seeking"]
LoudnessTarget = Literal["broadcast", "web"]

# Every text field is a `text_field`: stripped, bounded, and checked by `omnigen.safe_text`.
ShortText = text_field(300, min_length=1)
LongText = text_field(1500, min_length=1)
PromptText = text_field(2000, min_length=10)
Text300 = text_field(300)
Text200 = text_field(200)
PhoneText = text_field(40)

SHORT_SIDE: dict[str, int] = {"1080p": 1080, "720p": 720, "480p": 480, "360p": 360}
LOUDNESS_LUFS: dict[str, float] = {"broadcast": -24.0, "web": -14.0}


class Product(BaseModel):
    """The label facts the ad must state; they come from the approved prescribing information."""

    model_config = INPUT_MODEL

    brand_name: ShortText
    generic_name: ShortText
    indication: LongText
    dosage: LongText | None = None
    side_effects: list[ShortText] = Field(
        default_factory=list,
        max_length=20,
        description="the major risks, spoken and shown; at least one is required when ad_type is product_claim",
    )
    contraindications: list[ShortText] = Field(default_factory=list, max_length=20)
    boxed_warning: LongText | None = None
    image: Annotated[str, StringConstraints(max_length=1024)] | None = Field(
        None,
        description="a PNG or JPEG product shot (.png/.jpg/.jpeg). Through the API: exactly the `key` "
        "POST /uploads returned to this caller, uploaded and passing its checks; the CLI also takes a file path",
    )
    phone: PhoneText | None = None
    website: Text200 | None = None
    print_ad: Text300 | None = None


class Brief(BaseModel):
    """One ad request. `duration_s` is the finished ad's exact length.

    Rules across fields: an `ad_type` of `product_claim` needs at least one
    `product.side_effects` entry; `product.image`, when given through the API, must be an upload
    key of the caller's (see its description)."""

    model_config = INPUT_MODEL

    prompt: PromptText
    duration_s: int = Field(30, ge=10, le=120)
    style: Text300 = ""
    aspect_ratio: AspectRatio = "16:9"
    resolution: Resolution = "1080p"
    continuity: Continuity = "auto"
    ad_type: AdType = Field(
        "product_claim",
        description="product_claim (names the drug and its use: needs product.side_effects), reminder or help_seeking",
    )
    loudness: LoudnessTarget = "broadcast"
    seed: int = Field(0, ge=0, le=2**31 - 1)
    product: Product
    music_mood: Text200 | None = None

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


MAX_BRIEF_BYTES = 1_000_000
"""A brief (or script, or timeline) is a few pages of text; a larger file is refused before it is
parsed (parsing a 50 MB YAML file takes a minute)."""


def read_text_file(path: Path, what: str = "brief") -> str:
    """The text of a hand-written file (a brief, a script, a timeline), or BriefError saying plainly
    why it cannot be one: unreadable, over `MAX_BRIEF_BYTES`, binary, or not UTF-8."""

    def refuse(why: str) -> BriefError:
        return BriefError([("", f"{what} file {path} {why}")])

    try:
        with path.open("rb") as f:
            data = f.read(MAX_BRIEF_BYTES + 1)
    except OSError as err:
        raise BriefError([("", f"cannot read {what} file {path}: {err.strerror or err}")]) from None
    if len(data) > MAX_BRIEF_BYTES:
        raise refuse(f"is larger than {MAX_BRIEF_BYTES // 1_000_000} MB; a {what} is a short text file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse("is UTF-16 text: save it as UTF-8")
    if b"\x00" in data:
        raise refuse("is a binary file, not YAML or JSON text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        at = f"byte 0x{data[err.start]:02x} at offset {err.start}"
        raise refuse(f"is not UTF-8 text ({at}): save it as UTF-8") from None


def load_brief(path: str | Path) -> Brief:
    """Read a brief file. A relative `product.image` is taken relative to the brief's folder, and a
    local image must exist (its content is checked where the job is made)."""
    p = Path(path)
    brief = parse_brief_text(read_text_file(p))
    image = brief.product.image
    if image and "://" not in image:
        resolved = Path(image) if Path(image).is_absolute() else (p.parent / image).resolve()
        if not resolved.is_file():
            raise BriefError(
                [("product.image", f"no such file: {resolved} (a relative path is taken from the brief's folder)")]
            )
        brief = brief.model_copy(update={"product": brief.product.model_copy(update={"image": str(resolved)})})
    return brief
