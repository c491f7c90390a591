"""Content hashes of stored artefacts, read in chunks so an MP4 never sits whole in memory."""

from __future__ import annotations

import hashlib

from omnigen.keys import VersionKeys
from omnigen.review.approval import HASHED, content_hash
from omnigen.store.ports import AssetStore


def file_digest(assets: AssetStore, key: str) -> str | None:
    """SHA-256 of the asset, or None when there is none."""
    if not assets.exists(key):
        return None
    h = hashlib.sha256()
    with assets.open_read(key) as chunks:
        for chunk in chunks:
            h.update(chunk)
    return h.hexdigest()


def version_hash(assets: AssetStore, vk: VersionKeys) -> str:
    """The content hash an approval of this version binds to (`review.approval.HASHED`)."""
    names = vk.all()
    return content_hash({name: file_digest(assets, names[name]) for name in HASHED})
