"""``routingkit wfm ...``: workforce management in step with routing.

- ``wfm goals``: each queue's goal in WFM (its planning group's service goal template) beside
  the queue's own service-level setting, and where they disagree;
- ``wfm push-forecast --week YYYY-MM-DD``: the typical week (from the org's history, or a
  workload file) imported as that week's short-term forecast;
- ``wfm staffing --week YYYY-MM-DD``: per queue, the agent-hours routingkit requires (a
  capacity plan, or Erlang A on the org's history), those scheduled (published schedules),
  staffed (routing status) and required by WFM (the week's forecast), and per planning group
  how WFM's requirement compares with routingkit's;
- ``wfm events record APPLY_ID | deliver | status | revive``: change events of an apply in the
  durable outbox, delivered to ``ROUTINGKIT_WEBHOOK_URLS`` signed with
  ``ROUTINGKIT_WEBHOOK_SECRET``.

Commands that read or write an org use the one named by the environment (``GENESYSCLOUD_*``)
or a profile; the local sandbox only with ``--sandbox``. This module imports nothing heavy
until a command runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any


def add_wfm_commands(commands: Any) -> None:
    """The ``wfm`` command group, on the top-level parser's subcommands."""
    wfm = commands.add_parser("wfm", help="workforce management: goals, forecasts, change events")
    actions = wfm.add_subparsers(dest="wfm_command", required=True, metavar="ACTION")

    def org_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--sandbox",
            action="store_true",
            help="without GENESYSCLOUD_* credentials, use the local sandbox org (never implied)",
        )
        parser.add_argument(
            "--business-unit", default=None, metavar="ID", help="default: the org's only one"
        )

    goals = actions.add_parser("goals", help="WFM goals beside the queues' own settings")
    org_options(goals)
    push = actions.add_parser(
        "push-forecast",
        help="import the typical week as a WFM short-term forecast",
        description="Offered per 15-minute interval and AHT, per planning group, from the "
        "typical week of the org's history (in the business unit's time zone) or of a "
        "workload file, imported as the short-term forecast of the week starting --week.",
    )
    push.add_argument(
        "--week", required=True, metavar="YYYY-MM-DD", help="first day of the WFM week"
    )
    push.add_argument(
        "--workload", type=Path, default=None, help="workload CSV (default: the org's history)"
    )
    push.add_argument("--days", type=int, default=28, help="days of history (default 28)")
    push.add_argument(
        "--end",
        default=None,
        metavar="YYYY-MM-DD",
        help="the history ends before this local date (default today)",
    )
    push.add_argument("--description", default=None, help="the forecast's description")
    org_options(push)
    staffing = actions.add_parser(
        "staffing",
        help="required, scheduled, staffed and WFM-required agents per queue for a week",
        description="Per queue and media type over the WFM week starting --week: agent-hours "
        "routingkit requires (from --capacities, else Erlang A on the org's history before the "
        "week), scheduled on queue (published schedules), staffed on queue (routing status) "
        "and required by WFM (the staffing requirement of the week's short-term forecast, per "
        "planning group).",
    )
    staffing.add_argument(
        "--week", required=True, metavar="YYYY-MM-DD", help="first day of the WFM week"
    )
    staffing.add_argument(
        "--capacities",
        type=Path,
        default=None,
        metavar="PATH",
        help="capacity_plan.json (or its folder) for the required agents; default: Erlang A "
        "on the org's history",
    )
    staffing.add_argument(
        "--days", type=int, default=28, help="days of history without --capacities (default 28)"
    )
    staffing.add_argument(
        "--end",
        default=None,
        metavar="YYYY-MM-DD",
        help="without --capacities, the history ends before this local date (default: the "
        "week's first day, or today if earlier)",
    )
    staffing.add_argument(
        "--shared",
        choices=("need", "split", "each", "exclusive"),
        default="need",
        help="how an agent of several queues counts: shared by what each still needs "
        "(default), equally, in each, or only where exclusive",
    )
    org_options(staffing)
    events = actions.add_parser("events", help="change events: outbox and webhook delivery")
    event_actions = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    record = event_actions.add_parser("record", help="put an apply's change events in the outbox")
    record.add_argument("apply_id", metavar="APPLY_ID")
    deliver = event_actions.add_parser(
        "deliver", help="send what is due to ROUTINGKIT_WEBHOOK_URLS"
    )
    deliver.add_argument(
        "--retry-now",
        action="store_true",
        help="also send events still waiting for their next attempt (the receiver is back)",
    )
    event_actions.add_parser("status", help="pending, delivered and dead events per webhook")
    revive = event_actions.add_parser("revive", help="retry dead letters")
    revive.add_argument("event_ids", nargs="*", metavar="EVENT_ID", help="default: all")


def run_wfm(args: argparse.Namespace) -> int:
    from .genesys import GenesysError
    from .policy.journal import JournalError

    name = f"wfm {args.wfm_command}"
    try:
        if args.wfm_command == "goals":
            return _goals(args)
        if args.wfm_command == "push-forecast":
            return _push_forecast(args)
        if args.wfm_command == "staffing":
            return _staffing(args)
        return _events(args)
    except (
        GenesysError,
        JournalError,
        ValueError,
        OSError,
    ) as exc:  # the workload's are ValueErrors
        print(f"routingkit {name}: {exc}", file=sys.stderr)
        return 1


def _connect(args: argparse.Namespace) -> Any:
    from .genesys import connect

    return connect(sandbox=bool(args.sandbox))


def _goals(args: argparse.Namespace) -> int:
    import pandas as pd

    from .policy.goals import resolve_goals
    from .policy.org_inputs import org_goals, wfm_goals
    from .vocabulary.media import MEDIA_KEYS, analytics_media_type

    with _connect(args) as client:
        queues = client.queues.list()
        rows = [
            {"queue_id": q.id, "queue_name": q.name, "media_type": analytics_media_type(key)}
            for q in queues
            for key in MEDIA_KEYS
            if q.id and getattr(q.media_settings, key, None) is not None
        ]
        table = pd.DataFrame(rows, columns=["queue_id", "queue_name", "media_type"])
        from_wfm = wfm_goals(client, table)
        planned = table[
            [
                (str(q), str(m)) in from_wfm
                for q, m in zip(table.queue_id, table.media_type, strict=True)
            ]
        ]
        goals = resolve_goals(planned, org=org_goals(client, planned), wfm=from_wfm)
    if goals.empty:
        print("no queue is in a WFM planning group with a service level goal")
        return 0
    for row in goals.itertuples(index=False):
        print(
            f"{row.queue_name} / {row.media_type}: {row.goal_service_level:.0%} in "
            f"{row.target_seconds:g} s ({row.goal_note})"
        )
    disagreeing = goals["goal_note"].str.contains("own setting says").sum()
    print(f"{len(goals)} queue goal(s) from WFM, {disagreeing} disagreeing with the queue's own")
    return 0


def _push_forecast(args: argparse.Namespace) -> int:
    from .policy.wfm_sync import (
        business_unit_for,
        check_week_start,
        push_forecast,
        with_queue_ids,
    )

    dates = _week_and_end(args, "push-forecast")
    if dates is None:
        return 2
    week_start, end = dates
    with _connect(args) as client:
        unit = business_unit_for(client, args.business_unit)
        check_week_start(unit, week_start)
        if args.workload is not None:
            from .policy.workload_csv import read_workload

            week = with_queue_ids(read_workload(args.workload)[0], client.queues.list())
            source = str(args.workload)
        else:
            week, source = history_week(client, unit, args.days, end)
        pushed = push_forecast(
            client, week, week_start, business_unit_id=unit.id, description=args.description
        )
    offered = sum(sum(g.offered_per_interval) for g in pushed.document.planning_groups)
    print(
        f"forecast {pushed.forecast.id} ({pushed.forecast.description}) imported into business "
        f"unit {unit.name} for the week of {week_start}: "
        f"{len(pushed.document.planning_groups)} planning group(s), {offered:,.0f} offered, "
        f"from {source}"
    )
    for note in pushed.notes:
        print(f"note: {note}")
    return 0


def _week_and_end(args: argparse.Namespace, command: str) -> tuple[dt.date, dt.date | None] | None:
    """``--week``, ``--end`` and ``--days`` checked; None (said on stderr) when one is wrong."""
    try:
        week_start = dt.date.fromisoformat(args.week)
    except ValueError:
        print(f"routingkit wfm {command}: --week {args.week!r} is not YYYY-MM-DD", file=sys.stderr)
        return None
    try:
        end = dt.date.fromisoformat(args.end) if args.end else None
    except ValueError:
        print(f"routingkit wfm {command}: --end {args.end!r} is not a date", file=sys.stderr)
        return None
    if args.days <= 0:
        print(f"routingkit wfm {command}: --days must be positive", file=sys.stderr)
        return None
    return week_start, end


def history_week(client: Any, unit: Any, days: int, end: dt.date | None) -> tuple[Any, str]:
    """The typical week of ``days`` of history before ``end`` (default: today there), in the
    business unit's zone, and where it came from (also the demo's forecast for WFM)."""
    from zoneinfo import ZoneInfo

    from .workload import fetch_history, typical_week

    zone = (unit.settings.time_zone if unit.settings else None) or "UTC"
    end = end or dt.datetime.now(ZoneInfo(zone)).date()
    start = end - dt.timedelta(days=days)
    history = fetch_history(
        client, "all", start, end, granularity="PT15M", time_zone=zone, progress=False
    )
    return typical_week(history), f"the history {start} to {end} ({zone})"


def _staffing(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from .policy.org_inputs import business_unit, org_workforce_view
    from .policy.wfm_sync import check_week_start
    from .report import staffing_summary as ss

    dates = _week_and_end(args, "staffing")
    if dates is None:
        return 2
    week_start, end = dates
    with _connect(args) as client:
        unit = business_unit(client, args.business_unit)
        check_week_start(unit, week_start)
        if args.capacities is not None:
            from .policy import CapacityPlan

            plan = CapacityPlan.load(args.capacities).to_frame()
            column, source = "required_agents", str(args.capacities)
        else:
            zone = (unit.settings.time_zone if unit.settings else None) or "UTC"
            end = end or min(week_start, dt.datetime.now(ZoneInfo(zone)).date())
            plan, source = _required_from_history(client, unit, args.days, end)
            column = "erlang_a"
        view, said = org_workforce_view(
            client,
            plan,
            end=week_start,
            week_start=week_start,
            business_unit_id=unit.id,
            required_column=column,
            attribution=args.shared,
        )
    if view is None:
        print(f"routingkit wfm staffing: {said}", file=sys.stderr)
        return 1
    print(f"{said}; required from {source}")
    print(_workforce_text(ss.workforce_table(view.per_queue)))
    for line in ss.wfm_headlines(ss.wfm_comparison(view.per_group)):
        print(line)
    for note in view.notes:
        print(f"note: {note}")
    return 0


def _required_from_history(client: Any, unit: Any, days: int, end: dt.date) -> tuple[Any, str]:
    """Erlang A agents per interval of the typical week of the history before ``end``, each
    queue to its own goal (WFM's where it has one)."""
    from .policy import StaffingOptions, required_staffing, resolve_goals
    from .policy.org_inputs import media_concurrency, org_goals, wfm_goals

    week, source = history_week(client, unit, days, end)
    goals = resolve_goals(week, org=org_goals(client, week), wfm=wfm_goals(client, week))
    plan = required_staffing(week, goals, StaffingOptions(), concurrency=media_concurrency(client))
    return plan, f"Erlang A on {source}"


def _workforce_text(table: Any) -> str:
    """The per-queue week as a fixed-width table (agent-hours; '-' where unknown)."""

    def hours(value: float) -> str:
        return "-" if value != value else f"{value:,.0f}"  # NaN is not equal to itself

    head = (
        f"{'queue / media':34} {'planning group':18} {'required':>9} {'scheduled':>9} "
        f"{'staffed':>9} {'WFM group':>9}"
    )
    lines = [head, "-" * len(head)]
    for row in table.to_dict("records"):
        label = f"{row['queue_name']} / {row['media_type'] or '-'}"
        lines.append(
            f"{label[:34]:34} {(row['planning_group'] or '-')[:18]:18} "
            f"{hours(row['required_agent_hours']):>9} {hours(row['scheduled_agent_hours']):>9} "
            f"{hours(row['staffed_agent_hours']):>9} {hours(row['group_wfm_agent_hours']):>9}"
        )
    lines.append("(agent-hours on queue over the week; WFM's requirement is its planning group's)")
    return "\n".join(lines)


def _events(args: argparse.Namespace) -> int:
    from .policy.change_events import apply_events
    from .policy.event_outbox import Outbox, targets_from_environment

    with Outbox() as outbox:
        if args.events_command == "record":
            events = apply_events(args.apply_id)
            added = outbox.add(events)
            print(f"{len(events)} event(s) of apply {args.apply_id}, {added} new in {outbox.path}")
            return 0
        if args.events_command == "deliver":
            targets = targets_from_environment()
            if not targets:
                print(
                    "routingkit wfm events deliver: set ROUTINGKIT_WEBHOOK_URLS (and "
                    "ROUTINGKIT_WEBHOOK_SECRET) to deliver",
                    file=sys.stderr,
                )
                return 2
            report = outbox.deliver(targets, retry_now=args.retry_now)
            print(
                f"{len(report.delivered)} delivered, {len(report.retrying)} failed and to retry, "
                f"{len(report.waiting)} waiting for a later attempt, {len(report.dead)} dead "
                f"({report.attempts} attempt(s))"
            )
            return 0 if report.complete else 1
        if args.events_command == "revive":
            print(f"{outbox.revive(args.event_ids or None)} dead letter(s) will be retried")
            return 0
        print(outbox.status().to_text())
        return 0
