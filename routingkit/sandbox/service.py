"""The sandbox org as a service: state, audit trail and the ASGI application."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute

from ..vocabulary.audit import AuditAction, AuditEntityType
from ..vocabulary.queue_fields import READ_ONLY_QUEUE_FIELDS
from .analytics_table import IntervalTableCache
from .config import SandboxConfig
from .errors import ApiError, error_body
from .gateway import FaultInjector, Gateway, RateLimiter, TokenIssuer
from .org import OrgSpec, build_org
from .seed import extend_history, is_seeded, seed_org, upgrade_member_groups
from .store import Store
from .web import now_iso


class Sandbox:
    """One sandbox org: its database, tokens, rate limiter and fault injector."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = Store(config.db_path)
        self.analytics = IntervalTableCache()  # the stored history, in memory for analytics
        self.tokens = TokenIssuer(config)
        self.limiter = RateLimiter(config.rate_limit_per_minute, config.rate_window_seconds)
        self.faults = FaultInjector(config.fault_seed, config.faults)
        self.org: OrgSpec = build_org(self._stored_seed(), config.time_zone)
        self._ensure_seeded()

    def _stored_seed(self) -> int:
        stored = self.store.get_meta("seed")
        return int(stored) if stored is not None else self.config.seed

    def today(self) -> dt.date:
        if self.config.today is not None:
            return self.config.today
        return dt.datetime.now(ZoneInfo(self.org.time_zone)).date()

    def _ensure_seeded(self) -> None:
        if not is_seeded(self.store.read()):
            seed_org(self.store, self.org, self.today(), self.config.days)
        else:
            upgrade_member_groups(self.store, self.org)
            # The calendar moved on since the last start: simulate the missing days.
            extend_history(self.store, self.org, self.today())

    def ground_truth(self) -> dict[str, Any]:
        return json.loads(self.store.get_meta("ground_truth") or "{}")  # type: ignore[no-any-return]

    # --- audit ------------------------------------------------------------------------------

    def audit(
        self,
        db: sqlite3.Connection,
        request: Request,
        *,
        entity_type: AuditEntityType,
        entity_id: str,
        entity_name: str | None,
        action: AuditAction,
        changes: list[dict[str, Any]],
        service: str = "Routing",
    ) -> None:
        client_id = request.scope.get("state", {}).get("client_id", "")
        entry: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "userHomeOrgId": self.org.division_id,
            "user": {
                "id": actor_id(client_id),
                "name": f"OAuth client {client_id}",
                "selfUri": f"/api/v2/users/{actor_id(client_id)}",
            },
            "client": {"id": client_id, "selfUri": f"/api/v2/oauth/clients/{client_id}"},
            "remoteIp": [request.client.host if request.client else "127.0.0.1"],
            "serviceName": service,
            "level": "USER",
            "eventDate": now_iso(),
            "action": action,
            "entity": {"id": entity_id, "name": entity_name} if entity_name else {"id": entity_id},
            "entityType": entity_type,
            "status": "SUCCESS",
            "application": "routingkit-sandbox",
            "transactionInitiator": True,
            "propertyChanges": changes,
            "context": {"correlationId": request.scope.get("state", {}).get("correlation_id", "")},
        }
        db.execute(
            "INSERT INTO audits (id, event_ms, service, entity_type, entity_id, action, user_id, "
            "body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry["id"],
                int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000),
                service,
                entity_type,
                entity_id,
                action,
                entry["user"]["id"],
                json.dumps(entry),
            ),
        )


def actor_id(client_id: str) -> str:
    """A stable user id standing for the OAuth client that made a change."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"routingkit-sandbox/client/{client_id}"))


def property_changes(
    old: dict[str, Any] | None, new: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Top-level properties that differ, with JSON-encoded old and new values (the fields the
    platform owns left out)."""
    old = old or {}
    new = new or {}
    changes = []
    for key in sorted(set(old) | set(new)):
        if key in READ_ONLY_QUEUE_FIELDS or old.get(key) == new.get(key):
            continue
        change: dict[str, Any] = {"property": key, "oldValues": [], "newValues": []}
        if key in old:
            change["oldValues"] = [json.dumps(old[key], sort_keys=True)]
        if key in new:
            change["newValues"] = [json.dumps(new[key], sort_keys=True)]
        changes.append(change)
    return changes


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    context = request.scope.get("state", {}).get("correlation_id", str(uuid.uuid4()))
    return JSONResponse(
        error_body(exc.status, exc.code, exc.message, context, exc.details),
        status_code=exc.status,
        headers=exc.headers,
    )


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    context = request.scope.get("state", {}).get("correlation_id", str(uuid.uuid4()))
    status = getattr(exc, "status_code", 404)
    code = "method.not.allowed" if status == 405 else "not.found"
    message = (
        f"{request.method} is not supported on {request.url.path}"
        if status == 405
        else f"No resource at {request.url.path}"
    )
    return JSONResponse(error_body(status, code, message, context), status_code=status)


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    context = request.scope.get("state", {}).get("correlation_id", str(uuid.uuid4()))
    return JSONResponse(
        error_body(
            500, "internal.server.error", "The sandbox failed to handle the request", context
        ),
        status_code=500,
    )


def create_app(sandbox: Sandbox) -> Gateway:
    """The ASGI application: the gateway in front of every endpoint module's routes."""
    # Imported here: the endpoint modules import this one (Sandbox, property_changes).
    from . import (
        api_admin,
        api_analytics,
        api_analytics_users,
        api_audit,
        api_member_groups,
        api_org,
        api_people,
        api_routing,
        api_wfm,
        api_wfm_schedules,
    )

    routes: list[BaseRoute] = [
        *api_routing.routes,
        *api_people.routes,
        *api_member_groups.routes,
        *api_analytics.routes,
        *api_analytics_users.routes,
        *api_org.routes,
        *api_audit.routes,
        *api_admin.routes,
        *api_wfm.routes,
        *api_wfm_schedules.routes,
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error,
            404: _not_found,
            405: _not_found,
            500: _server_error,
        },
    )
    app.state.sandbox = sandbox
    api_analytics.warm(sandbox.analytics, sandbox.store)
    return Gateway(app, sandbox.config, sandbox.tokens, sandbox.limiter, sandbox.faults)
