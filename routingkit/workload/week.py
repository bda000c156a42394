"""A typical week from history: what the staffing models take as input.

One row per queue, media type, weekday and time-of-day slot (in the history's time zone) with
the mean arrival rate over the covered days (see ``workload.coverage``: a day the org has no
data for is unknown, not quiet), the AHT of that slot (the queue's overall AHT where the slot
handled too few to trust), the queue's patience and its service-level goal (a fraction) as analytics
reported it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .coverage import check_coverage, mark_coverage
from .estimators import aht, arrival_rate, patience

KEYS = ["queue_id", "queue_name", "media_type"]
MIN_HANDLED_PER_SLOT = 20  # below this, a slot's own AHT is too noisy: use the queue's


def typical_week(history: pd.DataFrame, *, min_days_per_weekday: int = 1) -> pd.DataFrame:
    """Rates per weekday × slot, slot AHT, queue patience (``inf``: nobody abandons).

    Only covered intervals count. A queue with fewer than ``min_days_per_weekday`` covered days
    of some weekday is refused (``InsufficientHistoryError`` names it and says what to do); a
    queue whose data starts after the range does gets a ``HistoryCoverageWarning``.
    """
    if history.empty:
        raise ValueError("the history is empty; fetch a range with traffic first")
    if "covered" not in history.columns:
        history = mark_coverage(history)
    check_coverage(history, min_days_per_weekday=min_days_per_weekday)
    history = history[history["covered"].to_numpy(dtype=bool)]
    seconds = history["interval_seconds"].unique()
    if len(seconds) != 1 or int(seconds[0]) >= 86_400:
        raise ValueError(
            "typical_week needs one sub-daily granularity (PT15M, PT30M or PT1H); "
            f"the history has interval lengths {sorted(int(s) for s in seconds)} s"
        )
    interval_seconds = int(seconds[0])
    rates = arrival_rate(history, by=KEYS, profile="weekday_slot")
    start = history["interval_start"]
    slots = history.assign(
        weekday=start.dt.day_of_week, slot_minute=start.dt.hour * 60 + start.dt.minute
    )
    per_slot = (
        slots.groupby([*KEYS, "weekday", "slot_minute"], observed=True)[
            ["handle_seconds_total", "handled"]
        ]
        .sum()
        .reset_index()
    )
    overall = aht(history, by=KEYS).rename(
        columns={"aht_seconds": "queue_aht_seconds", "handled": "queue_handled"}
    )
    week = rates.merge(per_slot, on=[*KEYS, "weekday", "slot_minute"], how="left")
    week = week.merge(overall, on=KEYS, how="left")
    handled = week["handled"].fillna(0).to_numpy()
    slot_aht = week["handle_seconds_total"].fillna(0).to_numpy() / np.maximum(handled, 1)
    week["aht_seconds"] = np.where(
        handled >= MIN_HANDLED_PER_SLOT, slot_aht, week["queue_aht_seconds"].to_numpy()
    )
    waits = patience(history, by=KEYS)[[*KEYS, "patience_seconds"]]
    week = week.merge(waits, on=KEYS, how="left")
    goals = (
        history.groupby(KEYS, observed=True)
        .agg(service_level_goal=("service_level_goal", "max"))
        .reset_index()
    )
    week = week.merge(goals, on=KEYS, how="left")
    week["slot"] = week["slot_minute"] // (interval_seconds // 60)
    week["interval_seconds"] = interval_seconds
    columns = [
        *KEYS,
        "weekday",
        "slot",
        "slot_minute",
        "interval_seconds",
        "arrival_rate",
        "aht_seconds",
        "patience_seconds",
        "service_level_goal",
    ]
    result: pd.DataFrame = (
        week[columns]
        .sort_values(["queue_name", "media_type", "queue_id", "weekday", "slot"])
        .reset_index(drop=True)
    )
    return result
