"""From a typical week of workload to the agents each queue needs, and the capacities to deploy.

Inputs are the tidy tables of :mod:`routingkit.workload` (one row per queue, media type and
interval, with ``arrival_rate`` per second, ``aht_seconds`` and the queue's patience). Outputs
are tables with one column per model: Erlang C (no abandonment), Erlang A (exponential
patience) and, when asked, discrete-event simulation of the day with the Erlang A staffing,
corrected interval by interval until the simulated goals hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..capacity import erlang_a, required_agents, scheduled_agents
from ..genesys import GenesysClient
from ..genesys.models import analytics_media_type, queue_media_key

KEYS = ["queue_id", "queue_name", "media_type"]


@dataclass(frozen=True)
class Goals:
    """What every queue must achieve in every interval."""

    service_level: float = 0.8  # fraction answered within target_seconds (Genesys's definition)
    target_seconds: float = 20.0
    max_abandon: float | None = 0.05  # Erlang A / simulation only
    max_occupancy: float | None = 0.85
    max_asa_seconds: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.service_level < 1.0:
            raise ValueError(f"service_level is {self.service_level}; give a fraction in (0, 1)")
        if self.target_seconds < 0:
            raise ValueError(f"target_seconds is {self.target_seconds}; it must be >= 0")
        if self.max_abandon is not None and not 0.0 < self.max_abandon < 1.0:
            raise ValueError(f"max_abandon is {self.max_abandon}; give a fraction in (0, 1)")
        if self.max_occupancy is not None and not 0.0 < self.max_occupancy <= 1.0:
            raise ValueError(f"max_occupancy is {self.max_occupancy}; give a fraction in (0, 1]")


def _check_columns(frame: pd.DataFrame, needed: Iterable[str], what: str) -> None:
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} lacks column(s) {', '.join(missing)}; build it with "
            "routingkit.workload (fetch_history, typical_week)"
        )


def required_staffing(
    week: pd.DataFrame,
    goals: Goals,
    *,
    targets: dict[str, float] | None = None,
    concurrency: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Agents per interval by Erlang C and Erlang A, for every row of a typical week.

    ``week`` needs ``arrival_rate`` (per second), ``aht_seconds`` and ``patience_seconds``
    (``inf`` where nobody abandons). ``targets`` maps queue names to their own answer-time
    target in seconds (digital queues measure in minutes or hours); others use the goal's.
    """
    _check_columns(week, [*KEYS, "arrival_rate", "aht_seconds", "patience_seconds"], "week")
    plan: pd.DataFrame = week.copy()
    aht = plan["aht_seconds"].to_numpy(float)
    rate = plan["arrival_rate"].to_numpy(float)
    bad = ~np.isfinite(rate) | (rate < 0)
    if bad.any():
        row = plan.iloc[int(np.argmax(bad))]
        raise ValueError(
            f"arrival_rate is {row['arrival_rate']} for {row['queue_name']} at "
            f"{row.get('interval_start', '?')}; rates must be finite and >= 0"
        )
    busy = rate > 0
    aht = np.where(busy & ~np.isfinite(aht), np.nanmedian(aht[busy]) if busy.any() else 1.0, aht)
    aht = np.where(aht > 0, aht, 1.0)
    target = plan["queue_name"].map(targets or {}).fillna(goals.target_seconds).to_numpy(float)
    traffic = rate * aht
    plan["traffic_erlangs"] = traffic
    plan["erlang_c"] = required_agents(
        traffic,
        aht,
        target,
        goals.service_level,
        max_occupancy=goals.max_occupancy,
        max_asa=goals.max_asa_seconds,
    )
    patience = plan["patience_seconds"].to_numpy(float)
    impatient = np.isfinite(patience) & (patience > 0)
    erlang_a_agents = plan["erlang_c"].to_numpy().copy()
    if impatient.any():
        idx = np.flatnonzero(impatient)
        erlang_a_agents[idx] = required_agents(
            traffic[idx],
            aht[idx],
            target[idx],
            goals.service_level,
            model="erlang_a",
            patience=patience[idx],
            max_abandon=goals.max_abandon,
            max_occupancy=goals.max_occupancy,
            max_asa=goals.max_asa_seconds,
        )
    plan["erlang_a"] = erlang_a_agents
    plan["target_seconds"] = target
    per_agent = plan["media_type"].map(concurrency or {}).fillna(1).clip(lower=1).astype(int)
    plan["concurrency"] = per_agent
    k = per_agent.to_numpy()
    for m in ("erlang_c", "erlang_a"):
        plan[m] = -(-plan[m].to_numpy() // k)  # ceil(seats / concurrency), in whole numbers
    # the service the rostered agents give: their seats, rounded up to whole agents
    model = erlang_a(plan["erlang_a"].to_numpy() * k, rate, aht, np.where(impatient, patience, 1e9))
    plan["predicted_service_level"] = model.service_level(target)
    plan["predicted_abandon"] = np.asarray(model.p_abandon)
    return plan


def add_simulation(
    plan: pd.DataFrame,
    goals: Goals,
    *,
    replications: int = 10,
    seed: int = 0,
    rounds: int = 4,
    start_from: str = "erlang_a",
    min_offered: float = 5.0,
) -> pd.DataFrame:
    """A ``simulation`` column: the ``start_from`` staffing, corrected by simulating each day.

    Each queue's week is simulated (time-varying Poisson arrivals, exponential handling with
    the day's AHT, exponential patience, queues carried over from one interval to the next);
    an interval whose simulated service level is below the goal, or abandonment above it, with
    the whole confidence interval on the wrong side, gets one more agent, for up to ``rounds``
    rounds. Intervals offering fewer than ``min_offered`` interactions keep their staffing:
    their simulated service level is too noisy to act on.
    """
    from ..capacity.simulation import HandleTime, simulate_queue

    out: pd.DataFrame = plan.copy()
    out["simulation"] = out[start_from]
    for _, rows in plan.groupby(KEYS, observed=True):
        rows = rows.sort_values(["weekday", "slot"])
        days = sorted(rows["weekday"].unique())
        slots = int(rows["slot"].max()) + 1
        shape = (len(days), slots)
        position = (
            rows["weekday"].map({d: i for i, d in enumerate(days)}).to_numpy(),
            rows["slot"].to_numpy(int),
        )
        rates = np.zeros(shape)
        rates[position] = rows["arrival_rate"].to_numpy(float)
        staff = np.zeros(shape, dtype=np.int64)
        staff[position] = rows[start_from].to_numpy(int)
        per_agent = int(rows["concurrency"].iloc[0]) if "concurrency" in rows else 1
        load = np.zeros(shape)
        load[position] = (rows["arrival_rate"] * rows["aht_seconds"].fillna(0)).to_numpy()
        aht_day = np.where(
            rates.sum(1) > 0,
            load.sum(1) / np.maximum(rates.sum(1), 1e-12),
            float(np.nanmean(rows["aht_seconds"])) if rows["aht_seconds"].notna().any() else 300.0,
        )
        aht_day = np.where(aht_day > 0, aht_day, 300.0)
        patience = float(rows["patience_seconds"].iloc[0])
        interval = float(rows["interval_seconds"].iloc[0]) if "interval_seconds" in rows else 1800.0
        target = (
            float(rows["target_seconds"].iloc[0])
            if "target_seconds" in rows
            else (goals.target_seconds)
        )
        for _ in range(rounds):
            result = simulate_queue(
                rates,
                staff * per_agent,
                interval,
                HandleTime.exponential(aht_day),
                patience=patience if np.isfinite(patience) else None,
                target_seconds=target,
                replications=replications,
                seed=seed,
            )
            figures = result.intervals
            level = figures.service_level("offered")
            offered = figures.offered.mean
            miss = (offered >= min_offered) & (level.mean + level.half_width < goals.service_level)
            if goals.max_abandon is not None and np.isfinite(patience):
                abandon = figures.p_abandon
                miss |= (offered >= min_offered) & (
                    abandon.mean - abandon.half_width > goals.max_abandon
                )
            if not miss.any():
                break
            staff = staff + miss.astype(np.int64)
        out.loc[rows.index, "simulation"] = staff[position]
    return out


def staffed_agents(client: GenesysClient, week: pd.DataFrame) -> pd.Series | None:
    """Agents actually on queue per row of ``week``, where the org can say; else None.

    The sandbox org knows the staffing its history was simulated with (its ground truth). A
    real org keeps on-queue time per agent, not per queue, and schedules in WFM, which this
    version does not read: for a real org this returns None and the notebook says so.
    """
    from ..genesys import GenesysError
    from ..genesys.regions import resolve_region

    if not resolve_region(client.api_url).is_local:
        return None  # only a local sandbox answers this; never probe a production host
    try:
        truth = client.request("GET", "/sandbox/admin/ground-truth")
    except GenesysError:
        return None
    if not truth or "queues" not in truth:
        return None
    slot_seconds = int(truth.get("slot_seconds", 900))
    by_name = {q["queue_name"]: np.asarray(q["staffing"], dtype=float) for q in truth["queues"]}
    values = np.full(len(week), np.nan)
    interval = week["interval_seconds"].to_numpy(int)
    for i, (name, weekday, minute, seconds) in enumerate(
        zip(week["queue_name"], week["weekday"], week["slot_minute"], interval, strict=True)
    ):
        staffing = by_name.get(name)
        if staffing is None:
            continue
        first = int(minute) * 60 // slot_seconds
        count = max(1, int(seconds) // slot_seconds)
        values[i] = staffing[int(weekday), first : first + count].mean()
    staffed: pd.Series = pd.Series(values, index=week.index, name="staffed")
    return staffed


def media_concurrency(client: GenesysClient) -> dict[str, int]:
    """Interactions one agent works at once, per analytics media type (org utilization)."""
    settings = client.utilization.org().utilization or {}
    out: dict[str, int] = {}
    for key, media in settings.items():
        if media.maximum_capacity:
            out[analytics_media_type(key)] = int(media.maximum_capacity)
    return out


def requirement_summary(plan: pd.DataFrame) -> pd.DataFrame:
    """Peak and total agent-hours per queue, by model."""
    models = [c for c in ("erlang_c", "erlang_a", "simulation", "staffed") if c in plan.columns]
    seconds = plan.get("interval_seconds", 1800.0)
    hours = plan[models].mul(seconds, axis=0) / 3600.0
    frame = pd.concat(
        [plan[KEYS], hours.add_suffix("_agent_hours"), plan[models].add_suffix("_peak")], axis=1
    )
    agg = {**{f"{m}_peak": "max" for m in models}, **{f"{m}_agent_hours": "sum" for m in models}}
    summary: pd.DataFrame = frame.groupby(KEYS, observed=True).agg(agg).reset_index()
    return summary


def capacities(plan: pd.DataFrame, *, shrinkage: float, model: str = "erlang_a") -> pd.DataFrame:
    """The chosen capacity per queue and interval: required agents and rostered heads."""
    if model not in plan.columns:
        raise ValueError(
            f"model {model!r} is not in the plan; choose one of "
            f"{', '.join(c for c in ('erlang_c', 'erlang_a', 'simulation') if c in plan)}"
        )
    out: pd.DataFrame = plan[
        [*KEYS, "weekday", "slot", "arrival_rate", "aht_seconds", model]
    ].rename(columns={model: "required_agents"})
    out["rostered_agents"] = scheduled_agents(out["required_agents"].to_numpy(), shrinkage)
    out["model"] = model
    return out


def save_capacities(output_dir: Path | str, table: pd.DataFrame, goals: Goals) -> list[Path]:
    """CSV and JSON of the chosen capacities, for the deployment step."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "capacities.csv"
    table.to_csv(csv_path, index=False)
    json_path = out / "capacities.json"
    queues: dict[str, Any] = {}
    for (qid, name, media), rows in table.groupby(KEYS, observed=True):
        queues[str(qid)] = {
            "queue_name": name,
            "media_type": media,
            "peak_required_agents": int(rows["required_agents"].max()),
            "peak_rostered_agents": int(rows["rostered_agents"].max()),
            "intervals": rows[["weekday", "slot", "required_agents", "rostered_agents"]]
            .astype(int)
            .to_dict(orient="records"),
        }
    json_path.write_text(json.dumps({"goals": asdict(goals), "queues": queues}, indent=1))
    return [csv_path, json_path]


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
    goals: Goals,
    *,
    volume_change: float,
    aht_change: float,
    patience_factor: float,
    targets: dict[str, float] | None = None,
    concurrency: dict[str, int] | None = None,
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
        plan = required_staffing(case, goals, targets=targets, concurrency=concurrency)
        summary = requirement_summary(plan)
        frames.append(summary.assign(scenario=name))
    combined: pd.DataFrame = pd.concat(frames, ignore_index=True)
    return combined


def sensitivity(
    week: pd.DataFrame,
    goals: Goals,
    *,
    queue: str | None = None,
    changes: Iterable[float] = (-0.2, -0.1, 0.0, 0.1, 0.2, 0.3),
    targets: dict[str, float] | None = None,
    concurrency: dict[str, int] | None = None,
) -> pd.DataFrame:
    """Peak Erlang A agents of one queue (default: the busiest) as volume or AHT change."""
    if queue is None:
        load = week.assign(load=week["arrival_rate"] * week["aht_seconds"])
        queue = str(load.groupby("queue_name", observed=True)["load"].sum().idxmax())
    one = week[week["queue_name"] == queue]
    if one.empty:
        raise ValueError(
            f"queue {queue!r} is not in the week; it has "
            f"{', '.join(sorted(week['queue_name'].unique()))}"
        )
    rows = []
    for change in changes:
        for driver, case in (
            ("volume", scale_week(one, volume=1 + change)),
            ("handle time", scale_week(one, aht=1 + change)),
        ):
            plan = required_staffing(case, goals, targets=targets, concurrency=concurrency)
            rows.append(
                {
                    "queue_name": queue,
                    "driver": driver,
                    "change": change,
                    "peak_agents": int(plan["erlang_a"].max()),
                }
            )
    curves: pd.DataFrame = pd.DataFrame(rows)
    return curves


def queue_targets(
    client: GenesysClient, week: pd.DataFrame, *, keep_media: Iterable[str] | None = None
) -> dict[str, float]:
    """Each queue's own answer-time target (seconds) from its media settings.

    Digital queues measure service in minutes or hours; their configured target is what the
    staffing must meet. Queues without a configured target are left out (the goal's applies),
    and so are queues whose media type is not in ``keep_media`` (when given).
    """
    keep = None if keep_media is None else set(keep_media)
    wanted = {
        name
        for name, media in week[["queue_name", "media_type"]]
        .drop_duplicates()
        .itertuples(index=False)
        if keep is None or media in keep
    }
    targets: dict[str, float] = {}
    for queue in client.queues.list():
        name = queue.name
        if name is None or name not in wanted or queue.media_settings is None:
            continue
        media = week.loc[week["queue_name"] == name, "media_type"].iloc[0]
        setting = getattr(queue.media_settings, queue_media_key(media), None)
        level = setting.service_level if setting is not None else None
        if level is not None and level.duration_ms is not None:
            targets[name] = level.duration_ms / 1000.0
    return targets


def busiest_queues(plan: pd.DataFrame, count: int) -> list[str]:
    totals = plan.groupby("queue_name", observed=True)["erlang_a"].sum()
    return [str(q) for q in totals.sort_values(ascending=False).index[:count]]
