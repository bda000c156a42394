"""The staffing pipeline takes each queue's goal from its WFM planning group where one exists."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
import pytest
from wfm_helpers import queue_ids, truth_week

from routingkit.cli import main
from routingkit.genesys import GenesysClient
from routingkit.genesys.models import EntityRef
from routingkit.genesys.wfm import BuServiceLevel, PlanningGroup, RoutePath, ServiceGoalTemplate
from routingkit.policy import StaffingOptions, required_staffing, resolve_goals
from routingkit.policy.org_inputs import org_goals, wfm_goals
from routingkit.policy.wfm_sync import goals_from_planning_groups


def _queues(truth: dict[str, Any]) -> pd.DataFrame:
    rows = [
        {"queue_id": q["queue_id"], "queue_name": q["queue_name"], "media_type": q["media_type"]}
        for q in truth["queues"]
    ]
    frame: pd.DataFrame = pd.DataFrame(rows)
    return frame


def test_wfm_goals_come_from_the_planning_groups_templates(
    client: GenesysClient, truth: dict[str, Any]
) -> None:
    ids = queue_ids(truth)
    goals = wfm_goals(client, _queues(truth))
    sales = goals[(ids["Sales - Voice"], "voice")]
    assert (sales.service_level, sales.target_seconds, sales.source) == (0.85, 15.0, "wfm")
    assert "planning group 'Sales Voice'" in sales.note
    assert goals[(ids["Support - Chat"], "chat")].target_seconds == 60.0
    assert goals[(ids["Support - Email"], "email")].target_seconds == 4 * 3600.0
    for unplanned in ("Callbacks", "Billing - Message", "Technical - Voice"):
        assert not [k for k in goals if k[0] == ids[unplanned]]


def test_only_the_queues_asked_for_are_returned(
    client: GenesysClient, truth: dict[str, Any]
) -> None:
    queues = _queues(truth)
    vip = queues[queues["queue_name"] == "VIP - Voice"]
    assert list(wfm_goals(client, vip)) == [(queue_ids(truth)["VIP - Voice"], "voice")]


def test_the_disagreeing_queue_gets_wfms_goal_and_says_so(
    client: GenesysClient, truth: dict[str, Any]
) -> None:
    queues = _queues(truth)
    table = resolve_goals(
        queues, org=org_goals(client, queues), wfm=wfm_goals(client, queues)
    ).set_index("queue_name")
    sales = table.loc["Sales - Voice"]
    assert (sales["goal_service_level"], sales["target_seconds"]) == (0.85, 15.0)
    assert sales["goal_source"] == "wfm"
    assert "the queue's own setting says 80% in 20 s: WFM's goal is used" in sales["goal_note"]
    vip = table.loc["VIP - Voice"]  # WFM and the queue agree: no disagreement noted
    assert vip["goal_source"] == "wfm" and "own setting" not in vip["goal_note"]
    callbacks = table.loc["Callbacks"]  # in no planning group: the queue's own goal
    setting = client.queues.get(queue_ids(truth)["Callbacks"]).media_settings
    assert setting is not None and setting.callback is not None
    assert setting.callback.service_level is not None
    assert setting.callback.service_level.duration_ms is not None
    assert callbacks["goal_source"] == "org"
    assert callbacks["target_seconds"] == setting.callback.service_level.duration_ms / 1000


def test_goals_read_from_wfm_change_the_staffing(
    client: GenesysClient, truth: dict[str, Any]
) -> None:
    week = truth_week(truth)
    week = week[(week["queue_name"] == "Sales - Voice") & (week["weekday"] == 0)]
    org_only = resolve_goals(week, org=org_goals(client, week))
    with_wfm = resolve_goals(week, org=org_goals(client, week), wfm=wfm_goals(client, week))
    options = StaffingOptions(model="erlang_c")
    before = required_staffing(week, org_only, options)["erlang_c"].sum()
    after = required_staffing(week, with_wfm, options)["erlang_c"].sum()
    assert after > before  # 85 % in 15 s needs more agents than 80 % in 20 s


def test_an_org_without_wfm_has_no_wfm_goals(truth: dict[str, Any]) -> None:
    def forbidden(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"code": "missing.permissions", "message": "no WFM"})

    client = GenesysClient(
        "https://api.example.test",
        httpx.BasicAuth("u", "p"),
        transport=httpx.MockTransport(forbidden),
    )
    assert wfm_goals(client, _queues(truth)) == {}


def _group(name: str, template: str, *queues: str) -> PlanningGroup:
    return PlanningGroup(
        id=name,
        name=name,
        service_goal_template=EntityRef(id=template),
        route_paths=[RoutePath(queue=EntityRef(id=q), media_type="Voice") for q in queues],
    )


def _template(
    template_id: str, percent: int, seconds: int, *, include: bool = True
) -> ServiceGoalTemplate:
    return ServiceGoalTemplate(
        id=template_id,
        name=template_id,
        service_level=BuServiceLevel(include=include, percent=percent, seconds=seconds),
    )


def test_templates_without_a_usable_service_level_give_no_goal() -> None:
    goals = goals_from_planning_groups(
        [_group("A", "off", "q1"), _group("B", "all", "q2"), _group("C", "ok", "q3")],
        [
            _template("off", 80, 20, include=False),
            _template("all", 100, 20),
            _template("ok", 70, 30),
        ],
    )
    assert list(goals) == [("q3", "voice")]


def test_a_queue_in_two_groups_takes_the_first_and_notes_the_other() -> None:
    goals = goals_from_planning_groups(
        [_group("Spanish", "b", "q1"), _group("English", "a", "q1")],
        [_template("a", 80, 20), _template("b", 90, 10)],
    )
    goal = goals[("q1", "voice")]
    assert (goal.service_level, goal.target_seconds) == (0.8, 20.0)
    assert "also in planning group 'Spanish'" in goal.note and "90% in 10 s" in goal.note


@pytest.mark.usefixtures("org_environment")
def test_the_goals_command_shows_wfm_goals_and_disagreements(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["wfm", "goals"]) == 0
    out = capsys.readouterr().out
    assert "Sales - Voice / voice: 85% in 15 s (WFM service goal template; the queue's own" in out
    assert "VIP - Voice / voice: 90% in 10 s (WFM service goal template)" in out
    assert "Callbacks" not in out
    assert "9 queue goal(s) from WFM, 3 disagreeing with the queue's own" in out
