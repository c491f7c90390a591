"""Audio assembly that happens before compose: the music bed fitted to the ad's length, and the
voiceover track laid out from the measured lines (a listenable asset on its own)."""

from __future__ import annotations

from pathlib import Path

from omnigen.media.ffmpeg import run_ffmpeg

SAMPLE_RATE = 48_000


def fit_music(src: Path, out: Path, duration_s: float, fade_in_s: float, fade_out_s: float) -> Path:
    """Loop or trim `src` to exactly `duration_s`, 48 kHz stereo, with fades, as MP3 (by suffix).

    Models return beds of their own length (MiniMax writes about a minute, the local synth the
    exact length); looping a short bed and trimming a long one both end on a fade, so the ad
    never stops on a cut-off chord.
    """
    fade_out_s = min(fade_out_s, duration_s / 3)
    fade_in_s = min(fade_in_s, duration_s / 3)
    chain = [f"atrim=0:{duration_s:.3f}", "asetpts=N/SR/TB"]
    if fade_in_s > 0:
        chain.append(f"afade=t=in:st=0:d={fade_in_s:.3f}")
    if fade_out_s > 0:
        chain.append(f"afade=t=out:st={duration_s - fade_out_s:.3f}:d={fade_out_s:.3f}")
    chain.append(f"apad=whole_dur={duration_s:.3f}")
    codec = ["-c:a", "libmp3lame", "-b:a", "192k"] if out.suffix == ".mp3" else ["-c:a", "pcm_s16le"]
    run_ffmpeg(
        [
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            src,
            "-vn",
            "-af",
            ",".join(chain),
            "-ar",
            str(SAMPLE_RATE),
            "-ac",
            "2",
            "-t",
            f"{duration_s:.3f}",
            *codec,
            out,
        ],
        what=f"fitting the music bed to {duration_s:.1f} s",
    )
    return out


def concat_voice(parts: list[tuple[Path, float]], out: Path, duration_s: float) -> Path:
    """Each (line WAV, start time) placed on one mono 48 kHz track of exactly `duration_s`."""
    args: list[str | Path] = ["-y"]
    for path, _ in parts:
        args += ["-i", path]
    labels = []
    graph = []
    for i, (_, start) in enumerate(parts):
        ms = max(0, round(start * 1000))
        graph.append(f"[{i}:a]aresample={SAMPLE_RATE},aformat=channel_layouts=mono,adelay={ms}:all=1[v{i}]")
        labels.append(f"[v{i}]")
    if parts:
        graph.append(
            f"{''.join(labels)}amix=inputs={len(parts)}:normalize=0:dropout_transition=0,"
            f"apad=whole_dur={duration_s:.3f},atrim=0:{duration_s:.3f}[out]"
        )
    else:
        args += ["-f", "lavfi", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=mono"]
        graph.append(f"[0:a]atrim=0:{duration_s:.3f}[out]")
    args += [
        "-filter_complex",
        ";".join(graph),
        "-map",
        "[out]",
        "-ar",
        str(SAMPLE_RATE),
        "-ac",
        "1",
        "-c:a",
        "pcm_s16le",
        out,
    ]
    run_ffmpeg(args, what="assembling the voiceover track")
    return out
