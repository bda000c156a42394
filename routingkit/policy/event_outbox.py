"""A durable outbox for change events, and their delivery to webhooks: at least once, by id.

Events go into one SQLite file (WAL, ``synchronous=FULL``) before anything is sent, keyed by
their stable id: adding the same event again changes nothing, so recording an apply's events
twice (after a crash, say) never duplicates one. Delivery is tracked per event and webhook URL:

- ``pending`` until a 2xx answer, then ``delivered``; never sent again after that;
- a failure (no answer, 408, 425, 429, 5xx) is retried in the same run with jittered exponential
  backoff (tenacity), then left ``pending`` with ``next_attempt_at`` pushed back exponentially,
  for the next :meth:`Outbox.deliver`; another 4xx is the receiver refusing the event, so it is
  not retried;
- after ``max_attempts`` attempts, or on a refusal, ``dead``: kept with its last error, shown by
  :meth:`Outbox.status`, sent again only after :meth:`Outbox.revive`.

Each target gets its events in the order they were added; a target that fails is left for the
rest of the run (its later events wait, so they do not overtake). A delivery answered but not
recorded (the process died between the two) is sent again on the next run: that is the "at
least once"; the stable ``id`` lets the receiver keep exactly one. Two processes delivering at
once do not both send the same delivery: each claims it first (a lease).

Every request carries the exact stored body (``application/cloudevents+json``) and a
``Routingkit-Signature`` header (``policy.webhook_signature``). The secret is held as a
``Secret`` and appears in no log, error or status; URLs are logged without their query string.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import random
import secrets
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from ..genesys.auth import Secret
from .journal import state_dir
from .webhook_signature import SIGNATURE_HEADER, signature_header

log = logging.getLogger("routingkit.policy")

URLS_VARIABLE = "ROUTINGKIT_WEBHOOK_URLS"
SECRET_VARIABLE = "ROUTINGKIT_WEBHOOK_SECRET"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
RETRIED_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
LEASE_SECONDS = 120.0

DeliveryState = Literal["pending", "delivered", "dead"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS event (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    body BLOB NOT NULL, added_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery (
    event_id TEXT NOT NULL, url TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error TEXT, delivered_at TEXT, lease TEXT, lease_until REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, url)
);
CREATE INDEX IF NOT EXISTS delivery_state ON delivery (url, state);
"""


def default_outbox_path() -> Path:
    """``$ROUTINGKIT_STATE_DIR/events/outbox.sqlite3`` (see ``policy.journal.state_dir``)."""
    return state_dir() / "events" / "outbox.sqlite3"


def _now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _shown(url: str) -> str:
    """A URL as it may be logged: without its query (which may hold a token)."""
    return url.split("?", 1)[0]


@dataclass(frozen=True)
class WebhookTarget:
    """Where events go, and the secret their signatures are keyed with."""

    url: str
    secret: Secret

    def __post_init__(self) -> None:
        if not self.url.startswith(("https://", "http://")):
            raise ValueError(f"webhook URL {_shown(self.url)!r} must start with https://")
        if not self.secret.reveal():
            raise ValueError("the webhook secret is empty; set a long random secret")

    def __repr__(self) -> str:
        return f"WebhookTarget({_shown(self.url)!r}, secret=<hidden>)"


def targets_from_environment(environ: Mapping[str, str] | None = None) -> list[WebhookTarget]:
    """Targets from ``ROUTINGKIT_WEBHOOK_URLS`` (space or comma separated) and
    ``ROUTINGKIT_WEBHOOK_SECRET``; none when no URL is set."""
    env = os.environ if environ is None else environ
    urls = [u for u in env.get(URLS_VARIABLE, "").replace(",", " ").split() if u]
    if not urls:
        return []
    secret = env.get(SECRET_VARIABLE, "")
    if not secret:
        raise ValueError(
            f"{URLS_VARIABLE} is set but {SECRET_VARIABLE} is not: deliveries must be signed; "
            "set the secret the receivers verify with"
        )
    return [WebhookTarget(u, Secret(secret)) for u in urls]


@dataclass
class DeliveryReport:
    """What one :meth:`Outbox.deliver` run did, per outcome (event ids)."""

    delivered: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)  # failed in this run, will be retried
    waiting: list[str] = field(default_factory=list)  # not attempted: their turn comes later
    dead: list[str] = field(default_factory=list)
    attempts: int = 0

    @property
    def complete(self) -> bool:
        """Every event of every target delivered (none left to retry, waiting or dead)."""
        return not self.retrying and not self.waiting and not self.dead


@dataclass(frozen=True)
class DeadLetter:
    event_id: str
    type: str
    url: str
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class OutboxStatus:
    events: int
    pending: dict[str, int]  # per target URL (query left out)
    delivered: dict[str, int]
    dead: list[DeadLetter]

    def to_text(self) -> str:
        lines = [f"{self.events} event(s) in the outbox"]
        urls = sorted(set(self.pending) | set(self.delivered) | {d.url for d in self.dead})
        for url in urls:
            dead = sum(d.url == url for d in self.dead)
            lines.append(
                f"  {url}: {self.delivered.get(url, 0)} delivered, "
                f"{self.pending.get(url, 0)} pending, {dead} dead"
            )
        for letter in self.dead:
            lines.append(
                f"  dead: {letter.event_id} ({letter.type}) to {letter.url} after "
                f"{letter.attempts} attempt(s): {letter.last_error}"
            )
        return "\n".join(lines)


class _Failed(Exception):
    """One attempt failed; ``retry`` says whether another could succeed."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class _Retry(_Failed):
    pass


class Outbox:
    """The outbox file (default :func:`default_outbox_path`). Safe to open from several
    processes; use it as a context manager or call :meth:`close`."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        max_attempts: int = 8,
        attempts_per_run: int = 3,
        backoff_seconds: float = 1.0,
        backoff_max_seconds: float = 3600.0,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else default_outbox_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_attempts = max_attempts
        self.attempts_per_run = attempts_per_run
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.timeout = timeout
        self._transport = transport
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- adding ------------------------------------------------------------------------

    def add(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Store events (each needs ``id`` and ``type``); returns how many were new."""
        added = 0
        with self._transaction() as db:
            for event in events:
                if not event.get("id") or not event.get("type"):
                    raise ValueError("an event needs an id and a type (CloudEvents 1.0)")
                body = json.dumps(event, sort_keys=True, separators=(",", ":")).encode("utf-8")
                cursor = db.execute(
                    "INSERT OR IGNORE INTO event (id, type, body, added_at) VALUES (?, ?, ?, ?)",
                    (str(event["id"]), str(event["type"]), body, _now_iso()),
                )
                added += cursor.rowcount
        return added

    def events(self) -> list[dict[str, Any]]:
        """Every stored event, in the order added."""
        rows = self._db.execute("SELECT body FROM event ORDER BY seq").fetchall()
        return [json.loads(r[0]) for r in rows]

    # -- delivering --------------------------------------------------------------------

    def deliver(
        self,
        targets: Iterable[WebhookTarget],
        *,
        now: float | None = None,
        retry_now: bool = False,
    ) -> DeliveryReport:
        """Send every due pending event to every target (see the module docstring).

        ``retry_now`` sends pending events whose next attempt is still in the future too (a
        receiver known to be back); dead letters still wait for :meth:`revive`.
        """
        report = DeliveryReport()
        for target in targets:
            self._deliver_to(target, report, now, retry_now)
        return report

    def _due(
        self, url: str, now: float, *, retry_now: bool
    ) -> tuple[list[tuple[str, bytes, int]], list[str]]:
        """(event id, body, attempts) of the target's deliveries due now, in order, and the ids
        of those waiting for their next attempt (a later event never overtakes a waiting one)."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO delivery (event_id, url) SELECT id, ? FROM event", (url,)
            )
        rows = self._db.execute(
            "SELECT d.event_id, e.body, d.attempts, d.next_attempt_at FROM delivery d "
            "JOIN event e ON e.id = d.event_id WHERE d.url = ? AND d.state = 'pending' "
            "ORDER BY e.seq",
            (url,),
        ).fetchall()
        due: list[tuple[str, bytes, int]] = []
        for index, (event_id, body, attempts, next_at) in enumerate(rows):
            if next_at > now and not retry_now:
                return due, [r[0] for r in rows[index:]]
            due.append((event_id, bytes(body), attempts))
        return due, []

    def _claim(self, event_id: str, url: str, now: float) -> str | None:
        lease = secrets.token_hex(8)
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE delivery SET lease = ?, lease_until = ? WHERE event_id = ? AND url = ? "
                "AND state = 'pending' AND lease_until <= ?",
                (lease, now + LEASE_SECONDS, event_id, url, now),
            )
        return lease if cursor.rowcount == 1 else None

    def _deliver_to(
        self, target: WebhookTarget, report: DeliveryReport, now: float | None, retry_now: bool
    ) -> None:
        clock = time.time() if now is None else now
        due, waiting = self._due(target.url, clock, retry_now=retry_now)
        report.waiting.extend(waiting)
        with httpx.Client(timeout=self.timeout, transport=self._transport) as http:
            for index, (event_id, body, attempts) in enumerate(due):
                lease = self._claim(event_id, target.url, clock)
                if lease is None:
                    continue  # another process is delivering it
                sent, outcome = self._send(http, target, body, attempts)
                report.attempts += sent
                attempts += sent
                if outcome is None:
                    self._finish(event_id, target.url, lease, "delivered", attempts, None, clock)
                    report.delivered.append(event_id)
                    continue
                dead = not outcome.retry or attempts >= self.max_attempts
                self._finish(
                    event_id,
                    target.url,
                    lease,
                    "dead" if dead else "pending",
                    attempts,
                    outcome.reason,
                    clock + self._backoff(attempts),
                )
                log.warning(
                    "change event %s to %s: %s (attempt %d of %d)%s",
                    event_id,
                    _shown(target.url),
                    outcome.reason,
                    attempts,
                    self.max_attempts,
                    "; dead letter" if dead else "; will retry",
                )
                if dead:  # out of attempts, or refused: the next event may still go
                    report.dead.append(event_id)
                    continue
                report.retrying.append(event_id)
                report.waiting.extend(e for e, _, _ in due[index + 1 :])
                break  # the target is failing: keep the order, try it next run

    def _backoff(self, attempts: int) -> float:
        base = min(self.backoff_max_seconds, self.backoff_seconds * 2.0 ** max(0, attempts - 1))
        return float(base * (0.5 + random.random() / 2))  # jittered, at least half the base

    def _send(
        self, http: httpx.Client, target: WebhookTarget, body: bytes, attempts: int
    ) -> tuple[int, _Failed | None]:
        """POST with in-run retries; (attempts made, None on success or the last failure)."""
        left = max(1, min(self.attempts_per_run, self.max_attempts - attempts))
        made = 0

        def once() -> None:
            nonlocal made
            made += 1
            headers = {
                "Content-Type": CONTENT_TYPE,
                SIGNATURE_HEADER: signature_header(target.secret.reveal(), body),
            }
            try:
                response = http.post(target.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                raise _Retry(f"no answer ({type(exc).__name__})", retry=True) from None
            if response.is_success:
                return
            reason = f"HTTP {response.status_code}"
            if response.status_code in RETRIED_STATUSES:
                raise _Retry(reason, retry=True)
            raise _Failed(f"{reason}: refused by the receiver", retry=False)

        retrying = Retrying(
            retry=retry_if_exception_type(_Retry),
            stop=stop_after_attempt(left),
            wait=wait_random_exponential(multiplier=self.backoff_seconds / 4, max=30),
            reraise=True,
        )
        try:
            retrying(once)
        except _Failed as failed:
            return made, failed
        except RetryError:  # pragma: no cover - reraise=True raises the last _Retry instead
            return made, _Failed("retries exhausted", retry=True)
        return made, None

    def _finish(
        self,
        event_id: str,
        url: str,
        lease: str,
        state: DeliveryState,
        attempts: int,
        error: str | None,
        next_attempt_at: float,
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE delivery SET state = ?, attempts = ?, last_error = ?, "
                "next_attempt_at = ?, delivered_at = ?, lease = NULL, lease_until = 0 "
                "WHERE event_id = ? AND url = ? AND lease = ?",
                (
                    state,
                    attempts,
                    error,
                    next_attempt_at,
                    _now_iso() if state == "delivered" else None,
                    event_id,
                    url,
                    lease,
                ),
            )

    # -- looking and reviving ----------------------------------------------------------

    def status(self) -> OutboxStatus:
        count = int(self._db.execute("SELECT COUNT(*) FROM event").fetchone()[0])
        pending: dict[str, int] = {}
        delivered: dict[str, int] = {}
        for url, state, number in self._db.execute(
            "SELECT url, state, COUNT(*) FROM delivery GROUP BY url, state"
        ).fetchall():
            if state == "pending":
                pending[_shown(url)] = number
            elif state == "delivered":
                delivered[_shown(url)] = number
        dead = [
            DeadLetter(r[0], r[1], _shown(r[2]), r[3], r[4])
            for r in self._db.execute(
                "SELECT d.event_id, e.type, d.url, d.attempts, d.last_error FROM delivery d "
                "JOIN event e ON e.id = d.event_id WHERE d.state = 'dead' ORDER BY e.seq"
            ).fetchall()
        ]
        return OutboxStatus(count, pending, delivered, dead)

    def revive(self, event_ids: Iterable[str] | None = None) -> int:
        """Dead letters (all, or those named) back to pending with their attempts reset."""
        ids = list(event_ids) if event_ids is not None else None
        with self._transaction() as db:
            if ids is None:
                cursor = db.execute(
                    "UPDATE delivery SET state = 'pending', attempts = 0, next_attempt_at = 0 "
                    "WHERE state = 'dead'"
                )
            else:
                cursor = db.execute(
                    "UPDATE delivery SET state = 'pending', attempts = 0, next_attempt_at = 0 "
                    f"WHERE state = 'dead' AND event_id IN ({', '.join('?' * len(ids))})",
                    ids,
                )
        return int(cursor.rowcount)
