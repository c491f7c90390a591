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
from omnigen.samples import small_brief

__all__ = ["small_brief"]  # the one brief builder (omnigen.samples), re-exported for the tests

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


def make_client(
    home: Path,
    keys: Keys | None = None,
    *,
    host: str = "127.0.0.1",
    queue_only: bool = False,
    web_dir: Path | None = None,
    **env: str,
) -> tuple[TestClient, Any]:
    """The local API on real parts in `home`, and its services: local providers, two scenes at
    once, `env` laid over those settings (OMNIGEN_USERS_FILE, OMNIGEN_ALLOWED_HOSTS, ...); users
    authenticated by `keys`' JWTs when given; served as on `host` (a name beyond loopback needs
    a token); `queue_only` accepts jobs without rendering them. The client says it connects to
    LOCAL_BASE, a loopback name, as a browser on this machine would."""
    base = {"OMNIGEN_HOME": str(home), "OMNIGEN_PROVIDERS": "local", "OMNIGEN_MAX_CONCURRENT_SCENES": "2"}
    services = local_services(load_settings(base | env), host)
    if keys is not None:
        services.auth = JwtAuth(JwtVerifier(lambda: keys.jwks, ISSUER, AUDIENCE))
    if queue_only:
        services.launcher = QueueOnly(services.ctx)
    return client_for(services, web_dir), services


def client_for(services: Any, web_dir: Path | None = None) -> TestClient:
    """A test client of the one app over `services` (local or AWS), connecting as LOCAL_BASE."""
    return TestClient(create_app(services, web_dir=web_dir), base_url=LOCAL_BASE)


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
