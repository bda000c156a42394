"""network_from_genesys: Genesys queues, members, skills and utilization to a simulated network."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from routingkit.capacity.simulation import Workload, simulate_network
from routingkit.genesys.models import Queue, QueueMember, UserRoutingSkill, Utilization
from routingkit.policy.simnet import network_from_genesys

AHT = 300.0


def member(user: str, ring: int = 1, joined: bool = True) -> QueueMember:
    return QueueMember.model_validate({"id": user, "ringNumber": ring, "joined": joined})


def skill(name: str, level: float, skill_id: str | None = None) -> UserRoutingSkill:
    return UserRoutingSkill.model_validate(
        {"id": skill_id or f"id-{name}", "name": name, "proficiency": level, "state": "active"}
    )


def queue(name: str, **body: Any) -> Queue:
    return Queue.model_validate({"id": f"q-{name}", "name": name, **body})


def cgr_body(fallback_id: str) -> dict[str, Any]:
    return {
        "conditionalGroupRouting": {
            "rules": [
                {
                    "metric": "EstimatedWaitTime",
                    "operator": "GreaterThan",
                    "conditionValue": 30,
                    "groups": [{"id": "team-sales", "type": "TEAM"}],
                    "waitSeconds": 2,
                },
                {
                    "queue": {"id": fallback_id},
                    "metric": "EstimatedWaitTime",
                    "operator": "LessThan",
                    "conditionValue": 20,
                    "groups": [{"id": "team-overflow", "type": "TEAM"}],
                    "waitSeconds": 20,
                },
            ]
        },
        "mediaSettings": {"call": {"serviceLevel": {"percentage": 0.8, "durationMs": 30000}}},
    }


@pytest.fixture
def org() -> dict[str, Any]:
    sales = [f"s{i}" for i in range(10)]
    overflow = [f"o{i}" for i in range(10)]
    queues = [
        queue("Sales", **cgr_body("q-Overflow")),
        queue("Overflow", skillEvaluationMethod="BEST"),
        queue(
            "Support",
            bullseye={
                "rings": [
                    {
                        "expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 15}],
                        "actions": {"skillsToRemove": [{"id": "id-Technical"}]},
                    },
                    {"expansionCriteria": [{"type": "TIMEOUT_SECONDS", "threshold": 30}]},
                    {},
                ]
            },
        ),
    ]
    members = {
        "q-Sales": [member(u) for u in sales],
        "q-Overflow": [member(u) for u in overflow] + [member("idle", joined=False)],
        "Support": [member("s0", 1), member("o0", 2), member("o1", 6)],
    }
    skills = {u: [skill("Sales", 4.0)] for u in sales}
    skills["s0"] = [skill("Sales", 5.0), skill("Technical", 3.0)]
    utilization = {
        "o0": Utilization.model_validate(
            {
                "utilization": {
                    "call": {"maximumCapacity": 1},
                    "email": {"maximumCapacity": 2, "interruptableMediaTypes": ["call"]},
                }
            }
        )
    }
    day = np.ones(24)
    workloads = [
        Workload("Sales", 10.5 / AHT * day, AHT, media="voice", patience=180.0),
        Workload("q-Overflow", 6.0 / AHT * day, AHT, patience=180.0),
        Workload("Support", 0.5 / AHT * day, AHT, skills=("Technical",)),
    ]
    return {
        "queues": queues,
        "members_by_queue": members,
        "user_skills": skills,
        "utilization_by_user": utilization,
        "workloads": workloads,
    }


def test_workloads_take_queue_names_and_queue_media_vocabulary(org: dict[str, Any]) -> None:
    network = network_from_genesys(**org)
    assert [(w.queue, w.media) for w in network.workloads] == [
        ("Sales", "call"),
        ("Overflow", "call"),
        ("Support", "call"),
    ]


def test_members_keep_ring_numbers_and_unjoined_members_are_left_out(
    org: dict[str, Any],
) -> None:
    network = network_from_genesys(**org)
    queues = {q.name: q for q in network.queues}
    assert queues["Support"].members == {"s0": 1, "o0": 2, "o1": 6}
    assert "idle" not in queues["Overflow"].members
    assert "idle" not in {a.name for a in network.agents}


def test_bullseye_timeouts_accumulate_and_skill_ids_become_names(org: dict[str, Any]) -> None:
    support = network_from_genesys(**org).queues[2]
    assert [r.expand_after_seconds for r in support.bullseye] == [15.0, 45.0, None]
    assert support.bullseye[0].skills_to_remove == ("Technical",)


def test_fallback_rule_borrows_the_fallback_queue_members(org: dict[str, Any]) -> None:
    sales = network_from_genesys(**org).queues[0]
    first, second = sales.conditional
    assert first.queue is None and set(first.agents) == {f"s{i}" for i in range(10)}
    assert second.queue == "Overflow"
    assert set(second.agents) == {f"o{i}" for i in range(10)}
    assert (second.metric, second.operator, second.condition_value) == (
        "EstimatedWaitTime",
        "LessThan",
        20.0,
    )
    assert sales.target_seconds == 30.0


def test_group_members_resolve_groups_exactly(org: dict[str, Any]) -> None:
    groups = {"team-sales": ["s0", "s1"], "team-overflow": ["o9"]}
    sales = network_from_genesys(**org, group_members=groups).queues[0]
    assert sales.conditional[0].agents == ("s0", "s1")
    assert sales.conditional[1].agents == ("o9",)


def test_unknown_group_with_group_members_is_named(org: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"groups\[0\]: group 'team-overflow'"):
        network_from_genesys(**org, group_members={"team-sales": ["s0"]})


def test_utilization_and_skills_become_agent_capacity(org: dict[str, Any]) -> None:
    agents = {a.name: a for a in network_from_genesys(**org).agents}
    assert agents["o0"].capacity["email"] == 2
    assert agents["o0"].interruptible_by["email"] == ("call",)
    assert agents["s1"].capacity["chat"] == 4  # the platform default
    assert agents["s0"].skills == {"Sales": 5.0, "Technical": 3.0}


def test_the_built_network_shows_the_fallback_rule_effect(org: dict[str, Any]) -> None:
    with_rule = simulate_network(network_from_genesys(**org), replications=10, seed=1)
    org["queues"][0] = queue("Sales")
    without = simulate_network(network_from_genesys(**org), replications=10, seed=1)
    after = with_rule.queue("Sales").window(2).service_level().mean
    before = without.queue("Sales").window(2).service_level().mean
    assert after > before + 0.05


def test_missing_members_are_named(org: dict[str, Any]) -> None:
    del org["members_by_queue"]["Support"]
    with pytest.raises(ValueError, match="members_by_queue has no entry for queue 'Support'"):
        network_from_genesys(**org)


def test_rule_on_a_queue_not_given_is_named(org: dict[str, Any]) -> None:
    org["queues"] = [queue("Sales", **cgr_body("q-Elsewhere")), *org["queues"][1:]]
    with pytest.raises(ValueError, match=r"rules\[1\]\.queue: queue q-Elsewhere"):
        network_from_genesys(**org)


def test_ring_without_timeout_is_named(org: dict[str, Any]) -> None:
    org["queues"][2] = queue("Support", bullseye={"rings": [{}, {}]})
    with pytest.raises(ValueError, match=r"bullseye\.rings\[0\]\.expansionCriteria"):
        network_from_genesys(**org)


def test_workload_for_an_unknown_queue_is_named(org: dict[str, Any]) -> None:
    org["workloads"] = [Workload("Nowhere", [0.1], AHT)]
    with pytest.raises(ValueError, match=r"workloads\[0\]\.queue is 'Nowhere'"):
        network_from_genesys(**org)
