"""One model of the aggregate query: what the workload client sends, the sandbox parses."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from routingkit.sandbox.analytics_query import DIMENSIONS, parse_aggregate_query
from routingkit.sandbox.errors import ApiError
from routingkit.vocabulary.analytics import AggregateQuery, Filter, Predicate, View
from routingkit.workload.aggregates import aggregate_query
from routingkit.workload.intervals import Chunk

UTC = dt.timezone.utc
CHUNK = Chunk(dt.datetime(2026, 3, 7, 6, tzinfo=UTC), dt.datetime(2026, 3, 10, 5, tzinfo=UTC))


def client_body() -> dict[str, Any]:
    return aggregate_query(
        CHUNK,
        queue_ids=["q1", "q2"],
        media_types=["voice"],
        metrics=["nOffered", "tHandle", "oServiceLevel"],
        time_zone="America/Chicago",
        granularity="PT30M",
        views=[
            {"target": "tWait", "name": "short", "function": "rangeBound",
             "range": {"gte": 0.0, "lt": 20_000.0}},
            {"target": "tWait", "name": "long", "function": "rangeBound",
             "range": {"gte": 20_000.0}},
        ],
    )  # fmt: skip


def test_the_clients_query_body_round_trips_through_the_shared_model() -> None:
    body = client_body()
    assert AggregateQuery.from_json(body, dimensions=DIMENSIONS).to_json() == body


def test_the_sandbox_parses_the_clients_query_body() -> None:
    query = parse_aggregate_query(client_body())
    assert (query.start_ms, query.end_ms) == (1772863200000, 1773118800000)
    assert query.granularity == "PT30M" and query.time_zone.key == "America/Chicago"
    assert query.group_by == ("queueId", "mediaType")
    assert query.metrics == ("nOffered", "tHandle", "oServiceLevel")
    assert query.filter == Filter(
        "and",
        clauses=(
            Filter(
                "or", (Predicate("queueId", "matches", "q1"), Predicate("queueId", "matches", "q2"))
            ),
            Filter("or", (Predicate("mediaType", "matches", "voice"),)),
        ),
    )
    assert query.views == (
        View("short", "tWait", 0.0, 20_000.0),
        View("long", "tWait", 20_000.0, math.inf),
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"interval": "2026-03-07T06:00:00Z"}, "interval"),
        ({"granularity": "P7D"}, "granularity"),
        ({"timeZone": "Mars/Olympus_Mons"}, "timeZone"),
        ({"groupBy": ["userId"]}, "groupBy"),
        ({"metrics": ["nBogus"]}, "metrics"),
        ({"filter": {"type": "and", "clauses": [{"type": "or", "predicates": [
            {"dimension": "queueId"}]}]}}, "filter.clauses[0].predicates[0].value"),
        ({"views": [{"target": "tWait", "name": "v", "function": "rangeBound",
                     "range": {"gte": 0, "lt": "soon"}}]}, "views[0].range.lt"),
        ({"views": [{"target": "tTalk", "name": "v", "function": "rangeBound",
                     "range": {"gte": 0}}]}, "views[0].target"),
    ],
)  # fmt: skip
def test_a_bad_query_is_a_400_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_aggregate_query({**client_body(), **change})
    assert caught.value.status == 400
    assert [d["fieldName"] for d in caught.value.details] == [field]
