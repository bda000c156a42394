"""The audit log: one JSON Lines file per org, appended to by every apply and rollback.

Each line: when, who (the OS user and the OAuth client id; never a secret or a token), the
plan and apply ids, the queue, the object and what changed (a summary), the outcome, the
latency and the org's correlation id. ``read_audit`` reads it back for ``routingkit audit``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from pathlib import Path
from typing import Any

from .journal import state_dir


def audit_path(org_id: str, directory: Path | None = None) -> Path:
    return (directory or state_dir()) / "audit" / f"{org_id}.jsonl"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


def append_audit(org_id: str, entry: dict[str, Any], *, directory: Path | None = None) -> None:
    """Append one line (with ``at`` and ``os_user`` filled in) and flush it to disk."""
    path = audit_path(org_id, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds"),
        "os_user": _os_user(),
        **entry,
    }
    line = json.dumps(record, sort_keys=True, default=str)
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(line + "\n")
        stream.flush()
        os.fsync(stream.fileno())


def read_audit(
    org_id: str | None = None,
    *,
    since: dt.datetime | None = None,
    directory: Path | None = None,
) -> list[dict[str, Any]]:
    """Every entry (of one org, or all), oldest first, from ``since`` on."""
    folder = (directory or state_dir()) / "audit"
    files = [audit_path(org_id, directory)] if org_id else sorted(folder.glob("*.jsonl"))
    entries: list[dict[str, Any]] = []
    for path in files:
        if not path.exists():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                entry = {"at": None, "outcome": f"unreadable line {number} of {path.name}"}
            at = entry.get("at")
            if since is not None and at and dt.datetime.fromisoformat(at) < since:
                continue
            entries.append(entry)
    return sorted(entries, key=lambda e: str(e.get("at") or ""))
