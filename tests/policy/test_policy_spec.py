"""The policy file: offline validation names the field path and the fix."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from routingkit.policy.spec import Policy, goal_text
from routingkit.policy.validation_errors import PolicyFileError

GOOD: dict[str, Any] = {
    "schema_version": 1,
    "queues": [
        {
            "name": "Support - Voice",
            "media": {"call": {"alerting_timeout_seconds": 8, "service_level": "80% in 20s"}},
            "routing": {
                "method": "bullseye",
                "bullseye": {
                    "rings": [
                        {"expansion_timeout_seconds": 15, "skills_to_remove": ["Billing"]},
                        {"expansion_timeout_seconds": 30},
                        {},
                    ]
                },
            },
            "acw": {"wrapup_prompt": "OPTIONAL", "timeout_seconds": 30},
            "members": {
                "wanted": 12,
                "pool": {"skills": [{"name": "Support", "min_proficiency": 2}]},
            },
        },
        {
            "name": "Sales - Voice",
            "routing": {
                "conditional_routing": {
                    "rules": [
                        {"condition_value": 30, "groups": [{"name": "Sales"}]},
                        {
                            "queue": "Sales - Overflow",
                            "condition_value": 60,
                            "groups": [{"name": "Overflow"}],
                        },
                    ]
                }
            },
        },
    ],
    "utilization": {"call": {"maximum_capacity": 1, "interruptible_by": ["callback"]}},
}


def with_change(path: str, value: Any) -> dict[str, Any]:
    """GOOD with the value at a dotted path (numbers index lists) set; DELETE removes it."""
    data = copy.deepcopy(GOOD)
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    last = parts[-1]
    key: Any = int(last) if last.isdigit() else last
    if value == "DELETE":
        del node[key]
    else:
        node[key] = value
    return data


def test_the_good_policy_is_valid_and_round_trips_through_yaml(tmp_path: Path) -> None:
    policy = Policy.model_validate(GOOD)
    again = Policy.load(policy.save(tmp_path / "policy.yaml"))
    assert again == policy
    assert Policy.load(policy.save(tmp_path / "policy.json")) == policy
    assert policy.queues[0].media["call"].service_level == "80% in 20 s"


BAD = [
    ("schema_version", 2, "schema_version 2 is not supported"),
    ("queues.0.name", "", "queues[0].name"),
    ("queues.0.name", 12, "queues[0].name"),
    ("queues.0.colour", "blue", "queues[0].colour"),
    ("queues.1.name", "support - voice", "repeats the queue"),
    ("queues.0.media.voice", {}, "queues[0].media.voice"),
    ("queues.0.media.call.alerting_timeout_seconds", 3, "alerting_timeout_seconds"),
    ("queues.0.media.call.service_level", "most calls quickly", "write it as '80% in 20s'"),
    ("queues.0.media.call.service_level", "80% in 0.5s", "at least 1 s"),
    ("queues.0.media.call.service_level", "150% in 20s", "queues[0].media.call.service_level"),
    ("queues.0.media.call.mode", "AgentFirst", "callback settings"),
    ("queues.0.media.callback", {"mode": "Sometimes"}, "'AgentFirst' or 'CustomerFirst'"),
    ("queues.0.media.callback", {"max_retry_count": -1}, "max_retry_count"),
    (
        "queues.0.routing.method",
        "roundrobin",
        "'standard', 'bullseye', 'conditional' or 'preferred'",
    ),
    ("queues.0.routing.scoring_method", "Fastest", "'TimestampAndPriority' or 'PriorityOnly'"),
    ("queues.0.routing.skill_evaluation_method", "SOME", "'NONE', 'BEST' or 'ALL'"),
    ("queues.0.routing.last_agent_routing_mode", "Always", "last_agent_routing_mode"),
    ("queues.0.routing.bullseye.rings", [{}], "at least 2 items"),
    ("queues.0.routing.bullseye.rings", [{"expansion_timeout_seconds": 5}] * 6 + [{}], "at most 6"),
    (
        "queues.0.routing.bullseye.rings.0.expansion_timeout_seconds",
        -5,
        "rings[0].expansion_timeout_seconds",
    ),
    (
        "queues.0.routing.bullseye.rings.1.expansion_timeout_seconds",
        "DELETE",
        "every ring but the last",
    ),
    (
        "queues.0.routing.bullseye.rings.0.member_groups",
        [{"name": "X", "type": "CLUB"}],
        "'GROUP', 'TEAM' or 'SKILLGROUP'",
    ),
    ("queues.0.routing.preferred_agent_rules", [{"wait_seconds": 5}], "are both set"),
    ("queues.0.routing.method", "conditional", "conditional_routing is not given"),
    ("queues.1.routing.conditional_routing.rules", [], "at least 1 item"),
    (
        "queues.1.routing.conditional_routing.rules.0.queue",
        "Sales - Overflow",
        "first rule is always this queue",
    ),
    (
        "queues.1.routing.conditional_routing.rules.1.metric",
        "Queue length",
        "'EstimatedWaitTime' or 'ServiceLevel'",
    ),
    ("queues.1.routing.conditional_routing.rules.1.operator", ">", "'GreaterThan'"),
    ("queues.1.routing.conditional_routing.rules.1.groups", [], "rules[1].groups"),
    ("queues.1.routing.conditional_routing.rules.1.metric", "ServiceLevel", "not a fraction"),
    ("queues.1.routing.conditional_routing.rules.0.condition_value", -1, "condition_value"),
    ("queues.0.acw.wrapup_prompt", "SOMETIMES", "'MANDATORY'"),
    ("queues.0.acw.timeout_seconds", 7200, "acw.timeout_seconds"),
    ("queues.0.members.wanted", -3, "members.wanted"),
    ("queues.0.members.wanted", "lots", "members.wanted"),
    ("queues.0.members.pool", {}, "needs skills or groups"),
    ("queues.0.members.pool.skills.0.min_proficiency", 7, "min_proficiency"),
    (
        "queues.1.members",
        {"wanted": 3, "pool": {"groups": [{"name": "Sales"}]}, "rings_by_proficiency": True},
        "needs bullseye routing",
    ),
    ("utilization.call.maximum_capacity", 26, "utilization.call.maximum_capacity"),
    ("utilization.video", {"maximum_capacity": 1}, "utilization.video"),
    ("utilization.call.interruptible_by", ["fax"], "interruptible_by[0]"),
]


@pytest.mark.parametrize(
    ("path", "value", "expected"), BAD, ids=[f"{p}={v!r}"[:60] for p, v, _ in BAD]
)
def test_a_bad_policy_names_the_field_and_the_fix(
    path: str, value: Any, expected: str, tmp_path: Path
) -> None:
    import yaml

    source = tmp_path / "policy.yaml"
    source.write_text(yaml.safe_dump(with_change(path, value)))
    with pytest.raises(PolicyFileError) as caught:
        Policy.load(source)
    message = str(caught.value)
    assert str(source) in message
    assert expected in message, message


def test_members_may_come_from_the_capacity_plan() -> None:
    policy = Policy.model_validate(with_change("queues.0.members.wanted", "capacity_plan"))
    members = policy.queues[0].members
    assert members is not None and members.wanted == "capacity_plan"


def test_the_file_that_is_not_a_policy_says_so(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("queues: [\n")
    with pytest.raises(PolicyFileError, match="not valid YAML or JSON"):
        Policy.load(broken)
    listed = tmp_path / "list.yaml"
    listed.write_text("- a\n- b\n")
    with pytest.raises(PolicyFileError, match="holds a list"):
        Policy.load(listed)
    with pytest.raises(PolicyFileError, match="policy export"):
        Policy.load(tmp_path / "missing.yaml")


@pytest.mark.parametrize(("level", "seconds"), [(0.8, 20), (0.825, 20), (0.9, 1.5), (0.95, 14400)])
def test_goal_text_reads_back_to_the_same_numbers(level: float, seconds: float) -> None:
    from routingkit.policy import ServiceGoal

    parsed = ServiceGoal.parse(goal_text(level, seconds))
    assert (parsed.service_level, parsed.target_seconds) == (
        pytest.approx(level, abs=1e-12),
        seconds,
    )
