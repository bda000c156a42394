"""``fetch_history``: interval history of queues as one tidy DataFrame, cached on disk."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from routingkit.genesys import GenesysClient

from .aggregates import aggregate_query, analytics_limits, post_aggregates, run_tasks, show_progress
from .cache import ANALYTICS_LAG, ChunkCache, ExpectedRows, cache_key, check_lag, misfit, settled
from .intervals import (
    UTC,
    Chunk,
    bucket_edges,
    check_aligned,
    check_granularity,
    check_range,
    epoch_ms,
    instant,
    parse_time_zone,
    split_range,
)
from .media import analytics_media_types
from .selection import QueuesArg, resolve_queues
from .stats import HISTORY_METRICS, parse_results
from .table import COLUMNS, build_table

log = logging.getLogger("routingkit.workload")


def utc_now() -> dt.datetime:
    """The current instant (a function so that tests can move the clock)."""
    return dt.datetime.now(UTC)


@dataclass(frozen=True)
class _Unit:
    """One aggregate query: a chunk of time for a batch of queues."""

    chunk: Chunk
    queue_ids: tuple[str, ...]


def fetch_history(
    client: GenesysClient,
    queues: QueuesArg,
    start: dt.date | dt.datetime,
    end: dt.date | dt.datetime,
    granularity: str = "PT30M",
    media_types: str | Iterable[str] | None = None,
    *,
    time_zone: str = "UTC",
    cache_dir: Path | str | None = None,
    use_cache: bool = True,
    cache_lag: dt.timedelta = ANALYTICS_LAG,
    progress: bool | None = None,
    max_workers: int = 4,
) -> pd.DataFrame:
    """Interval history of ``queues`` over [start, end): one row per interval × queue × media.

    ``queues``: a name (case-insensitive), an id, a Queue model, a list of those, or None /
    ``"all"`` for every queue. ``start``/``end``: dates (local midnight in ``time_zone``) or
    timezone-aware datetimes on the granularity's grid in ``time_zone``. ``granularity``: PT15M,
    PT30M, PT1H or P1D (P1D buckets are local calendar days). ``media_types``: analytics names
    (``voice``, ``chat``, ``email``, ``callback``, ``message``; ``call`` means ``voice``), None
    for all.

    The range is split into day-aligned chunks within the org's
    ``analytics.aggregates.query.max.interval.days`` limit (and queue batches within its filter
    predicate limit); chunks run on up to ``max_workers`` threads. A progress bar shows when
    ``progress`` is True, or when it is None and a terminal or notebook is watching. Settled
    chunks (ended before today in ``time_zone`` and at least ``cache_lag`` ago) are cached as
    Parquet files under ``cache_dir`` (default ``$XDG_CACHE_HOME/routingkit/history`` or
    ``~/.cache/routingkit/history``); ``use_cache=False`` neither reads nor writes it.
    ``cache_lag`` is how long after a chunk's end its analytics may still change; the
    platform's exact lag is unconfirmed, so the default (24 hours) is the safe reading. A
    cached file is used only if its stored request key, checksum and rows match the query;
    any other is ignored with a warning naming it, and fetched and rewritten. The result does
    not depend on the cache, the order chunks finish in, or retried failures.

    Rows: every (queue, media type) pair with data in the range (plus every queue × requested
    media type when ``media_types`` is given) for every interval of the range that has started,
    so series are regular: intervals without traffic have ``offered`` 0 and NaN means. Sorted
    by queue_name, media_type, interval_start, with a RangeIndex. Columns (seconds, counts):

    {columns}
    """
    zone = parse_time_zone(time_zone)
    check_granularity(granularity)
    check_lag(cache_lag, "cache_lag")
    start_utc = instant(start, zone, "start")
    end_utc = instant(end, zone, "end")
    check_range(start_utc, end_utc)
    check_aligned(start_utc, granularity, zone, "start")
    check_aligned(end_utc, granularity, zone, "end")
    media = analytics_media_types(media_types)
    refs = resolve_queues(client, queues)
    limits = analytics_limits(client)
    chunks = split_range(start_utc, end_utc, limits.max_interval_days, zone)
    ids = sorted(r.id for r in refs)
    per_query = max(1, limits.max_predicates - len(media or ()))
    batches = [tuple(ids[i : i + per_query]) for i in range(0, len(ids), per_query)]
    units = [_Unit(c, b) for c in chunks for b in batches]

    now = utc_now()
    cache = ChunkCache(cache_dir) if use_cache else None
    found: dict[int, pd.DataFrame] = {}
    tasks: list[tuple[str, Callable[[], pd.DataFrame]]] = []
    indices: list[int] = []
    for index, unit in enumerate(units):
        key = cache_key(
            {
                "api_url": client.api_url,
                "queue_ids": list(unit.queue_ids),
                "media_types": list(media) if media else None,
                "interval": unit.chunk.interval,
                "granularity": granularity,
                "time_zone": zone.key,
                "metrics": list(HISTORY_METRICS),
            }
        )
        keep = cache is not None and settled(unit.chunk.end, zone, now, cache_lag)
        expected = ExpectedRows(
            bucket_edges(unit.chunk, granularity, zone)[:-1], unit.queue_ids, media
        )
        stored = cache.load(key, expected) if keep and cache is not None else None
        if stored is not None:
            found[index] = stored
            continue
        label = f"the aggregate query for {unit.chunk.interval} ({len(unit.queue_ids)} queues)"
        store = cache if keep else None
        tasks.append(
            (label, _fetcher(client, unit, media, granularity, zone, store, key, expected))
        )
        indices.append(index)
    log.debug("%d of %d chunks from the cache", len(found), len(units))
    fetched = run_tasks(
        tasks,
        max_workers=max_workers,
        progress=show_progress(progress),
        description="analytics",
        already_done=len(found),
    )
    found.update(zip(indices, fetched, strict=True))
    parts = [found[i] for i in range(len(units))]
    stats = pd.concat(parts, ignore_index=True) if parts else parse_results({})
    starts_ms, seconds = _grid(chunks, granularity, zone, before=now)
    return build_table(stats, starts_ms, seconds, refs, media, zone)


def _fetcher(
    client: GenesysClient,
    unit: _Unit,
    media: tuple[str, ...] | None,
    granularity: str,
    zone: ZoneInfo,
    cache: ChunkCache | None,
    key: str,
    expected: ExpectedRows,
) -> Callable[[], pd.DataFrame]:
    """A task fetching one unit, and storing its answer in ``cache`` unless that is None."""

    def fetch() -> pd.DataFrame:
        body = aggregate_query(
            unit.chunk,
            queue_ids=unit.queue_ids,
            media_types=media,
            metrics=HISTORY_METRICS,
            time_zone=zone.key,
            granularity=granularity,
        )
        stats = parse_results(post_aggregates(client, body))
        if cache is not None:
            # A file the next read would refuse is not worth writing; the table built from
            # this answer still checks it (and reports a platform change) as usual.
            problem = misfit(stats, expected)
            if problem is None:
                cache.save(key, stats)
            else:
                log.warning("not caching the answer for %s: %s", unit.chunk.interval, problem)
        return stats

    return fetch


def _grid(
    chunks: list[Chunk], granularity: str, zone: ZoneInfo, *, before: dt.datetime
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Start (epoch ms) and length (s) of every bucket that started before ``before``."""
    edges = [bucket_edges(c, granularity, zone) for c in chunks]
    starts = np.concatenate([e[:-1] for e in edges])
    seconds = np.concatenate([np.diff(e) // 1000 for e in edges])
    # Intervals that have not begun hold no data yet; zero rows for them would read as "quiet".
    started = starts < epoch_ms(before)
    return starts[started], seconds[started]


if fetch_history.__doc__:  # the column list lives in one place, table.COLUMNS
    fetch_history.__doc__ = fetch_history.__doc__.replace(
        "{columns}", "\n    ".join(f"- ``{name}``: {meaning}" for name, meaning in COLUMNS)
    )
