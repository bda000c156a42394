"""One exception tree for everything that can go wrong talking to an org.

Catch ``GenesysError`` for all of them, ``ApiError`` for answers with an HTTP error status (and
its subclasses for the ones worth telling apart), ``TransportError`` for the network (and its
``DeadlineExceededError`` when a call ran out of time), ``ConfigurationError`` for credentials,
regions and login URLs that cannot work.
"""

from __future__ import annotations

from typing import Any


class GenesysError(Exception):
    """Base of every routingkit.genesys error."""


class ConfigurationError(GenesysError, ValueError):
    """Credentials or region missing or malformed, or the login URL is not a token endpoint.

    Also a ``ValueError``: a bad region spelling was one before this tree existed.
    """


class TransportError(GenesysError):
    """The request did not get an HTTP answer (connection refused, reset, timed out)."""


class DeadlineExceededError(TransportError):
    """A call (all its attempts, retry waits and pacing) ran out of its overall deadline.

    ``method``, ``path``, ``deadline`` (seconds allowed) and ``waited`` (seconds spent) are kept.
    """

    def __init__(
        self, message: str, *, method: str, path: str, deadline: float, waited: float
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.deadline = deadline
        self.waited = waited


class ApiError(GenesysError):
    """The org answered with an error status.

    ``status``, the Genesys ``code``, its ``message``, ``correlation_id`` (quote it to Genesys
    support) and ``details`` (field-level problems) are kept.
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        method: str = "",
        path: str = "",
        correlation_id: str | None = None,
        details: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        self.correlation_id = correlation_id
        self.details = details or []
        self.retry_after = retry_after
        where = f"{method} {path}: " if method else ""
        ref = f" [correlation id {correlation_id}]" if correlation_id else ""
        super().__init__(f"{where}{status} {code}: {message}{ref}")


class AuthenticationError(ApiError):
    """401, or the token endpoint refused the client credentials."""


class ForbiddenError(ApiError):
    """403: the OAuth client lacks a permission or division access."""


class NotFoundError(ApiError):
    """404."""


class ValidationError(ApiError):
    """400 or 422: the request was malformed; ``details`` names the fields."""


class ConflictError(ApiError):
    """409: a name clash or a stale version."""


class RateLimitedError(ApiError):
    """429 that outlived the retries, or whose Retry-After exceeded the cap."""


class ServerError(ApiError):
    """5xx that outlived the retries."""


def error_for_status(status: int) -> type[ApiError]:
    if status == 401:
        return AuthenticationError
    if status == 403:
        return ForbiddenError
    if status == 404:
        return NotFoundError
    if status in (400, 413, 422):
        return ValidationError
    if status == 409:
        return ConflictError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return ApiError
