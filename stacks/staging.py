"""Asset folders staged under `build/`: only the files an asset needs, copied into a folder named
by their hash, so synth never walks the repository (virtualenvs, node_modules) to fingerprint."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from stacks import config

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


def _files(src: Path) -> list[Path]:
    if src.is_file():
        return [src]
    return sorted(p for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")


def stage(kind: str, parts: dict[str, Path]) -> tuple[Path, str]:
    """Copy each source (file or folder) to its relative destination; returns (folder, hash)."""
    h = hashlib.sha256()
    for dest, src in sorted(parts.items()):
        for f in _files(src):
            h.update(f"{dest}/{f.relative_to(src) if src.is_dir() else ''}".encode())
            h.update(f.read_bytes())
    digest = h.hexdigest()[:20]
    base = config.BUILD_DIR / kind
    out = base / digest
    if out.is_dir():
        return out, digest
    tmp = base / f".{digest}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for dest, src in parts.items():
        target = tmp / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, ignore=IGNORE)
        else:
            shutil.copy2(src, target)
    if base.is_dir():
        for old in base.iterdir():
            if old.is_dir() and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
    tmp.rename(out)
    return out, digest


def handlers() -> tuple[Path, str]:
    """The zip Lambdas' code: the `lambdas` package without the media image."""
    src = config.ROOT / "lambdas"
    parts = {f"lambdas/{p.name}": p for p in sorted(src.glob("*.py"))}
    return stage("handlers", parts)


def media_context() -> tuple[Path, str]:
    """The media image's Docker build context (the Dockerfile's COPY paths are repo-relative)."""
    root = config.ROOT
    return stage(
        "media",
        {
            "Dockerfile": root / "lambdas" / "media" / "Dockerfile",
            "lambdas": root / "lambdas",
            "layers/core/python/omnigen": config.LAYER_SOURCE / "omnigen",
        },
    )
