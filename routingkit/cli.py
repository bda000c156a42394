"""The ``routingkit`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="routingkit",
        description="Staffing models and safe routing deployment for Genesys Cloud.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = commands.add_parser("demo", help="print a staffing table for a sample workload")
    demo.add_argument(
        "--workload",
        type=Path,
        default=None,
        help="CSV with queue, interval_start, offered, aht_seconds, patience_seconds",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command == "demo":
        from .demo import run_demo

        try:
            print(run_demo(args.workload))
        except (OSError, ValueError) as exc:
            print(f"routingkit demo: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
