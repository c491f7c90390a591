"""The media image's Python packages, without Docker: resolved exactly as its Dockerfile installs
them (`--only-binary=:all:`, its constraints) for the base image's platform (CPython 3.11 on the
base's glibc), they are wheels whose native code asks no more of glibc and libstdc++ than the
base has, and the handler imports — with imageio-ffmpeg's own ffmpeg, which runs and has the
filters compose uses, the Piper voice, which speaks, and Tesseract, which reads — in a Python
that has exactly those wheels and nothing else (`python -I` in a venv whose site-packages are
the wheels unpacked, beside the code the image copies). This machine is the base's OS (Debian 12,
glibc 2.36, CPython 3.11), so its Debian `tesseract-ocr` stands for the one the image installs.

Network: the package registry only (pip's own cache makes repeat runs fast), bounded in time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[2]
MEDIA = ROOT / "lambdas" / "media"
pytestmark = pytest.mark.timeout(900)

# Base images and the C and C++ libraries of the OS under each (AWS Lambda docs, "Lambda
# runtimes": python3.11 runs on Amazon Linux 2, python3.12 and later on Amazon Linux 2023;
# Docker's official python:*-bookworm images are Debian 12, glibc 2.36, GCC 12's libstdc++).
BASES = {
    "python:3.11-slim-bookworm": ("Debian 12 bookworm", (2, 36), (3, 4, 30), "3.11"),
    "public.ecr.aws/lambda/python:3.11": ("Amazon Linux 2", (2, 26), (3, 4, 24), "3.11"),
    "public.ecr.aws/lambda/python:3.12": ("Amazon Linux 2023", (2, 34), (3, 4, 29), "3.12"),
}
"""base image → (OS, glibc, libstdc++'s GLIBCXX, CPython) of that image."""
COMPOSE_FILTERS = {"ebur128", "loudnorm", "alimiter", "amix", "adelay", "afade", "atrim", "apad", "asplit",
                   "aresample", "volume", "xfade", "overlay", "scale", "pad", "fps", "format", "setsar",
                   "setpts", "trim", "tpad", "concat", "split", "fade"}  # fmt: skip
"""Filters omnigen/media builds its graphs from."""


def dockerfile() -> str:
    """The base image, after checking the install is wheels-only and constrained."""
    text = (MEDIA / "Dockerfile").read_text()
    (base,) = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert "--only-binary=:all:" in text and "-c /tmp/req/media/constraints.txt" in text
    assert base in BASES, f"{base}: add its OS, glibc and libstdc++ to BASES before using it"
    return base


def pins() -> dict[str, str]:
    out = {}
    for line in (MEDIA / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            out[canonicalize_name(name)] = version
    return out


def platform_tags(glibc: tuple[int, int], arch: str = "x86_64") -> set[Tag]:
    """Every wheel tag CPython 3.11 accepts on a Linux with this glibc."""
    platforms = [f"manylinux_2_{minor}_{arch}" for minor in range(glibc[1], 4, -1)]
    platforms += [f"manylinux{legacy}_{arch}" for legacy in ("2014", "2010", "1")]
    tags = set(cpython_tags((3, 11), platforms=platforms))
    return tags | set(compatible_tags((3, 11), "cp311", platforms))


def elf_version_needs(path: Path) -> set[str]:
    """The symbol versions (GLIBC_2.17, GLIBCXX_3.4.19, ...) an ELF file needs (.gnu.version_r)."""
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:  # 64-bit only (x86_64)
        return set()
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, _shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    needs: set[str] = set()
    for _name, kind, _flags, _addr, offset, _size, link, info, _align, _entsize in sections:
        if kind != 0x6FFFFFFE:  # SHT_GNU_verneed
            continue
        strtab = sections[link][4]
        entry = offset
        for _ in range(info):
            _version, count, _file, aux, nxt = struct.unpack_from("<HHIII", data, entry)
            a = entry + aux
            for _ in range(count):
                _hash, _flags, _other, name, anext = struct.unpack_from("<IHHII", data, a)
                end = data.index(b"\0", strtab + name)
                needs.add(data[strtab + name : end].decode())
                a += anext
            entry += nxt
    return needs


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("_", 1)[1].split("."))


def pip_platforms(glibc: tuple[int, int], arch: str = "x86_64") -> list[str]:
    """The --platform flags that make `pip download` pick what pip inside the image would."""
    return [f"manylinux_2_{minor}_{arch}" for minor in range(glibc[1], 16, -1)] + [
        f"manylinux2014_{arch}",
        f"manylinux2010_{arch}",
        f"manylinux1_{arch}",
    ]


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> Path:
    os_name, glibc, _cxx, python = BASES[dockerfile()]
    out = tmp_path_factory.mktemp("media-wheels")
    platforms = [flag for p in pip_platforms(glibc) for flag in ("--platform", p)]
    cmd = [
        sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--only-binary=:all:", *platforms, "--python-version", python, "--implementation", "cp",
        "--timeout", "60", "--retries", "2",
        "-c", str(MEDIA / "constraints.txt"), "-r", str(MEDIA / "requirements.txt"), "-d", str(out),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"no wheels for {os_name} resolve the media requirements:\n{done.stderr[-3000:]}"
    return out


def test_every_requirement_is_a_pinned_wheel_for_the_base_images_platform(wheels):
    os_name, glibc, glibcxx, _python = BASES[dockerfile()]
    accepted = platform_tags(glibc)
    files = sorted(wheels.iterdir())
    assert files and all(f.suffix == ".whl" for f in files), [f.name for f in files if f.suffix != ".whl"]
    locked = pins()
    resolved = {}
    for f in files:
        name, version, _build, tags = parse_wheel_filename(f.name)
        assert tags & accepted, f"{f.name} is not installable on {os_name} (glibc {glibc}), CPython 3.11"
        resolved[canonicalize_name(name)] = str(version)
    assert resolved == locked, "constraints.txt must pin exactly what the image installs"
    # The tags are a claim; the native code's symbol versions are the fact.
    too_new = []
    for f in files:
        with zipfile.ZipFile(f) as z:
            for info in z.infolist():
                if info.is_dir() or not re.search(r"(\.so(\.\d+)*$|/binaries/|\.abi3\.so$)", info.filename):
                    continue
                target = wheels / "elf" / f.stem / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(z.read(info))
                for need in elf_version_needs(target):
                    if need.startswith("GLIBC_2") and _version(need) > glibc:
                        too_new.append(f"{info.filename} needs {need}")
                    if need.startswith("GLIBCXX_") and _version(need) > glibcxx:
                        too_new.append(f"{info.filename} needs {need}")
    assert not too_new, f"native code {os_name} cannot load:\n" + "\n".join(too_new)


def _unpack(wheel: Path, site: Path) -> None:
    """Install a wheel by unpacking it, as pip does for these (purelib/platlib data moved into
    site-packages, executable bits kept)."""
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            name = info.filename
            parts = name.split("/")
            if parts[0].endswith(".data"):
                if len(parts) < 3 or parts[1] not in ("purelib", "platlib"):
                    continue
                name = "/".join(parts[2:])
            target = site / name
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(z.read(info))
            mode = info.external_attr >> 16
            if mode & 0o111:
                target.chmod(0o755)


PROBE = r"""
import json, subprocess, sys
import lambdas.media.handler as media
import imageio_ffmpeg, numpy, PIL, boto3
exe = imageio_ffmpeg.get_ffmpeg_exe()
version = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, text=True, check=True).stdout
filters = subprocess.run([exe, "-hide_banner", "-filters"], capture_output=True, text=True, check=True).stdout
import awslambdaric.bootstrap
from pathlib import Path
from omnigen.providers.local.voice import LocalVoice
from omnigen.media.ocr import Crop, read_crops
from PIL import Image, ImageDraw
from omnigen.text_layout import font_for
voice = LocalVoice()
wav = voice.speaker().render("Ask your doctor about Veltrexa.", 1.0, Path("line.wav"))
card = Image.new("L", (900, 120), 0)
ImageDraw.Draw(card).text((20, 30), "ASK YOUR DOCTOR", fill=255, font=font_for(48))
words = read_crops([Crop(grey=numpy.asarray(card), cap_px=48, light_text=True)], target_cap_px=40, timeout_s=60)
print(json.dumps({
    "voice": voice.name, "voice_bytes": Path(wav).stat().st_size, "ocr": [w.text for w in words[0]],
    "handler": callable(media.handler), "ffmpeg": exe, "version": version.splitlines()[0],
    "filters": sorted({line.split()[1] for line in filters.splitlines()[1:] if len(line.split()) > 2}),
    "path": sys.path, "numpy": numpy.__version__, "pillow": PIL.__version__, "boto3": boto3.__version__,
}))
"""


def test_the_handler_imports_with_exactly_those_wheels_and_ffmpeg_runs(wheels, tmp_path):
    venv = tmp_path / "image"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    (site,) = (venv / "lib").glob("python3.*/site-packages")
    for wheel in sorted(wheels.glob("*.whl")):
        _unpack(wheel, site)
    # The code the image copies beside the wheels (its LAMBDA_TASK_ROOT), from the staged context.
    from stacks.staging import media_context

    context, _ = media_context()
    shutil.copytree(context / "layers/core/python/omnigen", site / "omnigen")
    shutil.copytree(context / "lambdas", site / "lambdas")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "OMNIGEN_HOME": str(tmp_path / "omnigen"),
           "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "1"}  # fmt: skip
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-I", "-c", PROBE], capture_output=True, text=True, timeout=300, env=env,
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["handler"] is True
    assert Path(probe["ffmpeg"]).is_relative_to(site / "imageio_ffmpeg" / "binaries"), probe["ffmpeg"]
    assert probe["version"].startswith("ffmpeg version"), probe["version"]
    missing = COMPOSE_FILTERS - set(probe["filters"])
    assert not missing, f"the image's ffmpeg ({probe['version']}) lacks {sorted(missing)}"
    outside = [p for p in probe["path"] if p and not (p.startswith(str(venv)) or "/lib/python3" in p)]
    assert not outside, f"the probe saw more than the wheels: {outside}"
    assert str(ROOT / ".venv") not in json.dumps(probe["path"])
    assert probe["numpy"] == pins()["numpy"] and probe["pillow"] == pins()["pillow"]
    assert os.access(probe["ffmpeg"], os.X_OK)
    # The offline voice is the neural one (not the eSpeak fallback) and speaks; Tesseract reads.
    assert probe["voice"].startswith("local-piper-"), probe["voice"]
    assert probe["voice_bytes"] > 20_000, probe
    assert probe["ocr"] == ["ASK", "YOUR", "DOCTOR"], probe["ocr"]
