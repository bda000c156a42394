"""The capacity plan: the one hand-off from staffing analysis to deployment.

A typed, versioned record of what was computed, for which org, from which history, to which
goals: per queue id and media type, the goal and its source, the history coverage, the
concurrency and patience assumed, and per interval of the typical week the workload, the
required on-queue agents, the rostered heads after shrinkage, and the service level, ASA,
abandon rate and occupancy predicted at that staffing. Saved as JSON (exact round trip) and
as CSV for spreadsheets; loaded with validation that names the field path of any bad value.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..capacity import scheduled_agents
from .goals import GOAL_COLUMNS, ServiceGoal, goals_by_key
from .requirements import KEYS, StaffingOptions, predicted_service
from .validation_errors import explain

SCHEMA_VERSION = 1
JSON_NAME = "capacity_plan.json"
CSV_NAME = "capacity_plan.csv"


class CapacityPlanError(ValueError):
    """A capacity plan file that cannot be used; the message names the file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrgRef(_Strict):
    """The org a plan was computed for (a plan is only ever applied to this org)."""

    id: str = Field(min_length=1)
    name: str = ""
    api_url: str = ""


class HistoryWindow(_Strict):
    """The history asked for: local dates [start, end) in ``time_zone``."""

    start: dt.date
    end: dt.date
    time_zone: str
    granularity: str

    @model_validator(mode="after")
    def _ordered(self) -> HistoryWindow:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} is not after start {self.start}")
        return self


class Coverage(_Strict):
    """The part of the window the org had data for, for one queue and media type."""

    covered_start: dt.datetime | None = None
    covered_days: int = Field(ge=0)
    requested_days: int = Field(ge=0)


class IntervalPlan(_Strict):
    """One interval of the typical week: workload, staffing and predicted service."""

    weekday: int = Field(ge=0, le=6)
    slot_minute: int = Field(ge=0, lt=1440)
    arrival_rate: float = Field(ge=0.0)
    aht_seconds: float | None = Field(default=None, gt=0.0)
    required_agents: int = Field(ge=0)
    rostered_agents: int = Field(ge=0)
    service_level: float = Field(ge=0.0, le=1.0)
    asa_seconds: float | None = Field(default=None, ge=0.0)
    abandon_rate: float = Field(ge=0.0, le=1.0)
    occupancy: float = Field(ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _rostered_cover_required(self) -> IntervalPlan:
        if self.rostered_agents < self.required_agents:
            raise ValueError(
                f"rostered_agents {self.rostered_agents} is below required_agents "
                f"{self.required_agents}"
            )
        return self


class QueuePlan(_Strict):
    """The plan of one queue and media type (analytics media name: voice, chat, ...)."""

    queue_id: str = Field(min_length=1)
    queue_name: str
    media_type: str = Field(min_length=1)
    goal: ServiceGoal
    coverage: Coverage | None = None
    concurrency: int = Field(ge=1, le=25)
    patience_seconds: float | None = Field(default=None, gt=0.0)
    intervals: list[IntervalPlan]

    @model_validator(mode="after")
    def _unique_intervals(self) -> QueuePlan:
        seen: set[tuple[int, int]] = set()
        for index, interval in enumerate(self.intervals):
            key = (interval.weekday, interval.slot_minute)
            if key in seen:
                raise ValueError(f"intervals[{index}] repeats weekday {key[0]} at minute {key[1]}")
            seen.add(key)
        return self

    @property
    def peak_required_agents(self) -> int:
        return max((i.required_agents for i in self.intervals), default=0)

    @property
    def peak_rostered_agents(self) -> int:
        return max((i.rostered_agents for i in self.intervals), default=0)


class CapacityPlan(_Strict):
    """Chosen capacities per queue id × media type × interval, and everything they assume."""

    schema_version: Literal[1] = 1
    created_at: dt.datetime
    org: OrgRef | None = None  # None: computed from a workload file, not read from an org
    history: HistoryWindow | None = None
    interval_seconds: int = Field(gt=0, le=86_400)
    options: StaffingOptions
    queues: list[QueuePlan]

    @model_validator(mode="after")
    def _consistent(self) -> CapacityPlan:
        seen: set[tuple[str, str]] = set()
        for index, queue in enumerate(self.queues):
            key = (queue.queue_id, queue.media_type)
            if key in seen:
                raise ValueError(
                    f"queues[{index}] repeats queue {queue.queue_name or queue.queue_id} / "
                    f"{queue.media_type}"
                )
            seen.add(key)
            step = self.interval_seconds // 60
            for number, interval in enumerate(queue.intervals):
                if step and interval.slot_minute % step:
                    raise ValueError(
                        f"queues[{index}].intervals[{number}].slot_minute "
                        f"{interval.slot_minute} is not on the {step}-minute grid"
                    )
        return self

    # -- lookups -----------------------------------------------------------------------
    def queue(self, queue_id: str, media_type: str) -> QueuePlan:
        for queue in self.queues:
            if queue.queue_id == queue_id and queue.media_type == media_type:
                return queue
        have = ", ".join(f"{q.queue_name} / {q.media_type}" for q in self.queues)
        raise KeyError(f"no plan for queue {queue_id} / {media_type}; the plan has {have}")

    def to_frame(self) -> pd.DataFrame:
        """One row per queue × media × interval, with the goal and assumptions repeated."""
        rows: list[dict[str, Any]] = []
        for q in self.queues:
            base = {
                "queue_id": q.queue_id,
                "queue_name": q.queue_name,
                "media_type": q.media_type,
                "goal_service_level": q.goal.service_level,
                "target_seconds": q.goal.target_seconds,
                "goal_source": q.goal.source,
                "concurrency": q.concurrency,
                "patience_seconds": q.patience_seconds,
            }
            rows.extend({**base, **i.model_dump()} for i in q.intervals)
        columns = [
            "queue_id",
            "queue_name",
            "media_type",
            "goal_service_level",
            "target_seconds",
            "goal_source",
            "concurrency",
            "patience_seconds",
            *IntervalPlan.model_fields,
        ]
        result: pd.DataFrame = pd.DataFrame(rows, columns=columns)
        return result

    # -- files -------------------------------------------------------------------------
    def save(self, output_dir: Path | str) -> list[Path]:
        """``capacity_plan.json`` and ``capacity_plan.csv`` in ``output_dir``, each written
        whole or not at all (a temporary file renamed into place)."""
        out = Path(output_dir)
        out.mkdir(parents=True, exist_ok=True)
        json_path, csv_path = out / JSON_NAME, out / CSV_NAME
        _write_atomic(json_path, self.model_dump_json(indent=1))
        _write_atomic(csv_path, self.to_frame().to_csv(index=False))
        return [json_path, csv_path]

    @classmethod
    def load(cls, path: Path | str) -> CapacityPlan:
        """Read and validate a plan (a JSON file, or a folder holding ``capacity_plan.json``)."""
        source = Path(path)
        if source.is_dir():
            source = source / JSON_NAME
        try:
            text = source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CapacityPlanError(
                f"{source} does not exist; run the staffing report (02_staffing) or "
                "'routingkit staffing --output-dir DIR' to make a capacity plan"
            ) from None
        return cls.from_json(text, source=str(source))

    @classmethod
    def from_json(cls, text: str, *, source: str = "the capacity plan") -> CapacityPlan:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CapacityPlanError(
                f"{source} is not JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
            ) from None
        version = raw.get("schema_version") if isinstance(raw, dict) else None
        if isinstance(raw, dict) and version not in (None, SCHEMA_VERSION):
            raise CapacityPlanError(
                f"{source}: schema_version {version!r} is not supported by this routingkit "
                f"(it reads version {SCHEMA_VERSION}); upgrade routingkit or recompute the plan"
            )
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            message = explain(exc, source, raw, what="capacity plan")
            raise CapacityPlanError(
                f"{message}\nFix the field(s) named, or recompute the plan with the "
                "staffing report."
            ) from None


def _write_atomic(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _finite_or_none(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def build_capacity_plan(
    plan: pd.DataFrame,
    options: StaffingOptions,
    *,
    org: OrgRef | None = None,
    history: HistoryWindow | None = None,
    coverage: pd.DataFrame | None = None,
    created_at: dt.datetime | None = None,
) -> CapacityPlan:
    """The capacity plan of a ``required_staffing`` table at ``options.model``'s staffing.

    ``coverage``: a ``workload.coverage`` table (per queue id and media type), recorded with
    each queue. Predicted service comes from ``predicted_service`` at the chosen staffing.
    """
    model = options.model
    if model not in plan.columns:
        have = ", ".join(m for m in ("erlang_c", "erlang_a", "simulation") if m in plan.columns)
        raise ValueError(
            f"model {model!r} is not in the staffing table; choose one of {have}"
            + (" (add_simulation adds 'simulation')" if model == "simulation" else "")
        )
    seconds = plan["interval_seconds"].unique()
    if len(seconds) != 1:
        raise ValueError(
            f"the staffing table mixes interval lengths {sorted(map(int, seconds))} s; "
            "a capacity plan has one interval length"
        )
    required = plan[model].to_numpy(dtype=np.int64)
    rostered = np.asarray(scheduled_agents(required, options.shrinkage), dtype=np.int64)
    predicted = predicted_service(plan, required)
    frame = plan.assign(
        required_agents=required,
        rostered_agents=rostered,
        **{f"predicted_{c}": predicted[c] for c in predicted.columns},
    )
    goals = goals_by_key(plan[[*KEYS, *GOAL_COLUMNS]].drop_duplicates(["queue_id", "media_type"]))
    covered: dict[tuple[str, str], Coverage] = {}
    if coverage is not None:
        records: list[dict[Any, Any]] = coverage.to_dict(orient="records")
        for row in records:
            start = row["covered_start"]
            covered[(str(row["queue_id"]), str(row["media_type"]))] = Coverage(
                covered_start=None if pd.isna(start) else pd.Timestamp(start).to_pydatetime(),
                covered_days=int(row["covered_days"]),
                requested_days=int(row["requested_days"]),
            )
    queues = []
    for (qid, name, media), rows in frame.groupby(KEYS, observed=True, sort=False):
        rows = rows.sort_values(["weekday", "slot_minute"])
        patience = float(rows["patience_seconds"].iloc[0])
        queues.append(
            QueuePlan(
                queue_id=str(qid),
                queue_name=str(name),
                media_type=str(media),
                goal=goals[(str(qid), str(media))],
                coverage=covered.get((str(qid), str(media))),
                concurrency=int(rows["concurrency"].iloc[0]),
                patience_seconds=_finite_or_none(patience),
                intervals=[
                    IntervalPlan(
                        weekday=int(r.weekday),
                        slot_minute=int(r.slot_minute),
                        arrival_rate=float(r.arrival_rate),
                        aht_seconds=(
                            float(r.aht_seconds)
                            if np.isfinite(r.aht_seconds) and r.aht_seconds > 0
                            else None
                        ),
                        required_agents=int(r.required_agents),
                        rostered_agents=int(r.rostered_agents),
                        service_level=float(np.clip(r.predicted_service_level, 0.0, 1.0)),
                        asa_seconds=_finite_or_none(r.predicted_asa_seconds),
                        abandon_rate=float(np.clip(r.predicted_abandon_rate, 0.0, 1.0)),
                        occupancy=float(np.clip(r.predicted_occupancy, 0.0, 1.0)),
                    )
                    for r in rows.itertuples(index=False)
                ],
            )
        )
    return CapacityPlan(
        created_at=created_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        org=org,
        history=history,
        interval_seconds=int(seconds[0]),
        options=options,
        queues=queues,
    )


def peak_table(plan: CapacityPlan) -> pd.DataFrame:
    """Per queue: goal, peak required and rostered agents, and agent-hours per week."""
    hours = plan.interval_seconds / 3600.0
    rows = [
        {
            "queue_name": q.queue_name,
            "media_type": q.media_type,
            "goal": str(q.goal),
            "goal_source": q.goal.source,
            "peak_required_agents": q.peak_required_agents,
            "peak_rostered_agents": q.peak_rostered_agents,
            "required_agent_hours": sum(i.required_agents for i in q.intervals) * hours,
            "queue_id": q.queue_id,
        }
        for q in plan.queues
    ]
    result: pd.DataFrame = pd.DataFrame(rows)
    return result
