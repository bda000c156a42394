"""Required agents per interval: the one staffing pipeline (pure functions on tables).

Input is a typical week (``routingkit.workload.typical_week``, or a workload file read by
``policy.workload_csv``): one row per queue id, media type, weekday and slot, with
``arrival_rate`` (per second), ``aht_seconds``, ``patience_seconds`` (``inf``: nobody abandons)
and ``interval_seconds``. Goals come from ``policy.goals.resolve_goals``, one per queue and
media type. Every answer the CLI, the notebooks and the deployment see comes from here.

Models: Erlang C (no abandonment) and Erlang A (exponential patience; where a queue shows no
abandonment, Erlang A is Erlang C and the table says so in ``erlang_a_is_erlang_c``). Agents
working ``concurrency`` interactions at once are counted as that many servers each (an
M/M/(N·k) approximation), then rounded up to whole agents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..capacity import erlang_a, required_agents
from ..capacity.erlang import asa, occupancy, service_level
from .goals import GOAL_COLUMNS

KEYS = ["queue_id", "queue_name", "media_type"]
SLOT = ["weekday", "slot"]
WEEK_COLUMNS = (
    *KEYS,
    "weekday",
    "slot",
    "slot_minute",
    "interval_seconds",
    "arrival_rate",
    "aht_seconds",
    "patience_seconds",
)
MODELS = ("erlang_c", "erlang_a", "simulation")
ModelName = Literal["erlang_c", "erlang_a", "simulation"]


class StaffingOptions(BaseModel):
    """Everything besides the service goal that changes the answer; all visible in outputs.

    ``max_abandon``: at most this fraction of offered interactions abandons (Erlang A and
    simulation only). ``max_occupancy``: agents busy at most this share of their on-queue
    time. ``max_asa_seconds``: mean wait of answered interactions. None: no such cap (the
    default: only the service goal binds). ``shrinkage``: share of paid time not available
    for queue work, for rostered heads. ``model``: the column chosen for the capacity plan.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_abandon: float | None = Field(default=None, gt=0.0, lt=1.0)
    max_occupancy: float | None = Field(default=None, gt=0.0, le=1.0)
    max_asa_seconds: float | None = Field(default=None, gt=0.0)
    shrinkage: float = Field(default=0.3, ge=0.0, lt=1.0)
    model: ModelName = "erlang_a"

    def describe(self) -> str:
        """``"no abandon cap, occupancy at most 85%, no ASA cap; 30% shrinkage; erlang_a"``."""
        caps = [
            "no abandon cap"
            if self.max_abandon is None
            else f"abandon at most {self.max_abandon:.0%}",
            "no occupancy cap"
            if self.max_occupancy is None
            else f"occupancy at most {self.max_occupancy:.0%}",
            "no ASA cap"
            if self.max_asa_seconds is None
            else f"ASA at most {self.max_asa_seconds:g} s",
        ]
        return f"{', '.join(caps)}; {self.shrinkage:.0%} shrinkage; model {self.model}"


def check_week(week: pd.DataFrame, what: str = "the workload") -> None:
    """Refuse a table that lacks a column the pipeline needs, naming it."""
    missing = [c for c in WEEK_COLUMNS if c not in week.columns]
    if missing:
        raise ValueError(
            f"{what} lacks column(s) {', '.join(missing)}; build it with "
            "routingkit.workload.typical_week or read a workload file with "
            "routingkit.policy.read_workload"
        )
    if week.empty:
        raise ValueError(f"{what} has no rows; there is nothing to staff")


def _first_bad(week: pd.DataFrame, bad: npt.NDArray[np.bool_]) -> str:
    row = week.iloc[int(np.argmax(bad))]
    minute = int(row["slot_minute"])
    return (
        f"{row['queue_name']} / {row['media_type']} on weekday {int(row['weekday'])} at "
        f"{minute // 60:02d}:{minute % 60:02d}"
    )


def with_goals(week: pd.DataFrame, goals: pd.DataFrame) -> pd.DataFrame:
    """``week`` with each row's goal columns (from ``resolve_goals``) joined on id and media."""
    check_week(week)
    joined = week.drop(columns=[c for c in GOAL_COLUMNS if c in week.columns]).merge(
        goals[["queue_id", "media_type", *GOAL_COLUMNS]], on=["queue_id", "media_type"], how="left"
    )
    lost = joined["goal_service_level"].isna().to_numpy()
    if lost.any():
        raise ValueError(
            f"no service goal for {_first_bad(joined, lost)}; resolve goals for every queue "
            "of the workload (routingkit.policy.resolve_goals)"
        )
    result: pd.DataFrame = joined
    return result


def required_staffing(
    week: pd.DataFrame,
    goals: pd.DataFrame,
    options: StaffingOptions | None = None,
    *,
    concurrency: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Agents per interval by Erlang C and Erlang A for every row of ``week``.

    ``goals``: a ``resolve_goals`` table; ``concurrency``: interactions one agent works at
    once per analytics media type (default 1). Adds ``traffic_erlangs``, the goal columns,
    ``concurrency``, ``erlang_c``, ``erlang_a`` (whole agents on queue) and
    ``erlang_a_is_erlang_c`` (True where no abandonment was observed, so the two coincide).
    Intervals with no arrivals need 0 agents; an interval with arrivals but no usable handle
    time is an error naming it.
    """
    options = options or StaffingOptions()
    plan = with_goals(week, goals)
    rate = plan["arrival_rate"].to_numpy(dtype=float)
    bad = ~np.isfinite(rate) | (rate < 0)
    if bad.any():
        raise ValueError(
            f"arrival_rate is {rate[bad][0]!r} for {_first_bad(plan, bad)}; rates must be "
            "finite and >= 0 per second"
        )
    aht = plan["aht_seconds"].to_numpy(dtype=float)
    busy = rate > 0
    bad = busy & ~(np.isfinite(aht) & (aht > 0))
    if bad.any():
        raise ValueError(
            f"aht_seconds is {aht[bad][0]!r} for {_first_bad(plan, bad)}, which has arrivals; "
            "give a handle time > 0 seconds (the queue handled nothing in the history used: "
            "widen the range or set its AHT)"
        )
    aht = np.where(busy, aht, 1.0)
    patience = plan["patience_seconds"].to_numpy(dtype=float)
    bad = np.isnan(patience) | (patience <= 0)
    patience = np.where(bad, np.inf, patience)  # no abandons observed: nobody hangs up
    per_agent = plan["media_type"].map(dict(concurrency or {})).fillna(1).astype(int)
    k = np.maximum(per_agent.to_numpy(dtype=np.int64), 1)
    target = plan["target_seconds"].to_numpy(dtype=float)
    level = plan["goal_service_level"].to_numpy(dtype=float)
    traffic = rate * aht

    seats_c = required_agents(
        traffic,
        aht,
        target,
        level,
        max_occupancy=options.max_occupancy,
        max_asa=options.max_asa_seconds,
    )
    seats_a = np.array(seats_c, dtype=float, copy=True)
    impatient = np.isfinite(patience)
    if impatient.any():
        idx = np.flatnonzero(impatient)
        seats_a[idx] = required_agents(
            traffic[idx],
            aht[idx],
            target[idx],
            level[idx],
            model="erlang_a",
            patience=patience[idx],
            max_abandon=options.max_abandon,
            max_occupancy=options.max_occupancy,
            max_asa=options.max_asa_seconds,
        )
    plan["patience_seconds"] = patience
    plan["traffic_erlangs"] = traffic
    plan["concurrency"] = k
    plan["erlang_c"] = -(-np.asarray(seats_c, dtype=np.int64) // k)
    plan["erlang_a"] = -(-seats_a.astype(np.int64) // k)
    plan["erlang_a_is_erlang_c"] = ~impatient
    return plan


def predicted_service(plan: pd.DataFrame, agents: npt.ArrayLike) -> pd.DataFrame:
    """Service level (the goal's definition), ASA, abandon rate and occupancy at ``agents``.

    ``agents``: whole agents on queue per row of ``plan`` (a ``required_staffing`` table).
    Rows with patience use Erlang A (ASA over answered interactions, as analytics reports it);
    the others Erlang C (abandon rate 0). An unstable Erlang C row gets service level 0 and an
    infinite ASA, by definition.
    """
    n = np.asarray(agents, dtype=float) * plan["concurrency"].to_numpy(dtype=float)
    rate = plan["arrival_rate"].to_numpy(dtype=float)
    aht = plan["aht_seconds"].to_numpy(dtype=float)
    aht = np.where(np.isfinite(aht) & (aht > 0), aht, 1.0)
    target = plan["target_seconds"].to_numpy(dtype=float)
    patience = plan["patience_seconds"].to_numpy(dtype=float)
    traffic = rate * aht
    level = np.ones(len(plan))
    wait = np.zeros(len(plan))
    abandon = np.zeros(len(plan))
    busy = np.zeros(len(plan))
    active = rate > 0
    impatient = active & np.isfinite(patience)
    patient = active & ~np.isfinite(patience)
    if patient.any():
        i = np.flatnonzero(patient)
        level[i] = service_level(n[i], traffic[i], aht[i], target[i])
        wait[i] = asa(n[i], traffic[i], aht[i])
        busy[i] = np.where(n[i] > traffic[i], occupancy(n[i], traffic[i]), 1.0)
    if impatient.any():
        i = np.flatnonzero(impatient)
        model = erlang_a(n[i], rate[i], aht[i], patience[i])
        level[i] = model.service_level(target[i])
        wait[i] = np.asarray(model.asa_answered, dtype=float)
        abandon[i] = np.asarray(model.p_abandon, dtype=float)
        busy[i] = np.asarray(model.occupancy, dtype=float)
    result: pd.DataFrame = pd.DataFrame(
        {
            "service_level": level,
            "asa_seconds": wait,
            "abandon_rate": abandon,
            "occupancy": busy,
        },
        index=plan.index,
    )
    return result


def requirement_summary(plan: pd.DataFrame, models: Iterable[str] | None = None) -> pd.DataFrame:
    """Per queue and media type: the goal, then peak agents and agent-hours by model."""
    chosen = [m for m in (models or (*MODELS, "staffed")) if m in plan.columns]
    hours = plan[chosen].mul(plan["interval_seconds"], axis=0) / 3600.0
    frame = pd.concat(
        [
            plan[[*KEYS, "goal_service_level", "target_seconds", "goal_source"]],
            plan[chosen].add_suffix("_peak"),
            hours.add_suffix("_agent_hours"),
        ],
        axis=1,
    )
    agg: dict[str, str] = {
        "goal_service_level": "first",
        "target_seconds": "first",
        "goal_source": "first",
        **{f"{m}_peak": "max" for m in chosen},
        **{f"{m}_agent_hours": "sum" for m in chosen},
    }
    summary: pd.DataFrame = frame.groupby(KEYS, observed=True, sort=False).agg(agg).reset_index()
    return summary


def model_notes(plan: pd.DataFrame) -> list[str]:
    """What each model column adds, in words: where one only copies another, say so."""
    notes = []
    total = len(plan)
    same = int(plan["erlang_a_is_erlang_c"].sum()) if "erlang_a_is_erlang_c" in plan else 0
    if same:
        notes.append(
            f"erlang_a equals erlang_c in {same:,} of {total:,} intervals: those queues showed "
            "no abandonment in the history, so there is no patience to model"
        )
    if "simulation" in plan.columns:
        start = str(plan.attrs.get("simulation_start", "erlang_a"))
        changed = int((plan["simulation"] != plan[start]).sum())
        notes.append(
            f"simulation changed {changed:,} of {total:,} intervals from {start} (it adds agents "
            "only where the simulated day, with queues carried across intervals, misses a goal "
            "with the whole confidence interval)"
            if changed
            else f"simulation confirmed {start} in every interval: it changed none of {total:,}"
        )
    return notes


def busiest_queues(plan: pd.DataFrame, count: int, model: str = "erlang_a") -> list[str]:
    """Ids of the ``count`` queues with the most agent-intervals under ``model``."""
    totals = plan.groupby("queue_id", observed=True)[model].sum()
    return [str(q) for q in totals.sort_values(ascending=False).index[:count]]


def scale_week(
    week: pd.DataFrame, *, volume: float = 1.0, aht: float = 1.0, patience: float = 1.0
) -> pd.DataFrame:
    """A scenario: volumes, handle times and patience multiplied by the given factors."""
    for name, factor in (("volume", volume), ("aht", aht), ("patience", patience)):
        if not factor > 0:
            raise ValueError(f"{name} factor is {factor}; it must be > 0 (1.0 = unchanged)")
    out: pd.DataFrame = week.copy()
    out["arrival_rate"] = out["arrival_rate"] * volume
    out["aht_seconds"] = out["aht_seconds"] * aht
    out["patience_seconds"] = out["patience_seconds"] * patience
    return out


def scenarios(
    week: pd.DataFrame,
    goals: pd.DataFrame,
    options: StaffingOptions | None = None,
    *,
    volume_change: float,
    aht_change: float,
    patience_factor: float,
    concurrency: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Peak and agent-hours per queue for the base case and three what-ifs."""
    cases = {
        "base": scale_week(week),
        f"volume {volume_change:+.0%}": scale_week(week, volume=1 + volume_change),
        f"AHT {aht_change:+.0%}": scale_week(week, aht=1 + aht_change),
        f"patience x{patience_factor:g}": scale_week(week, patience=patience_factor),
    }
    frames = []
    for name, case in cases.items():
        plan = required_staffing(case, goals, options, concurrency=concurrency)
        frames.append(requirement_summary(plan, ("erlang_c", "erlang_a")).assign(scenario=name))
    combined: pd.DataFrame = pd.concat(frames, ignore_index=True)
    return combined


def sensitivity(
    week: pd.DataFrame,
    goals: pd.DataFrame,
    options: StaffingOptions | None = None,
    *,
    queue_id: str | None = None,
    changes: Iterable[float] = (-0.2, -0.1, 0.0, 0.1, 0.2, 0.3),
    concurrency: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Peak Erlang A agents of one queue (default: the busiest) as volume or AHT change."""
    if queue_id is None:
        load = week.assign(load=week["arrival_rate"] * week["aht_seconds"].fillna(0))
        queue_id = str(load.groupby("queue_id", observed=True)["load"].sum().idxmax())
    one = week[week["queue_id"] == queue_id]
    if one.empty:
        raise ValueError(
            f"queue id {queue_id!r} is not in the workload; it has "
            f"{', '.join(sorted(week['queue_id'].astype(str).unique()))}"
        )
    name = str(one["queue_name"].iloc[0])
    rows = []
    for change in changes:
        for driver, case in (
            ("volume", scale_week(one, volume=1 + change)),
            ("handle time", scale_week(one, aht=1 + change)),
        ):
            plan = required_staffing(case, goals, options, concurrency=concurrency)
            rows.append(
                {
                    "queue_id": queue_id,
                    "queue_name": name,
                    "driver": driver,
                    "change": change,
                    "peak_agents": int(plan["erlang_a"].max()),
                }
            )
    curves: pd.DataFrame = pd.DataFrame(rows)
    return curves
