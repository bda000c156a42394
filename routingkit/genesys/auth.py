"""OAuth for the client: client-credentials tokens as an httpx auth flow, or a fixed token.

The token is cached in memory, renewed shortly before ``expires_in`` runs out and once on a
401, under a lock so that concurrent requests fetch one token between them. The client secret
and the token live in :class:`Secret` attributes that no ``repr``, ``vars()``, log line or
exception ever shows. A token endpoint answering something other than a token (an HTML page
from a wrong host or a captive portal, JSON without ``access_token``...) raises
``ConfigurationError``; a refusal raises ``AuthenticationError``.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections.abc import Generator

import httpx

from .errors import AuthenticationError, ConfigurationError, TransportError

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
    """Client-credentials grant against ``login_url`` (``/oauth/token``).

    The client secret and the bearer token are both held as :class:`Secret`, so ``repr``,
    ``vars()`` and notebook displays of this object show neither.
    """

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
        self._token: Secret | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.tokens_fetched = 0

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, login_url={self.login_url!r})"

    @property
    def token_url(self) -> str:
        return f"{self.login_url}/oauth/token"

    def _fetch(self, timeout: float) -> None:
        try:
            with httpx.Client(timeout=timeout, transport=self._transport) as http:
                response = http.post(
                    self.token_url,
                    auth=(self.client_id, self._secret.reveal()),
                    data={"grant_type": "client_credentials"},
                )
        except httpx.HTTPError as exc:
            raise TransportError(
                f"could not reach {self.token_url}: {type(exc).__name__}; check "
                "GENESYSCLOUD_REGION and that this machine can reach the login host "
                "(network, HTTPS proxy)"
            ) from None
        if response.status_code != 200:
            raise self._refused(response)
        token, expires_in = _read_token_answer(response, self.token_url)
        self._token = Secret(token)
        # Renew with a margin: 5 minutes, or a tenth of very short lifetimes.
        margin = min(300.0, expires_in * 0.1)
        self._expires_at = time.monotonic() + expires_in - margin
        self.tokens_fetched += 1
        log.debug("fetched a token for client %s, valid %.0f s", self.client_id, expires_in)

    def _refused(self, response: httpx.Response) -> AuthenticationError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and (body.get("error") or body.get("error_description")):
            reason = str(body.get("error_description") or body.get("error"))
            code = str(body.get("error") or "authentication.failed")
            check = (
                "check GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET and "
                "GENESYSCLOUD_REGION"
            )
        else:  # not an OAuth error: another server (wrong region, proxy) answered
            reason = f"{response.reason_phrase}, {_content_type(response)}, not an OAuth error"
            code = "authentication.failed"
            check = (
                "check GENESYSCLOUD_REGION (the login host must be Genesys Cloud's) and any "
                "HTTPS proxy, then GENESYSCLOUD_OAUTHCLIENT_ID and GENESYSCLOUD_OAUTHCLIENT_SECRET"
            )
        return AuthenticationError(
            response.status_code,
            code,
            f"the OAuth client {self.client_id!r} was refused by {self.token_url} ({reason}); "
            f"{check}",
            method="POST",
            path="/oauth/token",
        )

    def token(self, *, stale: str | None = None, timeout: float | None = None) -> str:
        """A valid token; ``stale`` is one the API just refused (renew unless already done).

        ``timeout`` (seconds) bounds a fetch, when one is needed, below the configured one.
        """
        with self._lock:
            expired = self._token is None or time.monotonic() >= self._expires_at
            if expired or (
                stale is not None and self._token is not None and stale == self._token.reveal()
            ):
                limit = self._timeout if timeout is None else min(self._timeout, timeout)
                self._fetch(limit)
            assert self._token is not None
            return self._token.reveal()

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        # A token fetch stays within the timeout of the request it serves (the client cuts that
        # to what is left of the call's deadline).
        timeout = _request_timeout(request)
        token = self.token(timeout=timeout)
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {self.token(stale=token, timeout=timeout)}"
            yield request


def _request_timeout(request: httpx.Request) -> float | None:
    """The longest of a request's httpx timeouts (connect, read, write, pool), if any."""
    settings = request.extensions.get("timeout")
    if not isinstance(settings, dict):
        return None
    values = [float(v) for v in settings.values() if isinstance(v, int | float)]
    return max(values) if values else None


def _content_type(response: httpx.Response) -> str:
    value = str(response.headers.get("content-type") or "no content type")
    return value.split(";")[0].strip()


def _read_token_answer(response: httpx.Response, token_url: str) -> tuple[str, float]:
    """``(access_token, expires_in)`` from a 200 answer, or ConfigurationError saying why not.

    A 200 that is not a token answer comes from something other than Genesys Cloud's login
    host: a wrong region or login URL, a captive portal or an intercepting proxy. The messages
    name fields and types, never values (the answer may hold a token).
    """
    check = (
        "check GENESYSCLOUD_REGION (the login host must be Genesys Cloud's, e.g. "
        "login.mypurecloud.ie) and any HTTPS proxy or captive portal between here and it"
    )
    try:
        body = response.json()
    except ValueError:
        raise ConfigurationError(
            f"{token_url} answered 200 with {_content_type(response)}, not an OAuth token in "
            f"JSON; {check}"
        ) from None
    if not isinstance(body, dict):
        raise ConfigurationError(
            f"{token_url} answered 200 with a JSON {type(body).__name__}, not an OAuth token "
            f"object; {check}"
        )
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        keys = ", ".join(sorted(str(k) for k in body)) or "none"
        raise ConfigurationError(
            f"{token_url} answered 200 without an access_token (fields: {keys}); {check}"
        )
    raw = body.get("expires_in", 0) or 0
    expires_in = math.nan
    if isinstance(raw, int | float | str) and not isinstance(raw, bool):
        with contextlib.suppress(ValueError):
            expires_in = float(raw)
    if not math.isfinite(expires_in) or expires_in < 0:
        raise ConfigurationError(
            f"{token_url} answered expires_in={str(raw)[:40]!r} ({type(raw).__name__}), not a "
            f"number of seconds; {check}"
        )
    return token, expires_in


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
