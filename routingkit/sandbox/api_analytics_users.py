"""``POST /api/v2/analytics/users/aggregates/query``: agents' time per routing status.

The HTTP layer only: the query and the answer are :mod:`.analytics_users`, the agents' day
:mod:`.wfm_roster` (the same roster the published schedules come from).
"""

from __future__ import annotations

import datetime as dt
import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .analytics_users import parse_user_query, routing_status_answer
from .web import json_body, sandbox
from .wfm_roster import ensure_roster, occupancy

_OCCUPANCY = "analytics_users_occupancy"  # store.cache key


async def post_user_aggregates(request: Request) -> Response:
    query = parse_user_query(await json_body(request))
    box = sandbox(request)
    roster = ensure_roster(box.store, box.org)
    busy = box.store.cache.get(_OCCUPANCY)
    if busy is None:
        busy = box.store.cache[_OCCUPANCY] = occupancy(box.org)
    first = dt.date.fromisoformat(box.store.get_meta("start_date") or box.today().isoformat())
    end = dt.date.fromisoformat(box.store.get_meta("end_date") or first.isoformat())
    answer = routing_status_answer(box.org, roster, busy, (first, end), query)
    return Response(json.dumps(answer, separators=(",", ":")), media_type="application/json")


routes: list[Route] = [
    Route("/api/v2/analytics/users/aggregates/query", post_user_aggregates, methods=["POST"]),
]
