"""OAuth for the client: client-credentials tokens as an httpx auth flow, or a fixed token.

The token is cached in memory, renewed shortly before ``expires_in`` runs out and once on a
401, under a lock so that concurrent requests fetch one token between them. The client secret
lives in a private attribute that no ``repr``, log line or exception ever shows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator

import httpx

from .errors import AuthenticationError, TransportError

log = logging.getLogger("routingkit.genesys")


class Secret:
    """A string that never shows itself: repr, str, vars() and pretty-printers see <hidden>."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<hidden>"

    __str__ = __repr__


class ClientCredentials(httpx.Auth):
    """Client-credentials grant against ``login_url`` (``/oauth/token``)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        login_url: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.client_id = client_id
        self._secret = Secret(client_secret)
        self.login_url = login_url.rstrip("/")
        self._timeout = timeout
        self._transport = transport
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, login_url={self.login_url!r})"

    def _fetch(self) -> None:
        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport) as http:
                response = http.post(
                    f"{self.login_url}/oauth/token",
                    auth=(self.client_id, self._secret.reveal()),
                    data={"grant_type": "client_credentials"},
                )
        except httpx.HTTPError as exc:
            raise TransportError(
                f"could not reach {self.login_url}/oauth/token: {type(exc).__name__}"
            ) from None
        if response.status_code != 200:
            try:
                body = response.json()
            except ValueError:
                body = {}
            reason = body.get("error_description") or body.get("error") or response.reason_phrase
            raise AuthenticationError(
                response.status_code,
                str(body.get("error", "authentication.failed")),
                f"the OAuth client {self.client_id!r} was refused by {self.login_url} ({reason}); "
                "check GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET and "
                "GENESYSCLOUD_REGION",
                method="POST",
                path="/oauth/token",
            )
        body = response.json()
        expires_in = float(body.get("expires_in", 0) or 0)
        self._token = str(body["access_token"])
        # Renew with a margin: 5 minutes, or a tenth of very short lifetimes.
        margin = min(300.0, expires_in * 0.1)
        self._expires_at = time.monotonic() + expires_in - margin
        self.tokens_fetched += 1
        log.debug("fetched a token for client %s, valid %.0f s", self.client_id, expires_in)

    def token(self, *, stale: str | None = None) -> str:
        """A valid token; ``stale`` is one the API just refused (renew unless already done)."""
        with self._lock:
            expired = self._token is None or time.monotonic() >= self._expires_at
            if expired or (stale is not None and stale == self._token):
                self._fetch()
            assert self._token is not None
            return self._token

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.token(stale=token)}"
            yield request


class AccessToken(httpx.Auth):
    """A token obtained elsewhere (``GENESYSCLOUD_ACCESS_TOKEN``); it cannot be renewed."""

    def __init__(self, token: str) -> None:
        self._token = Secret(token)

    def __repr__(self) -> str:
        return "AccessToken(<hidden>)"

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request
