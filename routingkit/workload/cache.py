"""A disk cache of raw aggregate statistics: one Parquet file per query chunk.

Files are named by a hash of everything that decides a chunk's answer (org URL, queue ids,
media filter, interval, granularity, time zone, metrics, file format). Queue ids are UUIDs
unique across orgs, so the regional API URL plus the ids pins the org. Only settled chunks are
stored: see ``settled``. Writes go to a temporary file that is then renamed into place, so a
reader never sees half a file.

Each file carries, in its Parquet key-value metadata, the key of the request it answers and a
SHA-256 checksum of its rows (``rows_checksum``). A file is used only if it reads as the
expected table, both stored values match the request and the rows, and the rows fit the
request (``misfit``); any other file is ignored with a warning that names it, and the fetch
that follows rewrites it. A file is never trusted on its name alone: a copy, an edit or a
faulty writer cannot change results.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .intervals import local_midnight
from .stats import is_stats_table

log = logging.getLogger("routingkit.workload")

FORMAT_VERSION = 2  # bump when the stored table changes, so old files are not read
# 2: files carry the request key and a checksum of their rows in Parquet key-value metadata.

# How long after a chunk's end its analytics may still change. Conversations that entered
# before the end may still be talking or wrapping up, and the platform computes analytics
# behind real time; a chunk cached too early would keep its incomplete answer for good. The
# platform's exact lag is unconfirmed (the API documentation states none), so the default is
# the safe reading: a whole day after the chunk's end.
ANALYTICS_LAG = dt.timedelta(hours=24)

KEY_FIELD = b"routingkit.request_key"
CHECKSUM_FIELD = b"routingkit.rows_sha256"


def default_directory() -> Path:
    """``$XDG_CACHE_HOME/routingkit/history``, else ``~/.cache/routingkit/history``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "routingkit" / "history"


def check_lag(lag: object, what: str = "cache_lag") -> dt.timedelta:
    """``lag`` if it is a non-negative timedelta; ValueError naming ``what`` otherwise."""
    if not isinstance(lag, dt.timedelta) or lag < dt.timedelta(0):
        raise ValueError(
            f"{what}={lag!r} is not a non-negative datetime.timedelta; give how long after a "
            f"chunk's end its analytics stop changing, e.g. datetime.timedelta(hours=24) "
            f"(the default, {ANALYTICS_LAG!r})"
        )
    return lag


def settled(
    chunk_end: dt.datetime, zone: ZoneInfo, now: dt.datetime, lag: dt.timedelta = ANALYTICS_LAG
) -> bool:
    """Whether a chunk ending at ``chunk_end`` is final, so that it may be cached.

    It is final when it ended at least ``lag`` before ``now`` and before the local day of
    ``now`` in ``zone`` began. ``lag`` is how long after a chunk's end analytics may still
    change (``ANALYTICS_LAG``, 24 hours, by default). The platform's exact analytics lag is
    unconfirmed; analytics for a day can keep changing for a while after it ends, so the
    default is the safe reading. A shorter lag caches sooner, at the risk of freezing a chunk
    whose answer was still incomplete.
    """
    today = local_midnight(now.astimezone(zone).date(), zone)
    return chunk_end <= min(today, now - lag)


def cache_key(spec: Mapping[str, Any]) -> str:
    """A stable hash of a JSON-ready description of a query."""
    text = json.dumps({"format": FORMAT_VERSION, **spec}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def rows_checksum(frame: pd.DataFrame) -> str:
    """SHA-256 of a stats table's columns, row count and values, in a fixed byte form.

    Numbers hash as little-endian bytes of their dtype (int64, float64; NaN included), text as
    JSON, so the same rows give the same checksum before writing and after reading back.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps([list(map(str, frame.columns)), len(frame)]).encode())
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype.kind in "biuf":
            digest.update(values.astype(values.dtype.newbyteorder("<"), copy=False).tobytes())
        else:
            digest.update(json.dumps([str(v) for v in values.tolist()]).encode())
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class ExpectedRows:
    """What the rows of one chunk's answer may hold.

    ``starts_ms``: the chunk's bucket starts (epoch ms, see ``intervals.bucket_edges``), so a
    start outside the chunk or off the granularity's grid does not fit. ``queue_ids`` and
    ``media_types`` (None: any): what the query asked for.
    """

    starts_ms: npt.NDArray[np.int64]
    queue_ids: tuple[str, ...]
    media_types: tuple[str, ...] | None


def misfit(frame: pd.DataFrame, expected: ExpectedRows) -> str | None:
    """Why the rows of ``frame`` cannot be the answer ``expected`` describes, or None."""
    starts = frame["start_ms"].to_numpy(dtype=np.int64)
    off = ~np.isin(starts, expected.starts_ms)
    if off.any():
        first = pd.Timestamp(int(starts[off][0]), unit="ms", tz="UTC").isoformat()
        return (
            f"{int(off.sum())} rows do not start on one of the chunk's intervals (first: "
            f"{first}): they lie outside the chunk or off the granularity's grid"
        )
    queue_ids = frame["queue_id"].to_numpy(dtype=object)
    strangers = sorted(set(queue_ids.tolist()) - set(expected.queue_ids))
    if strangers:
        return f"rows for queue ids the query did not ask for ({', '.join(strangers[:3])})"
    if expected.media_types is not None:
        media = sorted(set(frame["media_type"].to_numpy(dtype=object).tolist()))
        other = [m for m in media if m not in expected.media_types]
        if other:
            return f"rows for media types the query did not ask for ({', '.join(other)})"
    if frame.duplicated(subset=["queue_id", "media_type", "start_ms"]).any():
        return "the same queue, media type and interval appear twice"
    return None


class ChunkCache:
    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.parquet"

    def load(self, key: str, expected: ExpectedRows) -> pd.DataFrame | None:
        """The stored table, or None if absent or not verifiably the answer to ``key``.

        A present file that fails verification is logged as a warning naming the file (the
        cache is at fault, not the API) and treated as absent, so it is fetched and rewritten.
        """
        path = self.path(key)
        if not path.exists():
            return None
        try:
            table = pq.read_table(path)
            metadata: dict[bytes, bytes] = dict(table.schema.metadata or {})
            frame: pd.DataFrame = table.to_pandas()
        except Exception as exc:  # any unreadable file is a miss, never fatal
            log.warning("ignoring unreadable cache file %s (%s); fetching again", path, exc)
            return None
        problem = _verify(frame, metadata, key, expected)
        if problem is not None:
            log.warning(
                "ignoring cache file %s: %s; the file cannot be trusted (damaged, edited, "
                "copied or badly written); fetching the chunk again and rewriting the file",
                path,
                problem,
            )
            return None
        return frame

    def save(self, key: str, frame: pd.DataFrame) -> None:
        """Store atomically, stamped with ``key`` and the rows' checksum; a cache that cannot
        be written costs speed, not the result."""
        path = self.path(key)
        temporary: str | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=self.directory, prefix=f".{key[:16]}.", suffix=".tmp"
            )
            os.close(handle)
            table = pa.Table.from_pandas(frame, preserve_index=False)
            stamp = {KEY_FIELD: key.encode(), CHECKSUM_FIELD: rows_checksum(frame).encode()}
            pq.write_table(
                table.replace_schema_metadata({**(table.schema.metadata or {}), **stamp}),
                temporary,
            )
            os.replace(temporary, path)
            temporary = None
        except OSError as exc:
            log.warning("could not write the cache file %s (%s); continuing without it", path, exc)
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)


def _verify(
    frame: pd.DataFrame, metadata: Mapping[bytes, bytes], key: str, expected: ExpectedRows
) -> str | None:
    """Why a file read as ``frame`` with ``metadata`` is not the answer to ``key``, or None."""
    if not is_stats_table(frame):
        return "not the expected table"
    stored_key, stored_sum = metadata.get(KEY_FIELD), metadata.get(CHECKSUM_FIELD)
    if stored_key is None or stored_sum is None:
        return "it carries no request key and checksum"
    if stored_key.decode(errors="replace") != key:
        return "it was written for another request (its stored key differs from its name)"
    if stored_sum.decode(errors="replace") != rows_checksum(frame):
        return "its rows do not match the checksum stored with them"
    problem = misfit(frame, expected)
    return None if problem is None else f"its rows do not fit the request: {problem}"
