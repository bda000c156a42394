"""Workload benchmark: 60 days x all sandbox queues at PT30M, cold and from the disk cache.

Targets: <= 5 s cold, <= 0.5 s cached. Run with ``make bench`` or
``benchmarks/.venv/bin/python benchmarks/bench_workload.py``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pandas.testing import assert_frame_equal

from routingkit.genesys import connect
from routingkit.sandbox import running_sandbox
from routingkit.workload import fetch_history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_sandbox(
            Path(tmp) / "org.sqlite3", days=args.days, rate_limit_per_minute=10**9
        ) as org,
    ):
        assert org.sandbox is not None
        today = org.sandbox.today()
        start = today.fromordinal(today.toordinal() - args.days)
        zone = org.sandbox.org.time_zone

        def fetch(use_cache: bool) -> tuple[float, object]:
            client = connect(org.config.client_id, org.config.client_secret, org.url)
            t0 = time.perf_counter()
            frame = fetch_history(
                client,
                "all",
                start,
                today,
                granularity="PT30M",
                time_zone=zone,
                cache_dir=Path(tmp) / "cache",
                use_cache=use_cache,
                progress=False,
            )
            return time.perf_counter() - t0, frame

        cold = [fetch(False) for _ in range(args.repeats)]
        fetch(True)  # fill the cache
        cached = [fetch(True) for _ in range(args.repeats)]
        assert_frame_equal(cold[0][1], cached[0][1])  # type: ignore[arg-type]
        rows = len(cold[0][1])  # type: ignore[arg-type]
        print(
            f"fetch_history, {args.days} days x all queues x PT30M ({rows:,} rows), fresh "
            f"client each run: cold best {min(t for t, _ in cold):.2f} s, from cache best "
            f"{min(t for t, _ in cached):.3f} s (identical frames)"
        )


if __name__ == "__main__":
    main()
