"""Request and response helpers shared by the sandbox's endpoint modules."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..genesys.models import enum_violations
from .errors import ApiError

if TYPE_CHECKING:
    from .service import Sandbox

M = TypeVar("M", bound=BaseModel)


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
    raw = await request.body()
    if not raw.strip() or raw.strip() == b"null":
        if allow_empty:
            return None
        raise ApiError(400, "The request body is missing; send a JSON document", "bad.request")
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc.msg} at {exc.pos}") from None


def parse_model(model: type[M], data: Any, what: str) -> M:
    """Validate a body against a resource model; a type or enum error becomes a 400."""
    if not isinstance(data, dict):
        raise ApiError(400, f"The {what} must be a JSON object")
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        details = [
            {
                "errorCode": "invalid.value",
                "fieldName": ".".join(str(p) for p in e["loc"]),
                "entityName": e["msg"],
            }
            for e in exc.errors()
        ]
        raise ApiError(
            400,
            f"Invalid value for {what} field {field}: {first['msg']}",
            "bad.request",
            details=details,
        ) from None
    unknown = enum_violations(parsed)
    if unknown:
        field, value, allowed = unknown[0]
        raise ApiError(
            400,
            f"Invalid value for {what} field {field}: {value!r} is not one of {', '.join(allowed)}",
            "bad.request",
            details=[
                {"errorCode": "invalid.value", "fieldName": f, "entityName": v}
                for f, v, _ in unknown
            ],
        )
    return parsed


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
        raise ApiError(400, f"Query parameter {name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ApiError(400, f"Query parameter {name} must be between {low} and {high}, got {value}")
    return value


def query_bool(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise ApiError(400, f"Query parameter {name} must be true or false, got {raw!r}")


def wildcard_match(pattern: str, name: str) -> bool:
    """Genesys ``name`` filters: ``*`` wildcards, case-insensitive; no wildcard = exact."""
    import fnmatch

    return fnmatch.fnmatchcase(name.lower(), pattern.lower().replace("[", "[[]"))


def paged(
    request: Request,
    items: list[Any],
    *,
    max_page_size: int = 500,
    default_page_size: int = 25,
    totals: bool = True,
    render: Callable[[Any], Any] = lambda x: x,
) -> dict[str, Any]:
    """The page-number listing shape, with firstUri/nextUri/... carrying the filters forward."""
    size = query_int(request, "pageSize", default_page_size, low=1, high=max_page_size)
    number = query_int(request, "pageNumber", 1, low=1, high=10**9)
    start = (number - 1) * size
    page = items[start : start + size]
    other = [
        (k, v) for k, v in request.query_params.multi_items() if k not in ("pageSize", "pageNumber")
    ]

    def uri(n: int) -> str:
        return f"{request.url.path}?{urlencode([('pageSize', size), ('pageNumber', n), *other])}"

    page_count = max(1, -(-len(items) // size))
    body: dict[str, Any] = {
        "entities": [render(x) for x in page],
        "pageSize": size,
        "pageNumber": number,
        "firstUri": uri(1),
        "selfUri": uri(number),
    }
    if totals:
        body.update(total=len(items), pageCount=page_count, lastUri=uri(page_count))
        if number < page_count:
            body["nextUri"] = uri(number + 1)
    elif len(page) == size:  # without totals, a full page may have a successor
        body["nextUri"] = uri(number + 1)
    if number > 1:
        body["previousUri"] = uri(number - 1)
    return body


def ids_in(values: Iterable[dict[str, Any]]) -> list[str]:
    return [v["id"] for v in values if isinstance(v, dict) and v.get("id")]


def filter_named(request: Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``name`` (wildcards) and ``id`` (list) filters the listing endpoints share."""
    name = request.query_params.get("name")
    if name:
        items = [i for i in items if wildcard_match(name, i.get("name") or "")]
    ids = query_list(request, "id")
    if ids:
        wanted = set(ids)
        items = [i for i in items if i["id"] in wanted]
    return items


def entity_or_404(request: Request, kind: str, label: str, param: str) -> dict[str, Any]:
    """The stored entity named by path parameter ``param``, or the platform's 404."""
    from .errors import not_found

    entity_id = request.path_params[param]
    entity = sandbox(request).store.get(kind, entity_id)
    if entity is None:
        raise not_found(label, entity_id)
    return entity
