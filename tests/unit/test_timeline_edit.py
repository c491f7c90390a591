"""Edit operations on a timeline (pure): what follows a changed clip moves with it, a removed
clip takes its scene's lines and texts along, a line's on-screen words change with it, and a bad
operation names its field and applies nothing."""

from __future__ import annotations

import pytest

from omnigen.pipeline.progress import status_line, step_phrase
from omnigen.timeline import OutputSettings, TextItem, Timeline, VideoClip, VoiceLine
from omnigen.timeline_edit import (
    AddText,
    DeleteClip,
    DeleteText,
    DuplicateClip,
    EditError,
    SelectTake,
    SetLineText,
    SetSceneLength,
    apply,
)

P = "users/u/jobs/j/"


def tl() -> Timeline:
    clips = [VideoClip(scene_index=i, asset=f"{P}clips/scene_{i}.mp4", out_s=4.0) for i in (1, 2, 3)]
    voice = [
        VoiceLine(scene_index=1, asset=f"{P}audio/voice/line_1.wav", text="Hello there.", start_s=0.5, duration_s=2),
        VoiceLine(scene_index=2, asset=f"{P}audio/voice/line_2.wav", text="May cause infections.", start_s=4.5,
                  duration_s=2.5, major_statement=True),
        VoiceLine(scene_index=3, asset=f"{P}audio/voice/line_3.wav", text="Ask your doctor.", start_s=8.5,
                  duration_s=2),
    ]  # fmt: skip
    texts = [
        TextItem(kind="major_statement", text="May cause infections.", start_s=4.5, end_s=7.0, scene_index=2),
        TextItem(text="Call 1-800-555-0100", start_s=8.2, end_s=12.0, scene_index=3),
        TextItem(kind="end_card", text="Brand", start_s=3.0, end_s=12.0),
    ]
    return Timeline(output=OutputSettings(width=640, height=360), clips=clips, voice=voice, texts=texts)


def test_deleting_a_clip_takes_its_scene_along_and_pulls_the_rest_earlier():
    out = apply(tl(), [DeleteClip(op="delete_clip", index=1)])
    assert [c.scene_index for c in out.clips] == [1, 3] and out.duration_s == 8.0
    assert [(v.scene_index, v.start_s) for v in out.voice] == [(1, 0.5), (3, 4.5)]
    assert [(t.text, t.start_s, t.end_s) for t in out.texts] == [
        ("Call 1-800-555-0100", 4.2, 8.0),
        ("Brand", 3.0, 8.0),  # a text held across the clip shrinks with it
    ]


def test_duplicating_a_clip_pushes_what_follows_later():
    out = apply(tl(), [DuplicateClip(op="duplicate_clip", index=0)])
    assert [c.scene_index for c in out.clips] == [1, 1, 2, 3] and out.duration_s == 16.0
    assert [v.start_s for v in out.voice] == [0.5, 8.5, 12.5]


def test_a_scene_length_moves_its_end_and_everything_after():
    out = apply(tl(), [SetSceneLength(op="set_scene_length", scene=2, duration_s=5.5)])
    assert out.clips[1].out_s == 5.5 and out.duration_s == 13.5
    assert [v.start_s for v in out.voice] == [0.5, 4.5, 10.0]
    assert out.texts[0].end_s == 7.0 and out.texts[1].start_s == 9.7


def test_a_line_change_changes_the_words_shown_with_it():
    out = apply(tl(), [SetLineText(op="set_line_text", line=1, text="May cause serious infections.")])
    assert out.voice[1].text == out.texts[0].text == "May cause serious infections."
    assert out.voice[1].asset == tl().voice[1].asset  # the voice is re-made at compose, not here


def test_texts_are_added_and_deleted_and_takes_chosen():
    item = TextItem(text="New", start_s=1, end_s=2)
    out = apply(tl(), [AddText(op="add_text", item=item), DeleteText(op="delete_text", index=0)])
    assert [t.text for t in out.texts] == ["Call 1-800-555-0100", "Brand", "New"]
    take = f"{P}clips/scene_2.take2.mp4"
    out = apply(tl(), [SelectTake(op="select_take", scene=2, take=2)], {(2, 2): take})
    assert out.clips[1].asset == take and out.clips[1].out_s == 4.0


@pytest.mark.parametrize(
    ("op", "field"),
    [
        (DeleteClip(op="delete_clip", index=4), "ops.1.index"),
        (SetSceneLength(op="set_scene_length", scene=7, duration_s=2), "ops.1.scene"),
        (SetLineText(op="set_line_text", line=5, text="x"), "ops.1.line"),
        (SelectTake(op="select_take", scene=2, take=3), "ops.1.take"),
        (SetSceneLength(op="set_scene_length", scene=1, duration_s=0.1), "ops.1.duration_s"),
    ],
)
def test_a_bad_operation_names_its_field(op, field):
    with pytest.raises(EditError) as err:
        apply(tl(), [DuplicateClip(op="duplicate_clip", index=0), op], {})
    assert err.value.field == field


def test_the_last_clip_cannot_go():
    one = tl().model_copy(update={"clips": tl().clips[:1], "voice": [], "texts": []})
    with pytest.raises(EditError, match="at least one clip"):
        apply(one, [DeleteClip(op="delete_clip", index=0)])


def test_status_lines_name_no_internal_track():
    assert status_line("scene_3", "rendered") == "Scene 3 rendered"
    assert status_line("compose", "version 2 rendered, QC passed") == "Version 2 rendered, QC passed"
    assert status_line("voiceover", "recording line 2 of 5") == "Recording line 2 of 5"
    assert step_phrase("write_script") == "while writing the script" and step_phrase("scene_4") == "at scene 4"
