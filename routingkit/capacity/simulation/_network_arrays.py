"""Compile a validated routing network into the ``NetworkArrays`` the kernel reads.

``network._validate`` checks the user's description and indexes it (a ``CheckedNetwork``);
``compile_network`` then builds one table after another: the agents (capacity, interruptions,
shifts), the queues (mean handle time, seats, targets), the classes (one per workload: queue,
media, priority), each class's eligibility stages and conditional rules, and last, per agent,
the classes it may ever take. What each array means is documented on ``NetworkArrays``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._inputs import BoolArray, FloatArray, IntArray
from ._distributions import HandleTime, Patience
from ._kernels import NEVER, NetworkArrays, RuleMetric, RuleOperator

if TYPE_CHECKING:
    from .network import Agent, RoutingNetwork, RoutingQueue, Workload

PRIORITY_SECONDS = 60.0  # TimestampAndPriority: one priority point = 60 s of waiting
PRIORITY_ONLY_SECONDS = 1e7  # PriorityOnly: one point outweighs any wait
METRIC_CODES: Mapping[str, RuleMetric] = {
    "EstimatedWaitTime": RuleMetric.ESTIMATED_WAIT_TIME,
    "ServiceLevel": RuleMetric.SERVICE_LEVEL,
}
OPERATOR_CODES: Mapping[str, RuleOperator] = {
    "GreaterThan": RuleOperator.GREATER_THAN,
    "GreaterThanOrEqualTo": RuleOperator.GREATER_THAN_OR_EQUAL_TO,
    "LessThan": RuleOperator.LESS_THAN,
    "LessThanOrEqualTo": RuleOperator.LESS_THAN_OR_EQUAL_TO,
}

Eligible = list[tuple[int, float]]  # (agent index, selection score)


@dataclass(frozen=True, eq=False)
class CheckedNetwork:
    """A network that passed validation, with the indexes that compiling and drawing use."""

    network: RoutingNetwork
    dt: float  # interval seconds
    rates: FloatArray  # (C, S) arrivals per second
    agent_index: Mapping[str, int]
    queue_index: Mapping[str, int]
    media_index: Mapping[str, int]
    handles: tuple[HandleTime, ...]  # one per workload
    patiences: tuple[Patience | None, ...]  # one per workload

    @property
    def n_int(self) -> int:
        return int(self.rates.shape[1])


@dataclass(frozen=True)
class _Stage:
    """One eligibility stage of a class: who may answer from ``opens`` seconds after arrival."""

    opens: float
    agents: Eligible


@dataclass(frozen=True)
class _Rule:
    """One conditional group routing rule of a class, evaluated ``after`` seconds after arrival."""

    after: float
    metric: RuleMetric
    operator: RuleOperator
    value: float
    queue: int
    agents: Eligible


def compile_network(checked: CheckedNetwork) -> NetworkArrays:
    """The arrays ``run_network`` reads, for a validated network."""
    network = checked.network
    capacity, interruptible, on_shift = _agent_tables(checked)
    queue_aht, queue_seats, queue_target = _queue_tables(checked, capacity, on_shift)
    class_queue, class_media, class_key_offset = _class_tables(checked)
    stages = [_class_stages(checked, work, capacity) for work in network.workloads]
    rules = [_class_rules(checked, work, capacity) for work in network.workloads]
    n_stages, stage_opens, stage_ptr, stage_agent, stage_score, min_stage = _stage_table(
        stages, len(network.agents)
    )
    n_rules, rule_after, rule_metric, rule_operator, rule_value, rule_queue = _rule_table(rules)
    rule_ptr, rule_agent, rule_score, rule_mask = _rule_agents(rules, min_stage)
    agent_class_ptr, agent_class, agent_min_stage, agent_rule_mask = _agent_classes(
        min_stage, rule_mask
    )
    return NetworkArrays(
        class_queue=class_queue,
        class_media=class_media,
        class_key_offset=class_key_offset,
        n_stages=n_stages,
        stage_opens=stage_opens,
        stage_ptr=stage_ptr,
        stage_agent=stage_agent,
        stage_score=stage_score,
        n_rules=n_rules,
        rule_after=rule_after,
        rule_metric=rule_metric,
        rule_operator=rule_operator,
        rule_value=rule_value,
        rule_queue=rule_queue,
        rule_ptr=rule_ptr,
        rule_agent=rule_agent,
        rule_score=rule_score,
        queue_aht=queue_aht,
        queue_seats=queue_seats,
        queue_target=queue_target,
        capacity=capacity,
        interruptible=interruptible,
        on_shift=on_shift,
        agent_class_ptr=agent_class_ptr,
        agent_class=agent_class,
        agent_min_stage=agent_min_stage,
        agent_rule_mask=agent_rule_mask,
    )


def _agent_tables(checked: CheckedNetwork) -> tuple[IntArray, BoolArray, BoolArray]:
    """Per agent: capacity per media type (A, M), which media types may interrupt which
    (A, M in progress, M offered), and shifts (A, S; on all day when not given)."""
    agents = checked.network.agents
    media_of = checked.media_index
    n_media = len(media_of)
    cap = np.zeros((len(agents), n_media), dtype=np.int64)
    intr = np.zeros((len(agents), n_media, n_media), dtype=np.bool_)
    on = np.ones((len(agents), checked.n_int), dtype=np.bool_)
    for a, agent in enumerate(agents):
        for media, c in agent.capacity.items():
            cap[a, media_of[media]] = int(c)
        for media, others in agent.interruptible_by.items():
            for other in others:
                if other not in media_of:
                    continue  # a media type nobody works on cannot interrupt anything
                intr[a, media_of[media], media_of[other]] = True
        if agent.on_shift is not None:
            on[a] = np.asarray(agent.on_shift, dtype=np.bool_)
    return cap, intr, on


def _queue_tables(
    checked: CheckedNetwork, cap: IntArray, on: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per queue, what estimated-wait-time rules and reports read: mean handle seconds
    (weighted by expected arrivals), seats of on-shift members for the queue's main media type
    (the one with most expected arrivals) per interval, and the service-level target."""
    network = checked.network
    n_q = len(network.queues)
    expected = np.array([r.sum() * checked.dt for r in checked.rates])
    q_aht = np.zeros(n_q)
    q_media = np.zeros(n_q, dtype=np.int64)
    for q in range(n_q):
        mine = [
            w for w, work in enumerate(network.workloads) if checked.queue_index[work.queue] == q
        ]
        if not mine:
            continue
        weights = np.array([expected[w] for w in mine])
        means = np.array([checked.handles[w].mean_seconds(0) for w in mine])
        q_aht[q] = float(np.average(means, weights=weights)) if weights.sum() > 0 else means[0]
        q_media[q] = checked.media_index[network.workloads[mine[int(np.argmax(weights))]].media]
    q_seats = np.zeros((n_q, checked.n_int))
    for q, queue in enumerate(network.queues):
        for name in queue.members:
            a = checked.agent_index[name]
            q_seats[q] += on[a] * cap[a, q_media[q]]
    q_target = np.array([float(queue.target_seconds) for queue in network.queues])
    return q_aht, q_seats, q_target


def _class_tables(checked: CheckedNetwork) -> tuple[IntArray, IntArray, FloatArray]:
    """Per class (workload): its queue, its media type, and the seconds its priority takes off
    the routing key (60 s a point with TimestampAndPriority, more than any wait with
    PriorityOnly)."""
    network = checked.network
    n_cls = len(network.workloads)
    cls_q = np.zeros(n_cls, dtype=np.int64)
    cls_m = np.zeros(n_cls, dtype=np.int64)
    cls_key = np.zeros(n_cls)
    for c, work in enumerate(network.workloads):
        q = checked.queue_index[work.queue]
        cls_q[c] = q
        cls_m[c] = checked.media_index[work.media]
        scoring = network.queues[q].scoring
        per_point = PRIORITY_ONLY_SECONDS if scoring == "PriorityOnly" else PRIORITY_SECONDS
        cls_key[c] = per_point * int(work.priority)
    return cls_q, cls_m, cls_key


def _skill_score(agent: Agent, required: Sequence[str], evaluation: str) -> float | None:
    """None if the agent lacks a required skill (unless skills are disregarded), else the
    selection score: summed proficiency for BEST, 0 otherwise."""
    if evaluation == "NONE":
        return 0.0
    total = 0.0
    for skill in required:
        if skill not in agent.skills:
            return None
        total += float(agent.skills[skill])
    return total if evaluation == "BEST" else 0.0


def _eligible(
    checked: CheckedNetwork,
    work: Workload,
    names: Mapping[str, Any],
    required: Sequence[str],
    cap: IntArray,
) -> Eligible:
    """The agents among ``names`` who can take the workload's media type and hold the
    ``required`` skills as its queue evaluates them, with their selection scores."""
    m = checked.media_index[work.media]
    evaluation = checked.network.queues[checked.queue_index[work.queue]].skill_evaluation
    out: Eligible = []
    for name in names:
        a = checked.agent_index[name]
        if cap[a, m] <= 0:
            continue
        score = _skill_score(checked.network.agents[a], required, evaluation)
        if score is not None:
            out.append((a, score))
    return out


def _class_stages(checked: CheckedNetwork, work: Workload, cap: IntArray) -> list[_Stage]:
    """A class's eligibility stages: one per bullseye ring (cumulative rings, skills dropped as
    rings expand), one per preferred-agent rule plus the whole queue after the last, or the
    whole queue at once."""
    queue: RoutingQueue = checked.network.queues[checked.queue_index[work.queue]]
    skills = tuple(work.skills)
    pools: list[tuple[float, Mapping[str, int], tuple[str, ...]]] = []  # (opens, names, required)
    if queue.bullseye:
        n_rings = len(queue.bullseye)
        required = skills
        for r in range(n_rings):
            names = {n: 1 for n, ring in queue.members.items() if min(ring, n_rings) <= r + 1}
            after = queue.bullseye[r - 1].expand_after_seconds if r else 0.0
            pools.append((float(np.inf if after is None else after), names, required))
            removed = set(queue.bullseye[r].skills_to_remove)
            required = tuple(s for s in required if s not in removed)
    elif queue.preferred and work.preferred_agents:
        pool: dict[str, int] = {}
        elapsed = 0.0
        for rule in queue.preferred:
            for name, score in work.preferred_agents.items():
                if rule.threshold is None or score >= rule.threshold:
                    pool[name] = 1
            pools.append((elapsed, dict(pool), skills))
            elapsed += float(rule.wait_seconds)
        pools.append((elapsed, {**pool, **{n: 1 for n in queue.members}}, skills))
    else:
        pools.append((0.0, {n: 1 for n in queue.members}, skills))
    return [
        _Stage(opens, _eligible(checked, work, names, required, cap))
        for opens, names, required in pools
    ]


def _class_rules(checked: CheckedNetwork, work: Workload, cap: IntArray) -> list[_Rule]:
    """A class's conditional group routing rules, each with the time after arrival when it is
    evaluated (the earlier rules' waits added up) and the agents it adds."""
    q = checked.queue_index[work.queue]
    rules: list[_Rule] = []
    elapsed = 0.0
    for cgr in checked.network.queues[q].conditional:
        rules.append(
            _Rule(
                after=elapsed,
                metric=METRIC_CODES[cgr.metric],
                operator=OPERATOR_CODES[cgr.operator],
                value=float(cgr.condition_value),
                queue=q if cgr.queue is None else checked.queue_index[cgr.queue],
                agents=_eligible(checked, work, dict.fromkeys(cgr.agents, 1), work.skills, cap),
            )
        )
        elapsed += float(cgr.wait_seconds)
    return rules


def _stage_table(
    stages: Sequence[Sequence[_Stage]], n_agents: int
) -> tuple[IntArray, FloatArray, IntArray, IntArray, FloatArray, IntArray]:
    """The stages of every class as arrays: (n_stages (C,), opening times (C, K), pointers
    (C * K + 1,), agents, scores, and each agent's first stage per class (A, C; NEVER if
    none))."""
    n_cls = len(stages)
    k_max = max(len(s) for s in stages)
    n_stages = np.array([len(s) for s in stages], dtype=np.int64)
    opens = np.full((n_cls, k_max), np.inf)
    ptr = np.zeros(n_cls * k_max + 1, dtype=np.int64)
    agents: list[int] = []
    scores: list[float] = []
    min_stage = np.full((n_agents, n_cls), NEVER, dtype=np.int64)
    for c in range(n_cls):
        for k in range(k_max):
            if k < len(stages[c]):
                opens[c, k] = stages[c][k].opens
                for a, score in stages[c][k].agents:
                    agents.append(a)
                    scores.append(score)
                    min_stage[a, c] = min(min_stage[a, c], k)
            ptr[c * k_max + k + 1] = len(agents)
    return n_stages, opens, ptr, _ints(agents), _floats(scores), min_stage


def _rule_table(
    rules: Sequence[Sequence[_Rule]],
) -> tuple[IntArray, FloatArray, IntArray, IntArray, FloatArray, IntArray]:
    """The conditions of every class's rules as (C, R) arrays: (n_rules (C,), evaluation time
    after arrival (inf past the last rule), metric, operator, value, queue read)."""
    n_cls = len(rules)
    r_max = max(1, max(len(r) for r in rules))
    n_rules = np.array([len(r) for r in rules], dtype=np.int64)
    after = np.full((n_cls, r_max), np.inf)
    metric = np.zeros((n_cls, r_max), dtype=np.int64)
    operator = np.zeros((n_cls, r_max), dtype=np.int64)
    value = np.zeros((n_cls, r_max))
    queue = np.zeros((n_cls, r_max), dtype=np.int64)
    for c, class_rules in enumerate(rules):
        for r, rule in enumerate(class_rules):
            after[c, r] = rule.after
            metric[c, r] = rule.metric
            operator[c, r] = rule.operator
            value[c, r] = rule.value
            queue[c, r] = rule.queue
    return n_rules, after, metric, operator, value, queue


def _rule_agents(
    rules: Sequence[Sequence[_Rule]], min_stage: IntArray
) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
    """The agents each rule adds, as (pointers (C * R + 1,), agents, scores), leaving out
    agents eligible from the start (the rule adds nothing for them), and per agent and class
    the bit mask of the rules that add it (A, C)."""
    n_cls = len(rules)
    r_max = max(1, max(len(r) for r in rules))
    ptr = np.zeros(n_cls * r_max + 1, dtype=np.int64)
    agents: list[int] = []
    scores: list[float] = []
    mask = np.zeros(min_stage.shape, dtype=np.int64)
    for c in range(n_cls):
        for r in range(r_max):
            if r < len(rules[c]):
                for a, score in rules[c][r].agents:
                    if min_stage[a, c] == 0:
                        continue
                    agents.append(a)
                    scores.append(score)
                    mask[a, c] |= 1 << r
            ptr[c * r_max + r + 1] = len(agents)
    return ptr, _ints(agents), _floats(scores), mask


def _agent_classes(
    min_stage: IntArray, rule_mask: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Per agent, the classes it may ever take (through a stage or a rule), as (pointers
    (A + 1,), class, first stage, rule mask): what a freed agent scans for work."""
    n_agents, n_cls = min_stage.shape
    ptr = np.zeros(n_agents + 1, dtype=np.int64)
    classes: list[int] = []
    first: list[int] = []
    masks: list[int] = []
    for a in range(n_agents):
        for c in range(n_cls):
            if min_stage[a, c] < NEVER or rule_mask[a, c]:
                classes.append(c)
                first.append(int(min_stage[a, c]))
                masks.append(int(rule_mask[a, c]))
        ptr[a + 1] = len(classes)
    return ptr, _ints(classes), _ints(first), _ints(masks)


def _ints(values: list[int]) -> IntArray:
    return np.array(values, dtype=np.int64)


def _floats(values: list[float]) -> FloatArray:
    return np.array(values, dtype=np.float64)
