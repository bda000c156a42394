"""Analytics endpoints: conversation aggregates, queue observations and the analytics limits.

Conversation aggregates are computed from the 15-minute rows of the ``intervals`` table (and,
for ``views``, from the ``conversations`` table), with the shapes of the official SDK models
(``ConversationAggregateQueryResponse``). All timer values are milliseconds. Where the real
platform offers more than the sandbox can answer faithfully, the sandbox refuses with a 400 that
says what it supports instead of returning something plausible but wrong:

- ``interval`` must start and end on a 15-minute boundary (UTC epoch multiple of 15 minutes),
  because history is stored per 15-minute interval; it may span at most ``MAX_INTERVAL_DAYS``.
- ``granularity``: PT15M, PT30M, PT1H or P1D. Sub-day buckets start at the interval start and
  step by the granularity; P1D buckets start at local midnights in ``timeZone`` (so DST days are
  23 or 25 hours), the first one at the interval start.
- ``groupBy`` and filter dimensions: queueId, mediaType, direction (always ``inbound``).
  Filter operators: matches, exists, notExists. Only ``groupBy`` queries (no topN/bottomN).
- metrics: ``SUPPORTED_METRICS``; views: rangeBound on tHandle or tWait.
- Metrics are attributed to the interval in which the interaction entered the queue.

Queue observations are synthesised from the ground-truth staffing and arrival rate for the
current local 15-minute slot and the stored queue membership; they are deterministic within a
slot, so two calls a second apart agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import ApiError, bad_request
from .store import INTERVAL_COLUMNS, Store
from .web import in_supported_range, iso, json_body, ok, sandbox

Int64Array = npt.NDArray[np.int64]

# Longest interval one aggregate query may span (days); longer ranges must be split.
MAX_INTERVAL_DAYS = 31
# Most views one aggregate query may ask for (each costs a pass over the conversations).
MAX_VIEWS = 10
# Most predicates (counting those inside clauses) one filter may hold.
MAX_PREDICATES = 100

INTERVAL_EXAMPLE = "2026-10-01T00:00:00.000Z/2026-10-08T00:00:00.000Z"
STORED_INTERVAL_MS = 900_000  # the 15-minute resolution of the intervals table
_MINUTE_MS = 60_000
# ISO-8601 duration -> bucket length in ms; None means calendar days in the query's time zone.
GRANULARITIES: dict[str, int | None] = {
    "PT15M": 15 * _MINUTE_MS,
    "PT30M": 30 * _MINUTE_MS,
    "PT1H": 60 * _MINUTE_MS,
    "P1D": None,
}
DIMENSIONS = ("queueId", "mediaType", "direction")
OPERATORS = ("matches", "exists", "notExists")
COUNT_METRICS = ("nOffered", "nOverSla", "nTransferred")
TIMER_METRICS = (
    "tAnswered", "tAbandon", "tHandle", "tTalk", "tHeld", "tAcw", "tWait", "tAcd", "tAlert",
)  # fmt: skip
SUPPORTED_METRICS = (*COUNT_METRICS, *TIMER_METRICS, "oServiceLevel")
VIEW_TARGETS = ("tHandle", "tWait")
OBSERVATION_METRICS = (
    "oOnQueueUsers", "oActiveUsers", "oMemberUsers", "oOffQueueUsers", "oWaiting",
    "oInteracting", "oAlerting",
)  # fmt: skip
OBSERVATION_DIMENSIONS = ("queueId", "mediaType")
DIRECTION = "inbound"  # the sandbox's history is inbound ACD traffic only
MAX_UTILISATION = 0.95  # observed agents never all busy: someone is always just wrapping up

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_BIG = np.iinfo(np.int64).max


# --- query model ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Predicate:
    """One dimension test; ``value`` is compared exactly (case-sensitive)."""

    dimension: str
    operator: str
    value: str | None

    def test(self, row: Mapping[str, str]) -> bool:
        present = row.get(self.dimension)
        if self.operator == "exists":
            return present is not None
        if self.operator == "notExists":
            return present is None
        return present == self.value


@dataclass(frozen=True)
class Clause:
    """A filter or one of its clauses: ``and``/``or`` over predicates and nested clauses."""

    kind: str
    predicates: tuple[Predicate, ...]
    clauses: tuple[Clause, ...] = ()

    def test(self, row: Mapping[str, str]) -> bool:
        results = [p.test(row) for p in self.predicates] + [c.test(row) for c in self.clauses]
        return all(results) if self.kind == "and" else any(results)

    def all_predicates(self) -> list[Predicate]:
        found = list(self.predicates)
        for clause in self.clauses:
            found.extend(clause.all_predicates())
        return found

    def queue_candidates(self) -> frozenset[str] | None:
        """Queue ids outside which the filter cannot match, or None if it can match any queue.

        Lets the store read only the named queues' rows instead of filtering the whole range.
        """
        sets: list[frozenset[str] | None] = []
        for p in self.predicates:
            if p.dimension != "queueId" or p.operator == "exists":
                sets.append(None)
            elif p.operator == "notExists":
                sets.append(frozenset())  # every stored row has a queue
            else:
                sets.append(frozenset([p.value or ""]))
        sets.extend(c.queue_candidates() for c in self.clauses)
        if self.kind == "and":
            known = [s for s in sets if s is not None]
            return frozenset.intersection(*known) if known else None
        if any(s is None for s in sets):
            return None
        return frozenset().union(*(s for s in sets if s is not None))


@dataclass(frozen=True)
class View:
    """A rangeBound histogram bin over ``target``: values in [gte, lt) milliseconds."""

    name: str
    target: str
    gte: float
    lt: float  # math.inf when open-ended


@dataclass(frozen=True)
class AggregateQuery:
    """A validated ConversationAggregationQuery; instants are epoch milliseconds."""

    start_ms: int
    end_ms: int
    granularity: str | None
    time_zone: ZoneInfo
    group_by: tuple[str, ...]
    filter: Clause | None
    metrics: tuple[str, ...]
    views: tuple[View, ...] = ()


# --- parsing ----------------------------------------------------------------------------------


def _ms(moment: dt.datetime) -> int:
    """Epoch milliseconds of an aware datetime (exact, no float rounding)."""
    return (moment - _EPOCH) // dt.timedelta(milliseconds=1)


def iso_ms(epoch_ms: int) -> str:
    """Epoch milliseconds as the platform's timestamp (UTC, milliseconds, Z)."""
    return iso(_EPOCH + dt.timedelta(milliseconds=epoch_ms))


def _parse_instant(text: str, raw: str) -> dt.datetime:
    cleaned = text.strip()
    if cleaned[-1:] in ("Z", "z"):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(cleaned)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        # A missing offset is refused rather than guessed: UTC vs local changes the answer.
        raise bad_request(
            f"interval {raw!r} is not two ISO-8601 instants with offsets separated by '/'; "
            f"expected e.g. {INTERVAL_EXAMPLE!r}",
            "interval",
        )
    return moment


def parse_interval(raw: Any) -> tuple[int, int]:
    """``"start/end"`` -> (start ms, end ms), checked for order, 15-minute alignment and length."""
    if not isinstance(raw, str) or not raw.strip():
        raise bad_request(
            f"interval is required: 'start/end' as ISO-8601 instants, e.g. {INTERVAL_EXAMPLE!r}",
            "interval",
        )
    parts = raw.split("/")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise bad_request(
            f"interval {raw!r} must be 'start/end', e.g. {INTERVAL_EXAMPLE!r}", "interval"
        )
    start, end = (_parse_instant(p, raw) for p in parts)
    in_supported_range(start, end, "interval")
    if end <= start:
        raise bad_request(f"interval {raw!r} must end after it starts", "interval")
    quarter = dt.timedelta(milliseconds=STORED_INTERVAL_MS)
    if (start - _EPOCH) % quarter or (end - _EPOCH) % quarter:
        raise bad_request(
            f"interval {raw!r}: the sandbox's interval must start and end on a 15-minute "
            "boundary (e.g. 10:00, 10:15), because its history is stored per 15 minutes",
            "interval",
        )
    days = (end - start) / dt.timedelta(days=1)
    if days > MAX_INTERVAL_DAYS:
        shown = f"{days:.1f}" if abs(days * 10 - round(days * 10)) < 1e-9 else f"{days:.2f}"
        raise bad_request(
            f"interval spans {shown} days; the maximum for aggregate queries is "
            f"{MAX_INTERVAL_DAYS} days: split the range",
            "interval",
        )
    return _ms(start), _ms(end)


def parse_time_zone(raw: Any) -> ZoneInfo:
    if raw is None:
        return ZoneInfo("UTC")
    try:
        if not isinstance(raw, str) or not raw:
            raise ValueError(raw)
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad_request(
            f"timeZone {raw!r} is not an IANA time zone name (e.g. 'America/Chicago', 'UTC')",
            "timeZone",
        ) from None


def _string_list(raw: Any, field: str, *, required: bool) -> list[str]:
    """A JSON array of strings, duplicates dropped (order kept)."""
    if raw is None and not required:
        return []
    if raw is None:
        raise bad_request(f"{field} is required: a list of metric names", field)
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise bad_request(f"{field} must be a list of strings", field)
    if required and not raw:
        raise bad_request(f"{field} must name at least one metric", field)
    return list(dict.fromkeys(raw))


def _parse_predicate(raw: Any, path: str, dimensions: Sequence[str]) -> Predicate:
    if not isinstance(raw, dict):
        raise bad_request(f"{path} must be an object", path)
    kind = raw.get("type", "dimension")  # the platform infers "dimension" when omitted
    if kind != "dimension":
        raise bad_request(
            f"{path}.type {kind!r} is not supported by the sandbox; use 'dimension'", path
        )
    dimension = raw.get("dimension")
    if not isinstance(dimension, str) or dimension not in dimensions:
        raise bad_request(
            f"{path}.dimension {dimension!r} is not supported; supported dimensions: "
            + ", ".join(dimensions),
            f"{path}.dimension",
        )
    operator = raw.get("operator", "matches")  # the platform's default operator
    if operator not in OPERATORS:
        raise bad_request(
            f"{path}.operator {operator!r} is not supported; use one of " + ", ".join(OPERATORS),
            f"{path}.operator",
        )
    if "range" in raw:
        raise bad_request(f"{path}.range is not supported by the sandbox", f"{path}.range")
    value = raw.get("value")
    if operator == "matches" and (not isinstance(value, str) or not value):
        raise bad_request(f"{path}.value is required for operator 'matches'", f"{path}.value")
    return Predicate(dimension, operator, value if operator == "matches" else None)


def _parse_clause(raw: Any, path: str, dimensions: Sequence[str], *, nested: bool) -> Clause:
    if not isinstance(raw, dict):
        raise bad_request(f"{path} must be an object", path)
    kind = raw.get("type")
    if kind not in ("and", "or"):
        raise bad_request(f"{path}.type must be 'and' or 'or', got {kind!r}", f"{path}.type")
    raw_predicates = raw.get("predicates") or []
    raw_clauses = [] if nested else raw.get("clauses") or []
    if not isinstance(raw_predicates, list) or not isinstance(raw_clauses, list):
        raise bad_request(f"{path}.predicates and {path}.clauses must be lists", path)
    if not raw_predicates and not raw_clauses:
        raise bad_request(f"{path} needs at least one predicate or clause", path)
    predicates = tuple(
        _parse_predicate(p, f"{path}.predicates[{i}]", dimensions)
        for i, p in enumerate(raw_predicates)
    )
    clauses = tuple(
        _parse_clause(c, f"{path}.clauses[{i}]", dimensions, nested=True)
        for i, c in enumerate(raw_clauses)
    )
    return Clause(kind, predicates, clauses)


def parse_filter(raw: Any, dimensions: Sequence[str]) -> Clause | None:
    if raw is None:
        return None
    clause = _parse_clause(raw, "filter", dimensions, nested=False)
    if len(clause.all_predicates()) > MAX_PREDICATES:
        raise bad_request(
            f"filter has {len(clause.all_predicates())} predicates; the maximum is "
            f"{MAX_PREDICATES}",
            "filter",
        )
    return clause


def _parse_bound(raw: Any, path: str, default: float) -> float:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise bad_request(f"{path} must be a number of milliseconds", path)
    return float(raw)


def parse_views(raw: Any) -> tuple[View, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise bad_request("views must be a list", "views")
    if len(raw) > MAX_VIEWS:
        raise bad_request(
            f"views has {len(raw)} entries; the maximum per query is {MAX_VIEWS}", "views"
        )
    views: list[View] = []
    for i, item in enumerate(raw):
        path = f"views[{i}]"
        if not isinstance(item, dict):
            raise bad_request(f"{path} must be an object", path)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise bad_request(f"{path}.name is required", f"{path}.name")
        if any(v.name == name for v in views):
            raise bad_request(f"{path}.name {name!r} is used by another view", f"{path}.name")
        target = item.get("target")
        if target not in VIEW_TARGETS:
            raise bad_request(
                f"{path}.target {target!r} is not supported by the sandbox; supported: "
                + ", ".join(VIEW_TARGETS),
                f"{path}.target",
            )
        if item.get("function") != "rangeBound":
            raise bad_request(
                f"{path}.function {item.get('function')!r} is not supported; use 'rangeBound'",
                f"{path}.function",
            )
        bounds = item.get("range")
        if not isinstance(bounds, dict):
            raise bad_request(f"{path}.range is required: {{'gte': ms, 'lt': ms}}", f"{path}.range")
        gte = _parse_bound(bounds.get("gte"), f"{path}.range.gte", 0.0)
        lt = _parse_bound(bounds.get("lt"), f"{path}.range.lt", math.inf)
        if lt <= gte:
            raise bad_request(f"{path}.range must have gte < lt", f"{path}.range")
        views.append(View(name, target, gte, lt))
    return tuple(views)


def parse_aggregate_query(body: Any) -> AggregateQuery:
    """Validate a ConversationAggregationQuery body; every refusal is a 400 naming the field."""
    if not isinstance(body, dict):
        raise bad_request("The query must be a JSON object (the request body)", "body")
    start_ms, end_ms = parse_interval(body.get("interval"))
    granularity = body.get("granularity")
    if granularity is not None and (
        not isinstance(granularity, str) or granularity not in GRANULARITIES
    ):
        raise bad_request(
            f"granularity {granularity!r} is not supported by the sandbox; supported: "
            + ", ".join(GRANULARITIES),
            "granularity",
        )
    group_by = _string_list(body.get("groupBy"), "groupBy", required=False)
    for dimension in group_by:
        if dimension not in DIMENSIONS:
            raise bad_request(
                f"groupBy dimension {dimension!r} is not supported; supported dimensions: "
                + ", ".join(DIMENSIONS),
                "groupBy",
            )
    metrics = _string_list(body.get("metrics"), "metrics", required=True)
    for metric in metrics:
        if metric not in SUPPORTED_METRICS:
            raise bad_request(
                f"metric {metric!r} is unknown or not supported by the sandbox; supported: "
                + ", ".join(SUPPORTED_METRICS),
                "metrics",
            )
    query_type = body.get("queryType", "groupBy")
    if query_type != "groupBy":
        raise bad_request(
            f"queryType {query_type!r} is not supported by the sandbox; use 'groupBy'",
            "queryType",
        )
    return AggregateQuery(
        start_ms=start_ms,
        end_ms=end_ms,
        granularity=granularity,
        time_zone=parse_time_zone(body.get("timeZone")),
        group_by=tuple(group_by),
        filter=parse_filter(body.get("filter"), DIMENSIONS),
        metrics=tuple(metrics),
        views=parse_views(body.get("views")),
    )


# --- aggregation ------------------------------------------------------------------------------


def bucket_edges(query: AggregateQuery) -> Int64Array:
    """Bucket boundaries in epoch ms: n buckets give n + 1 edges, first = start, last = end."""
    if query.granularity is None:
        return np.array([query.start_ms, query.end_ms], dtype=np.int64)
    step = GRANULARITIES[query.granularity]
    if step is not None:
        inner = np.arange(query.start_ms, query.end_ms, step, dtype=np.int64)
        return np.append(inner, np.int64(query.end_ms))
    # Calendar days: local midnights. A midnight skipped by DST resolves (PEP 495, fold=0)
    # to the transition instant, which is when that local day really starts.
    zone = query.time_zone
    edges = [query.start_ms]
    day = (_EPOCH + dt.timedelta(milliseconds=query.start_ms)).astimezone(zone).date()
    while True:
        day += dt.timedelta(days=1)
        midnight = _ms(dt.datetime.combine(day, dt.time(0), tzinfo=zone))
        if midnight >= query.end_ms:
            break
        if midnight > edges[-1]:
            edges.append(midnight)
    edges.append(query.end_ms)
    return np.array(edges, dtype=np.int64)


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
    query: AggregateQuery, pairs: Sequence[tuple[str, str]]
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


@dataclass(frozen=True)
class _IntervalTable:
    """The stored 15-minute rows as columns in memory, sorted by start (history is read-only
    once seeded, so it is loaded once per history version: the seed's end date)."""

    version: str
    start: Int64Array
    queue: npt.NDArray[np.str_]
    pair: Int64Array  # index into pairs
    pairs: list[tuple[str, str]]  # (queue id, media type)
    target: npt.NDArray[np.float64]
    matrix: Int64Array  # rows x INTERVAL_COLUMNS
    column: dict[str, int]


_TABLES_LOCK = threading.Lock()


def _interval_table(store: Store) -> _IntervalTable:
    version = "/".join(str(store.get_meta(k)) for k in ("seed", "start_date", "end_date"))
    with _TABLES_LOCK:
        cached = store.cache.get("analytics.intervals")
        if isinstance(cached, _IntervalTable) and cached.version == version:
            return cached
        cursor = store.read().cursor()
        cursor.row_factory = None
        rows = cursor.execute(
            "SELECT queue_id, media_type, start_ms, sl_target, "
            + ", ".join(f'"{c}"' for c in INTERVAL_COLUMNS)
            + " FROM intervals ORDER BY start_ms"
        ).fetchall()
        pair_index: dict[tuple[str, str], int] = {}
        pair = np.fromiter(
            (pair_index.setdefault((r[0], r[1]), len(pair_index)) for r in rows),
            dtype=np.int64,
            count=len(rows),
        )
        table = _IntervalTable(
            version=version,
            start=np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows)),
            queue=np.array([r[0] for r in rows], dtype=str),
            pair=pair,
            pairs=list(pair_index),
            target=np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows)),
            matrix=np.array([r[4:] for r in rows], dtype=np.int64).reshape(len(rows), -1),
            column={c: j for j, c in enumerate(INTERVAL_COLUMNS)},
        )
        store.cache["analytics.intervals"] = table
        return table


def warm(store: Store) -> None:
    """Load the interval table now, so the first query does not pay for it."""
    _interval_table(store)


def _reduce(store: Store, query: AggregateQuery, edges: Int64Array) -> _Buckets | None:
    """Read the stored 15-minute rows of the query and sum them per (group, bucket)."""
    candidates = query.filter.queue_candidates() if query.filter is not None else None
    names = needed_columns(query.metrics)
    table = _interval_table(store)
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
    store: Store, query: AggregateQuery, edges: Int64Array, buckets: _Buckets
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


def aggregate_json(store: Store, query: AggregateQuery) -> str:
    """The ConversationAggregateQueryResponse for a validated query, as compact JSON text.

    Results are ordered by group key, data by interval; intervals without stored rows, and
    data entries without any metric (unless views were asked for), are left out.
    """
    edges = bucket_edges(query)
    buckets = _reduce(store, query, edges)
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


async def post_conversation_aggregates(request: Request) -> Response:
    query = parse_aggregate_query(await json_body(request))
    return Response(aggregate_json(sandbox(request).store, query), media_type="application/json")


# --- queue observations -----------------------------------------------------------------------


def utc_now() -> dt.datetime:
    """The current instant (a function so tests can pin the clock)."""
    return dt.datetime.now(dt.timezone.utc)


def _unit_hash(*parts: object) -> float:
    """A uniform number in [0, 1) fixed by the parts: repeatable noise, no stored state."""
    digest = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def observe_queue(
    truth: Mapping[str, Any] | None,
    members: int,
    joined: int,
    *,
    seed: int,
    queue_id: str,
    local: dt.datetime,
    slot_ms: int,
) -> dict[str, int]:
    """Observation counts for one queue now (``local`` = now in the org's time zone).

    Agents on queue are the ground-truth staffing for the local slot, capped by the joined
    members; utilisation is the true offered load (Erlangs per agent) over them. Waiting and
    alerting get deterministic noise from (seed, queue, 15-minute slot).
    """
    staffing = rate = per_agent_load = 0.0
    if truth is not None:
        weekday, slot = local.weekday(), (local.hour * 60 + local.minute) // 15
        staffing = float(truth["staffing"][weekday][slot])
        rate = float(truth["arrival_rate_per_second"][weekday][slot])
        per_agent_load = rate * float(truth["mean_handle_seconds"]) / float(truth["concurrency"])
    on_queue = int(min(staffing, joined))
    utilisation = min(MAX_UTILISATION, per_agent_load / on_queue) if on_queue else 0.0
    interacting = round(on_queue * utilisation)
    waiting = alerting = 0
    if rate > 0:  # open: arrivals expected in this slot
        # Queues grow sharply as utilisation nears 1; with nobody on queue, everyone waits.
        pressure = utilisation if on_queue else 1.0
        mean_waiting = 3.0 * pressure**3 * max(1.0, math.sqrt(per_agent_load))
        waiting = round(2.0 * mean_waiting * _unit_hash(seed, queue_id, slot_ms, "waiting"))
        if on_queue > interacting:
            alerting = int(_unit_hash(seed, queue_id, slot_ms, "alerting") < 0.5 * utilisation)
    return {
        "oOnQueueUsers": on_queue,
        "oActiveUsers": on_queue,
        "oMemberUsers": members,
        "oOffQueueUsers": members - on_queue,
        "oWaiting": waiting,
        "oInteracting": interacting,
        "oAlerting": alerting,
    }


async def post_queue_observations(request: Request) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("The query must be a JSON object (the request body)", "body")
    metrics = _string_list(body.get("metrics"), "metrics", required=True)
    for metric in metrics:
        if metric not in OBSERVATION_METRICS:
            raise bad_request(
                f"metric {metric!r} is unknown or not supported by the sandbox; supported: "
                + ", ".join(OBSERVATION_METRICS),
                "metrics",
            )
    query_filter = parse_filter(body.get("filter"), OBSERVATION_DIMENSIONS)
    if query_filter is None or not any(
        p.dimension == "queueId" and p.operator == "matches" for p in query_filter.all_predicates()
    ):
        raise bad_request(
            "filter must name at least one queue: "
            "{'type': 'or', 'predicates': [{'dimension': 'queueId', 'value': '<queue id>'}]}",
            "filter",
        )
    sb = sandbox(request)
    truth = {q["queue_id"]: q for q in sb.ground_truth().get("queues", [])}
    db = sb.store.read()
    counts = {
        row[0]: (int(row[1]), int(row[2] or 0))
        for row in db.execute(
            "SELECT queue_id, COUNT(*), SUM(joined) FROM queue_members GROUP BY queue_id"
        )
    }
    now = utc_now()
    local = now.astimezone(ZoneInfo(sb.org.time_zone))
    slot_ms = _ms(now) // STORED_INTERVAL_MS * STORED_INTERVAL_MS
    results: list[dict[str, Any]] = []
    for queue_id in sorted(sb.store.ids("queue")):
        spec = truth.get(queue_id)
        # A queue created after seeding has no traffic model; voice is the platform's default.
        media_type = spec["media_type"] if spec is not None else "voice"
        if not query_filter.test({"queueId": queue_id, "mediaType": media_type}):
            continue
        members, joined = counts.get(queue_id, (0, 0))
        values = observe_queue(
            spec,
            members,
            joined,
            seed=sb.org.seed,
            queue_id=queue_id,
            local=local,
            slot_ms=slot_ms,
        )
        results.append(
            {
                "group": {"queueId": queue_id, "mediaType": media_type},
                "data": [{"metric": m, "stats": {"count": values[m]}} for m in metrics],
            }
        )
    return ok({"results": results})


# --- limits -----------------------------------------------------------------------------------

ANALYTICS_LIMITS = {
    "analytics.aggregates.query.max.interval.days": MAX_INTERVAL_DAYS,
    "analytics.aggregates.query.max.views": MAX_VIEWS,
    "analytics.query.max.filter.predicates": MAX_PREDICATES,
}


async def get_limits_namespace(request: Request) -> Response:
    namespace = request.path_params["namespaceName"]
    if namespace != "analytics":
        raise ApiError(
            404, f"The sandbox publishes no limits for namespace {namespace!r}", "not.found"
        )
    return ok(
        {
            "entities": [
                {"key": key, "namespace": namespace, "value": value}
                for key, value in ANALYTICS_LIMITS.items()
            ]
        }
    )


routes: list[Route] = [
    Route(
        "/api/v2/analytics/conversations/aggregates/query",
        post_conversation_aggregates,
        methods=["POST"],
    ),
    Route("/api/v2/analytics/queues/observations/query", post_queue_observations, methods=["POST"]),
    Route(
        "/api/v2/organizations/limits/namespaces/{namespaceName}",
        get_limits_namespace,
        methods=["GET"],
    ),
]
