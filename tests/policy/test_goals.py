"""Each queue's goal: override, then WFM, then the queue's own setting, then a visible default."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from routingkit.policy import GoalOverrides, ServiceGoal, resolve_goals

QUEUES = pd.DataFrame(
    {
        "queue_id": ["q-vip", "q-sales", "q-chat"],
        "queue_name": ["VIP - Voice", "Sales - Voice", "Support - Chat"],
        "media_type": ["voice", "voice", "chat"],
    }
)


def goal(level: float, seconds: float) -> ServiceGoal:
    return ServiceGoal(service_level=level, target_seconds=seconds)


def row(table: pd.DataFrame, name: str) -> pd.Series:
    return table[table["queue_name"] == name].iloc[0]


@pytest.mark.parametrize(
    ("text", "level", "seconds"),
    [
        ("80% in 20s", 0.8, 20),
        ("90 % in 10 s", 0.9, 10),
        ("80/20", 0.8, 20),
        ("0.95 in 4h", 0.95, 14_400),
        ("85% within 2 min", 0.85, 120),
    ],
)
def test_goals_parse_from_the_way_planners_write_them(
    text: str, level: float, seconds: float
) -> None:
    parsed = ServiceGoal.parse(text)
    assert (parsed.service_level, parsed.target_seconds) == (pytest.approx(level), seconds)


def test_an_unreadable_goal_says_how_to_write_one() -> None:
    with pytest.raises(ValueError, match="write it as '80% in 20s'"):
        ServiceGoal.parse("eighty in twenty")


def test_a_goal_outside_its_domain_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="service_level"):
        ServiceGoal(service_level=1.5, target_seconds=20)
    with pytest.raises(ValidationError, match="target_seconds"):
        ServiceGoal(service_level=0.8, target_seconds=-1)


def test_the_org_goal_is_used_where_nothing_else_is_set() -> None:
    table = resolve_goals(QUEUES, org={("q-vip", "voice"): goal(0.9, 10)})
    vip = row(table, "VIP - Voice")
    assert (vip["goal_service_level"], vip["target_seconds"], vip["goal_source"]) == (
        0.9,
        10,
        "org",
    )
    sales = row(table, "Sales - Voice")
    assert sales["goal_source"] == "default" and "default" in sales["goal_note"]


def test_wfm_wins_over_the_queue_setting_and_the_disagreement_is_reported() -> None:
    table = resolve_goals(
        QUEUES,
        org={("q-vip", "voice"): goal(0.9, 10)},
        wfm={("q-vip", "voice"): goal(0.8, 15)},
    )
    vip = row(table, "VIP - Voice")
    assert (vip["goal_service_level"], vip["target_seconds"], vip["goal_source"]) == (
        0.8,
        15,
        "wfm",
    )
    assert "90% in 10 s" in vip["goal_note"] and "WFM's goal is used" in vip["goal_note"]


def test_agreeing_goals_report_no_disagreement() -> None:
    table = resolve_goals(
        QUEUES, org={("q-vip", "voice"): goal(0.9, 10)}, wfm={("q-vip", "voice"): goal(0.9, 10)}
    )
    assert "WFM's goal is used" not in row(table, "VIP - Voice")["goal_note"]


def test_an_override_for_one_queue_beats_the_override_for_all_and_the_org() -> None:
    overrides = GoalOverrides.from_parameters("70% in 30s", {"VIP - Voice": "95% in 5s"})
    table = resolve_goals(QUEUES, org={("q-vip", "voice"): goal(0.9, 10)}, overrides=overrides)
    vip, chat = row(table, "VIP - Voice"), row(table, "Support - Chat")
    assert (vip["goal_service_level"], vip["target_seconds"]) == (0.95, 5)
    assert (chat["goal_service_level"], chat["target_seconds"]) == (0.7, 30)
    assert set(table["goal_source"]) == {"override"}


def test_an_override_may_name_the_queue_by_id() -> None:
    overrides = GoalOverrides.from_parameters(None, {"q-chat": "80% in 60s"})
    assert row(resolve_goals(QUEUES, overrides=overrides), "Support - Chat")["target_seconds"] == 60


def test_an_override_for_an_unknown_queue_lists_the_queues_there_are() -> None:
    overrides = GoalOverrides.from_parameters(None, {"VIP-Voice": "90% in 10s"})
    with pytest.raises(ValueError, match=r"'VIP-Voice'.*VIP - Voice"):
        resolve_goals(QUEUES, overrides=overrides)
