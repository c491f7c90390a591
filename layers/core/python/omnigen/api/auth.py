"""Who is calling. Three ways, one port: the single local user on loopback, a shared bearer token
when the local server listens elsewhere, and Cognito JWTs (verified against the pool's JWKS) on
AWS. Every route asks `Authenticator.user(request)` and nothing else."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any, Protocol

import jwt


class AuthError(Exception):
    """The caller is not authenticated; answered 401 with a message saying what is missing."""


class Authenticator(Protocol):
    def user(self, authorization: str | None) -> str: ...


LOCAL_USER = "local"


def bearer(authorization: str | None) -> str:
    if not authorization:
        raise AuthError("sign in: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("the Authorization header must be 'Bearer <token>'")
    return token.strip()


class LocalUserAuth:
    """Serving on loopback: the machine's one user, no login."""

    def user(self, authorization: str | None) -> str:
        return LOCAL_USER


class StaticTokenAuth:
    """Serving beyond loopback: every request must carry OMNIGEN_API_TOKEN."""

    def __init__(self, token: str):
        self._token = token.encode()

    def user(self, authorization: str | None) -> str:
        if not hmac.compare_digest(bearer(authorization).encode(), self._token):
            raise AuthError("the bearer token is not valid for this server")
        return LOCAL_USER


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

    def user(self, authorization: str | None) -> str:
        return str(self.verifier.claims(bearer(authorization))["sub"])
