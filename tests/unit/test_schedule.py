import pytest
from helpers import make_script

from omnigen.schedule import chains, critical_path_s, links, lower_bound_s, previous_scene

SCRIPT = make_script([False, True, False, False, True, True], [5, 5, 4, 6, 5, 5])


def test_auto_follows_the_script():
    assert chains(SCRIPT, "auto") == [[1, 2], [3], [4, 5, 6]]
    assert critical_path_s(SCRIPT, "auto") == 16


def test_chain_links_everything_and_parallel_nothing():
    assert chains(SCRIPT, "chain") == [[1, 2, 3, 4, 5, 6]]
    assert chains(SCRIPT, "parallel") == [[1], [2], [3], [4], [5], [6]]
    assert critical_path_s(SCRIPT, "parallel") == 6
    assert links(SCRIPT, "chain")[0] is False


def test_previous_scene():
    assert previous_scene(SCRIPT, "auto", 2) == 1
    assert previous_scene(SCRIPT, "auto", 3) is None
    assert previous_scene(SCRIPT, "parallel", 2) is None
    assert previous_scene(SCRIPT, "chain", 3) == 2


def test_custom_costs_and_lower_bound():
    cost = {i: 1.8 for i in range(1, 7)}
    assert critical_path_s(SCRIPT, "auto", cost) == pytest.approx(5.4)
    assert lower_bound_s([1.8] * 6, slots=3) == pytest.approx(3.6)
    assert lower_bound_s([5.4, 1.8], slots=4) == pytest.approx(5.4)
    assert lower_bound_s([], 2) == 0


def test_chains_that_hold_their_slot_cannot_share_one_at_once():
    # five 9 s takes on 3 slots: some slot runs two of them, one after the other
    assert lower_bound_s([9.0] * 5, slots=3) == pytest.approx(15.0)
    assert lower_bound_s([9.0] * 5, slots=3, held=True) == pytest.approx(18.0)
    # the two shortest of the four longest, not the two longest
    assert lower_bound_s([10.0, 8.0, 6.0, 5.0, 1.0], slots=3, held=True) == pytest.approx(11.0)
    # no more chains than slots: every chain starts at once, nothing to add
    assert lower_bound_s([9.0, 4.0, 4.0], slots=3, held=True) == pytest.approx(9.0)
    assert lower_bound_s([], 3, held=True) == 0


def test_unknown_mode():
    with pytest.raises(ValueError, match="continuity"):
        chains(SCRIPT, "zigzag")


# --- continuity keyframes -----------------------------------------------------------------------

from omnigen.schedule import end_keyframe, keyframe_scenes, resolve, uses_keyframes  # noqa: E402


def test_auto_becomes_keyframes_only_with_an_end_frame_model():
    assert resolve("auto", end_frames=True) == "keyframes"
    assert resolve("auto", end_frames=False) == "auto"
    assert resolve("chain", end_frames=True) == "chain"
    assert uses_keyframes("keyframes", end_frames=False)
    assert not uses_keyframes("parallel", end_frames=True)


def test_keyframes_with_end_frames_nothing_waits_and_marked_cuts_end_on_the_next_keyframe():
    assert chains(SCRIPT, "keyframes", end_frames=True) == [[i] for i in range(1, 7)]
    assert keyframe_scenes(SCRIPT, "keyframes", end_frames=True) == [1, 2, 3, 4, 5, 6]
    # scene 2, 5 and 6 continue their previous scene: 1 ends on 2's keyframe, 4 on 5's, 5 on 6's
    assert [end_keyframe(SCRIPT, "keyframes", True, i) for i in range(1, 7)] == [2, None, None, 5, 6, None]
    assert previous_scene(SCRIPT, "keyframes", 2, end_frames=True) is None


def test_keyframes_hybrid_without_end_frames_chains_only_the_marked_cuts():
    assert chains(SCRIPT, "keyframes", end_frames=False) == [[1, 2], [3], [4, 5, 6]]
    # each chain's first scene starts on its keyframe; chained scenes on the last frame
    assert keyframe_scenes(SCRIPT, "keyframes", end_frames=False) == [1, 3, 4]
    assert all(end_keyframe(SCRIPT, "keyframes", False, i) is None for i in range(1, 7))
    assert previous_scene(SCRIPT, "keyframes", 5, end_frames=False) == 4


def test_other_modes_draw_no_keyframes():
    for mode in ("auto", "chain", "parallel"):
        assert keyframe_scenes(SCRIPT, mode, end_frames=False) == []
    assert keyframe_scenes(SCRIPT, "chain", end_frames=True) == []


def test_a_model_that_requires_a_start_frame_gets_a_keyframe_wherever_a_scene_starts_fresh():
    """Kling v2.1's schema requires `start_image`: in every mode, each scene that does not start
    on the previous scene's last frame starts on a keyframe, and nothing else changes."""
    assert keyframe_scenes(SCRIPT, "parallel", end_frames=True, start_frames=True) == [1, 2, 3, 4, 5, 6]
    assert keyframe_scenes(SCRIPT, "chain", end_frames=True, start_frames=True) == [1]
    assert keyframe_scenes(SCRIPT, "auto", end_frames=False, start_frames=True) == [1, 3, 4]
    assert keyframe_scenes(SCRIPT, "keyframes", end_frames=True, start_frames=True) == [1, 2, 3, 4, 5, 6]
    assert chains(SCRIPT, "parallel", end_frames=True) == [[i] for i in range(1, 7)]
    # end frames stay a keyframes-mode thing: parallel cuts are not asked to match
    assert all(end_keyframe(SCRIPT, "parallel", True, i) is None for i in range(1, 7))
