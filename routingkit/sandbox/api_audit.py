"""POST /api/v2/audits/query/realtime: the change log of everything done through the sandbox."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import ApiError
from .web import json_body, ok, sandbox

_FILTER_COLUMNS = {
    "EntityType": "entity_type",
    "EntityId": "entity_id",
    "Action": "action",
    "UserId": "user_id",
}
REALTIME_DAYS = 14


def _parse_interval(value: Any) -> tuple[int, int]:
    if not isinstance(value, str) or "/" not in value:
        raise ApiError(
            400,
            "interval is required as start/end in ISO-8601, e.g. "
            "2026-11-01T00:00:00Z/2026-11-08T00:00:00Z",
        )
    try:
        start, end = (dt.datetime.fromisoformat(p.replace("Z", "+00:00")) for p in value.split("/"))
    except ValueError:
        raise ApiError(400, f"interval {value!r} is not start/end in ISO-8601") from None
    if start.tzinfo is None or end.tzinfo is None:
        raise ApiError(400, "interval instants need a time zone offset or Z")
    if end <= start:
        raise ApiError(400, "interval end must be after its start")
    if end - start > dt.timedelta(days=REALTIME_DAYS):
        raise ApiError(
            400,
            f"interval spans more than {REALTIME_DAYS} days; the realtime audit "
            "query covers 14 days: use POST /api/v2/audits/query for longer",
        )
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


async def query_realtime(request: Request) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise ApiError(400, "The audit query must be a JSON object")
    start, end = _parse_interval(body.get("interval"))
    service = body.get("serviceName")
    if not service:
        raise ApiError(400, 'serviceName is required, e.g. "Routing"')
    sql = "SELECT body FROM audits WHERE event_ms >= ? AND event_ms < ? AND service = ?"
    params: list[Any] = [start, end, service]
    filters = body.get("filters") or []
    if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
        raise ApiError(400, 'filters must be a list of {"property": ..., "value": ...}')
    for f in filters:
        column = _FILTER_COLUMNS.get(f.get("property"))
        if column is None:
            raise ApiError(
                400,
                f"filter property {f.get('property')!r} is not supported; use "
                f"{', '.join(_FILTER_COLUMNS)}",
            )
        sql += f" AND {column} = ?"
        params.append(f.get("value"))
    sort = body.get("sort") or []
    if not isinstance(sort, list) or not all(isinstance(s, dict) for s in sort):
        raise ApiError(400, 'sort must be a list of {"name": "Timestamp", "sortOrder": ...}')
    descending = any(s.get("sortOrder") == "descending" for s in sort)
    sql += " ORDER BY seq DESC" if descending else " ORDER BY seq"
    try:
        size = int(body.get("pageSize") or 25)
        number = int(body.get("pageNumber") or 1)
    except (TypeError, ValueError):
        raise ApiError(400, "pageSize and pageNumber must be whole numbers") from None
    if not 1 <= size <= 500 or number < 1:
        raise ApiError(400, f"pageSize must be 1..500 and pageNumber >= 1 (got {size}, {number})")
    rows = sandbox(request).store.read().execute(sql, params).fetchall()
    page = rows[(number - 1) * size : number * size]
    return ok(
        {
            "entities": [json.loads(r["body"]) for r in page],
            "pageSize": size,
            "pageNumber": number,
            "total": len(rows),
            "pageCount": max(1, -(-len(rows) // size)),
        }
    )


routes = [Route("/api/v2/audits/query/realtime", query_realtime, methods=["POST"])]
