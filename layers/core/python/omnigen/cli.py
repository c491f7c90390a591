"""The `omnigen` command. Exit codes: 0 done, 1 the job or check failed, 2 bad input or settings,
130 interrupted (the job is marked cancelled and everything made so far is kept)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnigen.brief import Brief, BriefError, load_brief, parse_brief
from omnigen.config import ConfigError, Settings, load_settings
from omnigen.job import Job, JobStatus
from omnigen.safe_text import printable
from omnigen.store.ports import StoreError

if TYPE_CHECKING:
    from omnigen.pipeline.context import StepContext
    from omnigen.pipeline.launchers import Launcher

USER = "local"


class UsageError(Exception):
    """Bad input from the command line; printed and exit 2."""


def _settings(args: argparse.Namespace, need_credentials: bool = True) -> Settings:
    return load_settings(need_credentials=need_credentials, providers=getattr(args, "providers", None))


def _brief(args: argparse.Namespace) -> Brief:
    """The brief file, checked as the API checks a request: its text fields, and its product
    image by content (`lifecycle.checked_image`), before any work starts."""
    from omnigen.pipeline.lifecycle import checked_image, read_image_file

    brief = load_brief(args.brief)
    if brief.product.image and "://" not in brief.product.image:
        checked_image(read_image_file(Path(brief.product.image)))
    overrides = {
        "resolution": getattr(args, "resolution", None),
        "aspect_ratio": getattr(args, "aspect", None),
        "continuity": getattr(args, "continuity", None),
        "seed": getattr(args, "seed", None),
        "loudness": getattr(args, "loudness", None),
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if overrides:
        brief = parse_brief(brief.model_dump(mode="json") | overrides)
    return brief


def _context(settings: Settings) -> StepContext:
    from omnigen.pipeline.context import local_context

    return local_context(settings)


# --- progress display --------------------------------------------------------------------------


def _bar(pct: float, width: int = 20) -> str:
    filled = round(pct / 100 * width)
    return "█" * filled + "░" * (width - filled)


def _table(job: Job):  # type: ignore[no-untyped-def]
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=f"job {job.job_id} · {job.status.value} · {job.percent:.0f}%", expand=False)
    t.add_column("track")
    t.add_column("state")
    t.add_column("progress")
    t.add_column("", justify="right")
    t.add_column("message", overflow="fold", max_width=50)
    colors = {"done": "green", "running": "cyan", "failed": "red", "cancelled": "yellow"}
    for name, tr in job.tracks.items():
        pct = 100.0 if tr.state == "done" else tr.percent
        c = colors.get(tr.state, "dim")
        t.add_row(name, f"[{c}]{tr.state}[/]", f"[{c}]{_bar(pct)}[/]", f"{pct:.0f}%", escape(printable(tr.message)))
    return t


class ProgressView:
    """Live table on a terminal; one line per track change otherwise (logs, CI, `make demo`)."""

    def __init__(self, quiet: bool):
        from rich.console import Console

        self.console = Console(stderr=True)
        self.quiet = quiet
        self.live = None
        self.seen: dict[str, str] = {}
        self.status: str = ""

    def __enter__(self) -> ProgressView:
        if not self.quiet and self.console.is_terminal:
            from rich.live import Live

            self.live = Live(console=self.console, refresh_per_second=8, transient=False)
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def show(self, job: Job) -> None:
        if self.quiet:
            return
        if self.live is not None:
            self.live.update(_table(job))
            return
        if job.status.value != self.status:
            self.status = job.status.value
            self.console.print(f"[{job.percent:5.1f}%] status: {self.status}")
        for name, tr in job.tracks.items():
            if self.seen.get(name) != tr.state and tr.state != "pending":
                self.seen[name] = tr.state
                took = f" ({job.step_seconds[name]:.1f} s)" if name in job.step_seconds else ""
                self.console.print(
                    f"[{job.percent:5.1f}%] {name}: {tr.state}{took} {printable(tr.message)}", markup=False
                )


def _follow(ctx: StepContext, job_id: str, quiet: bool) -> Job:
    """Run the job through the launcher port (its thread backing: the job is this command's
    foreground work) and show its progress; Ctrl-C cancels it."""
    from omnigen.pipeline.launchers.threads import LocalRunner

    launcher: Launcher = LocalRunner(ctx, max_jobs=1, background=False)
    launcher.start(job_id)
    with ProgressView(quiet) as view:
        try:
            while job_id in launcher.running():
                job = ctx.jobs.get(job_id)
                if job:
                    view.show(job)
                launcher.join(0.25)
        except KeyboardInterrupt:
            print("\ninterrupted: cancelling the job (assets made so far are kept)...", file=sys.stderr)
            launcher.cancel(job_id)
            launcher.join()
            raise
        final = ctx.jobs.get(job_id)
        assert final is not None
        view.show(final)
    return final


def _usage(job: Job) -> list[dict[str, object]]:
    return [u.model_dump() for u in job.usage_by_model()]


def _print_usage(job: Job) -> None:
    """Which model did what, for what: the cost and provenance of every billed call."""
    for u in job.usage_by_model():
        print(f"  usage {u.capability:<10} {printable(u.model)}: {u.calls} call(s), ${u.cost_usd:.4f}")


def _report(job: Job, out: Path | None, ctx, as_json: bool) -> int:  # type: ignore[no-untyped-def]
    ok = job.status == JobStatus.COMPLETED
    if ok and out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        with ctx.assets.local_path(job.assets["output"]) as src:
            shutil.copyfile(src, out)
    if as_json:
        data = {
            "job_id": job.job_id,
            "status": job.status.value,
            "output": str(out) if ok and out else None,
            "step_seconds": job.step_seconds,
            "cost_usd": job.cost_usd,
            "usage": _usage(job),
            "compliance": job.compliance,
            "qc": job.qc,
            "error": job.error.model_dump() if job.error else None,
        }
        print(json.dumps(data))
    else:
        if ok:
            print(f"output: {out if out else job.assets.get('output')}")
        print(f"job: {job.job_id} ({job.status.value})")
        for name, secs in job.step_seconds.items():
            print(f"  {name:<12} {secs:7.1f} s")
        _print_usage(job)
        if job.error:
            print(f"error at {job.error.step}: {printable(job.error.message)}", file=sys.stderr)
            if job.error.detail:
                print("\n".join(printable(line) for line in job.error.detail.splitlines()), file=sys.stderr)
    return 0 if ok else 1


# --- commands ------------------------------------------------------------------------------------


def cmd_generate(args: argparse.Namespace) -> int:
    from omnigen.pipeline.fit import BriefDoesNotFit, require_fit
    from omnigen.pipeline.lifecycle import create_job

    settings = _settings(args)
    brief = _brief(args)
    if not args.allow_noncompliant:  # refused before anything is rendered, as the API refuses it
        try:
            require_fit(brief)
        except BriefDoesNotFit as unfit:
            raise UsageError(
                f"{args.brief}: {str(unfit).rstrip('.')}; or --allow-noncompliant to render it anyway"
            ) from None
    ctx = _context(settings)
    ctx.allow_noncompliant = args.allow_noncompliant
    job = create_job(ctx, USER, brief, local_files=True)
    if not args.json:
        print(f"job {job.job_id}: {brief.duration_s} s {brief.aspect_ratio} {brief.resolution}", file=sys.stderr)
    final = _follow(ctx, job.job_id, quiet=args.json)
    return _report(final, Path(args.output) if args.output else None, ctx, args.json)


def cmd_resume(args: argparse.Namespace) -> int:
    settings = _settings(args)
    ctx = _context(settings)
    job = ctx.jobs.get(args.job)
    if job is None:
        raise UsageError(f"no job {args.job} in {settings.db_path}")
    if job.status.terminal:
        raise UsageError(
            f"job {job.job_id} is {job.status.value}; a finished job is never resumed — "
            f"run `omnigen retry {job.job_id}` to make a new job that reuses its assets"
        )
    final = _follow(ctx, job.job_id, quiet=args.json)
    return _report(final, Path(args.output) if args.output else None, ctx, args.json)


def cmd_retry(args: argparse.Namespace) -> int:
    from omnigen.pipeline.lifecycle import retry_job

    ctx = _context(_settings(args))
    old = ctx.jobs.get(args.job)
    if old is None:
        raise UsageError(f"no job {args.job}")
    job = retry_job(ctx, old)
    print(f"job {job.job_id} retries {old.job_id}, reusing its assets", file=sys.stderr)
    final = _follow(ctx, job.job_id, quiet=args.json)
    return _report(final, Path(args.output) if args.output else None, ctx, args.json)


def cmd_cancel(args: argparse.Namespace) -> int:
    from omnigen.pipeline.lifecycle import cancel_job

    ctx = _context(_settings(args))
    if ctx.jobs.get(args.job) is None:
        raise UsageError(f"no job {args.job}")
    print(json.dumps(cancel_job(ctx, args.job)))
    return 0


def cmd_script(args: argparse.Namespace) -> int:
    from omnigen.compliance import load_policy
    from omnigen.pipeline.script_draft import draft_script
    from omnigen.providers.factory import build_providers
    from omnigen.providers.ports import CallContext

    settings = _settings(args)
    brief = _brief(args)
    writer = build_providers(settings).script
    script, report, _ = draft_script(writer, brief, load_policy(args.policy), CallContext())
    text = script.model_dump_json(indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(
            f"script: {args.output} ({len(script.scenes)} scenes, {script.duration_s:.1f} s); "
            f"compliance: {report.errors} error(s), {report.warnings} warning(s)",
            file=sys.stderr,
        )
    else:
        print(text)
    return 0 if report.errors == 0 else 1


def cmd_check(args: argparse.Namespace) -> int:
    from omnigen.compliance.cli import run_check

    code, output = run_check(args.script, args.brief, args.timeline, args.format, args.policy)
    print(output)
    return code


def cmd_qc(args: argparse.Namespace) -> int:
    """QC of a rendered MP4 against its timeline (and brief): 0 passed, 1 failed, 2 bad input."""
    import tempfile

    from omnigen.brief import BriefError, load_brief
    from omnigen.compliance import PolicyError, load_policy
    from omnigen.compliance.cli import EXIT_BAD_INPUT, InputError, load_model
    from omnigen.media.ffmpeg import MediaError
    from omnigen.media.ocr import OcrError
    from omnigen.media.qc import inspect
    from omnigen.qc import qc_policy
    from omnigen.timeline import Timeline

    try:
        policy = load_policy(args.policy)
        timeline = load_model(args.timeline, Timeline, "timeline")
        brief = load_brief(args.brief) if args.brief else None
        if not Path(args.video).is_file():
            raise InputError(f"video {args.video}: no such file")
        with tempfile.TemporaryDirectory(prefix="omnigen-qc-") as tmp:
            report = inspect(Path(args.video), timeline, brief, qc_policy(policy), Path(tmp))
    except BriefError as err:
        print(f"bad input: brief {args.brief}: " + "; ".join(err.lines()), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (InputError, PolicyError, MediaError, OcrError) as err:
        print(f"bad input: {str(err).splitlines()[0]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(report.to_json() if args.format == "json" else report.to_text())
    return 0 if report.passed else 1


def cmd_jobs(args: argparse.Namespace) -> int:
    ctx = _context(_settings(args))
    jobs = ctx.jobs.list_for_user(USER, limit=args.limit)
    if args.json:
        print(json.dumps([_summary(j) for j in jobs]))
        return 0
    if not jobs:
        print("no jobs yet: try `omnigen generate examples/briefs/psoriasis_30s.yaml -o out/ad.mp4`")
    for j in jobs:
        print(
            f"{j.job_id}  {j.created_at:%Y-%m-%d %H:%M}  {j.status.value:<18} {j.percent:5.1f}%  "
            f"{printable(j.brief.product.brand_name)} {j.brief.duration_s}s"
        )
    return 0


def _summary(job: Job) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "status": job.status.value,
        "percent": job.percent,
        "brand": job.brief.product.brand_name,
        "created_at": job.created_at.isoformat(),
    }


def cmd_show(args: argparse.Namespace) -> int:
    ctx = _context(_settings(args))
    job = ctx.jobs.get(args.job)
    if job is None:
        raise UsageError(f"no job {args.job}")
    if args.json:  # ASCII JSON: text from any record reaches the terminal as \u escapes
        print(json.dumps(job.model_dump(mode="json"), indent=2))
        return 0
    print(f"job {job.job_id}  {job.status.value}  {job.percent:.1f}%  cost ${job.cost_usd:.2f}")
    print(
        f"brief: {printable(job.brief.product.brand_name)}, {job.brief.duration_s} s, {job.brief.aspect_ratio}, "
        f"{job.brief.resolution}, continuity {job.brief.continuity}"
    )
    for name, tr in job.tracks.items():
        took = f"{job.step_seconds[name]:.1f} s" if name in job.step_seconds else ""
        print(f"  {name:<12} {tr.state:<10} {tr.percent:5.1f}%  {took:>8}  {printable(tr.message)}")
    _print_usage(job)
    for name, key in job.assets.items():
        print(f"  asset {name}: {printable(ctx.assets.path(key) if hasattr(ctx.assets, 'path') else key)}")
    if job.error:
        print(f"error at {job.error.step}: {printable(job.error.message)}")
    return 0


def cmd_estimate(args: argparse.Namespace) -> int:
    from omnigen.pricing import estimate, format_estimate

    settings = _settings(args, need_credentials=False)
    est = estimate(_brief(args), settings.providers, settings.max_concurrent_scenes, models=settings.models)
    print(format_estimate(est))
    if args.json:
        print(est.model_dump_json())
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    """Rebuild the records of jobs whose assets outlived the job database (exit 0; 1 when some
    could not be rebuilt)."""
    from omnigen.pipeline.recovery import rebuild_jobs

    settings = _settings(args, need_credentials=False)
    rebuilt, skipped = rebuild_jobs(_context(settings))
    for job in rebuilt:
        print(f"{job.job_id}  {job.status.value:<10} {job.brief.product.brand_name} {job.brief.duration_s}s")
    for orphan, reason in skipped:
        print(f"{orphan.job_id}  not rebuilt: {reason}", file=sys.stderr)
    print(f"rebuilt {len(rebuilt)} job(s) from the assets in {settings.assets_dir}", file=sys.stderr)
    return 1 if skipped else 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Exit 0 all checked and fine, 1 a check failed, 2 bad settings, 3 some checks need a token."""
    from omnigen.providers.replicate.doctor import diagnose, exit_code, report

    findings = diagnose(_settings(args, need_credentials=False))
    print(report(findings, as_json=args.json))
    return exit_code(findings)


def cmd_serve(args: argparse.Namespace) -> int:
    from omnigen.api.server import serve

    return serve(host=args.host, port=args.port, settings=_settings(args))


def cmd_user_add(args: argparse.Namespace) -> int:
    """Add (or re-issue) a named user in the users file; the token is printed once, only its
    SHA-256 is kept."""
    import os
    import secrets
    from pathlib import Path

    from pydantic import ValidationError

    from omnigen.api.app import load_users
    from omnigen.review.people import UserEntry, token_hash, with_user

    raw = args.file or os.environ.get("OMNIGEN_USERS_FILE")
    if not raw:
        raise UsageError("name the users file: --file PATH or OMNIGEN_USERS_FILE")
    path = Path(raw).expanduser()
    token = secrets.token_urlsafe(32)
    try:
        entry = UserEntry(user_id=args.user_id, name=args.name or "", token_sha256=token_hash(token), roles=args.role)
    except ValidationError as err:
        raise UsageError(f"user {args.user_id!r}: {err.errors()[0]['msg']}") from None
    users = with_user(load_users(path) if path.exists() else None, entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(users.model_dump_json(indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    print(f"{args.user_id} ({', '.join(args.role)}) added to {path}; their bearer token (shown once):", file=sys.stderr)
    print(token)
    return 0


# --- parser --------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="omnigen", description="Turn a prescription-drug brief into a compliant video ad.")
    sub = p.add_subparsers(dest="command", required=True)

    def brief_opts(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("brief", help="brief file (YAML or JSON)")
        sp.add_argument("--resolution", choices=["1080p", "720p", "480p", "360p"])
        sp.add_argument("--aspect", choices=["16:9", "9:16", "1:1"])
        sp.add_argument("--continuity", choices=["auto", "chain", "parallel", "keyframes"])
        sp.add_argument("--seed", type=int)
        sp.add_argument("--loudness", choices=["broadcast", "web"], help="-24 LKFS or -14 LUFS")
        sp.add_argument("--providers", help="local | replicate | script=replicate,video=local,...")

    g = sub.add_parser("generate", help="make an ad from a brief")
    brief_opts(g)
    g.add_argument("-o", "--output", help="where to write the MP4")
    g.add_argument("--json", action="store_true", help="no live display; one JSON object at the end")
    g.add_argument(
        "--allow-noncompliant",
        action="store_true",
        help="compose even if the timeline has compliance errors (recorded in the report)",
    )
    g.set_defaults(func=cmd_generate)

    for name, fn, hint in (
        ("resume", cmd_resume, "finish a job whose process was stopped"),
        ("retry", cmd_retry, "a new job from a failed one, reusing its assets"),
    ):
        r = sub.add_parser(name, help=hint)
        r.add_argument("job")
        r.add_argument("-o", "--output")
        r.add_argument("--json", action="store_true")
        r.add_argument("--providers")
        r.set_defaults(func=fn)

    c = sub.add_parser("cancel", help="cancel a running job")
    c.add_argument("job")
    c.set_defaults(func=cmd_cancel)

    s = sub.add_parser("script", help="write a script alone")
    brief_opts(s)
    s.add_argument("-o", "--output")
    s.add_argument("--policy", help="compliance policy file overriding the defaults")
    s.set_defaults(func=cmd_script)

    k = sub.add_parser("check", help="check a script (and timeline) for compliance")
    k.add_argument("script")
    k.add_argument("--brief", required=True)
    k.add_argument("--timeline")
    k.add_argument("--format", choices=["text", "json"], default="text")
    k.add_argument("--policy")
    k.set_defaults(func=cmd_check)

    q = sub.add_parser("qc", help="QC a rendered MP4 against its timeline (OCR, title-safe, contrast, loudness)")
    q.add_argument("video")
    q.add_argument("--timeline", required=True)
    q.add_argument("--brief", help="the brief: its required on-screen text and its duration")
    q.add_argument("--format", choices=["text", "json"], default="text")
    q.add_argument("--policy")
    q.set_defaults(func=cmd_qc)

    j = sub.add_parser("jobs", help="list jobs, newest first")
    j.add_argument("--limit", type=int, default=20)
    j.add_argument("--json", action="store_true")
    j.set_defaults(func=cmd_jobs)

    sh = sub.add_parser("show", help="one job in detail")
    sh.add_argument("job")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=cmd_show)

    e = sub.add_parser("estimate", help="cost and time estimate for a brief")
    brief_opts(e)
    e.add_argument("--json", action="store_true")
    e.set_defaults(func=cmd_estimate)

    d = sub.add_parser(
        "doctor",
        help="check the Replicate models, prices and webhook secret (exit 0 ok, 1 failed, 2 bad settings, "
        "3 not all checked: no token)",
    )
    d.add_argument("--json", action="store_true", help="one JSON object: findings and exit_code")
    d.set_defaults(func=cmd_doctor)

    rc = sub.add_parser("recover", help="rebuild job records from their stored assets after the database was lost")
    rc.set_defaults(func=cmd_recover)

    u = sub.add_parser("user-add", help="add a named user with roles to the users file; prints their token")
    u.add_argument("user_id")
    u.add_argument("--role", action="append", choices=["creator", "reviewer"], required=True)
    u.add_argument("--name")
    u.add_argument("--file", help="the users file (default: OMNIGEN_USERS_FILE)")
    u.set_defaults(func=cmd_user_add)

    sv = sub.add_parser("serve", help="the HTTP API and web app")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--providers")
    sv.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BriefError as err:
        print("invalid brief:", file=sys.stderr)
        for line in err.lines():
            print(f"  {printable(line)}", file=sys.stderr)
        return 2
    except (ConfigError, UsageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except StoreError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
