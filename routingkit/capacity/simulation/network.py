"""Discrete-event simulation of a routing network: shared agents, skills, media, routing methods.

The network is described with plain dataclasses (no Genesys types: ``routingkit.policy.simnet``
builds them from the Genesys queue, member, skill and utilization objects). What is modelled,
and how, where Genesys's documentation leaves room:

* **Agents** have skills with proficiency, a capacity per media type (e.g. 3 chats, 1 call) and,
  per media type, the media types allowed to interrupt it (Genesys utilization's
  ``interruptableMediaTypes``: a call may be offered to an agent busy with email when ``"call"``
  is in ``interruptible_by["email"]``). Interrupted work carries on in parallel: handle times do
  not stretch. An agent's shift is a boolean per interval; an agent finishes what they have
  after their shift ends but takes nothing new.
* **Queues** take interactions by routing key: arrival time less 60 s per priority point with
  ``TimestampAndPriority`` (Genesys adds 60,000 ms of score per point), priority first and then
  arrival time with ``PriorityOnly``. A free agent takes the waiting interaction with the
  smallest key among those it is eligible for, across all its queues.
* **Agent selection**: among free eligible agents, ``skill_evaluation="BEST"`` picks the highest
  summed proficiency on the required skills, then the agent idle longest; ``"ALL"`` the agent
  idle longest among those holding every required skill; ``"NONE"`` ignores skills. "Idle
  longest" is the time since the agent's last ACD assignment or completion.
* **Bullseye**: members have ring numbers; ring 1 is eligible at once. When an interaction has
  been in the queue for ring r's ``expand_after_seconds`` (counted from queue entry, so the
  values increase from ring to ring), ring r+1's members join and ring r's
  ``skills_to_remove`` stop being required. Rings are cumulative: inner-ring agents stay
  eligible. Members with a higher ring number than the last ring count as the last ring.
* **Preferred agents** (Genesys ``routingRules``): a workload may name preferred agents with
  scores; rule k makes preferred agents scoring at least its threshold (any, for ``ANY``)
  eligible for ``wait_seconds``, rules accumulate, and after the last rule every member is
  eligible (required skills apply throughout). A workload without preferred agents routes as
  standard at once.
* **Conditional group routing**: rule k is evaluated once per interaction, when it has waited the
  sum of the earlier rules' ``wait_seconds`` (rule 1 on arrival). If its condition holds on the
  rule's queue (this queue when ``queue`` is None), the rule's agents join this interaction's
  pool for the rest of its wait. Estimated wait time is (interactions waiting in the queue) x
  (its mean handle time) / (seats of its on-shift members for its main media type), infinite
  with no seat; service level is answered within target / (answered + abandoned) over the last
  30 minutes, 1 when nothing finished there. Queue members are always eligible.
* **The day's end**: shifts of the last interval carry on, so waiting interactions are answered
  or hang up; one that nobody can ever answer and that never hangs up counts as abandoned at
  the end of the day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .._inputs import FloatArray
from ._distributions import Float32Array, HandleTime, Patience, as_handle, as_patience
from ._kernels import N_COUNTS, Arrivals, merge_arrivals, poisson_arrivals, run_network
from ._network_arrays import METRIC_CODES, OPERATOR_CODES, CheckedNetwork, compile_network
from ._results import Estimate, SimulationResult, estimate
from .queue import buffer_size, check_rates, check_runs, check_seconds, stream

SkillEvaluation = Literal["ALL", "BEST", "NONE"]
ScoringMethod = Literal["TimestampAndPriority", "PriorityOnly"]
Metric = Literal["EstimatedWaitTime", "ServiceLevel"]
Operator = Literal["GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo"]
OPERATORS: tuple[str, ...] = tuple(OPERATOR_CODES)
METRICS: tuple[str, ...] = tuple(METRIC_CODES)
MAX_RINGS = 6
MAX_RULES = 6


@dataclass(frozen=True)
class Agent:
    """An agent: ``capacity`` per media type (e.g. ``{"call": 1, "chat": 3, "email": 1}``),
    ``interruptible_by`` (media type in progress -> media types that may still be offered),
    ``skills`` (name -> proficiency, Genesys 0-5) and ``on_shift`` (a bool per interval; None
    for the whole day)."""

    name: str
    capacity: Mapping[str, int] = field(default_factory=lambda: {"call": 1})
    interruptible_by: Mapping[str, Sequence[str]] = field(default_factory=dict)
    skills: Mapping[str, float] = field(default_factory=dict)
    on_shift: Sequence[bool] | None = None


@dataclass(frozen=True)
class BullseyeRing:
    """A bullseye ring: the interaction leaves it ``expand_after_seconds`` after entering the
    queue (cumulative, increasing from ring to ring; None for the last ring), and then stops
    requiring ``skills_to_remove``."""

    expand_after_seconds: float | None = None
    skills_to_remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreferredRule:
    """A preferred-agent routing rule: preferred agents scoring at least ``threshold`` (any
    preferred agent when None, Genesys's ``ANY``) for ``wait_seconds``."""

    wait_seconds: float
    threshold: float | None = None


@dataclass(frozen=True)
class ConditionalRule:
    """A conditional group routing rule: when ``metric`` of ``queue`` (None: this queue)
    compares to ``condition_value`` by ``operator``, ``agents`` join the pool. Estimated wait
    time in seconds; service level as a fraction 0-1. ``wait_seconds``: how long the interaction
    stays in this rule before the next rule is evaluated."""

    metric: Metric
    operator: Operator
    condition_value: float
    agents: tuple[str, ...]
    queue: str | None = None
    wait_seconds: float = 2.0


@dataclass(frozen=True)
class RoutingQueue:
    """A queue: ``members`` maps agent name -> bullseye ring number (use 1 without bullseye).
    At most one of ``bullseye``, ``preferred`` and ``conditional`` (as in Genesys).
    ``target_seconds``: its service-level target, used in reports and ServiceLevel rules."""

    name: str
    members: Mapping[str, int]
    skill_evaluation: SkillEvaluation = "ALL"
    scoring: ScoringMethod = "TimestampAndPriority"
    bullseye: tuple[BullseyeRing, ...] = ()
    preferred: tuple[PreferredRule, ...] = ()
    conditional: tuple[ConditionalRule, ...] = ()
    target_seconds: float = 20.0


@dataclass(frozen=True)
class Workload:
    """Interactions of one media type arriving at one queue.

    ``arrival_rates``: per second, one per interval (Poisson within an interval). ``handle``: a
    :class:`HandleTime` or a mean (exponential). ``patience``: a :class:`Patience`, a mean
    (exponential), or None. ``skills``: required skills (the flow's Transfer to ACD).
    ``preferred_agents``: agent name -> score, for preferred-agent routing rules.
    """

    queue: str
    arrival_rates: Any
    handle: HandleTime | float
    media: str = "call"
    patience: Patience | float | None = None
    priority: int = 0
    skills: tuple[str, ...] = ()
    preferred_agents: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RoutingNetwork:
    """Agents, queues and workloads of one simulated day of ``interval_seconds`` intervals."""

    agents: tuple[Agent, ...]
    queues: tuple[RoutingQueue, ...]
    workloads: tuple[Workload, ...]
    interval_seconds: float = 1800.0


@dataclass(frozen=True, eq=False)
class NetworkResult:
    """Per-queue results and agent occupancy of :func:`simulate_network`.

    ``queues[name]`` is a :class:`SimulationResult` (its ``occupancy`` is None: agents are
    shared). ``agent_busy_seconds`` has shape (replications, agents, intervals): time with at
    least one interaction; ``agent_on_shift`` (agents, intervals).
    """

    queues: Mapping[str, SimulationResult]
    agent_names: tuple[str, ...]
    agent_busy_seconds: FloatArray
    agent_on_shift: np.ndarray
    interval_seconds: float
    confidence: float

    def queue(self, name: str) -> SimulationResult:
        try:
            return self.queues[name]
        except KeyError:
            known = ", ".join(sorted(self.queues))
            raise KeyError(f"no queue named {name!r} in this network; queues: {known}") from None

    @property
    def agent_occupancy(self) -> Estimate:
        """Busy / on-shift time per agent and interval (nan off shift), shape (agents, S)."""
        staffed = self.agent_on_shift * self.interval_seconds
        with np.errstate(invalid="ignore", divide="ignore"):
            per_rep = np.where(staffed > 0, self.agent_busy_seconds / staffed, np.nan)
        return estimate(np.moveaxis(per_rep, 0, -1), self.confidence, False)


# --- validation ----------------------------------------------------------------------------


def _fail(where: str, problem: str) -> ValueError:
    return ValueError(f"{where}: {problem}")


def _check_agents(agents: Sequence[Agent], n_int: int) -> dict[str, int]:
    index: dict[str, int] = {}
    for k, agent in enumerate(agents):
        where = f"agents[{k}] ({agent.name!r})"
        if not isinstance(agent, Agent):
            raise TypeError(f"agents[{k}] is a {type(agent).__name__}; build it with Agent(...)")
        if not agent.name:
            raise _fail(f"agents[{k}]", "the name is empty; give every agent a unique name")
        if agent.name in index:
            raise _fail(where, "the name is used twice; agent names must be unique")
        index[agent.name] = k
        for media, cap in agent.capacity.items():
            if isinstance(cap, bool) or not float(cap).is_integer() or cap < 0:
                raise _fail(
                    f"{where}.capacity[{media!r}]",
                    f"{cap!r} is not a whole number >= 0 of concurrent interactions",
                )
        for media, others in agent.interruptible_by.items():
            if isinstance(others, str):
                raise _fail(
                    f"{where}.interruptible_by[{media!r}]",
                    "give a list of media types, not one string",
                )
        for skill, level in agent.skills.items():
            if not np.isfinite(level) or level < 0:
                raise _fail(f"{where}.skills[{skill!r}]", f"proficiency {level!r} must be >= 0")
        if agent.on_shift is not None and len(agent.on_shift) != n_int:
            raise _fail(
                f"{where}.on_shift",
                f"has {len(agent.on_shift)} intervals but the workloads have {n_int}; give "
                "one bool per interval (or None for the whole day)",
            )
    return index


def _check_queue(
    k: int, queue: RoutingQueue, agent_index: Mapping[str, int], queue_names: set[str]
) -> None:
    where = f"queues[{k}] ({queue.name!r})"
    for name, ring in queue.members.items():
        if name not in agent_index:
            raise _fail(f"{where}.members", f"{name!r} is not one of the network's agents")
        if isinstance(ring, bool) or not float(ring).is_integer() or not 1 <= ring <= MAX_RINGS:
            raise _fail(
                f"{where}.members[{name!r}]",
                f"ring number {ring!r}; bullseye ring numbers are whole numbers 1 to {MAX_RINGS}",
            )
    if queue.skill_evaluation not in ("ALL", "BEST", "NONE"):
        raise _fail(
            f"{where}.skill_evaluation", f"{queue.skill_evaluation!r}; use ALL, BEST or NONE"
        )
    if queue.scoring not in ("TimestampAndPriority", "PriorityOnly"):
        raise _fail(
            f"{where}.scoring", f"{queue.scoring!r}; use TimestampAndPriority or PriorityOnly"
        )
    methods = [m for m in ("bullseye", "preferred", "conditional") if getattr(queue, m)]
    if len(methods) > 1:
        raise _fail(where, f"uses {' and '.join(methods)}; a queue has one routing method")
    check_seconds(f"{where}.target_seconds", queue.target_seconds, positive=False)
    rings = queue.bullseye
    if len(rings) > MAX_RINGS:
        raise _fail(f"{where}.bullseye", f"{len(rings)} rings; Genesys allows {MAX_RINGS}")
    previous = 0.0
    for r, bullseye_ring in enumerate(rings[:-1]):
        ring_where = f"{where}.bullseye[{r}].expand_after_seconds"
        after = bullseye_ring.expand_after_seconds
        if after is None:
            raise _fail(ring_where, "is missing; every ring but the last needs a timeout")
        if not np.isfinite(after) or after <= previous:
            raise _fail(
                ring_where,
                f"{after!r} s after {previous!r} s: rings are out of order; each ring must "
                "expand later than the one before (times are counted from queue entry)",
            )
        previous = after
    for r, rule in enumerate(queue.preferred):
        rule_where = f"{where}.preferred[{r}]"
        check_seconds(f"{rule_where}.wait_seconds", rule.wait_seconds, positive=True)
        if rule.threshold is not None and not np.isfinite(rule.threshold):
            raise _fail(f"{rule_where}.threshold", "must be a number, or None for ANY")
    if len(queue.conditional) > MAX_RULES:
        raise _fail(f"{where}.conditional", f"{len(queue.conditional)} rules; at most {MAX_RULES}")
    for r, cgr in enumerate(queue.conditional):
        rule_where = f"{where}.conditional[{r}]"
        if cgr.metric not in METRICS:
            raise _fail(f"{rule_where}.metric", f"{cgr.metric!r}; use {' or '.join(METRICS)}")
        if cgr.operator not in OPERATORS:
            raise _fail(f"{rule_where}.operator", f"{cgr.operator!r}; use {', '.join(OPERATORS)}")
        value = float(cgr.condition_value)
        if not np.isfinite(value) or value < 0:
            raise _fail(f"{rule_where}.condition_value", f"{value!r} must be a number >= 0")
        if cgr.metric == "ServiceLevel" and value > 1:
            raise _fail(
                f"{rule_where}.condition_value",
                f"{value!r}; a ServiceLevel condition is a fraction 0-1 (0.8 for 80%)",
            )
        if cgr.queue is not None and cgr.queue not in queue_names:
            raise _fail(f"{rule_where}.queue", f"{cgr.queue!r} is not one of the network's queues")
        if r == 0 and cgr.queue not in (None, queue.name):
            raise _fail(
                f"{rule_where}.queue", "the first rule always evaluates its own queue; use None"
            )
        check_seconds(f"{rule_where}.wait_seconds", cgr.wait_seconds, positive=False)
        named: Any = cgr.agents
        if isinstance(named, str):
            raise _fail(f"{rule_where}.agents", "give a list of agent names, not one string")
        for name in cgr.agents:
            if name not in agent_index:
                raise _fail(f"{rule_where}.agents", f"{name!r} is not one of the network's agents")


def _check_rates(network: RoutingNetwork) -> list[FloatArray]:
    """Each workload's arrival rates: one per interval, the same intervals for all."""
    rates_list = []
    for w, work in enumerate(network.workloads):
        try:
            rates = check_rates(work.arrival_rates)
        except ValueError as err:
            raise ValueError(f"workloads[{w}] ({work.queue!r}, {work.media!r}): {err}") from None
        if rates.ndim != 1:
            raise _fail(f"workloads[{w}].arrival_rates", "give one rate per interval (1-D)")
        rates_list.append(rates)
    n_int = rates_list[0].size
    for w, rates in enumerate(rates_list):
        if rates.size != n_int:
            raise _fail(
                f"workloads[{w}].arrival_rates",
                f"has {rates.size} intervals but workloads[0] has {n_int}; every workload "
                "covers the same day",
            )
    return rates_list


def _check_queues(network: RoutingNetwork, agent_index: Mapping[str, int]) -> dict[str, int]:
    """Queue name -> index, after checking every queue."""
    queue_index: dict[str, int] = {}
    for k, queue in enumerate(network.queues):
        if queue.name in queue_index:
            raise _fail(f"queues[{k}]", f"the name {queue.name!r} is used twice")
        queue_index[queue.name] = k
    for k, queue in enumerate(network.queues):
        _check_queue(k, queue, agent_index, set(queue_index))
    return queue_index


def _check_workloads(
    network: RoutingNetwork, agent_index: Mapping[str, int], queue_index: Mapping[str, int]
) -> tuple[list[HandleTime], list[Patience | None]]:
    """Check each workload's queue, priority and preferred agents; returns its handle and
    patience laws."""
    handles: list[HandleTime] = []
    patiences: list[Patience | None] = []
    for w, work in enumerate(network.workloads):
        where = f"workloads[{w}] ({work.queue!r}, {work.media!r})"
        if work.queue not in queue_index:
            raise _fail(f"{where}.queue", f"{work.queue!r} is not one of the network's queues")
        if isinstance(work.priority, bool) or not float(work.priority).is_integer():
            raise _fail(f"{where}.priority", f"{work.priority!r} must be a whole number")
        for name, score in work.preferred_agents.items():
            if name not in agent_index:
                raise _fail(f"{where}.preferred_agents", f"{name!r} is not an agent")
            if not np.isfinite(score):
                raise _fail(f"{where}.preferred_agents[{name!r}]", "the score must be a number")
        handle = as_handle(work.handle)
        patience = as_patience(work.patience)
        for law in (handle, patience):
            if law is not None and law.batch_shape not in ((), (1,)):
                raise _fail(where, "give one handle/patience law per workload (scalars)")
        handles.append(handle)
        patiences.append(patience)
    return handles, patiences


def _media_index(network: RoutingNetwork) -> dict[str, int]:
    """Media type -> index: the agents' media types in order of appearance, then any other
    media type a workload brings."""
    media_names: list[str] = []
    for agent in network.agents:
        for media in (*agent.capacity, *agent.interruptible_by):
            if media not in media_names:
                media_names.append(media)
    for work in network.workloads:
        if work.media not in media_names:
            media_names.append(work.media)
    return {m: i for i, m in enumerate(media_names)}


def _validate(network: RoutingNetwork) -> CheckedNetwork:
    """Check a network (each error names the field path and what to do) and index it."""
    if not network.workloads:
        raise ValueError("the network has no workloads; add at least one Workload")
    dt = check_seconds("interval_seconds", network.interval_seconds, positive=True)
    rates = _check_rates(network)
    agent_index = _check_agents(network.agents, rates[0].size)
    queue_index = _check_queues(network, agent_index)
    handles, patiences = _check_workloads(network, agent_index, queue_index)
    return CheckedNetwork(
        network=network,
        dt=dt,
        rates=np.array(rates),
        agent_index=agent_index,
        queue_index=queue_index,
        media_index=_media_index(network),
        handles=tuple(handles),
        patiences=tuple(patiences),
    )


# --- simulation ------------------------------------------------------------------------------


def _draw(checked: CheckedNetwork, rng: np.random.Generator) -> Arrivals:
    """One replication's arrivals of every workload, with their handle and patience times,
    merged in time order."""
    n_cls = checked.rates.shape[0]
    dt = checked.dt
    times: list[FloatArray] = []
    handles: list[Float32Array] = []
    patiences: list[Float32Array] = []
    counts = np.zeros(n_cls, dtype=np.int64)
    for c in range(n_cls):
        rates = checked.rates[c]
        size = buffer_size(float(rates.sum() * dt))
        exps = rng.standard_exponential(size, dtype=np.float32)
        out = np.empty(size)
        n = poisson_arrivals(exps, rates, dt, out)
        while n < 0:
            exps = np.concatenate([exps, rng.standard_exponential(size, dtype=np.float32)])
            size *= 2
            out = np.empty(size)
            n = poisson_arrivals(exps, rates, dt, out)
        counts[c] = n
        times.append(out[:n])
        handles.append(checked.handles[c].sample(rng, n, 0))
        law = checked.patiences[c]
        patiences.append(np.full(n, np.inf, np.float32) if law is None else law.sample(rng, n, 0))
    ptr = np.zeros(n_cls + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    t = np.concatenate(times)
    perm, order = merge_arrivals(t, ptr)
    classes = np.repeat(np.arange(n_cls, dtype=np.int64), counts)
    return Arrivals(
        times=t[perm],
        classes=classes[perm],
        handle=np.concatenate(handles)[perm].astype(np.float64),
        patience=np.concatenate(patiences)[perm].astype(np.float64),
        order=order,
        order_ptr=ptr,
    )


def simulate_network(
    network: RoutingNetwork,
    *,
    replications: int = 30,
    seed: int = 0,
    short_abandon_seconds: float = 10.0,
    confidence: float = 0.95,
) -> NetworkResult:
    """Simulate a day of a routing network over independent replications.

    See the module docstring for the routing model. Each queue's service level uses its
    ``target_seconds``. Reproducible: the same seed gives the same numbers. Every replication
    starts empty at time 0. Returns a :class:`NetworkResult`.
    """
    if not isinstance(network, RoutingNetwork):
        raise TypeError(
            f"network is a {type(network).__name__}; build a RoutingNetwork(agents, queues, "
            "workloads), or use routingkit.policy.simnet.network_from_genesys"
        )
    n_rep, conf = check_runs(replications, confidence)
    short = check_seconds("short_abandon_seconds", short_abandon_seconds, positive=False)
    checked = _validate(network)
    arrays = compile_network(checked)
    n_int, dt = checked.n_int, checked.dt
    queue_names = tuple(queue.name for queue in network.queues)
    tallies = np.zeros((len(queue_names), n_rep, n_int, N_COUNTS))
    busy = np.zeros((n_rep, len(network.agents), n_int))
    for r in range(n_rep):
        arrivals = _draw(checked, stream(int(seed), r))
        run_network(arrivals, arrays, dt, short, tallies[:, r], busy[r])
    results = {
        name: SimulationResult(
            tallies[q],
            interval_seconds=dt,
            target_seconds=float(arrays.queue_target[q]),
            short_abandon_seconds=short,
            confidence=conf,
            _has_occupancy=False,
        )
        for q, name in enumerate(queue_names)
    }
    return NetworkResult(
        queues=results,
        agent_names=tuple(agent.name for agent in network.agents),
        agent_busy_seconds=busy,
        agent_on_shift=arrays.on_shift,
        interval_seconds=dt,
        confidence=conf,
    )
