"""The estimate as a plain-text table a person reads in a terminal or a log (`omnigen estimate`)."""

from __future__ import annotations

from omnigen.pricing.estimate import Estimate


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def format_estimate(est: Estimate) -> str:
    """A plain-text table a person reads in a terminal or a log."""
    head = (
        f"Estimate: {est.duration_s:g} s ad, {est.scenes} scenes, continuity {est.continuity}, "
        f"providers {est.providers}, {est.concurrency} scene(s) at a time"
    )
    rows = [("track", "provider", "model", "quantity", "USD", "time", "")]
    for ln in est.lines:
        qty = f"{ln.quantity:,.0f} {ln.unit}"
        rows.append((ln.capability, ln.provider, ln.model, qty, f"${ln.usd:.4f}", _duration(ln.seconds), ln.detail))
    widths = [max(len(r[i]) for r in rows) for i in range(6)]
    out = [head, ""]
    for r in rows:
        cells = [r[i].ljust(widths[i]) if i != 4 else r[i].rjust(widths[i]) for i in range(6)]
        out.append("  ".join([*cells, r[6]]).rstrip())
    out.append("")
    out.append(f"total ${est.total_usd:.2f}, expected about {_duration(est.expected_seconds)} ({est.critical_path})")
    out.extend(f"assumes {a}" for a in est.assumptions)
    return "\n".join(out)
