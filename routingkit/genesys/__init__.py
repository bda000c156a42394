"""Everything that speaks HTTP to a Genesys Cloud org (real, or the embedded sandbox).

``connect()`` finds the org; the returned :class:`GenesysClient` sends requests with OAuth,
retries, pacing and typed errors, and offers the resource APIs ``organization``, ``queues``,
``people``, ``utilization``, ``analytics`` and ``audits`` (each in the module of that name).
Resources are pydantic models in ``models``.
"""

from .auth import AccessToken, ClientCredentials
from .client import GenesysClient
from .connect import connect
from .errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    DeadlineExceededError,
    ForbiddenError,
    GenesysError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)
from .regions import REGIONS, Endpoint, resolve_region

__all__ = [
    "REGIONS",
    "AccessToken",
    "ApiError",
    "AuthenticationError",
    "ClientCredentials",
    "ConfigurationError",
    "ConflictError",
    "DeadlineExceededError",
    "Endpoint",
    "ForbiddenError",
    "GenesysClient",
    "GenesysError",
    "NotFoundError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "ValidationError",
    "connect",
    "resolve_region",
]
