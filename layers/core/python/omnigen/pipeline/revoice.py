"""Re-voicing edited lines at compose: only a line whose text changed is spoken again.

A voice line's asset says something: the pipeline's `line_{n}.wav` says the script's line n
(`audio/voice_lines.json` records what), and a re-voiced line's `said_{digest}.wav` says the text
its name hashes (`voice_digest`). A timeline line whose text differs from what its asset says is
spoken again, once: the new asset is named by its content, so the same words are never voiced
twice, and restoring an earlier edit reuses what it was voiced with. Its new length moves its own
end (and the end of any text shown exactly while it is spoken); nothing else is moved — the
timeline check says when the new length collides with the next line.
"""

from __future__ import annotations

import hashlib
import json

from omnigen.job import Job
from omnigen.keys import JobKeys
from omnigen.lines import speaking_rate
from omnigen.media.ffmpeg import probe
from omnigen.pipeline.context import StepContext
from omnigen.pipeline.progress import Tracker
from omnigen.providers.ports import CallContext, VoiceRequest
from omnigen.timeline import TextItem, Timeline, VoiceLine

SAID = "audio/voice/said_"
TIED_S = 0.05
"""A text whose start and end are this close to a line's is shown while the line is spoken."""


def voice_digest(text: str, rate: float, seed: int, voice: str) -> str:
    """What a voice asset is named by: the words, the pace, the seed and the voice reading them."""
    body = json.dumps([" ".join(text.split()), round(rate, 3), seed, voice])
    return hashlib.sha256(body.encode()).hexdigest()[:20]


def _said_by_pipeline(ctx: StepContext, keys: JobKeys) -> dict[str, str]:
    """Asset key → the text the pipeline's voiceover step spoke into it."""
    if not ctx.assets.exists(keys.voice_lines):
        return {}
    return {keys.voice_line(int(x["n"])): str(x["text"]) for x in json.loads(ctx.assets.get_bytes(keys.voice_lines))}


def stale_lines(ctx: StepContext, job: Job, timeline: Timeline) -> list[int]:
    """Indices of the timeline's voice lines whose asset does not say their text."""
    keys = JobKeys(job.user_id, job.job_id)
    said = _said_by_pipeline(ctx, keys)
    voice = ctx.settings.providers.voice
    out = []
    for i, line in enumerate(timeline.voice):
        if line.asset in said:
            fresh = " ".join(said[line.asset].split()) == " ".join(line.text.split())
        elif line.asset.startswith(keys.prefix + SAID):
            want = keys.voice_said(voice_digest(line.text, speaking_rate(line.major_statement), job.brief.seed, voice))
            fresh = line.asset == want
        else:
            fresh = True  # an asset we cannot read the words of is the user's choice: kept as it is
        if not fresh:
            out.append(i)
    return out


def revoice(ctx: StepContext, job: Job, timeline: Timeline, tracker: Tracker | None = None) -> Timeline:
    """The timeline with every stale line spoken again (or found already spoken) and re-timed."""
    stale = stale_lines(ctx, job, timeline)
    if not stale:
        return timeline
    keys = JobKeys(job.user_id, job.job_id)
    voice = ctx.settings.providers.voice
    lines, texts = list(timeline.voice), list(timeline.texts)
    call = (
        tracker.call_context("compose", lambda: ctx.is_cancelled(job.job_id), ctx.deadline)
        if tracker is not None
        else CallContext(job_id=job.job_id, is_cancelled=lambda: ctx.is_cancelled(job.job_id))
    )
    with ctx.scratch(job.job_id) as tmp:
        for done, i in enumerate(stale):
            line = lines[i]
            rate = speaking_rate(line.major_statement)
            digest = voice_digest(line.text, rate, job.brief.seed, voice)
            key = keys.voice_said(digest)
            if tracker is not None:
                tracker.tick("compose", 0.05 * done / len(stale), f"re-voicing line {i + 1}")
            if not ctx.assets.exists(key):
                req = VoiceRequest(text=line.text, seed=job.brief.seed, rate=rate)
                call.check()
                wav = ctx.providers.voice.speak(req, tmp / f"said_{digest}.wav", call.for_slot(f"said_{digest}"))
                ctx.assets.put_file(key, wav, "audio/wav")
            with ctx.assets.local_path(key) as path:
                seconds = round(probe(path).duration_s, 3)
            lines[i] = line.model_copy(update={"asset": key, "duration_s": seconds})
            texts = [_follow(t, line, lines[i]) for t in texts]
    return timeline.model_copy(update={"voice": lines, "texts": texts})


def _follow(text: TextItem, old: VoiceLine, new: VoiceLine) -> TextItem:
    """A text shown exactly while `old` was spoken ends when `new` does."""
    if abs(text.start_s - old.start_s) <= TIED_S and abs(text.end_s - old.end_s) <= TIED_S:
        return text.model_copy(update={"end_s": round(new.end_s, 3)})
    return text
