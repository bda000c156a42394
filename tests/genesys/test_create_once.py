"""Queues and skills are created at most once, even when the answer to the POST is lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from client_helpers import client_for

from routingkit.genesys import GenesysClient, TransportError
from routingkit.genesys.models import Queue
from routingkit.sandbox import SandboxServer

SKILLS = "/api/v2/routing/skills"


def _faults(server: SandboxServer, *rules: dict[str, Any], seed: int = 0) -> None:
    answer = server.admin("PUT", "faults", json={"seed": seed, "rules": list(rules)})
    assert answer.status_code == 200, answer.text


def test_a_skill_create_is_not_sent_twice_after_a_dropped_answer(tiny_org: SandboxServer) -> None:
    with client_for(tiny_org) as client:
        _faults(tiny_org, {"pattern": f"POST {SKILLS}", "rate": 1.0, "kinds": ["drop_after"]})
        made = client.people.create_skill("Exactly once")
        assert made.id and made.name == "Exactly once"
        assert [s.id for s in client.people.skills(name="Exactly once")] == [made.id]


def test_skills_created_under_faults_each_exist_once(tiny_org: SandboxServer) -> None:
    """21 creates, about a third of whose answers are lost after the skill was made."""
    assert tiny_org.sandbox is not None
    with client_for(tiny_org) as client:
        before = len(client.people.skills())
        _faults(
            tiny_org, {"pattern": f"POST {SKILLS}", "rate": 0.3, "kinds": ["drop_after"]}, seed=7
        )
        made = [client.people.create_skill(f"Faulty {i:02d}") for i in range(21)]
        lost = tiny_org.sandbox.faults.injected
        _faults(tiny_org)
        assert lost >= 4
        names = sorted(s.name or "" for s in client.people.skills(name="Faulty *"))
        assert names == [f"Faulty {i:02d}" for i in range(21)]
        assert len({s.id for s in made}) == 21
        assert len(client.people.skills()) == before + 21


def test_a_dropped_skill_create_that_never_landed_is_sent_again(tiny_org: SandboxServer) -> None:
    with client_for(tiny_org) as client:
        _faults(tiny_org, {"pattern": f"POST {SKILLS}", "rate": 1.0, "kinds": ["drop"]})
        with pytest.raises(TransportError):  # the second POST is dropped too
            client.people.create_skill("Never lands")
        assert client.people.skills(name="Never lands") == []


def _late_listing_org() -> Callable[[httpx.Request], httpx.Response]:
    """The first POST lands but its answer is lost, and the listing shows it only later."""
    created: list[dict[str, Any]] = []
    posts = 0
    listings = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal posts, listings
        if request.method == "POST":
            posts += 1
            if posts == 1:
                created.append({"id": "first", "name": "Late"})
                raise httpx.RemoteProtocolError("peer closed connection", request=request)
            return httpx.Response(409, json={"code": "general.conflict", "message": "exists"})
        listings += 1
        visible = created if listings > 1 else []
        return httpx.Response(200, json={"entities": visible, "pageCount": 1})

    return handler


@pytest.mark.parametrize("kind", ["queue", "skill"])
def test_a_conflict_on_the_second_post_finds_the_first_by_name(kind: str) -> None:
    client = GenesysClient(
        "https://api.example.test",
        httpx.BasicAuth("u", "p"),
        transport=httpx.MockTransport(_late_listing_org()),
    )
    made = (
        client.queues.create(Queue(name="Late"))
        if kind == "queue"
        else client.people.create_skill("Late")
    )
    assert (made.id, made.name) == ("first", "Late")
