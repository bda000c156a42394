"""Request and response helpers shared by the sandbox's endpoint modules."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .errors import bad_request, not_found
from .request_body import read_json

if TYPE_CHECKING:
    from .service import Sandbox


def sandbox(request: Request) -> Sandbox:
    return request.app.state.sandbox  # type: ignore[no-any-return]


def now_iso() -> str:
    return iso(dt.datetime.now(dt.timezone.utc))


def iso(moment: dt.datetime) -> str:
    """The platform's timestamp format: UTC, milliseconds, Z."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def drop_nulls(value: Any) -> Any:
    """The SDK crashes on null enum values, and the platform omits nulls: so do we."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def ok(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(drop_nulls(body), status_code=status)


def no_content() -> Response:
    return Response(status_code=204)


async def json_body(request: Request, *, allow_empty: bool = False) -> Any:
    """The request's JSON body, read first and bounded: see :mod:`.request_body`."""
    return await read_json(request, allow_empty=allow_empty)


# Years an interval's instants may fall in. Day arithmetic near year 9999 overflows Python's
# datetime, and the sandbox holds nothing before 1970; the platform's own range is unconfirmed.
SUPPORTED_YEARS = range(1970, 9000)


def in_supported_range(start: dt.datetime, end: dt.datetime, field: str) -> None:
    """400 naming ``field`` unless both instants lie in :data:`SUPPORTED_YEARS`."""
    for moment in (start, end):
        if moment.year not in SUPPORTED_YEARS:
            raise bad_request(
                f"{field}: {moment.isoformat()} is outside the years the sandbox accepts "
                f"({SUPPORTED_YEARS.start} to {SUPPORTED_YEARS.stop - 1})",
                field,
            )


def query_list(request: Request, name: str) -> list[str]:
    """A list query parameter: repeated, ``name[]`` style, or comma-joined (the SDK's way)."""
    values: list[str] = []
    for key in (name, f"{name}[]"):
        for raw in request.query_params.getlist(key):
            values.extend(v for v in raw.split(",") if v)
    return values


def query_int(request: Request, name: str, default: int, *, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(
            f"Query parameter {name} must be an integer, got {raw[:40]!r}", name
        ) from None
    if not low <= value <= high:
        raise bad_request(
            f"Query parameter {name} must be between {low} and {high}, got {raw[:40]}", name
        )
    return value


def query_bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise bad_request(f"Query parameter {name} must be true or false, got {raw[:40]!r}", name)


def entity_or_404(request: Request, kind: str, label: str, param: str) -> dict[str, Any]:
    """The stored entity named by path parameter ``param``, or the platform's 404."""
    entity_id = request.path_params[param]
    entity = sandbox(request).store.get(kind, entity_id)
    if entity is None:
        raise not_found(label, entity_id)
    return entity
