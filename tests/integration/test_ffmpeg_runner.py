"""The one ffmpeg runner, on the real binary: lower priority, input on stdin, timeouts, failures."""

from __future__ import annotations

import os

import pytest

from omnigen.media.ffmpeg import MediaError, _spawn, ffmpeg_exe, probe, run_ffmpeg
from omnigen.priority import BACKGROUND_NICE


def test_ffmpeg_runs_at_a_lower_priority_than_the_server():
    proc = _spawn([ffmpeg_exe(), "-hide_banner", "-f", "lavfi", "-i", "anullsrc", "-t", "30", "-f", "null", "-"])
    try:
        own = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, proc.pid) == max(own, BACKGROUND_NICE)
    finally:
        proc.kill()
        proc.wait()


def test_input_bytes_reach_ffmpeg_on_stdin(tmp_path):
    out = tmp_path / "tone.wav"
    pcm = bytes(range(256)) * 400  # 0.1 s of 16-bit mono at 48 kHz, more or less
    run_ffmpeg(
        ["-y", "-f", "s16le", "-ar", "48000", "-ac", "1", "-i", "pipe:0", out], what="wrapping PCM", input_bytes=pcm
    )
    info = probe(out)
    assert info.audio is not None and info.audio.sample_rate == 48000
    assert info.duration_s == pytest.approx(len(pcm) / 2 / 48000, abs=0.01)


def test_a_render_that_outlives_its_timeout_is_stopped_and_reported():
    with pytest.raises(MediaError, match="timed out after 1 s"):
        run_ffmpeg(["-f", "lavfi", "-i", "anullsrc", "-f", "null", "-"], what="an endless render", timeout=1.0)


def test_a_failure_keeps_the_tail_of_ffmpeg_stderr(tmp_path):
    with pytest.raises(MediaError) as caught:
        run_ffmpeg(["-i", tmp_path / "missing.mp4", tmp_path / "out.mp4"], what="reading a missing file")
    assert "reading a missing file" in str(caught.value)
    assert "missing.mp4" in caught.value.stderr_tail
