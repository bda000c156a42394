"""connect() never picks or starts a sandbox org by itself; the sandbox only when asked."""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path
from typing import Any

import pytest

from routingkit.genesys import ConfigurationError, connect
from routingkit.sandbox import SandboxServer

connect_module = importlib.import_module("routingkit.genesys.connect")
GENESYS_PACKAGE = Path(connect_module.__file__).parent


@pytest.fixture()
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_REGION",
        "GENESYSCLOUD_ACCESS_TOKEN",
        "GENESYSCLOUD_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GENESYSCLOUD_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture()
def nothing_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a process was started: {args[0] if args else kwargs}")

    monkeypatch.setattr(subprocess, "Popen", refuse)


@pytest.mark.usefixtures("no_credentials", "nothing_starts")
def test_without_credentials_connect_refuses_and_starts_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    probed: list[str] = []
    monkeypatch.setattr(connect_module, "_token_works", lambda url, *_: probed.append(url) or True)
    with pytest.raises(ConfigurationError) as refused:
        connect()
    assert "no Genesys Cloud credentials" in str(refused.value)
    assert "routingkit sandbox serve" in str(refused.value) and "sandbox=True" in str(refused.value)
    assert probed == []  # not even a look for a running sandbox


@pytest.mark.usefixtures("no_credentials", "nothing_starts")
def test_asked_for_the_sandbox_with_none_running_says_how_to_start_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(connect_module, "SANDBOX_URL", "http://127.0.0.1:9")
    with pytest.raises(ConfigurationError, match="routingkit sandbox serve"):
        connect(sandbox=True)


@pytest.mark.usefixtures("no_credentials")
def test_asked_for_the_sandbox_connect_uses_the_one_running(
    monkeypatch: pytest.MonkeyPatch, tiny_org: SandboxServer
) -> None:
    monkeypatch.setattr(connect_module, "SANDBOX_URL", tiny_org.url)
    with connect(sandbox=True) as client:
        assert client.api_url == tiny_org.url
        assert len(client.queues.list()) == 12


def test_credentials_win_over_the_sandbox_flag(
    no_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "id")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", "secret")
    monkeypatch.setenv("GENESYSCLOUD_REGION", "eu-west-1")
    assert connect(sandbox=True).api_url == "https://api.mypurecloud.ie"


def test_has_credentials_counts_incomplete_ones_and_profiles(
    no_credentials: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from routingkit.genesys import has_credentials

    assert not has_credentials()
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "only-an-id")
    assert has_credentials()  # incomplete: connect() says what is missing, no sandbox instead
    monkeypatch.delenv("GENESYSCLOUD_OAUTHCLIENT_ID")
    config = tmp_path / "config.toml"
    config.write_text('[default]\nclient_credentials = "p"\nclient_secret = "s"\n')
    monkeypatch.setenv("GENESYSCLOUD_CONFIG", str(config))
    assert has_credentials()


def test_the_genesys_package_starts_no_process() -> None:
    """Starting a sandbox moved to routingkit.sandbox.background (an explicit entry point)."""
    for source in GENESYS_PACKAGE.glob("*.py"):
        text = source.read_text()
        assert "subprocess" not in text and '"routingkit.cli"' not in text, source.name
    assert not hasattr(connect_module, "start_background_sandbox")
