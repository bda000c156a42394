"""Genesys-shaped error responses."""

from __future__ import annotations

from typing import Any

# status -> default Genesys error code
DEFAULT_CODES = {
    400: "bad.request",
    401: "authentication.required",
    403: "missing.permissions",
    404: "not.found",
    405: "method.not.allowed",
    408: "request.timeout",
    409: "general.conflict",
    413: "request.entity.too.large",
    415: "unsupported.media.type",
    422: "payload.or.params.invalid",
    429: "too.many.requests.retry.after",
    500: "internal.server.error",
    503: "service.unavailable",
    504: "request.timeout",
}


class ApiError(Exception):
    """Raised by handlers; rendered as the Genesys error body with the request's contextId."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or DEFAULT_CODES.get(status, "bad.request")
        self.details = details or []
        self.headers = headers or {}


def error_body(
    status: int,
    code: str,
    message: str,
    context_id: str,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "message": message,
        "code": code,
        "status": status,
        "messageWithParams": message,
        "messageParams": {},
        "contextId": context_id,
        "details": details or [],
        "errors": [],
    }


def field_path(parts: list[str | int]) -> str:
    """``["mediaSettings", "call", 3]`` -> ``mediaSettings.call[3]``; the whole body is ``body``."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text or "body"


def bad_request(message: str, field: str | None = None) -> ApiError:
    details = (
        [{"errorCode": "invalid.value", "fieldName": field, "entityName": message}] if field else []
    )
    return ApiError(400, message, "bad.request", details=details)


def not_found(what: str, entity_id: str) -> ApiError:
    return ApiError(404, f"{what} {entity_id} not found", "not.found")
