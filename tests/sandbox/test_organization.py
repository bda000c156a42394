"""GET /api/v2/organizations/me: one org per seed, the same on every start."""

from __future__ import annotations

import uuid

import httpx

from routingkit.genesys.models import Organization, enum_violations
from routingkit.sandbox import SandboxServer
from routingkit.sandbox.api_org import organization_body
from routingkit.sandbox.org import build_org


def test_the_org_id_follows_the_seed() -> None:
    first, again, other = (organization_body(build_org(seed)) for seed in (42, 42, 7))
    assert first == again
    assert other["id"] != first["id"]
    assert {uuid.UUID(b["id"]).version for b in (first, other)} == {5}
    assert {k: v for k, v in other.items() if k != "id"} == {
        k: v for k, v in first.items() if k != "id"
    }
    spec = build_org(42)
    assert spec.org_id not in {spec.division_id, *spec.queue_ids.values()}


def test_the_body_uses_the_platform_names_and_known_values() -> None:
    body = organization_body(build_org(42))
    assert {"defaultLanguage", "thirdPartyOrgName", "productPlatform", "selfUri"} <= set(body)
    assert enum_violations(Organization.model_validate(body)) == []


def test_served_org_is_the_seeds_org(org: SandboxServer, api: httpx.Client) -> None:
    assert org.sandbox is not None
    served = api.get("/api/v2/organizations/me")
    assert served.status_code == 200
    assert served.json() == organization_body(build_org(org.config.seed))
    assert served.json()["id"] == org.sandbox.org.org_id
