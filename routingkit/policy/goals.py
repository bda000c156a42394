"""Service goals: one type, validated once, and the rule that picks each queue's goal.

A goal is "``service_level`` of interactions answered within ``target_seconds``" (Genesys's
``oServiceLevel``: answered within target / offered, flow-outs excluded). Each queue and media
type takes, in order of precedence:

1. an explicit override for that queue (by id or name), then an override for all queues;
2. the workforce-management service goal template of its planning group, where the org has one;
3. the queue's own media settings (``mediaSettings.<media>.serviceLevel``), or the goal
   columns of a workload file (source ``file``);
4. the fallback default, 80 % in 20 s, which the output then says was used.

When a WFM goal and the queue's setting both exist and disagree, the WFM goal is used and the
disagreement is recorded in ``note`` (WFM schedules to it; the queue setting only colours the
reports of the platform).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

GoalSource = Literal["override", "wfm", "org", "file", "default"]
GoalKey = tuple[str, str]  # (queue_id, analytics media type)


class ServiceGoal(BaseModel):
    """``service_level`` (a fraction in (0, 1)) answered within ``target_seconds`` (>= 0)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service_level: float = Field(gt=0.0, lt=1.0)
    target_seconds: float = Field(ge=0.0, le=7 * 86_400)
    source: GoalSource = "override"
    note: str = ""

    def __str__(self) -> str:
        return f"{self.service_level:.0%} in {_seconds_text(self.target_seconds)}"

    @classmethod
    def parse(cls, text: str | ServiceGoal, *, source: GoalSource = "override") -> ServiceGoal:
        """``"80% in 20s"``, ``"90 % in 10 s"``, ``"80/20"``, ``"0.8 in 2m"``, or a ServiceGoal."""
        if isinstance(text, ServiceGoal):
            return text
        match = _GOAL.fullmatch(str(text).strip().lower())
        if not match:
            raise ValueError(
                f"service goal {text!r} is not understood; write it as '80% in 20s' "
                "(also '80/20', '0.9 in 10s', '95% in 4h')"
            )
        level = float(match["level"])
        if match["pct"] or match["sep"] == "/" or level > 1:
            level /= 100.0
        unit = match["unit"] or "s"
        seconds = float(match["time"]) * _UNITS[unit[0]]
        return cls(service_level=level, target_seconds=seconds, source=source)


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_GOAL = re.compile(
    r"(?P<level>\d+(?:\.\d+)?)\s*(?P<pct>%)?\s*(?P<sep>/|in|within)\s*"
    r"(?P<time>\d+(?:\.\d+)?)\s*(?P<unit>s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)?"
)

# The goal columns every staffing table carries, one row's goal each (see resolve_goals).
GOAL_COLUMNS = ("goal_service_level", "target_seconds", "goal_source", "goal_note")

DEFAULT_GOAL = ServiceGoal(service_level=0.8, target_seconds=20.0, source="default")


def _seconds_text(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


@dataclass(frozen=True)
class GoalOverrides:
    """Goals set by the analyst: ``all`` for every queue, ``per_queue`` by queue id or name."""

    all: ServiceGoal | None = None
    per_queue: Mapping[str, ServiceGoal] | None = None

    @classmethod
    def from_parameters(
        cls, goal: str | None = None, per_queue: Mapping[str, str] | None = None
    ) -> GoalOverrides:
        """From notebook or CLI text: ``goal="80% in 20s"``, ``per_queue={"VIP": "90/10"}``."""
        return cls(
            all=ServiceGoal.parse(goal) if goal else None,
            per_queue={str(k): ServiceGoal.parse(v) for k, v in (per_queue or {}).items()},
        )


def resolve_goals(
    queues: pd.DataFrame,
    *,
    org: Mapping[GoalKey, ServiceGoal] | None = None,
    wfm: Mapping[GoalKey, ServiceGoal] | None = None,
    overrides: GoalOverrides | None = None,
    default: ServiceGoal = DEFAULT_GOAL,
) -> pd.DataFrame:
    """The goal of every (queue_id, queue_name, media_type) row of ``queues``.

    Columns: ``queue_id``, ``queue_name``, ``media_type``, ``goal_service_level``,
    ``target_seconds``, ``goal_source`` (override, wfm, org or default) and ``goal_note``
    (why, and any disagreement between WFM and the queue's own setting). A per-queue override
    naming no queue in ``queues`` is an error that lists the queues there are.
    """
    overrides = overrides or GoalOverrides()
    pairs = queues[["queue_id", "queue_name", "media_type"]].drop_duplicates()
    per_queue = dict(overrides.per_queue or {})
    known = set(pairs["queue_id"].astype(str)) | set(pairs["queue_name"].astype(str))
    unknown = sorted(k for k in per_queue if k not in known)
    if unknown:
        raise ValueError(
            f"goal override(s) for {', '.join(map(repr, unknown))} name no queue in the "
            f"workload; it has {', '.join(sorted(set(pairs['queue_name'].astype(str))))}"
        )
    rows = []
    for qid, name, media in pairs.itertuples(index=False):
        key = (str(qid), str(media))
        from_org = (org or {}).get(key)
        from_wfm = (wfm or {}).get(key)
        explicit = per_queue.get(str(qid)) or per_queue.get(str(name)) or overrides.all
        note = ""
        if explicit is not None:
            goal = explicit.model_copy(update={"source": "override"})
            note = "set for this run"
        elif from_wfm is not None:
            goal = from_wfm.model_copy(update={"source": "wfm"})
            note = "WFM service goal template"
            if from_org is not None and _differs(from_org, from_wfm):
                note += f"; the queue's own setting says {from_org}: WFM's goal is used"
        elif from_org is not None:
            source = "file" if from_org.source == "file" else "org"
            goal = from_org.model_copy(update={"source": source})
            note = "the workload file" if source == "file" else "the queue's media settings"
        else:
            goal = default.model_copy(update={"source": "default"})
            note = "no goal configured in the org: routingkit's default"
        rows.append(
            {
                "queue_id": qid,
                "queue_name": name,
                "media_type": media,
                "goal_service_level": goal.service_level,
                "target_seconds": goal.target_seconds,
                "goal_source": goal.source,
                "goal_note": note,
            }
        )
    result: pd.DataFrame = pd.DataFrame(
        rows, columns=["queue_id", "queue_name", "media_type", *GOAL_COLUMNS]
    )
    return result


def _differs(a: ServiceGoal, b: ServiceGoal) -> bool:
    return (
        abs(a.service_level - b.service_level) > 1e-9
        or abs(a.target_seconds - b.target_seconds) > 1e-9
    )


def goals_by_key(table: pd.DataFrame) -> dict[GoalKey, ServiceGoal]:
    """The goals of a ``resolve_goals`` table as ServiceGoal objects keyed by (id, media)."""
    records: list[dict[Any, Any]] = table.to_dict(orient="records")
    return {
        (str(row["queue_id"]), str(row["media_type"])): ServiceGoal(
            service_level=float(row["goal_service_level"]),
            target_seconds=float(row["target_seconds"]),
            source=row["goal_source"],
            note=str(row["goal_note"]),
        )
        for row in records
    }


def describe_goals(table: pd.DataFrame) -> Iterable[str]:
    """One line per queue: ``"VIP - Voice / voice: 90% in 10 s (org)"``."""
    for key, goal in goals_by_key(table).items():
        names = table.loc[table["queue_id"] == key[0], "queue_name"]
        yield f"{names.iloc[0]} / {key[1]}: {goal} ({goal.source})"
