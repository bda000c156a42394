"""Which agent the sandbox's WFM put on which queue, slot by slot: schedules and routing status.

The history was simulated with ``Workload.staffing()`` agents on each queue per weekday and
local 15-minute slot (``org.ground_truth``'s ``staffing``), not with named agents. The roster
names them: for every slot of the week it gives each seat of each queue to one agent who is a
joined member of that queue, at most one queue per agent and slot. The published schedules
(:mod:`.wfm_schedules`) and the agents' routing status (:mod:`.analytics_users`) are both read
from it, so they agree with each other and with the staffing the history was simulated with.

Choosing the agents (one assignment problem per slot, solved exactly with
``scipy.optimize.linear_sum_assignment``; deterministic), in order of importance:

1. as many seats filled as the members allow. The teams are fixed by the seed, and in a few
   slots a queue's members are fewer than its staffing (Back Office's 12 agents for 13 e-mail
   seats at Monday's peak): those seats stay empty, and the schedules are short there;
2. agents whose on-queue activity leaves no doubt which queue they work: the activity code of
   a queue in a planning group names that group (``On Queue - <group>``), so an agent counts
   for the group's queues he is joined to; a queue in no planning group takes the general
   ``On Queue`` code, which counts for every queue the agent is joined to;
3. shifts an agent can work: nobody past nine hours on queue while another can take over;
   then the same queue as in the slot before, then another queue, then a shift starting, and
   last a second shift the same day; agents with fewer slots that day first.

The memberships are those at the first WFM request of a database; the roster is then stored
(meta key :data:`ROSTER_META`) so that later membership changes, restarts and upgrades do not
rewrite the past. Activity codes are written at the same time.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from .org import SLOTS_PER_DAY, OrgSpec, stable_id
from .store import Store
from .wfm_seed import (
    BASE,
    PLANNING_GROUPS,
    business_unit_id,
    created_at,
    ensure_wfm,
    metadata,
    seed_user,
    stored,
)

ROSTER_META = "wfm_roster"
ACTIVITY_CODE_KIND = "wfm_activity_code"
ON_QUEUE = "on_queue"
BREAK, MEAL, OFF_QUEUE_WORK = "break", "meal", "off_queue_work"

_INFEASIBLE = 1e12
_AMBIGUITY = 1e6  # per extra queue an agent's on-queue activity counts for
_SWITCH, _START, _SECOND_SHIFT = 40.0, 60.0, 300.0
_LONG_SHIFT_SLOTS, _OVERTIME = 36, 5000.0  # past 9 hours on queue, hand over if anyone can


@dataclass(frozen=True)
class CodeSpec:
    """One activity code of the business unit (``BusinessUnitActivityCode``)."""

    key: str
    name: str
    category: str
    length_minutes: int
    paid: bool
    work: bool
    planning_group: str | None = None  # an on-queue code for this planning group only
    default: bool = False


_BASIC_CODES = (
    CodeSpec(ON_QUEUE, "On Queue", "OnQueueWork", 15, True, True, default=True),
    CodeSpec(BREAK, "Break", "Break", 15, True, False, default=True),
    CodeSpec(MEAL, "Meal", "Meal", 30, False, False, default=True),
    CodeSpec("meeting", "Meeting", "Meeting", 30, True, True, default=True),
    CodeSpec("training", "Training", "Training", 60, True, True, default=True),
    CodeSpec("time_off", "Time Off", "TimeOff", 480, True, False, default=True),
    CodeSpec(OFF_QUEUE_WORK, "Off Queue Work", "OffQueueWork", 30, True, True, default=True),
)


def group_code_key(group_name: str) -> str:
    return f"{ON_QUEUE}:{group_name}"


CODES: tuple[CodeSpec, ...] = (
    *_BASIC_CODES,
    *(
        CodeSpec(
            group_code_key(g.name), f"On Queue - {g.name}", "OnQueueWork", 15, True, True, g.name
        )
        for g in PLANNING_GROUPS
    ),
)


def code_id(org: OrgSpec, key: str) -> str:
    return stable_id(org.seed, "wfm", "activity_code", key)


def queue_code(queue_key: str) -> str:
    """The on-queue activity code an agent working ``queue_key`` is scheduled with."""
    for group in PLANNING_GROUPS:
        if any(path[0] == queue_key for path in group.paths):
            return group_code_key(group.name)
    return ON_QUEUE


def _code_queues(code_key: str) -> frozenset[str] | None:
    """The queue keys an on-queue code is restricted to (None: every queue)."""
    for group in PLANNING_GROUPS:
        if code_key == group_code_key(group.name):
            return frozenset(path[0] for path in group.paths)
    return None


@dataclass(frozen=True)
class Roster:
    """``slots[weekday][agent, slot]``: index into ``queues`` of the queue worked, or -1."""

    agents: tuple[str, ...]  # user ids
    queues: tuple[str, ...]  # queue keys
    slots: npt.NDArray[np.int8]  # (7, agents, 96)

    def to_json(self) -> str:
        letters = [
            ["".join("." if q < 0 else chr(65 + int(q)) for q in row) for row in day]
            for day in self.slots
        ]
        return json.dumps({"agents": self.agents, "queues": self.queues, "days": letters})

    @classmethod
    def from_json(cls, text: str) -> Roster:
        raw = json.loads(text)
        slots = np.array(
            [
                [[-1 if c == "." else ord(c) - 65 for c in row] for row in day]
                for day in raw["days"]
            ],
            dtype=np.int8,
        )
        return cls(tuple(raw["agents"]), tuple(raw["queues"]), slots)


def joined_queues(db: sqlite3.Connection, org: OrgSpec) -> dict[str, set[str]]:
    """{user id: keys of the org's queues the user is a joined member of}."""
    key_of = {qid: key for key, qid in org.queue_ids.items()}
    joined: dict[str, set[str]] = {}
    for row in db.execute("SELECT queue_id, user_id FROM queue_members WHERE joined = 1"):
        key = key_of.get(row["queue_id"])
        if key is not None:
            joined.setdefault(row["user_id"], set()).add(key)
    return joined


def build_roster(org: OrgSpec, joined: dict[str, set[str]]) -> Roster:
    """The roster for these memberships (see the module docstring)."""
    queues = tuple(q.key for q in org.queues)
    agents = tuple(a.id for a in org.agents)
    staffing = np.stack([q.workload.staffing() for q in org.queues])  # (queues, 7, 96)
    # ambiguity[a, q]: extra queues an agent's activity for q counts for (inf: not a member)
    ambiguity = np.full((len(agents), len(queues)), np.inf)
    for a, agent in enumerate(agents):
        member = joined.get(agent, set())
        for q, key in enumerate(queues):
            if key in member:
                limit = _code_queues(queue_code(key))
                counted = member if limit is None else member & limit
                ambiguity[a, q] = len(counted) - 1
    slots = np.full((7, len(agents), SLOTS_PER_DAY), -1, dtype=np.int8)
    for weekday in range(7):
        worked = np.zeros(len(agents))
        for slot in range(SLOTS_PER_DAY):
            seats = np.repeat(np.arange(len(queues)), staffing[:, weekday, slot])
            if not seats.size:
                continue
            before = slots[weekday, :, slot - 1] if slot else np.full(len(agents), -1)
            shape = np.where(worked > 0, _SECOND_SHIFT, _START) + worked
            tired = np.where(worked >= _LONG_SHIFT_SLOTS, _OVERTIME, 0.0)
            cost = np.empty((seats.size, len(agents)))
            for q in np.unique(seats):
                row = np.where(before == q, 0.0, np.where(before >= 0, _SWITCH, shape)) + tired
                row = row + np.where(np.isinf(ambiguity[:, q]), _INFEASIBLE, 0.0)
                row = row + _AMBIGUITY * np.where(np.isinf(ambiguity[:, q]), 0.0, ambiguity[:, q])
                cost[seats == q] = row
            chosen_seats, chosen_agents = linear_sum_assignment(cost)
            for seat, agent in zip(chosen_seats, chosen_agents, strict=True):
                if cost[seat, agent] < _INFEASIBLE:
                    slots[weekday, agent, slot] = seats[seat]
                    worked[agent] += 1
    return Roster(agents, queues, slots)


def _activity_code(org: OrgSpec, spec: CodeSpec, created: str) -> dict[str, Any]:
    bu_id = business_unit_id(org)
    code: dict[str, Any] = {
        "id": code_id(org, spec.key),
        "name": spec.name,
        "active": True,
        "defaultCode": spec.default,
        "category": spec.category,
        "lengthInMinutes": spec.length_minutes,
        "countsAsPaidTime": spec.paid,
        "countsAsWorkTime": spec.work,
        "agentTimeOffSelectable": spec.category == "TimeOff",
        "countsTowardShrinkage": spec.category != "OnQueueWork",
        "plannedShrinkage": spec.category in ("Break", "Meal", "Meeting", "Training", "TimeOff"),
        "interruptible": spec.category in ("OffQueueWork", "Training"),
        "metadata": metadata(1, created, seed_user(org)),
        "selfUri": f"{BASE}/{bu_id}/activitycodes/{code_id(org, spec.key)}",
    }
    if spec.planning_group is not None:
        group_id = stable_id(org.seed, "wfm", "planning_group", spec.planning_group)
        code["planningGroups"] = [
            {"id": group_id, "selfUri": f"{BASE}/{bu_id}/planninggroups/{group_id}"}
        ]
    return code


def ensure_roster(store: Store, org: OrgSpec) -> Roster:
    """The stored roster (built and stored, with the activity codes, on the first call)."""
    cached = store.cache.get(ROSTER_META)
    if isinstance(cached, Roster):
        return cached
    ensure_wfm(store, org)
    text = store.get_meta(ROSTER_META)
    if text is None:
        with store.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (ROSTER_META,)).fetchone()
            if row is None:  # checked again inside: another handler may have built it since
                roster = build_roster(org, joined_queues(db, org))
                created = created_at(store)
                for spec in CODES:
                    Store.put(
                        db,
                        ACTIVITY_CODE_KIND,
                        stored(_activity_code(org, spec, created), business_unit_id(org)),
                    )
                text = roster.to_json()
                Store.set_meta(db, ROSTER_META, text)
            else:
                text = str(row["value"])
    roster = Roster.from_json(text)
    store.cache[ROSTER_META] = roster
    return roster


def occupancy(org: OrgSpec) -> npt.NDArray[np.float64]:
    """Share of an on-queue agent's time spent working, per (queue, weekday, slot): the
    queue's true load per seat over the agents staffed (0 where nobody is)."""
    out = []
    for spec in org.queues:
        w = spec.workload
        load = w.arrival_rate() * w.mean_handle_seconds / w.concurrency
        agents = w.staffing()
        out.append(np.where(agents > 0, load / np.maximum(agents, 1), 0.0))
    clipped: npt.NDArray[np.float64] = np.clip(np.stack(out), 0.0, 0.98)
    return clipped
