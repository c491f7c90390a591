"""The review domain without I/O: roles from a users file and from Cognito's groups in each shape
they arrive in, the state folded from an audit trail, who may decide and when an approval is
allowed, the content hash, and SRT captions from WebVTT."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from omnigen.export.srt import vtt_to_srt
from omnigen.review.approval import DecisionRefused, VersionChecks, check_decision, content_hash
from omnigen.review.people import Caller, UsersFileError, parse_users, roles_from_groups, token_hash
from omnigen.review.state import fold
from omnigen.review.trail import AuditEntry

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _users(*entries: dict) -> str:
    return json.dumps({"users": list(entries)})


def test_users_file_finds_by_token_and_names_what_is_wrong():
    users = parse_users(
        _users({"user_id": "rita", "name": "Rita", "token_sha256": token_hash("t-rita"), "roles": ["reviewer"]}), "f"
    )
    assert users.find("t-rita") == Caller(user_id="rita", name="Rita", roles=frozenset({"reviewer"}))
    assert users.find("t-other") is None
    with pytest.raises(UsersFileError, match="not JSON"):
        parse_users("{", "users.json")
    with pytest.raises(UsersFileError, match="roles"):
        parse_users(_users({"user_id": "x", "token_sha256": "0" * 64, "roles": ["admin"]}), "users.json")
    with pytest.raises(UsersFileError, match="appears twice"):
        entry = {"user_id": "x", "token_sha256": "0" * 64, "roles": ["creator"]}
        parse_users(_users(entry, entry | {"token_sha256": "1" * 64}), "users.json")
    with pytest.raises(UsersFileError, match="shares a token"):
        parse_users(_users({"user_id": "a", "token_sha256": "0" * 64, "roles": ["creator"]},
                           {"user_id": "b", "token_sha256": "0" * 64, "roles": ["creator"]}), "users.json")  # fmt: skip


@pytest.mark.parametrize(
    ("groups", "roles"),
    [
        (["reviewer"], {"reviewer"}),
        (["creator", "reviewer", "admins"], {"creator", "reviewer"}),
        ("reviewer", {"reviewer"}),
        ("creator,reviewer", {"creator", "reviewer"}),
        ("[creator, reviewer]", {"creator", "reviewer"}),
        ("[reviewer]", {"reviewer"}),
        ("", {"creator"}),
        (None, {"creator"}),
        (["admins"], {"creator"}),
    ],
)
def test_roles_from_cognito_groups_in_every_shape(groups, roles):
    assert roles_from_groups(groups) == frozenset(roles)


def _e(seq: int, action: str, actor: str = "alice", version: int | None = None, **detail) -> AuditEntry:
    return AuditEntry(stream="job:j", seq=seq, at=T0 + timedelta(seconds=seq), actor=actor, action=action,
                      version=version, content_hash=detail.pop("content_hash", None), detail=detail)  # fmt: skip


def test_state_is_folded_from_the_trail():
    entries = [
        _e(1, "reviewer.added", user_id="rita"),
        _e(2, "reviewer.added", user_id="ravi"),
        _e(3, "reviewer.removed", user_id="ravi"),
        _e(4, "version.rendered", "system", 1, content_hash="sha256:a"),
        _e(5, "comment.added", "rita", 1, comment_id="c1", at_s=9.0, text="later"),
        _e(6, "comment.added", "rita", 1, comment_id="c2", at_s=2.0, end_s=3.0, text="first"),
        _e(7, "comment.added", "alice", 1, comment_id="c3", at_s=2.0, text="reply", parent_id="c2"),
        _e(8, "comment.resolved", "alice", 1, comment_id="c2"),
        _e(9, "decision.recorded", "rita", 1, decision="changes_requested", reason="r", content_hash="sha256:a"),
        _e(10, "decision.recorded", "rita", 1, decision="approved", reason="ok", content_hash="sha256:a"),
        _e(11, "share_link.created", "alice", 1, link_id="l1", expires_at=(T0 + timedelta(days=1)).isoformat()),
        _e(12, "share_link.revoked", "alice", 1, link_id="l1"),
        _e(13, "comment.added", "share:l2", 1, comment_id="c4", at_s=1.0, text="outside"),
    ]
    state = fold(entries)
    assert state.reviewers == {"rita"} and state.hashes == {1: "sha256:a"}
    threads = state.threads(1)
    assert [c.comment_id for c in threads] == ["c4", "c2", "c1"]
    assert threads[1].resolved and threads[1].resolved_by == "alice" and threads[1].replies[0].text == "reply"
    assert threads[0].via_share_link
    assert state.latest(1).decision == "approved" and state.approval(1).seq == 10
    assert state.links["l1"].revoked and state.approval(2) is None and state.threads(2) == []


CLEAN = VersionChecks(0, 0, False)


def _decide(caller: Caller, decision: str = "approved", *, owner: str = "alice", override: str | None = None,
            state=None, recorded: str | None = "h", current: str = "h", checks=None,
            self_ok: bool = False) -> None:  # fmt: skip
    check_decision(caller=caller, owner=owner, version=1, decision=decision, override=override,  # type: ignore[arg-type]
                   state=state or fold([]), recorded_hash=recorded, current_hash=current, checks=checks or CLEAN,
                   allow_self_approval=self_ok)  # fmt: skip


RITA = Caller(user_id="rita", roles=frozenset({"reviewer"}))
ALICE = Caller(user_id="alice", roles=frozenset({"creator", "reviewer"}))


def test_who_may_decide_and_when():
    _decide(RITA)
    with pytest.raises(DecisionRefused, match="only reviewers") as err:
        _decide(Caller(user_id="bob", roles=frozenset({"creator"})))
    assert err.value.status == 403
    with pytest.raises(DecisionRefused, match="cannot approve it yourself"):
        _decide(ALICE)
    _decide(ALICE, self_ok=True)  # configurable
    _decide(ALICE, "changes_requested")  # asking for changes to one's own work is no approval
    approved = fold([_e(1, "decision.recorded", "rita", 1, decision="approved", reason="ok", content_hash="h")])
    with pytest.raises(DecisionRefused, match="cannot change") as err:
        _decide(RITA, "rejected", state=approved)
    assert err.value.status == 409
    with pytest.raises(DecisionRefused, match="no longer match"):
        _decide(RITA, current="other")
    with pytest.raises(DecisionRefused, match="no recorded override"):
        _decide(RITA, checks=VersionChecks(1, 0, False))
    with pytest.raises(DecisionRefused, match="needs `override`"):
        _decide(RITA, checks=VersionChecks(0, 2, True), override="  ")
    _decide(RITA, checks=VersionChecks(0, 2, True), override="accepted: the end slate carries it")
    _decide(RITA, "rejected", checks=VersionChecks(3, 0, False))  # rejecting needs no override


def test_content_hash_covers_each_artefact():
    base = {"output": "a", "timeline": "b", "compliance": "c", "qc": "d"}
    h = content_hash(base)
    assert h.startswith("sha256:") and h == content_hash(dict(reversed(base.items())))
    assert all(content_hash(base | {k: "x"}) != h for k in base)
    assert content_hash(base | {"poster": "ignored"}) == h and content_hash(base | {"timeline": None}) != h


def test_srt_from_webvtt():
    vtt = "WEBVTT\n\n00:00.500 --> 00:02.250 line:0\nFirst line\nsecond\n\nNOTE a note\n\n"
    vtt += "1:02:03.004 --> 1:02:04.000\nLast\n"
    assert (
        vtt_to_srt(vtt)
        == "1\n00:00:00,500 --> 00:00:02,250\nFirst line\nsecond\n\n2\n01:02:03,004 --> 01:02:04,000\nLast\n"
    )


def test_user_add_writes_the_users_file_and_prints_the_token_once(tmp_path, capsys, monkeypatch):
    from omnigen.api.app import load_users
    from omnigen.cli import main

    path = tmp_path / "users.json"
    monkeypatch.setenv("OMNIGEN_USERS_FILE", str(path))
    assert main(["user-add", "rita", "--role", "reviewer", "--name", "Rita"]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["user-add", "alice", "--role", "creator", "--role", "reviewer"]) == 0
    assert main(["user-add", "rita", "--role", "reviewer"]) == 0  # re-issued: the old token stops working
    second = capsys.readouterr().out.strip().splitlines()[-1]
    users = load_users(path)
    assert [u.user_id for u in users.users] == ["alice", "rita"] and first not in path.read_text()
    assert users.find(second).user_id == "rita" and users.find(first) is None
    assert path.stat().st_mode & 0o777 == 0o600
    assert main(["user-add", "bad id", "--role", "reviewer"]) == 2
    assert "should match pattern" in capsys.readouterr().err


def test_carried_comments_show_on_the_next_version_with_their_replies():
    entries = [
        _e(1, "version.rendered", "system", 1, content_hash="sha256:a"),
        _e(2, "comment.added", "rita", 1, comment_id="c1", at_s=12.0, end_s=13.0, item="clips.2", text="scene 3"),
        _e(3, "comment.added", "alice", 1, comment_id="c2", at_s=12.0, text="on it", parent_id="c1"),
        _e(4, "comment.added", "rita", 1, comment_id="c3", at_s=7.0, text="scene 2, cut"),
        _e(5, "comment.added", "rita", 1, comment_id="c4", at_s=1.0, text="done"),
        _e(6, "comment.resolved", "alice", 1, comment_id="c4"),
        _e(7, "version.rendered", "system", 2, content_hash="sha256:b"),
        _e(8, "comment.carried", "system", 2, comment_id="c1", from_version=1, at_s=2.0, end_s=3.0, item="clips.0"),
        _e(9, "comment.outdated", "system", 2, comment_id="c3", from_version=1, reason="scene 2 is gone"),
        _e(10, "comment.added", "rita", 2, comment_id="c5", at_s=2.0, text="better", parent_id="c1"),
        _e(11, "comment.carried", "system", 2, comment_id="nope", from_version=1, at_s=1.0),  # unknown: ignored
    ]
    state = fold(entries)
    (carried,) = state.threads(2)
    assert (carried.comment_id, carried.version, carried.carried_from) == ("c1", 1, 1)
    assert (carried.at_s, carried.end_s, carried.item) == (2.0, 3.0, "clips.0")
    assert [r.text for r in carried.replies] == ["on it", "better"]  # the thread keeps its replies
    assert state.open_count(2) == 3 and {c.comment_id for c in state.shown(2)} == {"c1", "c2", "c5"}
    on_v1 = {c.comment_id: c for c in state.threads(1)}
    assert on_v1["c1"].at_s == 12.0 and on_v1["c1"].carried_from is None  # unchanged where it was made
    assert on_v1["c3"].outdated and on_v1["c3"].outdated_in == 2 and on_v1["c3"].outdated_reason == "scene 2 is gone"
    assert "c3" not in {c.comment_id for c in state.shown(2)}
    assert state.open_count(1) == 5 - 1
