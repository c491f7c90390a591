"""Compliance checked on the rendered ad itself, not on the plan: the music measured under the
major statement sits at least the policy's duck depth below the voice, and the major-statement
text is on the picture while each of its lines is spoken."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_BRIEFS
from PIL import Image

from omnigen.brief import load_brief
from omnigen.compliance import load_policy
from omnigen.config import load_settings
from omnigen.job import JobStatus
from omnigen.keys import JobKeys
from omnigen.media.compose import premix
from omnigen.media.frames import extract_frame
from omnigen.media.loudness import measure_loudness
from omnigen.pipeline.context import local_context
from omnigen.pipeline.launchers.threads import LocalRunner
from omnigen.pipeline.lifecycle import create_job
from omnigen.pipeline.steps import load_timeline


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    ctx = local_context(load_settings({"OMNIGEN_HOME": str(home)}))
    brief = load_brief(SHARED_BRIEFS / "psoriasis_30s.yaml").model_copy(update={"resolution": "360p"})
    job = create_job(ctx, "local", brief)
    done = LocalRunner(ctx).run(job.job_id)
    assert done.status == JobStatus.COMPLETED, done.error
    return ctx, done, home


def test_music_under_the_major_statement_is_ducked_below_the_voice(finished, tmp_path):
    ctx, job, home = finished
    timeline = load_timeline(ctx, job)
    ms = [v for v in timeline.voice if v.major_statement]
    start, end = ms[0].start_s, ms[-1].end_s

    def resolve(key: str) -> Path:
        return home / "assets" / key

    premix(timeline, resolve, tmp_path / "voice.wav", music=False)
    premix(timeline, resolve, tmp_path / "music.wav", voice=False)
    voice = measure_loudness(tmp_path / "voice.wav", start, end).integrated_lufs
    music = measure_loudness(tmp_path / "music.wav", start, end).integrated_lufs
    depth = load_policy(None).min_duck_db
    print(f"under the major statement: voice {voice:.1f} LUFS, music {music:.1f} LUFS, gap {voice - music:.1f} dB")
    assert voice - music >= depth


def test_major_statement_text_is_on_screen_while_each_line_is_spoken(finished, tmp_path):
    ctx, job, home = finished
    timeline = load_timeline(ctx, job)
    out = home / "assets" / JobKeys(job.user_id, job.job_id).output(1)
    starts = timeline.clip_starts()
    h = timeline.output.height
    for n, line in enumerate(v for v in timeline.voice if v.major_statement):
        for t in (line.start_s + 0.1, line.start_s + line.duration_s / 2, line.end_s - 0.1):
            clip_i = max(i for i, s in enumerate(starts) if s <= t)
            clip = timeline.clips[clip_i]
            src = home / "assets" / clip.asset
            rendered = extract_frame(out, t, tmp_path / f"r{n}.jpg")
            plain = extract_frame(src, clip.in_s + t - starts[clip_i], tmp_path / f"p{n}.jpg")
            a = np.asarray(Image.open(rendered).convert("L"), dtype=float)
            b = np.asarray(Image.open(plain).convert("L").resize((a.shape[1], a.shape[0])), dtype=float)
            band = slice(int(h * 0.6), int(h * 0.95))  # the lower third where the text sits
            diff = np.abs(a[band] - b[band]).mean()
            assert diff > 12, f"no major-statement text at {t:.2f} s (line {line.text!r}); mean diff {diff:.1f}"
