"""Aggregate query results as a flat table of raw statistics, the form the cache stores.

One row per (queue id, media type, interval start) that the API reported, with the metric
stats exactly as sent: counts, timer sums in milliseconds, and the service-level ratio parts.
Metrics the API left out of an interval (it omits empty ones) are 0 here, and NaN for the
service-level ratio and target. Units are converted later, in ``table``, once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

COUNT_METRICS = ("nOffered", "nOverSla", "nTransferred")
TIMER_METRICS = ("tAnswered", "tAbandon", "tHandle", "tTalk", "tHeld", "tAcw", "tWait", "tAlert")
HISTORY_METRICS = (
    "nOffered", "tAnswered", "tAbandon", "tHandle", "tTalk", "tHeld", "tAcw", "tWait", "tAlert",
    "oServiceLevel", "nOverSla", "nTransferred",
)  # fmt: skip

KEY_COLUMNS = ("queue_id", "media_type", "start_ms")
INT_COLUMNS = (*COUNT_METRICS, *(f"{t}_count" for t in TIMER_METRICS))
FLOAT_COLUMNS = (*(f"{t}_sum_ms" for t in TIMER_METRICS), "sl_numerator", "sl_denominator")
NAN_COLUMNS = ("sl_ratio", "sl_target")  # NaN where the API did not report oServiceLevel
COLUMNS = (*KEY_COLUMNS, *INT_COLUMNS, *FLOAT_COLUMNS, *NAN_COLUMNS)


def parse_results(answer: Mapping[str, Any]) -> pd.DataFrame:
    """The ``results`` of a ConversationAggregateQueryResponse grouped by queueId, mediaType."""
    results = answer.get("results") or []
    n = sum(len(r.get("data") or []) for r in results)
    queue_ids = np.empty(n, dtype=object)
    media_types = np.empty(n, dtype=object)
    starts: list[str] = []
    ints = {c: np.zeros(n, dtype=np.int64) for c in INT_COLUMNS}
    floats = {c: np.zeros(n, dtype=np.float64) for c in FLOAT_COLUMNS}
    floats.update({c: np.full(n, np.nan) for c in NAN_COLUMNS})
    i = 0
    for result in results:
        group = result.get("group") or {}
        queue_id, media_type = group.get("queueId"), group.get("mediaType")
        if not queue_id or not media_type:
            raise ValueError(
                f"an aggregate result has group {group!r}; expected queueId and mediaType "
                "(the query groups by both)"
            )
        for entry in result.get("data") or []:
            queue_ids[i], media_types[i] = queue_id, media_type
            starts.append(str(entry["interval"]).split("/", 1)[0])
            for metric in entry.get("metrics") or []:
                name, stats = metric.get("metric"), metric.get("stats") or {}
                if name in COUNT_METRICS:
                    ints[name][i] = stats.get("count") or 0
                elif name in TIMER_METRICS:
                    ints[f"{name}_count"][i] = stats.get("count") or 0
                    floats[f"{name}_sum_ms"][i] = stats.get("sum") or 0.0
                elif name == "oServiceLevel":
                    floats["sl_numerator"][i] = stats.get("numerator") or 0.0
                    floats["sl_denominator"][i] = stats.get("denominator") or 0.0
                    floats["sl_ratio"][i] = stats.get("ratio", np.nan)
                    floats["sl_target"][i] = stats.get("target", np.nan)
            i += 1
    start_ms = (
        pd.to_datetime(pd.Series(starts, dtype=object), utc=True, format="ISO8601")
        .dt.as_unit("ms")
        .astype("int64")
        .to_numpy()
        if n
        else np.zeros(0, dtype=np.int64)
    )
    table: pd.DataFrame = pd.DataFrame(
        {
            "queue_id": pd.Series(queue_ids, dtype="str"),
            "media_type": pd.Series(media_types, dtype="str"),
            "start_ms": start_ms,
            **ints,
            **floats,
        },
        columns=list(COLUMNS),
    )
    return table


def is_stats_table(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` has the columns and numeric types of ``parse_results`` output."""
    if tuple(frame.columns) != COLUMNS:
        return False
    numeric = [frame[c].dtype == np.int64 for c in ("start_ms", *INT_COLUMNS)]
    numeric += [frame[c].dtype == np.float64 for c in (*FLOAT_COLUMNS, *NAN_COLUMNS)]
    return all(numeric)
