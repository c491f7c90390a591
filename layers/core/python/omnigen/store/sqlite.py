"""Jobs in a SQLite file (WAL), the embedded default.

Each job is one JSON document plus the columns we query by. Every update runs in a write
transaction (BEGIN IMMEDIATE), bumps `seq`, and appends the resulting progress event, so the
local server can replay events after `Last-Event-ID` even across a restart.

The same file holds the key-value port's table (idempotency keys, webhook ids) and the usage
port's monthly totals per user, written under the same lock as the jobs.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from omnigen.job import TERMINAL, Job, ProgressEvent, now
from omnigen.safe_text import STORED
from omnigen.store.ports import NotFound, StoreError
from omnigen.usage import Usage

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's busy handler is the only queue
    fcntl = None  # type: ignore[assignment]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id     TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_user ON jobs (user_id, created_at DESC, job_id DESC);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    data   TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
CREATE TABLE IF NOT EXISTS kv (
    namespace  TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    expires_at REAL,
    PRIMARY KEY (namespace, key)
);
CREATE TABLE IF NOT EXISTS usage (
    user_id       TEXT NOT NULL,
    month         TEXT NOT NULL,
    jobs          INTEGER NOT NULL DEFAULT 0,
    completed     INTEGER NOT NULL DEFAULT 0,
    video_seconds REAL NOT NULL DEFAULT 0,
    cost_usd      REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, month)
);
"""


@contextmanager
def _file_lock(file: IO[bytes]) -> Iterator[None]:
    """Exclusive across processes (POSIX advisory lock; where there is none, SQLite's own)."""
    if fcntl is None:
        yield
        return
    fcntl.flock(file.fileno(), fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def _describe(err: sqlite3.Error, what: str, path: Path) -> str:
    text = str(err)
    if not path.exists():
        return (
            f"{what} failed: the job database {path} has been deleted. Restart omnigen serve; "
            "`omnigen recover` rebuilds the jobs from their stored assets."
        )
    if "no such table" in text:
        return (
            f"{what} failed: the job database {path} has lost its tables (it was replaced or emptied). "
            "Restart omnigen serve; `omnigen recover` rebuilds the jobs from their stored assets."
        )
    if "not a database" in text or "malformed" in text:
        return (
            f"{what} failed: the job database {path} is damaged ({text}). Move it aside and run "
            "`omnigen recover` to rebuild the jobs from their stored assets."
        )
    if "disk is full" in text or "database or disk is full" in text:
        return (
            f"{what} failed: the disk holding {path} is full. Free some space, then retry the job (omnigen retry JOB)."
        )
    if "readonly" in text or "unable to open" in text:
        return f"{what} failed: {path} is read-only or cannot be opened. Point OMNIGEN_HOME at a writable folder."
    return f"{what} failed ({path}): {text}"


class SqliteJobStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_file = open(self.path.with_name(self.path.name + ".write-lock"), "a+b")  # noqa: SIM115
            self._conn().executescript(_SCHEMA)
        except sqlite3.Error as err:
            raise StoreError(_describe(err, "creating the job database", self.path)) from err
        except OSError as err:
            raise StoreError(f"cannot create the job database at {self.path}: {err.strerror}") from err

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # Only the first connection may create the file: a thread connecting later to a
            # database deleted in the meantime must fail, not start an empty one unnoticed.
            mode = "rwc" if not getattr(self, "_created", False) else "rw"
            try:
                uri = f"{self.path.resolve().as_uri()}?mode={mode}"
                conn = sqlite3.connect(uri, timeout=10, isolation_level=None, uri=True)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA busy_timeout=10000")
            except sqlite3.Error as err:
                raise StoreError(_describe(err, "opening the job database", self.path)) from err
            self._created = True
            self._local.conn = conn
        return conn

    @contextmanager
    def _tx(self, what: str = "writing the job database") -> Iterator[sqlite3.Connection]:
        """One write transaction. Writers queue on a lock instead of on SQLite's busy handler,
        which makes a waiting writer sleep in growing steps (up to 100 ms each): that put
        seconds of tail latency on progress events and job creation while jobs ran. Threads of
        this process queue on a mutex, and processes (the server and its job workers, a CLI job)
        on an advisory lock on a file beside the database, which the kernel hands to the next
        waiter the moment it is released. `busy_timeout` remains the backstop."""
        with self._write_lock, _file_lock(self._lock_file), self._begin(what) as db:
            yield db

    @contextmanager
    def _begin(self, what: str) -> Iterator[sqlite3.Connection]:
        db = self._conn()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as err:
            raise StoreError(_describe(err, what, self.path)) from err

    def _read(self, what: str, sql: str, args: tuple[object, ...] | list[object] = ()) -> list[tuple]:  # type: ignore[type-arg]
        """The rows of one read; a damaged, emptied or deleted database is a StoreError naming
        it (the API answers 503 with that message), never a bare sqlite3 exception."""
        try:
            return self._conn().execute(sql, args).fetchall()
        except sqlite3.Error as err:
            raise StoreError(_describe(err, what, self.path)) from err

    @staticmethod
    def _row(job: Job) -> tuple[str, str, str, str, int, str]:
        return (
            job.job_id,
            job.user_id,
            job.status.value,
            job.created_at.isoformat(),
            job.seq,
            job.record_json(),
        )

    def create(self, job: Job) -> Job:
        job = job.model_copy(update={"seq": 1, "updated_at": now()})
        row, event = self._row(job), job.event().record_json()  # the JSON work outside the lock
        with self._tx(f"creating job {job.job_id}") as db:
            db.execute("INSERT INTO jobs VALUES (?,?,?,?,?,?)", row)
            db.execute("INSERT INTO events VALUES (?,?,?)", (job.job_id, job.seq, event))
        return job

    def get(self, job_id: str) -> Job | None:
        rows = self._read(f"reading job {job_id}", "SELECT data FROM jobs WHERE job_id=?", (job_id,))
        return Job.model_validate_json(rows[0][0], context=STORED) if rows else None

    def list_for_user(self, user_id: str, limit: int = 20, before: str | None = None) -> list[Job]:
        what = f"listing the jobs of {user_id}"
        if before:
            anchors = self._read(what, "SELECT created_at FROM jobs WHERE job_id=? AND user_id=?", (before, user_id))
            if not anchors:
                return []
            anchor = anchors[0][0]
            rows = self._read(
                what,
                "SELECT data FROM jobs WHERE user_id=? AND (created_at < ? OR "
                "(created_at = ? AND job_id < ?)) ORDER BY created_at DESC, job_id DESC LIMIT ?",
                (user_id, anchor, anchor, before, limit),
            )
        else:
            rows = self._read(
                what,
                "SELECT data FROM jobs WHERE user_id=? ORDER BY created_at DESC, job_id DESC LIMIT ?",
                (user_id, limit),
            )
        return [Job.model_validate_json(r[0], context=STORED) for r in rows]

    def update(self, job_id: str, change: Callable[[Job], None]) -> Job:
        """Read, change, write back, optimistically: the change and the JSON work happen outside
        the write lock, and the write lands only if nobody wrote the job in between (otherwise
        the change is applied again to what they wrote). The lock is held for two statements,
        so a writer in a low-priority worker process cannot keep the server waiting for long."""
        while True:
            rows = self._read(f"reading job {job_id}", "SELECT seq, data FROM jobs WHERE job_id=?", (job_id,))
            if not rows:
                raise NotFound(f"job {job_id} does not exist")
            read_seq, job = rows[0][0], Job.model_validate_json(rows[0][1], context=STORED)
            change(job)
            job.seq = read_seq + 1
            job.updated_at = now()
            job = Job.model_validate(job.model_dump(), context=STORED)
            data, event = job.record_json(), job.event().record_json()
            with self._tx(f"updating job {job_id}") as db:
                written = db.execute(
                    "UPDATE jobs SET status=?, seq=?, data=? WHERE job_id=? AND seq=?",
                    (job.status.value, job.seq, data, job_id, read_seq),
                ).rowcount
                if written:
                    db.execute("INSERT INTO events VALUES (?,?,?)", (job_id, job.seq, event))
            if written:
                return job

    def events(self, job_id: str, after_seq: int = 0) -> list[ProgressEvent]:
        rows = self._read(
            f"reading the progress of job {job_id}",
            "SELECT data FROM events WHERE job_id=? AND seq>? ORDER BY seq",
            (job_id, after_seq),
        )
        return [ProgressEvent.model_validate_json(r[0]) for r in rows]

    def unfinished(self) -> list[Job]:
        marks = ",".join("?" for _ in TERMINAL)
        rows = self._read(
            "listing unfinished jobs",
            f"SELECT data FROM jobs WHERE status NOT IN ({marks}) ORDER BY created_at",
            [s.value for s in TERMINAL],
        )
        return [Job.model_validate_json(r[0], context=STORED) for r in rows]

    # -- KeyValue: idempotency keys, webhook ids and the like ---------------------------------------

    def kv_get(self, namespace: str, key: str) -> str | None:
        rows = self._read(
            f"reading a {namespace} key",
            "SELECT value FROM kv WHERE namespace=? AND key=? AND (expires_at IS NULL OR expires_at >= ?)",
            (namespace, key, time.time()),
        )
        return str(rows[0][0]) if rows else None

    def kv_put_if_absent(self, namespace: str, key: str, value: str, ttl_s: float | None = None) -> str:
        """Store `value` unless the key exists (and has not expired); return what is stored."""
        t = time.time()
        with self._tx(f"recording {namespace} key") as db:
            db.execute("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at < ?", (t,))
            row = db.execute("SELECT value FROM kv WHERE namespace=? AND key=?", (namespace, key)).fetchone()
            if row:
                return str(row[0])
            db.execute("INSERT INTO kv VALUES (?,?,?,?)", (namespace, key, value, t + ttl_s if ttl_s else None))
        return value

    def kv_put(self, namespace: str, key: str, value: str, ttl_s: float | None = None) -> None:
        expires = time.time() + ttl_s if ttl_s else None
        with self._tx(f"recording {namespace} key") as db:
            db.execute("INSERT OR REPLACE INTO kv VALUES (?,?,?,?)", (namespace, key, value, expires))

    def kv_delete(self, namespace: str, key: str) -> None:
        with self._tx(f"deleting {namespace} key") as db:
            db.execute("DELETE FROM kv WHERE namespace=? AND key=?", (namespace, key))

    # -- UsageStore -----------------------------------------------------------------------------

    def add_usage(self, user_id: str, change: Usage) -> None:
        with self._tx(f"recording the usage of {user_id}") as db:
            db.execute(
                "INSERT INTO usage VALUES (?,?,?,?,?,?) ON CONFLICT (user_id, month) DO UPDATE SET "
                "jobs = jobs + excluded.jobs, completed = completed + excluded.completed, "
                "video_seconds = video_seconds + excluded.video_seconds, cost_usd = cost_usd + excluded.cost_usd",
                (user_id, change.month, change.jobs, change.completed, change.video_seconds, change.cost_usd),
            )

    def usage(self, user_id: str, month: str) -> Usage:
        rows = self._read(
            f"reading the usage of {user_id}",
            "SELECT jobs, completed, video_seconds, cost_usd FROM usage WHERE user_id=? AND month=?",
            (user_id, month),
        )
        if not rows:
            return Usage(month=month)
        row = rows[0]
        return Usage(month=month, jobs=row[0], completed=row[1], video_seconds=row[2], cost_usd=round(row[3], 4))
