"""What a person or client writes (brief, timeline) is held to the same rules wherever it
arrives — the API, the CLI's YAML, the AWS handlers: no non-finite number, no bool or string
standing in for a number (issue 14 items 4 and 13)."""

from __future__ import annotations

import math

import pytest
import yaml
from pydantic import ValidationError

from omnigen.brief import BriefError, parse_brief_text
from omnigen.timeline import Timeline

TIMELINE = {
    "output": {"width": 640, "height": 360},
    "clips": [{"scene_index": 1, "asset": "users/u/jobs/j/clips/scene_1.mp4", "out_s": 4.0}],
    "texts": [{"text": "Veltrexa", "start_s": 0.5, "end_s": 3.0}],
}


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize("where", [("clips", "out_s"), ("texts", "end_s"), ("texts", "start_s")])
def test_timeline_refuses_non_finite_numbers(value: float, where: tuple[str, str]) -> None:
    data = yaml.safe_load(yaml.safe_dump(TIMELINE))
    data[where[0]][0][where[1]] = value
    with pytest.raises(ValidationError, match="finite"):
        Timeline.model_validate(data)


def test_timeline_yaml_inf_is_refused() -> None:
    text = yaml.safe_dump(TIMELINE).replace("out_s: 4.0", "out_s: .inf")
    with pytest.raises(ValidationError, match="finite"):
        Timeline.model_validate(yaml.safe_load(text))


@pytest.mark.parametrize("value", [True, "4.0"])
def test_timeline_numbers_are_numbers(value: object) -> None:
    data = yaml.safe_load(yaml.safe_dump(TIMELINE))
    data["clips"][0]["out_s"] = value
    with pytest.raises(ValidationError):
        Timeline.model_validate(data)
    assert Timeline.model_validate(TIMELINE).clips[0].out_s == 4.0  # an int-valued float stays fine


@pytest.mark.parametrize("line", ["duration_s: true", "duration_s: '30'", "seed: 1.5"])
def test_brief_numbers_are_numbers(line: str) -> None:
    text = f"""prompt: A hopeful spot about a gardener and her roses
{line}
product:
  brand_name: Veltrexa
  generic_name: veltrexamab
  indication: plaque psoriasis in adults
  side_effects: [serious infections]
"""
    with pytest.raises(BriefError) as err:
        parse_brief_text(text)
    assert err.value.problems[0][0] == line.split(":")[0]
