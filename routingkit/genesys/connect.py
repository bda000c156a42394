"""Finding an org to talk to: arguments, environment, the official CLI's profile, or a sandbox.

Order: explicit arguments; ``GENESYSCLOUD_OAUTHCLIENT_ID`` / ``_SECRET`` / ``GENESYSCLOUD_REGION``
(or ``GENESYSCLOUD_ACCESS_TOKEN``); a profile in ``~/.gc/config.toml``; else the local sandbox
org, one already running on 127.0.0.1:8765 or one started in the background.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from .auth import AccessToken, ClientCredentials
from .client import GenesysClient
from .errors import ConfigurationError
from .regions import resolve_region

log = logging.getLogger("routingkit.genesys")

# What `routingkit sandbox serve` uses unless told otherwise.
SANDBOX_URL = "http://127.0.0.1:8765"
SANDBOX_CLIENT_ID = "routingkit-sandbox"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # the local sandbox's public default


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "routingkit"


def _state_file() -> Path:
    """Where the background sandbox's URL is kept, so later connects find it again."""
    return _cache_dir() / "sandbox.url"


def start_background_sandbox(*, timeout: float = 120.0) -> str:
    """Start ``routingkit sandbox serve`` as a detached process; return its URL when ready.

    It keeps running after this Python process ends, and its URL is written to the cache
    directory, so every later ``connect()`` (other notebooks, other kernels) reuses it instead
    of starting another. It is a plain process: stop it with your OS's tools, its log is
    ``sandbox.log`` beside the URL file.
    """
    port = 8765 if _port_free(8765) else _free_port()
    url = f"http://127.0.0.1:{port}"
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / "sandbox.log", "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "routingkit.cli", "sandbox", "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while not _token_works(url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET):
        if proc.poll() is not None:
            raise ConfigurationError(
                f"the sandbox org exited during start-up (code {proc.returncode}); "
                f"see {cache / 'sandbox.log'}"
            )
        if time.monotonic() > deadline:
            proc.kill()
            raise ConfigurationError(
                f"the sandbox org did not start within {timeout:.0f} s; see {cache / 'sandbox.log'}"
            )
        time.sleep(0.2)
    tmp = _state_file().with_suffix(".tmp")
    tmp.write_text(f"{url}\n{proc.pid}\n")
    os.replace(tmp, _state_file())
    return url


def running_sandbox_url() -> str | None:
    """The URL of a sandbox org already running here (the one we started, or on 8765)."""
    candidates = []
    with contextlib.suppress(OSError, IndexError):
        candidates.append(_state_file().read_text().split()[0])
    candidates.append(SANDBOX_URL)
    for url in candidates:
        if url and _token_works(url, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET):
            return url
    return None


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def connect(
    client_id: str | None = None,
    client_secret: str | None = None,
    region: str | None = None,
    *,
    access_token: str | None = None,
    profile: str | None = None,
    sandbox: bool = True,
    **client_options: Any,
) -> GenesysClient:
    """A client for the first org found (see the module docstring for the order).

    ``sandbox=False`` refuses the sandbox fallback (for jobs that must hit a real org).
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
        raise ConfigurationError(
            "no Genesys Cloud credentials: set GENESYSCLOUD_OAUTHCLIENT_ID, "
            "GENESYSCLOUD_OAUTHCLIENT_SECRET and GENESYSCLOUD_REGION, or add a profile to "
            "~/.gc/config.toml"
        )
    url = running_sandbox_url()
    if url is None:
        log.info("no sandbox org running; starting one in the background")
        url = start_background_sandbox()
    auth = ClientCredentials(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, url)
    return GenesysClient(url, auth, **client_options)
