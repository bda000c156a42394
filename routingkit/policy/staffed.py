"""Agents actually on queue, aligned with a typical week: the "staffed" line of the reports.

The table comes from the org (``policy.workforce``: agents scheduled on queue from published
schedules, agents staffed from their routing status, ``WorkforceView.agents``), or from a file
the caller names (a CSV exported from a WFM system, or the sandbox org's ground truth through
``routingkit.sandbox.staffing_truth``). This module never asks the org anything.

The table: ``queue_id``, ``weekday`` (0 = Monday), ``slot_minute`` (minutes after local
midnight), ``interval_seconds`` and ``agents``, at any interval length that divides the
week's: finer intervals are averaged into each of the week's intervals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

STAFFED_COLUMNS = ("queue_id", "weekday", "slot_minute", "interval_seconds", "agents")


def read_staffed(path: Path | str) -> pd.DataFrame:
    """A staffed-agents CSV, its columns checked."""
    source = Path(path)
    if not source.exists():
        raise FileNotFoundError(f"staffed-agents file {source} does not exist")
    table = pd.read_csv(source, dtype={"queue_id": str})
    missing = [c for c in STAFFED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"{source} lacks column(s) {', '.join(missing)}; expected {', '.join(STAFFED_COLUMNS)}"
        )
    return table


def staffed_agents(week: pd.DataFrame, staffed: pd.DataFrame) -> pd.Series:
    """Mean agents on queue per row of ``week`` (NaN where the table says nothing)."""
    fine = staffed.assign(queue_id=staffed["queue_id"].astype(str))
    values = np.full(len(week), np.nan)
    groups = {k: g for k, g in fine.groupby(["queue_id", "weekday"], sort=False)}
    for i, (qid, weekday, minute, seconds) in enumerate(
        zip(
            week["queue_id"].astype(str),
            week["weekday"].astype(int),
            week["slot_minute"].astype(int),
            week["interval_seconds"].astype(int),
            strict=True,
        )
    ):
        rows = groups.get((qid, weekday))
        if rows is None:
            continue
        start = rows["slot_minute"].to_numpy()
        inside = (start >= minute) & (start < minute + seconds // 60)
        if inside.any():
            values[i] = float(rows["agents"].to_numpy(dtype=float)[inside].mean())
    result: pd.Series = pd.Series(values, index=week.index, name="staffed")
    return result
