"""Conversation aggregate metrics from the stored 15-minute rows, as the platform reports them.

Results have the shapes of the official SDK models (``ConversationAggregateQueryResponse``);
all timer values are milliseconds. Counts and timers are summed from the ``intervals`` table
(metrics are attributed to the interval in which the interaction entered the queue); ``views``
are counted from the ``conversations`` table.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .analytics_buckets import STORED_INTERVAL_MS, Int64Array, bucket_edges, iso_ms
from .analytics_query import COUNT_METRICS, ConversationQuery, queue_candidates
from .analytics_table import IntervalTable
from .store import Store

DIRECTION = "inbound"  # the sandbox's history is inbound ACD traffic only
_BIG = np.iinfo(np.int64).max


def needed_columns(metrics: Sequence[str]) -> list[str]:
    """The stored columns the metrics are computed from (reading fewer columns is faster)."""
    columns: list[str] = []
    for metric in metrics:
        if metric in COUNT_METRICS:
            columns.append(metric)
        elif metric == "oServiceLevel":
            columns += ["slNumerator", "tAnswered_count", "tAbandon_count"]
        else:
            columns += [f"{metric}_{s}" for s in ("count", "sum", "min", "max")]
    return list(dict.fromkeys(columns))


@dataclass
class _Buckets:
    """Stored rows reduced to one row per (group, bucket), in result order."""

    groups: list[tuple[str, ...]]  # group key values, in groupBy order, sorted
    pair_group: dict[tuple[str, str], int]  # (queue, media) -> group index, for matching pairs
    keys: Int64Array  # group index * n_buckets + bucket index, ascending
    columns: dict[str, int]  # stored column name -> column of ``values``
    values: Int64Array  # (len(keys), len(columns)): sums, or min/max for _min/_max columns
    targets: npt.NDArray[np.float64]  # max service-level target per key


def _matching_groups(
    query: ConversationQuery, pairs: Sequence[tuple[str, str]]
) -> tuple[list[tuple[str, ...]], dict[tuple[str, str], int]]:
    """Sorted group keys, and the group of each (queue, media) pair the filter lets through."""
    matched: dict[tuple[str, str], tuple[str, ...]] = {}
    for queue_id, media_type in pairs:
        values = {"queueId": queue_id, "mediaType": media_type, "direction": DIRECTION}
        if query.filter is None or query.filter.test(values):
            matched[(queue_id, media_type)] = tuple(values[d] for d in query.group_by)
    groups = sorted(set(matched.values()))
    index = {g: i for i, g in enumerate(groups)}
    return groups, {pair: index[g] for pair, g in matched.items()}


def _reduce(table: IntervalTable, query: ConversationQuery, edges: Int64Array) -> _Buckets | None:
    """Read the stored 15-minute rows of the query and sum them per (group, bucket)."""
    candidates = queue_candidates(query.filter) if query.filter is not None else None
    names = needed_columns(query.metrics)
    lo, hi = np.searchsorted(table.start, [query.start_ms, query.end_ms], side="left")
    window = np.arange(lo, hi)
    if candidates is not None:
        if not candidates:
            return None
        window = window[np.isin(table.queue[lo:hi], sorted(candidates))]
    if not window.size:
        return None
    pair_codes, codes = np.unique(table.pair[window], return_inverse=True)
    pair_code = {table.pairs[int(c)]: i for i, c in enumerate(pair_codes)}
    groups, pair_group = _matching_groups(query, list(pair_code))
    if not groups:
        return None
    code_group = np.full(len(pair_code), -1, dtype=np.int64)
    for pair, group in pair_group.items():
        code_group[pair_code[pair]] = group
    row_group = code_group[codes]
    keep = np.flatnonzero(row_group >= 0)
    rows_kept = window[keep]
    starts = table.start[rows_kept]
    targets = table.target[rows_kept]
    wanted = np.array([table.column[c] for c in names], dtype=np.int64)
    matrix = table.matrix[np.ix_(rows_kept, wanted)]
    bucket = np.searchsorted(edges, starts, side="right") - 1
    combined = row_group[keep] * (edges.size - 1) + bucket
    order = np.argsort(combined, kind="stable")
    ordered = combined[order]
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    matrix = matrix[order]
    values = np.add.reduceat(matrix, first, axis=0)
    columns = {c: j for j, c in enumerate(names)}
    for j, name in enumerate(names):
        if name.endswith("_max"):
            values[:, j] = np.maximum.reduceat(matrix[:, j], first)
        elif name.endswith("_min"):
            # A stored min of 0 with count 0 means "no value", not zero: keep it out.
            counted = matrix[:, columns[name[: -len("_min")] + "_count"]] > 0
            low = np.minimum.reduceat(np.where(counted, matrix[:, j], _BIG), first)
            values[:, j] = np.where(low == _BIG, 0, low)
    group_targets = np.maximum.reduceat(targets[order], first)
    return _Buckets(groups, pair_group, ordered[first], columns, values, group_targets)


def _view_counts(
    store: Store, query: ConversationQuery, edges: Int64Array, buckets: _Buckets
) -> Int64Array:
    """Conversations per (key, view) in each view's range, counted by SQLite per 15 minutes."""
    selects: list[str] = []
    params: list[Any] = []
    for view in query.views:
        column, extra = (
            ("handle_ms", "answered = 1 AND ") if view.target == "tHandle" else ("wait_ms", "")
        )
        test = f"{extra}{column} >= ?"
        params.append(view.gte)
        if math.isfinite(view.lt):
            test += f" AND {column} < ?"
            params.append(view.lt)
        selects.append(f"SUM({test})")
    queue_ids = sorted({q for q, _ in buckets.pair_group})
    sql = (
        f"SELECT queue_id, media_type, start_ms / {STORED_INTERVAL_MS} * {STORED_INTERVAL_MS}, "
        + ", ".join(selects)
        + " FROM conversations WHERE start_ms >= ? AND start_ms < ?"
        + f" AND queue_id IN ({', '.join('?' * len(queue_ids))}) GROUP BY 1, 2, 3"
    )
    params += [query.start_ms, query.end_ms, *queue_ids]
    cursor = store.read().cursor()
    cursor.row_factory = None
    rows: list[tuple[Any, ...]] = cursor.execute(sql, params).fetchall()
    counts = np.zeros((buckets.keys.size, len(query.views)), dtype=np.int64)
    if not rows:
        return counts
    group = np.array([buckets.pair_group.get((r[0], r[1]), -1) for r in rows], dtype=np.int64)
    slot = np.array([r[2] for r in rows], dtype=np.int64)
    found = np.array([r[3:] for r in rows], dtype=np.int64).reshape(len(rows), -1)
    key = group * (edges.size - 1) + np.searchsorted(edges, slot, side="right") - 1
    at = np.minimum(np.searchsorted(buckets.keys, key), buckets.keys.size - 1)
    # Only buckets with stored interval rows are reported, so counts elsewhere are dropped.
    hit = (group >= 0) & (buckets.keys[at] == key)
    np.add.at(counts, at[hit], found[hit])
    return counts


def _metric_json(metric: str, buckets: _Buckets) -> list[str | None]:
    """One AggregateMetricData as JSON text per key, None where the platform omits it.

    Written as text rather than dicts for json.dumps: a month of half-hours for every queue
    is a few hundred thousand of these, and formatting them directly is several times faster.
    Timer values are stored as whole milliseconds and rendered as JSON floats ("1234.0").
    """
    col = buckets.columns
    values = buckets.values
    if metric in COUNT_METRICS:
        head = f'{{"metric":"{metric}","stats":{{"count":'
        return [f"{head}{n}}}}}" if n else None for n in values[:, col[metric]].tolist()]
    if metric == "oServiceLevel":
        numerators = values[:, col["slNumerator"]].tolist()
        denominators = values[:, col["tAnswered_count"]] + values[:, col["tAbandon_count"]]
        head = f'{{"metric":"{metric}","stats":{{"ratio":'
        return [
            f'{head}{num / den!r},"numerator":{num}.0,"denominator":{den}.0,"target":{target!r}}}}}'
            if den
            else None
            for num, den, target in zip(
                numerators, denominators.tolist(), buckets.targets.tolist(), strict=True
            )
        ]
    stats = values[:, [col[f"{metric}_{s}"] for s in ("count", "sum", "min", "max")]]
    head = f'{{"metric":"{metric}","stats":{{"max":'
    return [
        f'{head}{high}.0,"min":{low}.0,"count":{n},"sum":{total}.0}}}}' if n else None
        for n, total, low, high in stats.tolist()
    ]


def aggregate_json(store: Store, table: IntervalTable, query: ConversationQuery) -> str:
    """The ConversationAggregateQueryResponse for a validated query, as compact JSON text.

    Results are ordered by group key, data by interval; intervals without stored rows, and
    data entries without any metric (unless views were asked for), are left out.
    """
    edges = bucket_edges(query.start_ms, query.end_ms, query.granularity, query.time_zone)
    buckets = _reduce(table, query, edges)
    if buckets is None:
        return '{"results":[]}'
    n_buckets = edges.size - 1
    bounds = [iso_ms(e) for e in edges.tolist()]
    labels = [f'"interval":"{a}/{b}"' for a, b in itertools.pairwise(bounds)]
    per_metric = [_metric_json(m, buckets) for m in query.metrics]
    views: list[str] | None = None
    if query.views:
        names = [json.dumps(v.name) for v in query.views]
        views = [
            ',"views":['
            + ",".join(
                f'{{"name":{name},"stats":{{"count":{n}}}}}'
                for name, n in zip(names, counts, strict=True)
            )
            + "]"
            for counts in _view_counts(store, query, edges, buckets).tolist()
        ]
    data: dict[int, list[str]] = {}
    for k, (key, fragments) in enumerate(
        zip(buckets.keys.tolist(), zip(*per_metric, strict=True), strict=True)
    ):
        group, bucket = divmod(key, n_buckets)
        metrics = ",".join(f for f in fragments if f is not None)
        if not metrics and views is None:
            continue  # the platform leaves out intervals with nothing to report
        extra = views[k] if views is not None else ""
        data.setdefault(group, []).append(f'{{{labels[bucket]},"metrics":[{metrics}]{extra}}}')
    results = [
        '{"group":'
        + json.dumps(dict(zip(query.group_by, buckets.groups[group], strict=True)))
        + ',"data":['
        + ",".join(entries)
        + "]}"
        for group, entries in data.items()
    ]
    return '{"results":[' + ",".join(results) + "]}"
