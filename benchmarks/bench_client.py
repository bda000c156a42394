"""Client benchmark: listing 2,000 queues through paging (target <= 2 s).

Run with ``make bench`` or ``benchmarks/.venv/bin/python benchmarks/bench_client.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from routingkit.genesys import connect
from routingkit.genesys.models import Queue
from routingkit.sandbox import running_sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=2000)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_sandbox(Path(tmp) / "org.sqlite3", days=1, rate_limit_per_minute=10**9) as org,
    ):
        client = connect(org.config.client_id, org.config.client_secret, org.url)
        existing = len(client.queues.list())
        start = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            list(
                pool.map(
                    lambda i: client.queues.create(Queue(name=f"Bench queue {i:05d}")),
                    range(args.queues - existing),
                )
            )
        print(f"created {args.queues - existing} queues in {time.perf_counter() - start:.1f} s")
        for page_size in (100, 500):
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                queues = client.queues.list(page_size=page_size)
                best = min(best, time.perf_counter() - t0)
            assert len(queues) == args.queues
            pages = -(-args.queues // page_size)
            print(
                f"list {len(queues):,} queues, pageSize {page_size} ({pages} pages, typed "
                f"models): {best:.3f} s"
            )


if __name__ == "__main__":
    main()
