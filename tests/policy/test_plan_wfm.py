"""The plan warns where a changed queue's service level disagrees with its WFM goal."""

from __future__ import annotations

import httpx

from routingkit.genesys import GenesysClient, connect
from routingkit.policy.export import export_policy
from routingkit.policy.plan import build_plan
from routingkit.policy.snapshot import take_snapshot
from routingkit.policy.spec import Policy
from routingkit.sandbox import SandboxServer


def _policy(client: GenesysClient, changes: dict[str, dict[str, object]]) -> Policy:
    """The exported policy of the queues in ``changes``, each with its top-level changes."""
    exported = export_policy(take_snapshot(client, list(changes)), utilization=False)
    raw = exported.model_dump(mode="json", exclude_none=True)
    for queue in raw["queues"]:
        for key, value in changes[queue["name"]].items():
            if isinstance(value, dict):
                for media, settings in value.items():
                    queue[key][media].update(settings)
            else:
                queue[key] = value
    return Policy.model_validate(raw)


def test_a_service_level_unlike_the_wfm_goal_is_a_warning_with_both_goals(
    client: GenesysClient,
) -> None:
    # Digital Support plans Support - Chat to 80 % in 60 s; Sales - Voice already disagrees
    # with its planning group (85 % in 15 s) but this plan does not change it
    policy = _policy(
        client,
        {
            "Sales - Voice": {},
            "Support - Chat": {"media": {"chat": {"service_level": "85% in 60s"}}},
            "VIP - Voice": {"description": "VIP line, 90 % in 10 s as WFM plans it"},
        },
    )
    plan = build_plan(client, policy)
    assert [q.queue_name for q in plan.changed_queues] == ["Support - Chat", "VIP - Voice"]
    wfm = [f for f in plan.findings if "WFM" in f.message]
    assert len(wfm) == 1, wfm
    (finding,) = wfm
    index = [q.name for q in policy.queues].index("Support - Chat")
    assert finding.severity == "warning"
    assert finding.path == f"queues[{index}].media.chat.service_level"
    assert "85% in 60 s" in finding.message and "80% in 60 s" in finding.message
    assert "'Digital Support'" in finding.message
    assert not any("WFM answered" in a for a in plan.assumptions)


class _WithoutWfm(httpx.HTTPTransport):
    """The sandbox, as an org without workforce management answers: 403 on every WFM call."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/api/v2/workforcemanagement/" in request.url.path:
            body = {"code": "missing.permissions", "status": 403, "message": "no WFM"}
            return httpx.Response(403, json=body, request=request)
        return super().handle_request(request)


def test_an_org_without_wfm_plans_without_wfm_goals_and_says_so(
    policy_org: SandboxServer, client: GenesysClient
) -> None:
    policy = _policy(
        client, {"Support - Chat": {"media": {"chat": {"service_level": "85% in 60s"}}}}
    )
    config = policy_org.config
    with connect(
        config.client_id, config.client_secret, policy_org.url, transport=_WithoutWfm()
    ) as denied:
        plan = build_plan(denied, policy)
    assert plan.has_changes
    assert not [f for f in plan.findings if "WFM" in f.message]
    assert any("WFM answered 403" in a for a in plan.assumptions), plan.assumptions
