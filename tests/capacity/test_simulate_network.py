"""simulate_network: shared agents, media, bullseye, preferred and conditional group routing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from routingkit.capacity import erlang_a
from routingkit.capacity.simulation import (
    Agent,
    BullseyeRing,
    ConditionalRule,
    HandleTime,
    NetworkResult,
    PreferredRule,
    RoutingNetwork,
    RoutingQueue,
    Workload,
    simulate_network,
)

AHT = 300.0


def team(prefix: str, count: int, **kwargs: Any) -> tuple[Agent, ...]:
    return tuple(Agent(f"{prefix}{i}", **kwargs) for i in range(count))


def members(agents: Sequence[Agent], ring: int = 1) -> dict[str, int]:
    return {a.name: ring for a in agents}


def single_queue(intervals: int, rate: float, patience: float | None) -> RoutingNetwork:
    agents = team("a", 20)
    return RoutingNetwork(
        agents,
        (RoutingQueue("Q", members(agents)),),
        (Workload("Q", np.full(intervals, rate), AHT, patience=patience),),
    )


# --- validation against Erlang A ---------------------------------------------------------------


@pytest.fixture(scope="module")
def mmnm() -> NetworkResult:
    return simulate_network(
        single_queue(96, 18.0 / AHT, 600.0), replications=40, seed=4, confidence=0.99
    )


def test_one_queue_network_reproduces_erlang_a(mmnm: NetworkResult) -> None:
    exact = erlang_a(20, 18.0 / AHT, AHT, 600.0)
    figures = mmnm.queue("Q").window(16)
    assert figures.p_wait.contains(exact.p_wait)
    assert figures.p_abandon.contains(exact.p_abandon)
    assert figures.asa.contains(exact.asa_answered)
    assert figures.service_level("offered").contains(exact.service_level(20.0))


def test_agent_occupancy_is_erlang_a_occupancy(mmnm: NetworkResult) -> None:
    exact = erlang_a(20, 18.0 / AHT, AHT, 600.0)
    occupancy = mmnm.agent_occupancy.mean[:, 16:]
    assert np.nanmean(occupancy) == pytest.approx(exact.occupancy, abs=0.01)


def test_three_chats_per_agent_act_as_three_seats() -> None:
    agents = team("c", 10, capacity={"chat": 3})
    network = RoutingNetwork(
        agents,
        (RoutingQueue("Chat", members(agents)),),
        (Workload("Chat", np.full(64, 27.0 / AHT), AHT, media="chat", patience=600.0),),
    )
    result = simulate_network(network, replications=30, seed=2, confidence=0.99)
    exact = erlang_a(30, 27.0 / AHT, AHT, 600.0)
    assert result.queue("Chat").window(12).p_wait.contains(exact.p_wait)


# --- reproducibility ---------------------------------------------------------------------------


def test_same_seed_gives_identical_numbers() -> None:
    network = single_queue(8, 18.0 / AHT, 300.0)
    first = simulate_network(network, replications=3, seed=7)
    second = simulate_network(network, replications=3, seed=7)
    np.testing.assert_array_equal(first.queue("Q").tallies, second.queue("Q").tallies)
    np.testing.assert_array_equal(first.agent_busy_seconds, second.agent_busy_seconds)


# --- conditional group routing: the fallback rule ---------------------------------------------


def fallback_network(with_rule: bool) -> RoutingNetwork:
    primary = team("p", 10)
    fallback = team("f", 10)
    rules = (
        ConditionalRule("EstimatedWaitTime", "GreaterThan", 30.0, tuple(a.name for a in primary)),
        ConditionalRule(
            "EstimatedWaitTime",
            "LessThan",
            20.0,
            tuple(a.name for a in fallback),
            queue="Fallback",
        ),
    )
    day = np.ones(48)
    return RoutingNetwork(
        primary + fallback,
        (
            RoutingQueue("Primary", members(primary), conditional=rules if with_rule else ()),
            RoutingQueue("Fallback", members(fallback)),
        ),
        (
            Workload("Primary", 10.5 / AHT * day, AHT, patience=180.0),
            Workload("Fallback", 6.0 / AHT * day, AHT, patience=180.0),
        ),
    )


@pytest.fixture(scope="module")
def fallback_effect() -> tuple[NetworkResult, NetworkResult]:
    without = simulate_network(fallback_network(False), replications=20, seed=5)
    with_rule = simulate_network(fallback_network(True), replications=20, seed=5)
    return without, with_rule


def test_fallback_rule_raises_the_primary_service_level(
    fallback_effect: tuple[NetworkResult, NetworkResult],
) -> None:
    without, with_rule = fallback_effect
    before = without.queue("Primary").window(4).service_level()
    after = with_rule.queue("Primary").window(4).service_level()
    assert after.low > before.high


def test_fallback_rule_lowers_the_fallback_service_level(
    fallback_effect: tuple[NetworkResult, NetworkResult],
) -> None:
    without, with_rule = fallback_effect
    before = without.queue("Fallback").window(4).service_level()
    after = with_rule.queue("Fallback").window(4).service_level()
    assert after.high < before.low


def test_a_rule_whose_condition_never_holds_changes_nothing() -> None:
    network = fallback_network(True)
    primary, fallback = network.queues
    never = (
        ConditionalRule(
            "EstimatedWaitTime", "LessThan", 0.0, tuple(f"f{i}" for i in range(10)), wait_seconds=0
        ),
    )
    gated = RoutingNetwork(
        network.agents,
        (RoutingQueue("Primary", primary.members, conditional=never), fallback),
        network.workloads,
    )
    a = simulate_network(gated, replications=3, seed=8)
    b = simulate_network(fallback_network(False), replications=3, seed=8)
    np.testing.assert_array_equal(a.queue("Primary").tallies, b.queue("Primary").tallies)


def test_service_level_rule_pulls_in_help_when_the_queue_misses_target() -> None:
    network = fallback_network(True)
    primary, fallback = network.queues
    names = tuple(f"f{i}" for i in range(10))
    sl_rule = (ConditionalRule("ServiceLevel", "LessThan", 0.8, names),)
    by_sl = RoutingNetwork(
        network.agents,
        (RoutingQueue("Primary", primary.members, conditional=sl_rule), fallback),
        network.workloads,
    )
    plain = fallback_network(False)
    a = simulate_network(by_sl, replications=10, seed=6).queue("Primary").window(4)
    b = simulate_network(plain, replications=10, seed=6).queue("Primary").window(4)
    assert a.service_level().low > b.service_level().high


# --- bullseye, preferred agents, priority, media ------------------------------------------------


def bullseye_network(expand_after: float, remove: tuple[str, ...] = ()) -> RoutingNetwork:
    experts = team("x", 3, skills={"Expert": 5.0, "Base": 5.0})
    others = team("o", 12, skills={"Base": 3.0})
    return RoutingNetwork(
        experts + others,
        (
            RoutingQueue(
                "Q",
                {**members(experts, 1), **members(others, 2)},
                bullseye=(BullseyeRing(expand_after, remove), BullseyeRing()),
            ),
        ),
        (Workload("Q", np.full(24, 10.0 / AHT), AHT, patience=300.0, skills=("Base",)),),
    )


def test_bullseye_ring_two_answers_once_ring_one_times_out() -> None:
    slow = simulate_network(bullseye_network(3600.0), replications=8, seed=1).queue("Q")
    fast = simulate_network(bullseye_network(5.0), replications=8, seed=1).queue("Q")
    assert fast.overall.service_level().low > slow.overall.service_level().high
    # nobody waits much past the expansion once twelve more agents join
    assert fast.overall.asa.mean < 10.0


def test_bullseye_skill_removal_lets_ring_two_agents_qualify() -> None:
    def run(remove: tuple[str, ...]) -> Any:
        network = bullseye_network(5.0)
        work = Workload("Q", np.full(24, 10.0 / AHT), AHT, patience=300.0, skills=("Expert",))
        queue = network.queues[0]
        queue = RoutingQueue(
            "Q", queue.members, bullseye=(BullseyeRing(5.0, remove), BullseyeRing())
        )
        changed = RoutingNetwork(network.agents, (queue,), (work,))
        return simulate_network(changed, replications=8, seed=2).queue("Q").overall

    kept = run(())
    removed = run(("Expert",))
    assert removed.service_level().low > kept.service_level().high


def test_preferred_agents_get_first_call_for_the_rule_wait() -> None:
    agents = team("a", 12)
    preferred = {"a0": 9.0}
    queue = RoutingQueue("Q", members(agents), preferred=(PreferredRule(30.0, threshold=8.0),))
    rates = np.full(24, 6.0 / AHT)
    network = RoutingNetwork(
        agents, (queue,), (Workload("Q", rates, AHT, preferred_agents=preferred),)
    )
    standard = RoutingNetwork(
        agents, (RoutingQueue("Q", members(agents)),), (Workload("Q", rates, AHT),)
    )
    routed = simulate_network(network, replications=5, seed=3)
    plain = simulate_network(standard, replications=5, seed=3)
    # calls wait up to 30 s for the one preferred agent, who is busiest
    assert routed.queue("Q").overall.asa.low > plain.queue("Q").overall.asa.high
    busy = routed.agent_busy_seconds.sum(axis=(0, 2))
    assert busy[0] == busy.max()


def test_priority_only_serves_the_high_priority_workload_first() -> None:
    agents = team("a", 10)
    rates = np.full(24, 5.0 / AHT)
    network = RoutingNetwork(
        agents,
        (
            RoutingQueue("High", members(agents), scoring="PriorityOnly"),
            RoutingQueue("Low", members(agents), scoring="PriorityOnly"),
        ),
        (Workload("High", rates, AHT, priority=5), Workload("Low", rates, AHT)),
    )
    result = simulate_network(network, replications=5, seed=4)
    assert result.queue("High").overall.asa.high < result.queue("Low").overall.asa.low


def test_a_call_may_interrupt_email_only_where_utilization_allows() -> None:
    def run(interruptible: bool) -> Any:
        agents = team(
            "b",
            5,
            capacity={"call": 1, "email": 1},
            interruptible_by={"email": ("call",)} if interruptible else {},
        )
        day = np.ones(24)
        network = RoutingNetwork(
            agents,
            (RoutingQueue("Email", members(agents)), RoutingQueue("Voice", members(agents))),
            (
                Workload(
                    "Email", 4.5 / 1800.0 * day, HandleTime.exponential(1800.0), media="email"
                ),
                Workload("Voice", 1.0 / AHT * day, AHT),
            ),
        )
        return simulate_network(network, replications=5, seed=5).queue("Voice").window(2)

    assert run(True).p_wait.high < run(False).p_wait.low


def test_agents_off_shift_take_nothing() -> None:
    agents = (Agent("a", on_shift=[False] * 4), Agent("b", on_shift=[False, False, True, True]))
    network = RoutingNetwork(
        agents,
        (RoutingQueue("Q", members(agents)),),
        (Workload("Q", np.full(4, 0.002), AHT, patience=60.0),),
    )
    result = simulate_network(network, replications=3, seed=1)
    answered = result.queue("Q").intervals.answered.mean
    assert answered[0] == answered[1] == 0.0
    assert answered[2] > 0.0
    assert np.all(result.agent_busy_seconds[:, 0, :] == 0.0)


# --- bad input ---------------------------------------------------------------------------------


def test_rings_out_of_order_are_named() -> None:
    queue = RoutingQueue(
        "Q",
        {"a0": 1},
        bullseye=(BullseyeRing(30.0), BullseyeRing(20.0), BullseyeRing()),
    )
    network = RoutingNetwork(team("a", 1), (queue,), (Workload("Q", [0.1], AHT),))
    with pytest.raises(ValueError, match=r"queues\[0\] \('Q'\)\.bullseye\[1\].*out of order"):
        simulate_network(network)


@pytest.mark.parametrize(
    ("queue", "message"),
    [
        (RoutingQueue("Q", {"zz": 1}), r"members: 'zz' is not one of the network's agents"),
        (RoutingQueue("Q", {"a0": 9}), r"ring number 9"),
        (
            RoutingQueue(
                "Q",
                {"a0": 1},
                bullseye=(BullseyeRing(5.0), BullseyeRing()),
                preferred=(PreferredRule(5.0),),
            ),
            "a queue has one routing method",
        ),
        (
            RoutingQueue(
                "Q",
                {"a0": 1},
                conditional=(ConditionalRule("ServiceLevel", "LessThan", 80.0, ("a0",)),),
            ),
            "a ServiceLevel condition is a fraction",
        ),
        (
            RoutingQueue(
                "Q",
                {"a0": 1},
                conditional=(ConditionalRule("EstimatedWaitTime", "Above", 8.0, ("a0",)),),
            ),
            r"conditional\[0\]\.operator",
        ),
    ],
)
def test_bad_queues_are_named(queue: RoutingQueue, message: str) -> None:
    network = RoutingNetwork(team("a", 1), (queue,), (Workload("Q", [0.1], AHT),))
    with pytest.raises(ValueError, match=message):
        simulate_network(network)


def test_shift_of_the_wrong_length_is_named() -> None:
    agents = (Agent("a", on_shift=[True]),)
    network = RoutingNetwork(
        agents, (RoutingQueue("Q", {"a": 1}),), (Workload("Q", [0.1, 0.1], AHT),)
    )
    with pytest.raises(ValueError, match=r"agents\[0\] \('a'\)\.on_shift: has 1 intervals"):
        simulate_network(network)


def test_workload_for_an_unknown_queue_is_named() -> None:
    network = RoutingNetwork(
        team("a", 1), (RoutingQueue("Q", {"a0": 1}),), (Workload("Nope", [0.1], AHT),)
    )
    with pytest.raises(ValueError, match=r"workloads\[0\].*'Nope' is not one of"):
        simulate_network(network)


def test_negative_workload_rate_is_named() -> None:
    network = RoutingNetwork(
        team("a", 1), (RoutingQueue("Q", {"a0": 1}),), (Workload("Q", [0.1, -1.0], AHT),)
    )
    with pytest.raises(ValueError, match=r"workloads\[0\].*arrival_rates\[1\] is -1.0"):
        simulate_network(network)


def test_unknown_queue_name_in_results_lists_the_queues(mmnm: NetworkResult) -> None:
    with pytest.raises(KeyError, match="queues: Q"):
        mmnm.queue("Sales")
