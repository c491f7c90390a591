"""The builder's text, by construction: sized for the frame, paged in step with the speech, every
item on screen for its reading time, the edit exactly the brief's length; the poster taken while
the brand is on screen; captions placed clear of the burned-in text."""

from __future__ import annotations

import itertools

import pytest
from ad_cases import ASPECTS, example_briefs, first_edit

from omnigen.brief import parse_brief
from omnigen.captions import TOP, captions_for, webvtt
from omnigen.compliance import check_timeline
from omnigen.compliance.policy import default_policy
from omnigen.keys import JobKeys
from omnigen.pipeline.timeline_builder import SpokenLine, build_timeline, place_lines
from omnigen.script import Scene, Script
from omnigen.text_layout import layout_item
from omnigen.timeline import OutputSettings, TextItem, Timeline, VideoClip, VoiceLine, poster_time

POLICY = default_policy()


def _brief(aspect: str = "16:9", duration: int = 30) -> object:
    return parse_brief(
        {
            "prompt": "A young professional walks through a blooming city park",
            "duration_s": duration,
            "aspect_ratio": aspect,
            "resolution": "720p",
            "product": {
                "brand_name": "Aerisol",
                "generic_name": "fluticaprone nasal spray",
                "indication": "nasal allergy symptoms",
                "side_effects": ["nosebleeds"],
                "phone": "1-800-555-0123",
                "website": "aerisol.example",
            },
        }
    )


def _scene(i: int, d: float, purpose: str, vo: str = "", supers: list[str] | None = None) -> Scene:
    return Scene(index=i, duration_s=d, purpose=purpose, shot=f"shot {i}", voiceover=vo, supers=supers or [])


def _lines(script: Script, seconds: dict[int, list[tuple[str, float]]]) -> list[SpokenLine]:
    out, n = [], 0
    for s in script.scenes:
        for text, d in seconds.get(s.index, []):
            n += 1
            ms = s.purpose == "major_statement"
            out.append(SpokenLine(n=n, scene_index=s.index, text=text, duration_s=d, major_statement=ms))
    return place_lines(script, out)


def _timeline(aspect: str, scenes: list[Scene], seconds: dict[int, list[tuple[str, float]]]) -> Timeline:
    script = Script(title="t", scenes=scenes)
    return build_timeline(_brief(aspect), script, JobKeys("u", "j"), _lines(script, seconds))


# Today's failures, as the issue lists them: a 1.3 s benefit scene with the dosage super, four
# contact lines in a 2.8 s scene, a 1.4 s brand close.
SQUEEZED = [
    _scene(1, 1.3, "hook"),
    _scene(2, 6.4, "indication", "Aerisol treats nasal allergy symptoms.", ["Aerisol (fluticaprone nasal spray)"]),
    _scene(3, 1.3, "benefit", "", ["two sprays in each nostril once a day"]),
    _scene(4, 9.6, "major_statement", "Aerisol may cause nosebleeds."),
    _scene(5, 7.2, "major_statement", "Tell your doctor about all the medicines you take."),
    _scene(6, 2.8, "adequate_provision", "Ask your healthcare provider about Aerisol.",
           ["Call 1-800-555-0123", "aerisol.example", "See our ad in Urban Living magazine",
            "Ask your healthcare provider"]),
    _scene(7, 1.4, "brand_close", "", ["Aerisol", "(fluticaprone nasal spray)", "aerisol.example"]),
]  # fmt: skip
SQUEEZED_SPEECH = {
    2: [("Aerisol treats nasal allergy symptoms.", 2.5)],
    4: [("Aerisol may cause nosebleeds.", 2.0)],
    5: [("Tell your doctor about all the medicines you take.", 3.0)],
    6: [("Ask your healthcare provider about Aerisol.", 2.4)],
}


@pytest.mark.parametrize("aspect", ASPECTS)
def test_no_super_is_shorter_than_its_reading_time_even_in_short_scenes(aspect: str) -> None:
    tl = _timeline(aspect, SQUEEZED, SQUEEZED_SPEECH)
    supers = [t for t in tl.texts if t.kind != "major_statement"]
    assert [t.scene_index for t in supers] == [2, 3, 6, 7]  # nothing dropped
    for t in supers:
        assert t.end_s - t.start_s >= POLICY.reading_time_s(t.text) - 1e-6, (t.text, t.start_s, t.end_s)
    ordered = sorted(tl.texts, key=lambda t: t.start_s)
    assert all(a.end_s <= b.start_s + 1e-6 for a, b in itertools.pairwise(ordered))  # one at a time
    ms = [v for v in tl.voice if v.major_statement]
    assert all(t.end_s <= ms[0].start_s or t.start_s >= ms[-1].end_s for t in supers)  # none over the risks
    assert supers[-1].end_s == pytest.approx(30.0) and tl.duration_s == pytest.approx(30.0)


def test_a_major_statement_line_too_long_for_a_vertical_card_is_paged_in_step_with_the_voice() -> None:
    line = ("Aerisol may cause nosebleeds, slow wound healing in the nose, eye problems such as glaucoma or "
            "cataracts, and a weakened immune system with a higher chance of infections.")
    scenes = [_scene(1, 5.0, "indication", "Aerisol treats nasal allergy symptoms.", ["Aerisol"]),
              _scene(2, 16.0, "major_statement", line), _scene(3, 5.0, "adequate_provision", "", ["aerisol.example"]),
              _scene(4, 4.0, "brand_close", "", ["Aerisol"])]  # fmt: skip
    script = Script(title="t", scenes=scenes)
    spoken_lines = _lines(script, {1: [(scenes[0].voiceover, 2.5)], 2: [(line, 12.0)]})
    tl = build_timeline(_brief("9:16"), script, JobKeys("u", "j"), spoken_lines)
    pages = [t for t in tl.texts if t.kind == "major_statement"]
    spoken = next(v for v in tl.voice if v.major_statement)
    assert len(pages) >= 2
    assert " ".join(p.text for p in pages).split() == line.split()  # every word, in order
    assert pages[0].start_s == pytest.approx(spoken.start_s)
    assert pages[-1].end_s == pytest.approx(spoken.end_s, abs=0.01)
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in itertools.pairwise(pages))  # no gap or overlap
    for p in pages:  # each page up about as long as its share of the words takes to say
        share = len(p.text) / sum(len(q.text) for q in pages)
        assert p.end_s - p.start_s == pytest.approx(spoken.duration_s * share, abs=0.05)
        assert layout_item(p, tl.output).fits and len(layout_item(p, tl.output).lines) <= 3
    found = check_timeline(tl, script, _brief("9:16")).rule_ids()
    assert not found & {"MS-DUAL-MODALITY", "TEXT-FIT", "TEXT-READING-TIME"}


def test_a_major_statement_page_too_brief_to_read_joins_the_sentence_it_ends() -> None:
    scenes = [_scene(1, 6.0, "indication", "Aerisol treats nasal allergy symptoms.", ["Aerisol"]),
              _scene(2, 14.0, "major_statement", "x"), _scene(3, 6.0, "adequate_provision", "", ["aerisol.example"]),
              _scene(4, 4.0, "brand_close", "", ["Aerisol"])]  # fmt: skip
    speech = {
        2: [("Aerisol may cause nosebleeds, headache,", 3.0), ("and infections.", 1.1), ("Tell your doctor.", 2.5)]
    }
    tl = _timeline("16:9", scenes, speech)
    pages = [t.text for t in tl.texts if t.kind == "major_statement"]
    assert pages == ["Aerisol may cause nosebleeds, headache, and infections.", "Tell your doctor."]


def test_the_edit_is_exactly_the_briefs_length_when_the_script_is_not() -> None:
    scenes = [_scene(1, 10.0, "hook"), _scene(2, 19.6, "brand_close", "", ["Aerisol"])]
    tl = _timeline("16:9", scenes, {})
    assert tl.duration_s == pytest.approx(30.0) and tl.clips[-1].out_s == pytest.approx(20.0)


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("path", example_briefs(), ids=lambda p: p.stem)
def test_every_example_first_edit_passes_every_rule(path, aspect: str) -> None:
    brief, script, tl = first_edit(path, aspect, "720p")
    assert check_timeline(tl, script, brief).findings == [], check_timeline(tl, script, brief).to_text()


# --- poster ---------------------------------------------------------------------------------------


def _clips(*spec: tuple[float, float]) -> list[VideoClip]:
    return [VideoClip(scene_index=i + 1, asset=f"c{i}", out_s=d, transition="dissolve" if t else "cut", transition_s=t)
            for i, (d, t) in enumerate(spec)]  # fmt: skip


def test_the_poster_is_taken_while_the_brand_is_on_screen_and_no_dissolve_runs() -> None:
    out = OutputSettings(width=640, height=360)
    texts = [TextItem(text="Aerisol (fluticaprone)", start_s=1.0, end_s=4.0),
             TextItem(kind="end_card", text="AERISOL\naerisol.example", start_s=26.0, end_s=30.0)]  # fmt: skip
    tl = Timeline(output=out, clips=_clips((10, 0), (16, 0), (4, 0)), texts=texts)
    assert 26.0 < poster_time(tl, "Aerisol") < 30.0  # the end card, whatever the case of the name
    faded = Timeline(output=out, clips=_clips((10, 0), (17, 0), (4, 1.0)), texts=texts)  # dissolve 26-27 s
    t = poster_time(faded, "Aerisol")
    assert 27.0 <= t < 30.0
    assert 1.0 < poster_time(tl.model_copy(update={"texts": texts[:1]}), "Aerisol") < 4.0  # the only brand text
    assert 26.0 < poster_time(tl.model_copy(update={"texts": []}), "Aerisol") < 30.0  # none: the last shot
    assert 26.0 < poster_time(tl, None) < 30.0


# --- captions ---------------------------------------------------------------------------------------


def test_captions_move_to_the_top_while_a_lower_third_text_is_on_screen() -> None:
    out = OutputSettings(width=1920, height=1080)
    voice = [
        VoiceLine(scene_index=1, asset="a", text="Aerisol treats nasal allergy symptoms.", start_s=0.5, duration_s=2),
        VoiceLine(scene_index=2, asset="b", text="Aerisol may cause nosebleeds.", start_s=4.0, duration_s=2),
        VoiceLine(scene_index=3, asset="c", text="Ask your doctor.", start_s=8.0, duration_s=1.5),
    ]
    texts = [TextItem(kind="major_statement", text="Aerisol may cause nosebleeds.", start_s=4.0, end_s=6.0),
             TextItem(kind="end_card", position="center", text="Aerisol", start_s=8.0, end_s=10.0)]  # fmt: skip
    tl = Timeline(output=out, clips=_clips((10, 0)), voice=voice, texts=texts)
    cues = captions_for(tl).split("\n\n")
    assert "00:00:00.500 --> 00:00:02.500\n" in cues[1]  # nothing on screen: where the player puts it
    assert f"00:00:04.000 --> 00:00:06.000 {TOP}\n" in cues[2]  # over the risk text's plate: moved up
    assert "00:00:08.000 --> 00:00:09.500\n" in cues[3]  # a centred card leaves the bottom free
    top_text = texts[0].model_copy(update={"position": "top"})
    both = tl.model_copy(update={"texts": [top_text, texts[0].model_copy(update={"start_s": 4.0})]})
    assert TOP not in captions_for(both)  # the top is taken too: the top is no better


def test_webvtt_of_lines_alone_has_no_settings() -> None:
    vtt = webvtt([VoiceLine(scene_index=1, asset="a", text="Hello.", start_s=1, duration_s=1)])
    assert "00:00:01.000 --> 00:00:02.000\nHello." in vtt


def test_a_contact_card_and_end_card_too_tight_to_follow_each_other_share_one_card() -> None:
    """A GPT-style script gives the contact details and the end card 3 s between them: shown one
    after the other neither can be read; on one card, read together, they can."""
    scenes = [
        _scene(1, 5.0, "indication", "Aerisol treats nasal allergy symptoms.", ["Aerisol (fluticaprone nasal spray)"]),
        _scene(2, 21.5, "major_statement", "Aerisol may cause nosebleeds."),
        _scene(3, 2.2, "adequate_provision", "", ["Call 1-800-555-0123", "aerisol.example"]),
        _scene(4, 1.3, "brand_close", "", ["Aerisol"]),
    ]
    tl = _timeline("9:16", scenes, {1: [(scenes[0].voiceover, 2.5)], 2: [("Aerisol may cause nosebleeds.", 21.0)]})
    last = tl.texts[-1]
    assert last.text == "Call 1-800-555-0123\naerisol.example\nAerisol" and last.position == "center"
    assert last.kind == "end_card" and last.end_s - last.start_s >= POLICY.reading_time_s(last.text) - 1e-6
    assert layout_item(last, tl.output).fits
