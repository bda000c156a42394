"""Helpers shared by the WFM tests."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

TODAY = dt.date(2026, 11, 16)  # a Monday: the sandbox's history ends the day before
WEEK = dt.date(2026, 11, 23)  # a WFM week (the business unit's weeks start on Monday)


def truth_week(truth: dict[str, Any], *, names: bool = False) -> pd.DataFrame:
    """The sandbox's true typical week, 15-minute slots, in the table the pipeline takes."""
    frames = []
    for queue in truth["queues"]:
        rates = pd.DataFrame(queue["arrival_rate_per_second"])
        for weekday in range(7):
            frames.append(
                pd.DataFrame(
                    {
                        "queue_id": queue["queue_name"] if names else queue["queue_id"],
                        "queue_name": queue["queue_name"],
                        "media_type": queue["media_type"],
                        "weekday": weekday,
                        "slot": range(96),
                        "slot_minute": [15 * s for s in range(96)],
                        "interval_seconds": 900,
                        "arrival_rate": rates.iloc[weekday].to_numpy(),
                        "aht_seconds": queue["mean_handle_seconds"],
                        "patience_seconds": queue["patience_seconds"] or float("inf"),
                    }
                )
            )
    week: pd.DataFrame = pd.concat(frames, ignore_index=True)
    return week


def queue_ids(truth: dict[str, Any]) -> dict[str, str]:
    return {q["queue_name"]: q["queue_id"] for q in truth["queues"]}


class _Raw:
    def __init__(self, text: str) -> None:
        self.data = text

    def getheader(self, name: str, default: Any = None) -> Any:
        return "application/json" if name.lower() == "content-type" else default


def _normalise(value: Any) -> Any:
    """Datetimes compare as instants; everything else as JSON."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4] == "-" and value[10] == "T":
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return value
    return value


def assert_lossless(client: Any, raw: Any, model: str) -> Any:
    """The official SDK reads ``raw`` as ``model`` and writes it back unchanged: every field
    the sandbox sends is one the SDK knows, with a type and enum value it accepts."""
    obj = client.deserialize(_Raw(json.dumps(raw)), model)
    back = client.sanitize_for_serialization(obj)
    assert _normalise(back) == _normalise(raw), f"{model} lost or changed fields"
    assert "outdated_sdk_version" not in json.dumps(back)
    return obj
