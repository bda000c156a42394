"""The plan's routing-network prediction: where bullseye rings, conditional routing or shared
agents matter, the plan simulates the network before and after on the capacity plan's workload."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from routingkit.capacity import erlang_a
from routingkit.capacity.erlang import service_level as erlang_c_service_level
from routingkit.cli import main
from routingkit.genesys import GenesysClient, connect
from routingkit.policy import CapacityPlan, StaffingOptions
from routingkit.policy.capacity_plan import IntervalPlan, QueuePlan
from routingkit.policy.goals import ServiceGoal
from routingkit.policy.network_impact import NetworkFigures, Scenario, simulate_component
from routingkit.policy.org_inputs import org_reference
from routingkit.policy.plan import Plan, build_plan
from routingkit.policy.snapshot import take_snapshot
from routingkit.policy.spec import Policy
from routingkit.sandbox import SandboxServer

INTERVAL = 1800
PEAK_SLOT = 20  # Monday 10:00: the peak of an otherwise flat week


def flat_week(
    queue_id: str, name: str, traffic: float, aht: float, patience: float | None, required: int
) -> QueuePlan:
    """A week of constant load (``traffic`` Erlangs), a hair higher at Monday 10:00."""
    intervals = [
        IntervalPlan(
            weekday=day,
            slot_minute=slot * 30,
            arrival_rate=traffic / aht * (1.0001 if (day, slot) == (0, PEAK_SLOT) else 1.0),
            aht_seconds=aht,
            required_agents=required,
            rostered_agents=required,
            service_level=0.8,
            abandon_rate=0.0,
            occupancy=0.5,
        )
        for day in range(7)
        for slot in range(48)
    ]
    return QueuePlan(
        queue_id=queue_id,
        queue_name=name,
        media_type="voice",
        goal=ServiceGoal(service_level=0.8, target_seconds=20.0, source="org"),
        concurrency=1,
        patience_seconds=patience,
        intervals=intervals,
    )


def capacity_for(
    client: GenesysClient, *queues: tuple[str, float, float, float | None, int]
) -> CapacityPlan:
    """A capacity plan of flat weeks: (queue name, Erlangs, AHT, patience, required agents)."""
    ids = {q.name: q.id for q in client.queues.list()}
    return CapacityPlan(
        created_at=dt.datetime(2026, 11, 16, tzinfo=dt.timezone.utc),
        org=org_reference(client),
        interval_seconds=INTERVAL,
        options=StaffingOptions(),
        queues=[
            flat_week(ids[name] or "", name, traffic, aht, patience, required)
            for name, traffic, aht, patience, required in queues
        ],
    )


def contains(figures: NetworkFigures | None, value: float, half_width: float | None) -> bool:
    assert figures is not None and half_width is not None
    return abs(figures.service_level - value) <= half_width


@pytest.mark.parametrize(
    ("traffic", "patience"), [(6.0, 200.0), (5.0, None)], ids=["erlang_a", "erlang_c"]
)
def test_a_plain_queue_agrees_with_erlang_within_the_confidence_interval(
    client: GenesysClient, traffic: float, patience: float | None
) -> None:
    # Sales - Overflow: standard routing, 10 joined members of no other queue
    snapshot = take_snapshot(client, ["Sales - Overflow"])
    (queue,) = snapshot.queues.values()
    assert queue.id is not None and queue.bullseye is None
    aht, agents = 300.0, 7  # 10 members x 0.7 on queue
    capacity = capacity_for(client, ("Sales - Overflow", traffic, aht, patience, agents))
    scenario = Scenario({queue.id: queue}, snapshot.members, snapshot.utilization)
    (network,) = simulate_component(
        [queue.id], scenario, scenario, capacity, 0.7, replications=20
    ).values()
    target = 30.0  # the queue's own setting: 80 % in 30 s
    rate = traffic / aht
    if patience is None:
        expected = float(erlang_c_service_level(agents, traffic, aht, target))
        abandon = 0.0
    else:
        model = erlang_a(agents, rate, aht, patience)
        expected = float(model.service_level(target))
        abandon = float(model.p_abandon)
    assert (network.weekday, network.slot_minute) == (0, PEAK_SLOT * 30)
    day = network.day_before
    assert day is not None and network.day_after == day  # before is after: one configuration
    assert contains(day, expected, day.service_level_half_width), (day, expected)
    peak = network.peak_before
    assert peak is not None
    assert contains(peak, expected, peak.service_level_half_width), (peak, expected)
    assert day.abandon_rate_half_width is not None
    assert abs(day.abandon_rate - abandon) <= max(day.abandon_rate_half_width, 1e-9)


@pytest.fixture(scope="module")
def sales_capacity(policy_org: SandboxServer) -> CapacityPlan:
    config = policy_org.config
    with connect(config.client_id, config.client_secret, policy_org.url) as made:
        # Overflow overloaded on its own; VIP - Voice quiet, with agents to spare; Sales -
        # Voice (whose rule borrows Overflow's agents) busy with its own calls
        return capacity_for(
            made,
            ("Sales - Overflow", 8.0, 300.0, 120.0, 7),
            ("VIP - Voice", 1.5, 420.0, 240.0, 5),
            ("Sales - Voice", 4.0, 280.0, 90.0, 8),
        )


def overflow_with_fallback() -> Policy:
    return Policy.model_validate(
        {
            "queues": [
                {
                    "name": "Sales - Overflow",
                    "routing": {
                        "conditional_routing": {
                            "rules": [
                                {
                                    "metric": "EstimatedWaitTime",
                                    "operator": "GreaterThan",
                                    "condition_value": 0,
                                    "wait_seconds": 5,
                                    "groups": [{"name": "Sales Overflow Team", "type": "TEAM"}],
                                },
                                {
                                    "queue": "VIP - Voice",
                                    "metric": "EstimatedWaitTime",
                                    "operator": "LessThan",
                                    "condition_value": 30,
                                    "groups": [{"name": "VIP Desk", "type": "TEAM"}],
                                },
                            ]
                        }
                    },
                }
            ]
        }
    )


@pytest.fixture(scope="module")
def fallback_plan(policy_org: SandboxServer, sales_capacity: CapacityPlan) -> Plan:
    config = policy_org.config
    with connect(config.client_id, config.client_secret, policy_org.url) as made:
        return build_plan(made, overflow_with_fallback(), capacity=sales_capacity)


def test_adding_a_fallback_queue_improves_the_network_prediction(fallback_plan: Plan) -> None:
    (overflow,) = fallback_plan.queues
    (impact,) = overflow.impact
    network = impact.network
    assert network is not None and network.whole_day
    # VIP - Voice lends its agents; Sales - Voice borrows Overflow's by its own rule
    assert network.simulated_with == ["Sales - Voice", "VIP - Voice"]
    assert network.day_before and network.day_after and network.peak_before and network.peak_after
    assert network.day_after.service_level > network.day_before.service_level + 0.1
    assert network.day_after.abandon_rate < network.day_before.abandon_rate
    assert network.peak_after.service_level > network.peak_before.service_level
    # Erlang sees one queue and its own members: nothing changes for it
    assert impact.week_after == impact.week_before
    # the quiet queue lends its agents: its service can only get worse
    linked = {n.queue_name: n for n in fallback_plan.network_linked}
    assert set(linked) == {"Sales - Voice", "VIP - Voice"}
    vip = linked["VIP - Voice"]
    assert vip.day_before and vip.day_after
    assert vip.day_after.service_level <= vip.day_before.service_level
    text = fallback_plan.to_text()
    assert "network simulation (10 replications, with Sales - Voice, VIP - Voice)" in text
    assert "predicted effect on queues this plan does not change" in text
    assert any("seed" in a and "10 replications" in a for a in fallback_plan.assumptions)
    table = fallback_plan.headline_table()
    assert " ± " in str(table.loc[0, "service level (day, network)"])
    assert "network simulation" in fallback_plan._repr_html_()


def test_a_bullseye_ring_holding_back_members_worsens_the_network_prediction(
    client: GenesysClient,
) -> None:
    snapshot = take_snapshot(client, ["Support - Voice"])
    (queue,) = snapshot.queues.values()
    members = snapshot.members[queue.id or ""]
    policy = Policy.model_validate(
        {
            "queues": [
                {
                    "name": "Support - Voice",
                    "routing": {
                        "bullseye": {
                            "rings": [
                                {"expansion_timeout_seconds": 15},
                                {"expansion_timeout_seconds": 30},
                                {"expansion_timeout_seconds": 60},
                                {},
                            ]
                        }
                    },
                    "members": {
                        "wanted": len(members),
                        "pool": {"skills": [{"name": "English"}, {"name": "Technical"}]},
                        "rings_by_proficiency": True,
                    },
                }
            ]
        }
    )
    # 52 joined members x 0.7: 36 on queue for 30 Erlangs
    capacity = capacity_for(client, ("Support - Voice", 30.0, 330.0, 150.0, 36))
    plan = build_plan(client, policy, capacity=capacity)
    (support,) = plan.queues
    assert support.ring_changes and not support.members_add
    (impact,) = support.impact
    network = impact.network
    assert network is not None and network.simulated_with == []
    assert network.day_before and network.day_after and network.peak_before and network.peak_after
    assert network.day_after.service_level < network.day_before.service_level - 0.05
    assert network.peak_after.service_level < network.peak_before.service_level
    assert impact.week_after == impact.week_before  # Erlang cannot see rings


def test_the_groups_simulated_on_a_cluster_give_the_same_plan(client: GenesysClient) -> None:
    """Two independent groups (the Sales queues with a new fallback; Support - Voice with new
    rings) simulated on a LocalCluster of two worker processes: the figures and the id are
    those of the plan made in this process (issue: a big org is one parameter away from a
    cluster)."""
    snapshot = take_snapshot(client, ["Support - Voice"])
    (support,) = snapshot.queues.values()
    raw = overflow_with_fallback().model_dump(mode="json", exclude_none=True)
    raw["queues"].append(
        {
            "name": "Support - Voice",
            "routing": {"bullseye": {"rings": [{"expansion_timeout_seconds": 15}, {}]}},
            "members": {
                "wanted": len(snapshot.members[support.id or ""]),
                "pool": {"skills": [{"name": "English"}, {"name": "Technical"}]},
                "rings_by_proficiency": True,
            },
        }
    )
    policy = Policy.model_validate(raw)
    capacity = capacity_for(
        client,
        ("Sales - Overflow", 8.0, 300.0, 120.0, 7),
        ("VIP - Voice", 1.5, 420.0, 240.0, 5),
        ("Sales - Voice", 4.0, 280.0, 90.0, 8),
        ("Support - Voice", 30.0, 330.0, 150.0, 36),
    )
    here = build_plan(client, policy, capacity=capacity, network_replications=4)
    assert any("simulation for 2 group(s)" in a for a in here.assumptions), here.assumptions
    there = build_plan(client, policy, capacity=capacity, network_replications=4, scheduler="local")
    assert there.id == here.id
    networks = [i.network for q in here.queues for i in q.impact]
    assert sum(n is not None for n in networks) == 2
    assert [i.network for q in there.queues for i in q.impact] == networks
    assert there.network_linked == here.network_linked


def test_a_plan_saved_before_network_figures_still_loads(
    fallback_plan: Plan, tmp_path: Path
) -> None:
    raw = json.loads(fallback_plan.model_dump_json())
    for queue in raw["queues"]:
        for impact in queue["impact"]:
            del impact["network"]
    del raw["network_linked"]
    path = tmp_path / "old-plan.json"
    path.write_text(json.dumps(raw))
    old = Plan.load(path)
    assert old.id == fallback_plan.id
    assert old.network_linked == [] and old.queues[0].impact[0].network is None
    assert "network simulation (" not in old.to_text()


def test_no_replications_give_no_network_figures_and_the_same_plan_id(
    client: GenesysClient, sales_capacity: CapacityPlan, fallback_plan: Plan
) -> None:
    plan = build_plan(
        client, overflow_with_fallback(), capacity=sales_capacity, network_replications=0
    )
    assert all(i.network is None for q in plan.queues for i in q.impact)
    assert plan.network_linked == []
    assert "routing-network simulation: off (network_replications=0)" in plan.assumptions
    assert plan.id == fallback_plan.id  # the id never depends on a prediction
    with pytest.raises(ValueError, match="network_replications is -1"):
        build_plan(client, overflow_with_fallback(), network_replications=-1)


def test_the_plan_command_refuses_negative_replications(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("queues: []\n")
    assert main(["plan", str(policy), "--network-replications", "-1"]) == 2
    assert "--network-replications must be 0" in capsys.readouterr().err
