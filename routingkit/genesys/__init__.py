"""Everything that speaks HTTP to a Genesys Cloud org (real, or the embedded sandbox).

``connect()`` finds the org the arguments, the environment or a profile name (never a sandbox
unless asked: ``connect(sandbox=True)``); the returned :class:`GenesysClient` sends requests
with OAuth, retries, pacing and typed errors, and offers the resource APIs ``organization``,
``queues``, ``people``, ``teams``, ``skill_groups``, ``utilization``, ``analytics`` and
``audits`` (each in the module of that name; teams and skill groups in ``teams``). Resources are
pydantic models in ``models``; the names the platform defines are in ``routingkit.vocabulary``.
"""

from .auth import AccessToken, ClientCredentials
from .client import GenesysClient
from .connect import connect, has_credentials
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
    "has_credentials",
    "resolve_region",
]
