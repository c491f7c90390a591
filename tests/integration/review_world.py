"""A local API with named users from a users file (two creators, a reviewer, and a creator who
also reviews), real SQLite, disk and worker processes, and one finished job of `alice`'s."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api_harness import make_client
from fastapi.testclient import TestClient

from omnigen.review.people import token_hash

USERS = {
    "alice": ["creator", "reviewer"],
    "bob": ["creator"],
    "rita": ["reviewer"],
    "ravi": ["reviewer"],
}


def token(user: str) -> str:
    return f"token-of-{user}-0123456789abcdef"


def auth(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(user)}"}


def write_users(path: Path) -> Path:
    users = [
        {"user_id": u, "name": u.title(), "token_sha256": token_hash(token(u)), "roles": r} for u, r in USERS.items()
    ]
    path.write_text(json.dumps({"users": users}))
    return path


def make_review_client(home: Path, **env: str) -> tuple[TestClient, Any]:
    return make_client(home, OMNIGEN_USERS_FILE=str(write_users(home / "users.json")), **env)
