"""Export, validate and plan against the sandbox org: export then plan changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from routingkit.genesys import GenesysClient
from routingkit.policy import (
    CapacityPlan,
    HistoryWindow,
    StaffingOptions,
    build_capacity_plan,
    required_staffing,
    resolve_goals,
)
from routingkit.policy.export import export_policy
from routingkit.policy.org_inputs import media_concurrency, org_goals, org_reference
from routingkit.policy.plan import Plan, analyse, build_plan
from routingkit.policy.snapshot import take_snapshot
from routingkit.policy.spec import Policy
from routingkit.policy.validation_errors import PolicyFileError
from routingkit.sandbox import SandboxServer
from routingkit.workload import fetch_history, typical_week

TODAY = dt.date(2026, 11, 16)  # the org's pinned calendar (conftest.py)


def exported(client: GenesysClient) -> Policy:
    return export_policy(take_snapshot(client))


def edited(policy: Policy, name: str, **changes: object) -> Policy:
    raw = policy.model_dump(mode="json", exclude_none=True)
    for queue in raw["queues"]:
        if queue["name"] == name:
            for path, value in changes.items():
                node = queue
                parts = path.split("__")
                for part in parts[:-1]:
                    node = node.setdefault(part, {})
                node[parts[-1]] = value
    return Policy.model_validate(raw)


def test_export_then_plan_changes_nothing(client: GenesysClient) -> None:
    policy = exported(client)
    assert len(policy.queues) == 12 and policy.utilization
    plan = build_plan(client, policy)
    assert not plan.has_changes, plan.to_text()
    assert plan.findings == []
    assert "no changes" in plan.summary()


def test_a_changed_goal_and_timeout_show_as_field_changes(client: GenesysClient) -> None:
    policy = edited(
        exported(client), "VIP - Voice",
        media__call__service_level="95% in 10s", media__call__alerting_timeout_seconds=12,
    )  # fmt: skip
    plan = build_plan(client, policy)
    (vip,) = plan.changed_queues
    paths = {c.path: (c.before, c.after) for c in vip.changes}
    assert paths == {
        "mediaSettings.call.serviceLevel.percentage": (0.9, 0.95),
        "mediaSettings.call.alertingTimeoutSeconds": (8, 12),
    }
    assert vip.action == "update" and vip.desired is not None
    assert vip.desired["mediaSettings"]["call"]["serviceLevel"]["percentage"] == 0.95
    assert vip.desired["description"] == vip.base["description"]  # the rest is kept whole


def test_switching_routing_method_shows_what_the_put_clears(client: GenesysClient) -> None:
    policy = edited(exported(client), "Support - Voice", routing={"method": "standard"})
    (support,) = build_plan(client, policy).changed_queues
    removed = [c.path for c in support.changes if c.kind == "removed"]
    assert removed == ["bullseye"]


def test_the_plan_id_is_stable_and_an_edited_plan_is_refused(
    client: GenesysClient, tmp_path: Path
) -> None:
    policy = edited(exported(client), "VIP - Voice", description="VIP callers")
    first, second = build_plan(client, policy), build_plan(client, policy)
    assert first.id == second.id and first.created_at <= second.created_at
    path = first.save(tmp_path / "plan.json")
    assert Plan.load(path) == first
    raw = json.loads(path.read_text())
    raw["queues"][0]["desired"]["description"] = "something else"
    path.write_text(json.dumps(raw))
    with pytest.raises(PolicyFileError, match="edited after it was made"):
        Plan.load(path)


def test_the_plan_records_the_org(client: GenesysClient) -> None:
    plan = build_plan(client, exported(client))
    assert plan.org == org_reference(client)


def test_unknown_names_are_errors_naming_the_field(client: GenesysClient) -> None:
    policy = Policy.model_validate(
        {
            "queues": [
                {
                    "name": "Support - Voice",
                    "routing": {
                        "bullseye": {
                            "rings": [
                                {"expansion_timeout_seconds": 10, "skills_to_remove": ["Klingon"]},
                                {},
                            ]
                        },
                        "backup_queue": "Nowhere",
                    },
                    "wrapup_codes": None,
                }
            ]
        }
    )
    _, findings, _, _ = analyse(client, policy)
    messages = {f.path: f.message for f in findings}
    assert "queues[0].routing.bullseye.rings[0].skills_to_remove[0]" in messages
    assert (
        "no skill named 'Klingon'"
        in messages["queues[0].routing.bullseye.rings[0].skills_to_remove[0]"]
    )
    assert "no queue named 'Nowhere'" in messages["queues[0].routing.backup_queue"]
    with pytest.raises(PolicyFileError, match="cannot be planned"):
        build_plan(client, policy)


def test_a_fallback_cycle_is_an_error(client: GenesysClient) -> None:
    policy = Policy.model_validate(
        {
            "queues": [
                {"name": "Sales - Voice", "routing": {"backup_queue": "Sales - Overflow"}},
                {"name": "Sales - Overflow", "routing": {"backup_queue": "Sales - Voice"}},
            ]
        }
    )
    _, findings, _, _ = analyse(client, policy)
    cycles = [f for f in findings if "comes back" in f.message]
    assert {f.path for f in cycles} == {"queues[0].routing", "queues[1].routing"}


def test_members_come_from_the_pool_with_the_least_churn(client: GenesysClient) -> None:
    snapshot = take_snapshot(client, ["Support - Voice"])
    (queue,) = snapshot.queues.values()
    current = {m.id for m in snapshot.members[queue.id or ""]}
    policy = Policy.model_validate(
        {
            "queues": [
                {
                    "name": "Support - Voice",
                    "members": {
                        "wanted": len(current) + 3,
                        "pool": {"skills": [{"name": "Technical", "min_proficiency": 1}]},
                    },
                }
            ]
        }
    )
    (support,) = build_plan(client, policy).queues
    assert len(support.members_add) == 3 and support.members_remove == []
    assert not set(support.members_add) & current
    held = {s.name: s.proficiency for s in client.people.user_skills(support.members_add[0])}
    assert held["Technical"] >= 1


def test_more_members_than_the_pool_holds_is_an_error(client: GenesysClient) -> None:
    policy = Policy.model_validate(
        {
            "queues": [
                {
                    "name": "Support - Voice",
                    "members": {"wanted": 5000, "pool": {"skills": [{"name": "Technical"}]}},
                }
            ]
        }
    )
    _, findings, _, _ = analyse(client, policy)
    (finding,) = [f for f in findings if f.path == "queues[0].members.wanted"]
    assert "5000 members wanted but the pool has only" in finding.message


@pytest.fixture(scope="module")
def capacity(policy_org: SandboxServer) -> CapacityPlan:
    from routingkit.genesys import connect

    with connect(policy_org.config.client_id, policy_org.config.client_secret, policy_org.url) as c:
        start, end = TODAY - dt.timedelta(days=21), TODAY
        history = fetch_history(
            c,
            "Support - Voice",
            start,
            end,
            time_zone="America/Chicago",
            use_cache=False,
            progress=False,
        )
        week = typical_week(history)
        goals = resolve_goals(week, org=org_goals(c, week))
        plan = required_staffing(week, goals, concurrency=media_concurrency(c))
        return build_capacity_plan(
            plan,
            StaffingOptions(),
            org=org_reference(c),
            history=HistoryWindow(
                start=start, end=end, time_zone="America/Chicago", granularity="PT30M"
            ),
        )


def test_fewer_members_predict_worse_service(client: GenesysClient, capacity: CapacityPlan) -> None:
    snapshot = take_snapshot(client, ["Support - Voice"])
    (queue,) = snapshot.queues.values()
    members = len(snapshot.members[queue.id or ""])
    policy = Policy.model_validate(
        {
            "queues": [
                {
                    "name": "Support - Voice",
                    "members": {
                        "wanted": members // 3,
                        "pool": {"skills": [{"name": "Technical"}]},
                        "remove_surplus": True,
                    },
                }
            ]
        }
    )
    plan = build_plan(client, policy, capacity=capacity)
    (support,) = plan.queues
    (impact,) = support.impact
    assert impact.members_before == members and impact.members_after == members // 3
    assert impact.week_after.service_level < impact.week_before.service_level
    assert impact.peak_after.abandon_rate > impact.peak_before.abandon_rate
    assert any("on queue" in a for a in plan.assumptions)
    warnings_ = [f for f in plan.findings if f.severity == "warning"]
    assert any("below the capacity plan" in f.message for f in warnings_)
    assert "Support - Voice" in plan._repr_html_()


def test_a_capacity_plan_for_another_org_is_refused(
    client: GenesysClient, capacity: CapacityPlan
) -> None:
    from routingkit.policy import OrgRef

    other = capacity.model_copy(update={"org": OrgRef(id="someone-else", name="Other")})
    with pytest.raises(PolicyFileError, match="computed for org someone-else"):
        build_plan(client, exported(client), capacity=other)


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "routingkit.cli", *args],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip


def test_the_commands_export_validate_and_plan(policy_org: SandboxServer, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "GENESYSCLOUD_OAUTHCLIENT_ID": policy_org.config.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": policy_org.config.client_secret,
        "GENESYSCLOUD_REGION": policy_org.url,
    }
    policy_file = tmp_path / "policy.yaml"
    result = run_cli("policy", "export", "-o", str(policy_file), env=env)
    assert result.returncode == 0, result.stderr
    result = run_cli("validate", str(policy_file), env=env)
    assert result.returncode == 0, result.stderr
    result = run_cli("plan", str(policy_file), "--detailed-exitcode", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    policy = Policy.load(policy_file)
    edited(policy, "VIP - Voice", description="changed").save(policy_file)
    plan_file = tmp_path / "plan.json"
    result = run_cli("plan", str(policy_file), "--detailed-exitcode", "-o", str(plan_file), env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "~ description" in result.stdout and Plan.load(plan_file).has_changes


def test_without_credentials_the_commands_never_pick_an_org_themselves(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYSCLOUD_")}
    env["HOME"] = str(tmp_path)  # no ~/.gc profile either
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text("queues: []\n")
    result = run_cli("plan", str(policy_file), env=env)
    assert result.returncode == 1
    assert "no Genesys Cloud credentials" in result.stderr
