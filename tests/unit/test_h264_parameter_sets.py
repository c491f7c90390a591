"""The `avcC` a join writes (`media.h264`, pure): its parameter sets as x264 wrote them, renumbered
field by field. The byte strings are the ones the bundled x264 wrote at 1920x1080, veryfast /
hurried (tests/integration/test_encoding_parameter_sets.py makes such files and decodes the
joined result)."""

from __future__ import annotations

import pytest

from omnigen.media.h264 import (
    AvcConfig,
    ParameterSetError,
    escape,
    pps_ids,
    pps_pointed_at,
    shared_config,
    sps_id,
    sps_numbered,
    unescape,
)

SPS0 = bytes.fromhex("67640028acd940780227e5c044000003000400000300c03c60c658")
SPS1 = bytes.fromhex("676400284b36501e0089f97011000003000100000300300f183196")
PPS0 = bytes.fromhex("68efbcb0")  # CABAC, id 0 -> SPS 0
PPS1 = bytes.fromhex("6848fbcb")  # CAVLC, id 1 -> SPS 1
RECORD0 = bytes.fromhex("01640028ffe1001b" + SPS0.hex() + "01000468efbcb0fdf8f800")


def _config(sps: bytes, pps: bytes) -> AvcConfig:
    return AvcConfig.parse(RECORD0).model_copy(update={"sps": [sps], "pps": [pps]})


def test_a_record_reads_and_writes_back_byte_for_byte():
    c = AvcConfig.parse(RECORD0)
    assert (c.profile, c.level, c.length_size, c.extension) == (100, 40, 4, bytes.fromhex("fdf8f800"))
    assert c.sps == [SPS0] and c.pps == [PPS0] and c.record() == RECORD0


def test_the_ids_x264_wrote_are_read():
    assert (sps_id(SPS0), sps_id(SPS1)) == (0, 1)
    assert (pps_ids(PPS0), pps_ids(PPS1)) == ((0, 0), (1, 1))


def test_the_hurried_sps_renumbered_is_the_normal_one_byte_for_byte():
    """The emulation-prevention bytes inside (00 00 03) come out where they were."""
    assert sps_numbered(SPS1, 0) == SPS0 and sps_numbered(SPS0, 1) == SPS1


def test_a_pps_pointed_at_another_sps_keeps_its_own_number_and_fields():
    moved = pps_pointed_at(PPS1, 0)
    assert pps_ids(moved) == (1, 0)
    assert pps_pointed_at(moved, 1) == PPS1  # every other bit as it was


@pytest.mark.parametrize("rbsp", [b"\x00\x00\x00\x01", b"\x00\x00\x03\x00\x00\x02", b"\x12\x00\x00", b"\x00" * 7])
def test_escaping_round_trips_and_leaves_no_start_code(rbsp):
    nal = escape(rbsp)
    assert unescape(nal) == rbsp
    assert all(nal[i : i + 3] not in (b"\x00\x00\x00", b"\x00\x00\x01", b"\x00\x00\x02") for i in range(len(nal)))


def test_normal_and_hurried_segments_share_one_sps_and_list_both_pps():
    shared = shared_config([_config(SPS0, PPS0), _config(SPS1, PPS1), _config(SPS0, PPS0)], ["a", "b", "c"])
    assert shared.sps == [SPS0]
    assert [pps_ids(p) for p in shared.pps] == [(0, 0), (1, 0)]
    assert AvcConfig.parse(shared.record()) == shared


def test_hurried_segments_alone_are_renumbered_to_sps_0():
    shared = shared_config([_config(SPS1, PPS1)], ["only"])
    assert shared.sps == [SPS0] and [pps_ids(p) for p in shared.pps] == [(1, 0)]


def test_all_normal_segments_keep_their_own_record():
    assert shared_config([_config(SPS0, PPS0)] * 3, ["a", "b", "c"]).record() == RECORD0


def test_another_sps_is_refused_naming_the_segment():
    other = bytearray(SPS0)
    other[3] = 0x1F  # another level_idc
    with pytest.raises(ParameterSetError, match=r"^odd carry another SPS than a"):
        shared_config([_config(SPS0, PPS0), _config(bytes(other), PPS0)], ["a", "odd"])


def test_another_pps_under_a_number_in_use_is_refused_naming_the_segment():
    cavlc_as_0 = bytes.fromhex("68cfbcb0")  # the hurried PPS numbered 0 -> SPS 0
    assert pps_ids(cavlc_as_0) == (0, 0)
    with pytest.raises(ParameterSetError, match=r"^late carry another PPS"):
        shared_config([_config(SPS0, PPS0), _config(SPS0, cavlc_as_0)], ["a", "late"])


def test_a_record_cut_short_is_refused():
    with pytest.raises(ParameterSetError):
        AvcConfig.parse(RECORD0[:12])
