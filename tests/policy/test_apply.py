"""Applying plans to a sandbox org, with the official SDK as the independent reader."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import PureCloudPlatformClientV2 as sdk
import pytest

from routingkit.genesys import GenesysClient, connect
from routingkit.policy.apply import ApplyRefused, apply_plan, resume, rollback
from routingkit.policy.audit_log import read_audit
from routingkit.policy.export import export_policy
from routingkit.policy.journal import Journal
from routingkit.policy.plan import Plan, build_plan
from routingkit.policy.snapshot import take_snapshot
from routingkit.policy.spec import Policy
from routingkit.sandbox import SandboxServer, running_sandbox


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("apply-org") / "org.sqlite3"
    with running_sandbox(db, days=2, rate_limit_per_minute=1_000_000) as server:
        yield server


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ROUTINGKIT_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture()
def client(org: SandboxServer) -> Iterator[GenesysClient]:
    with connect(org.config.client_id, org.config.client_secret, org.url) as made:
        yield made


@pytest.fixture()
def reader(org: SandboxServer) -> sdk.RoutingApi:
    api = sdk.ApiClient(host=org.url).get_client_credentials_token(
        org.config.client_id, org.config.client_secret
    )
    return sdk.RoutingApi(api)


def edited(policy: Policy, name: str, change: dict[str, Any]) -> Policy:
    raw = policy.model_dump(mode="json", exclude_none=True)
    for queue in raw["queues"]:
        if queue["name"] == name:
            queue.update(change)
    return Policy.model_validate(raw)


def exported(client: GenesysClient, *names: str) -> Policy:
    return export_policy(take_snapshot(client, list(names) or None), utilization=False)


def sdk_queue(reader: sdk.RoutingApi, client: GenesysClient, name: str) -> Any:
    queue = client.queues.get_by_name(name)
    return reader.get_routing_queue(queue.id)


def test_an_apply_without_the_reviewed_id_writes_nothing(client: GenesysClient) -> None:
    plan = build_plan(
        client, edited(exported(client, "VIP - Voice"), "VIP - Voice", {"description": "x"})
    )
    with pytest.raises(ApplyRefused, match=f"--approve {plan.id}"):
        apply_plan(client, plan, approve=None)
    with pytest.raises(ApplyRefused, match="does not match this plan's id"):
        apply_plan(client, plan, approve="0123456789abcdef")
    old = plan.model_copy(update={"created_at": plan.created_at - dt.timedelta(days=3)})
    with pytest.raises(ApplyRefused, match="older than the 24 h"):
        apply_plan(client, old, approve=old.id)
    other = plan.model_copy(update={"org": plan.org.model_copy(update={"id": "another-org"})})
    with pytest.raises(ApplyRefused, match="made for org another-org"):
        apply_plan(client, other, approve=other.id)
    assert client.queues.get_by_name("VIP - Voice").description != "x"


def test_apply_then_export_then_plan_is_empty_and_rollback_restores_the_base(
    client: GenesysClient, reader: sdk.RoutingApi
) -> None:
    names = ("VIP - Voice", "Support - Voice", "Sales - Voice")
    base = exported(client, *names)
    vip_change = {
        "description": "VIP, 95% in 10 s",
        "media": {"call": {"service_level": "95% in 10s"}},
    }
    policy = edited(base, "VIP - Voice", vip_change)
    policy = edited(policy, "Support - Voice", {"routing": {"method": "standard"}})
    snapshot = take_snapshot(client, ["Sales - Voice"])
    (sales_id,) = snapshot.queues
    before_members = {m.id for m in snapshot.members[sales_id]}
    policy = edited(
        policy,
        "Sales - Voice",
        {"members": {"wanted": len(before_members) + 2, "pool": {"skills": [{"name": "English"}]}}},
    )
    plan = build_plan(client, policy)
    result = apply_plan(client, plan, approve=plan.id)
    assert result.status == "applied", result.table()
    vip = sdk_queue(reader, client, "VIP - Voice")
    assert vip.description == "VIP, 95% in 10 s"
    assert vip.media_settings.call.service_level.percentage == 0.95
    support = sdk_queue(reader, client, "Support - Voice")
    assert support.bullseye is None  # the method change cleared it, as planned
    assert support.acw_settings is not None  # ... and nothing else
    members = {m.id for m in client.queues.members(sales_id)}
    assert before_members < members and len(members) == len(before_members) + 2
    assert not build_plan(client, policy).has_changes  # apply -> plan is empty

    undo = rollback(client, result.apply_id)
    assert undo.status == "rolled_back", undo.outcomes
    assert not build_plan(client, base).has_changes  # rollback -> the base again
    assert {m.id for m in client.queues.members(sales_id)} == before_members
    entries = read_audit(plan.org.id)
    assert {e["apply_id"] for e in entries} >= {result.apply_id, undo.apply_id}
    text = json.dumps(entries)
    assert "secret" not in text.lower() and "Bearer" not in text


def test_a_queue_changed_since_the_plan_is_refused_and_names_the_change(
    client: GenesysClient, reader: sdk.RoutingApi
) -> None:
    policy = edited(
        exported(client, "Billing - Voice", "Technical - Voice"),
        "Billing - Voice",
        {"description": "planned"},
    )
    policy = edited(policy, "Technical - Voice", {"description": "planned too"})
    plan = build_plan(client, policy)
    # another admin edits Billing - Voice through the official SDK
    billing = sdk_queue(reader, client, "Billing - Voice")
    billing.description = "the other admin's"
    body = sdk.QueueRequest()
    for attribute in body.swagger_types:
        if hasattr(billing, attribute):
            setattr(body, attribute, getattr(billing, attribute))
    reader.put_routing_queue(billing.id, body)
    result = apply_plan(client, plan, approve=plan.id, on_error="continue")
    assert result.outcomes["Billing - Voice"].startswith("refused")
    assert "description" in result.outcomes["Billing - Voice"]
    assert sdk_queue(reader, client, "Billing - Voice").description == "the other admin's"
    assert result.outcomes["Technical - Voice"] == "applied"
    assert sdk_queue(reader, client, "Technical - Voice").description == "planned too"


def test_resume_finishes_an_interrupted_apply(client: GenesysClient, state: Path) -> None:
    policy = edited(
        exported(client, "Support - Chat"), "Support - Chat", {"description": "resumed"}
    )
    plan = build_plan(client, policy)
    journal = Journal.create(
        plan_id=plan.id,
        org_id=plan.org.id,
        api_url=client.api_url,
        plan_json=plan.model_dump_json(),
        on_error="stop",
    )
    from routingkit.policy.apply import _plan_steps

    _plan_steps(journal, plan)
    (step,) = journal.steps()
    journal.mark(step.seq, "started")  # killed right after the journal said "sending"
    apply_id = journal.apply_id
    journal.close()
    result = resume(client, apply_id)
    assert result.status == "applied"
    assert client.queues.get_by_name("Support - Chat").description == "resumed"
    with Journal.open(apply_id) as again:
        assert [s.state for s in again.steps()] == ["verified"]


def test_the_command_line_apply_needs_the_id_and_reports_the_apply(
    org: SandboxServer, client: GenesysClient, tmp_path: Path, state: Path
) -> None:
    env = {
        **os.environ,
        "ROUTINGKIT_STATE_DIR": str(state),
        "GENESYSCLOUD_OAUTHCLIENT_ID": org.config.client_id,
        "GENESYSCLOUD_OAUTHCLIENT_SECRET": org.config.client_secret,
        "GENESYSCLOUD_REGION": org.url,
    }
    policy = edited(exported(client, "Returns - Email"), "Returns - Email", {"description": "cli"})
    policy_file = policy.save(tmp_path / "policy.yaml")
    plan_file = tmp_path / "plan.json"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "routingkit.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    assert cli("plan", str(policy_file), "-o", str(plan_file)).returncode == 0
    plan = Plan.load(plan_file)
    refused = cli("apply", str(plan_file))
    assert refused.returncode == 1 and f"--approve {plan.id}" in refused.stderr
    done = cli("apply", str(plan_file), "--approve", plan.id)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Returns - Email  applied" in done.stdout
    assert client.queues.get_by_name("Returns - Email").description == "cli"
    audit = cli("audit")
    assert audit.returncode == 0 and "Returns - Email" in audit.stdout
    apply_id = done.stdout.split("apply ")[-1].split(":")[0]
    undone = cli("rollback", apply_id)
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert client.queues.get_by_name("Returns - Email").description != "cli"


def test_a_put_never_clears_a_field_the_policy_did_not_mention(
    org: SandboxServer, client: GenesysClient
) -> None:
    import httpx

    token = client.auth.token() if hasattr(client.auth, "token") else None
    assert token is not None
    raw = httpx.Client(base_url=org.url, headers={"Authorization": f"Bearer {token}"})
    # give one queue every optional field the sandbox serves, set through the raw API
    target = client.queues.get_by_name("Technical - Chat")
    body = raw.get(f"/api/v2/routing/queues/{target.id}").json()
    backup = client.queues.get_by_name("Support - Chat").id
    body.update(
        callingPartyName="Technical",
        callingPartyNumber="+15550100",
        enableTranscription=True,
        enableAudioMonitoring=True,
        enableManualAssignment=True,
        autoAnswerOnly=False,
        defaultScripts={},
        directRouting={"backupQueueId": backup},
    )
    for key in (
        "memberCount",
        "userMemberCount",
        "joinedMemberCount",
        "dateModified",
        "modifiedBy",
    ):
        body.pop(key, None)
    # the platform fills conditional routing rule 1's queue in on GET and refuses it on PUT
    body["conditionalGroupRouting"]["rules"][0].pop("queue")
    assert raw.put(f"/api/v2/routing/queues/{target.id}", json=body).status_code == 200
    before = {
        q["name"]: q for q in raw.get("/api/v2/routing/queues?pageSize=100").json()["entities"]
    }
    policy = Policy.model_validate(
        {"queues": [{"name": name, "description": f"{name} (touched)"} for name in before]}
    )
    plan = build_plan(client, policy)
    assert apply_plan(client, plan, approve=plan.id).status == "applied"
    after = {
        q["name"]: q for q in raw.get("/api/v2/routing/queues?pageSize=100").json()["entities"]
    }
    volatile = {"dateModified", "modifiedBy", "description"}
    for name, old in before.items():
        new = after[name]
        assert new["description"] == f"{name} (touched)"
        kept = {k: v for k, v in old.items() if k not in volatile}
        assert {k: new.get(k) for k in kept} == kept, name
    rollback(client, latest_apply_id(plan))


def latest_apply_id(plan: Plan) -> str:
    from routingkit.policy.journal import latest_apply

    found = latest_apply(plan_id=plan.id)
    assert found is not None
    return found


def test_the_deploy_widget_applies_its_plan_once_even_on_a_double_click(
    client: GenesysClient, reader: sdk.RoutingApi, state: Path
) -> None:
    import threading

    from routingkit.report.deploy import DeployWidget

    policy = edited(
        exported(client, "Support - Email"), "Support - Email", {"description": "clicked"}
    )
    plan = build_plan(client, policy)
    calls = []

    def do_apply(progress: Any) -> Any:
        calls.append(1)
        return apply_plan(client, plan, approve=plan.id, progress=progress)

    widget = DeployWidget(
        plan_id=plan.id,
        org_label=plan.org.name,
        summary=plan.summary(),
        changes=len(plan.changed_queues),
        apply=do_apply,
        rollback=lambda apply_id, progress: rollback(client, apply_id, progress=progress),
    )
    widget.confirm_button.click()  # without asking first: nothing happens
    assert calls == [] and widget.confirm_button.layout.display == "none"
    widget.apply_button.click()
    assert plan.id in widget.confirm_text.value and "1 change(s)" in widget.confirm_text.value
    threads = [threading.Thread(target=widget.confirm_button.click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    widget.confirm_button.click()  # a third click after it finished
    assert calls == [1]
    assert widget.applied is not None and widget.applied.status == "applied"
    assert sdk_queue(reader, client, "Support - Email").description == "clicked"
    applies = list((state / "applies").glob("*.sqlite3"))
    assert len(applies) == 1
    widget.rollback_button.click()
    widget.rollback_button.click()
    assert widget.rolled_back is not None and widget.rolled_back.status == "rolled_back"
    assert sdk_queue(reader, client, "Support - Email").description != "clicked"


def test_twenty_percent_faults_still_apply_every_change_once(
    org: SandboxServer, client: GenesysClient, reader: sdk.RoutingApi, state: Path
) -> None:
    names = ["Billing - Message", "Callbacks", "Sales - Overflow", "Technical - Chat"]
    base = exported(client, *names)
    policy = base
    for name in names:
        policy = edited(policy, name, {"description": f"{name} under faults"})
    snapshot = take_snapshot(client, ["Sales - Overflow"])
    (overflow_id,) = snapshot.queues
    before_members = {m.id for m in snapshot.members[overflow_id]}
    policy = edited(
        policy,
        "Sales - Overflow",
        {"members": {"wanted": len(before_members) + 5, "pool": {"skills": [{"name": "Sales"}]}}},
    )
    plan = build_plan(client, policy)
    rule = {
        "pattern": "/api/v2/routing/*",
        "rate": 0.2,
        "kinds": ["429", "500", "503", "504", "drop", "drop_after"],
    }
    assert org.admin("PUT", "faults", json={"seed": 11, "rules": [rule]}).status_code == 200
    try:
        result = apply_plan(client, plan, approve=plan.id)
        injected = org.sandbox.faults.injected if org.sandbox else 0
    finally:
        assert org.admin("PUT", "faults", json={"seed": 0, "rules": []}).status_code == 200
    assert injected >= 3, injected  # the faults did hit the apply
    assert result.status == "applied", result.outcomes
    for name in names:
        assert sdk_queue(reader, client, name).description == f"{name} under faults"
    members = [m.id for m in client.queues.members(overflow_id)]
    assert len(members) == len(set(members)) == len(before_members) + 5
    assert not build_plan(client, policy).has_changes
    with Journal.open(result.apply_id) as journal:
        assert {s.state for s in journal.steps()} == {"verified"}
        step_count = len(journal.steps())
    done = [
        e
        for e in read_audit(plan.org.id)
        if e.get("apply_id") == result.apply_id and e.get("outcome") == "done"
    ]
    assert len(done) == step_count  # one successful write per step in the audit log
    rollback(client, result.apply_id)
