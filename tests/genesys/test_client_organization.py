"""GenesysClient.organization: the org the client is connected to, and its model."""

from __future__ import annotations

import PureCloudPlatformClientV2 as sdk

from routingkit.genesys import GenesysClient
from routingkit.genesys.models import Organization, enum_violations
from routingkit.sandbox import SandboxServer
from routingkit.sandbox.org import build_org


def test_client_reads_the_same_org_as_the_official_sdk(
    org: SandboxServer, client: GenesysClient
) -> None:
    me = client.organization.me()
    assert isinstance(me, Organization)
    assert me.id == build_org(org.config.seed).org_id
    assert (me.name, me.state, me.product_platform) == (
        "routingkit sandbox org",
        "active",
        "PureCloud",
    )
    assert me.self_uri == "/api/v2/organizations/me"
    official = sdk.ApiClient(host=org.url).get_client_credentials_token(
        org.config.client_id, org.config.client_secret
    )
    theirs = sdk.OrganizationApi(official).get_organizations_me()
    assert (me.id, me.name, me.third_party_org_name) == (
        theirs.id,
        theirs.name,
        theirs.third_party_org_name,
    )


def test_organization_model_keeps_platform_names_new_values_and_unknown_fields() -> None:
    raw = {
        "id": "o",
        "name": "Org",
        "thirdPartyURI": "https://example.com",
        "supportURI": "https://support.example.com",
        "features": {"contactCenter": True},
        "state": "archived",
        "productPlatform": "SomethingNew",
        "brandNewField": {"x": 1},
    }
    org = Organization.model_validate(raw)
    assert org.third_party_uri == "https://example.com"
    assert org.support_uri == "https://support.example.com"
    assert org.features == {"contactCenter": True}
    assert org.to_api() == raw
    problems = {path for path, _, _ in enum_violations(org)}
    assert problems == {"state", "productPlatform"}
