"""Which intervals of a history table the org has data for: unknown is not zero.

The analytics API answers an interval it holds no data for exactly as it answers a quiet one:
with nothing. A history table nonetheless holds a row for every interval of the range asked
for, so without a record of coverage, 120 days asked of an org keeping 60 would read as 60
quiet days and halve every rate. Coverage is decided per queue and media type: an interval is
covered from the local midnight of the first day with any traffic (offered, answered,
abandoned or handled) to the end of the range. Before that day the org cannot tell quiet from
unknown, so those intervals are left out of every estimate. Only intervals that have begun are
in a table at all (``fetch_history``), so the platform's other bound, now, is already applied.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

GROUP = ["queue_id", "queue_name", "media_type"]
ACTIVITY = ("offered", "answered", "abandoned", "handled")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class HistoryCoverageWarning(UserWarning):
    """Part of the range asked for has no data for some queue; estimates use the rest."""


class InsufficientHistoryError(ValueError):
    """A queue has too little covered history to estimate a typical week."""


def mark_coverage(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with a boolean ``covered`` column (see the module docstring)."""
    if table.empty:
        empty: pd.DataFrame = table.assign(covered=pd.Series(dtype=bool))
        return empty
    active = np.zeros(len(table), dtype=bool)
    for column in ACTIVITY:
        if column in table.columns:
            active |= table[column].to_numpy() > 0
    day = table["interval_start"].dt.normalize()
    keys = [table[c] for c in GROUP if c in table.columns]
    first_active = day.where(active).groupby(keys, observed=True, sort=False).transform("min")
    covered = (day >= first_active).fillna(False).to_numpy(dtype=bool)
    result: pd.DataFrame = table.assign(covered=covered)
    return result


def coverage(history: pd.DataFrame) -> pd.DataFrame:
    """Per queue and media type: the range asked for and the part of it with data.

    Columns: ``queue_id``, ``queue_name``, ``media_type``, ``requested_start``,
    ``requested_end`` (exclusive), ``covered_start`` (NaT when nothing is covered),
    ``requested_days``, ``covered_days`` (local calendar days with at least one covered
    interval), ``days_per_weekday`` (covered days, Monday first) and ``missing_weekdays``
    (weekdays without a single covered day, e.g. ``"Sat, Sun"``; empty when none).
    """
    table = history if "covered" in history.columns else mark_coverage(history)
    ends = table["interval_start"] + pd.to_timedelta(table["interval_seconds"], unit="s")
    frame = table[[*GROUP, "interval_start", "covered"]].assign(
        interval_end=ends, day=table["interval_start"].dt.normalize()
    )
    rows = []
    for key, part in frame.groupby(GROUP, observed=True, sort=True):
        covered = part[part["covered"]]
        days = covered["day"].drop_duplicates()
        per_weekday = np.bincount(days.dt.day_of_week.to_numpy(dtype=np.int64), minlength=7)
        rows.append(
            {
                **dict(zip(GROUP, key, strict=True)),
                "requested_start": part["interval_start"].min(),
                "requested_end": part["interval_end"].max(),
                "covered_start": covered["interval_start"].min() if len(covered) else pd.NaT,
                "requested_days": int(part["day"].nunique()),
                "covered_days": len(days),
                "days_per_weekday": [int(n) for n in per_weekday],
                "missing_weekdays": ", ".join(
                    WEEKDAY_NAMES[d] for d in range(7) if per_weekday[d] == 0
                ),
            }
        )
    columns = [
        *GROUP,
        "requested_start",
        "requested_end",
        "covered_start",
        "requested_days",
        "covered_days",
        "days_per_weekday",
        "missing_weekdays",
    ]
    result: pd.DataFrame = pd.DataFrame(rows, columns=columns)
    return result


def check_coverage(history: pd.DataFrame, *, min_days_per_weekday: int = 1) -> pd.DataFrame:
    """The coverage table; warn where data is short, refuse where it is too short to use.

    A queue needs at least ``min_days_per_weekday`` covered days of every weekday for a
    typical week; otherwise :class:`InsufficientHistoryError` names each such queue, what it
    lacks and what to do. Queues covering less than the range asked for get one
    :class:`HistoryCoverageWarning` listing them with the window actually used.
    """
    if min_days_per_weekday < 1:
        raise ValueError(f"min_days_per_weekday is {min_days_per_weekday}; it must be >= 1")
    table = coverage(history)
    records: list[dict[Any, Any]] = table.to_dict(orient="records")
    short = [row for row in records if min(row["days_per_weekday"]) < min_days_per_weekday]
    if short:
        lines = []
        for row in short:
            if row["covered_days"] == 0:
                lines.append(
                    f"{row['queue_name']} / {row['media_type']}: no traffic at all between "
                    f"{row['requested_start']:%Y-%m-%d} and {row['requested_end']:%Y-%m-%d}"
                )
            else:
                lines.append(
                    f"{row['queue_name']} / {row['media_type']}: data from "
                    f"{row['covered_start']:%Y-%m-%d} only ({row['covered_days']} days); "
                    f"covered days per weekday Mon..Sun {row['days_per_weekday']}, "
                    f"{min_days_per_weekday} of each needed"
                )
        raise InsufficientHistoryError(
            "too little history to estimate a typical week for "
            f"{len(short)} queue(s):\n  "
            + "\n  ".join(lines)
            + "\nFetch a range that ends later (end_date) or is longer, or leave these queues "
            "out (queues=...)."
        )
    partial = table[table["covered_start"] > table["requested_start"]]
    if len(partial):
        described = "; ".join(
            f"{row.queue_name} / {row.media_type} from {row.covered_start:%Y-%m-%d} "
            f"({row.covered_days} of {row.requested_days} days)"
            for row in partial.itertuples(index=False)
        )
        warnings.warn(
            f"the org has no data for part of the range asked for; estimates use the covered "
            f"days only: {described}",
            HistoryCoverageWarning,
            stacklevel=2,
        )
    return table
