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


def test_unknown_mode():
    with pytest.raises(ValueError, match="continuity"):
        chains(SCRIPT, "zigzag")
