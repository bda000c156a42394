"""Regions in every spelling, and the order in which connect() finds credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from routingkit.genesys import REGIONS, ConfigurationError, connect, resolve_region
from routingkit.genesys.auth import AccessToken, ClientCredentials


@pytest.mark.parametrize("name", sorted(REGIONS))
def test_every_region_in_both_spellings(name: str) -> None:
    domain = REGIONS[name]
    for spelling in (
        name,
        name.replace("-", "_"),
        name.upper(),
        domain,
        f"api.{domain}",
        f"https://api.{domain}/",
    ):
        endpoint = resolve_region(spelling)
        assert endpoint.api_url == f"https://api.{domain}"
        assert endpoint.login_url == f"https://login.{domain}"


def test_eighteen_regions() -> None:
    assert len(REGIONS) == 18
    assert resolve_region("eu_west_1").api_url == "https://api.mypurecloud.ie"


def test_local_url_serves_login_and_api_on_one_origin() -> None:
    endpoint = resolve_region("http://127.0.0.1:8765")
    assert endpoint.api_url == endpoint.login_url == "http://127.0.0.1:8765"
    assert endpoint.is_local


@pytest.mark.parametrize("bad", ["mars-north-1", "", "ftp://example.com", "example.com"])
def test_bad_region_says_what_to_use(bad: str) -> None:
    with pytest.raises(ValueError, match=r"region|URL"):
        resolve_region(bad)


@pytest.fixture()
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in (
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_REGION",
        "GENESYSCLOUD_ACCESS_TOKEN",
        "GENESYSCLOUD_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config.toml"
    monkeypatch.setenv("GENESYSCLOUD_CONFIG", str(config))
    return config


def test_arguments_win_over_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "env-id")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", "env-secret")
    monkeypatch.setenv("GENESYSCLOUD_REGION", "eu-west-1")
    client = connect("arg-id", "arg-secret", "ap-southeast-2")
    assert client.api_url == "https://api.mypurecloud.com.au"
    assert isinstance(client.auth, ClientCredentials) and client.auth.client_id == "arg-id"
    from_env = connect()
    assert from_env.api_url == "https://api.mypurecloud.ie"
    assert from_env.auth.client_id == "env-id"  # type: ignore[attr-defined]


def test_profile_from_the_official_cli_file(clean_env: Path) -> None:
    clean_env.write_text(
        '[default]\nclient_credentials = "p-id"\nclient_secret = "p-secret"\n'
        'environment = "mypurecloud.de"\n\n[emea]\nclient_credentials = "e-id"\n'
        'client_secret = "e-secret"\nenvironment = "euw2.pure.cloud"\n'
    )
    assert connect().api_url == "https://api.mypurecloud.de"
    assert connect(profile="emea").api_url == "https://api.euw2.pure.cloud"
    with pytest.raises(ConfigurationError, match=r"no profile \[apac\]"):
        connect(profile="apac")


def test_incomplete_credentials_name_what_is_missing(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "only-id")
    with pytest.raises(
        ConfigurationError, match="GENESYSCLOUD_OAUTHCLIENT_SECRET, GENESYSCLOUD_REGION"
    ):
        connect()


def test_access_token_from_environment(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GENESYSCLOUD_ACCESS_TOKEN", "tok")
    with pytest.raises(ConfigurationError, match="GENESYSCLOUD_REGION"):
        connect()
    monkeypatch.setenv("GENESYSCLOUD_REGION", "us-east-1")
    client = connect()
    assert isinstance(client.auth, AccessToken) and "tok" not in repr(client)


def test_no_credentials_and_no_sandbox_is_an_error(clean_env: Path) -> None:
    with pytest.raises(ConfigurationError, match="no Genesys Cloud credentials"):
        connect(sandbox=False)


@pytest.mark.parametrize("bad", ["mars-north-1", "", "ftp://example.com", "example.com"])
def test_bad_region_is_a_configuration_error_listing_the_accepted_spellings(bad: str) -> None:
    with pytest.raises(ConfigurationError) as failure:
        resolve_region(bad)
    assert isinstance(failure.value, ValueError)  # callers that caught ValueError still do
    text = str(failure.value)
    for spelling in ("eu-west-1", "'_' for '-'", "mypurecloud.ie", "http://127.0.0.1:8765"):
        assert spelling in text


def test_connect_with_a_bad_region_raises_the_configuration_error(clean_env: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown Genesys Cloud region 'moon-1'"):
        connect("id", "secret", "moon-1")
