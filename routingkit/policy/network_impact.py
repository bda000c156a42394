"""A plan's predicted effect from the routing-network simulation, where routing matters.

Erlang A/C predict each queue alone. Where a change touches a queue whose service depends on
other queues or on how agents are offered interactions (a bullseye with more than one ring,
conditional group routing, preferred-agent rules, or agents who are members of several of the
queues simulated), the plan also simulates the network
(:func:`routingkit.capacity.simulation.simulate_network`) before and after the change.

What is simulated:

* **Which queues.** The queues of the plan and the queues linked to them by conditional-routing
  rules (either way, transitively), grouped into connected components by shared joined members
  and by those rules, before or after the change. Only components holding a changed queue
  where the network matters are simulated; the others keep their Erlang prediction only.
* **The configuration.** Before: the queue objects, members (ring numbers, joined) and org
  utilization the plan read. After: the desired queue objects, the members after the plan's
  additions, removals and ring changes (an added member is joined, in ring 1 unless the plan
  sets its ring), and the desired org utilization.
* **The workload.** The capacity plan's typical week: Poisson arrivals at its rates,
  exponential handle times with the arrival-weighted mean AHT of the simulated intervals and
  exponential patience with its mean (none where it has none), as Erlang A/C assume. Queues the
  capacity plan does not cover get no arrivals.
* **When.** The component's peak interval of the week (the most offered load, in agents) and,
  while the plan's budget of simulated interactions lasts (:data:`SIMULATION_BUDGET`), the whole
  of that day; past the budget, the peak interval after :data:`WARMUP_INTERVALS` intervals of
  warm-up only.
* **Agents on shift.** Per interval, each queue's capacity-plan requirement capped by its
  joined members x the on-queue fraction (as the Erlang prediction assumes), filled by distinct
  agents taken in a fixed seeded order among its members: an agent counts toward one queue's
  requirement and serves every queue it is a member of. Queues without a requirement (not in
  the capacity plan) have their joined members x the fraction on shift.
* **Common random numbers.** Before and after use the same seed, so the same interactions
  arrive with the same handle times and patience: the difference is the change's.

Not modelled (the plan does not read them): skills and the flow's skill requirements (rings act
through their timeouts and ring numbers; ``skillsToRemove`` has no effect), the interactions'
preferred agents (those route as standard), member groups of rings and rules (a rule's groups
are the joined members of the queue it evaluates), agent-level utilization overrides (every
agent has the org's), and work for queues outside the simulated components.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from ..capacity.simulation import NetworkResult, RoutingNetwork, Workload, simulate_network
from ..genesys.models import Queue, QueueMember, Utilization, queue_media_key
from .capacity_plan import CapacityPlan
from .capacity_plan import QueuePlan as PlannedQueue
from .cluster import dask_executor, requested
from .simnet import network_from_genesys

if TYPE_CHECKING:
    from .plan import QueuePlan, UtilizationPlan
    from .snapshot import OrgSnapshot

DEFAULT_REPLICATIONS = 10
SEED = 12_061
WARMUP_INTERVALS = 2
# Simulated interactions (replications x before and after) the whole peak days of one plan may
# take, about two seconds of simulation; components past it simulate their peak interval only.
SIMULATION_BUDGET = 3_000_000
CONFIDENCE = 0.95
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NetworkFigures(_Frozen):
    """Simulated service of one queue over some intervals: means over the replications, with
    the half-width of their 95 % confidence interval (None with fewer than two values).

    ``occupancy``: the share of their on-shift time the queue's agents on shift spent with at
    least one interaction (of any of their queues); None when none was on shift.
    """

    service_level: float
    service_level_half_width: float | None = None
    asa_seconds: float | None = None
    abandon_rate: float
    abandon_rate_half_width: float | None = None
    occupancy: float | None = None


class NetworkImpact(_Frozen):
    """The routing-network prediction for one queue, before and after the change.

    The figures cover every media type of the queue (``media_types``) at the peak interval of
    its component (``weekday``, ``slot_minute``) and, when ``whole_day``, over that day.
    ``simulated_with``: the other queues of the component.
    """

    queue_id: str
    queue_name: str
    media_types: list[str]
    weekday: int
    slot_minute: int
    whole_day: bool
    replications: int
    seed: int
    simulated_with: list[str] = []
    peak_before: NetworkFigures | None = None
    peak_after: NetworkFigures | None = None
    day_before: NetworkFigures | None = None
    day_after: NetworkFigures | None = None

    @property
    def interval_label(self) -> str:
        """``"Mon 10:30"``: the peak interval simulated."""
        return f"{_DAYS[self.weekday]} {self.slot_minute // 60:02d}:{self.slot_minute % 60:02d}"

    @property
    def day_label(self) -> str:
        return _DAYS[self.weekday]


@dataclass(frozen=True)
class Scenario:
    """One side of the comparison: queue objects and members by queue id, org utilization."""

    queues: Mapping[str, Queue]
    members: Mapping[str, Sequence[QueueMember]]
    utilization: Utilization | None = None


@dataclass
class NetworkPrediction:
    """``impacts``: queue id -> its network prediction; ``notes``: what the plan's assumptions
    should say (components simulated, skipped, or cut to the peak interval)."""

    impacts: dict[str, NetworkImpact] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    components: int = 0
    whole_days: int = 0


# --- which queues ---------------------------------------------------------------------------


def rule_queues(queue: Queue) -> set[str]:
    """Ids of the other queues ``queue``'s conditional-routing rules evaluate."""
    rules = queue.conditional_group_routing.rules if queue.conditional_group_routing else None
    return {
        rule.queue.id
        for rule in rules or []
        if rule.queue is not None and rule.queue.id and rule.queue.id != queue.id
    }


def routing_matters(queue: Queue) -> bool:
    """A bullseye with more than one ring, conditional group routing or preferred-agent rules."""
    rings = queue.bullseye.rings if queue.bullseye else None
    rules = queue.conditional_group_routing.rules if queue.conditional_group_routing else None
    return bool((rings and len(rings) > 1) or rules or queue.routing_rules)


def _desired(plans: Sequence[QueuePlan]) -> dict[str, Queue]:
    return {p.queue_id: Queue.model_validate(p.desired) for p in plans if p.queue_id and p.desired}


def linked_queue_ids(plans: Sequence[QueuePlan], snapshot: OrgSnapshot) -> list[str]:
    """Queues linked to the plan's queues by conditional-routing rules (either way,
    transitively, before or after the change) whose members the snapshot did not read."""
    by_id = {q.id: q for q in snapshot.index.queues.values() if q.id}
    edges: dict[str, set[str]] = {}
    for source in (by_id, _desired(plans)):
        for qid, queue in source.items():
            for target in rule_queues(queue) & set(by_id):
                edges.setdefault(qid, set()).add(target)
                edges.setdefault(target, set()).add(qid)
    seen = {p.queue_id for p in plans if p.queue_id}
    stack = list(seen)
    while stack:
        for other in edges.get(stack.pop(), ()):
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return sorted(seen - set(snapshot.members))


def _members_after(plan: QueuePlan, current: Sequence[QueueMember]) -> list[QueueMember]:
    removed = set(plan.members_remove)
    out = []
    for member in current:
        user = _user(member)
        if user in removed:
            continue
        ring = plan.ring_changes.get(user or "")
        out.append(member.model_copy(update={"ring_number": ring}) if ring else member)
    for user in plan.members_add:
        ring = plan.ring_changes.get(user, 1)
        out.append(QueueMember.model_validate({"id": user, "ringNumber": ring, "joined": True}))
    return out


def scenarios(
    plans: Sequence[QueuePlan],
    snapshot: OrgSnapshot,
    linked_members: Mapping[str, Sequence[QueueMember]],
    desired_utilization: Utilization | None = None,
) -> tuple[Scenario, Scenario]:
    """The configuration before and after the plan, over the plan's existing queues and the
    linked queues (``linked_members``: their members, read with the snapshot)."""
    by_id = {q.id: q for q in snapshot.index.queues.values() if q.id}
    members = {**snapshot.members, **linked_members}
    ids = [p.queue_id for p in plans if p.queue_id] + [
        i for i in linked_members if i in by_id and i not in snapshot.queues
    ]
    before_q = {i: by_id[i] for i in ids if i in by_id}
    before_m = {i: list(members.get(i, [])) for i in before_q}
    after_q = dict(before_q)
    after_m = dict(before_m)
    for plan in plans:
        if plan.queue_id is None or plan.queue_id not in before_q:
            continue
        if plan.base:
            before_q[plan.queue_id] = Queue.model_validate(plan.base)
        if plan.desired:
            after_q[plan.queue_id] = Queue.model_validate(plan.desired)
        after_m[plan.queue_id] = _members_after(plan, before_m[plan.queue_id])
    return (
        Scenario(before_q, before_m, snapshot.utilization),
        Scenario(after_q, after_m, desired_utilization or snapshot.utilization),
    )


def _user(member: QueueMember) -> str | None:
    return member.user.id if member.user is not None and member.user.id else member.id


def _joined(members: Sequence[QueueMember]) -> list[str]:
    return [u for m in members if m.joined is not False and (u := _user(m))]


def components(before: Scenario, after: Scenario) -> list[list[str]]:
    """Queue ids grouped by shared joined members and conditional-routing rules (before or
    after), each group in the scenario's order."""
    ids = list(before.queues)
    parent = {i: i for i in ids}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(a: str, b: str) -> None:
        parent[root(a)] = root(b)

    for scenario in (before, after):
        holder: dict[str, str] = {}
        for qid in ids:
            for target in rule_queues(scenario.queues[qid]):
                if target in parent:
                    join(qid, target)
            for user in _joined(scenario.members.get(qid, [])):
                if user in holder:
                    join(qid, holder[user])
                holder.setdefault(user, qid)
    groups: dict[str, list[str]] = {}
    for qid in ids:
        groups.setdefault(root(qid), []).append(qid)
    return list(groups.values())


def _matters(qid: str, component: Sequence[str], before: Scenario, after: Scenario) -> bool:
    return (
        len(component) > 1
        or routing_matters(before.queues[qid])
        or routing_matters(after.queues[qid])
    )


# --- the workload ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Week:
    """The capacity plan's week for the covered queues of one component, on a (7, slots) grid."""

    planned: list[PlannedQueue]
    rate: np.ndarray  # (workloads, 7, slots) per second
    aht: np.ndarray  # nan where the plan has none
    required: np.ndarray  # on-queue agents
    interval_seconds: float

    @property
    def slots(self) -> int:
        return int(self.rate.shape[2])

    def peak(self) -> tuple[int, int]:
        concurrency = np.array([p.concurrency for p in self.planned], dtype=float)
        load = (self.rate * np.nan_to_num(self.aht) / concurrency[:, None, None]).sum(axis=0)
        weekday, slot = np.unravel_index(int(np.argmax(load)), load.shape)
        return int(weekday), int(slot)

    def calls(self, weekday: int, lo: int, hi: int) -> float:
        return float(self.rate[:, weekday, lo:hi].sum() * self.interval_seconds)


def _week(component: Sequence[str], capacity: CapacityPlan) -> _Week | None:
    wanted = set(component)
    planned = [q for q in capacity.queues if q.queue_id in wanted and q.intervals]
    if not planned:
        return None
    step = float(capacity.interval_seconds)
    slots = math.ceil(86_400 / step)
    rate = np.zeros((len(planned), 7, slots))
    aht = np.full((len(planned), 7, slots), np.nan)
    required = np.zeros((len(planned), 7, slots))
    for w, queue in enumerate(planned):
        for interval in queue.intervals:
            slot = int(interval.slot_minute * 60 // step)
            rate[w, interval.weekday, slot] = interval.arrival_rate
            if interval.aht_seconds is not None:
                aht[w, interval.weekday, slot] = interval.aht_seconds
            required[w, interval.weekday, slot] = interval.required_agents
    return _Week(planned, rate, aht, required, step)


def _mean_aht(rate: np.ndarray, aht: np.ndarray) -> float:
    known = np.isfinite(aht) & (rate > 0)
    if not known.any():
        known = np.isfinite(aht)
        return float(np.mean(aht[known])) if known.any() else 1.0
    return float(np.average(aht[known], weights=rate[known]))


def _workloads(week: _Week, weekday: int, lo: int, hi: int) -> list[Workload]:
    return [
        Workload(
            queue=planned.queue_id,
            arrival_rates=week.rate[w, weekday, lo:hi].copy(),
            handle=_mean_aht(week.rate[w, weekday, lo:hi], week.aht[w, weekday, lo:hi]),
            media=planned.media_type,
            patience=planned.patience_seconds,
        )
        for w, planned in enumerate(week.planned)
    ]


# --- agents on shift -------------------------------------------------------------------------


def _ranked(users: Sequence[str], seed: int, queue_id: str) -> list[str]:
    """``users`` in a fixed pseudo-random order per seed and queue: a member keeps its place
    when others join or leave, so before and after put the same agents on shift."""

    def rank(user: str) -> bytes:
        return hashlib.sha256(f"{seed}/{queue_id}/{user}".encode()).digest()

    return sorted(users, key=rank)


def on_shift(
    scenario: Scenario,
    ids: Sequence[str],
    required: Mapping[str, np.ndarray],
    fraction: float,
    seed: int,
    intervals: int,
) -> dict[str, list[bool]]:
    """User id -> on shift per interval (see the module docstring): queues with a requirement
    first, then the others, each by name; within a queue, members in a seeded order."""

    def name(qid: str) -> str:
        return (scenario.queues[qid].name or qid).casefold()

    joined = {qid: _joined(scenario.members.get(qid, [])) for qid in ids}
    order = sorted((q for q in ids if q in required), key=name) + sorted(
        (q for q in ids if q not in required), key=name
    )
    ranked = {qid: _ranked(joined[qid], seed, qid) for qid in ids}
    shifts = {user: [False] * intervals for qid in ids for user in joined[qid]}
    for t in range(intervals):
        taken: set[str] = set()
        for qid in order:
            cap = math.floor(len(joined[qid]) * fraction + 1e-9)
            need = min(int(required[qid][t]), cap) if qid in required else cap
            for user in ranked[qid]:
                if need <= 0:
                    break
                if user not in taken:
                    taken.add(user)
                    need -= 1
        for user in taken:
            shifts[user][t] = True
    return shifts


# --- simulating ------------------------------------------------------------------------------


def _target(queue: Queue, planned: PlannedQueue) -> float:
    setting = getattr(queue.media_settings, queue_media_key(planned.media_type), None)
    level = getattr(setting, "service_level", None)
    if level is not None and level.duration_ms:
        return float(level.duration_ms) / 1000.0
    return planned.goal.target_seconds


def _main(week: _Week, qid: str) -> PlannedQueue:
    mine = [(float(week.rate[w].sum()), w) for w, p in enumerate(week.planned) if p.queue_id == qid]
    return week.planned[max(mine)[1]]


def _network(
    scenario: Scenario,
    ids: Sequence[str],
    week: _Week,
    weekday: int,
    window: tuple[int, int],
    fraction: float,
    seed: int,
) -> RoutingNetwork:
    lo, hi = window
    required: dict[str, np.ndarray] = {}
    for w, planned in enumerate(week.planned):
        mine = required.setdefault(planned.queue_id, np.zeros(hi - lo))
        mine += week.required[w, weekday, lo:hi]
    covered = {p.queue_id for p in week.planned}
    return network_from_genesys(
        [scenario.queues[i] for i in ids],
        {i: scenario.members.get(i, []) for i in ids},
        {},
        {},
        _workloads(week, weekday, lo, hi),
        org_utilization=scenario.utilization,
        shifts=on_shift(scenario, ids, required, fraction, seed, hi - lo),
        interval_seconds=week.interval_seconds,
        targets={q: _target(scenario.queues[q], _main(week, q)) for q in covered},
    )


def _half(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _figures(
    result: NetworkResult, name: str, members: Sequence[str], lo: int, hi: int
) -> NetworkFigures | None:
    figures = result.queue(name).window(lo, hi)
    level = figures.service_level()
    if not math.isfinite(level.mean):
        return None  # nothing arrived there
    abandon = figures.p_abandon
    index = {agent: k for k, agent in enumerate(result.agent_names)}
    rows = [index[m] for m in members if m in index]
    staffed = float(result.agent_on_shift[rows, lo:hi].sum()) * result.interval_seconds
    busy = result.agent_busy_seconds[:, rows, lo:hi].sum(axis=(1, 2))
    return NetworkFigures(
        service_level=float(level.mean),
        service_level_half_width=_half(level.half_width),
        asa_seconds=_half(figures.asa.mean),
        abandon_rate=float(abandon.mean),
        abandon_rate_half_width=_half(abandon.half_width),
        occupancy=float(np.mean(busy)) / staffed if staffed > 0 else None,
    )


def simulate_component(
    ids: Sequence[str],
    before: Scenario,
    after: Scenario,
    capacity: CapacityPlan,
    fraction: float,
    *,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = SEED,
    whole_day: bool = True,
) -> dict[str, NetworkImpact]:
    """Simulate the queues ``ids`` (one component) before and after with common random numbers;
    queue id -> its prediction, for the queues the capacity plan covers.

    Raises ValueError (naming the queue, rule or member) when the configuration cannot be
    simulated.
    """
    week = _week(ids, capacity)
    if week is None:
        return {}
    weekday, peak = week.peak()
    window = (0, week.slots) if whole_day else (max(0, peak - WARMUP_INTERVALS), peak + 1)
    first = _network(before, ids, week, weekday, window, fraction, seed)
    second = _network(after, ids, week, weekday, window, fraction, seed)
    results = [simulate_network(first, replications=replications, seed=seed, confidence=CONFIDENCE)]
    if (second.agents, second.queues) == (first.agents, first.queues):
        results.append(results[0])  # nothing the simulation sees changed
    else:
        results.append(
            simulate_network(second, replications=replications, seed=seed, confidence=CONFIDENCE)
        )
    names = {q: before.queues[q].name or q for q in ids}
    peak_at = peak - window[0]
    out: dict[str, NetworkImpact] = {}
    for qid in dict.fromkeys(p.queue_id for p in week.planned):
        figures = []
        for scenario, result in zip((before, after), results, strict=True):
            label = scenario.queues[qid].name or qid
            members = _joined(scenario.members.get(qid, []))
            span = (peak_at, peak_at + 1), (0, window[1] - window[0])
            figures.append([_figures(result, label, members, lo, hi) for lo, hi in span])
        (peak_b, day_b), (peak_a, day_a) = figures
        if peak_b is None and day_b is None:
            continue
        out[qid] = NetworkImpact(
            queue_id=qid,
            queue_name=names[qid],
            media_types=list(
                dict.fromkeys(
                    [_main(week, qid).media_type]
                    + [p.media_type for p in week.planned if p.queue_id == qid]
                )
            ),
            weekday=weekday,
            slot_minute=int(peak * week.interval_seconds // 60),
            whole_day=whole_day,
            replications=replications,
            seed=seed,
            simulated_with=sorted(names[q] for q in ids if q != qid),
            peak_before=peak_b,
            peak_after=peak_a,
            day_before=day_b if whole_day else None,
            day_after=day_a if whole_day else None,
        )
    return out


def _label(names: Sequence[str], most: int = 4) -> str:
    shown = ", ".join(names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most} more queues"


def predict_network(
    plans: Sequence[QueuePlan],
    snapshot: OrgSnapshot,
    capacity: CapacityPlan,
    fraction: float,
    *,
    linked_members: Mapping[str, Sequence[QueueMember]] | None = None,
    utilization: UtilizationPlan | None = None,
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = SEED,
    budget: float = SIMULATION_BUDGET,
    scheduler: Any = None,
) -> NetworkPrediction:
    """Simulate the components holding a changed queue where the network matters (see the
    module docstring). ``linked_members``: members of the queues :func:`linked_queue_ids`
    names, read with the plan's snapshot. A component that cannot be simulated is skipped with
    a note saying why; the plan keeps its Erlang prediction. ``scheduler``: where the
    components are simulated, as for ``sweep`` (``policy.cluster``: None is this process, or
    ``DASK_SCHEDULER_ADDRESS``); the figures are the same wherever they run."""
    prediction = NetworkPrediction()
    if replications <= 0:
        return prediction
    desired = Utilization.model_validate(utilization.desired) if utilization else None
    before, after = scenarios(plans, snapshot, linked_members or {}, desired)
    changed = {p.queue_id for p in plans if p.queue_id and p.has_changes}
    # What to simulate, and how much, decided first (the budget is spent in the components'
    # order); then the simulations, each seeded by its own queues, wherever they run.
    jobs: list[tuple[list[str], str, bool]] = []
    spent = 0.0
    for component in components(before, after):
        if not any(q in changed and _matters(q, component, before, after) for q in component):
            continue
        label = _label(sorted(before.queues[q].name or q for q in component))
        week = _week(component, capacity)
        if week is None:
            prediction.notes.append(
                f"network simulation: {label} not simulated: the capacity plan covers none of "
                "these queues"
            )
            continue
        weekday, _ = week.peak()
        cost = week.calls(weekday, 0, week.slots) * replications * 2
        whole_day = spent + cost <= budget
        spent += cost if whole_day else 0.0
        jobs.append((list(component), label, whole_day))

    def run(job: tuple[list[str], str, bool]) -> dict[str, NetworkImpact] | str:
        try:
            return simulate_component(
                job[0], before, after, capacity, fraction,
                replications=replications, seed=seed, whole_day=job[2],
            )  # fmt: skip
        except ValueError as exc:
            return str(exc)

    if len(jobs) > 1 and requested(scheduler) is not None:
        with dask_executor(scheduler) as executor:
            assert executor is not None
            results = list(executor.map(run, jobs))
    else:
        results = [run(job) for job in jobs]
    for (_, label, whole_day), result in zip(jobs, results, strict=True):
        if isinstance(result, str):
            prediction.notes.append(f"network simulation: {label} not simulated: {result}")
            continue
        prediction.impacts.update(result)
        prediction.components += 1
        prediction.whole_days += whole_day
        if not whole_day:
            prediction.notes.append(
                f"network simulation: {label}: the peak interval only (after "
                f"{WARMUP_INTERVALS} warm-up intervals), the whole day being over the plan's "
                f"simulation budget of {budget:,.0f} interactions"
            )
    return prediction


def assumptions(
    prediction: NetworkPrediction | None, replications: int, seed: int = SEED
) -> list[str]:
    """The plan's assumption lines for the network simulation (None: it did not run)."""
    if replications <= 0:
        return ["routing-network simulation: off (network_replications=0)"]
    if prediction is None or (not prediction.components and not prediction.notes):
        return []
    lines = [
        f"routing-network simulation for {prediction.components} group(s) of queues linked by "
        "shared agents or conditional routing, where a changed queue has a bullseye, "
        "conditional group routing, preferred-agent rules or shared agents: before and after "
        f"with the same random numbers (seed {seed}, {replications} replications; '±' is the "
        f"half-width of the {CONFIDENCE:.0%} confidence interval), at the group's peak interval "
        "of the capacity plan's week and over that day; Poisson arrivals, exponential handle "
        "times (the mean AHT) and patience",
        "network simulation: agents on shift per interval are each queue's capacity-plan "
        "requirement capped by its joined members x the on-queue fraction, drawn in a fixed "
        "seeded order (an agent counts toward one queue and serves all its queues); queues the "
        "capacity plan does not cover get no arrivals and have members x fraction on shift",
        "network simulation does not model: skills and the flow's skill requirements (bullseye "
        "rings act through their timeouts and ring numbers), interactions' preferred agents, "
        "member groups of rings and rules (a rule's groups are the members of the queue it "
        "evaluates), agent-level utilization overrides, and work for queues outside the "
        "simulated groups",
    ]
    return lines + prediction.notes
