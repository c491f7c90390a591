"""`make smoke` (ops/smoke.py) against a real target offline: the OmniGen app served on loopback
with bearer-token auth (as beyond loopback) and the offline providers — health, the auth
refusal and a whole job, through the same client ops run after `cdk deploy`; and the clear
"nothing to check" when no URL is given and no stack is deployed."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from moto import mock_aws

from omnigen.api.app import create_app, local_services
from omnigen.api.devserver import free_port
from omnigen.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "ops"))
import smoke  # noqa: E402

pytestmark = pytest.mark.timeout(600)
TOKEN = "smoke-test-token-0123456789"


@pytest.fixture
def served(tmp_path):
    settings = load_settings({"OMNIGEN_HOME": str(tmp_path), "OMNIGEN_API_TOKEN": TOKEN, "OMNIGEN_PROVIDERS": "local"})
    app = create_app(local_services(settings, host="0.0.0.0"), web_dir=None)  # token auth, as beyond loopback
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/api/v1"
    server.should_exit = True
    thread.join(30)


def test_smoke_passes_against_a_served_stack(served):
    lines: list[str] = []
    assert smoke.main(["--url", served, "--token", TOKEN, "--timeout", "420"], say=lines.append) == 0, lines
    assert lines[-1] == "smoke check passed"
    assert any(line.startswith("ok   health") and "providers local" in line for line in lines)
    assert any(line.startswith("ok   auth") for line in lines)
    assert any(line.startswith("ok   job") and "MP4 is served" in line for line in lines)


def test_smoke_fails_on_a_wrong_token_and_refuses_to_bill(served):
    lines: list[str] = []
    assert smoke.main(["--url", served, "--token", "wrong", "--timeout", "30"], say=lines.append) == 1
    assert lines[-1].startswith("FAIL job: POST /generate answered 401")
    lines.clear()
    assert smoke.main(["--url", served], say=lines.append) == 2
    assert "no token" in lines[-1]


def test_smoke_without_a_url_or_a_stack_says_what_to_give(monkeypatch):
    for k, v in {"AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
                 "AWS_EC2_METADATA_DISABLED": "true"}.items():  # fmt: skip
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("OMNIGEN_SMOKE_URL", raising=False)
    lines: list[str] = []
    with mock_aws():  # an account with no OmniGen stack
        assert smoke.main(["--stack", "OmniGen"], say=lines.append) == 2
    assert lines[-1].startswith("not checked: no deployed stack to check")
    assert "--url" in lines[-1]
