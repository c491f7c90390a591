"""The draft's revision on the wire: its `ETag`, and `If-Match` on the routes that save it.

Every answer carrying the draft names its revision as a strong entity tag (`ETag: "r7"`). A
client that sends that tag back in `If-Match` saves only over the draft it read: when someone (a
take that finished, another tab) saved in between, it gets 412 with the current revision and
tag, reads the draft again, re-applies its change and retries. Without `If-Match` a save lands
over whatever is there (operations are applied to the current draft, never to a stale copy).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header, Response

from omnigen.errors import ApiError
from omnigen.pipeline import draft

_TAG = re.compile(r'\s*(W/)?"r(\d{1,12})"\s*')
IfMatch = Annotated[
    str | None,
    Header(
        description='the draft\'s ETag as read (e.g. "r7"): save only over that revision, else 412 with '
        "the current `revision`; `*` or none saves over any"
    ),
]
STALE = {
    412: {"description": "the draft changed since the `If-Match` revision: the body names the current `revision`"},
    400: {"description": "an `If-Match` header that names no draft revision"},
}


def expected(if_match: str | None) -> set[int] | None:
    """The revisions `If-Match` accepts; None for any (`*` or no header). A weak tag never
    matches (If-Match compares strongly, RFC 9110 §13.1.1)."""
    if if_match is None or if_match.strip() == "*":
        return None
    revisions: set[int] = set()
    for part in if_match.split(","):
        m = _TAG.fullmatch(part)
        if m is None:
            raise ApiError(
                400,
                f'If-Match must be the draft\'s ETag as the API sent it (e.g. "r3"), or *; got {if_match[:80]!r}',
            )
        if not m[1]:
            revisions.add(int(m[2]))
    return revisions


def tag(response: Response, revision: int) -> None:
    response.headers["ETag"] = draft.etag(revision)


def stale(err: draft.DraftStale) -> ApiError:
    return ApiError(
        412,
        str(err),
        headers={"ETag": draft.etag(err.current)},
        extra={"revision": err.current, "etag": draft.etag(err.current)},
    )
