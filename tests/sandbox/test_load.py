"""A bounded load on loopback: simple GETs and mixed writes from several threads at once.

About 2,000 requests in all; it stops by itself. What is asserted is correctness under load
(no 5xx, no write lost, no deleted queue back); the GETs/s are printed, not asserted, since
the machine is shared (benchmarks/bench_sandbox_load.py measures them properly).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sandbox_helpers import login

from routingkit.sandbox import SandboxServer, running_sandbox

QUEUES = "/api/v2/routing/queues"
READERS, GETS_PER_READER = 4, 300
WRITERS, QUEUES_PER_WRITER = 3, 15


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("load") / "org.sqlite3"
    with running_sandbox(Path(db), days=2, rate_limit_per_minute=1_000_000) as running:
        yield running


@dataclass
class Outcome:
    """What one writer thread believes it left behind."""

    kept: dict[str, str] = field(default_factory=dict)  # queue id -> last description written
    deleted: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)


def _write(client: httpx.Client, user_ids: list[str], outcome: Outcome) -> None:
    def expect(response: httpx.Response, status: int) -> None:
        if response.status_code != status:
            outcome.unexpected.append(f"{response.request.method} {response.status_code}")

    for i in range(QUEUES_PER_WRITER):
        name = f"Load {uuid.uuid4().hex[:10]}"
        made = client.post(QUEUES, json={"name": name})
        expect(made, 200)
        queue_id = made.json()["id"]
        for n in range(3):
            description = f"{name} v{n}"
            expect(
                client.put(f"{QUEUES}/{queue_id}", json={"name": name, "description": description}),
                200,
            )
        members = [{"id": u} for u in user_ids]
        expect(client.post(f"{QUEUES}/{queue_id}/members", json=members), 204)
        if i % 2:
            expect(client.delete(f"{QUEUES}/{queue_id}"), 204)
            outcome.deleted.append(queue_id)
        else:
            outcome.kept[queue_id] = description


def test_bounded_load_loses_nothing_and_resurrects_nothing(server: SandboxServer) -> None:
    headers = {"Authorization": f"Bearer {login(server)}"}

    def client() -> httpx.Client:
        return httpx.Client(base_url=server.url, headers=headers, timeout=30)

    with client() as setup:
        target = setup.get(QUEUES).json()["entities"][0]["id"]
        user_ids = [
            u["id"] for u in setup.get("/api/v2/users", params={"pageSize": 5}).json()["entities"]
        ]
    statuses: list[int] = []
    outcomes = [Outcome() for _ in range(WRITERS)]

    def read() -> None:
        with client() as c:
            statuses.extend(c.get(f"{QUEUES}/{target}").status_code for _ in range(GETS_PER_READER))

    def write(outcome: Outcome) -> None:
        with client() as c:
            _write(c, user_ids, outcome)

    threads = [threading.Thread(target=read) for _ in range(READERS)]
    threads += [threading.Thread(target=write, args=(o,)) for o in outcomes]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - started
    assert not any(t.is_alive() for t in threads), "the load did not finish in 120 s"
    print(
        f"\n{len(statuses)} GETs and {WRITERS * QUEUES_PER_WRITER * 6} writes in {elapsed:.2f} s: "
        f"{len(statuses) / elapsed:,.0f} GETs/s alongside the writes (threads in the server's "
        "process; see benchmarks/bench_sandbox_load.py for the server's own figure)"
    )

    assert statuses == [200] * READERS * GETS_PER_READER
    assert [u for o in outcomes for u in o.unexpected] == []
    kept = {q: d for o in outcomes for q, d in o.kept.items()}
    deleted = [q for o in outcomes for q in o.deleted]
    with client() as check:
        lost = [
            q for q, d in kept.items() if check.get(f"{QUEUES}/{q}").json().get("description") != d
        ]
        resurrected = [q for q in deleted if check.get(f"{QUEUES}/{q}").status_code != 404]
        listed = {q["id"] for q in check.get(QUEUES, params={"pageSize": 500}).json()["entities"]}
        members = {q: check.get(f"{QUEUES}/{q}").json()["memberCount"] for q in kept}
    assert lost == [] and resurrected == []
    assert set(kept) <= listed and not set(deleted) & listed
    assert set(members.values()) == {len(user_ids)}
