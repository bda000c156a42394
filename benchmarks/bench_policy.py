"""Policy benchmark: export and plan for 200 queues (goal <= 3 s each); apply 200 queues under a
rate limit (goal >= 90 % of the limit, no 429 reaching the caller).

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
    parser.add_argument(
        "--rate-limit", type=int, default=600, help="requests per minute for the apply run"
    )
    args = parser.parse_args()
    plan_and_export(args.queues)
    apply_under_limit(args.queues, args.rate_limit)


def make_queues(client: Any, count: int) -> None:
    users = [u.id for u in client.people.users() if u.id][:40]

    def make(i: int) -> None:
        queue = client.queues.create(Queue(name=f"Bench queue {i:04d}"))
        assert queue.id is not None
        client.queues.add_members(queue.id, users[i % 30 : i % 30 + 8])

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(make, range(count - len(client.queues.list()))))


def plan_and_export(count: int) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_sandbox(Path(tmp) / "org.sqlite3", days=1, rate_limit_per_minute=10**9) as org,
    ):
        client = connect(org.config.client_id, org.config.client_secret, org.url)
        make_queues(client, count)
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


def apply_under_limit(count: int, limit: int) -> None:
    """Apply a description and alerting-timeout change to ``count`` queues on an org limited to
    ``limit`` requests a minute: the rate achieved as a share of the limit, and 429s seen."""
    import os

    from routingkit.policy.apply import apply_plan

    with (
        tempfile.TemporaryDirectory() as tmp,
        running_sandbox(Path(tmp) / "org.sqlite3", days=1, rate_limit_per_minute=limit) as org,
    ):
        os.environ["ROUTINGKIT_STATE_DIR"] = str(Path(tmp) / "state")

        def fresh() -> Any:  # the limit is per token: each setup step gets its own budget
            return connect(org.config.client_id, org.config.client_secret, org.url)

        make_queues(fresh(), count)
        client = fresh()
        policy = export_policy(take_snapshot(client), utilization=False)
        raw = policy.model_dump(mode="json", exclude_none=True)
        for queue in raw["queues"]:
            queue["description"] = "applied by the benchmark"
            queue.setdefault("media", {}).setdefault("call", {})["alerting_timeout_seconds"] = 9
        plan = build_plan(fresh(), Policy.model_validate(raw))
        client = fresh()  # the apply starts with a whole minute's budget
        client.auth.token()
        sent, retries = client.requests_sent, client.retries
        start = time.perf_counter()
        result = apply_plan(client, plan, approve=plan.id)
        seconds = time.perf_counter() - start
        requests = client.requests_sent - sent
        rate = requests / seconds
        print(
            f"apply {len(plan.changed_queues)} queues at a limit of {limit}/min: {result.status}, "
            f"{requests:,} requests in {seconds:.1f} s = {rate * 60:,.0f}/min, "
            f"{rate * 60 / limit:.0%} of the limit; retries (429s absorbed) "
            f"{client.retries - retries}; p95 step latency {result.metrics['latency_ms_p95']} ms"
        )


if __name__ == "__main__":
    main()
