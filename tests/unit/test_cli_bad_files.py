"""The CLI refuses a brief file that cannot be one with exit 2 and one plain message — never a
traceback — before any work starts (issue 14 item 11), and checks its product image as the API
checks an upload. `jobs` and `show` never print a raw control character, even from a record
stored before the text rules existed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import bomb_png
from PIL import Image

from omnigen import cli
from omnigen.brief import parse_brief
from omnigen.config import load_settings
from omnigen.job import Job
from omnigen.store.sqlite import SqliteJobStore

BRIEF = {
    "prompt": "A gardener gets back to her roses",
    "duration_s": 15,
    "product": {
        "brand_name": "Veltrexa",
        "generic_name": "veltrexamab",
        "indication": "plaque psoriasis",
        "side_effects": ["serious infections"],
    },
}


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("OMNIGEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OMNIGEN_PROVIDERS", "local")
    return tmp_path / "home"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _brief_with_image(tmp_path: Path, image: str) -> Path:
    data = BRIEF | {"product": BRIEF["product"] | {"image": image}}
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


CASES = {
    "non_utf8": (b"prompt: caf\xe9 au lait\n", "is not UTF-8 text (byte 0xe9 at offset 11)"),
    "utf16": ("prompt: hello\n".encode("utf-16"), "is UTF-16 text: save it as UTF-8"),
    "binary": (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "is a binary file"),
    "deep_json": (b'{"a":' + b"[" * 200_000 + b"]" * 200_000 + b"}", "nested too deeply"),
    "deep_yaml": (b"a: " + b"[" * 200_000 + b"]" * 200_000 + b"\n", "nested too deeply"),
    "oversize": (b"prompt: " + b"x" * 1_200_000 + b"\n", "is larger than 1 MB"),
    "not_a_mapping": (b"- just\n- a list\n", "must be a mapping"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_file_that_cannot_be_a_brief_exits_2_with_a_plain_message(home, tmp_path, capsys, case):
    data, words = CASES[case]
    path = tmp_path / "brief.yaml"
    path.write_bytes(data)
    code, out, err = _run(capsys, "estimate", str(path))
    assert code == 2, (out, err)
    assert "Traceback" not in err and words in err
    assert len(err.splitlines()) <= 3


def test_an_oversize_brief_is_refused_before_it_is_parsed(home, tmp_path, capsys, monkeypatch):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"prompt: " + b"x" * 50_000_000)

    def never(*_a, **_k):
        raise AssertionError("the parser was called")

    monkeypatch.setattr("omnigen.brief.parse_json_or_yaml", never)
    code, _, err = _run(capsys, "estimate", str(path))
    assert code == 2 and "larger than 1 MB" in err


def test_a_missing_product_image_exits_2_naming_the_field_and_path(home, tmp_path, capsys):
    code, _, err = _run(capsys, "generate", str(_brief_with_image(tmp_path, "missing/pack.png")))
    assert code == 2
    assert "product.image: no such file" in err and str(tmp_path / "missing" / "pack.png") in err
    assert "invalid asset key" not in err


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (lambda: bomb_png(13000, 13000), "13000x13000"),
        (lambda: bomb_png(20000, 20000), "too many pixels"),
        (lambda: b"GIF89a not really", "not a PNG or JPEG"),
    ],
    ids=["bomb_13000", "bomb_20000", "gif"],
)
def test_the_cli_checks_the_image_as_the_api_does(home, tmp_path, capsys, content, words):
    (tmp_path / "pack.png").write_bytes(content())
    code, _, err = _run(capsys, "generate", str(_brief_with_image(tmp_path, "pack.png")))
    assert code == 2 and "product.image" in err and words in err
    assert not (home / "omnigen.db").exists() or not SqliteJobStore(home / "omnigen.db").list_for_user("local")


def test_a_good_image_passes_the_cli_check(home, tmp_path, capsys):
    Image.new("RGB", (640, 360), "#336699").save(tmp_path / "pack.png")
    code, out, err = _run(capsys, "estimate", str(_brief_with_image(tmp_path, "pack.png")))
    assert code == 0 and "Estimate:" in out, err


def test_jobs_and_show_never_print_raw_control_characters_from_old_records(home, capsys):
    store = SqliteJobStore(load_settings().db_path)
    job = Job(user_id="local", brief=parse_brief(BRIEF))
    job = Job.model_construct(**(job.__dict__))
    job.brief = job.brief.model_copy(
        update={"product": job.brief.product.model_copy(update={"brand_name": "Velt\x1b]0;pwned\x07rexa\x9b\u202e"})}
    )
    store.create(job)  # as a server before the text rules would have stored it
    for argv in (["jobs"], ["show", job.job_id], ["show", job.job_id, "--json"], ["jobs", "--json"]):
        code, out, err = _run(capsys, *argv)
        assert code == 0, err
        assert not any(ch in out + err for ch in "\x1b\x07\x9b\u202e"), argv
        assert "Velt" in out


def test_a_real_cli_process_exits_2_on_a_deeply_nested_brief(tmp_path):
    path = tmp_path / "deep.json"
    path.write_bytes(b'{"a":' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    env = os.environ | {"OMNIGEN_HOME": str(tmp_path / "home"), "OMNIGEN_PROVIDERS": "local"}
    done = subprocess.run(
        [sys.executable, "-m", "omnigen.cli", "generate", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr and "nested too deeply" in done.stderr


def test_brief_text_the_ad_cannot_show_exits_2_naming_field_and_character(home, tmp_path, capsys):
    data = BRIEF | {"product": BRIEF["product"] | {"side_effects": ["\u200b\u200b"], "brand_name": "Velt\x1brexa"}}
    path = tmp_path / "brief.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code, _, err = _run(capsys, "generate", str(path))
    assert code == 2
    assert "product.side_effects.0: U+200B ZERO WIDTH SPACE is not allowed" in err
    assert "product.brand_name: U+001B ESCAPE is not allowed" in err and "\x1b" not in err
