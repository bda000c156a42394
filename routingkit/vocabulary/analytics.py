"""The conversation aggregate query (``ConversationAggregationQuery``) on the wire.

One model for both sides: the workload client builds its query bodies with it
(:meth:`AggregateQuery.to_json`) and the sandbox parses request bodies with it
(:meth:`AggregateQuery.from_json`). Parsing checks the shape the platform documents; what one
side supports beyond that (which metrics, which granularities, interval limits) is that side's
job. Every refusal is a :class:`QueryError` naming the field path. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

# ISO-8601 duration -> bucket length in seconds; None: calendar days in the query's time zone.
GRANULARITY_SECONDS: dict[str, int | None] = {
    "PT15M": 900,
    "PT30M": 1800,
    "PT1H": 3600,
    "P1D": None,
}
OPERATORS = ("matches", "exists", "notExists")
CLAUSE_TYPES = ("and", "or")
INTERVAL_EXAMPLE = "2026-10-01T00:00:00.000Z/2026-10-08T00:00:00.000Z"
_UTC = dt.timezone.utc


class QueryError(ValueError):
    """A query body that does not have the documented shape; ``field`` is the path."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def iso_utc(moment: dt.datetime) -> str:
    """The platform's timestamp form: UTC, milliseconds, Z."""
    return moment.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def interval_text(start: dt.datetime, end: dt.datetime) -> str:
    """The ``interval`` field for [start, end)."""
    return f"{iso_utc(start)}/{iso_utc(end)}"


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
        raise QueryError(
            f"interval {raw!r} is not two ISO-8601 instants with offsets separated by '/'; "
            f"expected e.g. {INTERVAL_EXAMPLE!r}",
            "interval",
        )
    return moment


def parse_interval(raw: str) -> tuple[dt.datetime, dt.datetime]:
    """``"start/end"`` -> the two aware instants, in order."""
    parts = raw.split("/")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise QueryError(
            f"interval {raw!r} must be 'start/end', e.g. {INTERVAL_EXAMPLE!r}", "interval"
        )
    start, end = (_parse_instant(p, raw) for p in parts)
    return start, end


def _string_list(raw: Any, field: str, *, required: bool) -> tuple[str, ...]:
    """A JSON array of strings, duplicates dropped (order kept)."""
    if raw is None and not required:
        return ()
    if raw is None:
        raise QueryError(f"{field} is required: a list of metric names", field)
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        raise QueryError(f"{field} must be a list of strings", field)
    if required and not raw:
        raise QueryError(f"{field} must name at least one metric", field)
    return tuple(dict.fromkeys(raw))


def parse_metrics(raw: Any) -> tuple[str, ...]:
    """The ``metrics`` field: at least one name, duplicates dropped."""
    return _string_list(raw, "metrics", required=True)


def _object(raw: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise QueryError(f"{path} must be an object", path)
    return raw


@dataclass(frozen=True)
class Predicate:
    """One dimension test; ``value`` is compared exactly (case-sensitive)."""

    dimension: str
    operator: str = "matches"
    value: str | None = None

    def test(self, row: Mapping[str, str]) -> bool:
        present = row.get(self.dimension)
        if self.operator == "exists":
            return present is not None
        if self.operator == "notExists":
            return present is None
        return present == self.value

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "dimension",
            "dimension": self.dimension,
            "operator": self.operator,
        }
        if self.value is not None:
            body["value"] = self.value
        return body

    @classmethod
    def from_json(cls, raw: Any, path: str, dimensions: Collection[str]) -> Predicate:
        item = _object(raw, path)
        kind = item.get("type", "dimension")  # the platform infers "dimension" when omitted
        if kind != "dimension":
            raise QueryError(
                f"{path}.type {kind!r} is not supported by the sandbox; use 'dimension'", path
            )
        dimension = item.get("dimension")
        if not isinstance(dimension, str) or dimension not in dimensions:
            raise QueryError(
                f"{path}.dimension {dimension!r} is not supported; supported dimensions: "
                + ", ".join(dimensions),
                f"{path}.dimension",
            )
        operator = item.get("operator", "matches")  # the platform's default operator
        if operator not in OPERATORS:
            raise QueryError(
                f"{path}.operator {operator!r} is not supported; use one of "
                + ", ".join(OPERATORS),
                f"{path}.operator",
            )
        if "range" in item:
            raise QueryError(f"{path}.range is not supported by the sandbox", f"{path}.range")
        value = item.get("value")
        if operator == "matches" and (not isinstance(value, str) or not value):
            raise QueryError(f"{path}.value is required for operator 'matches'", f"{path}.value")
        return cls(dimension, operator, value if operator == "matches" else None)


@dataclass(frozen=True)
class Filter:
    """A filter or one of its clauses: ``and``/``or`` over predicates and nested clauses."""

    type: str
    predicates: tuple[Predicate, ...] = ()
    clauses: tuple[Filter, ...] = ()

    def test(self, row: Mapping[str, str]) -> bool:
        results = [p.test(row) for p in self.predicates] + [c.test(row) for c in self.clauses]
        return all(results) if self.type == "and" else any(results)

    def all_predicates(self) -> list[Predicate]:
        found = list(self.predicates)
        for clause in self.clauses:
            found.extend(clause.all_predicates())
        return found

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type}
        if self.predicates:
            body["predicates"] = [p.to_json() for p in self.predicates]
        if self.clauses:
            body["clauses"] = [c.to_json() for c in self.clauses]
        return body

    @classmethod
    def from_json(
        cls, raw: Any, dimensions: Collection[str], path: str = "filter", *, nested: bool = False
    ) -> Filter:
        """Parse a filter; clauses nest one level (a clause holds predicates only)."""
        item = _object(raw, path)
        kind = item.get("type")
        if kind not in CLAUSE_TYPES:
            raise QueryError(f"{path}.type must be 'and' or 'or', got {kind!r}", f"{path}.type")
        raw_predicates = item.get("predicates") or []
        raw_clauses = [] if nested else item.get("clauses") or []
        if not isinstance(raw_predicates, list) or not isinstance(raw_clauses, list):
            raise QueryError(f"{path}.predicates and {path}.clauses must be lists", path)
        if not raw_predicates and not raw_clauses:
            raise QueryError(f"{path} needs at least one predicate or clause", path)
        predicates = tuple(
            Predicate.from_json(p, f"{path}.predicates[{i}]", dimensions)
            for i, p in enumerate(raw_predicates)
        )
        clauses = tuple(
            cls.from_json(c, dimensions, f"{path}.clauses[{i}]", nested=True)
            for i, c in enumerate(raw_clauses)
        )
        return cls(str(kind), predicates, clauses)


@dataclass(frozen=True)
class View:
    """A rangeBound histogram bin over ``target``: values in [gte, lt) milliseconds."""

    name: str
    target: str
    gte: float = 0.0
    lt: float = math.inf  # open-ended: JSON has no infinity, so ``lt`` is left out

    def to_json(self) -> dict[str, Any]:
        bounds: dict[str, float] = {"gte": self.gte}
        if math.isfinite(self.lt):
            bounds["lt"] = self.lt
        return {"target": self.target, "name": self.name, "function": "rangeBound", "range": bounds}

    @classmethod
    def from_json(cls, raw: Any, path: str) -> View:
        item = _object(raw, path)
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise QueryError(f"{path}.name is required", f"{path}.name")
        target = item.get("target")
        if not isinstance(target, str) or not target:
            raise QueryError(f"{path}.target is required: a metric name", f"{path}.target")
        if item.get("function") != "rangeBound":
            raise QueryError(
                f"{path}.function {item.get('function')!r} is not supported; use 'rangeBound'",
                f"{path}.function",
            )
        bounds = item.get("range")
        if not isinstance(bounds, dict):
            raise QueryError(f"{path}.range is required: {{'gte': ms, 'lt': ms}}", f"{path}.range")
        gte = _bound(bounds.get("gte"), f"{path}.range.gte", 0.0)
        lt = _bound(bounds.get("lt"), f"{path}.range.lt", math.inf)
        if lt <= gte:
            raise QueryError(f"{path}.range must have gte < lt", f"{path}.range")
        return cls(name, target, gte, lt)


def _bound(raw: Any, path: str, default: float) -> float:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise QueryError(f"{path} must be a number of milliseconds", path)
    return float(raw)


def parse_views(raw: Any, max_views: int | None = None) -> tuple[View, ...]:
    """The ``views`` field; names must be unique."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise QueryError("views must be a list", "views")
    if max_views is not None and len(raw) > max_views:
        raise QueryError(
            f"views has {len(raw)} entries; the maximum per query is {max_views}", "views"
        )
    views: list[View] = []
    for i, item in enumerate(raw):
        view = View.from_json(item, f"views[{i}]")
        if any(v.name == view.name for v in views):
            raise QueryError(
                f"views[{i}].name {view.name!r} is used by another view", f"views[{i}].name"
            )
        views.append(view)
    return tuple(views)


@dataclass(frozen=True)
class AggregateQuery:
    """A ConversationAggregationQuery (``queryType`` groupBy) as sent on the wire.

    ``interval`` is ``"start/end"`` (ISO-8601 instants with offsets); ``granularity`` an
    ISO-8601 duration or None for one bucket; ``time_zone`` an IANA name or None (UTC).
    """

    interval: str
    metrics: tuple[str, ...]
    group_by: tuple[str, ...] = ()
    filter: Filter | None = None
    granularity: str | None = None
    time_zone: str | None = None
    views: tuple[View, ...] = ()

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"interval": self.interval}
        if self.time_zone is not None:
            body["timeZone"] = self.time_zone
        body["groupBy"] = list(self.group_by)
        if self.filter is not None:
            body["filter"] = self.filter.to_json()
        body["metrics"] = list(self.metrics)
        if self.granularity is not None:
            body["granularity"] = self.granularity
        if self.views:
            body["views"] = [v.to_json() for v in self.views]
        return body

    @classmethod
    def from_json(
        cls, body: Any, *, dimensions: Collection[str], max_views: int | None = None
    ) -> AggregateQuery:
        """Parse a request body; ``dimensions`` are those groupBy and filter may name."""
        if not isinstance(body, dict):
            raise QueryError("The query must be a JSON object (the request body)", "body")
        interval = body.get("interval")
        if not isinstance(interval, str) or not interval.strip():
            raise QueryError(
                "interval is required: 'start/end' as ISO-8601 instants, "
                f"e.g. {INTERVAL_EXAMPLE!r}",
                "interval",
            )
        parse_interval(interval)
        granularity = body.get("granularity")
        if granularity is not None and not isinstance(granularity, str):
            raise QueryError(
                f"granularity {granularity!r} must be an ISO-8601 duration, one of "
                + ", ".join(GRANULARITY_SECONDS),
                "granularity",
            )
        group_by = _string_list(body.get("groupBy"), "groupBy", required=False)
        for dimension in group_by:
            if dimension not in dimensions:
                raise QueryError(
                    f"groupBy dimension {dimension!r} is not supported; supported dimensions: "
                    + ", ".join(dimensions),
                    "groupBy",
                )
        metrics = parse_metrics(body.get("metrics"))
        query_type = body.get("queryType", "groupBy")
        if query_type != "groupBy":
            raise QueryError(
                f"queryType {query_type!r} is not supported by the sandbox; use 'groupBy'",
                "queryType",
            )
        time_zone = body.get("timeZone")
        if time_zone is not None and (not isinstance(time_zone, str) or not time_zone):
            raise QueryError(
                f"timeZone {time_zone!r} is not an IANA time zone name (e.g. 'America/Chicago', "
                "'UTC')",
                "timeZone",
            )
        raw_filter = body.get("filter")
        return cls(
            interval=interval,
            metrics=metrics,
            group_by=group_by,
            filter=None if raw_filter is None else Filter.from_json(raw_filter, dimensions),
            granularity=granularity,
            time_zone=time_zone,
            views=parse_views(body.get("views"), max_views),
        )
