"""Assets on local disk under DESIGN's keys (the embedded default).

Writes are atomic (temporary file, then rename), so a killed process never leaves a half-written
asset that a resumed job would mistake for a finished one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from omnigen.store.errors import describe_os_error
from omnigen.store.ports import NotFound, StoreError

CHUNK = 256 * 1024


def check_key(key: str) -> str:
    """Keys are relative POSIX paths with no `..` — they must never escape the store."""
    p = PurePosixPath(key)
    if not key or p.is_absolute() or ".." in p.parts or "\\" in key or "\x00" in key:
        raise StoreError(f"invalid asset key {key!r}")
    return key


class FileAssetStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write(self, key: str, fill) -> None:  # type: ignore[no-untyped-def]
        dest = self.path(key)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-", suffix=dest.suffix)
            try:
                with os.fdopen(fd, "wb") as f:
                    fill(f)
                os.replace(tmp, dest)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as err:
            raise StoreError(describe_os_error(err, f"saving {key}", str(self.root))) from err

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        self._write(key, lambda f: f.write(data))

    def put_file(self, key: str, path: Path, content_type: str | None = None) -> None:
        if Path(path).resolve() == self.path(key).resolve():
            return

        def copy(f) -> None:  # type: ignore[no-untyped-def]
            with open(path, "rb") as src:
                shutil.copyfileobj(src, f, CHUNK)

        self._write(key, copy)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(f"asset {key} does not exist") from None
        except OSError as err:
            raise StoreError(describe_os_error(err, f"reading {key}", str(self.root))) from err

    def exists(self, key: str) -> bool:
        """False for a key that could never name an asset (`..`, a NUL, absolute): a client's key
        is looked up, found missing and refused as theirs to fix, not as a storage fault."""
        try:
            return self.path(key).is_file()
        except StoreError:
            return False

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"asset {key} does not exist") from None

    def modified(self, key: str) -> datetime:
        try:
            return datetime.fromtimestamp(self.path(key).stat().st_mtime, UTC)
        except FileNotFoundError:
            raise NotFound(f"asset {key} does not exist") from None

    def list(self, prefix: str) -> list[str]:
        base = self.root / check_key(prefix.rstrip("/")) if prefix.strip("/") else self.root
        if not base.exists():
            return []
        return sorted(
            str(p.relative_to(self.root).as_posix())
            for p in base.rglob("*")
            if p.is_file() and not p.name.startswith(".tmp-")
        )

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        p = self.path(key)
        if not p.is_file():
            raise NotFound(f"asset {key} does not exist")
        yield p

    @contextmanager
    def open_read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[Iterator[bytes]]:
        """Chunks of the asset from byte `start` to `end` inclusive (HTTP Range serving)."""
        p = self.path(key)
        try:
            f = open(p, "rb")  # noqa: SIM115 - closed by the context below
        except FileNotFoundError:
            raise NotFound(f"asset {key} does not exist") from None

        def chunks() -> Iterator[bytes]:
            f.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                block = f.read(CHUNK if left is None else min(CHUNK, left))
                if not block:
                    break
                if left is not None:
                    left -= len(block)
                yield block

        try:
            yield chunks()
        finally:
            f.close()
