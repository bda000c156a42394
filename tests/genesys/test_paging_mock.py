"""Paging styles the sandbox does not serve, on httpx.MockTransport (the real client code)."""

from __future__ import annotations

import httpx

from routingkit.genesys import GenesysClient


def _client(handler: object) -> GenesysClient:
    return GenesysClient(
        "https://api.example.test",
        httpx.BasicAuth("u", "p"),
        transport=httpx.MockTransport(handler),
    )  # type: ignore[arg-type]


def test_cursor_paging_follows_after_and_keeps_filters() -> None:
    seen: list[dict[str, str]] = []
    pages = {None: (["a", "b"], "c1"), "c1": (["c", "d"], "c2"), "c2": (["e"], None)}

    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        seen.append(params)
        names, cursor = pages[params.get("after")]
        body: dict[str, object] = {"entities": [{"name": n} for n in names]}
        if cursor:
            body["nextUri"] = f"/api/v2/routing/skillgroups?after={cursor}&name=Sales*"
        return httpx.Response(200, json=body)

    items = list(
        _client(handler).paginate_cursor(
            "/api/v2/routing/skillgroups", {"name": "Sales*"}, page_size=2
        )
    )
    assert [i["name"] for i in items] == ["a", "b", "c", "d", "e"]
    assert all(p["name"] == "Sales*" and p["pageSize"] == "2" for p in seen)
    assert [p.get("after") for p in seen] == [None, "c1", "c2"]


def test_cursor_from_the_body_for_job_results() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        if cursor is None:
            return httpx.Response(200, json={"entities": [{"id": 1}], "cursor": "next"})
        return httpx.Response(200, json={"entities": [{"id": 2}]})

    client = _client(handler)
    items = list(client.paginate_cursor("/api/v2/audits/query/x/results", cursor_param="cursor"))
    assert [i["id"] for i in items] == [1, 2]


def test_page_number_paging_stops_at_page_count() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["pageNumber"])
        calls.append(number)
        return httpx.Response(200, json={"entities": [{"n": number}], "pageCount": 3})

    assert [e["n"] for e in _client(handler).paginate("/api/v2/x", page_size=1)] == [1, 2, 3]
    assert calls == [1, 2, 3]
