"""The fit search finds the shortest whole-second length a brief's risks fit in, within a
bounded number of script plans, and names the broadcast length to buy beside it. The oracle
is the plain scan: every whole second from the brief's length up, planned and judged."""

from __future__ import annotations

import pytest

from omnigen.brief import parse_brief
from omnigen.compliance import load_policy
from omnigen.pipeline.fit import STANDARD, _fits, fit, shortest_fitting, standard_from

BOXED = (
    "Serious infections that may lead to hospitalization or death, including tuberculosis, and cancers "
    "such as lymphoma have occurred."
)


def _brief(duration_s: int, boxed: str | None = BOXED, effects: int = 4):
    side = ["serious infections", "tuberculosis", "cancers such as lymphoma", "allergic reactions", "liver problems",
            "low blood counts", "nerve problems", "heart failure"][:effects]  # fmt: skip
    return parse_brief({
        "prompt": "A hopeful spot about getting back to the garden",
        "duration_s": duration_s,
        "resolution": "360p",
        "product": {"brand_name": "Veltrexa", "generic_name": "veltrexamab", "indication": "plaque psoriasis in adults",
                    "side_effects": side, "contraindications": ["active infections"], "boxed_warning": boxed,
                    "phone": "1-800-555-0142", "website": "veltrexa.example", "print_ad": "See our ad in Health Today"},
    })  # fmt: skip


def _scan(brief) -> int | None:
    policy = load_policy(None)
    return next((d for d in range(brief.duration_s + 1, 121) if _fits(brief, d, policy)), None)


@pytest.mark.parametrize(("duration_s", "boxed", "effects"), [(15, BOXED, 4), (10, None, 4), (20, BOXED, 8)])
def test_the_shortest_fitting_length_is_the_first_whole_second_that_fits(duration_s, boxed, effects):
    brief = _brief(duration_s, boxed, effects)
    found = fit(brief)
    assert not found.fits
    assert found.shortest_s == _scan(brief)  # the true shortest, not the next usual length
    assert found.standard_s == standard_from(found.shortest_s) and found.standard_s in STANDARD
    assert f"make it {found.shortest_s} s" in found.message
    if found.standard_s != found.shortest_s:
        assert f"(or {found.standard_s} s, the next broadcast length)" in found.message
    assert found.tried <= 1 + len(STANDARD) + 5  # the brief's own plan, the broadcast lengths, a bisection


def test_a_brief_that_fits_plans_once_and_suggests_nothing():
    found = fit(_brief(45))
    assert found.fits and found.shortest_s is None and found.standard_s is None and found.tried == 1
    assert found.message == ""


def test_the_search_never_answers_a_length_it_did_not_see_fit():
    brief = _brief(15)
    policy = load_policy(None)
    shortest, tried = shortest_fitting(brief, policy)
    assert shortest is not None and _fits(brief, shortest, policy) and not _fits(brief, shortest - 1, policy)
    assert tried <= len(STANDARD) + 5


def test_standard_lengths():
    got = [standard_from(s) for s in (10, 15, 16, 30, 31, 61, 91, 120, 121)]
    assert got == [15, 15, 30, 30, 45, 90, 120, 120, None]
