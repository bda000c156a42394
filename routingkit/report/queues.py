"""Queues as a report names and picks them: the label a reader sees, the queue a detailed view
shows (the notebooks' ``detail_queue`` parameter), the order of small multiples."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class QueueChoice:
    """One queue and media type, with the label the report shows for it and its ``row`` of
    the table it was picked from."""

    queue_id: str
    queue_name: str
    media_type: str
    label: str
    row: Mapping[str, Any] = field(default_factory=dict)


def labels(table: pd.DataFrame) -> pd.Series:
    """The queue name, or ``"name / media"`` where a name carries more than one media type.

    Queue names usually say their media already (``"Sales - Voice"``); repeating it is noise,
    but two media types of one queue must not read alike.
    """
    names = table["queue_name"].astype(str)
    media = table["media_type"].astype(str)
    pairs = pd.DataFrame({"name": names, "media": media}).drop_duplicates()
    shared = set(pairs["name"][pairs["name"].duplicated(keep=False)])
    result: pd.Series = names.where(~names.isin(shared), names + " / " + media)
    return result


def pick_queue(summary: pd.DataFrame, name: str = "") -> QueueChoice:
    """The queue named ``name`` (``"Sales - Voice"`` or ``"Sales - Voice / voice"``) in
    ``summary`` (one row per queue and media type, busiest first), or the busiest when empty.

    An unknown name is an error that lists the queues there are.
    """
    if summary.empty:
        raise ValueError("there are no queues in the history; there is nothing to show")
    shown = labels(summary)
    full = summary["queue_name"].astype(str) + " / " + summary["media_type"].astype(str)
    wanted = name.strip()
    if not wanted:
        index = 0
    else:
        hits = [i for i in range(len(summary)) if wanted in (shown.iloc[i], full.iloc[i])]
        if not hits:
            hits = [i for i in range(len(summary)) if summary["queue_name"].iloc[i] == wanted]
        if not hits:
            raise ValueError(
                f"detail_queue {wanted!r} is not a queue of this report; it has "
                f"{', '.join(sorted(shown))}"
            )
        index = hits[0]
    row = summary.iloc[index]
    return QueueChoice(
        queue_id=str(row["queue_id"]),
        queue_name=str(row["queue_name"]),
        media_type=str(row["media_type"]),
        label=str(shown.iloc[index]),
        row={str(k): v for k, v in row.items()},
    )
