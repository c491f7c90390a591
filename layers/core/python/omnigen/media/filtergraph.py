"""Filter graphs for compose, built as plain strings from the timeline (pure; no I/O), so the
exact graph ffmpeg runs can be unit-tested and read in a failed job's error.

Video: each clip is padded (a model clip may be shorter than its slot), trimmed to its in/out
points, retimed, scaled to fit and padded to the frame; clips join by cut (concat) or dissolve
(xfade at the clip's start on the output clock); text cards overlay at their times.
Audio: the voice lines sit at their measured starts; the music is gained, then ducked by a
volume envelope computed from those same lines, so the duck under the major statement is the
timeline's `duck_db` by construction rather than whatever a compressor decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from omnigen.timeline import MusicBed, Timeline, VoiceLine

AUDIO_FORMAT = "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"


@dataclass(frozen=True)
class Overlay:
    input_index: int
    x: int
    y: int
    start_s: float
    end_s: float


def clip_chain(timeline: Timeline, i: int, input_index: int) -> str:
    clip = timeline.clips[i]
    out = timeline.output
    w, h = out.width, out.height
    return (
        f"[{input_index}:v]tpad=stop_mode=clone:stop_duration={clip.out_s:.3f},"
        f"trim=start={clip.in_s:.3f}:end={clip.out_s:.3f},setpts=PTS-STARTPTS,fps={out.fps},settb=1/{out.fps},"
        f"scale={w}:{h}:force_original_aspect_ratio=decrease,"
        f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p[c{i}]"
    )


def video_graph(timeline: Timeline, clip_inputs: list[int], overlays: list[Overlay]) -> tuple[list[str], str]:
    """Filter chains and the label of the finished picture."""
    chains = [clip_chain(timeline, i, idx) for i, idx in enumerate(clip_inputs)]
    fps = timeline.output.fps  # every joined stream on one time base: xfade refuses mixed ones
    starts = timeline.clip_starts()
    cur = "[c0]"
    for i in range(1, len(timeline.clips)):
        clip = timeline.clips[i]
        label = f"[j{i}]"
        if clip.transition == "dissolve":
            chains.append(
                f"{cur}[c{i}]xfade=transition=fade:duration={clip.transition_s:.3f}:offset={starts[i]:.3f},"
                f"settb=1/{fps}{label}"
            )
        else:
            chains.append(f"{cur}[c{i}]concat=n=2:v=1:a=0,settb=1/{fps}{label}")
        cur = label
    for k, ov in enumerate(overlays):
        label = f"[o{k}]"
        chains.append(
            f"{cur}[{ov.input_index}:v]overlay=x={ov.x}:y={ov.y}:eof_action=repeat:"
            f"enable='between(t,{ov.start_s:.3f},{ov.end_s:.3f})'{label}"
        )
        cur = label
    chains.append(f"{cur}trim=duration={timeline.duration_s:.3f},format=yuv420p[vout]")
    return chains, "[vout]"


def speech_spans(voice: list[VoiceLine], merge_gap_s: float) -> list[tuple[float, float]]:
    """Time ranges with speech, lines closer than `merge_gap_s` merged (the bed stays down
    between breaths instead of pumping)."""
    spans: list[tuple[float, float]] = []
    for v in sorted(voice, key=lambda x: x.start_s):
        if spans and v.start_s - spans[-1][1] <= merge_gap_s:
            spans[-1] = (spans[-1][0], max(spans[-1][1], v.end_s))
        else:
            spans.append((v.start_s, v.end_s))
    return spans


def duck_expression(music: MusicBed, spans: list[tuple[float, float]]) -> str:
    """ffmpeg `volume` expression: 1 away from speech, 10^(-duck/20) during it, linear ramps of
    attack before and release after each span."""
    if not spans or music.duck_db <= 0:
        return "1"
    floor = 10 ** (-music.duck_db / 20)
    att, rel = max(music.duck_attack_s, 0.01), max(music.duck_release_s, 0.01)
    ramps = [f"min(clip((t-{s - att:.3f})/{att:.3f},0,1),clip(({e + rel:.3f}-t)/{rel:.3f},0,1))" for s, e in spans]
    depth = ramps[0]
    for r in ramps[1:]:
        depth = f"max({depth},{r})"
    return f"1-({1 - floor:.6f})*{depth}"


def audio_mix_graph(
    timeline: Timeline, voice_inputs: list[int], music_input: int | None, voice: bool = True
) -> tuple[list[str], str]:
    """Voice lines on the clock plus the ducked, faded bed → one stereo mix of the ad's length.

    `voice=False` leaves the speech out but keeps the duck it causes: the music stem exactly as
    it sits under the voice, which is what a loudness check of the duck has to measure."""
    d = timeline.duration_s
    chains: list[str] = []
    labels: list[str] = []
    for k, (line, idx) in enumerate(zip(timeline.voice, voice_inputs, strict=True) if voice else []):
        ms = round(line.start_s * 1000)
        chains.append(f"[{idx}:a]{AUDIO_FORMAT},atrim=0:{line.duration_s + 0.05:.3f},adelay={ms}:all=1[v{k}]")
        labels.append(f"[v{k}]")
    music = timeline.music
    if music is not None and music_input is not None:
        bed = [
            AUDIO_FORMAT,
            f"atrim=0:{d:.3f}",
            "asetpts=N/SR/TB",
            f"volume={music.gain_db:.2f}dB",
        ]
        expr = duck_expression(music, speech_spans(timeline.voice, music.duck_attack_s + music.duck_release_s))
        if expr != "1":
            bed.append(f"volume=volume='{expr}':eval=frame")
        if music.fade_in_s > 0:
            bed.append(f"afade=t=in:st=0:d={min(music.fade_in_s, d / 3):.3f}")
        if music.fade_out_s > 0:
            fo = min(music.fade_out_s, d / 3)
            bed.append(f"afade=t=out:st={d - fo:.3f}:d={fo:.3f}")
        chains.append(f"[{music_input}:a]{','.join(bed)}[bed]")
        labels.append("[bed]")
    if not labels:
        chains.append(f"anullsrc=r=48000:cl=stereo,atrim=0:{d:.3f}[mix]")
        return chains, "[mix]"
    chains.append(
        f"{''.join(labels)}amix=inputs={len(labels)}:normalize=0:dropout_transition=0,"
        f"apad=whole_dur={d:.3f},atrim=0:{d:.3f}[mix]"
    )
    return chains, "[mix]"
