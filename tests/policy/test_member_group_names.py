"""Teams and skill groups in a policy: named, resolved through their own APIs, exported back."""

from __future__ import annotations

from routingkit.genesys import GenesysClient
from routingkit.policy.compile import Finding, compile_queue
from routingkit.policy.export import export_policy
from routingkit.policy.plan import analyse
from routingkit.policy.snapshot import take_snapshot
from routingkit.policy.spec import Policy, QueuePolicy


def _conditional(*groups: dict[str, str]) -> QueuePolicy:
    rule = {
        "metric": "EstimatedWaitTime",
        "operator": "GreaterThan",
        "condition_value": 30,
        "wait_seconds": 2,
        "groups": list(groups),
    }
    return QueuePolicy.model_validate(
        {"name": "Sales - Voice", "routing": {"conditional_routing": {"rules": [rule]}}}
    )


def test_teams_groups_and_skill_groups_resolve_among_their_own_kind(
    client: GenesysClient,
) -> None:
    snapshot = take_snapshot(client, ["Sales - Voice"])
    teams = {t.name: t.id for t in client.teams.list()}
    groups = {g.name: g.id for g in client.people.groups()}
    skill_groups = {g.name: g.id for g in client.skill_groups.list()}
    policy = _conditional(
        # VIP Desk is a team no queue's member groups name: found through /api/v2/teams
        {"name": "VIP Desk", "type": "TEAM"},
        {"name": "vip desk", "type": "GROUP"},
        {"name": "Spanish speakers", "type": "SKILLGROUP"},
    )
    findings: list[Finding] = []
    base = snapshot.queue_by_name("Sales - Voice")
    queue = compile_queue(policy, base, snapshot.index, findings=findings)
    assert findings == []
    rule = (queue.conditional_group_routing.rules or [])[0]  # type: ignore[union-attr]
    assert [(g.id, g.type) for g in rule.groups or []] == [
        (teams["VIP Desk"], "TEAM"),
        (groups["VIP Desk"], "GROUP"),
        (skill_groups["Spanish speakers"], "SKILLGROUP"),
    ]
    assert teams["VIP Desk"] != groups["VIP Desk"]


def test_an_unknown_team_is_an_error_listing_the_teams(client: GenesysClient) -> None:
    policy = Policy(queues=[_conditional({"name": "Night Shift", "type": "TEAM"})])
    _, findings, _, _ = analyse(client, policy)
    (finding,) = [f for f in findings if "Night Shift" in f.message]
    assert finding.path == "queues[0].routing.conditional_routing.rules[0].groups[0]"
    assert "no team named 'Night Shift'" in finding.message and "Sales Team" in finding.message


def test_export_names_teams_and_skill_groups_by_their_names(client: GenesysClient) -> None:
    policy = export_policy(take_snapshot(client, ["Sales - Voice", "Technical - Voice"]))
    by_name = {q.name: q for q in policy.queues}
    sales = by_name["Sales - Voice"].routing.conditional_routing  # type: ignore[union-attr]
    assert [(g.name, g.type) for g in sales.rules[0].groups] == [("Sales Team", "TEAM")]  # type: ignore[union-attr]
    rings = by_name["Technical - Voice"].routing.bullseye.rings  # type: ignore[union-attr]
    assert [(g.name, g.type) for g in rings[1].member_groups] == [
        ("Premium Support experts", "SKILLGROUP")
    ]
