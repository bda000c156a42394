"""Limits on what a request may carry, and name filters that match what they say."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from routingkit.sandbox.request_body import MAX_BODY_BYTES
from routingkit.sandbox.schemas import MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH

QUEUES = "/api/v2/routing/queues"


@pytest.fixture()
def scratch(api: httpx.Client) -> Iterator[dict[str, Any]]:
    made = api.post(QUEUES, json={"name": f"Limits {uuid.uuid4().hex[:8]}"})
    assert made.status_code == 200, made.text
    yield made.json()
    api.delete(f"{QUEUES}/{made.json()['id']}")


def test_a_50_mb_description_is_refused_and_never_stored(
    api: httpx.Client, scratch: dict[str, Any]
) -> None:
    body = {"name": scratch["name"], "description": "x" * 50_000_000}
    answer = api.put(f"{QUEUES}/{scratch['id']}", json=body)
    assert answer.status_code == 413
    assert answer.json()["code"] == "request.entity.too.large"
    assert f"{MAX_BODY_BYTES:,}" in answer.json()["message"]
    assert "description" not in api.get(f"{QUEUES}/{scratch['id']}").json()
    listing = api.get(QUEUES, params={"pageSize": 500})
    assert len(listing.content) < MAX_BODY_BYTES


def test_a_chunked_body_is_cut_off_at_the_limit(api: httpx.Client) -> None:
    """Without a Content-Length the limit is enforced while reading."""

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "Chunked", "description": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"y" * 65536
        yield b'"}'

    answer = api.post(QUEUES, content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413, answer.text
    assert api.get(QUEUES, params={"name": "Chunked"}).json()["entities"] == []


def test_queue_name_and_description_lengths_are_capped(
    api: httpx.Client, scratch: dict[str, Any]
) -> None:
    path = f"{QUEUES}/{scratch['id']}"
    longest = {"name": scratch["name"], "description": "d" * MAX_DESCRIPTION_LENGTH}
    assert api.put(path, json=longest).status_code == 200
    too_long = {**longest, "description": longest["description"] + "d"}
    refused = api.put(path, json=too_long)
    assert refused.status_code == 400 and "description" in refused.json()["message"]
    name = scratch["name"] + "n" * (MAX_NAME_LENGTH - len(scratch["name"]) + 1)
    refused = api.put(path, json={"name": name})
    assert refused.status_code == 400 and "name" in refused.json()["message"]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "multipart/form-data", "application/json; charset=latin-1"],
)
def test_json_endpoints_refuse_other_content_types(api: httpx.Client, content_type: str) -> None:
    answer = api.post(
        "/api/v2/routing/skills",
        content=b'{"name": "Typed"}',
        headers={"Content-Type": content_type},
    )
    assert answer.status_code == 415, answer.text
    assert answer.json()["code"] == "unsupported.media.type"


def test_json_with_a_charset_or_a_json_suffix_is_accepted(api: httpx.Client) -> None:
    for content_type in ("application/json; charset=UTF-8", "application/vnd.genesys+json"):
        answer = api.post(
            "/api/v2/users/search",
            content=b'{"query": [{"type": "MATCH_ALL"}], "pageSize": 1}',
            headers={"Content-Type": content_type},
        )
        assert answer.status_code == 200, answer.text


@pytest.fixture()
def lookalikes(api: httpx.Client) -> Iterator[dict[str, str]]:
    """Queues whose names differ only where LIKE would see a wildcard."""
    tag = uuid.uuid4().hex[:6]
    names = [f"{tag} 100% Sales", f"{tag} 100X Sales", f"{tag} a_b", f"{tag} axb"]
    made = {n: api.post(QUEUES, json={"name": n}).json()["id"] for n in names}
    yield made
    for queue_id in made.values():
        api.delete(f"{QUEUES}/{queue_id}")


def _names(api: httpx.Client, path: str, name: str) -> list[str]:
    listing = api.get(path, params={"name": name, "pageSize": 500})
    assert listing.status_code == 200, listing.text
    return [e["name"] for e in listing.json()["entities"]]


def test_percent_and_underscore_in_a_name_filter_match_only_themselves(
    api: httpx.Client, lookalikes: dict[str, str]
) -> None:
    tag = next(iter(lookalikes)).split()[0]
    assert _names(api, QUEUES, f"{tag} 100% Sales") == [f"{tag} 100% Sales"]
    assert _names(api, QUEUES, f"{tag} a_b") == [f"{tag} a_b"]
    assert _names(api, QUEUES, f"{tag} 100%") == []
    assert _names(api, QUEUES, "%") == []
    assert _names(api, QUEUES, "_") == []


def test_star_is_the_only_wildcard(api: httpx.Client, lookalikes: dict[str, str]) -> None:
    tag = next(iter(lookalikes)).split()[0]
    assert _names(api, QUEUES, f"{tag} 100%*") == [f"{tag} 100% Sales"]
    assert _names(api, QUEUES, f"*{tag} a_*") == [f"{tag} a_b"]
    assert sorted(_names(api, QUEUES, f"{tag}*")) == sorted(lookalikes)
    assert sorted(_names(api, QUEUES, f"{tag.upper()}*")) == sorted(lookalikes)  # any case


def test_member_name_search_escapes_wildcards_too(api: httpx.Client) -> None:
    support = api.get(QUEUES, params={"name": "Support - Voice"}).json()["entities"][0]
    members = f"{QUEUES}/{support['id']}/members"
    assert api.get(members, params={"pageSize": 5}).json()["entities"]
    assert api.get(members, params={"name": "%"}).json()["entities"] == []
    assert api.get(members, params={"name": "_"}).json()["entities"] == []
    first = api.get(members, params={"pageSize": 1}).json()["entities"][0]["name"]
    found = api.get(members, params={"name": first[1:-1]}).json()["entities"]
    assert first in [m["name"] for m in found]


def test_descending_order_reverses_the_listing(api: httpx.Client) -> None:
    ascending = _names(api, QUEUES, "*")
    params = {"name": "*", "pageSize": 500, "sortOrder": "desc"}
    descending = [e["name"] for e in api.get(QUEUES, params=params).json()["entities"]]
    assert descending == ascending[::-1] and len(ascending) > 1
