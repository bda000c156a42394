"""One seeded sandbox org for the WFM tests, read by routingkit's client and the official SDK.

Tests that write to it (template versions, forecasts, one queue change) keep to what the
others do not read: the Callbacks queue (in no planning group), abandon rates, new forecasts.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest
from wfm_helpers import TODAY

from routingkit.genesys import GenesysClient, connect
from routingkit.sandbox import SandboxServer, ground_truth, running_sandbox


@pytest.fixture(scope="session")
def wfm_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    db = tmp_path_factory.mktemp("wfm-org") / "org.sqlite3"
    with running_sandbox(db, days=8, today=TODAY, rate_limit_per_minute=1_000_000) as server:
        yield server


@pytest.fixture()
def client(wfm_org: SandboxServer) -> Iterator[GenesysClient]:
    with connect(wfm_org.config.client_id, wfm_org.config.client_secret, wfm_org.url) as made:
        yield made


@pytest.fixture(scope="session")
def sdk_client(wfm_org: SandboxServer) -> sdk.ApiClient:
    api = sdk.ApiClient(host=wfm_org.url)
    return api.get_client_credentials_token(wfm_org.config.client_id, wfm_org.config.client_secret)


@pytest.fixture(scope="session")
def truth(wfm_org: SandboxServer) -> dict[str, Any]:
    """The parameters the sandbox's history was drawn from (queue ids, media, rates, AHT)."""
    return ground_truth(wfm_org.config.db_path)


@pytest.fixture(scope="session")
def api(wfm_org: SandboxServer) -> Iterator[httpx.Client]:
    """Raw HTTP with a bearer token, for what the SDK's models would hide."""
    token = httpx.post(
        f"{wfm_org.url}/oauth/token",
        auth=(wfm_org.config.client_id, wfm_org.config.client_secret),
        data={"grant_type": "client_credentials"},
    ).json()["access_token"]
    with httpx.Client(
        base_url=wfm_org.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as made:
        yield made


@pytest.fixture()
def org_environment(
    wfm_org: SandboxServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The CLI's org comes from the environment, as for a real org (no --sandbox fallback)."""
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", wfm_org.config.client_id)
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", wfm_org.config.client_secret)
    monkeypatch.setenv("GENESYSCLOUD_REGION", wfm_org.url)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
