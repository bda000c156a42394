"""Estimates from a history table (``fetch_history``): arrival rates, AHT and patience.

Pure functions of the DataFrame; each returns a tidy DataFrame with one row per group of the
``by`` columns (default queue name and media type), sorted by them. Sums are taken before
division, so intervals weigh by their traffic, never one interval one vote.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

DEFAULT_BY: tuple[str, ...] = ("queue_name", "media_type")
Profile = Literal["weekday_slot", "slot"]


def _keys(frame: pd.DataFrame, by: str | Sequence[str], needed: Sequence[str]) -> list[str]:
    keys = [by] if isinstance(by, str) else list(by)
    missing = [c for c in (*keys, *needed) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"the table lacks column(s) {', '.join(missing)}; expected a fetch_history table "
            f"(it has {', '.join(map(str, frame.columns))})"
        )
    return keys


def _sums(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Column sums per group (one row for the whole table when there are no keys)."""
    if not keys:
        total: pd.DataFrame = pd.DataFrame({c: [frame[c].sum()] for c in columns})
        return total
    sums: pd.DataFrame = frame.groupby(
        keys, sort=True, dropna=False, observed=True, as_index=False
    )[columns].sum()
    return sums


def _select(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns in this order, with a fresh RangeIndex."""
    selected: pd.DataFrame = frame[columns].reset_index(drop=True)
    return selected


def _divide(numerator: pd.Series, denominator: pd.Series) -> npt.NDArray[np.float64]:
    """numerator / denominator as floats, NaN where the denominator is 0."""
    top = numerator.to_numpy(dtype=np.float64)
    bottom = denominator.to_numpy(dtype=np.float64)
    out = np.full(top.shape, np.nan)
    np.divide(top, bottom, out=out, where=bottom != 0)
    return out


def arrival_rate(
    frame: pd.DataFrame,
    by: str | Sequence[str] = DEFAULT_BY,
    profile: Profile | None = "weekday_slot",
) -> pd.DataFrame:
    """Mean arrivals per second, per group and (optionally) per local time-of-day slot.

    ``profile="weekday_slot"``: per weekday (0 = Monday) and slot; ``"slot"``: per slot over
    all days; None: one rate over the whole range. Slots are the table's intervals, keyed by
    ``slot_minute`` (minutes after local midnight in the table's time zone; 0 for P1D).

    With a ``covered`` column (every ``fetch_history`` table has one), only covered intervals
    count, and the rate of a slot is its offered total over its covered intervals' seconds:
    an interval the org has no data for is unknown, not zero (see ``workload.coverage``).
    Without one, the rate of a slot is its total ``offered`` divided by (number of calendar
    days of that weekday between the table's first and last date) × (slot length in seconds):
    every day in the range counts, and an interval missing from the table counts as zero
    arrivals. Without a profile it is total offered over the seconds from the first interval's
    start to the last one's end (the covered seconds, with ``covered``). On DST days the clock
    slot repeated (autumn) adds its arrivals to the one slot and the slot skipped (spring) has
    none; contact centres are usually closed then.

    Columns: the ``by`` columns, [``weekday``], [``slot_minute``], ``arrival_rate`` (per
    second), ``offered`` and ``days`` (``seconds`` without a profile).
    """
    if profile not in ("weekday_slot", "slot", None):
        raise ValueError(f"profile {profile!r} is not one of 'weekday_slot', 'slot', None")
    keys = _keys(frame, by, ("interval_start", "interval_seconds", "offered"))
    if "covered" in frame.columns:
        return _covered_rate(frame[frame["covered"].to_numpy(dtype=bool)], keys, profile)
    starts = pd.DatetimeIndex(frame["interval_start"])
    if profile is None:
        sums = _sums(frame, keys, ["offered"])
        if len(frame):
            ends = starts + pd.to_timedelta(frame["interval_seconds"].to_numpy(), unit="s")
            seconds = (ends.max() - starts.min()).total_seconds()
        else:
            seconds = 0.0
        sums["seconds"] = float(seconds)
        sums["arrival_rate"] = _divide(sums["offered"], sums["seconds"])
        return _select(sums, [*keys, "arrival_rate", "offered", "seconds"])

    slot_keys = ["weekday", "slot_minute"] if profile == "weekday_slot" else ["slot_minute"]
    columns = [*keys, *slot_keys, "arrival_rate", "offered", "days"]
    if not len(frame):
        return _select(pd.DataFrame({c: [] for c in columns}), columns)
    work = frame[[*keys, "offered"]].copy()
    work["weekday"] = starts.day_of_week
    work["slot_minute"] = starts.hour * 60 + starts.minute
    sums = work.groupby(
        [*keys, *slot_keys], sort=True, dropna=False, observed=True, as_index=False
    )[["offered"]].sum()
    dates = pd.date_range(starts.min().date(), starts.max().date(), freq="D")
    per_weekday = np.bincount(dates.day_of_week, minlength=7)
    days = per_weekday[sums["weekday"].to_numpy()] if profile == "weekday_slot" else len(dates)
    sums["days"] = np.broadcast_to(np.asarray(days, dtype=np.int64), len(sums))
    # The slot length is the table's granularity (the most common interval length).
    slot_seconds = float(frame["interval_seconds"].mode().iloc[0])
    sums["arrival_rate"] = _divide(sums["offered"], sums["days"] * slot_seconds)
    return _select(sums, columns)


def _covered_rate(frame: pd.DataFrame, keys: list[str], profile: Profile | None) -> pd.DataFrame:
    """``arrival_rate`` over covered intervals only.

    Coverage belongs to a queue and media type, so rates are taken per queue and media type
    first (offered / covered seconds) and summed up to the ``keys``; ``days`` (``seconds``) is
    the most any of them covered.
    """
    unit = [c for c in ("queue_id", "media_type") if c in frame.columns and c not in keys]
    if (
        "queue_id" not in frame.columns
        and "queue_name" in frame.columns
        and "queue_name" not in keys
    ):
        unit.insert(0, "queue_name")
    starts = pd.DatetimeIndex(frame["interval_start"])
    work = frame[[*keys, *unit, "offered", "interval_seconds"]]
    if profile is None:
        sums = _sums(work, [*keys, *unit], ["offered", "interval_seconds"])
        sums["seconds"] = sums["interval_seconds"].astype(float)
        sums["arrival_rate"] = _divide(sums["offered"], sums["seconds"])
        if unit:
            sums = _sums_max(sums, keys, "seconds")
        return _select(sums, [*keys, "arrival_rate", "offered", "seconds"])
    slot_keys = ["weekday", "slot_minute"] if profile == "weekday_slot" else ["slot_minute"]
    work = work.assign(
        weekday=starts.day_of_week,
        slot_minute=starts.hour * 60 + starts.minute,
        date=starts.normalize(),
    )
    groups = work.groupby([*keys, *unit, *slot_keys], sort=True, dropna=False, observed=True)
    sums = groups.agg(offered=("offered", "sum"), days=("date", "nunique")).reset_index()
    # As without coverage: the slot length is the table's granularity, and an autumn DST day
    # adds its repeated slot's arrivals to the one slot of that day.
    slot_seconds = float(frame["interval_seconds"].mode().iloc[0]) if len(frame) else 1.0
    sums["arrival_rate"] = _divide(sums["offered"], sums["days"] * slot_seconds)
    if unit:
        sums = _sums_max(sums, [*keys, *slot_keys], "days")
    sums["days"] = sums["days"].astype(np.int64)
    return _select(sums, [*keys, *slot_keys, "arrival_rate", "offered", "days"])


def _sums_max(frame: pd.DataFrame, keys: list[str], span: str) -> pd.DataFrame:
    """Rates and offered summed over the finer groups, ``span`` their maximum."""
    if not keys:
        out: pd.DataFrame = pd.DataFrame(
            {
                "arrival_rate": [frame["arrival_rate"].sum()],
                "offered": [frame["offered"].sum()],
                span: [frame[span].max()],
            }
        )
        return out
    grouped: pd.DataFrame = frame.groupby(
        keys, sort=True, dropna=False, observed=True, as_index=False
    ).agg(arrival_rate=("arrival_rate", "sum"), offered=("offered", "sum"), **{span: (span, "max")})
    return grouped


def aht(
    frame: pd.DataFrame,
    by: str | Sequence[str] = DEFAULT_BY,
    method: Literal["mean", "trimmed"] = "mean",
    trim: float = 0.05,
) -> pd.DataFrame:
    """Average handle time in seconds per group.

    ``method="mean"``: total handle seconds / handled conversations (the platform's AHT over
    the range). ``"trimmed"``: the per-interval AHTs, each weighted by its handled count, with
    the lowest and highest ``trim`` share of that weight cut off before averaging (partial
    weights at the cut points) — it damps intervals distorted by an outage or a mass callback,
    not single long calls, which the interval data cannot see. ``trim=0`` equals the mean.

    Columns: the ``by`` columns, ``aht_seconds`` (NaN if nothing was handled), ``handled``.
    """
    if method not in ("mean", "trimmed"):
        raise ValueError(f"method {method!r} is not one of 'mean', 'trimmed'")
    if not 0.0 <= trim < 0.5:
        raise ValueError(f"trim is {trim}; it is the share cut from each end, 0 <= trim < 0.5")
    keys = _keys(frame, by, ("handled", "handle_seconds_total", "aht_seconds"))
    sums = _sums(frame, keys, ["handled", "handle_seconds_total"])
    if method == "mean":
        sums["aht_seconds"] = _divide(sums["handle_seconds_total"], sums["handled"])
        return _select(sums, [*keys, "aht_seconds", "handled"])
    used = frame[frame["handled"] > 0]
    trimmed: dict[tuple[object, ...], float] = {}
    groups = used.groupby(keys, sort=True, dropna=False, observed=True) if keys else [((), used)]
    for key, part in groups:
        values = part["aht_seconds"].to_numpy(dtype=np.float64)
        weights = part["handled"].to_numpy(dtype=np.float64)
        trimmed[key if isinstance(key, tuple) else (key,)] = _trimmed_mean(values, weights, trim)
    sums["aht_seconds"] = [
        trimmed.get(tuple(row), np.nan) for row in sums[keys].itertuples(index=False, name=None)
    ]
    return _select(sums, [*keys, "aht_seconds", "handled"])


def _trimmed_mean(
    values: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], trim: float
) -> float:
    """Weighted mean of ``values`` after cutting ``trim`` of the total weight from each end."""
    total = weights.sum()
    if total <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    upto = np.cumsum(w)
    low, high = trim * total, (1.0 - trim) * total
    kept = np.clip(np.minimum(upto, high) - np.maximum(upto - w, low), 0.0, None)
    return float((kept * v).sum() / kept.sum())


def patience(frame: pd.DataFrame, by: str | Sequence[str] = DEFAULT_BY) -> pd.DataFrame:
    """Mean patience in seconds per group: total time queued / abandons.

    With exponential patience (Erlang A's model), an abandoned caller's wait is a patience
    observation and an answered caller's wait a lower bound on theirs (right-censored). The
    maximum-likelihood abandonment rate is then θ̂ = abandons / total waiting time over
    answered and abandoned calls (``wait_seconds_total``), and the mean patience 1/θ̂. Its
    asymptotic standard error is patience / sqrt(abandons) (``patience_seconds_se``).

    No abandons: patience is ``inf`` (nobody showed any limit) if anyone waited, NaN if nobody
    waited at all (no evidence either way). Only meaningful when waits are long enough to
    provoke abandons; a queue that answers at once yields ``inf`` or a very wide error.

    Columns: the ``by`` columns, ``patience_seconds``, ``patience_seconds_se``,
    ``abandoned``, ``wait_seconds_total``.
    """
    keys = _keys(frame, by, ("abandoned", "wait_seconds_total"))
    sums = _sums(frame, keys, ["abandoned", "wait_seconds_total"])
    abandoned = sums["abandoned"].to_numpy(dtype=np.float64)
    waited = sums["wait_seconds_total"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(abandoned > 0, waited / abandoned, np.where(waited > 0, np.inf, np.nan))
        sums["patience_seconds"] = mean
        sums["patience_seconds_se"] = mean / np.sqrt(abandoned)
    return _select(
        sums, [*keys, "patience_seconds", "patience_seconds_se", "abandoned", "wait_seconds_total"]
    )
