"""WFM service goal templates follow a plan's service levels: planned, applied with the version
the plan read, refused when stale, rolled back; the official SDK reads WFM independently."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest

from routingkit.genesys import GenesysClient, connect
from routingkit.genesys.wfm import ServiceGoalTemplate
from routingkit.policy import CapacityPlan, StaffingOptions
from routingkit.policy.apply import apply_plan, resume, rollback
from routingkit.policy.capacity_plan import IntervalPlan
from routingkit.policy.capacity_plan import QueuePlan as CapacityQueue
from routingkit.policy.export import export_policy
from routingkit.policy.goals import ServiceGoal
from routingkit.policy.org_inputs import org_reference
from routingkit.policy.plan import Plan, build_plan
from routingkit.policy.snapshot import take_snapshot
from routingkit.policy.spec import Policy
from routingkit.policy.validation_errors import PolicyFileError
from routingkit.policy.wfm_sync import WfmSyncError
from routingkit.sandbox import SandboxServer, running_sandbox


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("wfm-apply-org") / "org.sqlite3"
    with running_sandbox(db, days=2, rate_limit_per_minute=1_000_000) as server:
        yield server


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTINGKIT_STATE_DIR", str(tmp_path / "state"))


@pytest.fixture()
def client(org: SandboxServer) -> Iterator[GenesysClient]:
    with connect(org.config.client_id, org.config.client_secret, org.url) as made:
        yield made


@pytest.fixture()
def wfm(org: SandboxServer) -> sdk.WorkforceManagementApi:
    api = sdk.ApiClient(host=org.url).get_client_credentials_token(
        org.config.client_id, org.config.client_secret
    )
    return sdk.WorkforceManagementApi(api)


def sdk_template(wfm: sdk.WorkforceManagementApi, name: str) -> Any:
    unit = wfm.get_workforcemanagement_businessunits().entities[0].id
    listing = wfm.get_workforcemanagement_businessunit_servicegoaltemplates(unit)
    return next(t for t in listing.entities if t.name == name)


def with_call_goal(client: GenesysClient, goals: dict[str, str]) -> Policy:
    """The org's policy for these queues, their call service level changed as given."""
    raw = export_policy(take_snapshot(client, list(goals)), utilization=False).model_dump(
        mode="json", exclude_none=True
    )
    for queue in raw["queues"]:
        queue["media"]["call"]["service_level"] = goals[queue["name"]]
    return Policy.model_validate(raw)


def test_a_new_service_level_moves_its_own_template_and_rollback_restores_it(
    client: GenesysClient, wfm: sdk.WorkforceManagementApi
) -> None:
    before = sdk_template(wfm, "VIP 90/10")
    assert (before.service_level.percent, before.service_level.seconds) == (90, 10)
    plan = build_plan(client, with_call_goal(client, {"VIP - Voice": "95% in 10 s"}))
    (change,) = plan.wfm_templates
    assert (change.template_name, change.goal_before, change.goal_after) == (
        "VIP 90/10",
        "90% in 10 s",
        "95% in 10 s",
    )
    assert change.queues == ["VIP - Voice / call"]
    assert "VIP 90/10" in plan.to_text() and "95% in 10 s" in plan.to_text()
    # the template is part of what the id covers, and survives a save and load
    assert Plan.model_validate_json(plan.model_dump_json()) == plan

    result = apply_plan(client, plan, approve=plan.id)
    assert result.status == "applied", result.outcomes
    after = sdk_template(wfm, "VIP 90/10")
    assert (after.service_level.percent, after.service_level.seconds) == (95, 10)
    assert after.metadata.version == before.metadata.version + 1
    # routing and WFM now agree: no disagreement warning is left for this queue
    again = build_plan(client, with_call_goal(client, {"VIP - Voice": "95% in 10 s"}))
    assert not again.wfm_templates and not again.has_changes

    undone = rollback(client, result.apply_id)
    assert undone.status == "rolled_back", undone.outcomes
    restored = sdk_template(wfm, "VIP 90/10")
    assert (restored.service_level.percent, restored.service_level.seconds) == (90, 10)


def test_a_template_shared_with_queues_the_plan_leaves_alone_is_kept_with_a_warning(
    client: GenesysClient, wfm: sdk.WorkforceManagementApi
) -> None:
    # "Sales voice 85/15" is the goal of Sales - Voice and Sales - Overflow
    plan = build_plan(client, with_call_goal(client, {"Sales - Voice": "85% in 15 s"}))
    assert not plan.wfm_templates
    (kept,) = [f for f in plan.findings if "is kept as it is" in f.message]
    assert kept.severity == "warning" and kept.path.endswith("media.call.service_level")
    assert "Sales - Overflow" in kept.message
    text = plan.review_text(width=60)  # as the deploy report prints it
    assert f"warning: {kept.path}" in text.splitlines()
    assert all(len(line) <= 60 for line in text.splitlines())
    assert text.startswith(f"Plan {plan.id}")
    # both queues moved to one goal: the template moves with them
    both = build_plan(
        client,
        with_call_goal(client, {"Sales - Voice": "90% in 15 s", "Sales - Overflow": "90% in 15 s"}),
    )
    (change,) = both.wfm_templates
    assert change.template_name == "Sales voice 85/15" and change.goal_after == "90% in 15 s"
    assert sorted(change.queues) == ["Sales - Overflow / call", "Sales - Voice / call"]
    untouched = sdk_template(wfm, "Sales voice 85/15")
    assert untouched.service_level.percent == 85  # planning writes nothing


def test_a_template_changed_after_planning_is_refused_never_overwritten(
    client: GenesysClient, wfm: sdk.WorkforceManagementApi
) -> None:
    plan = build_plan(client, with_call_goal(client, {"VIP - Voice": "92% in 10 s"}))
    (change,) = plan.wfm_templates
    # someone edits the template in WFM after the plan was made
    unit = change.business_unit_id
    current = client.wfm.service_goal_template(unit, change.template_id)
    level = current.service_level.model_copy(update={"percent": 88})  # type: ignore[union-attr]
    client.wfm.update_service_goal_template(
        unit,
        ServiceGoalTemplate.model_validate(
            {**current.to_api(), **{"serviceLevel": level.to_api()}}
        ),
    )
    result = apply_plan(client, plan, approve=plan.id, on_error="continue")
    assert result.status == "partial", result.outcomes
    assert "changed since it was read" in result.outcomes[change.label]
    assert result.outcomes["VIP - Voice"] == "applied"
    assert sdk_template(wfm, "VIP 90/10").service_level.percent == 88  # theirs, kept
    # the apply never wrote the template: even a forced rollback leaves their edit alone
    undone = rollback(client, result.apply_id, force=True)
    assert undone.outcomes[change.label] == "restored", undone.outcomes
    assert sdk_template(wfm, "VIP 90/10").service_level.percent == 88
    put_back = client.wfm.service_goal_template(unit, change.template_id)
    client.wfm.update_service_goal_template(
        unit,
        ServiceGoalTemplate.model_validate(
            {**put_back.to_api(), "serviceLevel": {"include": True, "percent": 90, "seconds": 10}}
        ),
    )


def faults(org: SandboxServer, *rules: dict[str, Any]) -> int:
    """Set the sandbox's fault rules; the number of faults injected under the old ones."""
    assert org.sandbox is not None
    injected = org.sandbox.faults.injected
    answer = org.admin("PUT", "faults", json={"seed": 0, "rules": list(rules)})
    assert answer.status_code == 200, answer.text
    return int(injected)


def test_a_resumed_apply_adopts_a_template_write_whose_answer_was_lost(
    org: SandboxServer, client: GenesysClient, wfm: sdk.WorkforceManagementApi
) -> None:
    plan = build_plan(client, with_call_goal(client, {"VIP - Voice": "93% in 10 s"}))
    assert len(plan.wfm_templates) == 1
    before = sdk_template(wfm, "VIP 90/10").metadata.version
    # WFM makes the change, then the connection drops before the answer arrives
    faults(org, {"pattern": "PATCH */servicegoaltemplates/*", "rate": 1.0, "kinds": ["drop_after"]})
    try:
        first = apply_plan(client, plan, approve=plan.id)
    finally:
        assert faults(org) >= 1  # the answer was dropped
    assert first.status == "partial" and first.outcomes["VIP - Voice"] == "applied", first.outcomes
    finished = resume(client, first.apply_id)
    assert finished.status == "applied", finished.outcomes
    after = sdk_template(wfm, "VIP 90/10")
    assert after.service_level.percent == 93
    assert after.metadata.version == before + 1  # written once, not twice
    assert rollback(client, first.apply_id).status == "rolled_back"
    assert sdk_template(wfm, "VIP 90/10").service_level.percent == 90


def flat_capacity(client: GenesysClient, names: list[str]) -> CapacityPlan:
    """A capacity plan of flat weeks (2 Erlangs, 300 s AHT, 4 agents) for ``names``' calls."""
    ids = {q.name: q.id for q in client.queues.list()}
    intervals = [
        IntervalPlan(
            weekday=day, slot_minute=slot * 30, arrival_rate=2.0 / 300.0, aht_seconds=300.0,
            required_agents=4, rostered_agents=5, service_level=0.8, abandon_rate=0.0,
            occupancy=0.5,
        )
        for day in range(7)
        for slot in range(48)
    ]  # fmt: skip
    return CapacityPlan(
        created_at=dt.datetime(2026, 11, 16, tzinfo=dt.timezone.utc),
        org=org_reference(client),
        interval_seconds=1800,
        options=StaffingOptions(),
        queues=[
            CapacityQueue(
                queue_id=ids[name] or "",
                queue_name=name,
                media_type="voice",
                goal=ServiceGoal(service_level=0.8, target_seconds=20.0),
                concurrency=1,
                intervals=intervals,
            )
            for name in names
        ],
    )


def test_the_capacity_plans_week_goes_to_wfm_as_a_forecast_through_the_journal(
    org: SandboxServer, client: GenesysClient, wfm: sdk.WorkforceManagementApi
) -> None:
    week = dt.date(2026, 11, 30)  # a Monday, the business unit's first day
    policy = export_policy(take_snapshot(client, ["VIP - Voice"]), utilization=False)
    capacity = flat_capacity(client, ["VIP - Voice", "Support - Voice"])
    with pytest.raises(PolicyFileError, match="capacity plan"):
        build_plan(client, policy, forecast_week=week)
    with pytest.raises(WfmSyncError, match="Monday"):
        build_plan(client, policy, capacity=capacity, forecast_week=week + dt.timedelta(days=1))
    plan = build_plan(client, policy, capacity=capacity, forecast_week=week, network_replications=0)
    forecast = plan.wfm_forecast
    assert forecast is not None and plan.has_changes and not plan.changed_queues
    assert sorted(forecast.planning_groups) == ["Support Voice", "VIP"]
    # two queues x 2 Erlangs / 300 s x a week of seconds
    assert forecast.offered_per_week == pytest.approx(2 * 2.0 / 300.0 * 7 * 86_400)
    assert "forecast" in plan.to_text() and forecast.label in set(plan.diff_table()["queue"])

    unit = forecast.business_unit_id
    result = apply_plan(client, plan, approve=plan.id)
    assert result.status == "applied", result.outcomes
    listed = wfm.get_workforcemanagement_businessunit_week_shorttermforecasts(
        unit, week.isoformat()
    )
    (made,) = [f for f in listed.entities if f.description.startswith(forecast.description)]
    data = wfm.get_workforcemanagement_businessunit_week_shorttermforecast_data(
        unit, week.isoformat(), made.id
    )
    read = {g.planning_group_id: g.offered_per_interval for g in data.result.planning_groups}
    sent = {
        g["planningGroupId"]: g["offeredPerInterval"] for g in forecast.document["planningGroups"]
    }
    assert read == sent

    assert rollback(client, result.apply_id).status == "rolled_back"
    after = wfm.get_workforcemanagement_businessunit_week_shorttermforecasts(unit, week.isoformat())
    assert made.id not in {f.id for f in after.entities}

    # an import whose answer is lost: the resumed apply finds it and imports nothing twice
    faults(
        org, {"pattern": "POST */shorttermforecasts/import", "rate": 1.0, "kinds": ["drop_after"]}
    )
    try:
        first = apply_plan(client, plan, approve=plan.id)
    finally:
        assert faults(org) >= 1  # the answer was dropped
    finished = resume(client, first.apply_id)
    assert finished.status == "applied", (first.outcomes, finished.outcomes)
    listed = wfm.get_workforcemanagement_businessunit_week_shorttermforecasts(
        unit, week.isoformat()
    )
    mine = [f for f in listed.entities if f.description.endswith(f"apply {first.apply_id}")]
    assert len(mine) == 1, [f.description for f in listed.entities]
    assert rollback(client, first.apply_id).status == "rolled_back"
