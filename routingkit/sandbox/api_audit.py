"""POST /api/v2/audits/query/realtime: the change log of everything done through the sandbox."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import bad_request
from .listing import MAX_PAGE_NUMBER, Listing, Page, body_of, listing_body
from .schemas import AuditQueryBody, validated
from .web import in_supported_range, json_body, ok, sandbox

_FILTER_COLUMNS = {
    "EntityType": "entity_type",
    "EntityId": "entity_id",
    "Action": "action",
    "UserId": "user_id",
}
REALTIME_DAYS = 14
MAX_PAGE_SIZE = 500


def _parse_interval(value: str) -> tuple[int, int]:
    example = "2026-11-01T00:00:00Z/2026-11-08T00:00:00Z"
    if "/" not in value:
        raise bad_request(
            f"interval is required as start/end in ISO-8601, e.g. {example}", "interval"
        )
    try:
        start, end = (dt.datetime.fromisoformat(p.replace("Z", "+00:00")) for p in value.split("/"))
    except ValueError:
        raise bad_request(
            f"interval {value[:100]!r} is not start/end in ISO-8601, e.g. {example}", "interval"
        ) from None
    if start.tzinfo is None or end.tzinfo is None:
        raise bad_request("interval instants need a time zone offset or Z", "interval")
    in_supported_range(start, end, "interval")
    if end <= start:
        raise bad_request("interval end must be after its start", "interval")
    if end - start > dt.timedelta(days=REALTIME_DAYS):
        raise bad_request(
            f"interval spans more than {REALTIME_DAYS} days; the realtime audit "
            "query covers 14 days: use POST /api/v2/audits/query for longer",
            "interval",
        )
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


async def query_realtime(request: Request) -> Response:
    query = validated(AuditQueryBody, await json_body(request), "audit query")
    start, end = _parse_interval(query.interval)
    if not query.service_name:
        raise bad_request('serviceName is required, e.g. "Routing"', "serviceName")
    if not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise bad_request(f"pageSize must be 1..{MAX_PAGE_SIZE}, got {query.page_size}", "pageSize")
    if not 1 <= query.page_number <= MAX_PAGE_NUMBER:
        raise bad_request(
            f"pageNumber must be 1..{MAX_PAGE_NUMBER}, got {query.page_number}", "pageNumber"
        )
    listing = (
        Listing("body", "audits", ("seq",))
        .where("event_ms >= ?", start)
        .where("event_ms < ?", end)
        .where("service = ?", query.service_name)
    )
    for f in query.filters:
        listing = listing.where(f"{_FILTER_COLUMNS[f.property_]} = ?", f.value)
    descending = any(s.sort_order == "descending" for s in query.sort)
    page = Page(query.page_size, query.page_number, descending)
    db = sandbox(request).store.read()
    body = listing_body(
        request, page, [body_of(r) for r in listing.rows(db, page)], listing.total(db)
    )
    return ok({k: body[k] for k in ("entities", "pageSize", "pageNumber", "total", "pageCount")})


routes = [Route("/api/v2/audits/query/realtime", query_realtime, methods=["POST"])]
