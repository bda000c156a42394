"""Per-queue figures of chosen capacities: agent-hours required, rostered and staffed, FTE, the
predicted service over the week, the peak interval and the staffing curve there.

Pure functions on the tables the notebooks already hold: ``capacity`` is a capacity plan's
frame (``CapacityPlan.to_frame()``: one row per queue, media type and interval of the typical
week, with ``required_agents``, ``rostered_agents`` and the predicted ``service_level``,
``asa_seconds``, ``abandon_rate`` and ``occupancy`` at that staffing); ``staffed`` the agents
actually on queue per row of the staffing table. This module imports no other room of
routingkit: the model that predicts service at a number of agents is passed in (``predict``),
as the deploy widget is passed the apply call.

Units: agent-hours are agents on queue × interval hours summed over the typical week; FTE is
paid hours ÷ ``hours_per_fte``, paid hours being on-queue hours ÷ (1 − shrinkage), the usual
WFM conversion (rostered heads per interval, rounded up, are the plan's ``rostered_agents``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

KEYS = ["queue_id", "queue_name", "media_type"]
SLOT = ["weekday", "slot_minute"]

# (rows of a staffing table, agents per row) → service_level, asa_seconds, abandon_rate, ...
Predictor = Callable[[pd.DataFrame, npt.NDArray[np.float64]], pd.DataFrame]


def _check(capacity: pd.DataFrame, needed: tuple[str, ...], what: str) -> None:
    missing = [c for c in needed if c not in capacity.columns]
    if missing:
        raise ValueError(
            f"{what} lacks column(s) {', '.join(missing)}; pass CapacityPlan.to_frame()"
        )


def with_staffed(
    capacity: pd.DataFrame, staffing: pd.DataFrame | None, column: str = "staffed"
) -> pd.DataFrame:
    """``capacity`` with a ``staffed`` column (agents on queue; NaN where unknown), or the
    ``column`` named (``scheduled``: agents scheduled on queue).

    ``staffing``: a table keyed by ``queue_id``, ``media_type``, ``weekday`` and
    ``slot_minute`` with that column (the staffing table of the notebook after
    ``policy.staffed.staffed_agents``); None or without the column: all NaN.
    """
    out = capacity.drop(columns=[c for c in (column,) if c in capacity.columns])
    if staffing is None or column not in staffing.columns:
        result: pd.DataFrame = out.assign(**{column: np.nan})
        return result
    keys = ["queue_id", "media_type", *SLOT]
    merged: pd.DataFrame = out.merge(
        staffing[[*keys, column]].drop_duplicates(keys), on=keys, how="left"
    )
    return merged


def capacity_table(
    capacity: pd.DataFrame,
    *,
    interval_seconds: float,
    shrinkage: float,
    hours_per_fte: float,
    model: str = "",
) -> pd.DataFrame:
    """The chosen capacities per queue and media type, with what they assume.

    Columns: ``queue_name``, ``media_type``, ``goal_service_level``, ``target_seconds``,
    ``goal_source``, ``model``, ``shrinkage``, ``concurrency``, ``peak_required_agents``,
    ``peak_rostered_agents``, ``required_agent_hours`` (on queue, per week),
    ``paid_hours`` (÷ (1 − shrinkage)), ``fte`` (paid hours ÷ ``hours_per_fte``),
    ``staffed_agent_hours`` (NaN without a ``staffed`` column or where it says nothing),
    ``staffed_gap`` ((required − staffed) / required: positive is short),
    ``predicted_service_level``, ``predicted_abandon_rate`` and ``predicted_asa_seconds``
    (over the week, weighted by each interval's expected interactions), ``queue_id``. Sorted by
    required agent-hours, largest first.
    """
    _check(
        capacity,
        (*KEYS, "goal_service_level", "target_seconds", "goal_source", "concurrency",
         "arrival_rate", "required_agents", "rostered_agents", "service_level",
         "abandon_rate", "asa_seconds"),
        "the capacity table",
    )  # fmt: skip
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage is {shrinkage}; it is a share of paid time, 0 <= s < 1")
    if not hours_per_fte > 0:
        raise ValueError(f"hours_per_fte is {hours_per_fte}; give paid hours per FTE, e.g. 37.5")
    hours = float(interval_seconds) / 3600.0
    staffed = (
        capacity["staffed"].to_numpy(dtype=np.float64)
        if "staffed" in capacity.columns
        else np.full(len(capacity), np.nan)
    )
    contacts = capacity["arrival_rate"].to_numpy(dtype=np.float64) * float(interval_seconds)
    asa = capacity["asa_seconds"].to_numpy(dtype=np.float64)
    answered_asa = np.where(np.isfinite(asa), asa, 0.0)
    work = capacity[KEYS].assign(
        required_hours=capacity["required_agents"].to_numpy(dtype=np.float64) * hours,
        staffed_hours=np.where(np.isfinite(staffed), staffed, 0.0) * hours,
        staffed_known=np.isfinite(staffed),
        contacts=contacts,
        sl_weighted=contacts * capacity["service_level"].to_numpy(dtype=np.float64),
        abandon_weighted=contacts * capacity["abandon_rate"].to_numpy(dtype=np.float64),
        asa_weighted=contacts * answered_asa,
    )
    sums = work.groupby(KEYS, observed=True, sort=False).sum(numeric_only=True)
    firsts = capacity.groupby(KEYS, observed=True, sort=False).agg(
        goal_service_level=("goal_service_level", "first"),
        target_seconds=("target_seconds", "first"),
        goal_source=("goal_source", "first"),
        concurrency=("concurrency", "first"),
        peak_required_agents=("required_agents", "max"),
        peak_rostered_agents=("rostered_agents", "max"),
    )
    table = firsts.join(sums).reset_index()
    contacts_sum = table["contacts"].to_numpy(dtype=np.float64)
    table["model"] = model
    table["shrinkage"] = float(shrinkage)
    table["required_agent_hours"] = table["required_hours"]
    table["paid_hours"] = table["required_hours"] / (1.0 - shrinkage)
    table["fte"] = table["paid_hours"] / float(hours_per_fte)
    known = table["staffed_known"].to_numpy() > 0
    table["staffed_agent_hours"] = np.where(known, table["staffed_hours"], np.nan)
    table["staffed_gap"] = _share(
        table["required_hours"] - table["staffed_agent_hours"], table["required_hours"]
    )
    table["predicted_service_level"] = _share(table["sl_weighted"], contacts_sum)
    table["predicted_abandon_rate"] = _share(table["abandon_weighted"], contacts_sum)
    table["predicted_asa_seconds"] = _share(table["asa_weighted"], contacts_sum)
    columns = [
        "queue_name", "media_type", "goal_service_level", "target_seconds", "goal_source",
        "model", "shrinkage", "concurrency", "peak_required_agents", "peak_rostered_agents",
        "required_agent_hours", "paid_hours", "fte", "staffed_agent_hours", "staffed_gap",
        "predicted_service_level", "predicted_abandon_rate", "predicted_asa_seconds", "queue_id",
    ]  # fmt: skip
    result: pd.DataFrame = (
        table[columns]
        .sort_values(["required_agent_hours", "queue_name"], ascending=[False, True])
        .reset_index(drop=True)
    )
    return result


def _share(top: Any, bottom: Any) -> npt.NDArray[np.float64]:
    t = np.asarray(top, dtype=np.float64)
    b = np.asarray(bottom, dtype=np.float64)
    out = np.full(t.shape, np.nan)
    np.divide(t, b, out=out, where=(b != 0) & np.isfinite(t))
    return out


def totals(table: pd.DataFrame) -> dict[str, float]:
    """The org's week from a :func:`capacity_table`: hours, FTE and the staffed gap.

    ``staffed_gap`` compares only the queues a staffed figure exists for (NaN when none has).
    """
    known = table["staffed_agent_hours"].notna()
    required_known = float(table.loc[known, "required_agent_hours"].sum())
    staffed = float(table.loc[known, "staffed_agent_hours"].sum())
    return {
        "required_agent_hours": float(table["required_agent_hours"].sum()),
        "paid_hours": float(table["paid_hours"].sum()),
        "fte": float(table["fte"].sum()),
        "staffed_agent_hours": staffed if known.any() else float("nan"),
        "required_agent_hours_staffed_queues": required_known,
        "staffed_gap": (required_known - staffed) / required_known
        if known.any() and required_known > 0
        else float("nan"),
    }


def intervals_below_goal(capacity: pd.DataFrame) -> pd.DataFrame:
    """Open intervals (with arrivals) whose predicted service level is below the goal."""
    _check(capacity, ("arrival_rate", "service_level", "goal_service_level"), "the capacity table")
    below = (capacity["arrival_rate"] > 0) & (
        capacity["service_level"] < capacity["goal_service_level"] - 1e-12
    )
    result: pd.DataFrame = capacity[below]
    return result


def peak_interval(capacity: pd.DataFrame, queue_id: str, media_type: str) -> pd.Series:
    """The row of the typical week with the most traffic (arrivals × AHT) for one queue."""
    rows = capacity[(capacity["queue_id"] == queue_id) & (capacity["media_type"] == media_type)]
    if rows.empty:
        raise ValueError(f"no intervals for queue {queue_id} / {media_type} in the table")
    load = rows["arrival_rate"].to_numpy(dtype=np.float64) * np.nan_to_num(
        rows["aht_seconds"].to_numpy(dtype=np.float64)
    )
    peak: pd.Series = rows.iloc[int(np.argmax(load))]
    return peak


def staffing_curve(
    interval: pd.DataFrame, agents: npt.ArrayLike, predict: Predictor
) -> pd.DataFrame:
    """Service level, ASA, abandon rate and occupancy of one interval at each of ``agents``.

    ``interval``: one row of a staffing table (what ``predict`` takes, e.g.
    ``policy.predicted_service`` with a ``required_staffing`` row); ``agents``: whole agents
    on queue. ASA is ``inf`` where the queue is unstable (agents cannot keep up), by definition.
    """
    if len(interval) != 1:
        raise ValueError(f"interval has {len(interval)} rows; pass one interval's row")
    counts = np.asarray(agents, dtype=np.float64).ravel()
    if counts.size == 0 or np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError(f"agents must be whole numbers >= 0; got {counts.tolist()}")
    rows = interval.loc[interval.index.repeat(counts.size)].reset_index(drop=True)
    predicted = predict(rows, counts).reset_index(drop=True)
    curve: pd.DataFrame = pd.concat(
        [pd.DataFrame({"agents": counts.astype(np.int64)}), predicted], axis=1
    )
    return curve


def curve_agents(traffic_erlangs: float, chosen: int, *, concurrency: int = 1) -> np.ndarray:
    """The agents a staffing curve spans: from just above the load to well past ``chosen``.

    From the fewest agents that could keep up (load ÷ concurrency, rounded down, at least 1)
    or ``chosen`` − 8 if higher, to ``chosen`` + 6 (at least 12 points where possible).
    """
    base = max(1, int(np.floor(traffic_erlangs / max(concurrency, 1))))
    low = max(base, chosen - 8, 1)
    high = max(chosen + 6, low + 11)
    return np.arange(low, high + 1)


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class PeakCurve:
    """The staffing curve at a queue's busiest interval of the typical week."""

    when: str  # e.g. "Mon 11:00"
    chosen: int  # agents on queue the chosen model staffs it with
    goal_level: float
    target_seconds: float
    traffic_erlangs: float
    curve: pd.DataFrame


def peak_staffing_curve(
    plan: pd.DataFrame, queue_id: str, media_type: str, *, model: str, predict: Predictor
) -> PeakCurve:
    """:func:`staffing_curve` at the busiest interval of one queue (:func:`peak_interval`).

    ``plan``: a staffing table (``policy.required_staffing``, with the ``model`` column and
    ``traffic_erlangs``); the agents span :func:`curve_agents` around the chosen number.
    """
    if model not in plan.columns:
        raise ValueError(f"model {model!r} is not a column of the staffing table")
    peak = peak_interval(plan, queue_id, media_type)
    chosen = int(peak[model])
    traffic = float(peak["arrival_rate"]) * float(peak["aht_seconds"])
    concurrency = int(peak["concurrency"]) if "concurrency" in peak.index else 1
    agents = curve_agents(traffic, chosen, concurrency=concurrency)
    minute = int(peak["slot_minute"])
    return PeakCurve(
        when=f"{WEEKDAYS[int(peak['weekday'])]} {minute // 60:02d}:{minute % 60:02d}",
        chosen=chosen,
        goal_level=float(peak["goal_service_level"]),
        target_seconds=float(peak["target_seconds"]),
        traffic_erlangs=traffic,
        curve=staffing_curve(plan.loc[[peak.name]], agents, predict),
    )


# --- required, scheduled, staffed and WFM's requirement (policy.workforce's view) -----------

WORKFORCE_COLUMNS = ("required", "scheduled", "staffed", "wfm_required")


def _agent_hours(rows: pd.DataFrame, column: str) -> float:
    """Agents × interval hours summed over the rows (NaN when the column says nothing)."""
    values = rows[column].to_numpy(dtype=np.float64)
    known = np.isfinite(values)
    if not known.any():
        return float("nan")
    hours = rows["interval_seconds"].to_numpy(dtype=np.float64) / 3600.0
    return float(np.sum(values[known] * hours[known]))


def workforce_table(per_queue: pd.DataFrame) -> pd.DataFrame:
    """Per queue and media type over the week: agent-hours required (routingkit), scheduled,
    staffed and required by WFM (the queue's planning group's, shared by its queues), with
    the peak required and scheduled agents.

    ``per_queue``: ``policy.workforce.workforce_view(...).per_queue``. Columns:
    ``queue_name``, ``media_type``, ``planning_group``, ``required_agent_hours``,
    ``scheduled_agent_hours``, ``staffed_agent_hours``, ``group_wfm_agent_hours``,
    ``peak_required``, ``peak_scheduled``, ``scheduled_gap`` ((required − scheduled) /
    required: positive is short), ``queue_id``; sorted by required agent-hours, largest first.
    """
    _check(
        per_queue,
        (*KEYS, "planning_group", "interval_seconds", *WORKFORCE_COLUMNS),
        "the workforce view",
    )
    rows = []
    for (queue_id, name, media), group in per_queue.groupby(KEYS, sort=False, dropna=False):
        required = _agent_hours(group, "required")
        scheduled = _agent_hours(group, "scheduled")
        rows.append(
            {
                "queue_name": name,
                "media_type": media,
                "planning_group": group["planning_group"].iloc[0],
                "required_agent_hours": required,
                "scheduled_agent_hours": scheduled,
                "staffed_agent_hours": _agent_hours(group, "staffed"),
                "group_wfm_agent_hours": _agent_hours(group, "wfm_required"),
                "peak_required": float(group["required"].max()),
                "peak_scheduled": float(group["scheduled"].max()),
                "scheduled_gap": float(_share(required - scheduled, required)),
                "queue_id": queue_id,
            }
        )
    table: pd.DataFrame = pd.DataFrame(rows)
    if table.empty:
        return table
    result: pd.DataFrame = table.sort_values(
        ["required_agent_hours", "queue_name"], ascending=[False, True], na_position="last"
    ).reset_index(drop=True)
    return result


def wfm_comparison(per_group: pd.DataFrame) -> pd.DataFrame:
    """Per planning group over the week: routingkit's required agent-hours against WFM's
    staffing requirement, with the scheduled and staffed agent-hours.

    ``per_group``: ``policy.workforce.workforce_view(...).per_group``. ``wfm_vs_routingkit``
    is WFM's agent-hours over routingkit's, less one (0.08: WFM requires 8 % more); NaN where
    either is unknown. ``intervals_wfm_higher`` and ``intervals_wfm_lower`` count intervals
    where WFM asks at least one agent more or fewer.
    """
    _check(
        per_group,
        ("planning_group", "interval_seconds", *WORKFORCE_COLUMNS),
        "the planning-group view",
    )
    rows = []
    for name, group in per_group.groupby("planning_group", sort=False):
        required = _agent_hours(group, "required")
        wfm = _agent_hours(group, "wfm_required")
        gap = group["wfm_required"].to_numpy(dtype=np.float64) - group["required"].to_numpy(
            dtype=np.float64
        )
        rows.append(
            {
                "planning_group": name,
                "required_agent_hours": required,
                "wfm_agent_hours": wfm,
                "wfm_vs_routingkit": float(_share(wfm - required, required)),
                "scheduled_agent_hours": _agent_hours(group, "scheduled"),
                "staffed_agent_hours": _agent_hours(group, "staffed"),
                "intervals_wfm_higher": int(np.sum(gap >= 1.0)),
                "intervals_wfm_lower": int(np.sum(gap <= -1.0)),
            }
        )
    comparison: pd.DataFrame = pd.DataFrame(rows)
    return comparison


def _hours_text(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def wfm_headlines(comparison: pd.DataFrame, *, tolerance: float = 0.005) -> list[str]:
    """One line per planning group: how WFM's requirement compares with routingkit's, e.g.
    "WFM requires 8 % more agent-hours than routingkit for Support Voice (1,103 against
    1,026 agent-hours)"; within ``tolerance`` they agree; a group missing either figure says
    which, and one line says when no group has WFM's."""
    if len(comparison) and not np.isfinite(comparison["wfm_agent_hours"].to_numpy(float)).any():
        return [
            "No WFM staffing requirement for the week (it has no short-term forecast): "
            "routingkit's required agents are not compared with WFM's"
        ]
    lines = []
    for row in comparison.to_dict("records"):
        name = str(row["planning_group"])
        wfm = float(row["wfm_agent_hours"])
        required = float(row["required_agent_hours"])
        if not np.isfinite(wfm):
            lines.append(f"{name}: no WFM staffing requirement for the week (no forecast)")
            continue
        if not np.isfinite(required) or required <= 0:
            lines.append(f"{name}: routingkit has no required agents for its queues")
            continue
        ratio = wfm / required - 1.0
        figures = f"({_hours_text(wfm)} against {_hours_text(required)} agent-hours)"
        if abs(ratio) < tolerance:
            lines.append(f"WFM requires the same agent-hours as routingkit for {name} {figures}")
        else:
            more = "more" if ratio > 0 else "fewer"
            lines.append(
                f"WFM requires {abs(ratio) * 100:.0f} % {more} agent-hours than routingkit "
                f"for {name} {figures}"
            )
    return lines


def wfm_comparison_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """:func:`wfm_comparison` for reading: names first, whole agent-hours, WFM's difference
    as a signed percentage."""

    def hours(value: float) -> str:
        return "" if not np.isfinite(value) else f"{value:,.0f}"

    def percent(value: float) -> str:
        return "" if not np.isfinite(value) else f"{value * 100:+.0f} %"

    readable: pd.DataFrame = pd.DataFrame(
        {
            "Planning group": comparison["planning_group"],
            "Required, routingkit (agent-hours)": comparison["required_agent_hours"].map(hours),
            "Required, WFM (agent-hours)": comparison["wfm_agent_hours"].map(hours),
            "WFM against routingkit": comparison["wfm_vs_routingkit"].map(percent),
            "Scheduled (agent-hours)": comparison["scheduled_agent_hours"].map(hours),
            "Staffed (agent-hours)": comparison["staffed_agent_hours"].map(hours),
        }
    )
    return readable
