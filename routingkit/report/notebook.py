"""Table helpers for the notebooks: summaries, styled tables, saved outputs, key figures.

Notebooks stay thin: every step they show is a call into this module, the workload package or
the policy package, all of which the tests reach.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

KEYS = ["queue_name", "media_type"]


def date_range(
    days: int, start_date: str, end_date: str, time_zone: str
) -> tuple[dt.date, dt.date]:
    """[start, end) local dates: explicit dates, else the ``days`` before today."""
    try:
        zone = ZoneInfo(time_zone)
    except (KeyError, ValueError):
        raise ValueError(
            f"time_zone {time_zone!r} is not an IANA zone such as "
            "'Europe/London' or 'America/Chicago'"
        ) from None
    today = dt.datetime.now(zone).date()
    try:
        end = dt.date.fromisoformat(end_date) if end_date else today
        start = dt.date.fromisoformat(start_date) if start_date else end - dt.timedelta(days=days)
    except ValueError as exc:
        raise ValueError(f"start_date/end_date must be YYYY-MM-DD: {exc}") from None
    if days <= 0 and not start_date:
        raise ValueError(f"days is {days}; give a positive number of days of history")
    if end <= start:
        raise ValueError(f"end_date {end} is not after start_date {start}")
    return start, end


def queue_summary(history: pd.DataFrame) -> pd.DataFrame:
    """One row per queue and media type: volumes, AHT, ASA, service level, abandonment."""
    frame = history.assign(
        handle_total=history["aht_seconds"].fillna(0) * history["handled"],
        answer_total=history["asa_seconds"].fillna(0) * history["answered"],
    )
    totals = (
        frame.groupby(KEYS, observed=True)
        .agg(
            offered=("offered", "sum"),
            answered=("answered", "sum"),
            abandoned=("abandoned", "sum"),
            handled=("handled", "sum"),
            handle_total=("handle_total", "sum"),
            answer_total=("answer_total", "sum"),
            within=("answered_within_target", "sum"),
            target=("service_level_target", "max"),
        )
        .reset_index()
    )
    totals["aht_seconds"] = totals["handle_total"] / totals["handled"].replace(0, np.nan)
    totals["asa_seconds"] = totals["answer_total"] / totals["answered"].replace(0, np.nan)
    denominator = (totals["answered"] + totals["abandoned"]).replace(0, np.nan)
    totals["service_level"] = totals["within"] / denominator
    totals["abandon_rate"] = totals["abandoned"] / totals["offered"].replace(0, np.nan)
    summary: pd.DataFrame = totals[
        [
            *KEYS,
            "offered",
            "answered",
            "abandoned",
            "aht_seconds",
            "asa_seconds",
            "service_level",
            "target",
            "abandon_rate",
        ]
    ]
    return summary


def styled_summary(summary: pd.DataFrame) -> Styler:
    styled: Styler = (
        summary.style.hide(axis="index")
        .format(
            {
                "offered": "{:,.0f}",
                "answered": "{:,.0f}",
                "abandoned": "{:,.0f}",
                "aht_seconds": "{:.0f} s",
                "asa_seconds": "{:.1f} s",
                "service_level": "{:.1%}",
                "target": "{:.0%}",
                "abandon_rate": "{:.1%}",
            },
            na_rep="-",
        )
        .background_gradient(subset=["service_level"], cmap="RdYlGn", vmin=0.5, vmax=1.0)
    )
    return styled


def estimates_table(
    aht: pd.DataFrame, patience: pd.DataFrame, summary: pd.DataFrame
) -> pd.DataFrame:
    """AHT and patience estimates beside the abandonment they explain."""
    merged = summary[[*KEYS, "offered", "abandon_rate"]].merge(aht, on=KEYS, how="left")
    merged = merged.merge(patience, on=KEYS, how="left", suffixes=("", "_patience"))
    table: pd.DataFrame = merged
    return table


def styled_estimates(estimates: pd.DataFrame) -> Styler:
    formats: dict[str, Any] = {"offered": "{:,.0f}", "abandon_rate": "{:.1%}"}
    for column in estimates.columns:
        if column.endswith("_seconds"):
            formats[column] = "{:.0f} s"
    styled: Styler = estimates.style.hide(axis="index").format(formats, na_rep="-")
    return styled


def styled_requirements(table: pd.DataFrame) -> Styler:
    """Agents and agent-hours per queue: names first, ids left out, goals as percentages."""
    first = [c for c in ("queue_name", "media_type", "scenario") if c in table.columns]
    rest = [c for c in table.columns if c not in first and c != "queue_id"]
    shown = table[first + rest]
    formats: dict[str, Any] = {c: "{:,.0f}" for c in shown.select_dtypes("number").columns}
    if "goal_service_level" in shown.columns:
        formats["goal_service_level"] = "{:.0%}"
    if "target_seconds" in shown.columns:
        formats["target_seconds"] = "{:,.0f} s"
    styled: Styler = shown.style.hide(axis="index").format(formats)
    return styled


def save_tables(output_dir: str | Path, **tables: pd.DataFrame) -> list[Path]:
    """Each table as CSV in ``output_dir`` (created); returns the paths."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in tables.items():
        path = out / f"{name}.csv"
        table.to_csv(path, index=False)
        paths.append(path)
    return paths


def history_figures(summary: pd.DataFrame, estimates: pd.DataFrame) -> dict[str, Any]:
    """Key figures of the history report, for its JSON summary."""
    per_queue = {}
    for row in estimates.to_dict(orient="records"):
        entry = {
            k: (None if isinstance(v, float) and not np.isfinite(v) else v)
            for k, v in row.items()
            if k not in KEYS
        }
        per_queue[f"{row['queue_name']} / {row['media_type']}"] = entry
    offered = float(summary["offered"].sum())
    answered = float(summary["answered"].sum())
    return {
        "queues": len(summary),
        "offered": offered,
        "answered": answered,
        "abandon_rate": float(summary["abandoned"].sum() / offered) if offered else None,
        "per_queue": per_queue,
    }


def staffing_figures(capacity: pd.DataFrame, requirements: pd.DataFrame) -> dict[str, Any]:
    """Key figures of the staffing report: per queue the goal and peaks, and agent-hours.

    ``capacity``: ``CapacityPlan.to_frame()``; ``requirements``: the staffing table with one
    column per model.
    """
    label = capacity["queue_name"] + " / " + capacity["media_type"]
    per_queue = capacity.assign(label=label).groupby("label", sort=True)
    models = [
        c for c in ("erlang_c", "erlang_a", "simulation", "staffed") if c in requirements.columns
    ]
    seconds = requirements["interval_seconds"]
    return {
        "queues": int(label.nunique()),
        "goals": {
            str(k): f"{g['goal_service_level'].iloc[0]:.0%} in {g['target_seconds'].iloc[0]:g} s "
            f"({g['goal_source'].iloc[0]})"
            for k, g in per_queue
        },
        "peak_required_agents": {
            str(k): int(v) for k, v in per_queue["required_agents"].max().items()
        },
        "peak_rostered_agents": {
            str(k): int(v) for k, v in per_queue["rostered_agents"].max().items()
        },
        "agent_hours_per_week": {
            m: round(float((requirements[m] * seconds).sum()) / 3600.0, 1) for m in models
        },
    }


def styled_goals(goals: pd.DataFrame) -> Styler:
    """The goal of each queue and where it came from."""
    shown = goals[["queue_name", "media_type", "goal_service_level", "target_seconds",
                   "goal_source", "goal_note"]]  # fmt: skip
    styled: Styler = shown.style.hide(axis="index").format(
        {"goal_service_level": "{:.0%}", "target_seconds": "{:g} s"}
    )
    return styled


def styled_coverage(coverage: pd.DataFrame) -> Styler:
    """The history window actually used per queue (covered days of those requested)."""
    shown = coverage[["queue_name", "media_type", "requested_start", "covered_start",
                      "covered_days", "requested_days", "missing_weekdays"]]  # fmt: skip
    styled: Styler = shown.style.hide(axis="index").format(
        {"requested_start": "{:%Y-%m-%d}", "covered_start": "{:%Y-%m-%d}"}, na_rep="none"
    )
    return styled


def busiest_queue(summary: pd.DataFrame) -> str:
    """The queue with the most offered interactions."""
    return str(summary.sort_values("offered", ascending=False).iloc[0]["queue_name"])


def save_figure(figure: Any, output_dir: str | Path, name: str) -> Path:
    """A figure as PNG in ``output_dir`` (also shown inline by the notebook)."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    figure.savefig(path, dpi=110, bbox_inches="tight")
    return path
