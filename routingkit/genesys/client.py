"""The HTTP layer: one place that sends requests to an org, with retries, pacing and errors.

Retries (with tenacity: jittered exponential backoff, honouring Retry-After) cover 500, 502,
503, 504 and network failures for idempotent requests (GET, PUT, DELETE and POST queries that
change nothing), and 429 for every request (it was refused before any work was done). A POST
that creates is never re-sent blindly after a network failure; the resource layer checks
whether it landed first. A Retry-After beyond ``max_retry_after``
(default 180 s, the platform's daily caps) fails at once with ``RateLimitedError``.

Every call has an overall ``deadline`` (default 120 s, set on the client or per call): each
attempt's timeout is cut to what is left of it, and a retry wait or pacing wait that would end
past it is not started. The call then fails with ``DeadlineExceededError`` (a
``TransportError``) saying how long it waited, for which call, and what to check. Retry waits
are logged at INFO on the ``routingkit.genesys`` logger (what failed, how long the wait is).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    wait_random_exponential,
)

from .analytics import AnalyticsApi
from .audits import AuditsApi
from .errors import (
    ApiError,
    DeadlineExceededError,
    RateLimitedError,
    TransportError,
    error_for_status,
)
from .organization import OrganizationApi
from .pacing import Pacer, PacingTooLong
from .people import PeopleApi
from .queues import QueuesApi
from .teams import SkillGroupsApi, TeamsApi
from .utilization import UtilizationApi
from .wfm import WfmApi

log = logging.getLogger("routingkit.genesys")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "routingkit"
DEFAULT_DEADLINE = 120.0  # seconds for one call, all attempts and waits included


class _Retryable(Exception):
    def __init__(self, error: ApiError | TransportError, retry_after: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class _Call:
    """One API call against its deadline: when it started, what it last saw."""

    def __init__(self, method: str, path: str, deadline: float) -> None:
        self.method = method
        self.path = path
        self.deadline = deadline
        self.started = time.monotonic()
        self.attempts = 0
        self.last_error: str | None = None

    def left(self) -> float:
        return self.deadline - (time.monotonic() - self.started)

    def waited(self) -> float:
        return time.monotonic() - self.started

    def expired(self, api_url: str, reason: str) -> DeadlineExceededError:
        waited = self.waited()
        tried = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        last = f"; last problem: {self.last_error}" if self.last_error else ""
        return DeadlineExceededError(
            f"{self.method} {self.path}: gave up after {waited:.1f} s, the call's "
            f"deadline is {self.deadline:g} s ({tried}; {reason}{last}). Check that "
            f"{api_url} is reachable and answering (network, proxy, the Genesys Cloud status "
            "page), or pass a longer deadline= to the call or to the client.",
            method=self.method,
            path=self.path,
            deadline=self.deadline,
            waited=waited,
        )


class GenesysClient:
    """A connection to one Genesys Cloud org (real or sandbox).

    Build it with :func:`routingkit.genesys.connect`. ``request`` returns decoded JSON (or
    ``None`` for empty bodies) and raises the typed errors of :mod:`routingkit.genesys.errors`.
    ``timeout`` bounds one attempt (seconds without progress on connect, read, write);
    ``deadline`` bounds a whole call, retries and waits included (``None``: no bound).
    """

    def __init__(
        self,
        api_url: str,
        auth: httpx.Auth,
        *,
        timeout: float = 60.0,
        deadline: float | None = DEFAULT_DEADLINE,
        max_attempts: int = 6,
        max_retry_after: float = 180.0,
        backoff_max: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        max_connections: int = 8,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.deadline = _checked_deadline(deadline, "the client's deadline")
        self.max_attempts = max_attempts
        self.max_retry_after = max_retry_after
        self.backoff_max = backoff_max
        self.pacer = Pacer(max_wait=max_retry_after)
        self._http = httpx.Client(
            base_url=self.api_url,
            auth=auth,
            timeout=timeout,
            transport=transport,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )
        self.requests_sent = 0
        self.retries = 0
        self._counter_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GenesysClient({self.api_url!r}, auth={self.auth!r})"

    def close(self) -> None:
        self._http.close()

    # --- resource APIs (the only code that knows endpoint paths) ---------------------------

    @cached_property
    def organization(self) -> OrganizationApi:
        return OrganizationApi(self)

    @cached_property
    def queues(self) -> QueuesApi:
        return QueuesApi(self)

    @cached_property
    def people(self) -> PeopleApi:
        return PeopleApi(self)

    @cached_property
    def teams(self) -> TeamsApi:
        return TeamsApi(self)

    @cached_property
    def skill_groups(self) -> SkillGroupsApi:
        return SkillGroupsApi(self)

    @cached_property
    def utilization(self) -> UtilizationApi:
        return UtilizationApi(self)

    @cached_property
    def analytics(self) -> AnalyticsApi:
        return AnalyticsApi(self)

    @cached_property
    def audits(self) -> AuditsApi:
        return AuditsApi(self)

    @cached_property
    def wfm(self) -> WfmApi:
        return WfmApi(self)

    def __enter__(self) -> GenesysClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- requests ---------------------------------------------------------------------------

    def _send_once(self, call: _Call, params: Any, json: Any, idempotent: bool) -> Any:
        method, path = call.method, call.path
        self._pace(call)
        left = call.left()
        if left <= 0:
            raise call.expired(self.api_url, "no time was left for another attempt")
        attempt_timeout = min(self.timeout, left)
        call.attempts += 1
        with self._counter_lock:
            self.requests_sent += 1
        try:
            response = self._http.request(
                method, path, params=params, json=json, timeout=attempt_timeout
            )
        except (httpx.TransportError, httpx.DecodingError) as exc:
            call.last_error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            if call.left() <= 0.0 or (
                isinstance(exc, httpx.TimeoutException) and attempt_timeout < self.timeout
            ):
                raise call.expired(
                    self.api_url, f"the last attempt had {attempt_timeout:.1f} s and got no answer"
                ) from None
            error = TransportError(f"{method} {path}: {type(exc).__name__}: {exc}")
            if idempotent:
                raise _Retryable(error, None) from None
            raise error from None
        except TransportError as exc:  # from the auth flow: the token could not be fetched
            if call.left() <= 0.0 and not isinstance(exc, DeadlineExceededError):
                call.last_error = str(exc)
                raise call.expired(self.api_url, "fetching a token used it up") from None
            raise
        self.pacer.observe(response.headers)
        if response.is_success:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                error = TransportError(f"{method} {path}: the response was not complete JSON")
                if idempotent:
                    raise _Retryable(error, None) from None
                raise error from None
        api_error = self._error(method, path, response)
        if response.status_code in RETRY_STATUSES:
            retry_after = _retry_after(response.headers)
            if retry_after is not None and retry_after > self.max_retry_after:
                raise RateLimitedError(
                    response.status_code,
                    api_error.code,
                    f"the org asks to wait {retry_after:.0f} s, more than the "
                    f"{self.max_retry_after:.0f} s this client waits (a daily cap?); try later",
                    method=method,
                    path=path,
                    correlation_id=api_error.correlation_id,
                    retry_after=retry_after,
                )
            if retry_after is not None:
                self.pacer.hold(retry_after)
            if idempotent or response.status_code == 429:
                # a 429 was refused before any work was done, so any request may repeat
                raise _Retryable(api_error, retry_after)
        raise api_error

    @staticmethod
    def _error(method: str, path: str, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        cls = error_for_status(response.status_code)
        return cls(
            response.status_code,
            str(body.get("code") or response.reason_phrase),
            str(body.get("message") or response.text[:200] or response.reason_phrase),
            method=method,
            path=path,
            correlation_id=response.headers.get("inin-correlation-id") or body.get("contextId"),
            details=body.get("details") or [],
            retry_after=_retry_after(response.headers),
        )

    def _pace(self, call: _Call) -> None:
        """Wait for the pacer's slot, unless that would outlast the call's deadline."""
        try:
            delay = self.pacer.reserve(limit=max(0.0, call.left()))
        except PacingTooLong as refused:
            raise call.expired(
                self.api_url,
                f"the rate-limit pacing asks to wait {refused.delay:.1f} s more, past the deadline",
            ) from None
        if delay >= 1.0:
            log.info(
                "%s %s: pacing for the org's rate limit, waiting %.1f s",
                call.method,
                call.path,
                delay,
            )
        if delay > 0:
            time.sleep(delay)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.retry_after is not None:
            return error.retry_after
        return wait_random_exponential(multiplier=0.25, max=self.backoff_max)(state)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        idempotent: bool | None = None,
        deadline: float | None = None,
    ) -> Any:
        """Send one API call; ``idempotent`` defaults to True for GET, PUT and DELETE.

        ``deadline`` (seconds, default the client's) bounds the call with its retries and
        waits; pass ``math.inf`` for none. Past it: :class:`DeadlineExceededError`.
        """
        if idempotent is None:
            idempotent = method.upper() in ("GET", "PUT", "DELETE", "HEAD")
        limit = _checked_deadline(deadline, "deadline") if deadline is not None else self.deadline
        call = _Call(method, path, math.inf if limit is None else limit)
        stopped_by_deadline = False

        def stop(state: RetryCallState) -> bool:
            nonlocal stopped_by_deadline
            if state.attempt_number >= self.max_attempts:
                return True
            if state.upcoming_sleep >= call.left():
                stopped_by_deadline = True
                return True
            return False

        def note(state: RetryCallState) -> None:
            with self._counter_lock:
                self.retries += 1
            error = state.outcome.exception() if state.outcome else None
            cause = error.error if isinstance(error, _Retryable) else error
            call.last_error = _reason(cause)
            log.info(
                "%s %s: %s; waiting %.1f s before attempt %d of %d (%.0f s of the %g s "
                "deadline left)",
                method,
                path,
                call.last_error,
                state.upcoming_sleep,
                state.attempt_number + 1,
                self.max_attempts,
                call.left(),
                call.deadline,
            )

        retrying = Retrying(
            retry=retry_if_exception(lambda e: isinstance(e, _Retryable)),
            stop=stop,
            wait=self._wait,
            before_sleep=note,
            reraise=True,
        )
        try:
            return retrying(self._send_once, call, params, json, idempotent)
        except _Retryable as exhausted:
            if stopped_by_deadline:
                call.last_error = _reason(exhausted.error)
                wait = (
                    f"the org asked to wait {exhausted.retry_after:.0f} s (Retry-After)"
                    if exhausted.retry_after is not None
                    else "the next retry wait"
                )
                raise call.expired(self.api_url, f"{wait} would end past it") from None
            raise exhausted.error from None

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=_clean(params))

    # --- paging -----------------------------------------------------------------------------

    def paginate(
        self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Page-number listings with totals: every entity, filters carried forward."""
        query = {**_clean(dict(params or {})), "pageSize": page_size}
        number = 1
        while True:
            page = self.request("GET", path, params={**query, "pageNumber": number})
            yield from page.get("entities") or []
            count = page.get("pageCount")
            if (
                not page.get("entities")
                or (count is not None and number >= count)
                or (count is None and not page.get("nextUri"))
            ):
                return
            number += 1

    def paginate_until_empty(
        self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int = 100
    ) -> Iterator[dict[str, Any]]:
        """Listings without totals (queue members): page until an empty page.

        The platform documents no totals here, and a short page is not proof of the last one,
        so this costs one request more than stopping early would.
        """
        query = {**_clean(dict(params or {})), "pageSize": page_size}
        number = 1
        while True:
            page = self.request("GET", path, params={**query, "pageNumber": number})
            entities = page.get("entities") or []
            if not entities:
                return
            yield from entities
            number += 1

    def paginate_cursor(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int = 100,
        cursor_param: str = "after",
    ) -> Iterator[dict[str, Any]]:
        """Cursor listings (skill groups: ``after``; async job results: ``cursor``)."""
        query = {**_clean(dict(params or {})), "pageSize": page_size}
        cursor: str | None = None
        while True:
            page_query = {**query, cursor_param: cursor} if cursor else query
            page = self.request("GET", path, params=page_query)
            yield from page.get("entities") or []
            cursor = page.get("cursor") or _query_value(page.get("nextUri"), cursor_param)
            if not cursor:
                return


def _checked_deadline(seconds: float | None, what: str) -> float | None:
    if seconds is not None and not seconds > 0:
        raise ValueError(
            f"{what} is {seconds!r}; give seconds > 0 (math.inf or, on the client, None for none)"
        )
    return seconds


def _reason(error: BaseException | None) -> str:
    """What went wrong, without repeating the call it went wrong for."""
    if isinstance(error, ApiError):
        return f"{error.status} {error.code}"
    text = str(error)
    return text.split(": ", 1)[1] if ": " in text else text


def _query_value(uri: str | None, name: str) -> str | None:
    if not uri:
        return None
    values = parse_qs(urlparse(uri).query).get(name)
    return values[0] if values else None


def _clean(params: Mapping[str, Any]) -> dict[str, Any]:
    """Drop None; lists become comma-joined, as the platform (and the SDK) expect."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set):
            out[key] = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = value
    return out
