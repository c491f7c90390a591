"""Shared fixtures. Tests import helper modules from their own folders (rootdir-relative)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
for sub in ("integration", "e2e", "unit", "infrastructure"):
    p = str(Path(__file__).parent / sub)
    if p not in sys.path:
        sys.path.insert(0, p)
ROOT = Path(__file__).resolve().parents[1]
# The shared briefs beside the project; the copies in examples/ when the project stands alone.
SHARED_BRIEFS = ROOT.parent / "shared" / "briefs"
if not SHARED_BRIEFS.is_dir():
    SHARED_BRIEFS = ROOT / "examples" / "briefs"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`needs_layout` tests run as strict xfails until OMNIGEN_LAYOUT_READY=1: they are never
    skipped, and one that starts passing fails loudly (XPASS), which is the signal to flip."""
    if os.environ.get("OMNIGEN_LAYOUT_READY") == "1":
        return
    for item in items:
        if item.get_closest_marker("needs_layout"):
            item.add_marker(
                pytest.mark.xfail(
                    reason="9:16 text runs off its card on main until the layout work lands (issue 13 item 1)",
                    strict=True,
                )
            )


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs: a real small disk to fill up or make read-only (needs root, as in CI)."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4M", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        pytest.fail("mounting a tmpfs failed: the fault tests need root (CI runs as root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def remount_read_only(mnt: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
