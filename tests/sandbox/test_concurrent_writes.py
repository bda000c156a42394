"""Writes that race each other on loopback: nothing deleted comes back, nothing is orphaned,
and a client that stalls mid-body holds no one else up.

Each race is bounded (a fixed number of rounds, a few seconds in all). The deliberate races
send a write's body in two parts and run the competing DELETE between them: the window in which
a handler that checked the store before reading its body would act on a stale check.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox_helpers import login

from routingkit.sandbox import SandboxServer, running_sandbox
from routingkit.sandbox.request_body import BODY_TIMEOUT_SECONDS

QUEUES = "/api/v2/routing/queues"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("races") / "org.sqlite3"
    with running_sandbox(Path(db), days=2, rate_limit_per_minute=1_000_000) as running:
        yield running


@pytest.fixture(scope="module")
def headers(server: SandboxServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {login(server)}"}


def _client(server: SandboxServer, headers: dict[str, str]) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=headers, timeout=30)


def _new_queue(client: httpx.Client) -> str:
    made = client.post(QUEUES, json={"name": f"Race {uuid.uuid4().hex[:10]}"})
    assert made.status_code == 200, made.text
    return str(made.json()["id"])


def _split_body_racing(
    client: httpx.Client,
    method: str,
    path: str,
    body: Any,
    competitor: Callable[[], None],
) -> httpx.Response:
    """Send ``body`` in two parts and run ``competitor`` after the first part has gone out."""
    raw = json.dumps(body).encode()
    first_sent, competitor_done = threading.Event(), threading.Event()

    def parts() -> Iterator[bytes]:
        yield raw[:5]
        first_sent.set()
        competitor_done.wait(10)
        yield raw[5:]

    def race() -> None:
        first_sent.wait(10)
        time.sleep(0.05)  # let the server start on the request whose body is unfinished
        competitor()
        competitor_done.set()

    racer = threading.Thread(target=race)
    racer.start()
    try:
        return client.request(
            method, path, content=parts(), headers={"Content-Type": "application/json"}
        )
    finally:
        racer.join()


def _queue_ids(server: SandboxServer) -> set[str]:
    assert server.sandbox is not None
    return server.sandbox.store.ids("queue")


def test_put_racing_delete_never_resurrects_a_queue(
    server: SandboxServer, headers: dict[str, str]
) -> None:
    deleted: list[str] = []
    with _client(server, headers) as writer, _client(server, headers) as deleter:
        # Deliberate races: the DELETE lands while the PUT's body is still arriving.
        for _ in range(10):
            queue_id = _new_queue(writer)

            def delete(queue_id: str = queue_id) -> None:
                assert deleter.delete(f"{QUEUES}/{queue_id}").status_code == 204

            put = _split_body_racing(
                writer, "PUT", f"{QUEUES}/{queue_id}", {"name": f"Put {queue_id}"}, delete
            )
            assert put.status_code == 404, put.text
            deleted.append(queue_id)

        # Natural races: PUT and DELETE of the same queue at the same moment, 100 times.
        def put_then_nothing(queue_id: str) -> int:
            return writer.put(f"{QUEUES}/{queue_id}", json={"name": f"Put {queue_id}"}).status_code

        with ThreadPoolExecutor(2) as pool:
            for _ in range(100):
                queue_id = _new_queue(writer)
                put = pool.submit(put_then_nothing, queue_id)
                gone = pool.submit(deleter.delete, f"{QUEUES}/{queue_id}")
                assert put.result() in (200, 404)
                assert gone.result().status_code == 204
                deleted.append(queue_id)

        resurrected = [q for q in deleted if writer.get(f"{QUEUES}/{q}").status_code != 404]
        assert resurrected == []
        assert not set(deleted) & _queue_ids(server)


def test_member_adds_racing_a_queue_delete_leave_no_orphan_rows(
    server: SandboxServer, headers: dict[str, str]
) -> None:
    assert server.sandbox is not None
    with _client(server, headers) as writer, _client(server, headers) as deleter:
        users = writer.get("/api/v2/users", params={"pageSize": 20}).json()["entities"]
        members = [{"id": u["id"]} for u in users]
        for _ in range(10):
            queue_id = _new_queue(writer)

            def delete(queue_id: str = queue_id) -> None:
                assert deleter.delete(f"{QUEUES}/{queue_id}").status_code == 204

            path = f"{QUEUES}/{queue_id}/members"
            added = _split_body_racing(writer, "POST", path, members, delete)
            assert added.status_code == 404, added.text
        with ThreadPoolExecutor(2) as pool:
            for _ in range(50):
                queue_id = _new_queue(writer)
                add = pool.submit(writer.post, f"{QUEUES}/{queue_id}/members", json=members)
                gone = pool.submit(deleter.delete, f"{QUEUES}/{queue_id}")
                assert add.result().status_code in (204, 404)
                assert gone.result().status_code == 204
    orphans = (
        server.sandbox.store.read()
        .execute(
            "SELECT COUNT(*) FROM queue_members WHERE queue_id NOT IN "
            "(SELECT id FROM entities WHERE kind = 'queue')"
        )
        .fetchone()[0]
    )
    assert orphans == 0


def test_a_stalled_body_holds_no_other_writer_and_times_out(
    server: SandboxServer, headers: dict[str, str]
) -> None:
    with _client(server, headers) as client:
        user_id = client.get("/api/v2/users").json()["entities"][0]["id"]
        queue_id = _new_queue(client)
        stalled = socket.create_connection((server.config.host, server.port), timeout=30)
        try:
            head = (
                f"PUT /api/v2/routing/users/{user_id}/utilization HTTP/1.1\r\n"
                f"Host: {server.config.host}\r\n"
                f"Authorization: {headers['Authorization']}\r\n"
                "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n"
            )
            stalled.sendall(head.encode() + b'{"utilization": {"chat":')
            started = time.monotonic()
            time.sleep(0.2)  # the stalled request is in its handler now
            for i in range(5):  # every other kind of write goes through meanwhile
                put = client.put(
                    f"{QUEUES}/{queue_id}", json={"name": f"Busy {queue_id}", "description": str(i)}
                )
                assert put.status_code == 200, put.text
                skill = client.post("/api/v2/routing/skills", json={"name": f"S {uuid.uuid4()}"})
                assert skill.status_code == 200, skill.text
                org = client.put(
                    "/api/v2/routing/utilization",
                    json=client.get("/api/v2/routing/utilization").json(),
                )
                assert org.status_code == 200, org.text
            assert time.monotonic() - started < BODY_TIMEOUT_SECONDS
            status, body = _read_response(stalled)
            waited = time.monotonic() - started
        finally:
            stalled.close()
    assert status == 408, body
    assert json.loads(body)["code"] == "request.timeout"
    assert BODY_TIMEOUT_SECONDS - 0.5 <= waited <= BODY_TIMEOUT_SECONDS + 5


def _read_response(sock: socket.socket) -> tuple[int, bytes]:
    """(status, body) of one HTTP/1.1 response with a Content-Length, read off a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        body += chunk
    return int(lines[0].split()[1]), body
