"""Who is calling. Three ways, one port: the single local user on loopback, a shared bearer token
when the local server listens elsewhere, and Cognito JWTs (verified against the pool's JWKS) on
AWS — and, for review, named users with roles from a local users file. Every route asks
`Authenticator.caller(...)` and nothing else; the answer carries the caller's roles (creator,
reviewer)."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import jwt

from omnigen.review.people import Caller, UsersFile, roles_from_groups


class AuthError(Exception):
    """The caller is not authenticated; answered 401 with a message saying what is missing."""


class Authenticator(Protocol):
    def caller(self, authorization: str | None, authorizer_claims: Mapping[str, Any] | None = None) -> Caller:
        """Who sent `authorization`; `authorizer_claims` are API Gateway's (its Cognito authorizer's
        `requestContext.authorizer.claims`) when the request came through it."""
        ...


LOCAL_USER = "local"
LOCAL_CALLER = Caller(user_id=LOCAL_USER, name="local user", roles=frozenset({"creator", "reviewer"}))
"""The machine's one user holds both roles; approving their own versions still needs
OMNIGEN_SELF_APPROVAL (a second pair of eyes is the point of approval)."""


def bearer(authorization: str | None) -> str:
    if not authorization:
        raise AuthError("sign in: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <token>'")
    return token.strip()


class LocalUserAuth:
    """Serving on loopback: the machine's one user, no login."""

    def caller(self, authorization: str | None, authorizer_claims: Mapping[str, Any] | None = None) -> Caller:
        return LOCAL_CALLER


class StaticTokenAuth:
    """Serving beyond loopback: every request must carry OMNIGEN_API_TOKEN."""

    def __init__(self, token: str):
        self._token = token.encode()

    def caller(self, authorization: str | None, authorizer_claims: Mapping[str, Any] | None = None) -> Caller:
        if not hmac.compare_digest(bearer(authorization).encode(), self._token):
            raise AuthError("the bearer token is not valid for this server")
        return LOCAL_CALLER


class UsersFileAuth:
    """Named local users (OMNIGEN_USERS_FILE): each bearer token is looked up by its SHA-256."""

    def __init__(self, users: UsersFile):
        self.users = users

    def caller(self, authorization: str | None, authorizer_claims: Mapping[str, Any] | None = None) -> Caller:
        found = self.users.find(bearer(authorization))
        if found is None:
            raise AuthError("the bearer token belongs to no user of this server")
        return found


class JwtVerifier:
    """Verifies an RS256 JWT against a JWKS (Cognito's), its issuer, audience and expiry.

    `fetch_jwks` returns the key set as a dict; it is called once and again when a token names
    a key id we have not seen (key rotation), at most every `refresh_s` seconds.
    """

    def __init__(
        self,
        fetch_jwks: Callable[[], dict[str, Any]],
        issuer: str,
        audience: str | None,
        *,
        token_use: str | None = None,
        leeway_s: int = 30,
        refresh_s: float = 300,
    ):
        self._fetch = fetch_jwks
        self.issuer = issuer
        self.audience = audience
        self.token_use = token_use
        self.leeway_s = leeway_s
        self.refresh_s = refresh_s
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0

    def _key(self, kid: str) -> Any:
        if (kid not in self._keys and time.monotonic() - self._fetched_at > self.refresh_s) or not self._keys:
            jwks = self._fetch()
            self._keys = {k["kid"]: jwt.PyJWK(k).key for k in jwks.get("keys", []) if "kid" in k}
            self._fetched_at = time.monotonic()
        if kid not in self._keys:
            raise AuthError("the token was signed by an unknown key")
        return self._keys[kid]

    def claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            key = self._key(str(header.get("kid", "")))
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.issuer,
                audience=self.audience,
                leeway=self.leeway_s,
                options={"require": ["exp", "iss", "sub"], "verify_aud": self.audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired: sign in again") from None
        except jwt.PyJWTError as err:
            raise AuthError(f"the token is not valid: {err}") from None
        if self.token_use and claims.get("token_use") != self.token_use:
            raise AuthError(f"the token must be an {self.token_use} token")
        return claims


class JwtAuth:
    def __init__(self, verifier: JwtVerifier):
        self.verifier = verifier

    def caller(self, authorization: str | None, authorizer_claims: Mapping[str, Any] | None = None) -> Caller:
        """The verified token's subject; roles from the `cognito:groups` API Gateway's authorizer
        passed (a group per role), or the token's own claim when the request did not come
        through the authorizer (or its claims are someone else's)."""
        claims = self.verifier.claims(bearer(authorization))
        sub = str(claims["sub"])
        source: Mapping[str, Any] = claims
        if authorizer_claims and str(authorizer_claims.get("sub", "")) == sub:
            source = authorizer_claims
        name = str(source.get("email") or source.get("cognito:username") or "")
        return Caller(user_id=sub, name=name, roles=roles_from_groups(source.get("cognito:groups")))
