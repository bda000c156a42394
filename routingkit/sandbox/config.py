"""Sandbox settings."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path


def default_db_path() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "routingkit" / "sandbox.sqlite3"


DEFAULT_CLIENT_ID = "routingkit-sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-secret"


@dataclass
class FaultRule:
    """Answer a fraction ``rate`` of requests matching ``pattern`` with one of ``kinds``.

    ``pattern`` is a shell-style glob on ``"METHOD /path"`` or on the path alone, e.g.
    ``"/api/v2/analytics/*"`` or ``"GET /api/v2/routing/queues*"``. ``kinds`` are drawn
    uniformly from 429, 500, 503, 504, delay, drop (connection closed mid-response, request not
    processed) and drop_after (the request is processed, then the connection drops: the
    client cannot tell whether its write landed). The defaults leave drop_after out.
    """

    pattern: str = "/api/v2/*"
    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500", "503", "504", "delay", "drop")
    delay_ms: int = 1500
    retry_after_seconds: int = 1


FAULT_KINDS = ("429", "500", "503", "504", "delay", "drop", "drop_after")


@dataclass
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    db_path: Path = field(default_factory=default_db_path)
    seed: int = 42
    days: int = 60
    rate_limit_per_minute: int = 300
    rate_window_seconds: float = 60.0  # the platform's is a minute; tests shorten it
    token_ttl_seconds: int = 86400
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    time_zone: str = "America/Chicago"
    fault_seed: int = 0
    faults: list[FaultRule] = field(default_factory=list)
    # The org's "today": history covers the `days` before it. None follows the calendar; a
    # fixed date makes the history, and everything checked against it, the same on every run.
    today: dt.date | None = None
