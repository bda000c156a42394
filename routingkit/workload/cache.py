"""A disk cache of raw aggregate statistics: one Parquet file per query chunk.

Files are named by a hash of everything that decides a chunk's answer (org URL, queue ids,
media filter, interval, granularity, time zone, metrics, file format). Queue ids are UUIDs
unique across orgs, so the regional API URL plus the ids pins the org. Only settled chunks are
stored: see ``settled``. Writes go to a temporary file that is then renamed into place, so a
reader never sees half a file; a file that cannot be read as the expected table is ignored
(and replaced by the next fetch), never trusted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from .intervals import local_midnight
from .stats import is_stats_table

log = logging.getLogger("routingkit.workload")

FORMAT_VERSION = 1  # bump when the stored table changes, so old files are not read
# Conversations that entered before a chunk's end may still be talking or wrapping up, and the
# platform's analytics lag behind real time: data younger than this may still change.
SETTLE = dt.timedelta(hours=2)


def default_directory() -> Path:
    """``$XDG_CACHE_HOME/routingkit/history``, else ``~/.cache/routingkit/history``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "routingkit" / "history"


def settled(chunk_end: dt.datetime, zone: ZoneInfo, now: dt.datetime) -> bool:
    """Whether a chunk ending at ``chunk_end`` is final: it ended before today (local time in
    ``zone``) and at least ``SETTLE`` ago."""
    today = local_midnight(now.astimezone(zone).date(), zone)
    return chunk_end <= min(today, now - SETTLE)


def cache_key(spec: Mapping[str, Any]) -> str:
    """A stable hash of a JSON-ready description of a query."""
    text = json.dumps({"format": FORMAT_VERSION, **spec}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class ChunkCache:
    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.parquet"

    def load(self, key: str) -> pd.DataFrame | None:
        """The stored table, or None if absent or unreadable."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            frame = pd.read_parquet(path, engine="pyarrow")
        except Exception as exc:  # any unreadable file is a miss, never fatal
            log.warning("ignoring unreadable cache file %s (%s); fetching again", path, exc)
            return None
        if not is_stats_table(frame):
            log.warning("ignoring cache file %s: not the expected table; fetching again", path)
            return None
        return frame

    def save(self, key: str, frame: pd.DataFrame) -> None:
        """Store atomically; a cache that cannot be written costs speed, not the result."""
        path = self.path(key)
        temporary: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=self.directory, prefix=f".{key[:16]}.", suffix=".tmp"
            )
            os.close(handle)
            frame.to_parquet(temporary, engine="pyarrow", index=False)
            os.replace(temporary, path)
            temporary = None
        except OSError as exc:
            log.warning("could not write the cache file %s (%s); continuing without it", path, exc)
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
