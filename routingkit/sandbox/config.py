"""Sandbox settings, and the rules on who may reach a sandbox."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def default_db_path() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "routingkit" / "sandbox.sqlite3"


def admin_secret_path(db_path: Path) -> Path:
    """Where ``routingkit sandbox serve`` keeps the admin secret it generated (mode 0600)."""
    return db_path.with_name(f"{db_path.name}.admin-secret")


DEFAULT_CLIENT_ID = "routingkit-sandbox"
DEFAULT_CLIENT_SECRET = "sandbox-secret"

# The /sandbox/admin endpoints take the sandbox's admin secret in this header, never an API
# token: whoever holds a token of the org's client must not be able to hang it with faults,
# expire every token or read the ground truth.
ADMIN_SECRET_HEADER = "X-Sandbox-Admin-Secret"

# Bounds on fault rules, so that no rule can hold a request (and the shutdown) for long.
MAX_FAULT_DELAY_MS = 60_000
MAX_RETRY_AFTER_SECONDS = 3600
MAX_FAULT_RULES = 100


@dataclass
class FaultRule:
    """Answer a fraction ``rate`` of requests matching ``pattern`` with one of ``kinds``.

    ``pattern`` is a shell-style glob on ``"METHOD /path"`` or on the path alone, e.g.
    ``"/api/v2/analytics/*"`` or ``"GET /api/v2/routing/queues*"``. ``kinds`` are drawn
    uniformly from 429, 500, 503, 504, delay, drop (connection closed mid-response, request not
    processed) and drop_after (the request is processed, then the connection drops: the
    client cannot tell whether its write landed). The defaults leave drop_after out.
    ``delay_ms`` lies in [0, 60000] (``MAX_FAULT_DELAY_MS``) and ``retry_after_seconds``, the
    ``Retry-After`` of an injected 429, in [0, 3600] (``MAX_RETRY_AFTER_SECONDS``).
    """

    pattern: str = "/api/v2/*"
    rate: float = 0.0
    kinds: tuple[str, ...] = ("429", "500", "503", "504", "delay", "drop")
    delay_ms: int = 1500
    retry_after_seconds: int = 1


FAULT_KINDS = ("429", "500", "503", "504", "delay", "drop", "drop_after")


class UnsafeBindError(ValueError):
    """The sandbox would listen beyond this machine with the public default client secret."""


def new_admin_secret() -> str:
    return secrets.token_urlsafe(32)


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
    client_secret: str = field(default=DEFAULT_CLIENT_SECRET, repr=False)
    # For /sandbox/admin/* (see ADMIN_SECRET_HEADER): new and random for every config unless set.
    admin_secret: str = field(default_factory=new_admin_secret, repr=False)
    # Host names, besides loopback ones and `host`, that requests may be addressed to (the
    # Host header): the name other machines use for a sandbox bound beyond loopback.
    allowed_hosts: tuple[str, ...] = ()
    time_zone: str = "America/Chicago"
    fault_seed: int = 0
    faults: list[FaultRule] = field(default_factory=list)
    # The org's "today": history covers the `days` before it. None follows the calendar; a
    # fixed date makes the history, and everything checked against it, the same on every run.
    today: dt.date | None = None

    def check_exposure(self) -> None:
        """Refuse to listen beyond loopback with the public default client secret.

        Anyone who can reach the port could then log in and rewrite the org's queues.
        """
        if is_loopback(self.host) or self.client_secret != DEFAULT_CLIENT_SECRET:
            return
        raise UnsafeBindError(
            f"refusing to serve on {self.host}, beyond this machine, with the public default "
            "client secret: anyone who can reach the port could log in and change the org. "
            "Set ROUTINGKIT_SANDBOX_CLIENT_SECRET to a secret of your own (or bind 127.0.0.1)."
        )


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1); names are not resolved."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
