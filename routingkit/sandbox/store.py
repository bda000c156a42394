"""The sandbox org's database: SQLite, one file, every write in one transaction.

SQLite because the sandbox is one process serving one analyst: no server to install, a single
file that survives restarts, WAL for readers alongside the writer, and ACID transactions so a
crash never leaves half a queue. Entities are stored as the JSON the API returns (plus indexed
columns for lookups); relations (members, skills, group and team membership) get their own
tables; history is stored per conversation and pre-aggregated per 15-minute interval.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1"

# Timer metrics stored per 15-minute interval as count/sum/min/max (milliseconds).
TIMERS = ("tAnswered", "tAbandon", "tHandle", "tTalk", "tHeld", "tAcw", "tWait", "tAcd", "tAlert")
COUNTS = ("nOffered", "nOverSla", "nTransferred", "slNumerator")
INTERVAL_COLUMNS = tuple(
    [c for c in COUNTS] + [f"{t}_{s}" for t in TIMERS for s in ("count", "sum", "min", "max")]
)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS entities_name ON entities (kind, name COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS queue_members (
    queue_id TEXT NOT NULL, user_id TEXT NOT NULL, ring_number INTEGER NOT NULL DEFAULT 1,
    joined INTEGER NOT NULL DEFAULT 1, member_by TEXT NOT NULL DEFAULT 'user',
    PRIMARY KEY (queue_id, user_id)
);
CREATE TABLE IF NOT EXISTS queue_wrapupcodes (
    queue_id TEXT NOT NULL, code_id TEXT NOT NULL, PRIMARY KEY (queue_id, code_id)
);
CREATE TABLE IF NOT EXISTS user_skills (
    user_id TEXT NOT NULL, skill_id TEXT NOT NULL, proficiency REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'active', PRIMARY KEY (user_id, skill_id)
);
CREATE TABLE IF NOT EXISTS group_members (
    group_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (group_id, user_id)
);
CREATE TABLE IF NOT EXISTS team_members (
    team_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (team_id, user_id)
);
CREATE TABLE IF NOT EXISTS utilization (scope TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audits (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, event_ms INTEGER NOT NULL,
    service TEXT NOT NULL, entity_type TEXT NOT NULL, entity_id TEXT NOT NULL,
    action TEXT NOT NULL, user_id TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audits_time ON audits (event_ms);
CREATE TABLE IF NOT EXISTS intervals (
    queue_id TEXT NOT NULL, media_type TEXT NOT NULL, start_ms INTEGER NOT NULL,
    sl_target REAL NOT NULL,
    {", ".join(f'"{c}" INTEGER NOT NULL' for c in INTERVAL_COLUMNS)},
    PRIMARY KEY (start_ms, queue_id, media_type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS conversations (
    queue_id TEXT NOT NULL, media_type TEXT NOT NULL, start_ms INTEGER NOT NULL,
    wait_ms INTEGER NOT NULL, alert_ms INTEGER NOT NULL, answered INTEGER NOT NULL,
    handle_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_time ON conversations (start_ms, queue_id);
"""


class Store:
    """Thread-safe access to the sandbox database (one connection per thread, WAL)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        # Derived, read-only views of the data (e.g. analytics' in-memory history), dropped
        # with the store.
        self.cache: dict[str, Any] = {}
        with self._write_lock:
            # executescript commits on its own; every statement is idempotent.
            self._connection().executescript(_SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All writes inside commit together or not at all.

        Reads through this store on the same thread see the transaction. Never ``await``
        inside one: the endpoints share the event loop's thread, so a second handler would
        find this transaction still open (refused here, loudly, rather than nested).
        """
        with self._write_lock:
            conn = self._connection()
            if conn.in_transaction:
                raise RuntimeError(
                    "a transaction is already open on this thread: is there an await inside "
                    "a `with store.transaction()` block?"
                )
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        return self._connection()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- meta -------------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.read().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    @staticmethod
    def set_meta(db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # --- entities ---------------------------------------------------------------------------

    def get(self, kind: str, entity_id: str) -> dict[str, Any] | None:
        row = (
            self.read()
            .execute("SELECT body FROM entities WHERE kind = ? AND id = ?", (kind, entity_id))
            .fetchone()
        )
        return None if row is None else json.loads(row["body"])

    def find_by_name(self, kind: str, name: str) -> dict[str, Any] | None:
        row = (
            self.read()
            .execute(
                "SELECT body FROM entities WHERE kind = ? AND name = ? COLLATE NOCASE", (kind, name)
            )
            .fetchone()
        )
        return None if row is None else json.loads(row["body"])

    def entities(self, kind: str) -> list[dict[str, Any]]:
        rows = (
            self.read()
            .execute(
                "SELECT body FROM entities WHERE kind = ? ORDER BY name COLLATE NOCASE, id", (kind,)
            )
            .fetchall()
        )
        return [json.loads(r["body"]) for r in rows]

    def names(self, kind: str) -> list[tuple[str, str]]:
        """(id, name) of every entity of a kind, in listing order (name, then id)."""
        rows = (
            self.read()
            .execute(
                "SELECT id, name FROM entities WHERE kind = ? ORDER BY name COLLATE NOCASE, id",
                (kind,),
            )
            .fetchall()
        )
        return [(r["id"], r["name"]) for r in rows]

    def get_many(self, kind: str, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Entities by id, in the order given (missing ones skipped)."""
        if not ids:
            return []
        rows = (
            self.read()
            .execute(
                f"SELECT id, body FROM entities WHERE kind = ? AND id IN "
                f"({', '.join('?' * len(ids))})",
                [kind, *ids],
            )
            .fetchall()
        )
        bodies = {r["id"]: json.loads(r["body"]) for r in rows}
        return [bodies[i] for i in ids if i in bodies]

    def ids(self, kind: str) -> set[str]:
        rows = self.read().execute("SELECT id FROM entities WHERE kind = ?", (kind,)).fetchall()
        return {r["id"] for r in rows}

    @staticmethod
    def put(db: sqlite3.Connection, kind: str, body: dict[str, Any]) -> None:
        db.execute(
            "INSERT INTO entities (kind, id, name, body) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(kind, id) DO UPDATE SET name = excluded.name, body = excluded.body",
            (kind, body["id"], body.get("name") or "", json.dumps(body, separators=(",", ":"))),
        )

    @staticmethod
    def delete(db: sqlite3.Connection, kind: str, entity_id: str) -> None:
        db.execute("DELETE FROM entities WHERE kind = ? AND id = ?", (kind, entity_id))
