"""Histograms of handle or wait time from the API's range-bound ``views``."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from routingkit.genesys import GenesysClient

from .aggregates import aggregate_query, analytics_limits, post_aggregates, run_tasks, show_progress
from .intervals import (
    check_aligned,
    check_range,
    instant,
    parse_time_zone,
    split_range,
)
from .media import analytics_media_types
from .selection import QueueArg, resolve_queues

# Bin edges in seconds; the last bin is open-ended. Twelve bins: two queries per chunk at the
# usual limit of ten views per query.
DEFAULT_BINS_SECONDS: tuple[float, ...] = (
    0, 30, 60, 120, 180, 240, 300, 420, 600, 900, 1200, 1800, math.inf,
)  # fmt: skip
DISTRIBUTION_METRICS = ("tHandle", "tWait")


def handle_time_distribution(
    client: GenesysClient,
    queue: QueueArg,
    start: dt.date | dt.datetime,
    end: dt.date | dt.datetime,
    *,
    bins_seconds: Sequence[float] = DEFAULT_BINS_SECONDS,
    metric: str = "tHandle",
    media_types: str | Iterable[str] | None = None,
    time_zone: str = "UTC",
    progress: bool | None = None,
    max_workers: int = 4,
) -> pd.DataFrame:
    """How many of one queue's conversations fell in each bin of ``metric`` over [start, end).

    ``bins_seconds`` are increasing bin edges in seconds (the last may be ``math.inf``); bin i
    is [edge i, edge i+1). ``metric``: ``tHandle`` (handled conversations) or ``tWait`` (time
    queued, answered and abandoned alike). ``start``/``end`` as for ``fetch_history``, on
    quarter hours. Queries are split by the org's interval limit and its limit on views per
    query (``analytics.aggregates.query.max.views``).

    Columns: ``lower_seconds``, ``upper_seconds``, ``count``, ``share`` (count over every
    conversation with the metric in the range, so shares sum to less than 1 when the bins do
    not cover all values; NaN when there were none) and ``cumulative_share``.
    """
    if metric not in DISTRIBUTION_METRICS:
        raise ValueError(
            f"metric {metric!r} is not supported; use one of {', '.join(DISTRIBUTION_METRICS)}"
        )
    edges = _edges(bins_seconds)
    zone = parse_time_zone(time_zone)
    start_utc, end_utc = instant(start, zone, "start"), instant(end, zone, "end")
    check_range(start_utc, end_utc)
    check_aligned(start_utc, "PT15M", zone, "start")
    check_aligned(end_utc, "PT15M", zone, "end")
    media = analytics_media_types(media_types)
    refs = resolve_queues(client, queue)
    if len(refs) != 1:
        raise ValueError(f"queue must name one queue; it names {len(refs)}")
    limits = analytics_limits(client)
    views = [
        {
            "target": metric,
            "name": f"bin{i}",
            "function": "rangeBound",
            # JSON has no infinity: an open upper end is an absent ``lt``
            "range": {
                "gte": low * 1000.0,
                **({"lt": high * 1000.0} if math.isfinite(high) else {}),
            },
        }
        for i, (low, high) in enumerate(itertools.pairwise(edges))
    ]
    index = {str(v["name"]): i for i, v in enumerate(views)}
    per_query = max(1, limits.max_views)
    tasks: list[tuple[str, Callable[[], dict[str, Any]]]] = []
    # Every view batch of a chunk repeats the metric; its total is taken from the first only.
    counts_total: list[bool] = []
    for chunk in split_range(start_utc, end_utc, limits.max_interval_days, zone):
        for first in range(0, len(views), per_query):
            body = aggregate_query(
                chunk,
                queue_ids=[refs[0].id],
                media_types=media,
                metrics=[metric],
                time_zone=zone.key,
                group_by=("queueId",),
                views=views[first : first + per_query],
            )
            tasks.append((f"the {metric} views for {chunk.interval}", _poster(client, body)))
            counts_total.append(first == 0)
    answers = run_tasks(
        tasks, max_workers=max_workers, progress=show_progress(progress), description="views"
    )
    counts = np.zeros(len(views), dtype=np.int64)
    total = 0
    for answer, with_total in zip(answers, counts_total, strict=True):
        for result in answer.get("results") or []:
            for entry in result.get("data") or []:
                for view in entry.get("views") or []:
                    counts[index[view["name"]]] += _count(view)
                if with_total:
                    total += sum(
                        _count(m) for m in entry.get("metrics") or [] if m.get("metric") == metric
                    )
    share = counts / total if total else np.full(len(views), np.nan)
    table: pd.DataFrame = pd.DataFrame(
        {
            "lower_seconds": np.asarray(edges[:-1], dtype=np.float64),
            "upper_seconds": np.asarray(edges[1:], dtype=np.float64),
            "count": counts,
            "share": share,
            "cumulative_share": np.cumsum(share),
        }
    )
    return table


def _count(item: dict[str, Any]) -> int:
    """The ``stats.count`` of a view or metric entry (the platform omits zero counts)."""
    return int((item.get("stats") or {}).get("count") or 0)


def _poster(client: GenesysClient, body: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    return lambda: post_aggregates(client, body)


def _edges(bins_seconds: Sequence[float]) -> list[float]:
    edges = [float(b) for b in bins_seconds]
    if len(edges) < 2:
        raise ValueError(f"bins_seconds {tuple(bins_seconds)} needs at least two edges")
    if edges[0] < 0 or any(math.isnan(e) for e in edges):
        raise ValueError(f"bins_seconds {tuple(bins_seconds)} must be >= 0 and not NaN")
    for i, (low, high) in enumerate(itertools.pairwise(edges)):
        if high <= low:
            raise ValueError(
                f"bins_seconds must increase; edge {i + 1} ({high}) is not above edge {i} ({low})"
            )
    return edges
