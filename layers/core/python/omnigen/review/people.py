"""Who is calling and what they may do: creators make and edit ads, reviewers read the jobs shared
with them and decide on versions. One person may hold both roles (Cognito groups, a users file)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Role = Literal["creator", "reviewer"]
ROLES: tuple[Role, ...] = ("creator", "reviewer")
USER_ID = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$"


class Caller(BaseModel):
    """The authenticated person behind a request."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    name: str = ""
    roles: frozenset[Role] = frozenset({"creator"})

    @property
    def creator(self) -> bool:
        return "creator" in self.roles

    @property
    def reviewer(self) -> bool:
        return "reviewer" in self.roles

    @property
    def display(self) -> str:
        return self.name or self.user_id


class UserEntry(BaseModel):
    """One line of the local users file: a name, the SHA-256 of their bearer token, their roles."""

    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(pattern=USER_ID)
    name: str = Field("", max_length=200)
    token_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    roles: list[Role] = Field(min_length=1)


class UsersFile(BaseModel):
    """`{"users": [{"user_id", "name", "token_sha256", "roles": ["creator"|"reviewer", ...]}]}`"""

    model_config = ConfigDict(extra="forbid")

    users: list[UserEntry] = Field(min_length=1)

    @field_validator("users")
    @classmethod
    def _unique(cls, users: list[UserEntry]) -> list[UserEntry]:
        seen: set[str] = set()
        for u in users:
            if u.user_id in seen:
                raise ValueError(f"user_id {u.user_id!r} appears twice")
            if u.token_sha256 in {x.token_sha256 for x in users if x is not u}:
                raise ValueError(f"user {u.user_id!r} shares a token with another user")
            seen.add(u.user_id)
        return users

    def find(self, token: str) -> Caller | None:
        """The user whose token hash matches (compared in constant time), or None."""
        digest = token_hash(token)
        found = None
        for u in self.users:
            if hmac.compare_digest(u.token_sha256, digest):
                found = u
        return None if found is None else Caller(user_id=found.user_id, name=found.name, roles=frozenset(found.roles))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UsersFileError(ValueError):
    """The users file cannot be used; the message names the file and what is wrong."""


def parse_users(text: str, where: str) -> UsersFile:
    try:
        return UsersFile.model_validate(json.loads(text))
    except json.JSONDecodeError as err:
        raise UsersFileError(f"{where} is not JSON: {err}") from None
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise UsersFileError(f"{where}: {loc}: {first['msg']}") from None


def roles_from_groups(groups: Any) -> frozenset[Role]:
    """Roles from Cognito's `cognito:groups` claim in any shape it arrives in: a JSON list (the ID
    token), or a string (API Gateway's authorizer claims flatten it: "reviewer", "a,b", "[a b]").
    A user in no role group is a creator, as every user was before roles existed."""
    if isinstance(groups, str):
        names: Iterable[str] = re.split(r"[\s,]+", groups.strip().strip("[]"))
    elif isinstance(groups, list | tuple):
        names = (str(g) for g in groups)
    else:
        names = ()
    roles = frozenset(r for r in ROLES if r in {n.strip() for n in names})
    return roles or frozenset({"creator"})
