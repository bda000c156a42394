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


def with_staffed(capacity: pd.DataFrame, staffing: pd.DataFrame | None) -> pd.DataFrame:
    """``capacity`` with a ``staffed`` column (agents on queue; NaN where unknown).

    ``staffing``: a table keyed by ``queue_id``, ``media_type``, ``weekday`` and
    ``slot_minute`` with a ``staffed`` column (the staffing table of the notebook after
    ``policy.staffed.staffed_agents``); None or without ``staffed``: all NaN.
    """
    out = capacity.drop(columns=[c for c in ("staffed",) if c in capacity.columns])
    if staffing is None or "staffed" not in staffing.columns:
        result: pd.DataFrame = out.assign(staffed=np.nan)
        return result
    keys = ["queue_id", "media_type", *SLOT]
    merged: pd.DataFrame = out.merge(
        staffing[[*keys, "staffed"]].drop_duplicates(keys), on=keys, how="left"
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
