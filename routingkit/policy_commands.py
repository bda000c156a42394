"""``routingkit policy export``, ``routingkit validate`` and ``routingkit plan``.

Each reads the org named by the environment (``GENESYSCLOUD_*``) or a profile; the local
sandbox only with ``--sandbox``. Nothing here writes to the org.
"""

from __future__ import annotations

import argparse
import sys

from .genesys import GenesysClient, GenesysError, connect
from .policy.capacity_plan import CapacityPlan, CapacityPlanError
from .policy.validation_errors import PolicyFileError


def _client(args: argparse.Namespace) -> GenesysClient:
    return connect(sandbox=bool(args.sandbox))


def run(args: argparse.Namespace) -> int:
    name = "policy export" if args.command == "policy" else args.command
    try:
        if args.command == "policy":
            return _export(args)
        if args.command == "validate":
            return _validate(args)
        return _plan(args)
    except (PolicyFileError, CapacityPlanError, GenesysError, OSError) as exc:
        print(f"routingkit {name}: {exc}", file=sys.stderr)
        return 1


def _capacities(args: argparse.Namespace) -> CapacityPlan | None:
    return CapacityPlan.load(args.capacities) if args.capacities else None


def _export(args: argparse.Namespace) -> int:
    from .policy.export import export_policy
    from .policy.snapshot import take_snapshot

    with _client(args) as client:
        snapshot = take_snapshot(client, args.queue or None)
        missing = [q for q in args.queue if snapshot.queue_by_name(q) is None]
        if missing:
            print(
                f"routingkit policy export: no queue named {', '.join(map(repr, missing))}",
                file=sys.stderr,
            )
            return 1
        policy = export_policy(snapshot, utilization=not args.no_utilization)
    if args.output:
        print(f"written: {policy.save(args.output)} ({len(policy.queues)} queues)")
    else:
        print(policy.to_yaml(), end="")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .policy.plan import analyse
    from .policy.spec import Policy

    policy = Policy.load(args.policy)
    print(f"{args.policy}: valid offline ({len(policy.queues)} queues)")
    if args.offline:
        return 0
    with _client(args) as client:
        _, findings, _, _ = analyse(client, policy, capacity=_capacities(args))
    for finding in findings:
        print(finding, file=sys.stderr if finding.severity == "error" else sys.stdout)
    errors = sum(f.severity == "error" for f in findings)
    print(f"{args.policy}: {errors} error(s), {len(findings) - errors} warning(s) against the org")
    return 1 if errors else 0


def _plan(args: argparse.Namespace) -> int:
    from .policy.plan import build_plan
    from .policy.spec import Policy

    policy = Policy.load(args.policy)
    with _client(args) as client:
        plan = build_plan(client, policy, capacity=_capacities(args))
    print(plan.to_text())
    if args.output:
        print(f"written: {plan.save(args.output)}")
    if args.detailed_exitcode:
        return 2 if plan.has_changes else 0
    return 0
