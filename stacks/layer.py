"""The omnigen Lambda layer: `layers/core/python` plus its third-party packages, installed for the
Lambda platform without Docker (`pip install --platform manylinux2014_x86_64 --only-binary=:all:`).

The layer is built once into `build/layer/<hash>/` and reused while the sources and requirements
are unchanged, so repeated synths cost nothing. With `layerDependencies=false` (the tests' offline
synth) it holds omnigen's source alone.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from aws_cdk import AssetHashType, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from stacks import config

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")
RUNTIME = lambda_.Runtime.PYTHON_3_11


def source_hash(with_dependencies: bool) -> str:
    h = hashlib.sha256(f"deps={with_dependencies};{config.LAMBDA_PLATFORM};{config.LAMBDA_PYTHON}".encode())
    if with_dependencies:
        h.update(config.LAYER_REQUIREMENTS.read_bytes())
    for path in sorted(config.LAYER_SOURCE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(config.LAYER_SOURCE)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:20]


def build_layer(with_dependencies: bool, build_dir: Path = config.BUILD_DIR) -> tuple[Path, str]:
    """The layer's folder (with `python/` inside) and its hash; built only when missing."""
    digest = source_hash(with_dependencies)
    base = build_dir / "layer" / ("full" if with_dependencies else "source")
    out = base / digest
    if (out / ".complete").is_file():
        return out, digest
    tmp = base / f".{digest}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    target = tmp / "python"
    target.mkdir(parents=True)
    if with_dependencies:
        cmd = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--platform", config.LAMBDA_PLATFORM, "--implementation", "cp",
            "--python-version", config.LAMBDA_PYTHON, "--only-binary=:all:",
            "--target", str(target), "-r", str(config.LAYER_REQUIREMENTS),
        ]  # fmt: skip
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                "building the omnigen layer failed (pip could not install lambdas/requirements.txt for "
                f"{config.LAMBDA_PLATFORM}); pip said:\n{done.stderr[-3000:]}"
            )
        for cache in target.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(config.LAYER_SOURCE / "omnigen", target / "omnigen", ignore=IGNORE)
    (tmp / ".complete").write_text(digest)
    for old in base.iterdir():  # keep only the newest build
        if old.is_dir() and old.name != tmp.name and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    tmp.rename(out)
    return out, digest


class OmnigenLayer(Construct):
    def __init__(self, scope: Construct, id: str, *, with_dependencies: bool):
        super().__init__(scope, id)
        folder, digest = build_layer(with_dependencies)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=lambda_.Code.from_asset(
                str(folder), asset_hash=digest, asset_hash_type=AssetHashType.CUSTOM, exclude=[".complete"]
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.X86_64],
            description="omnigen package and its third-party dependencies",
            removal_policy=RemovalPolicy.RETAIN,
        )
