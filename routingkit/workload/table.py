"""The tidy interval table: raw statistics on a regular grid, converted to seconds, with names.

Every (queue, media type) pair appears for every interval of the range, so that time series
are regular: an interval the API did not report (nothing entered the queue) is a row with
``offered`` 0, zero counts and totals, and NaN means; ``covered`` tells quiet (True) from
unknown (False, before the queue's first day with data). Milliseconds become seconds here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pandas as pd

from .coverage import mark_coverage
from .selection import QueueRef
from .stats import FLOAT_COLUMNS, INT_COLUMNS, NAN_COLUMNS

FloatArray = npt.NDArray[np.float64]

# (column, meaning) in table order; the fetch_history docstring shows the same list.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("interval_start", "start of the interval, tz-aware in the query's time zone"),
    ("interval_seconds", "length of the interval (P1D: 82,800 to 90,000 on DST days)"),
    ("queue_id", "queue id"),
    ("queue_name", "queue name"),
    ("media_type", "analytics media type: voice, chat, email, callback, message"),
    ("offered", "interactions that entered the queue (nOffered)"),
    ("answered", "answered by an agent (tAnswered count)"),
    ("abandoned", "hung up while queued (tAbandon count)"),
    ("handled", "handled by an agent (tHandle count)"),
    ("held", "handled interactions put on hold (tHeld count)"),
    ("transferred", "transferred (nTransferred)"),
    ("over_sla", "interactions over the service-level target (nOverSla)"),
    ("answered_within_target", "oServiceLevel numerator"),
    ("service_level_denominator", "oServiceLevel denominator (answered + abandoned)"),
    ("service_level", "oServiceLevel ratio, 0..1; NaN when its denominator is 0"),
    (
        "service_level_goal",
        'oServiceLevel goal as reported (its "target"), a fraction 0..1; NaN when not reported',
    ),
    ("arrival_rate", "offered / interval_seconds, per second"),
    ("abandon_rate", "abandoned / offered; NaN when nothing was offered"),
    ("aht_seconds", "mean handle time: handle_seconds_total / handled"),
    ("talk_seconds", "mean talk per handled interaction"),
    ("hold_seconds", "mean hold per handled interaction (held or not)"),
    ("acw_seconds", "mean after-call work per handled interaction"),
    ("alert_seconds", "mean ringing time at the agent (tAlert)"),
    ("asa_seconds", "mean speed of answer: answer_seconds_total / answered"),
    ("handle_seconds_total", "tHandle sum"),
    ("talk_seconds_total", "tTalk sum"),
    ("hold_seconds_total", "tHeld sum"),
    ("acw_seconds_total", "tAcw sum"),
    ("alert_seconds_total", "tAlert sum"),
    ("answer_seconds_total", "tAnswered sum (queue wait + alert, answered only)"),
    ("wait_seconds_total", "tWait sum: time queued, answered and abandoned alike"),
    ("abandon_wait_seconds_total", "tAbandon sum: time queued before hanging up"),
    ("covered", "the org has data for this interval (see workload.coverage); False: unknown"),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)
STRING_DTYPE: Final = "str"  # pandas 3's string dtype (object on pandas 2)


def _ratio(numerator: npt.NDArray[np.floating], denominator: npt.NDArray[np.integer]) -> FloatArray:
    """numerator / denominator, NaN where the denominator is 0 (a mean of nothing)."""
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def build_table(
    stats: pd.DataFrame,
    starts_ms: npt.NDArray[np.int64],
    interval_seconds: npt.NDArray[np.int64],
    queues: Sequence[QueueRef],
    media_types: Sequence[str] | None,
    zone: ZoneInfo,
) -> pd.DataFrame:
    """The tidy table for raw ``stats`` (see ``stats.parse_results``) on the interval grid.

    Pairs are those with any data in the range, plus every queue × requested media type when
    ``media_types`` was given. Rows are sorted by queue name, media type, interval start.
    """
    names = {q.id: q.name for q in queues}
    stat_ids = stats["queue_id"].to_numpy(dtype=object)
    stat_media = stats["media_type"].to_numpy(dtype=object)
    pairs = set(zip(stat_ids.tolist(), stat_media.tolist(), strict=True))
    if media_types:
        pairs.update((q.id, m) for q in queues for m in media_types)
    ordered = sorted(pairs, key=lambda p: (names.get(p[0], p[0]), p[1], p[0]))
    code = {pair: k for k, pair in enumerate(ordered)}
    n_pairs, n_times = len(ordered), starts_ms.size

    stat_starts = stats["start_ms"].to_numpy()
    time_index = np.searchsorted(starts_ms, stat_starts)
    inside = time_index < n_times
    on_grid = np.zeros(len(stats), dtype=bool)
    on_grid[inside] = starts_ms[time_index[inside]] == stat_starts[inside]
    if not on_grid.all():
        bad = pd.Timestamp(int(stat_starts[~on_grid][0]), unit="ms", tz="UTC")
        raise RuntimeError(
            f"the API reported an interval starting {bad.isoformat()}, which is not on the "
            "expected bucket grid; the platform's bucketing may have changed: please report it"
        )
    pair_index = np.fromiter(
        (code[p] for p in zip(stat_ids.tolist(), stat_media.tolist(), strict=True)),
        dtype=np.int64,
        count=len(stats),
    )
    flat = pair_index * n_times + time_index
    if np.unique(flat).size != flat.size:
        raise RuntimeError("the API reported the same queue, media type and interval twice")

    size = n_pairs * n_times

    def counts(column: str) -> npt.NDArray[np.int64]:
        out = np.zeros(size, dtype=np.int64)
        out[flat] = stats[column].to_numpy(dtype=np.int64)
        return out

    def amounts(column: str, fill: float = 0.0) -> FloatArray:
        out = np.full(size, fill, dtype=np.float64)
        out[flat] = stats[column].to_numpy(dtype=np.float64)
        return out

    raw_counts = {c: counts(c) for c in INT_COLUMNS}
    raw = {c: amounts(c) for c in FLOAT_COLUMNS}
    raw.update({c: amounts(c, np.nan) for c in NAN_COLUMNS})

    seconds = np.tile(interval_seconds, n_pairs)
    totals = {
        name: raw[f"{metric}_sum_ms"] / 1000.0
        for name, metric in (
            ("handle", "tHandle"),
            ("talk", "tTalk"),
            ("hold", "tHeld"),
            ("acw", "tAcw"),
            ("alert", "tAlert"),
            ("answer", "tAnswered"),
            ("wait", "tWait"),
            ("abandon_wait", "tAbandon"),
        )
    }
    offered = raw_counts["nOffered"]
    handled = raw_counts["tHandle_count"]
    denominator = raw["sl_denominator"]
    start = (
        pd.DatetimeIndex(np.tile(starts_ms, n_pairs).astype("datetime64[ms]"))
        .as_unit("ns")
        .tz_localize("UTC")
        .tz_convert(zone.key)
    )
    columns: dict[str, object] = {
        "interval_start": start,
        "interval_seconds": seconds,
        "queue_id": pd.array(
            np.repeat(np.array([p[0] for p in ordered], dtype=object), n_times), dtype=STRING_DTYPE
        ),
        "queue_name": pd.array(
            np.repeat(np.array([names.get(p[0], p[0]) for p in ordered], dtype=object), n_times),
            dtype=STRING_DTYPE,
        ),
        "media_type": pd.array(
            np.repeat(np.array([p[1] for p in ordered], dtype=object), n_times),
            dtype=STRING_DTYPE,
        ),
        "offered": offered,
        "answered": raw_counts["tAnswered_count"],
        "abandoned": raw_counts["tAbandon_count"],
        "handled": handled,
        "held": raw_counts["tHeld_count"],
        "transferred": raw_counts["nTransferred"],
        "over_sla": raw_counts["nOverSla"],
        "answered_within_target": np.rint(raw["sl_numerator"]).astype(np.int64),
        "service_level_denominator": np.rint(denominator).astype(np.int64),
        "service_level": np.where(denominator > 0, raw["sl_ratio"], np.nan),
        "service_level_goal": raw["sl_target"],
        "arrival_rate": offered / seconds,
        "abandon_rate": _ratio(raw_counts["tAbandon_count"].astype(np.float64), offered),
        "aht_seconds": _ratio(totals["handle"], handled),
        "talk_seconds": _ratio(totals["talk"], handled),
        "hold_seconds": _ratio(totals["hold"], handled),
        "acw_seconds": _ratio(totals["acw"], handled),
        "alert_seconds": _ratio(totals["alert"], raw_counts["tAlert_count"]),
        "asa_seconds": _ratio(totals["answer"], raw_counts["tAnswered_count"]),
        **{f"{name}_seconds_total": values for name, values in totals.items()},
    }
    table: pd.DataFrame = mark_coverage(pd.DataFrame(columns))
    result: pd.DataFrame = table[list(COLUMN_NAMES)]
    return result
