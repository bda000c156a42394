"""``routingkit policy export``, ``routingkit validate`` and ``routingkit plan``.

Each reads the org named by the environment (``GENESYSCLOUD_*``) or a profile; the local
sandbox only with ``--sandbox``. Nothing here writes to the org.
"""

from __future__ import annotations

import argparse
import sys

from .genesys import GenesysClient, GenesysError, connect
from .policy.apply import ApplyRefused, ApplyResult
from .policy.capacity_plan import CapacityPlan, CapacityPlanError
from .policy.cluster import SchedulerError
from .policy.journal import JournalError
from .policy.validation_errors import PolicyFileError
from .policy.wfm_sync import WfmSyncError


def _client(args: argparse.Namespace) -> GenesysClient:
    return connect(sandbox=bool(args.sandbox))


def run(args: argparse.Namespace) -> int:
    name = "policy export" if args.command == "policy" else args.command
    try:
        if args.command == "policy":
            return _export(args)
        if args.command == "validate":
            return _validate(args)
        if args.command == "plan":
            return _plan(args)
        if args.command == "apply":
            return _apply(args)
        if args.command == "rollback":
            return _rollback(args)
        return _audit(args)
    except (
        PolicyFileError,
        WfmSyncError,
        SchedulerError,
        CapacityPlanError,
        GenesysError,
        OSError,
        ApplyRefused,
        JournalError,
    ) as exc:
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

    if args.network_replications < 0:
        print(
            "routingkit plan: --network-replications must be 0 (no network simulation) or more",
            file=sys.stderr,
        )
        return 2
    policy = Policy.load(args.policy)
    with _client(args) as client:
        plan = build_plan(
            client,
            policy,
            capacity=_capacities(args),
            network_replications=args.network_replications,
            forecast_week=args.forecast_week,
            scheduler=args.scheduler,
        )
    print(plan.to_text())
    if args.output:
        print(f"written: {plan.save(args.output)}")
    if args.detailed_exitcode:
        return 2 if plan.has_changes else 0
    return 0


def _progress(line: str) -> None:
    print(line, flush=True)


def _report(result: ApplyResult) -> int:
    print(result.table())
    figures = ", ".join(f"{k} {v}" for k, v in result.metrics.items())
    print(f"apply {result.apply_id}: {result.status}" + (f" ({figures})" if figures else ""))
    if result.status in ("partial", "failed"):
        print(
            f"resume with: routingkit apply --resume {result.apply_id}\n"
            f"or undo with: routingkit rollback {result.apply_id}"
        )
    return 0 if result.status in ("applied", "nothing_to_do", "rolled_back") else 1


def _apply(args: argparse.Namespace) -> int:
    import datetime as dt

    from .policy.apply import apply_plan, resume
    from .policy.plan import Plan

    if args.resume:
        with _client(args) as client:
            return _report(resume(client, args.resume, progress=_progress))
    if args.plan is None:
        print("routingkit apply: give the plan file (or --resume APPLY_ID)", file=sys.stderr)
        return 2
    plan = Plan.load(args.plan)
    with _client(args) as client:
        result = apply_plan(
            client,
            plan,
            approve=args.approve,
            on_error=args.on_error,
            max_age=dt.timedelta(hours=args.max_age_hours),
            progress=_progress,
        )
    return _report(result)


def _rollback(args: argparse.Namespace) -> int:
    from .policy.apply import rollback

    with _client(args) as client:
        return _report(rollback(client, args.apply_id, force=args.force, progress=_progress))


def _audit(args: argparse.Namespace) -> int:
    import datetime as dt

    from .policy.audit_log import read_audit

    since = None
    if args.since:
        try:
            since = dt.datetime.fromisoformat(args.since)
        except ValueError:
            print(f"routingkit audit: --since {args.since!r} is not a date", file=sys.stderr)
            return 2
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.timezone.utc)
    entries = read_audit(args.org, since=since)
    if not entries:
        print("no audit entries")
        return 0
    columns = ("at", "os_user", "client_id", "apply_id", "queue", "object", "change", "outcome")
    rows = [[str(e.get(c) if e.get(c) is not None else "") for c in columns] for e in entries]
    widths = [min(40, max(len(c), *(len(r[i]) for r in rows))) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  ".join(v[:w].ljust(w) for v, w in zip(row, widths, strict=True)))
    return 0
