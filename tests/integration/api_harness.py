"""A local API on real parts (SQLite, disk, the in-process runner, local providers) with users
authenticated by RS256 JWTs the test signs itself, so two users can be kept apart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from omnigen.api.app import create_app, local_services
from omnigen.api.auth import JwtAuth, JwtVerifier
from omnigen.config import load_settings
from omnigen.pipeline.launchers.threads import LocalRunner

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test"
AUDIENCE = "omnigen-web"
LOCAL_BASE = "http://127.0.0.1:8000"
LOCAL_WS = "ws://127.0.0.1:8000"
"""Where test clients say they connect: the loopback server answers loopback host names only
(Starlette's test client puts `testserver` in a WebSocket's Host unless the URL names one)."""


class Keys:
    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        self.jwks = {"keys": [jwk | {"kid": "k1", "alg": "RS256", "use": "sig"}]}

    def token(self, sub: str, **claims: Any) -> str:
        now = int(time.time())
        # an hour: a module of API tests on a busy 2-core machine can outlast ten minutes
        body = {"sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600} | claims
        return jwt.encode(body, self.private, algorithm="RS256", headers={"kid": claims.pop("kid", "k1")})


class QueueOnly(LocalRunner):
    """Accepts jobs without rendering them: for tests of the HTTP edge, not of the renderer."""

    def start(self, job_id: str) -> None:
        return None


def small_brief(**over: Any) -> dict[str, Any]:
    brief = {
        "prompt": "A hopeful short spot about getting back to the garden",
        "duration_s": 12,
        "resolution": "360p",
        "continuity": "parallel",
        "product": {
            "brand_name": "Veltrexa",
            "generic_name": "veltrexamab",
            "indication": "plaque psoriasis in adults",
            "side_effects": ["serious infections"],
            "phone": "1-800-555-0142",
            "website": "veltrexa.example",
            "print_ad": "See our ad in Health Today",
        },
    }
    return brief | over


def make_client(home: Path, keys: Keys | None = None) -> tuple[TestClient, Any]:
    settings = load_settings(
        {"OMNIGEN_HOME": str(home), "OMNIGEN_PROVIDERS": "local", "OMNIGEN_MAX_CONCURRENT_SCENES": "2"}
    )
    services = local_services(settings)
    if keys is not None:
        services.auth = JwtAuth(JwtVerifier(lambda: keys.jwks, ISSUER, AUDIENCE))
    return TestClient(create_app(services, web_dir=None), base_url=LOCAL_BASE), services


def wait_done(client: TestClient, job_id: str, headers: dict[str, str] | None = None, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers or {}).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


# Fixtures for API test modules: `from api_harness import alice, api, bob, keys` gives a module one
# local API (its own home) with two users, alice and bob, kept apart.


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Iterator[tuple[TestClient, Any]]:
    client, services = make_client(tmp_path_factory.mktemp("api"), keys)
    with client:
        yield client, services
    services.launcher.join(60)


@pytest.fixture(scope="module")
def alice(keys: Keys) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys.token('alice')}"}


@pytest.fixture(scope="module")
def bob(keys: Keys) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys.token('bob')}"}
