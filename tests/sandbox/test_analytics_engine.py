"""The sandbox's analytics module against its own database, without the rest of the server.

A three-day org with fixed dates (so a daylight-saving day is always covered) is seeded once
per module and served over real HTTP by uvicorn on a free port; the checks compare the
aggregate endpoint with direct SQL over the stored conversations and intervals, with itself at
other granularities, and with the official SDK's response models.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import sqlite3
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse

from routingkit.sandbox import api_analytics
from routingkit.sandbox.analytics_query import queue_candidates
from routingkit.sandbox.analytics_table import IntervalTableCache
from routingkit.sandbox.errors import ApiError, error_body
from routingkit.sandbox.org import OrgSpec, build_org
from routingkit.sandbox.seed import seed_org
from routingkit.sandbox.store import Store

# History covers the local days 7, 8 and 9 March 2026 in America/Chicago; the 8th is the
# 23-hour day on which daylight saving time starts.
END_DATE = dt.date(2026, 3, 10)
DAYS = 3
WHOLE = "2026-03-07T06:00:00.000Z/2026-03-10T05:00:00.000Z"  # local midnight to midnight
WIDE = "2026-03-06T00:00:00Z/2026-03-11T00:00:00Z"  # everything stored, plus empty margins
AGGREGATES = "/api/v2/analytics/conversations/aggregates/query"
OBSERVATIONS = "/api/v2/analytics/queues/observations/query"
TIMER_STATS = ("count", "sum", "min", "max")


class StandInSandbox:
    """The parts of ``service.Sandbox`` the analytics module uses."""

    def __init__(self, store: Store, org: OrgSpec) -> None:
        self.store = store
        self.org = org
        self.analytics = IntervalTableCache()

    def ground_truth(self) -> dict[str, Any]:
        return json.loads(self.store.get_meta("ground_truth") or "{}")  # type: ignore[no-any-return]

    def today(self) -> dt.date:
        return END_DATE


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    body = error_body(exc.status, exc.code, exc.message, str(uuid.uuid4()), exc.details)
    return JSONResponse(body, status_code=exc.status)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> StandInSandbox:
    store = Store(tmp_path_factory.mktemp("analytics") / "org.sqlite3")
    org = build_org(7)
    seed_org(store, org, END_DATE, days=DAYS)
    return StandInSandbox(store, org)


@pytest.fixture(scope="module")
def client(seeded: StandInSandbox) -> Iterator[httpx.Client]:
    app = Starlette(routes=api_analytics.routes, exception_handlers={ApiError: _api_error})
    app.state.sandbox = seeded
    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=lambda: server.run(sockets=[sock]), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # ready when uvicorn says so, not after a fixed sleep
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}", timeout=30) as http:
            yield http
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="module")
def db(seeded: StandInSandbox) -> sqlite3.Connection:
    return seeded.store.read()


def query(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post(AGGREGATES, json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()  # type: ignore[no-any-return]


def refused(client: httpx.Client, url: str, body: Any) -> str:
    response = client.post(url, json=body)
    assert response.status_code == 400, response.text
    error = response.json()
    assert error["code"] == "bad.request"
    return str(error["message"])


def stats(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["metric"]: m["stats"] for m in entry["metrics"]}


def count(entry: dict[str, Any], metric: str) -> int:
    """A count metric or a timer's count; omitted metrics are zero."""
    return int(stats(entry).get(metric, {}).get("count", 0))


def ms(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


# --- totals and consistency -------------------------------------------------------------------


def test_total_offered_equals_stored_conversations(
    client: httpx.Client, db: sqlite3.Connection
) -> None:
    body = query(client, interval=WIDE, metrics=["nOffered", "tAnswered", "tAbandon"])
    [result] = body["results"]
    assert result["group"] == {}
    [entry] = result["data"]
    assert entry["interval"] == "2026-03-06T00:00:00.000Z/2026-03-11T00:00:00.000Z"
    conversations, answered = db.execute(
        "SELECT COUNT(*), SUM(answered) FROM conversations"
    ).fetchone()
    assert conversations > 1000
    assert count(entry, "nOffered") == conversations
    assert count(entry, "tAnswered") == answered
    assert count(entry, "tAbandon") == conversations - answered


def test_timer_stats_equal_sql_over_stored_intervals(
    client: httpx.Client, db: sqlite3.Connection
) -> None:
    body = query(client, interval=WHOLE, groupBy=["queueId"], metrics=["tHandle", "tWait"])
    for result in body["results"]:
        [entry] = result["data"]
        for metric in ("tHandle", "tWait"):
            n, total, low, high = db.execute(
                f'SELECT SUM("{metric}_count"), SUM("{metric}_sum"), '
                f'MIN(CASE WHEN "{metric}_count" > 0 THEN "{metric}_min" END), '
                f'MAX("{metric}_max") FROM intervals WHERE queue_id = ?',
                (result["group"]["queueId"],),
            ).fetchone()
            expected = {"count": n, "sum": float(total), "min": float(low), "max": float(high)}
            assert stats(entry)[metric] == expected


def test_counts_are_consistent_in_every_bucket(client: httpx.Client) -> None:
    body = query(
        client,
        interval=WHOLE,
        granularity="PT1H",
        groupBy=["queueId"],
        metrics=["nOffered", "tAnswered", "tAbandon", "oServiceLevel", "nOverSla"],
    )
    buckets = 0
    for result in body["results"]:
        for entry in result["data"]:
            buckets += 1
            s = stats(entry)
            answered, abandoned = count(entry, "tAnswered"), count(entry, "tAbandon")
            assert count(entry, "nOffered") == answered + abandoned
            assert count(entry, "nOverSla") <= answered
            if "oServiceLevel" in s:
                sl = s["oServiceLevel"]
                assert sl["denominator"] == answered + abandoned > 0
                assert 0 <= sl["numerator"] <= answered
                assert sl["ratio"] == pytest.approx(sl["numerator"] / sl["denominator"])
                assert sl["target"] in (0.8, 0.9)
            else:
                assert answered + abandoned == 0
    assert buckets > 100


def test_buckets_without_data_and_empty_metrics_are_left_out(client: httpx.Client) -> None:
    body = query(client, interval=WIDE, granularity="PT1H", metrics=["nOffered", "tHeld"])
    [result] = body["results"]
    starts = [entry["interval"].split("/")[0] for entry in result["data"]]
    assert starts == sorted(starts)
    # Nothing is stored before the first local day starts (06:00Z on the 7th).
    assert min(starts) >= "2026-03-07T06:00:00.000Z"
    assert len(starts) < 5 * 24
    for entry in result["data"]:
        assert entry["metrics"], "an entry with no metrics should have been omitted"
        for metric in entry["metrics"]:
            assert metric["stats"]["count"] > 0


def test_half_hours_are_sums_of_quarter_hours(client: httpx.Client) -> None:
    metrics = ["nOffered", "tHandle", "tWait", "oServiceLevel"]
    common = {"interval": WHOLE, "groupBy": ["queueId", "mediaType"], "metrics": metrics}
    quarters = query(client, granularity="PT15M", **common)
    halves = query(client, granularity="PT30M", **common)
    half_ms = 30 * 60_000
    expected: dict[tuple[str, int], dict[str, Any]] = defaultdict(
        lambda: {"nOffered": 0, "num": 0.0, "den": 0.0,
                 **{f"{t}.{s}": None for t in ("tHandle", "tWait") for s in TIMER_STATS}}
    )  # fmt: skip
    for result in quarters["results"]:
        for entry in result["data"]:
            start, end = (ms(t) for t in entry["interval"].split("/"))
            assert end - start == 15 * 60_000
            slot = expected[
                (result["group"]["queueId"], start - (start - ms(WHOLE[:24])) % half_ms)
            ]
            s = stats(entry)
            slot["nOffered"] += count(entry, "nOffered")
            if "oServiceLevel" in s:
                slot["num"] += s["oServiceLevel"]["numerator"]
                slot["den"] += s["oServiceLevel"]["denominator"]
            for timer in ("tHandle", "tWait"):
                if timer not in s:
                    continue
                for stat, combine in (("count", sum), ("sum", sum), ("min", min), ("max", max)):
                    name = f"{timer}.{stat}"
                    value = s[timer][stat]
                    slot[name] = value if slot[name] is None else combine((slot[name], value))
    seen: set[tuple[str, int]] = set()
    for result in halves["results"]:
        for entry in result["data"]:
            start, end = (ms(t) for t in entry["interval"].split("/"))
            assert end - start == half_ms
            key = (result["group"]["queueId"], start)
            assert key in expected
            seen.add(key)
            slot, s = expected[key], stats(entry)
            assert count(entry, "nOffered") == slot["nOffered"]
            if slot["den"]:
                assert s["oServiceLevel"]["numerator"] == slot["num"]
                assert s["oServiceLevel"]["denominator"] == slot["den"]
            for timer in ("tHandle", "tWait"):
                if slot[f"{timer}.count"] is None:
                    assert timer not in s
                    continue
                for stat in TIMER_STATS:
                    assert s[timer][stat] == slot[f"{timer}.{stat}"]
    assert seen == set(expected)


def test_calendar_days_start_at_local_midnight(client: httpx.Client) -> None:
    body = query(
        client,
        interval=WIDE,
        granularity="P1D",
        timeZone="America/Chicago",
        metrics=["nOffered"],
    )
    [result] = body["results"]
    intervals = [entry["interval"] for entry in result["data"]]
    assert intervals == [
        "2026-03-07T06:00:00.000Z/2026-03-08T06:00:00.000Z",
        "2026-03-08T06:00:00.000Z/2026-03-09T05:00:00.000Z",  # 23 hours: DST starts
        "2026-03-09T05:00:00.000Z/2026-03-10T05:00:00.000Z",
    ]
    whole = query(client, interval=WIDE, metrics=["nOffered"])
    total = count(whole["results"][0]["data"][0], "nOffered")
    assert sum(count(entry, "nOffered") for entry in result["data"]) == total


def test_first_calendar_day_starts_at_the_interval_start(client: httpx.Client) -> None:
    body = query(
        client,
        interval="2026-03-08T18:00:00.000Z/2026-03-09T18:00:00.000Z",
        granularity="P1D",
        timeZone="America/Chicago",
        metrics=["nOffered"],
    )
    intervals = [entry["interval"] for entry in body["results"][0]["data"]]
    assert intervals == [
        "2026-03-08T18:00:00.000Z/2026-03-09T05:00:00.000Z",
        "2026-03-09T05:00:00.000Z/2026-03-09T18:00:00.000Z",
    ]


def test_utc_days_without_time_zone(client: httpx.Client) -> None:
    body = query(client, interval=WIDE, granularity="P1D", metrics=["nOffered"])
    for entry in body["results"][0]["data"]:
        start, end = entry["interval"].split("/")
        assert start.endswith("T00:00:00.000Z") and end.endswith("T00:00:00.000Z")


# --- grouping and filtering -------------------------------------------------------------------


def test_group_by_queue_media_and_direction(client: httpx.Client, db: sqlite3.Connection) -> None:
    body = query(
        client, interval=WIDE, groupBy=["queueId", "mediaType", "direction"], metrics=["nOffered"]
    )
    stored = {
        (q, m): n
        for q, m, n in db.execute(
            "SELECT queue_id, media_type, COUNT(*) FROM conversations GROUP BY 1, 2"
        )
    }
    got = {}
    for result in body["results"]:
        group = result["group"]
        assert list(group) == ["queueId", "mediaType", "direction"]
        assert group["direction"] == "inbound"
        got[(group["queueId"], group["mediaType"])] = count(result["data"][0], "nOffered")
    assert got == stored
    keys = [tuple(r["group"].values()) for r in body["results"]]
    assert keys == sorted(keys)


def test_group_by_media_type(client: httpx.Client, db: sqlite3.Connection) -> None:
    body = query(client, interval=WIDE, groupBy=["mediaType"], metrics=["nOffered"])
    stored = dict(db.execute("SELECT media_type, COUNT(*) FROM conversations GROUP BY 1"))
    got = {r["group"]["mediaType"]: count(r["data"][0], "nOffered") for r in body["results"]}
    assert got == stored
    assert set(got) == {"voice", "chat", "email", "message", "callback"}


def test_filter_by_queue_id(
    client: httpx.Client, db: sqlite3.Connection, seeded: StandInSandbox
) -> None:
    queue_id = seeded.org.queue_ids["billing_voice"]
    body = query(
        client,
        interval=WIDE,
        groupBy=["queueId"],
        filter={"type": "and", "predicates": [{"dimension": "queueId", "value": queue_id}]},
        metrics=["nOffered"],
    )
    [result] = body["results"]
    assert result["group"] == {"queueId": queue_id}
    expected = db.execute(
        "SELECT COUNT(*) FROM conversations WHERE queue_id = ?", (queue_id,)
    ).fetchone()[0]
    assert count(result["data"][0], "nOffered") == expected


def test_filter_by_media_type_and_clause(
    client: httpx.Client, db: sqlite3.Connection, seeded: StandInSandbox
) -> None:
    ids = seeded.org.queue_ids
    body = query(
        client,
        interval=WIDE,
        metrics=["nOffered"],
        filter={
            "type": "and",
            "predicates": [{"type": "dimension", "dimension": "mediaType", "value": "voice"}],
            "clauses": [
                {
                    "type": "or",
                    "predicates": [
                        {"dimension": "queueId", "operator": "matches", "value": ids[key]}
                        for key in ("support_voice", "support_chat", "sales_voice")
                    ],
                }
            ],
        },
    )
    [result] = body["results"]
    expected = db.execute(
        "SELECT COUNT(*) FROM conversations WHERE queue_id IN (?, ?)",
        (ids["support_voice"], ids["sales_voice"]),
    ).fetchone()[0]
    assert count(result["data"][0], "nOffered") == expected

    chat = query(
        client,
        interval=WIDE,
        groupBy=["queueId"],
        metrics=["nOffered"],
        filter={"type": "or", "predicates": [{"dimension": "mediaType", "value": "chat"}]},
    )
    chat_queues = {ids["support_chat"], ids["technical_chat"]}
    assert {r["group"]["queueId"] for r in chat["results"]} == chat_queues


def test_filter_matching_nothing_gives_no_results(client: httpx.Client) -> None:
    for predicate in (
        {"dimension": "queueId", "value": "00000000-0000-0000-0000-000000000000"},
        {"dimension": "direction", "value": "outbound"},
        {"dimension": "mediaType", "operator": "notExists"},
    ):
        body = query(
            client,
            interval=WIDE,
            metrics=["nOffered"],
            filter={"type": "and", "predicates": [predicate]},
        )
        assert body == {"results": []}


def test_filter_or_across_dimensions(
    client: httpx.Client, db: sqlite3.Connection, seeded: StandInSandbox
) -> None:
    ids = seeded.org.queue_ids
    body = query(
        client,
        interval=WIDE,
        groupBy=["queueId"],
        metrics=["nOffered"],
        filter={
            "type": "or",
            "predicates": [
                {"dimension": "queueId", "value": ids["vip_voice"]},
                {"dimension": "mediaType", "value": "email"},
            ],
        },
    )
    expected = {ids["vip_voice"], ids["support_email"], ids["returns_email"]}
    assert {r["group"]["queueId"] for r in body["results"]} == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"type": "or", "predicates": [{"dimension": "queueId", "value": "a"},
                                       {"dimension": "queueId", "value": "b"}]}, {"a", "b"}),
        ({"type": "or", "predicates": [{"dimension": "queueId", "value": "a"},
                                       {"dimension": "mediaType", "value": "voice"}]}, None),
        ({"type": "and", "predicates": [{"dimension": "mediaType", "value": "voice"}],
          "clauses": [{"type": "or", "predicates": [{"dimension": "queueId", "value": "a"}]}]},
         {"a"}),
        ({"type": "and", "predicates": [{"dimension": "queueId", "value": "a"},
                                        {"dimension": "queueId", "value": "b"}]}, set()),
        ({"type": "and", "predicates": [{"dimension": "queueId", "operator": "notExists"}]},
         set()),
        ({"type": "and", "predicates": [{"dimension": "queueId", "operator": "exists"}]}, None),
    ],
)  # fmt: skip
def test_filter_narrows_the_queues_read(raw: dict[str, Any], expected: set[str] | None) -> None:
    clause = api_analytics.parse_filter(raw, api_analytics.DIMENSIONS)
    assert clause is not None
    assert queue_candidates(clause) == expected


# --- views ------------------------------------------------------------------------------------


def test_views_count_conversations_in_range(
    client: httpx.Client, db: sqlite3.Connection, seeded: StandInSandbox
) -> None:
    queue_id = seeded.org.queue_ids["support_voice"]
    views = [
        {"target": "tHandle", "name": "short", "function": "rangeBound",
         "range": {"gte": 0, "lt": 300_000}},
        {"target": "tWait", "name": "slow", "function": "rangeBound", "range": {"gte": 20_000}},
        {"target": "tWait", "name": "never", "function": "rangeBound",
         "range": {"gte": 10**12}},
    ]  # fmt: skip
    body = query(
        client,
        interval=WHOLE,
        granularity="PT1H",
        metrics=["nOffered"],
        views=views,
        filter={"type": "and", "predicates": [{"dimension": "queueId", "value": queue_id}]},
    )
    totals = {"short": 0, "slow": 0, "never": 0}
    for entry in body["results"][0]["data"]:
        assert [v["name"] for v in entry["views"]] == ["short", "slow", "never"]
        for view in entry["views"]:
            totals[view["name"]] += view["stats"]["count"]
    short, slow = db.execute(
        "SELECT SUM(answered = 1 AND handle_ms < 300000), SUM(wait_ms >= 20000) "
        "FROM conversations WHERE queue_id = ?",
        (queue_id,),
    ).fetchone()
    assert totals == {"short": short, "slow": slow, "never": 0}
    assert short > 0 and slow > 0

    # Every queue in one group: the views still add up over the whole org.
    body = query(client, interval=WIDE, metrics=["nOffered"], views=views[1:2])
    [entry] = body["results"][0]["data"]
    slow_everywhere = db.execute("SELECT COUNT(*) FROM conversations WHERE wait_ms >= 20000")
    assert entry["views"] == [{"name": "slow", "stats": {"count": slow_everywhere.fetchone()[0]}}]


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"metrics": ["nOffered", "nAnswered"]}, "nAnswered"),
        ({"metrics": []}, "metrics"),
        ({"granularity": "P7D"}, "PT15M, PT30M, PT1H, P1D"),
        ({"granularity": ["PT1H"]}, "granularity"),
        ({"interval": "2026-01-01T00:00:00Z/2026-02-15T00:00:00Z"}, "45.0 days"),
        ({"interval": None}, "interval is required"),
        ({"interval": "yesterday/today"}, "2026-10-01T00:00:00.000Z/2026-10-08T00:00:00.000Z"),
        ({"interval": "2026-03-08T00:00:00Z"}, "start/end"),
        ({"interval": "2026-03-08T00:00:00/2026-03-09T00:00:00"}, "offsets"),
        ({"interval": "2026-03-09T00:00:00Z/2026-03-08T00:00:00Z"}, "must end after"),
        ({"interval": "2026-03-08T00:10:00Z/2026-03-09T00:00:00Z"}, "15-minute boundary"),
        ({"timeZone": "Mars/Olympus_Mons"}, "timeZone"),
        ({"groupBy": ["userId"]}, "'userId' is not supported; supported dimensions: queueId"),
        ({"filter": {"type": "and", "predicates": [{"dimension": "userId", "value": "x"}]}},
         "userId"),
        ({"filter": {"type": "xor", "predicates": [{"dimension": "queueId", "value": "x"}]}},
         "filter.type"),
        ({"filter": {"type": "and", "predicates": [{"dimension": "queueId"}]}}, "value"),
        ({"filter": {"type": "and", "predicates": [
            {"dimension": "queueId", "operator": "startsWith", "value": "x"}]}}, "operator"),
        ({"filter": {"type": "and"}}, "at least one predicate"),
        ({"views": [{"target": "tTalk", "name": "v", "function": "rangeBound",
                     "range": {"lt": 1}}]}, "tHandle, tWait"),
        ({"views": [{"target": "tWait", "name": "v", "function": "sum", "range": {}}]},
         "rangeBound"),
        ({"views": [{"target": "tWait", "name": "v", "function": "rangeBound",
                     "range": {"gte": 5, "lt": 5}}]}, "gte < lt"),
        ({"queryType": "topN"}, "queryType"),
    ],
)  # fmt: skip
def test_bad_queries_are_refused(
    client: httpx.Client, change: dict[str, Any], expected: str
) -> None:
    body = {"interval": WHOLE, "metrics": ["nOffered"], **change}
    assert expected in refused(client, AGGREGATES, body)


def test_interval_limit_is_stated_and_enforced(client: httpx.Client) -> None:
    message = refused(
        client,
        AGGREGATES,
        {"interval": "2026-01-01T00:00:00Z/2026-02-15T00:00:00Z", "metrics": ["nOffered"]},
    )
    assert message == (
        "interval spans 45.0 days; the maximum for aggregate queries is 31 days: split the range"
    )
    exactly = query(
        client, interval="2026-02-08T00:00:00+00:00/2026-03-11T00:00:00+00:00", metrics=["tAcd"]
    )
    assert exactly["results"]


def test_missing_body_is_refused(client: httpx.Client) -> None:
    response = client.post(AGGREGATES, content=b"")
    assert response.status_code == 400


# --- observations -----------------------------------------------------------------------------


def pin_clock(monkeypatch: pytest.MonkeyPatch, local: dt.datetime) -> None:
    instant = local.astimezone(dt.timezone.utc)
    monkeypatch.setattr(api_analytics, "utc_now", lambda: instant)


def observe(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(OBSERVATIONS, json=body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_observations_shape_and_relations(
    client: httpx.Client,
    seeded: StandInSandbox,
    db: sqlite3.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chicago = dt.timezone(dt.timedelta(hours=-5))
    pin_clock(monkeypatch, dt.datetime(2026, 3, 9, 10, 20, tzinfo=chicago))  # Monday morning
    ids = seeded.org.queue_ids
    wanted = [ids["support_voice"], ids["support_chat"]]
    metrics = list(api_analytics.OBSERVATION_METRICS)
    body = {
        "filter": {
            "type": "or",
            "predicates": [{"type": "dimension", "dimension": "queueId", "value": q}
                           for q in [*wanted, "no-such-queue"]],
        },
        "metrics": metrics,
        "detailMetrics": ["oWaiting"],
    }  # fmt: skip
    first = observe(client, body)
    groups = {(r["group"]["queueId"], r["group"]["mediaType"]) for r in first["results"]}
    assert groups == {(ids["support_voice"], "voice"), (ids["support_chat"], "chat")}
    for result in first["results"]:
        assert [d["metric"] for d in result["data"]] == metrics
        values = {d["metric"]: d["stats"]["count"] for d in result["data"]}
        assert all(isinstance(v, int) and v >= 0 for v in values.values())
        members = db.execute(
            "SELECT COUNT(*) FROM queue_members WHERE queue_id = ?", (result["group"]["queueId"],)
        ).fetchone()[0]
        assert values["oMemberUsers"] == members
        assert values["oOnQueueUsers"] + values["oOffQueueUsers"] == members
        assert values["oActiveUsers"] == values["oOnQueueUsers"] > 0
        assert 0 < values["oInteracting"] <= values["oOnQueueUsers"]
        assert values["oAlerting"] in (0, 1)
    # Same 15-minute slot: same answer.
    pin_clock(monkeypatch, dt.datetime(2026, 3, 9, 10, 29, tzinfo=chicago))
    assert observe(client, body) == first

    # At night the queues are closed: nobody on queue, nobody waiting.
    pin_clock(monkeypatch, dt.datetime(2026, 3, 9, 3, 0, tzinfo=chicago))
    for result in observe(client, body)["results"]:
        values = {d["metric"]: d["stats"]["count"] for d in result["data"]}
        assert values["oOnQueueUsers"] == values["oWaiting"] == values["oInteracting"] == 0


def test_observations_filter_by_media_type(client: httpx.Client, seeded: StandInSandbox) -> None:
    ids = seeded.org.queue_ids
    body = {
        "filter": {
            "type": "and",
            "predicates": [{"dimension": "mediaType", "value": "voice"}],
            "clauses": [
                {"type": "or", "predicates": [
                    {"dimension": "queueId", "value": ids["support_voice"]},
                    {"dimension": "queueId", "value": ids["support_chat"]}]}
            ],
        },
        "metrics": ["oWaiting"],
    }  # fmt: skip
    results = observe(client, body)["results"]
    assert [r["group"] for r in results] == [
        {"queueId": ids["support_voice"], "mediaType": "voice"}
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"metrics": ["oWaiting"]}, "filter must name at least one queue"),
        ({"metrics": ["oWaiting"], "filter": {"type": "and", "predicates": [
            {"dimension": "mediaType", "value": "voice"}]}}, "at least one queue"),
        ({"metrics": ["oWaiting", "oBogus"], "filter": {"type": "and", "predicates": [
            {"dimension": "queueId", "value": "q"}]}}, "oBogus"),
        ({"metrics": ["oWaiting"], "filter": {"type": "and", "predicates": [
            {"dimension": "direction", "value": "inbound"}]}}, "direction"),
        ({"filter": {"type": "and", "predicates": [{"dimension": "queueId", "value": "q"}]}},
         "metrics"),
    ],
)  # fmt: skip
def test_bad_observation_queries_are_refused(
    client: httpx.Client, body: dict[str, Any], expected: str
) -> None:
    assert expected in refused(client, OBSERVATIONS, body)


# --- limits -----------------------------------------------------------------------------------


def test_analytics_limits(client: httpx.Client) -> None:
    response = client.get("/api/v2/organizations/limits/namespaces/analytics")
    assert response.status_code == 200
    limits = {e["key"]: e for e in response.json()["entities"]}
    interval = limits["analytics.aggregates.query.max.interval.days"]
    assert interval == {
        "key": "analytics.aggregates.query.max.interval.days",
        "namespace": "analytics",
        "value": api_analytics.MAX_INTERVAL_DAYS,
    }
    assert limits["analytics.aggregates.query.max.views"]["value"] == api_analytics.MAX_VIEWS
    missing = client.get("/api/v2/organizations/limits/namespaces/routing")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not.found"


def test_view_limit_matches_published_limit(client: httpx.Client) -> None:
    view = {"target": "tWait", "function": "rangeBound", "range": {"gte": 0}}
    views = [{**view, "name": f"v{i}"} for i in range(api_analytics.MAX_VIEWS + 1)]
    message = refused(
        client, AGGREGATES, {"interval": WHOLE, "metrics": ["nOffered"], "views": views}
    )
    assert f"maximum per query is {api_analytics.MAX_VIEWS}" in message


# --- the official SDK reads the responses -----------------------------------------------------


class FakeSdkResponse:
    """What ``ApiClient.deserialize`` reads from a urllib3 response."""

    def __init__(self, text: str, content_type: str) -> None:
        self.data = text
        self.content_type = content_type

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self.content_type if name.lower() == "content-type" else default


def sdk_read(response: Any, model: str) -> Any:
    sdk = pytest.importorskip("PureCloudPlatformClientV2")
    fake = FakeSdkResponse(response.text, response.headers["content-type"])
    return sdk.ApiClient().deserialize(fake, model)


def test_official_sdk_reads_aggregates_without_loss(client: httpx.Client) -> None:
    views = [{"target": "tHandle", "name": "short", "function": "rangeBound",
              "range": {"lt": 300_000}}]  # fmt: skip
    response = client.post(
        AGGREGATES,
        json={
            "interval": WHOLE,
            "granularity": "P1D",
            "timeZone": "America/Chicago",
            "groupBy": ["queueId", "mediaType"],
            "metrics": ["nOffered", "tHandle", "oServiceLevel"],
            "views": views,
        },
    )
    raw = response.json()
    model = sdk_read(response, "ConversationAggregateQueryResponse")
    assert len(model.results) == len(raw["results"])
    for got, want in zip(model.results, raw["results"], strict=True):
        assert got.group == want["group"]
        for got_data, want_data in zip(got.data, want["data"], strict=True):
            assert got_data.interval == want_data["interval"]
            for metric, expected in zip(got_data.metrics, want_data["metrics"], strict=True):
                assert metric.metric == expected["metric"]
                read = {k: getattr(metric.stats, k) for k in expected["stats"]}
                assert read == expected["stats"]
            assert got_data.views[0].name == "short"
            assert got_data.views[0].stats.count == want_data["views"][0]["stats"]["count"]
    sl = model.results[0].data[0].metrics[2]
    assert sl.metric == "oServiceLevel" and 0 < sl.stats.ratio <= 1


def test_official_sdk_reads_observations_and_limits(
    client: httpx.Client, seeded: StandInSandbox
) -> None:
    queue_id = seeded.org.queue_ids["vip_voice"]
    response = client.post(
        OBSERVATIONS,
        json={
            "filter": {"type": "or", "predicates": [{"dimension": "queueId", "value": queue_id}]},
            "metrics": ["oOnQueueUsers", "oMemberUsers"],
        },
    )
    model = sdk_read(response, "QueueObservationQueryResponse")
    [result] = model.results
    assert result.group == {"queueId": queue_id, "mediaType": "voice"}
    assert [d.metric for d in result.data] == ["oOnQueueUsers", "oMemberUsers"]
    assert result.data[1].stats.count == response.json()["results"][0]["data"][1]["stats"]["count"]

    limits = sdk_read(
        client.get("/api/v2/organizations/limits/namespaces/analytics"), "LimitsEntityListing"
    )
    values = {limit.key: (limit.namespace, limit.value) for limit in limits.entities}
    assert values["analytics.aggregates.query.max.interval.days"] == ("analytics", 31)
