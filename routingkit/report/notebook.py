"""Table helpers for the notebooks: readable tables, saved outputs, the key figures of a run.

Notebooks stay thin: every step they show is a call into this module, the workload package or
the policy package, all of which the tests reach. Tables for readers put the queue's name
first, leave ids out, say what each column is in words and format every number through
``report.formats`` (percentages with %, times as m:ss, agents whole).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from . import formats as fmt
from .headlines import MODEL_NAMES, SHORT_SOURCES, Headlines
from .queues import labels

KEYS = ["queue_name", "media_type"]
# Headers may wrap, so that a wide table fits the page instead of scrolling.
# Cells keep a figure on one line; headers may wrap, so that a wide table fits the page.
_TABLE_STYLE = [
    {"selector": "th", "props": "white-space: normal; max-width: 8em; text-align: right"},
    {"selector": "td", "props": "white-space: nowrap"},
    {"selector": "th.col0, td.col0", "props": "text-align: left"},
]
_WIDE_STYLE = [{"selector": "", "props": "font-size: 0.85em"}]
_WIDE = 12  # columns from which a table is set smaller


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


def _styled(
    frame: pd.DataFrame,
    formats: Mapping[str, Callable[[Any], str]],
    *,
    alert: pd.Series | None = None,
) -> Styler:
    """``frame`` without its index, each column formatted, rows in ``alert`` marked red."""
    styles = _TABLE_STYLE + (_WIDE_STYLE if len(frame.columns) >= _WIDE else [])
    styled: Styler = (
        frame.style.hide(axis="index")
        .format({c: f for c, f in formats.items() if c in frame.columns}, na_rep=fmt.MISSING)
        .set_table_styles(styles, overwrite=False)
    )
    if alert is not None:
        flags = alert.fillna(False).to_numpy(dtype=bool)
        styled = styled.apply(
            lambda row: (
                ["background-color: #fde8e8; color: #8a1010" if flags[row.name] else ""] * len(row)
            ),
            axis=1,
        )
    return styled


def _queue_column(table: pd.DataFrame) -> pd.Series:
    shown: pd.Series = labels(table).rename("Queue")
    return shown


def _goal_texts(table: pd.DataFrame) -> list[str]:
    return [
        fmt.goal(level, seconds)
        for level, seconds in zip(table["goal_service_level"], table["target_seconds"], strict=True)
    ]


def styled_attainment(attainment: pd.DataFrame) -> Styler:
    """Per queue: traffic, what was achieved and the goal it is held to; misses marked."""
    table = attainment.reset_index(drop=True)
    met = table["met_goal"]
    shown = pd.DataFrame(
        {
            "Queue": _queue_column(table),
            "Offered": table["offered"],
            "Service level": table["service_level"],
            "Goal": _goal_texts(table),
            "Goal from": [SHORT_SOURCES.get(str(s), str(s)) for s in table["goal_source"]],
            "ASA": table["asa_seconds"],
            "Abandoned": table["abandon_rate"],
            "AHT": table["aht_seconds"],
            "Result": [
                "no traffic" if pd.isna(m) else ("met" if m else "missed") for m in met.tolist()
            ],
        }
    )
    missed = pd.Series([False if pd.isna(m) else not m for m in met.tolist()])
    return _styled(
        shown,
        {
            "Offered": fmt.whole,
            "Service level": fmt.percent,
            "ASA": fmt.duration,
            "Abandoned": fmt.percent,
            "AHT": fmt.duration,
        },
        alert=missed,
    )


def styled_capacities(capacities: pd.DataFrame) -> Styler:
    """The chosen capacities (``staffing_summary.capacity_table``) and what they assume."""
    table = capacities.reset_index(drop=True)
    shown = pd.DataFrame(
        {
            "Queue": _queue_column(table),
            "Goal": _goal_texts(table),
            "Goal from": [SHORT_SOURCES.get(str(s), str(s)) for s in table["goal_source"]],
            "Model": [MODEL_NAMES.get(str(m), str(m)) for m in table["model"]],
            "Shrinkage": table["shrinkage"],
            "Interactions per agent": table["concurrency"],
            "Peak agents on queue": table["peak_required_agents"],
            "Peak rostered": table["peak_rostered_agents"],
            "Predicted service level": table["predicted_service_level"],
            "Predicted abandoned": table["predicted_abandon_rate"],
            "Predicted ASA": table["predicted_asa_seconds"],
        }
    )
    below = table["predicted_service_level"] < table["goal_service_level"] - 1e-9
    return _styled(
        shown,
        {
            "Shrinkage": lambda v: fmt.percent(v, 0),
            "Interactions per agent": fmt.whole,
            "Peak agents on queue": fmt.whole,
            "Peak rostered": fmt.whole,
            "Predicted service level": fmt.percent,
            "Predicted abandoned": fmt.percent,
            "Predicted ASA": fmt.duration,
        },
        alert=below,
    )


def styled_hours(
    capacities: pd.DataFrame, *, hours_per_fte: float, week: Mapping[str, float] | None = None
) -> Styler:
    """Agent-hours a week per queue: required on queue, paid, FTE, staffed and the gap; with
    ``week`` (``staffing_summary.totals``), a last row for all queues."""
    table = capacities.reset_index(drop=True)
    fte = f"FTE at {hours_per_fte:g} h"
    shown = pd.DataFrame(
        {
            "Queue": _queue_column(table),
            "Required agent-hours on queue": table["required_agent_hours"],
            "Paid hours (after shrinkage)": table["paid_hours"],
            fte: table["fte"],
            "Staffed agent-hours on queue": table["staffed_agent_hours"],
            "Staffed against required": [
                fmt.short_or_over(need, have)
                for need, have in zip(
                    table["required_agent_hours"], table["staffed_agent_hours"], strict=True
                )
            ],
        }
    )
    short = table["staffed_gap"] > 0.005
    if week is not None:
        total = {
            "Queue": "All queues",
            "Required agent-hours on queue": week["required_agent_hours"],
            "Paid hours (after shrinkage)": week["paid_hours"],
            fte: week["fte"],
            "Staffed agent-hours on queue": week["staffed_agent_hours"],
            "Staffed against required": fmt.short_or_over(
                week["required_agent_hours_staffed_queues"], week["staffed_agent_hours"]
            ),
        }
        shown = pd.concat([shown, pd.DataFrame([total])], ignore_index=True)
        short = pd.concat([short, pd.Series([week["staffed_gap"] > 0.005])], ignore_index=True)
    styled = _styled(
        shown,
        {
            "Required agent-hours on queue": fmt.whole,
            "Paid hours (after shrinkage)": fmt.whole,
            fte: fmt.decimal,
            "Staffed agent-hours on queue": fmt.whole,
        },
        alert=short,
    )
    if week is not None:
        last = len(shown) - 1
        styled = styled.set_table_styles(
            {c: [{"selector": f"td.row{last}", "props": "font-weight: bold"}] for c in shown},
            overwrite=False,
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
    """AHT and patience per queue, times as m:ss (patience ``inf``: nobody hung up)."""
    table = estimates.reset_index(drop=True)
    shown = pd.DataFrame(
        {
            "Queue": _queue_column(table),
            "Offered": table["offered"],
            "Abandoned": table["abandon_rate"],
            "AHT": table["aht_seconds"],
            "Handled": table["handled"],
            "Mean patience": table["patience_seconds"],
            "± (standard error)": table["patience_seconds_se"],
        }
    )
    return _styled(
        shown,
        {
            "Offered": fmt.whole,
            "Abandoned": fmt.percent,
            "AHT": fmt.duration,
            "Handled": fmt.whole,
            "Mean patience": lambda v: "nobody hung up" if v == np.inf else fmt.duration(v),
            "± (standard error)": fmt.duration,
        },
    )


_MODEL_WORDS = (
    ("erlang_c", "Erlang C"),
    ("erlang_a", "Erlang A"),
    ("simulation", "simulation"),
    ("_agent_hours", " agent-hours"),
    ("_peak", " peak"),
    ("_", " "),
)


def _header(column: str) -> str:
    for raw, words in _MODEL_WORDS:
        column = column.replace(raw, words)
    return column[:1].upper() + column[1:]


def styled_requirements(table: pd.DataFrame) -> Styler:
    """Agents and agent-hours per queue (and scenario), by model: the queue's label first, ids
    and goal columns left out (the goals table shows them), headers in words."""
    goal_columns = {"queue_id", "queue_name", "media_type", "goal_service_level",
                    "target_seconds", "goal_source", "goal_note"}  # fmt: skip
    first = [c for c in ("scenario",) if c in table.columns]
    rest = [c for c in table.columns if c not in goal_columns and c not in first]
    shown = pd.concat(
        [_queue_column(table.reset_index(drop=True)), table[first + rest].reset_index(drop=True)],
        axis=1,
    ).rename(columns=lambda c: c if c == "Queue" else _header(str(c)))
    formats: dict[str, Any] = {c: fmt.whole for c in shown.select_dtypes("number").columns}
    return _styled(shown, formats)


def styled_goals(goals: pd.DataFrame) -> Styler:
    """The goal of each queue and where it came from."""
    table = goals.reset_index(drop=True)
    shown = pd.DataFrame(
        {
            "Queue": _queue_column(table),
            "Goal": _goal_texts(table),
            "From": [SHORT_SOURCES.get(str(s), str(s)) for s in table["goal_source"]],
            "Note": table.get("goal_note", ""),
        }
    )
    return _styled(shown, {}, alert=table["goal_source"] == "default")


def styled_coverage(coverage: pd.DataFrame) -> Styler:
    """The history window actually used per queue (covered days of those requested)."""
    table = coverage.reset_index(drop=True)
    shown = pd.DataFrame(
        {
            "Queue": _queue_column(table),
            "Asked from": table["requested_start"],
            "Data from": table["covered_start"],
            "Days with data": table["covered_days"],
            "Days asked for": table["requested_days"],
            "Weekdays without data": table["missing_weekdays"],
        }
    )
    return _styled(
        shown,
        {
            "Asked from": lambda v: "none" if pd.isna(v) else f"{v:%Y-%m-%d}",
            "Data from": lambda v: "none" if pd.isna(v) else f"{v:%Y-%m-%d}",
        },
        alert=table["covered_days"] < table["requested_days"],
    )


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


class FileLinks:
    """Links to a report's saved files, relative to the report (they sit beside it)."""

    def __init__(self, paths: Iterable[str | Path]) -> None:
        self.names = [Path(p).name for p in paths]

    def _repr_html_(self) -> str:
        import html

        items = "".join(
            f"<li><a href='{html.escape(n)}'>{html.escape(n)}</a></li>" for n in self.names
        )
        return f"<ul>{items}</ul>"

    def __repr__(self) -> str:
        return "files: " + ", ".join(self.names)


def _plain(value: Any) -> Any:
    """A JSON-ready figure: floats rounded to 4 decimals, NaN and infinities as None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, float | np.floating):
        number = float(value)
        return round(number, 4) if math.isfinite(number) else None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _window_figures(window: Any) -> dict[str, Any]:
    return {
        "start": window.start,
        "end": window.end,
        "days": window.days,
        "requested_days": window.requested_days,
        "time_zone": window.time_zone,
    }


def history_figures(
    attainment: pd.DataFrame,
    estimates: pd.DataFrame,
    *,
    headlines: Headlines | None = None,
    window: Any = None,
) -> dict[str, Any]:
    """Key figures of the history report, for its JSON summary (and the demo's index).

    ``attainment``: ``workload.summary.goal_attainment``; per queue keyed
    ``"queue name / media"``.
    """
    per_queue: dict[str, Any] = {}
    estimate_rows = estimates.set_index(KEYS)
    for row in attainment.to_dict(orient="records"):
        key = (row["queue_name"], row["media_type"])
        extra = estimate_rows.loc[key].to_dict() if key in estimate_rows.index else {}
        entry = {k: v for k, v in {**extra, **row}.items() if k not in KEYS}
        entry["met_goal"] = None if pd.isna(row["met_goal"]) else bool(row["met_goal"])
        per_queue[fmt.media_label(row["queue_name"], row["media_type"])] = entry
    offered = float(attainment["offered"].sum())
    missed = attainment[~attainment["met_goal"].fillna(True).astype(bool)]
    figures = {
        "queues": len(attainment),
        "offered": offered,
        "answered": float(attainment["answered"].sum()),
        "abandon_rate": float(attainment["abandoned"].sum() / offered) if offered else None,
        "missed_goal": [
            fmt.media_label(q, m)
            for q, m in zip(missed["queue_name"], missed["media_type"], strict=True)
        ],
        "per_queue": per_queue,
    }
    if window is not None:
        figures["window"] = _window_figures(window)
    if headlines is not None:
        figures["headlines"] = headlines.lines()
    plain: dict[str, Any] = _plain(figures)
    return plain


def staffing_figures(
    capacity: pd.DataFrame,
    requirements: pd.DataFrame,
    *,
    capacities: pd.DataFrame | None = None,
    week: Mapping[str, float] | None = None,
    headlines: Headlines | None = None,
    window: Any = None,
) -> dict[str, Any]:
    """Key figures of the staffing report: per queue the goal and peaks, and agent-hours.

    ``capacity``: ``CapacityPlan.to_frame()``; ``requirements``: the staffing table with one
    column per model; ``capacities`` and ``week``: ``staffing_summary.capacity_table`` and its
    ``totals``.
    """
    label = capacity["queue_name"] + " / " + capacity["media_type"]
    per_queue = capacity.assign(label=label).groupby("label", sort=True)
    models = [
        c for c in ("erlang_c", "erlang_a", "simulation", "staffed") if c in requirements.columns
    ]
    seconds = requirements["interval_seconds"]
    figures: dict[str, Any] = {
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
    if week is not None:
        figures["week"] = dict(week)
    if capacities is not None:
        figures["fte"] = {
            fmt.media_label(q, m): f
            for q, m, f in zip(
                capacities["queue_name"], capacities["media_type"], capacities["fte"], strict=True
            )
        }
    if window is not None:
        figures["window"] = _window_figures(window)
    if headlines is not None:
        figures["headlines"] = headlines.lines()
    plain: dict[str, Any] = _plain(figures)
    return plain


def save_figure(figure: Any, output_dir: str | Path, name: str) -> Path:
    """A figure as PNG in ``output_dir`` (also shown inline by the notebook)."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    figure.savefig(path, dpi=110, bbox_inches="tight")
    return path
