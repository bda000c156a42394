"""GET /api/v2/organizations/me: the organisation the caller's token belongs to.

The body has the official SDK's ``Organization`` shape and depends only on the seed: the id is
``stable_id(seed, "organization")``, so two sandboxes with the same seed are the same org.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..genesys.models import Organization
from .org import OrgSpec
from .web import ok, sandbox

ORG_NAME = "routingkit sandbox org"
ORG_SHORT_NAME = "routingkit-sandbox"  # thirdPartyOrgName: the org's short name at login


def organization_body(org: OrgSpec) -> dict[str, Any]:
    """The org's ``Organization`` JSON: deterministic for a given seed."""
    return Organization(
        id=org.org_id,
        name=ORG_NAME,
        default_language="en-us",
        default_country_code="US",
        third_party_org_name=ORG_SHORT_NAME,
        version=1,
        state="active",
        voicemail_enabled=True,
        product_platform="PureCloud",
        self_uri="/api/v2/organizations/me",
    ).to_api()


async def get_organization_me(request: Request) -> Response:
    return ok(organization_body(sandbox(request).org))


routes: list[Route] = [
    Route("/api/v2/organizations/me", get_organization_me, methods=["GET"]),
]
