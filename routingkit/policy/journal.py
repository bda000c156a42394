"""The apply journal: one SQLite file per apply, written before and after every call.

A step is recorded as ``pending`` when the apply starts, ``started`` just before its request
is sent (with what is about to be written), ``done`` when the org acknowledged it (with the
answer), ``verified`` once read back; ``failed`` or ``refused`` (drift) otherwise. Killed at
any moment, an apply leaves a journal that says which writes may have happened: ``resume``
finishes them, ``rollback`` restores every touched object from the base snapshot. Each step
is committed in its own transaction (WAL mode, synchronous=FULL), so a kill -9 never loses an
acknowledged write from the journal.

Journals live in ``$ROUTINGKIT_STATE_DIR/applies`` (default ``$XDG_STATE_HOME/routingkit`` or
``~/.local/state/routingkit``), named ``<apply id>.sqlite3``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

StepState = Literal["pending", "started", "done", "verified", "failed", "refused", "skipped"]
StepKind = Literal[
    "queue_create",
    "queue_update",
    "members_add",
    "members_remove",
    "rings",
    "utilization",
    "wfm_template",
    "wfm_forecast",
]
DONE_STATES = ("done", "verified")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS apply (
    id TEXT PRIMARY KEY, plan_id TEXT NOT NULL, org_id TEXT NOT NULL, api_url TEXT NOT NULL,
    kind TEXT NOT NULL, on_error TEXT NOT NULL, status TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT, plan_json TEXT NOT NULL, rolls_back TEXT
);
CREATE TABLE IF NOT EXISTS step (
    seq INTEGER PRIMARY KEY, queue_name TEXT NOT NULL, queue_id TEXT, kind TEXT NOT NULL,
    before_json TEXT, request_json TEXT, after_json TEXT, state TEXT NOT NULL, error TEXT,
    started_at TEXT, finished_at TEXT, latency_ms REAL, correlation_id TEXT
);
"""


def state_dir() -> Path:
    """Where journals and audit logs live (see the module docstring)."""
    explicit = os.environ.get("ROUTINGKIT_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME")
    return (Path(base) if base else Path.home() / ".local" / "state") / "routingkit"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Step:
    seq: int
    queue_name: str
    queue_id: str | None
    kind: StepKind
    before: Any
    request: Any
    after: Any
    state: StepState
    error: str | None
    latency_ms: float | None


class JournalError(RuntimeError):
    """A journal that cannot be opened or used; the message names the file."""


class Journal:
    """One apply (or rollback) and its steps. Use :meth:`create` or :meth:`open`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # One connection shared by an apply's worker threads, each statement under the lock.
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    # -- life cycle --------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        *,
        plan_id: str,
        org_id: str,
        api_url: str,
        plan_json: str,
        on_error: str,
        kind: Literal["apply", "rollback"] = "apply",
        rolls_back: str | None = None,
        directory: Path | None = None,
    ) -> Journal:
        folder = (directory or state_dir()) / "applies"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        apply_id = f"{stamp}-{plan_id[:8]}-{secrets.token_hex(2)}"
        if kind == "rollback":
            apply_id = f"{apply_id}-rollback"
        journal = cls(folder / f"{apply_id}.sqlite3")
        journal._db.execute(
            "INSERT INTO apply (id, plan_id, org_id, api_url, kind, on_error, status, started_at,"
            " plan_json, rolls_back) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
            (apply_id, plan_id, org_id, api_url, kind, on_error, _now(), plan_json, rolls_back),
        )
        return journal

    @classmethod
    def open(cls, apply_id: str, *, directory: Path | None = None) -> Journal:
        path = (directory or state_dir()) / "applies" / f"{apply_id}.sqlite3"
        if not path.exists():
            folder = path.parent
            known = sorted(p.stem for p in folder.glob("*.sqlite3"))[-5:] if folder.exists() else []
            raise JournalError(
                f"no apply {apply_id!r} in {folder}"
                + (f"; the latest are {', '.join(known)}" if known else "")
            )
        return cls(path)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the apply ---------------------------------------------------------------------
    def _apply_row(self) -> sqlite3.Row:
        with self._lock:
            self._db.row_factory = sqlite3.Row
            row = self._db.execute("SELECT * FROM apply").fetchone()
            self._db.row_factory = None
        if row is None:
            raise JournalError(f"{self.path} holds no apply")
        return row  # type: ignore[no-any-return]

    @property
    def apply_id(self) -> str:
        return str(self._apply_row()["id"])

    @property
    def info(self) -> dict[str, Any]:
        row = self._apply_row()
        return {k: row[k] for k in row.keys() if k != "plan_json"}  # noqa: SIM118 (sqlite3.Row)

    @property
    def plan_json(self) -> str:
        return str(self._apply_row()["plan_json"])

    def set_status(self, status: str) -> None:
        finished = None if status == "running" else _now()
        with self._lock:
            self._db.execute("UPDATE apply SET status = ?, finished_at = ?", (status, finished))

    # -- steps -------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several writes that land together or not at all (e.g. the pending steps)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add_step(
        self,
        queue_name: str,
        queue_id: str | None,
        kind: StepKind,
        *,
        before: Any = None,
        request: Any = None,
    ) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO step (queue_name, queue_id, kind, before_json, request_json, state)"
                " VALUES (?, ?, ?, ?, ?, 'pending')",
                (queue_name, queue_id, kind, _dump(before), _dump(request)),
            )
            return int(cursor.lastrowid or 0)

    def mark(
        self,
        seq: int,
        state: StepState,
        *,
        after: Any = None,
        error: str | None = None,
        latency_ms: float | None = None,
        queue_id: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        sets = ["state = ?"]
        values: list[Any] = [state]
        if state == "started":
            sets.append("started_at = ?")
            values.append(_now())
        else:
            sets.append("finished_at = ?")
            values.append(_now())
        for column, value in (
            ("after_json", _dump(after) if after is not None else None),
            ("error", error),
            ("latency_ms", latency_ms),
            ("queue_id", queue_id),
            ("correlation_id", correlation_id),
        ):
            if value is not None:
                sets.append(f"{column} = ?")
                values.append(value)
        with self._lock:
            self._db.execute(f"UPDATE step SET {', '.join(sets)} WHERE seq = ?", (*values, seq))

    def steps(self) -> list[Step]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, queue_name, queue_id, kind, before_json, request_json, after_json,"
                " state, error, latency_ms FROM step ORDER BY seq"
            ).fetchall()
        return [
            Step(
                seq=r[0],
                queue_name=r[1],
                queue_id=r[2],
                kind=r[3],
                before=_load(r[4]),
                request=_load(r[5]),
                after=_load(r[6]),
                state=r[7],
                error=r[8],
                latency_ms=r[9],
            )
            for r in rows
        ]


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


@contextmanager
def opened(apply_id: str, *, directory: Path | None = None) -> Iterator[Journal]:
    journal = Journal.open(apply_id, directory=directory)
    try:
        yield journal
    finally:
        journal.close()


def latest_apply(directory: Path | None = None, *, plan_id: str | None = None) -> str | None:
    """The newest apply (not rollback) journal's id, of ``plan_id`` when given."""
    folder = (directory or state_dir()) / "applies"
    found = sorted(
        p.stem
        for p in (folder.glob("*.sqlite3") if folder.exists() else [])
        if not p.stem.endswith("-rollback")
        and (plan_id is None or p.stem.split("-")[1] == plan_id[:8])
    )
    return found[-1] if found else None
