"""Sandbox load: simple GETs/s and writes/s on loopback, clients in their own processes.

Run with ``benchmarks/.venv/bin/python benchmarks/bench_sandbox_load.py`` (or the project's
``.venv``). Prints figures only; the target is >= 1,000 simple GETs/s on a 2-core machine.

The server runs in this process (one uvicorn event loop, as ``routingkit sandbox serve`` runs
it); the clients run in separate processes with plain ``http.client`` keep-alive connections,
so the figure is the server's, not the client library's. Client and server still share the
machine's cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from routingkit.sandbox import SandboxServer
from routingkit.sandbox.config import SandboxConfig


def _client(args: tuple[str, int, str, str, dict[str, str], float]) -> tuple[int, int]:
    """One client process: (requests answered as expected, unexpected answers)."""
    host, port, kind, token, ids, seconds = args
    conn = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    done = failed = 0
    stop_at = time.perf_counter() + seconds
    name = f"Load {uuid.uuid4().hex[:8]}"
    if kind == "writes":
        conn.request("POST", "/api/v2/routing/queues", json.dumps({"name": name}), headers)
        answer = conn.getresponse()
        queue_id = json.loads(answer.read())["id"]
    while time.perf_counter() < stop_at:
        if kind == "gets":
            conn.request("GET", f"/api/v2/routing/queues/{ids['queue']}", headers=headers)
            expected = 200
        elif done % 2 == 0:
            body = json.dumps({"name": name, "description": f"write {done}"})
            conn.request("PUT", f"/api/v2/routing/queues/{queue_id}", body, headers)
            expected = 200
        else:
            body = json.dumps([{"id": ids["user"]}])
            path = f"/api/v2/routing/queues/{queue_id}/members"
            if done % 4 == 3:
                path += "?delete=true"
            conn.request("POST", path, body, headers)
            expected = 204
        answer = conn.getresponse()
        answer.read()
        if answer.status == expected:
            done += 1
        else:
            failed += 1
    if kind == "writes":
        conn.request("DELETE", f"/api/v2/routing/queues/{queue_id}", headers=headers)
        conn.getresponse().read()
    conn.close()
    return done, failed


def _measure(
    pool: Any, server: SandboxServer, kind: str, token: str, ids: dict[str, str], n: int, s: float
) -> tuple[float, int]:
    host = server.config.host
    results = pool.map(_client, [(host, server.port, kind, token, ids, s)] * n)
    return sum(r[0] for r in results) / s, sum(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each phase")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--days", type=int, default=2, help="days of seeded history")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = SandboxConfig(
            port=0, db_path=Path(tmp) / "org.sqlite3", days=args.days, rate_limit_per_minute=10**9
        )
        server = SandboxServer(config).start()
        try:
            token = httpx.post(
                f"{server.url}/oauth/token",
                auth=(config.client_id, config.client_secret),
                data={"grant_type": "client_credentials"},
            ).json()["access_token"]
            with httpx.Client(
                base_url=server.url, headers={"Authorization": f"Bearer {token}"}
            ) as api:
                ids = {
                    "queue": api.get("/api/v2/routing/queues").json()["entities"][0]["id"],
                    "user": api.get("/api/v2/users").json()["entities"][0]["id"],
                }
            context = multiprocessing.get_context("spawn")
            with context.Pool(args.clients) as pool:
                pool.map(_client, [(config.host, server.port, "gets", token, ids, 0.2)] * 2)
                gets, bad_gets = _measure(
                    pool, server, "gets", token, ids, args.clients, args.seconds
                )
                writes, bad_writes = _measure(
                    pool, server, "writes", token, ids, args.clients, args.seconds
                )
            print(
                f"GET /api/v2/routing/queues/{{id}}, {args.clients} keep-alive client processes "
                f"on loopback, {args.seconds:.0f} s: {gets:,.0f} requests/s "
                f"({bad_gets} unexpected answers)"
            )
            print(
                f"writes (PUT queue, member add/remove), {args.clients} client processes, "
                f"{args.seconds:.0f} s: {writes:,.0f} requests/s ({bad_writes} unexpected answers)"
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
