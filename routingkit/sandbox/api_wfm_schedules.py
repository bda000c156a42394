"""Activity codes and the published agent schedules of the sandbox's business unit.

- ``GET .../businessunits/{businessUnitId}/activitycodes``: ``BusinessUnitActivityCodeListing``
  (the on-queue codes of :mod:`.wfm_roster`, one per planning group, and the usual others);
- ``POST .../businessunits/{businessUnitId}/agentschedules/search``
  (``BuSearchAgentSchedulesRequest``: ``startDate``, ``endDate``, ``userIds``; no ``userIds``
  means every agent) answers ``BuAsyncAgentSchedulesSearchResponse``: ``Complete`` with the
  result inline for a search of at most :data:`SYNC_AGENT_DAYS` agent-days, else (or with
  ``forceAsync=true``) ``Processing`` with an ``operationId``. The platform then delivers the
  result as a notification; the sandbox serves no notifications, so that search has no result:
  ask for fewer agents (what routingkit's client does). The range may span at most
  :data:`MAX_SEARCH_DAYS` days. ``forceDownloadService`` is accepted and ignored (the result is
  inline). Both limits are the sandbox's choices: the platform's are unconfirmed.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import bad_request
from .schemas import Id, validated
from .web import in_supported_range, json_body, ok, query_bool
from .wfm_roster import ACTIVITY_CODE_KIND, ensure_roster
from .wfm_schedules import agent_schedules, published_weeks
from .wfm_store import business_unit, children, ready

SYNC_AGENT_DAYS = 700  # agents x days a search may cover and still be answered at once
MAX_SEARCH_DAYS = 31
MAX_USER_IDS = 1000


class SearchBody(BaseModel):
    """``BuSearchAgentSchedulesRequest``."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )

    start_date: dt.datetime
    end_date: dt.datetime
    user_ids: Annotated[list[Id], Field(max_length=MAX_USER_IDS)] | None = None


async def list_activity_codes(request: Request) -> Response:
    box = ready(request)
    bu_id = business_unit(box, request.path_params["businessUnitId"])["id"]
    ensure_roster(box.store, box.org)
    return ok({"entities": children(box, ACTIVITY_CODE_KIND, bu_id)})


def _checked(body: SearchBody) -> tuple[dt.datetime, dt.datetime]:
    for field, moment in (("startDate", body.start_date), ("endDate", body.end_date)):
        if moment.tzinfo is None:
            raise bad_request(
                f"{field} {moment.isoformat()} has no offset; write it as UTC, e.g. "
                "2026-11-23T06:00:00.000Z",
                field,
            )
    in_supported_range(body.start_date, body.end_date, "startDate")
    if body.end_date <= body.start_date:
        raise bad_request("endDate must be after startDate", "endDate")
    if body.end_date - body.start_date > dt.timedelta(days=MAX_SEARCH_DAYS):
        raise bad_request(
            f"the search spans more than {MAX_SEARCH_DAYS} days: split the range", "endDate"
        )
    return body.start_date, body.end_date


async def search_agent_schedules(request: Request) -> Response:
    box = ready(request)
    business = business_unit(box, request.path_params["businessUnitId"])
    body = validated(SearchBody, await json_body(request), "agent schedule search")
    start, end = _checked(body)
    roster = ensure_roster(box.store, box.org)
    agents = len(roster.agents) if body.user_ids is None else len(set(body.user_ids))
    days = math.ceil((end - start) / dt.timedelta(days=1))
    if query_bool(request, "forceAsync") or agents * days > SYNC_AGENT_DAYS:
        return ok({"status": "Processing", "operationId": str(uuid.uuid4()), "progress": 0})
    settings = business.get("settings") or {}
    zone = ZoneInfo(str(settings.get("timeZone") or box.org.time_zone))
    start_day = str(settings.get("startDayOfWeek") or "Monday")
    first = dt.date.fromisoformat(box.store.get_meta("start_date") or box.today().isoformat())
    result = agent_schedules(
        box.org,
        roster,
        bu_id=business["id"],
        start=start,
        end=end,
        user_ids=body.user_ids,
        zone=zone,
        start_day=start_day,
        weeks=published_weeks(first, box.today(), start_day),
    )
    return ok({"status": "Complete", "result": result})


_BU = "/api/v2/workforcemanagement/businessunits/{businessUnitId}"

routes: list[Route] = [
    Route(f"{_BU}/activitycodes", list_activity_codes, methods=["GET"]),
    Route(f"{_BU}/agentschedules/search", search_agent_schedules, methods=["POST"]),
]
