import pytest
from conftest import SHARED_BRIEFS

from omnigen.brief import BriefError, load_brief, output_size, parse_brief

SHARED = SHARED_BRIEFS


def _minimal(**over):
    data = {
        "prompt": "A gardener gets back to her roses",
        "product": {
            "brand_name": "Veltrexa",
            "generic_name": "veltrexamab",
            "indication": "plaque psoriasis",
            "side_effects": ["serious infections"],
        },
    }
    data.update(over)
    return data


@pytest.mark.parametrize("path", sorted(SHARED.glob("*.yaml")), ids=lambda p: p.name)
def test_shared_briefs_load(path):
    brief = load_brief(path)
    assert brief.product.brand_name
    assert brief.duration_s in (30, 60)


def test_defaults():
    b = parse_brief(_minimal())
    assert (b.duration_s, b.aspect_ratio, b.resolution, b.continuity, b.ad_type) == (
        30,
        "16:9",
        "1080p",
        "auto",
        "product_claim",
    )
    assert b.loudness_lufs == -24.0


@pytest.mark.parametrize(
    ("aspect", "res", "size"),
    [
        ("16:9", "1080p", (1920, 1080)),
        ("9:16", "720p", (720, 1280)),
        ("1:1", "360p", (360, 360)),
        ("16:9", "480p", (854, 480)),
    ],
)
def test_output_size(aspect, res, size):
    assert output_size(aspect, res) == size


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"aspect_ratio": "4:3"}, "aspect_ratio", "16:9"),
        ({"duration_s": 5}, "duration_s", "10"),
        ({"resolution": "4k"}, "resolution", "1080p"),
        ({"prompt": "hi"}, "prompt", "10 characters"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_errors_name_field_and_accepted_values(over, field, words):
    with pytest.raises(BriefError) as exc:
        parse_brief(_minimal(**over))
    fields = [f for f, _ in exc.value.problems]
    assert field in fields
    assert words in str(exc.value)


def test_missing_nested_field_is_named():
    data = _minimal()
    del data["product"]["brand_name"]
    with pytest.raises(BriefError) as exc:
        parse_brief(data)
    assert exc.value.problems == [("product.brand_name", "required")]


def test_product_claim_needs_risks():
    data = _minimal()
    data["product"]["side_effects"] = []
    with pytest.raises(BriefError) as exc:
        parse_brief(data)
    assert exc.value.problems[0][0] == "product.side_effects"
    assert parse_brief({**data, "ad_type": "reminder"}).ad_type == "reminder"


def test_not_a_mapping():
    with pytest.raises(BriefError):
        parse_brief(["x"])
