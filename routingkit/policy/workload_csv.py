"""Workload files: a typical week as CSV, read into (and written from) the pipeline's table.

Columns (one row per queue, weekday and interval):

- ``queue`` (name) — required; ``queue_id`` — optional (default: the name);
- ``media_type`` — optional analytics name, default ``voice`` (``call`` means ``voice``);
- ``interval_start`` — ``HH:MM`` (time of day; then ``weekday`` 0 = Monday, default 0) or a
  date and time (the weekday is the date's);
- ``offered`` (interactions in the interval) or ``arrival_rate`` (per second) — one required;
- ``aht_seconds`` — required (may be empty where nothing is offered);
- ``patience_seconds`` — optional
  (empty or absent: nobody abandons);
- ``goal`` (``"80% in 20s"``) or ``goal_service_level`` with ``target_seconds`` — optional,
  per queue; ``concurrency`` — optional interactions per agent, default 1.

The interval length is detected from the spacing of ``interval_start`` within each queue and
day (gaps such as closed hours are fine, uneven spacing is refused) unless given.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .goals import GoalKey, ServiceGoal

REQUIRED = ("queue", "interval_start", "aht_seconds")
_TIME_OF_DAY = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


class WorkloadFileError(ValueError):
    """A workload file that cannot be used; names the file, the row and the column."""


def read_workload(
    path: Path | str, *, interval_minutes: int | None = None
) -> tuple[pd.DataFrame, dict[GoalKey, ServiceGoal], dict[str, int]]:
    """The week table, the goals the file gives (source ``file``) and concurrency per media."""
    source = Path(path)
    if not source.exists():
        raise WorkloadFileError(f"workload file {source} does not exist; pass --workload PATH")
    try:
        frame = pd.read_csv(source, dtype={"queue": str, "queue_id": str, "interval_start": str})
    except pd.errors.EmptyDataError:
        raise WorkloadFileError(f"{source} is empty; it needs a header and rows") from None
    return workload_from_frame(frame, source=str(source), interval_minutes=interval_minutes)


def _fail(source: str, index: int, column: str, value: object, expected: str) -> WorkloadFileError:
    # +2: the header is line 1 and rows count from 0
    if isinstance(value, np.generic):
        value = value.item()
    return WorkloadFileError(f"{source}, line {index + 2}: {column} is {value!r}; {expected}")


def _numbers(
    frame: pd.DataFrame, column: str, source: str, *, positive: bool, optional: bool = False
) -> np.ndarray:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    empty = raw.isna().to_numpy()
    bad = (~np.isfinite(values) & ~(optional & empty)) | (values < 0) | (positive & (values == 0))
    if bad.any():
        i = int(np.argmax(bad))
        raise _fail(
            source, i, column, raw.iloc[i], f"give a number {'> 0' if positive else '>= 0'}"
        )
    return values


def workload_from_frame(
    frame: pd.DataFrame, *, source: str = "the workload", interval_minutes: int | None = None
) -> tuple[pd.DataFrame, dict[GoalKey, ServiceGoal], dict[str, int]]:
    """``read_workload`` on a DataFrame already in memory."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if "offered" not in frame.columns and "arrival_rate" not in frame.columns:
        missing.append("offered (or arrival_rate)")
    if missing:
        raise WorkloadFileError(
            f"{source}: missing column(s) {', '.join(missing)}; a workload file has queue, "
            "interval_start, offered and aht_seconds (see 'routingkit staffing --help')"
        )
    if frame.empty:
        raise WorkloadFileError(f"{source} has a header but no rows; add one row per interval")
    frame = frame.reset_index(drop=True)
    names = frame["queue"]
    if names.isna().any():
        raise _fail(
            source, int(np.argmax(names.isna().to_numpy())), "queue", None, "name the queue"
        )
    week = pd.DataFrame(
        {
            "queue_id": frame["queue_id"].fillna(names) if "queue_id" in frame else names,
            "queue_name": names.astype(str).str.strip(),
            "media_type": (
                frame["media_type"].fillna("voice").astype(str).str.strip().str.lower()
                if "media_type" in frame
                else "voice"
            ),
        }
    )
    week["media_type"] = week["media_type"].replace({"call": "voice"})
    week["queue_id"] = week["queue_id"].astype(str).str.strip()
    weekday, minute = _when(frame, source)
    week["weekday"] = weekday
    week["slot_minute"] = minute
    step = _interval_minutes(week, source, interval_minutes)
    week["interval_seconds"] = step * 60
    week["slot"] = week["slot_minute"] // step
    if "arrival_rate" in frame.columns:
        week["arrival_rate"] = _numbers(frame, "arrival_rate", source, positive=False)
    else:
        week["arrival_rate"] = _numbers(frame, "offered", source, positive=False) / (step * 60)
    aht = _numbers(frame, "aht_seconds", source, positive=True, optional=True)
    busy = week["arrival_rate"].to_numpy() > 0
    unknown = busy & ~np.isfinite(aht)
    if unknown.any():
        i = int(np.argmax(unknown))
        value = frame["aht_seconds"].iloc[i] if "aht_seconds" in frame else None
        raise _fail(
            source,
            i,
            "aht_seconds",
            value,
            "an interval with volume needs a handle time in seconds",
        )
    week["aht_seconds"] = aht
    if "patience_seconds" in frame.columns:
        patience = _numbers(frame, "patience_seconds", source, positive=True, optional=True)
        week["patience_seconds"] = np.where(np.isfinite(patience), patience, np.inf)
    else:
        week["patience_seconds"] = np.inf
    duplicated = week.duplicated(["queue_id", "media_type", "weekday", "slot_minute"], keep=False)
    if duplicated.any():
        rows = [int(i) + 2 for i in np.flatnonzero(duplicated.to_numpy())[:2]]
        raise WorkloadFileError(
            f"{source}, lines {rows[0]} and {rows[1]}: the same queue, weekday and interval "
            "twice; give one row per queue, weekday and interval (a typical week)"
        )
    goals = _goals(frame, week, source)
    concurrency = _concurrency(frame, week, source)
    week = week.sort_values(["queue_name", "media_type", "queue_id", "weekday", "slot"])
    return week.reset_index(drop=True), goals, concurrency


def _when(frame: pd.DataFrame, source: str) -> tuple[np.ndarray, np.ndarray]:
    text = frame["interval_start"].astype(str)
    clock = text.str.extract(_TIME_OF_DAY)
    if clock.notna().all(axis=None):
        hours = clock[0].astype(int).to_numpy()
        minutes = clock[1].astype(int).to_numpy()
        bad = (hours > 23) | (minutes > 59)
        if bad.any():
            i = int(np.argmax(bad))
            raise _fail(
                source, i, "interval_start", text.iloc[i], "give HH:MM between 00:00 and 23:59"
            )
        if "weekday" in frame.columns:
            weekday = pd.to_numeric(frame["weekday"], errors="coerce").to_numpy()
            bad = ~np.isin(weekday, np.arange(7))
            if bad.any():
                i = int(np.argmax(bad))
                raise _fail(source, i, "weekday", frame["weekday"].iloc[i], "give 0 (Monday) to 6")
        else:
            weekday = np.zeros(len(frame))
        return weekday.astype(np.int64), (hours * 60 + minutes).astype(np.int64)
    stamps = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = stamps.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise _fail(
            source,
            i,
            "interval_start",
            text.iloc[i],
            "give HH:MM or a date and time (2026-01-05 08:30)",
        )
    return (
        stamps.dt.weekday.to_numpy(dtype=np.int64),
        (stamps.dt.hour * 60 + stamps.dt.minute).to_numpy(dtype=np.int64),
    )


def _interval_minutes(week: pd.DataFrame, source: str, given: int | None) -> int:
    """The interval length: ``given``, else the smallest spacing within any queue and day."""
    spacing: list[int] = []
    for _, part in week.groupby(["queue_id", "media_type", "weekday"], sort=False):
        minutes = np.unique(part["slot_minute"].to_numpy())
        spacing.extend(np.diff(minutes).tolist())
    if given is None:
        if not spacing:
            raise WorkloadFileError(
                f"{source}: no queue has two intervals on one day, so the interval length "
                "cannot be told; pass --interval-minutes (15, 30 or 60)"
            )
        step = min(spacing)
    else:
        step = int(given)
    if step <= 0 or 1440 % step:
        raise WorkloadFileError(
            f"{source}: an interval of {step} minutes does not divide a day; use 15, 30 or 60"
        )
    off_grid = week["slot_minute"].to_numpy() % step != 0
    uneven = [s for s in spacing if s % step]
    if off_grid.any() or uneven:
        i = int(np.argmax(off_grid)) if off_grid.any() else None
        where = f" (line {i + 2})" if i is not None else ""
        raise WorkloadFileError(
            f"{source}: interval starts are not on one {step}-minute grid{where}; the spacing "
            f"between intervals varies ({sorted(set(spacing))[:6]} minutes). Give every queue "
            "the same interval length, starting on the hour"
        )
    return step


def _per_queue(
    frame: pd.DataFrame, week: pd.DataFrame, column: str, source: str
) -> dict[tuple[str, str], Any]:
    """One value of ``column`` per (queue_id, media_type); conflicting values are refused."""
    values = week[["queue_id", "media_type"]].assign(value=frame[column])
    values = values.dropna(subset=["value"])
    distinct = values.groupby(["queue_id", "media_type"], sort=False)["value"].nunique()
    if (distinct > 1).any():
        qid, media = distinct[distinct > 1].index[0]
        raise WorkloadFileError(
            f"{source}: queue {qid} / {media} has different {column} values on different rows; "
            "give one per queue"
        )
    first = values.groupby(["queue_id", "media_type"], sort=False)["value"].first()
    return {(str(k[0]), str(k[1])): v for k, v in first.to_dict().items()}


def _goals(frame: pd.DataFrame, week: pd.DataFrame, source: str) -> dict[GoalKey, ServiceGoal]:
    goals: dict[GoalKey, ServiceGoal] = {}
    if "goal" in frame.columns:
        for (qid, media), text in _per_queue(frame, week, "goal", source).items():
            try:
                goals[(str(qid), str(media))] = ServiceGoal.parse(str(text), source="file")
            except ValueError as exc:
                raise WorkloadFileError(f"{source}: queue {qid}: {exc}") from None
    if "goal_service_level" in frame.columns or "target_seconds" in frame.columns:
        if not {"goal_service_level", "target_seconds"} <= set(frame.columns):
            raise WorkloadFileError(
                f"{source}: give goal_service_level and target_seconds together (or a goal "
                "column such as '80% in 20s')"
            )
        levels = _per_queue(frame, week, "goal_service_level", source)
        targets = _per_queue(frame, week, "target_seconds", source)
        for key, level in levels.items():
            try:
                goals[key] = ServiceGoal(
                    service_level=float(level), target_seconds=float(targets[key]), source="file"
                )
            except (ValueError, KeyError) as exc:
                raise WorkloadFileError(f"{source}: queue {key[0]}: goal {exc}") from None
    return goals


def _concurrency(frame: pd.DataFrame, week: pd.DataFrame, source: str) -> dict[str, int]:
    if "concurrency" not in frame.columns:
        return {}
    per_queue = _per_queue(frame, week, "concurrency", source)
    out: dict[str, int] = {}
    for (qid, media), value in per_queue.items():
        number = pd.to_numeric(value, errors="coerce")
        if not (np.isfinite(number) and 1 <= number <= 25 and float(number).is_integer()):
            raise WorkloadFileError(
                f"{source}: queue {qid}: concurrency is {value!r}; give a whole number 1 to 25"
            )
        if out.get(str(media), int(number)) != int(number):
            raise WorkloadFileError(
                f"{source}: concurrency differs between {media} queues; routingkit models one "
                "value per media type (as org utilization does)"
            )
        out[str(media)] = int(number)
    return out


def write_workload(
    week: pd.DataFrame,
    path: Path | str,
    *,
    goals: pd.DataFrame | None = None,
    concurrency: dict[str, int] | None = None,
) -> Path:
    """A typical week as a workload file that ``read_workload`` reads back to the same table.

    Rates are written as ``arrival_rate`` (exact), alongside ``offered`` for readers.
    """
    out = week.assign(
        queue=week["queue_name"],
        interval_start=[f"{m // 60:02d}:{m % 60:02d}" for m in week["slot_minute"].astype(int)],
        offered=week["arrival_rate"] * week["interval_seconds"],
        patience_seconds=week["patience_seconds"].where(np.isfinite(week["patience_seconds"])),
    )
    columns = [
        "queue_id",
        "queue",
        "media_type",
        "weekday",
        "interval_start",
        "offered",
        "arrival_rate",
        "aht_seconds",
        "patience_seconds",
    ]
    if goals is not None:
        out = out.merge(
            goals[["queue_id", "media_type", "goal_service_level", "target_seconds"]],
            on=["queue_id", "media_type"],
            how="left",
        )
        columns += ["goal_service_level", "target_seconds"]
    if concurrency:
        out["concurrency"] = out["media_type"].map(concurrency).fillna(1).astype(int)
        columns.append("concurrency")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    out[columns].to_csv(target, index=False)
    return target
