"""The ``simulation`` staffing column: a model's staffing, checked and corrected by simulating.

Erlang C and A take each interval alone, at a steady state it never reaches. The simulation
replays each queue's week with time-varying Poisson arrivals, queues carried from one interval
into the next, and the interval's handle time and patience; an interval whose simulated
service level is below its goal (or abandonment above the cap), with the whole confidence
interval on the wrong side, gets one more agent, for up to ``rounds`` rounds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .requirements import KEYS, StaffingOptions


def add_simulation(
    plan: pd.DataFrame,
    options: StaffingOptions | None = None,
    *,
    replications: int = 10,
    seed: int = 0,
    rounds: int = 4,
    start_from: str = "erlang_a",
    min_offered: float = 5.0,
    progress: bool = False,
) -> pd.DataFrame:
    """``plan`` (a ``required_staffing`` table) with a ``simulation`` column.

    ``progress``: a progress bar of queues simulated (in a notebook, or on stderr; a report
    run from the command line shows it there too).

    Intervals offering fewer than ``min_offered`` interactions keep their staffing: their
    simulated service level is too noisy to act on. ``plan.attrs["simulation_start"]`` records
    ``start_from`` so that ``model_notes`` can say how much the simulation changed.
    """
    from ..capacity.simulation import HandleTime, simulate_queue

    if replications < 2:
        raise ValueError(f"replications is {replications}; a confidence interval needs >= 2")
    options = options or StaffingOptions()
    out: pd.DataFrame = plan.copy()
    out["simulation"] = out[start_from]
    out.attrs["simulation_start"] = start_from
    from tqdm.auto import tqdm

    groups = plan.groupby(KEYS, observed=True, sort=False)
    for _, rows in tqdm(
        groups, total=groups.ngroups, desc="simulation", unit="queue", disable=not progress,
        leave=False,
    ):  # fmt: skip
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
        per_agent = int(rows["concurrency"].iloc[0])
        load = np.zeros(shape)
        load[position] = (rows["arrival_rate"] * rows["aht_seconds"].fillna(0)).to_numpy()
        # One handle-time mean per day, weighted by the day's arrivals (the kernel's batch axis).
        fallback = (
            float(np.nanmean(rows["aht_seconds"])) if rows["aht_seconds"].notna().any() else 1.0
        )
        aht_day = np.where(
            rates.sum(1) > 0, load.sum(1) / np.maximum(rates.sum(1), 1e-12), fallback
        )
        aht_day = np.where(aht_day > 0, aht_day, fallback)
        patience = float(rows["patience_seconds"].iloc[0])
        interval = float(rows["interval_seconds"].iloc[0])
        target = float(rows["target_seconds"].iloc[0])
        goal = float(rows["goal_service_level"].iloc[0])
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
            miss = (offered >= min_offered) & (level.mean + level.half_width < goal)
            if options.max_abandon is not None and np.isfinite(patience):
                abandon = figures.p_abandon
                miss |= (offered >= min_offered) & (
                    abandon.mean - abandon.half_width > options.max_abandon
                )
            if not miss.any():
                break
            staff = staff + miss.astype(np.int64)
        out.loc[rows.index, "simulation"] = staff[position]
    out["simulation"] = out["simulation"].astype(np.int64)
    return out
