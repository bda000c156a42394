"""Each resource API lives in the module named for what it holds."""

from __future__ import annotations

import importlib.util

import httpx
import pytest

from routingkit.genesys import GenesysClient


@pytest.mark.parametrize(
    ("attribute", "module", "cls"),
    [
        ("organization", "routingkit.genesys.organization", "OrganizationApi"),
        ("utilization", "routingkit.genesys.utilization", "UtilizationApi"),
        ("analytics", "routingkit.genesys.analytics", "AnalyticsApi"),
        ("audits", "routingkit.genesys.audits", "AuditsApi"),
        ("queues", "routingkit.genesys.queues", "QueuesApi"),
        ("people", "routingkit.genesys.people", "PeopleApi"),
    ],
)
def test_each_resource_api_comes_from_its_own_module(attribute: str, module: str, cls: str) -> None:
    client = GenesysClient("https://api.example.test", httpx.BasicAuth("u", "p"))
    api = getattr(client, attribute)
    assert (type(api).__module__, type(api).__name__) == (module, cls)


def test_the_grab_bag_module_is_gone() -> None:
    assert importlib.util.find_spec("routingkit.genesys.org_settings") is None
