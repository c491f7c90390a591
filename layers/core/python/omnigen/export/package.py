"""Build a version's delivery zip from the stored artefacts. Everything in it is that version's
own (its MP4, captions, poster, reports, the timeline it was cut from) plus the job's script, and
a manifest with each file's SHA-256 beside the content hash the approval binds to."""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omnigen.export.srt import vtt_to_srt
from omnigen.keys import JobKeys
from omnigen.store.ports import AssetStore

PACKAGE_FILES = (
    "video.mp4",
    "captions.vtt",
    "captions.srt",
    "poster.jpg",
    "script.json",
    "compliance.pdf",
    "compliance.json",
    "qc.json",
    "qc.txt",
    "timeline.json",
    "approval.json",
    "manifest.json",
)


@dataclass(frozen=True)
class PackageInput:
    keys: JobKeys
    version: int
    compliance_pdf: bytes
    approval: dict[str, Any]
    content_hash: str


def build_package(assets: AssetStore, spec: PackageInput, out: Path) -> list[str]:
    """Write the zip to `out`; returns the names in it (a missing optional file is left out)."""
    vk = spec.keys.version(spec.version)
    stored = {
        "video.mp4": vk.output,
        "captions.vtt": vk.captions,
        "poster.jpg": vk.poster,
        "script.json": spec.keys.script,
        "compliance.json": vk.compliance,
        "qc.json": vk.qc,
        "qc.txt": vk.qc_text,
        "timeline.json": vk.timeline,
    }
    digests: dict[str, str] = {}
    prefix = f"v{spec.version}/"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:

        def add(name: str, data: bytes) -> None:
            digests[name] = hashlib.sha256(data).hexdigest()
            kind = zipfile.ZIP_STORED if name.endswith((".mp4", ".jpg")) else zipfile.ZIP_DEFLATED
            z.writestr(prefix + name, data, compress_type=kind)

        for name, key in stored.items():
            if name == "video.mp4":
                with assets.local_path(key) as path:  # the MP4 is streamed in, never held whole
                    z.write(path, prefix + name, compress_type=zipfile.ZIP_STORED)
                    digests[name] = _file_sha256(path)
            elif assets.exists(key):
                add(name, assets.get_bytes(key))
        if "captions.vtt" in digests:
            add("captions.srt", vtt_to_srt(assets.get_bytes(vk.captions).decode("utf-8")).encode())
        add("compliance.pdf", spec.compliance_pdf)
        add("approval.json", json.dumps(spec.approval, indent=2, default=str).encode())
        manifest = {"version": spec.version, "content_hash": spec.content_hash, "files": dict(sorted(digests.items()))}
        add("manifest.json", json.dumps(manifest, indent=2).encode())
        return [n.removeprefix(prefix) for n in z.namelist()]


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
