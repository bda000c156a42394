"""``routingkit staffing``: a workload file through the one staffing pipeline, as a table.

Reads a workload CSV (see ``routingkit.policy.workload_csv``; the sample in the package by
default), resolves each queue's goal (an explicit ``--goal``/``--goal-for``, else the file's
goal columns, else 80 % in 20 s, said so), and prints required agents by Erlang C and Erlang
A, rostered heads and the predicted service per interval, then the peak per queue. With
``--output-dir`` it writes the capacity plan (JSON and CSV) the deployment reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .capacity import scheduled_agents
from .policy import (
    CapacityPlan,
    GoalOverrides,
    StaffingOptions,
    build_capacity_plan,
    model_notes,
    predicted_service,
    read_workload,
    required_staffing,
    resolve_goals,
)
from .resources import sample_workload_path
from .workload.coverage import WEEKDAY_NAMES

SAMPLE_WORKLOAD = sample_workload_path()


def staff_workload(
    path: Path | str | None = None,
    *,
    options: StaffingOptions | None = None,
    goal: str | None = None,
    goal_for: Mapping[str, str] | None = None,
    interval_minutes: int | None = None,
) -> tuple[pd.DataFrame, CapacityPlan]:
    """The staffing table and the capacity plan of a workload file."""
    options = options or StaffingOptions()
    week, file_goals, concurrency = read_workload(
        path or SAMPLE_WORKLOAD, interval_minutes=interval_minutes
    )
    goals = resolve_goals(
        week, org=file_goals, overrides=GoalOverrides.from_parameters(goal, goal_for)
    )
    plan = required_staffing(week, goals, options, concurrency=concurrency)
    return plan, build_capacity_plan(plan, options)


def render(plan: pd.DataFrame, capacity: CapacityPlan) -> str:
    """The table a planner reads: per interval, then the peak per queue."""
    options = capacity.options
    chosen = plan[options.model].to_numpy()
    predicted = predicted_service(plan, chosen)
    minutes = plan["slot_minute"].astype(int)
    table = pd.DataFrame(
        {
            "queue": plan["queue_name"],
            "media": plan["media_type"],
            "day": plan["weekday"].map(dict(enumerate(WEEKDAY_NAMES))),
            "interval": [f"{m // 60:02d}:{m % 60:02d}" for m in minutes],
            "offered": (plan["arrival_rate"] * plan["interval_seconds"]).round(1),
            "erlangs": plan["traffic_erlangs"].round(2),
            "erlang_c": plan["erlang_c"],
            "erlang_a": plan["erlang_a"],
            "rostered": scheduled_agents(chosen, options.shrinkage),
            "service_level": (predicted["service_level"] * 100).round(1),
            "asa_s": predicted["asa_seconds"].round(1),
            "abandon_%": (predicted["abandon_rate"] * 100).round(1),
        }
    )
    goals = [
        f"  {q.queue_name} / {q.media_type}: {q.goal} ({q.goal.source}), peak "
        f"{q.peak_required_agents} on queue, {q.peak_rostered_agents} rostered"
        for q in capacity.queues
    ]
    lines = [
        f"Staffing by {options.model} ({options.describe()}), "
        f"{capacity.interval_seconds // 60}-minute intervals",
        "Goals and peaks:",
        *goals,
        *(f"Note: {note}" for note in model_notes(plan)),
        "",
        table.to_string(index=False),
    ]
    if np.isinf(plan["patience_seconds"]).all():
        lines.append("\nNo patience given: Erlang A equals Erlang C (nobody abandons).")
    return "\n".join(lines)
