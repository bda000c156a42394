"""The stored 15-minute interval rows as columns in memory, loaded once per history version.

History is read-only once seeded, so the table is read once per version (the seed and its
dates) and shared by every aggregate query. The sandbox instance owns one
:class:`IntervalTableCache`; its lock makes concurrent first queries load the table once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .analytics_buckets import Int64Array
from .store import INTERVAL_COLUMNS, Store


@dataclass(frozen=True)
class IntervalTable:
    """The ``intervals`` table as columns, rows sorted by start."""

    version: str
    start: Int64Array
    queue: npt.NDArray[np.str_]
    pair: Int64Array  # index into pairs
    pairs: list[tuple[str, str]]  # (queue id, media type)
    target: npt.NDArray[np.float64]
    matrix: Int64Array  # rows x INTERVAL_COLUMNS
    column: dict[str, int]


def history_version(store: Store) -> str:
    return "/".join(str(store.get_meta(k)) for k in ("seed", "start_date", "end_date"))


def load_interval_table(store: Store, version: str) -> IntervalTable:
    cursor = store.read().cursor()
    cursor.row_factory = None
    rows = cursor.execute(
        "SELECT queue_id, media_type, start_ms, sl_target, "
        + ", ".join(f'"{c}"' for c in INTERVAL_COLUMNS)
        + " FROM intervals ORDER BY start_ms"
    ).fetchall()
    pair_index: dict[tuple[str, str], int] = {}
    pair = np.fromiter(
        (pair_index.setdefault((r[0], r[1]), len(pair_index)) for r in rows),
        dtype=np.int64,
        count=len(rows),
    )
    return IntervalTable(
        version=version,
        start=np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows)),
        queue=np.array([r[0] for r in rows], dtype=str),
        pair=pair,
        pairs=list(pair_index),
        target=np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows)),
        matrix=np.array([r[4:] for r in rows], dtype=np.int64).reshape(len(rows), -1),
        column={c: j for j, c in enumerate(INTERVAL_COLUMNS)},
    )


class IntervalTableCache:
    """The current :class:`IntervalTable` of one sandbox's store."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._table: IntervalTable | None = None

    def table(self, store: Store) -> IntervalTable:
        """The table for the store's current history, loaded if it changed or was never read."""
        version = history_version(store)
        with self._lock:
            if self._table is None or self._table.version != version:
                self._table = load_interval_table(store, version)
            return self._table

    def clear(self) -> None:
        with self._lock:
            self._table = None
