"""The audit trail in the embedded default's SQLite file. Triggers make the table append-only for
every connection, ours or anyone's: an UPDATE, a DELETE, or an INSERT over an existing entry (which
`INSERT OR REPLACE` would otherwise turn into a delete) is aborted by the database itself. The
file's owner can still drop the triggers; each entry is sealed into the hash chain
(`review.chain`) so what they rewrite then shows when the trail is verified."""

from __future__ import annotations

import sqlite3

from omnigen.job import now
from omnigen.review.chain import GENESIS, seal, stored_hash
from omnigen.review.trail import AuditEntry, AuditRefused, NewEntry, StoredEntry
from omnigen.store.ports import StoreError, parse_entries
from omnigen.store.sqlite import SqliteJobStore

_APPEND_ONLY = "the audit trail is append-only"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS audit (
    stream TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    data   TEXT NOT NULL,
    PRIMARY KEY (stream, seq)
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}: an entry cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}: an entry cannot be deleted'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_overwrite BEFORE INSERT ON audit
WHEN EXISTS (SELECT 1 FROM audit WHERE stream = NEW.stream AND seq = NEW.seq)
BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}: an entry cannot be replaced'); END;
"""


class SqliteAuditLog:
    """Shares the job store's file, connections and write lock (one queue of writers)."""

    def __init__(self, store: SqliteJobStore):
        self._store = store
        try:
            store._conn().executescript(_SCHEMA)
        except sqlite3.Error as err:
            raise StoreError(f"creating the audit trail in {store.path} failed: {err}") from err

    def append(self, entry: NewEntry) -> AuditEntry:
        try:
            with self._store._tx(f"recording {entry.action} in the audit trail") as db:
                last = db.execute(
                    "SELECT seq, data FROM audit WHERE stream=? ORDER BY seq DESC LIMIT 1", (entry.stream,)
                ).fetchone()
                seq, prev = (last[0] + 1, stored_hash(last[1])) if last else (1, GENESIS)
                saved = seal(entry, seq, now(), prev)
                db.execute("INSERT INTO audit VALUES (?,?,?)", (saved.stream, saved.seq, saved.model_dump_json()))
        except StoreError as err:
            if _APPEND_ONLY in str(err):
                raise AuditRefused(str(err)) from err
            raise
        return saved

    def stored(self, stream: str, after_seq: int = 0) -> list[StoredEntry]:
        try:
            rows = (
                self._store._conn()
                .execute("SELECT seq, data FROM audit WHERE stream=? AND seq>? ORDER BY seq", (stream, after_seq))
                .fetchall()
            )
        except sqlite3.Error as err:
            raise StoreError(f"reading the audit trail of {stream} failed: {err}") from err
        return [StoredEntry(seq=r[0], data=r[1]) for r in rows]

    def entries(self, stream: str, after_seq: int = 0) -> list[AuditEntry]:
        return parse_entries(stream, self.stored(stream, after_seq))
