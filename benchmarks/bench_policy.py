"""Policy benchmark: export and plan for 200 queues against the sandbox (goal <= 3 s each).

Run with ``make bench`` or ``benchmarks/.venv/bin/python benchmarks/bench_policy.py``. The
sandbox is started on a free loopback port with a few members per new queue; timings are the
best of three runs (the machine is shared: read the figures, nothing here asserts them).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from routingkit.genesys import connect
from routingkit.genesys.models import Queue
from routingkit.policy.export import export_policy
from routingkit.policy.plan import build_plan
from routingkit.policy.snapshot import take_snapshot
from routingkit.policy.spec import Policy
from routingkit.sandbox import running_sandbox


def best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=200)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_sandbox(Path(tmp) / "org.sqlite3", days=1, rate_limit_per_minute=10**9) as org,
    ):
        client = connect(org.config.client_id, org.config.client_secret, org.url)
        existing = len(client.queues.list())
        users = [u.id for u in client.people.users() if u.id][:40]

        def make(i: int) -> None:
            queue = client.queues.create(Queue(name=f"Bench queue {i:04d}"))
            assert queue.id is not None
            client.queues.add_members(queue.id, users[i % 30 : i % 30 + 8])

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(make, range(args.queues - existing)))
        seconds, policy = best_of(3, lambda: export_policy(take_snapshot(client)))
        print(f"export {len(policy.queues)} queues (snapshot + policy): {seconds:.2f} s")
        seconds, plan = best_of(3, lambda: build_plan(client, policy))
        print(f"plan {len(policy.queues)} queues, no changes: {seconds:.2f} s ({plan.summary()})")
        raw = policy.model_dump(mode="json", exclude_none=True)
        for queue in raw["queues"]:
            queue["description"] = "changed by the benchmark"
        changed = Policy.model_validate(raw)
        seconds, plan = best_of(3, lambda: build_plan(client, changed))
        print(f"plan {len(policy.queues)} queues, every one changed: {seconds:.2f} s")
        print(f"requests sent: {client.requests_sent:,}")


if __name__ == "__main__":
    main()
