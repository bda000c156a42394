"""Finding the org to talk to: arguments, the environment, or the official CLI's profile.

Order: explicit arguments; ``GENESYSCLOUD_OAUTHCLIENT_ID`` / ``_SECRET`` / ``GENESYSCLOUD_REGION``
(or ``GENESYSCLOUD_ACCESS_TOKEN``); a profile in ``~/.gc/config.toml``. Without any, ``connect()``
refuses: it never picks, let alone starts, an org nobody named. The local sandbox org is used
only when asked for, with ``connect(sandbox=True)`` (the CLI's ``--sandbox``): the one running
on ``127.0.0.1:8765`` with the sandbox's public default client (what ``routingkit sandbox serve``
runs). Starting a sandbox is the sandbox's business (``routingkit sandbox serve``,
``routingkit.sandbox.background.ensure_running()``, or the ``routingkit report``/``demo``/``lab``
commands, which give their notebooks the sandbox's credentials in the environment).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx

from .auth import AccessToken, ClientCredentials
from .client import GenesysClient
from .errors import ConfigurationError
from .regions import resolve_region

# What `routingkit sandbox serve` uses unless told otherwise.
SANDBOX_URL = "http://127.0.0.1:8765"
SANDBOX_CLIENT_ID = "routingkit-sandbox"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # the local sandbox's public default

NO_CREDENTIALS = (
    "no Genesys Cloud credentials: set GENESYSCLOUD_OAUTHCLIENT_ID, "
    "GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION, or add a profile to "
    "~/.gc/config.toml. For the local sandbox org, start it with `routingkit sandbox serve` "
    "and ask for it: connect(sandbox=True), or --sandbox on the command line"
)


def _profile(name: str | None) -> dict[str, Any] | None:
    path = Path(os.environ.get("GENESYSCLOUD_CONFIG", Path.home() / ".gc" / "config.toml"))
    if not path.exists():
        return None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the profile file {path}: {exc}") from None
    wanted = name or os.environ.get("GENESYSCLOUD_PROFILE") or "default"
    section = data.get(wanted)
    if section is None:
        if name is not None:
            raise ConfigurationError(
                f"no profile [{wanted}] in {path}; it has {', '.join(sorted(data)) or 'none'}"
            )
        return None
    return dict(section)


def _token_works(url: str, client_id: str, secret: str) -> bool:
    try:
        answer = httpx.post(
            f"{url}/oauth/token",
            auth=(client_id, secret),
            data={"grant_type": "client_credentials"},
            timeout=2.0,
        )
    except httpx.HTTPError:
        return False
    return answer.status_code == 200


def has_credentials(profile: str | None = None) -> bool:
    """Whether the environment or a profile names an org, completely or not.

    When it does, ``connect()`` uses it (or says what is missing): nothing may stand in for
    it, in particular no sandbox org.
    """
    env = os.environ
    names = ("GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_OAUTHCLIENT_SECRET")
    if env.get("GENESYSCLOUD_ACCESS_TOKEN") or any(env.get(n) for n in names):
        return True
    return _profile(profile) is not None


def connect(
    client_id: str | None = None,
    client_secret: str | None = None,
    region: str | None = None,
    *,
    access_token: str | None = None,
    profile: str | None = None,
    sandbox: bool = False,
    **client_options: Any,
) -> GenesysClient:
    """A client for the first org found (see the module docstring for the order).

    Without credentials it raises :class:`ConfigurationError`, unless ``sandbox=True`` asks for
    the local sandbox org already running on 127.0.0.1:8765 (it is never started from here).
    ``client_options`` go to :class:`GenesysClient` (timeouts, retry limits).
    """
    env = os.environ
    client_id = client_id or env.get("GENESYSCLOUD_OAUTHCLIENT_ID")
    client_secret = client_secret or env.get("GENESYSCLOUD_OAUTHCLIENT_SECRET")
    region = region or env.get("GENESYSCLOUD_REGION")
    access_token = access_token or env.get("GENESYSCLOUD_ACCESS_TOKEN")
    if not (client_id and client_secret) and not access_token:
        section = _profile(profile)
        if section is not None:
            client_id = client_id or section.get("client_credentials")
            client_secret = client_secret or section.get("client_secret")
            region = region or section.get("environment")
    if access_token and not (client_id and client_secret):
        if not region:
            raise ConfigurationError("GENESYSCLOUD_ACCESS_TOKEN needs GENESYSCLOUD_REGION too")
        endpoint = resolve_region(region)
        return GenesysClient(endpoint.api_url, AccessToken(access_token), **client_options)
    if client_id or client_secret:
        missing = [
            n
            for n, v in (
                ("GENESYSCLOUD_OAUTHCLIENT_ID", client_id),
                ("GENESYSCLOUD_OAUTHCLIENT_SECRET", client_secret),
                ("GENESYSCLOUD_REGION", region),
            )
            if not v
        ]
        if missing:
            raise ConfigurationError(f"incomplete credentials: set {', '.join(missing)}")
        assert client_id and client_secret and region
        endpoint = resolve_region(region)
        auth = ClientCredentials(client_id, client_secret, endpoint.login_url)
        return GenesysClient(endpoint.api_url, auth, **client_options)
    if not sandbox:
        raise ConfigurationError(NO_CREDENTIALS)
    if not _token_works(SANDBOX_URL, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET):
        raise ConfigurationError(
            f"no Genesys Cloud credentials, and no sandbox org answers on {SANDBOX_URL}: start "
            "one with `routingkit sandbox serve` (it is never started implicitly), or set "
            "GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION"
        )
    auth = ClientCredentials(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, SANDBOX_URL)
    return GenesysClient(SANDBOX_URL, auth, **client_options)
