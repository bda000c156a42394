"""Per-queue figures of a history table: what happened, against what each queue aims for.

Pure functions of a ``fetch_history`` table (any table with its columns); each returns a tidy
DataFrame with names first and ids last. Sums are taken before division, so intervals weigh by
their traffic, and only covered intervals count (see ``workload.coverage``: a day before a
queue's data begins is unknown, not quiet).

- :func:`queue_summary`: volumes, AHT, ASA, service level and abandonment per queue;
- :func:`goal_attainment`: that summary against each queue's goal (a ``resolve_goals`` table),
  and which queues missed it;
- :func:`covered_window`: the window the history actually covers, in one record;
- :func:`intraday_profile`: mean offered and AHT per weekday and time of day;
- :func:`daily_totals`: offered, AHT and service level per queue and day;
- :func:`abandonment_by_wait`: abandon rate against the mean wait of the intervals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .coverage import coverage as coverage_table
from .coverage import mark_coverage

KEYS = ["queue_name", "media_type", "queue_id"]
# Interval mean waits are grouped into these bins (seconds; the last is open-ended).
WAIT_EDGES_SECONDS: tuple[float, ...] = (
    0, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, np.inf,
)  # fmt: skip


def _covered(history: pd.DataFrame) -> pd.DataFrame:
    table = history if "covered" in history.columns else mark_coverage(history)
    covered: pd.DataFrame = table[table["covered"].to_numpy(dtype=bool)]
    return covered


def _keys(history: pd.DataFrame) -> list[str]:
    return [k for k in KEYS if k in history.columns]


def _ratio(
    top: pd.Series | npt.ArrayLike, bottom: pd.Series | npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """top / bottom as floats, NaN where bottom is 0 (a mean or share of nothing)."""
    t = np.asarray(top, dtype=np.float64)
    b = np.asarray(bottom, dtype=np.float64)
    out = np.full(np.broadcast(t, b).shape, np.nan)
    np.divide(t, b, out=out, where=b != 0)
    return out


def _sl_parts(history: pd.DataFrame) -> pd.DataFrame:
    """The service-level numerator and denominator, and the waits' denominator, per row."""
    if "service_level_denominator" in history.columns:
        denominator = history["service_level_denominator"]
    else:
        denominator = history["answered"] + history["abandoned"]
    parts: pd.DataFrame = history.assign(
        _within=history["answered_within_target"],
        _sl_denominator=denominator,
        _waited=history["answered"] + history["abandoned"],
    )
    return parts


def queue_summary(history: pd.DataFrame) -> pd.DataFrame:
    """One row per queue and media type over the covered intervals.

    Columns: ``queue_name``, ``media_type``, ``offered``, ``answered``, ``abandoned``,
    ``handled``, ``aht_seconds`` (handle seconds / handled), ``asa_seconds`` (answer seconds /
    answered), ``mean_wait_seconds`` (time queued / (answered + abandoned)),
    ``service_level`` (answered within target / the platform's service-level denominator,
    ``oServiceLevel`` over the whole window), ``abandon_rate`` (abandoned / offered),
    ``reported_goal`` (the service-level fraction analytics reported as the target; NaN when
    not reported) and ``queue_id``. Ratios of nothing are NaN.
    """
    keys = _keys(history)
    frame = _sl_parts(_covered(history))
    # A queue without a single covered interval (no traffic at all) keeps its row, with zero
    # counts and no ratios: "nothing offered" is a finding, not a gap in the table.
    every = pd.MultiIndex.from_frame(history[keys].drop_duplicates())
    totals = frame.groupby(keys, observed=True, sort=True).agg(
        offered=("offered", "sum"),
        answered=("answered", "sum"),
        abandoned=("abandoned", "sum"),
        handled=("handled", "sum"),
        handle_total=("handle_seconds_total", "sum"),
        answer_total=("answer_seconds_total", "sum"),
        wait_total=("wait_seconds_total", "sum"),
        within=("_within", "sum"),
        sl_denominator=("_sl_denominator", "sum"),
        waited=("_waited", "sum"),
        reported_goal=("service_level_goal", "max"),
    )
    counts = [c for c in totals.columns if c != "reported_goal"]
    totals = totals.reindex(every.union(totals.index))
    totals[counts] = totals[counts].fillna(0)
    totals = totals.reset_index()
    for column in ("offered", "answered", "abandoned", "handled"):
        totals[column] = totals[column].astype(np.int64)
    totals["aht_seconds"] = _ratio(totals["handle_total"], totals["handled"])
    totals["asa_seconds"] = _ratio(totals["answer_total"], totals["answered"])
    totals["mean_wait_seconds"] = _ratio(totals["wait_total"], totals["waited"])
    totals["service_level"] = _ratio(totals["within"], totals["sl_denominator"])
    totals["abandon_rate"] = _ratio(totals["abandoned"], totals["offered"])
    columns = [
        *[k for k in keys if k != "queue_id"],
        "offered",
        "answered",
        "abandoned",
        "handled",
        "aht_seconds",
        "asa_seconds",
        "mean_wait_seconds",
        "service_level",
        "abandon_rate",
        "reported_goal",
        *(["queue_id"] if "queue_id" in keys else []),
    ]
    summary: pd.DataFrame = totals[columns].sort_values(
        ["offered", *keys[:2]], ascending=[False, True, True], ignore_index=True
    )
    return summary


def goal_attainment(
    summary: pd.DataFrame,
    goals: pd.DataFrame,
    *,
    max_abandon: float | None = None,
    max_asa_seconds: float | None = None,
) -> pd.DataFrame:
    """``summary`` (from :func:`queue_summary`) against each queue's goal.

    ``goals``: one row per ``queue_id`` and ``media_type`` with ``goal_service_level``,
    ``target_seconds`` and ``goal_source`` (a ``policy.resolve_goals`` table, or the goal
    columns of a capacity plan's frame). ``max_abandon`` and ``max_asa_seconds`` are optional
    caps that count as part of the goal when given.

    Adds the goal columns, ``service_level_gap`` (achieved minus goal, in fractions: negative
    when short), ``met_goal`` (False when the service level, or a cap given, was missed;
    ``<NA>`` for a queue that offered nothing) and ``missed`` (what was missed, in words, empty
    when met). The achieved service level is what analytics measured against the queue's own
    configured target time; a goal with another target time is compared with it as is.
    """
    wanted = ["queue_id", "media_type", "goal_service_level", "target_seconds", "goal_source"]
    missing = [c for c in wanted if c not in goals.columns]
    if missing:
        raise ValueError(
            f"the goals table lacks column(s) {', '.join(missing)}; pass a "
            "routingkit.policy.resolve_goals table"
        )
    extra = [c for c in ("goal_note",) if c in goals.columns]
    goal_rows = goals[[*wanted, *extra]].drop_duplicates(["queue_id", "media_type"])
    merged = summary.merge(goal_rows, on=["queue_id", "media_type"], how="left")
    level = merged["service_level"].to_numpy(dtype=np.float64)
    goal = merged["goal_service_level"].to_numpy(dtype=np.float64)
    abandon = merged["abandon_rate"].to_numpy(dtype=np.float64)
    asa = merged["asa_seconds"].to_numpy(dtype=np.float64)
    judged = np.isfinite(level) & np.isfinite(goal)
    short_level = judged & (level < goal)
    short_abandon = np.zeros(len(merged), dtype=bool)
    if max_abandon is not None:
        short_abandon = np.isfinite(abandon) & (abandon > max_abandon)
    slow_asa = np.zeros(len(merged), dtype=bool)
    if max_asa_seconds is not None:
        slow_asa = np.isfinite(asa) & (asa > max_asa_seconds)
    merged["service_level_gap"] = level - goal
    met = pd.array(~(short_level | short_abandon | slow_asa), dtype="boolean")
    met[~judged] = pd.NA
    merged["met_goal"] = met
    reasons = []
    for low, gone, slow in zip(short_level, short_abandon, slow_asa, strict=True):
        reasons.append(
            ", ".join(
                what
                for what, flag in (
                    ("service level", low),
                    ("abandon cap", gone),
                    ("ASA cap", slow),
                )
                if flag
            )
        )
    merged["missed"] = reasons
    ids = ["queue_id"] if "queue_id" in merged.columns else []
    ordered = [c for c in merged.columns if c not in ids] + ids
    result: pd.DataFrame = merged[ordered]
    return result


@dataclass(frozen=True)
class CoveredWindow:
    """The local days a history covers: [``start``, ``end``), ``days`` long.

    ``start`` is the earliest day any queue has data; ``requested_start`` what was asked for.
    ``partial`` lists the queues whose data begins later than the range asked for, as
    ``(label, covered_start, covered_days)``; ``empty`` those with no traffic at all.
    """

    start: dt.date | None
    end: dt.date
    requested_start: dt.date
    days: int
    requested_days: int
    time_zone: str
    partial: tuple[tuple[str, dt.date, int], ...] = ()
    empty: tuple[str, ...] = ()

    @property
    def last_day(self) -> dt.date:
        """The last day covered (``end`` is exclusive)."""
        return self.end - dt.timedelta(days=1)


def covered_window(history: pd.DataFrame) -> CoveredWindow:
    """The window a history table actually covers (see :class:`CoveredWindow`)."""
    if history.empty:
        raise ValueError("the history is empty; there is no window to describe")
    table = coverage_table(history)
    zone = history["interval_start"].dt.tz
    requested_start = pd.Timestamp(table["requested_start"].min()).date()
    # The exclusive end is local midnight, or a time of day for a range ending now: the day
    # holding the last instant covered is the last day. Dates, not 24-hour steps (DST days).
    last = (pd.Timestamp(table["requested_end"].max()) - pd.Timedelta(1, "ns")).date()
    end = last + dt.timedelta(days=1)
    starts = table["covered_start"].dropna()
    start = pd.Timestamp(starts.min()).date() if len(starts) else None
    partial = []
    empty = []
    records: list[dict[Any, Any]] = table.to_dict(orient="records")
    for row in records:
        label = f"{row['queue_name']} / {row['media_type']}"
        if pd.isna(row["covered_start"]):
            empty.append(label)
        elif pd.Timestamp(row["covered_start"]).date() > requested_start:
            first = pd.Timestamp(row["covered_start"]).date()
            partial.append((label, first, int(row["covered_days"])))
    days = 0 if start is None else (end - start).days
    return CoveredWindow(
        start=start,
        end=end,
        requested_start=requested_start,
        days=days,
        requested_days=int(table["requested_days"].max()),
        time_zone=str(getattr(zone, "key", zone) or "UTC"),
        partial=tuple(sorted(partial)),
        empty=tuple(sorted(empty)),
    )


def intraday_profile(history: pd.DataFrame) -> pd.DataFrame:
    """Mean offered and AHT per queue, weekday (0 = Monday) and time of day.

    ``offered_mean``: offered in that slot over the covered days of that weekday, divided by
    their number (``days``); ``aht_seconds``: handle seconds / handled in that slot (NaN when
    nothing was handled); ``slot_minute``: minutes after local midnight.
    """
    keys = _keys(history)
    covered = _covered(history)
    start = covered["interval_start"]
    frame = covered.assign(
        weekday=start.dt.day_of_week,
        slot_minute=start.dt.hour * 60 + start.dt.minute,
        day=start.dt.normalize(),
    )
    grouped = frame.groupby([*keys, "weekday", "slot_minute"], observed=True, sort=True).agg(
        offered=("offered", "sum"),
        handled=("handled", "sum"),
        handle_total=("handle_seconds_total", "sum"),
        days=("day", "nunique"),
    )
    grouped = grouped.reset_index()
    grouped["offered_mean"] = _ratio(grouped["offered"], grouped["days"])
    grouped["aht_seconds"] = _ratio(grouped["handle_total"], grouped["handled"])
    columns = [*keys, "weekday", "slot_minute", "days", "offered", "offered_mean", "handled",
               "aht_seconds"]  # fmt: skip
    profile: pd.DataFrame = grouped[columns]
    return profile


def daily_totals(history: pd.DataFrame) -> pd.DataFrame:
    """Per queue and covered local day: offered, handled, AHT, abandon rate and service level."""
    keys = _keys(history)
    frame = _sl_parts(_covered(history))
    frame = frame.assign(day=frame["interval_start"].dt.normalize())
    grouped = frame.groupby([*keys, "day"], observed=True, sort=True).agg(
        offered=("offered", "sum"),
        abandoned=("abandoned", "sum"),
        handled=("handled", "sum"),
        handle_total=("handle_seconds_total", "sum"),
        within=("_within", "sum"),
        sl_denominator=("_sl_denominator", "sum"),
    )
    grouped = grouped.reset_index()
    grouped["aht_seconds"] = _ratio(grouped["handle_total"], grouped["handled"])
    grouped["abandon_rate"] = _ratio(grouped["abandoned"], grouped["offered"])
    grouped["service_level"] = _ratio(grouped["within"], grouped["sl_denominator"])
    columns = [*keys, "day", "offered", "handled", "aht_seconds", "abandon_rate", "service_level"]
    daily: pd.DataFrame = grouped[columns]
    return daily


def abandonment_by_wait(
    history: pd.DataFrame, *, edges_seconds: Sequence[float] = WAIT_EDGES_SECONDS
) -> pd.DataFrame:
    """Abandon rate against wait: intervals grouped by their mean time queued.

    An interval's mean wait is its time queued over answered and abandoned interactions
    (``wait_seconds_total`` / (answered + abandoned)); intervals where nobody queued are left
    out. Per queue and bin [edge i, edge i+1): ``intervals``, ``waited`` (answered +
    abandoned), ``abandoned``, ``mean_wait_seconds`` (of the bin's intervals together) and
    ``abandon_rate`` (abandoned / waited). With exponential patience of mean p the two obey
    abandon rate = mean wait / p in the long run (abandonments per second equal the number
    waiting over p), the line ``workload.patience`` is the maximum-likelihood fit of.
    """
    edges = np.asarray(edges_seconds, dtype=np.float64)
    if edges.size < 2 or np.any(np.diff(edges) <= 0) or edges[0] < 0:
        raise ValueError(
            f"edges_seconds {tuple(edges_seconds)} must be at least two increasing edges >= 0"
        )
    keys = _keys(history)
    frame = _covered(history)
    waited = (frame["answered"] + frame["abandoned"]).to_numpy(dtype=np.float64)
    used = waited > 0
    frame = frame[used]
    waited = waited[used]
    mean_wait = frame["wait_seconds_total"].to_numpy(dtype=np.float64) / waited
    index = np.searchsorted(edges, mean_wait, side="right") - 1
    inside = (index >= 0) & (index < edges.size - 1)
    work = frame[inside][keys].assign(
        bin=index[inside],
        waited=waited[inside],
        abandoned=frame["abandoned"].to_numpy(dtype=np.float64)[inside],
        wait_total=frame["wait_seconds_total"].to_numpy(dtype=np.float64)[inside],
    )
    grouped = work.groupby([*keys, "bin"], observed=True, sort=True).agg(
        intervals=("waited", "size"),
        waited=("waited", "sum"),
        abandoned=("abandoned", "sum"),
        wait_total=("wait_total", "sum"),
    )
    grouped = grouped.reset_index()
    grouped["lower_seconds"] = edges[grouped["bin"].to_numpy(dtype=np.int64)]
    grouped["upper_seconds"] = edges[grouped["bin"].to_numpy(dtype=np.int64) + 1]
    grouped["mean_wait_seconds"] = _ratio(grouped["wait_total"], grouped["waited"])
    grouped["abandon_rate"] = _ratio(grouped["abandoned"], grouped["waited"])
    grouped["waited"] = grouped["waited"].astype(np.int64)
    grouped["abandoned"] = grouped["abandoned"].astype(np.int64)
    columns = [*keys, "lower_seconds", "upper_seconds", "intervals", "waited", "abandoned",
               "mean_wait_seconds", "abandon_rate"]  # fmt: skip
    result: pd.DataFrame = grouped[columns]
    return result
