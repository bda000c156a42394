"""Sandbox benchmark: cold start with seeding, a 60-day aggregates query, requests per second.

Run with ``make bench`` or ``benchmarks/.venv/bin/python benchmarks/bench_sandbox.py``. Prints
figures only (targets: cold start <= 20 s, 60-day query <= 1 s, >= 500 simple requests/s).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import threading
import time
from pathlib import Path

import httpx

from routingkit.sandbox import SandboxServer
from routingkit.sandbox.config import SandboxConfig

METRICS = [
    "nOffered",
    "tAnswered",
    "tAbandon",
    "tHandle",
    "tTalk",
    "tHeld",
    "tAcw",
    "tWait",
    "tAcd",
    "tAlert",
    "oServiceLevel",
    "nOverSla",
    "nTransferred",
]


# what a workload fetch needs: volumes, handle and wait timers, service level
WORKLOAD_METRICS = ["nOffered", "tAnswered", "tAbandon", "tHandle", "tWait", "oServiceLevel"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=5.0, help="load test duration")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = SandboxConfig(
            port=0, db_path=Path(tmp) / "org.sqlite3", days=args.days, rate_limit_per_minute=10**9
        )
        start = time.perf_counter()
        server = SandboxServer(config).start()
        cold = time.perf_counter() - start
        try:
            print(f"cold start, seeding {args.days} days of history: {cold:.2f} s")
            token = httpx.post(
                f"{server.url}/oauth/token",
                auth=(config.client_id, config.client_secret),
                data={"grant_type": "client_credentials"},
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            client = httpx.Client(base_url=server.url, headers=headers, timeout=60)
            end = dt.datetime.now(dt.timezone.utc).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            first = end - dt.timedelta(days=args.days)
            chunks = []
            cursor = first
            while cursor < end:  # the sandbox, like an org, caps one query's interval
                stop = min(cursor + dt.timedelta(days=30), end)
                chunks.append((cursor, stop))
                cursor = stop
            for metrics in (WORKLOAD_METRICS, METRICS):
                best = float("inf")
                rows = size = 0
                for _ in range(3):
                    t0 = time.perf_counter()
                    rows = size = 0
                    for lo, hi in chunks:
                        interval = f"{lo.isoformat()}/{hi.isoformat()}".replace("+00:00", "Z")
                        body = {
                            "interval": interval,
                            "granularity": "PT30M",
                            "groupBy": ["queueId", "mediaType"],
                            "metrics": metrics,
                        }
                        answer = client.post(
                            "/api/v2/analytics/conversations/aggregates/query", json=body
                        )
                        answer.raise_for_status()
                        size += len(answer.content)
                        rows += sum(len(r["data"]) for r in answer.json()["results"])
                    best = min(best, time.perf_counter() - t0)
                print(
                    f"aggregates, {args.days} days x all queues x PT30M x {len(metrics)} metrics"
                    f" ({len(chunks)} queries, {rows:,} interval rows, {size / 1e6:.1f} MB, "
                    f"parsed by the client): {best:.3f} s"
                )
            queue_id = client.get("/api/v2/routing/queues").json()["entities"][0]["id"]
            counts = [0] * args.threads
            stop_at = time.perf_counter() + args.seconds

            def load(i: int) -> None:
                with httpx.Client(base_url=server.url, headers=headers) as c:
                    while time.perf_counter() < stop_at:
                        c.get(f"/api/v2/routing/queues/{queue_id}").raise_for_status()
                        counts[i] += 1

            threads = [threading.Thread(target=load, args=(i,)) for i in range(args.threads)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            print(
                f"GET /api/v2/routing/queues/{{id}}, {args.threads} keep-alive clients on "
                f"loopback, {args.seconds:.0f} s: {sum(counts) / args.seconds:,.0f} requests/s "
                "(client and server share this machine's 2 cores)"
            )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
