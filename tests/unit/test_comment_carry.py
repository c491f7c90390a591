"""Carrying a comment onto an edited version: its range follows its scene's footage through a
reorder, a trim, a lengthened or duplicated clip and a dissolve; its pinned item follows too; a
comment on a removed scene is outdated, never silently moved onto another scene."""

from __future__ import annotations

import pytest

from omnigen.review.carry import Anchor, Outdated, carry
from omnigen.timeline import OutputSettings, TextItem, Timeline, VideoClip, VoiceLine


def _clip(scene: int, in_s: float = 0.0, out_s: float = 5.0, **kw) -> VideoClip:
    return VideoClip(scene_index=scene, asset=f"clips/scene_{scene}.mp4", in_s=in_s, out_s=out_s, **kw)


def _tl(*clips: VideoClip, texts=(), voice=()) -> Timeline:
    return Timeline(output=OutputSettings(width=640, height=360), clips=list(clips), texts=list(texts),
                    voice=list(voice))  # fmt: skip


FOUR = _tl(_clip(1), _clip(2), _clip(3), _clip(4))  # scene k on 5(k-1) .. 5k


def test_a_comment_follows_its_scene_to_its_new_place():
    reordered = _tl(_clip(3), _clip(1), _clip(2), _clip(4))
    assert carry(FOUR, reordered, Anchor(12.0, 13.0)) == Anchor(2.0, 3.0)  # scene 3, 2.0–3.0 s into it
    assert carry(FOUR, reordered, Anchor(1.0)) == Anchor(6.0)  # scene 1 moved one scene later
    assert carry(FOUR, reordered, Anchor(17.5, 19.0)) == Anchor(17.5, 19.0)  # scene 4 stayed


def test_a_trim_or_a_longer_clip_shifts_what_follows_and_clamps_what_was_cut():
    trimmed = _tl(_clip(1), _clip(2, in_s=1.0), _clip(3), _clip(4))  # scene 2 loses its first second
    assert carry(FOUR, trimmed, Anchor(12.0, 13.0)) == Anchor(11.0, 12.0)
    assert carry(FOUR, trimmed, Anchor(7.0, 8.0)) == Anchor(6.0, 7.0)  # the same footage of scene 2
    assert carry(FOUR, trimmed, Anchor(5.2, 5.6)) == Anchor(5.0, 5.4)  # cut footage: scene 2's new start
    longer = _tl(_clip(1, out_s=6.5), _clip(2), _clip(3), _clip(4))
    assert carry(FOUR, longer, Anchor(12.0, 13.0)) == Anchor(13.5, 14.5)
    shorter = _tl(_clip(1), _clip(2), _clip(3, out_s=2.5), _clip(4))
    assert carry(FOUR, shorter, Anchor(12.0, 14.0)) == Anchor(12.0, 12.5)  # the range ends with its footage


def test_a_comment_on_a_removed_scene_is_outdated():
    without_3 = _tl(_clip(1), _clip(2), _clip(4))
    out = carry(FOUR, without_3, Anchor(12.0, 13.0))
    assert isinstance(out, Outdated) and "scene 3" in out.reason
    assert carry(FOUR, without_3, Anchor(16.0)) == Anchor(11.0)  # scene 4 moved up
    pinned = carry(FOUR, without_3, Anchor(2.0, item="clips.2"))  # sits on scene 1, pinned to scene 3's clip
    assert isinstance(pinned, Outdated) and "pinned" in pinned.reason


def test_a_range_over_a_cut_keeps_its_order_or_its_length():
    swapped = _tl(_clip(2), _clip(1), _clip(3), _clip(4))
    assert carry(FOUR, _tl(_clip(1), _clip(2), _clip(3), _clip(4)), Anchor(4.0, 6.0)) == Anchor(4.0, 6.0)
    # 1 → 2 across the cut, now 2 then 1: the start's scene keeps the range's length within its clip
    assert carry(FOUR, swapped, Anchor(4.0, 6.0)) == Anchor(9.0, 10.0)
    assert carry(FOUR, FOUR, Anchor(5.0, 10.0)) == Anchor(5.0, 10.0)  # a range ending on a cut


def test_duplicated_clips_and_dissolves():
    split = _tl(_clip(1), _clip(2, 0.0, 2.0), _clip(3), _clip(2, 2.0, 5.0), _clip(4))
    assert carry(FOUR, split, Anchor(8.0)) == Anchor(13.0)  # scene 2 at 3.0 s: its second clip, on 12–15
    assert carry(FOUR, split, Anchor(6.0)) == Anchor(6.0)
    dissolve = _tl(_clip(1), _clip(2, transition="dissolve", transition_s=1.0), _clip(3), _clip(4))
    assert carry(FOUR, dissolve, Anchor(12.0, 13.0)) == Anchor(11.0, 12.0)


def test_pinned_items_follow():
    texts = [TextItem(text="ZORVA", start_s=0.5, end_s=4.0), TextItem(text="Risk info", start_s=11.0, end_s=14.0)]
    voice = [VoiceLine(scene_index=1, asset="a.wav", text="Hello", start_s=0.5, duration_s=3),
             VoiceLine(scene_index=3, asset="b.wav", text="Risks", start_s=10.5, duration_s=3)]  # fmt: skip
    old = _tl(_clip(1), _clip(2), _clip(3), _clip(4), texts=texts, voice=voice)
    moved_texts = [texts[1].model_copy(update={"start_s": 1.0, "end_s": 4.0}), texts[0].model_copy(
        update={"start_s": 5.5, "end_s": 9.0})]  # fmt: skip
    moved_voice = [voice[1].model_copy(update={"start_s": 0.5}), voice[0].model_copy(update={"start_s": 5.5})]
    new = _tl(_clip(3), _clip(1), _clip(2), _clip(4), texts=moved_texts, voice=moved_voice)
    assert carry(old, new, Anchor(12.0, item="clips.2")) == Anchor(2.0, item="clips.0")
    assert carry(old, new, Anchor(12.0, item="texts.1")) == Anchor(2.0, item="texts.0")
    assert carry(old, new, Anchor(12.0, item="voice.1")) == Anchor(2.0, item="voice.0")
    reworded = new.model_copy(update={"texts": [moved_texts[0].model_copy(update={"text": "Bigger risk info"}),
                                                 moved_texts[1]]})  # fmt: skip
    assert carry(old, reworded, Anchor(12.0, item="texts.1")) == Anchor(2.0, item="texts.0")  # the one on then
    gone = new.model_copy(update={"texts": [moved_texts[1]]})
    assert carry(old, gone, Anchor(12.0, item="texts.1")) == Anchor(2.0)  # no such text: the time still holds


@pytest.mark.parametrize("at", [0.0, 19.999, 20.04])
def test_the_ends_of_the_clock(at):
    same = carry(FOUR, FOUR, Anchor(at))
    assert isinstance(same, Anchor) and abs(same.at_s - min(at, 20.0)) < 1e-2
