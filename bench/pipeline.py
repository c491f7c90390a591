"""How close the pipeline's scheduling comes to the best possible, per continuity mode.

A 6-scene 30 s ad runs through the real in-process runner with every capability on Replicate —
the local fake of Replicate's API, with fixed latencies (script 0.6 s, scene 1.8 s, music 0.6 s,
voice 0.3 s per line) and signed webhooks delivered to a local receiver, as in production. For
each continuity mode (parallel, auto, chain) it measures the generation wall time (script start →
the last scene, music or voice line done) against that mode's critical-path lower bound:

    script + max(scene chains on the concurrency slots, music, voice lines in turn)

with `omnigen.schedule.lower_bound_s(..., held=True)` for the scenes: a chain holds its slot from
its first take to its last, so with more takes than slots two of them run one after the other
on some slot (five 9 s takes on 3 slots take 18 s however they are placed). The final render is local ffmpeg
work that no schedule can shorten, so it is timed and shown but kept out of the ratio.
Target: every efficiency (wall / lower bound) ≤ 1.15.

    python bench/pipeline.py [--concurrency 3] [--json]

Every video setup (`omnigen.video_models.VideoSetup`) is run: the configured one
(OMNIGEN_MODEL_VIDEO and OMNIGEN_MODEL_VIDEO_END_FRAME; by default Kling v2.5 Turbo Pro with its
end-frame companion Kling v2.1) in every mode, and — in `parallel` and `keyframes` on the same
script — Kling v2.5 with the companion off (the hybrid) and Kling v2.1 alone. `--json` adds
`keyframes_over_parallel` (the configured setup's keyframes wall over its parallel wall),
`keyframes_over_parallel_no_companion` (Kling v2.5 alone), `keyframes_over_parallel_end_frame`
(Kling v2.1 alone) and per-setup figures under `models`.

`--simulate` runs the same schedule (`omnigen.simulation`, the plan the runners execute) on a
virtual clock with the seed's latencies — script 60 s, each Kling scene 90–180 s drawn from a
fixed seed, music 60 s, a voice line 3 s, a keyframe 3 s — for the 30 s and the 60 s example ads
with every cut continuous, and prints each mode's wall for each video setup: Kling v2.5 Turbo Pro
takes no end frame per its published schema, so alone (companion `none`) its `keyframes` runs the
hybrid (the continuous cuts are chained); with the companion (the default) the takes that end on
the next keyframe go to Kling v2.1 and every take starts at once; Kling v2.1 alone takes one too
(and its schema requires a start frame, so even `parallel` draws keyframes). `--json` adds
`keyframes_over_parallel` (configured setup), `keyframes_over_parallel_no_companion`,
`keyframes_over_parallel_end_frame` (Kling v2.1 alone), `keyframes_efficiency` (the configured
setup's keyframes wall over that mode's lower bound), the same per setup under `models`, and
`cost` per example brief: the billed video and keyframe dollars of `keyframes` with the
companion against the hybrid (the estimate's, which the tests hold to the billed cost).

    python bench/pipeline.py --simulate [--json]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "tests"))

from fake_replicate import TOKEN, FakeReplicate, serve_receiver  # noqa: E402
from fake_replicate import media as fake_media  # noqa: E402
from fake_replicate.scripts import chat_reply  # noqa: E402
from machine import describe, line  # noqa: E402

from omnigen.brief import Brief, load_brief  # noqa: E402
from omnigen.config import load_settings  # noqa: E402
from omnigen.job import JobStatus  # noqa: E402
from omnigen.lines import speaking_rate, split_lines  # noqa: E402
from omnigen.pipeline import lifecycle  # noqa: E402
from omnigen.pipeline.context import StepContext  # noqa: E402
from omnigen.pipeline.launchers.threads import LocalRunner  # noqa: E402
from omnigen.providers.ports import CallContext, Providers  # noqa: E402
from omnigen.providers.replicate.client import PredictionEvents  # noqa: E402
from omnigen.providers.replicate.factory import build_replicate_providers  # noqa: E402
from omnigen.providers.replicate.webhook_receiver import WebhookReceiver  # noqa: E402
from omnigen.schedule import lower_bound_s  # noqa: E402
from omnigen.script import Script  # noqa: E402
from omnigen.video_models import (  # noqa: E402
    END_FRAME_KEY,
    KLING_V21_PRO,
    KLING_V25_TURBO_PRO,
    NO_COMPANION,
    VideoSetup,
    video_setup,
)

LATENCY_S = {
    "openai/gpt-4o": 0.6,
    "kwaivgi/kling-v2.5-turbo-pro": 1.8,
    "kwaivgi/kling-v2.1": 1.8,
    "minimax/music-2.6": 0.6,
    "minimax/speech-02-turbo": 0.3,
    "black-forest-labs/flux-schnell": 0.05,
}
MODES = ("parallel", "auto", "chain", "keyframes")
END_FRAME_MODES = ("parallel", "keyframes")
"""What the end-frame model is run in against the fake: keyframes against parallel, one script."""
TARGET = 1.15
BRIEF = ROOT / "examples" / "briefs" / "psoriasis_30s.yaml"


def six_scene_script(brief: Brief) -> Script:
    """The offline writer's script for the brief, brought to exactly six scenes by folding the
    shortest speech-free scene into its predecessor (what a writer asked for six would do)."""
    from omnigen.providers.local.script_writer import LocalScriptWriter

    data = LocalScriptWriter().write(brief, CallContext()).model_dump(mode="json")
    scenes = data["scenes"]
    while len(scenes) > 6:
        candidates = [i for i in range(1, len(scenes)) if scenes[i]["purpose"] not in ("major_statement",)]
        i = min(candidates, key=lambda k: (bool(scenes[k]["voiceover"]), scenes[k]["duration_s"]))
        gone, prev = scenes.pop(i), scenes[i - 1]
        prev["duration_s"] = round(prev["duration_s"] + gone["duration_s"], 2)
        prev["voiceover"] = f"{prev['voiceover']} {gone['voiceover']}".strip()
        prev["supers"] = (prev["supers"] + gone["supers"])[:6]
    for n, scene in enumerate(scenes, start=1):
        scene["index"] = n
    scenes[0]["continues_previous"] = False
    return Script.model_validate(data)


def lower_bound(script: Script, continuity: str, slots: int, model: VideoSetup, scale: float = 1.0) -> dict[str, float]:
    """The mode's critical path: its takes on the setup's clip grid (as the pipeline plans them),
    the keyframes first when the mode draws them; every latency times the fake's `scale` (both
    Klings take the same in the fake)."""
    lat = {k: v * scale for k, v in LATENCY_S.items()}
    scene_s = lat[model.spec.slug]
    takes = bench_takes(script, continuity, model)
    groups = takes.chains()
    stills = lat["black-forest-labs/flux-schnell"] if takes.keyframes() else 0.0
    scenes = stills + lower_bound_s([scene_s * len(g) for g in groups], slots, held=True)
    n_lines = sum(len(split_lines(s.voiceover)) for s in script.scenes)
    voice = n_lines * lat["minimax/speech-02-turbo"]
    music = lat["minimax/music-2.6"]
    total = lat["openai/gpt-4o"] + max(scenes, music, voice)
    return {"scenes_s": scenes, "voice_s": voice, "music_s": music, "total_s": total, "chains": len(groups)}


def bench_takes(script: Script, continuity: str, model: VideoSetup):  # type: ignore[no-untyped-def]
    """The takes the pipeline plans for `script` on `model` (`omnigen.pipeline.steps.takes`)."""
    from omnigen.clip_plan import Takes

    return Takes(script, model.clip_seconds, continuity, model.end_frame, model.start_required)


NO_COMPANION_MODELS = {"video": KLING_V25_TURBO_PRO.slug, END_FRAME_KEY: NO_COMPANION}
END_FRAME_ALONE_MODELS = {"video": KLING_V21_PRO.slug}


def label(setup: VideoSetup) -> str:
    """How a setup is named in the output: `model + companion`, `model, no companion`, `model`."""
    if setup.end_frame_model:
        return f"{setup.model} + {setup.end_frame_model}"
    return setup.model if setup.spec.end_frame else f"{setup.model}, no companion"


def configured_models() -> dict[str, str]:
    """OMNIGEN_MODEL_VIDEO and OMNIGEN_MODEL_VIDEO_END_FRAME as set, else the defaults."""
    models = load_settings(need_credentials=False).models
    return {k: v for k, v in models.items() if k in ("video", END_FRAME_KEY)}


def bench_setups() -> dict[str, tuple[dict[str, str], tuple[str, ...]]]:
    """label → (the video models, the modes to run): every mode for the configured setup,
    keyframes against parallel for Kling v2.5 without a companion and Kling v2.1 alone."""
    runs = {label(video_setup(configured_models())): (configured_models(), MODES)}
    for models in (NO_COMPANION_MODELS, END_FRAME_ALONE_MODELS):
        runs.setdefault(label(video_setup(models)), (models, END_FRAME_MODES))
    return runs


def warm(script: Script, aspect: str) -> None:
    """Make the fake's media before timing, so the fake's own ffmpeg runs are not measured."""
    for seconds in (5, 10):
        fake_media.video(aspect, seconds)
    fake_media.music()
    for scene in script.scenes:
        rate = speaking_rate(scene.purpose == "major_statement")  # the speed the voice adapter sends
        for text in split_lines(scene.voiceover):
            fake_media.speech(text, "wav", 32000, rate)


def run_mode(
    home: Path, providers: Providers, brief: Brief, mode: str, concurrency: int, models: dict[str, str]
) -> tuple[float, float, float]:
    """(generation wall s, compose s, total s) of one job."""
    env = {
        "OMNIGEN_HOME": str(home / "_".join(models.values()).replace("/", "_") / mode),
        "OMNIGEN_MAX_CONCURRENT_SCENES": str(concurrency),
        **{f"OMNIGEN_MODEL_{k.upper()}": v for k, v in models.items()},
    }
    settings = load_settings(env)
    from omnigen.store.filesystem import FileAssetStore
    from omnigen.store.sqlite import SqliteJobStore

    ctx = StepContext(
        jobs=SqliteJobStore(settings.db_path),
        assets=FileAssetStore(settings.assets_dir),
        providers=providers,
        settings=settings,
        scratch_root=settings.home / "tmp",
        # the schedule is measured here, not QC (whose OCR misses the referral card at 360p on
        # this machine, the base commit included): a render QC refuses is still timed
        allow_noncompliant=True,
    )
    job = lifecycle.create_job(ctx, "bench", brief.model_copy(update={"continuity": mode, "resolution": "360p"}))
    t0 = time.perf_counter()
    final = LocalRunner(ctx).run(job.job_id)
    total = time.perf_counter() - t0
    if final.status != JobStatus.COMPLETED:
        raise RuntimeError(f"{mode}: job ended {final.status.value}: {final.error}")
    tracks = final.tracks
    start = tracks["script"].started_at
    gen = [t.finished_at for name, t in tracks.items() if name not in ("script", "compose") and t.finished_at]
    assert start is not None and gen
    compose = tracks["compose"]
    compose_s = (compose.finished_at - compose.started_at).total_seconds() if compose.started_at else 0.0
    return (max(gen) - start).total_seconds(), compose_s, total


def _serve_fake(conn: Connection, script: dict[str, Any], aspect: str, jobs: int, scale: float) -> None:
    """The fake in a process of its own, as Replicate is: its HTTP threads, timers and webhook
    deliveries must not share a GIL with the pipeline being measured."""
    warm(Script.model_validate(script), aspect)
    with FakeReplicate(latency_s=LATENCY_S, scale=scale) as fake:
        for _ in range(jobs):
            fake.script_replies.append(chat_reply(script))
        conn.send((fake.base_url, fake.secret))
        conn.recv()  # until the benchmark is done


@contextmanager
def fake_in_its_own_process(script: Script, brief: Brief, jobs: int, scale: float = 1.0) -> Iterator[tuple[str, str]]:
    """The fake's URL and webhook secret, with a script reply for each of `jobs`, its latencies
    times `scale`."""
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.Process(
        target=_serve_fake,
        args=(child, script.model_dump(mode="json"), brief.aspect_ratio, jobs, scale),
        daemon=True,
    )
    proc.start()
    try:
        yield parent.recv()
    finally:
        parent.send("stop")
        proc.join(30)


SIM_BRIEFS = (
    ROOT / "examples" / "briefs" / "psoriasis_30s.yaml",
    ROOT / "examples" / "briefs" / "anticoagulant_60s.yaml",
)
SIM_TARGET = 1.1


def every_cut_continuous(brief: Brief) -> Script:
    """The offline writer's script for the brief with every cut marked continuous."""
    from omnigen.providers.local.script_writer import LocalScriptWriter

    script = LocalScriptWriter().write(brief, CallContext())
    scenes = [s.model_copy(update={"continues_previous": s.index > 1}) for s in script.scenes]
    return script.model_copy(update={"scenes": scenes})


def simulate_model(script: Script, slots: int, model: VideoSetup) -> dict[str, Any]:
    """Each mode's simulated wall for one ad on one video setup: the script's takes on its clip
    grid, the same drawn take latencies for every mode."""
    from omnigen.simulation import seed_latencies, simulate

    modes = {m: bench_takes(script, m, model) for m in MODES}
    lat = seed_latencies(modes["parallel"])  # one plan of takes whatever the mode
    runs = {m: simulate(t, slots, lat) for m, t in modes.items()}
    parallel = runs["parallel"].wall_s
    return {
        "end_frame": model.end_frame,
        "modes": {m: t.model_dump() for m, t in runs.items()},
        "keyframes_over_parallel": round(runs["keyframes"].wall_s / parallel, 3),
        "keyframes_efficiency": round(runs["keyframes"].wall_s / runs["keyframes"].lower_bound_s, 3),
        "chain_over_parallel": round(runs["chain"].wall_s / parallel, 3),
        "takes": len(modes["parallel"].plan.groups),
        "billed_video_s": modes["parallel"].plan.billed_s,
    }


def sim_setups() -> dict[str, VideoSetup]:
    """The configured setup first, then Kling v2.5 without a companion and Kling v2.1 alone."""
    setups: dict[str, VideoSetup] = {}
    for models in (configured_models(), NO_COMPANION_MODELS, END_FRAME_ALONE_MODELS):
        setups.setdefault(label(video_setup(models)), video_setup(models))
    return setups


def simulate_ad(brief: Brief, slots: int) -> dict[str, Any]:
    """Every video setup's modes for one ad; the top-level figures are the configured setup's,
    `keyframes_over_parallel_no_companion` Kling v2.5 alone, `_end_frame` Kling v2.1 alone."""
    script = every_cut_continuous(brief)
    setups = sim_setups()
    per_model = {name: simulate_model(script, slots, s) for name, s in setups.items()}
    mine = per_model[label(video_setup(configured_models()))]
    return {
        "scenes": len(script.scenes),
        "takes": mine["takes"],
        "billed_video_s": mine["billed_video_s"],
        "duration_s": brief.duration_s,
        "modes": mine["modes"],
        "keyframes_over_parallel": mine["keyframes_over_parallel"],
        "keyframes_over_parallel_no_companion": per_model[label(video_setup(NO_COMPANION_MODELS))][
            "keyframes_over_parallel"
        ],
        "keyframes_over_parallel_end_frame": per_model[label(video_setup(END_FRAME_ALONE_MODELS))][
            "keyframes_over_parallel"
        ],
        "keyframes_efficiency": mine["keyframes_efficiency"],
        "chain_over_parallel": mine["chain_over_parallel"],
        "models": per_model,
    }


def cost_of_keyframes(brief: Brief, slots: int) -> dict[str, Any]:
    """The billed video + keyframe dollars of `keyframes` on the brief's own script (the offline
    writer's, its continuity marks as written) with the companion and with the hybrid, from the
    estimate (which the tests hold to the billed cost of the same takes)."""
    from omnigen.config import parse_providers
    from omnigen.pricing import estimate
    from omnigen.providers.local.script_writer import LocalScriptWriter

    keyed = brief.model_copy(update={"continuity": "keyframes"})
    script = LocalScriptWriter().write(keyed, CallContext())

    def billed(models: dict[str, str]) -> float:
        est = estimate(keyed, parse_providers("replicate"), slots, script=script, models=models)
        return round(sum(ln.usd for ln in est.lines if ln.capability in ("video", "keyframes")), 4)

    with_companion = billed({"video": KLING_V25_TURBO_PRO.slug, END_FRAME_KEY: KLING_V21_PRO.slug})
    hybrid = billed(NO_COMPANION_MODELS)
    return {
        "companion_usd": with_companion,
        "hybrid_usd": hybrid,
        "difference_usd": round(with_companion - hybrid, 4),
        "ratio": round(with_companion / hybrid, 3),
    }


def simulate_main(args: argparse.Namespace) -> int:
    slots = (
        args.concurrency
        or load_settings({"OMNIGEN_PROVIDERS": "replicate", "REPLICATE_API_TOKEN": "x"}).max_concurrent_scenes
    )
    print(f"machine: {line()}")
    from omnigen.simulation import SEED_LATENCY_S, SEED_SEED, SEED_TAKE_S

    print(
        f"virtual clock, seed {SEED_SEED}: script {SEED_LATENCY_S['script']:g} s, Kling take "
        f"{SEED_TAKE_S[5][0]:g}-{SEED_TAKE_S[10][1]:g} s, music {SEED_LATENCY_S['music']:g} s, "
        f"voice {SEED_LATENCY_S['voice_line']:g} s a line, keyframe {SEED_LATENCY_S['keyframe']:g} s; "
        f"{slots} take(s) at a time; every cut continuous"
    )
    out: dict[str, Any] = {}
    configured = label(video_setup(configured_models()))
    for path in SIM_BRIEFS:
        brief = load_brief(path)
        r = out[path.stem] = simulate_ad(brief, slots)
        print(f"\n{path.stem}: {r['scenes']} scenes in {r['takes']} takes, {r['billed_video_s']} s billed")
        print(f"{'video setup':<60} {'mode':<10} {'chains':>6} {'stills':>6} {'wall':>9} {'bound':>9} {'/parallel':>9}")
        for name, m in r["models"].items():
            shown = name + (" (configured)" if name == configured else "")
            for mode, t in m["modes"].items():
                over = t["wall_s"] / m["modes"]["parallel"]["wall_s"]
                print(
                    f"{shown:<60} {mode:<10} {t['chains']:>6} {t['keyframes']:>6} {t['wall_s']:>8.1f}s "
                    f"{t['lower_bound_s']:>8.1f}s {over:>9.3f}"
                )
                shown = ""
    worst = max(r["keyframes_over_parallel"] for r in out.values())
    worst_hybrid = max(r["keyframes_over_parallel_no_companion"] for r in out.values())
    worst_end = max(r["keyframes_over_parallel_end_frame"] for r in out.values())
    print(
        f"\nkeyframes over parallel: {worst:.3f} with {configured} (configured), "
        f"{worst_hybrid:.3f} with {label(video_setup(NO_COMPANION_MODELS))}, "
        f"{worst_end:.3f} with {KLING_V21_PRO.slug} alone; target <= {SIM_TARGET}"
    )
    costs = {}
    print("\nbilled video + keyframes in keyframes mode, the brief's own script: with the companion vs the hybrid")
    for path in sorted((ROOT / "examples" / "briefs").glob("*.yaml")):
        c = costs[path.stem] = cost_of_keyframes(load_brief(path), slots)
        print(
            f"  {path.stem:<20} ${c['companion_usd']:.2f} with {KLING_V21_PRO.slug} vs ${c['hybrid_usd']:.2f} hybrid: "
            f"{c['difference_usd']:+.2f} ({c['ratio']:.3f}x)"
        )
    if args.json:
        setups = list(next(iter(out.values()))["models"])
        summary: dict[str, Any] = {
            "keyframes_over_parallel": worst,
            "keyframes_over_parallel_no_companion": worst_hybrid,
            "keyframes_over_parallel_end_frame": worst_end,
            "keyframes_efficiency": max(r["keyframes_efficiency"] for r in out.values()),
            "video_model": configured,
            "models": {
                name: {
                    "keyframes_over_parallel": max(r["models"][name]["keyframes_over_parallel"] for r in out.values()),
                    "keyframes_efficiency": max(r["models"][name]["keyframes_efficiency"] for r in out.values()),
                }
                for name in setups
            },
            "cost": costs,
            "ads": out,
            "concurrency": slots,
            "target": SIM_TARGET,
            "machine": describe(),
        }
        print(json.dumps(summary))
    # the goal is met for the configured video setup, not only for one that takes an end frame
    return 0 if worst <= SIM_TARGET else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--concurrency", type=int, default=None, help="scenes at a time (OMNIGEN_MAX_CONCURRENT_SCENES)")
    ap.add_argument("--json", action="store_true", help="one JSON object on the last line")
    ap.add_argument("--simulate", action="store_true", help="the schedule on a virtual clock with the seed's latencies")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs of every model and mode, interleaved; the median wall is kept"
    )
    ap.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="the fake's latencies times this (above 1 the per-take overheads weigh less on a loaded machine)",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.simulate:
        return simulate_main(args)
    args.concurrency = args.concurrency or 3

    brief = load_brief(BRIEF)
    script = six_scene_script(brief)
    runs = bench_setups()
    configured = label(video_setup(configured_models()))
    jobs = [(rep, name, mode) for rep in range(args.repeat) for name, (_, modes) in runs.items() for mode in modes]
    walls: dict[tuple[str, str], list[tuple[float, float, float]]] = {(n, m): [] for _, n, m in jobs}
    with (
        tempfile.TemporaryDirectory(prefix="omnigen-bench-") as tmp,
        fake_in_its_own_process(script, brief, len(jobs), args.scale) as fake,
    ):
        base_url, secret = fake
        events = PredictionEvents()
        receiver = WebhookReceiver(secret, events=events)
        with serve_receiver(receiver) as (webhook_url, _answered):
            remotes = {
                name: build_replicate_providers(TOKEN, base_url, webhook_url, poll_interval_s=0.25, models=models)
                for name, (models, _) in runs.items()
            }
            for remote in remotes.values():
                remote.runner.events = events
            # every setup and mode once per round, so a burst of load on the shared machine
            # falls on all of them alike rather than on one mode's runs
            for rep, name, mode in jobs:
                remote = remotes[name]
                providers = Providers(
                    script=remote.script,
                    video=remote.video,
                    music=remote.music,
                    voice=remote.voice,
                    keyframes=remote.keyframes,
                )
                home = Path(tmp) / f"run{rep}"
                walls[(name, mode)].append(run_mode(home, providers, brief, mode, args.concurrency, runs[name][0]))
            for remote in remotes.values():
                remote.runner.close()

    results: dict[str, dict[str, Any]] = {name: {} for name in runs}
    for (name, mode), timed in walls.items():
        bound = lower_bound(script, mode, args.concurrency, video_setup(runs[name][0]), args.scale)
        wall, compose_s, total = sorted(timed)[len(timed) // 2]  # the median run (by its wall)
        results[name][mode] = {
            "wall_s": round(wall, 3),
            "walls_s": [round(t[0], 3) for t in timed],
            "lower_bound_s": round(bound["total_s"], 3),
            "efficiency": round(wall / bound["total_s"], 3),
            "chains": bound["chains"],
            "compose_s": round(compose_s, 2),
            "job_s": round(total, 2),
        }

    print(f"machine: {line()}")
    print(
        f"{len(script.scenes)} scenes, {brief.duration_s} s ad, {args.concurrency} scene(s) at a time; "
        f"latencies (x{args.scale:g}): script {LATENCY_S['openai/gpt-4o']} s, "
        f"scene {LATENCY_S[KLING_V25_TURBO_PRO.slug]} s, "
        f"keyframe {LATENCY_S['black-forest-labs/flux-schnell']} s, "
        f"music {LATENCY_S['minimax/music-2.6']} s, voice {LATENCY_S['minimax/speech-02-turbo']} s per line"
    )
    print(f"{'video setup':<60} {'mode':<9} {'chains':>6} {'wall':>8} {'bound':>8} {'ratio':>6}  {'compose':>8}")
    for name, modes_run in results.items():
        shown = name + (" (configured)" if name == configured else "")
        for mode, r in modes_run.items():
            print(
                f"{shown:<60} {mode:<9} {r['chains']:>6} {r['wall_s']:>7.2f}s {r['lower_bound_s']:>7.2f}s "
                f"{r['efficiency']:>6.3f}  {r['compose_s']:>7.2f}s"
                + (f"  runs {', '.join(f'{w:.2f}' for w in r['walls_s'])}" if len(r["walls_s"]) > 1 else "")
            )
            shown = ""
    mine = results[configured]
    worst = max(r["efficiency"] for r in mine.values())
    hybrid = label(video_setup(NO_COMPANION_MODELS))
    alone = label(video_setup(END_FRAME_ALONE_MODELS))

    def over_parallel(name: str) -> float:
        return round(results[name]["keyframes"]["wall_s"] / results[name]["parallel"]["wall_s"], 3)

    print(f"worst efficiency {worst:.3f} (target <= {TARGET}), configured {configured}")
    print(
        f"keyframes over parallel: {over_parallel(configured):.3f} ({configured}), "
        f"{over_parallel(hybrid):.3f} ({hybrid}), {over_parallel(alone):.3f} ({alone}); target <= {SIM_TARGET}"
    )
    if args.json:
        summary: dict[str, Any] = {f"{m}_efficiency": r["efficiency"] for m, r in mine.items()}
        summary |= {
            "keyframes_over_parallel": over_parallel(configured),
            "keyframes_over_parallel_no_companion": over_parallel(hybrid),
            "keyframes_over_parallel_end_frame": over_parallel(alone),
            "keyframes_efficiency": mine["keyframes"]["efficiency"],
            "video_model": configured,
            "modes": mine,
            "models": {
                name: {"keyframes_over_parallel": over_parallel(name), "modes": modes_run}
                for name, modes_run in results.items()
            },
            "concurrency": args.concurrency,
            "repeat": args.repeat,
            "scale": args.scale,
            "target": TARGET,
            "machine": describe(),
        }
        print(json.dumps(summary))
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
