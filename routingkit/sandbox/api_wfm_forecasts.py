"""Short-term forecasts: listing, import (upload URL → PUT → import call), staffing requirement.

The platform's import is three steps and asynchronous, and so is this one:

1. ``POST .../weeks/{weekDateId}/shorttermforecasts/import/uploadurl`` ``{contentLengthBytes}``
   answers ``{uploadKey, url, headers}``. On the platform ``url`` is pre-signed storage; here it
   is the sandbox itself, ``/api/v2/sandbox/uploads/{uploadKey}`` on the address the request came
   to. The sandbox's gateway wants a bearer token on every /api/v2 path, so ``headers`` carries
   the caller's own token: a client that sends exactly the headers it is given (as it must for
   the platform's storage) works against both.
2. ``PUT url`` the gzipped ``BuImportShortTermForecastSchema`` JSON (``Content-Encoding: gzip``,
   exactly ``contentLengthBytes`` bytes, within :data:`UPLOAD_TTL_SECONDS`).
3. ``POST .../shorttermforecasts/import`` ``{uploadKey}`` validates the document (400 naming the
   field) and answers 202 ``{status: Processing, operationId}``; the forecast is listed
   :data:`PROCESSING_SECONDS` later, with creation method ``Import``.

The staffing requirement of a forecast is read-only and asynchronous too: the first GET starts
it (``state: Processing``), a GET :data:`PROCESSING_SECONDS` later answers ``Complete`` with the
requirement per planning group and 15-minute interval inline, computed by the sandbox's own
Erlang C (:mod:`.wfm_staffing`) from the forecast and the planning group's service goal
template as they were at import.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
import uuid
import zlib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..genesys.wfm import INTERVALS_PER_WEEK
from .errors import ApiError, bad_request, not_found
from .request_body import MAX_BODY_BYTES, decode_json, read_bytes
from .schemas import Description, Id, validated
from .service import Sandbox, actor_id
from .store import Store
from .web import iso, json_body, no_content, now_iso, ok, query_list
from .wfm_seed import BASE, PLANNING_GROUP_KIND, TEMPLATE_KIND, stored
from .wfm_staffing import staffing_per_interval
from .wfm_store import business_unit, ready, week_start, week_start_instant

PROCESSING_SECONDS = 0.3  # how long an import or a staffing requirement stays Processing
UPLOAD_TTL_SECONDS = 3600  # an upload URL's lifetime (the platform's is unconfirmed)
MAX_WEEKS = 6  # weeks one forecast may cover (the sandbox's choice; unconfirmed)
MAX_DOCUMENT_BYTES = 32 * MAX_BODY_BYTES  # a decompressed upload (guards against gzip bombs)

UPLOAD_KIND = "wfm_upload"
IMPORT_KIND = "wfm_import"
FORECAST_KIND = "wfm_forecast"
FORECAST_DATA_KIND = "wfm_forecast_data"
STAFFING_KIND = "wfm_staffing"
UPLOAD_PATH = "/api/v2/sandbox/uploads"

_LIST_FIELDS = (
    "id",
    "weekDate",
    "weekCount",
    "creationMethod",
    "description",
    "legacy",
    "metadata",
    "canUseForScheduling",
    "selfUri",
)

NonNegative = Annotated[float, Field(ge=0.0, le=1e9)]


class _Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class UploadUrlBody(_Body):
    """``UploadUrlRequestBody``."""

    content_length_bytes: Annotated[int, Field(gt=0, le=MAX_BODY_BYTES)]


class ProcessUploadBody(_Body):
    """``WfmProcessUploadRequest``."""

    upload_key: Id


class PlanningGroupForecast(_Body):
    """``ForecastPlanningGroupData``."""

    planning_group_id: Id
    offered_per_interval: list[NonNegative]
    average_handle_time_seconds_per_interval: list[NonNegative]


class ImportDocument(_Body):
    """``BuImportShortTermForecastSchema``."""

    description: Description | None = None
    week_count: Annotated[int, Field(ge=1, le=MAX_WEEKS)]
    planning_groups: list[PlanningGroupForecast] = Field(min_length=1)
    long_term_planning_groups: list[Any] | None = None
    can_use_for_scheduling: bool | None = None


def _forecasts_base(bu_id: str, week: str) -> str:
    return f"{BASE}/{bu_id}/weeks/{week}/shorttermforecasts"


def _context(request: Request) -> tuple[Sandbox, dict[str, Any], str]:
    """The sandbox, the path's business unit and its (checked) week date."""
    box = ready(request)
    business = business_unit(box, request.path_params["businessUnitId"])
    week = week_start(business, request.path_params["weekDateId"]).isoformat()
    return box, business, week


# --- upload URL and upload -----------------------------------------------------------------


async def post_upload_url(request: Request) -> Response:
    box, business, week = _context(request)
    body = validated(UploadUrlBody, await json_body(request), "upload URL request")
    key = secrets.token_urlsafe(24)
    with box.store.transaction() as db:
        Store.put(
            db,
            UPLOAD_KIND,
            {
                "id": key,
                "name": key,
                "businessUnitId": business["id"],
                "weekDate": week,
                "contentLengthBytes": body.content_length_bytes,
                "expiresAt": time.time() + UPLOAD_TTL_SECONDS,
                "state": "waiting",
            },
        )
    base = str(request.base_url).rstrip("/")
    return ok(
        {
            "uploadKey": key,
            "url": f"{base}{UPLOAD_PATH}/{key}",
            "headers": {
                "Content-Type": "application/json",
                "Content-Encoding": "gzip",
                "Authorization": request.headers.get("authorization", ""),
            },
        }
    )


def _gunzip(raw: bytes) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, MAX_DOCUMENT_BYTES + 1)
    except zlib.error as exc:
        raise bad_request(f"The upload is not gzip data: {exc}") from None
    if len(data) > MAX_DOCUMENT_BYTES or inflater.unconsumed_tail:
        raise ApiError(
            413,
            f"The upload decompresses to more than {MAX_DOCUMENT_BYTES:,} bytes",
            "request.entity.too.large",
        )
    if not inflater.eof:
        raise bad_request("The upload is not complete gzip data (it ends early)")
    return data


async def put_upload(request: Request) -> Response:
    """The stand-in for the platform's pre-signed storage URL (see the module docstring)."""
    box = ready(request)
    raw = await read_bytes(request)
    key = request.path_params["uploadKey"]
    upload = box.store.get(UPLOAD_KIND, key)
    if upload is None:
        raise not_found("Upload", key)
    if upload["state"] != "waiting" or time.time() > upload["expiresAt"]:
        raise ApiError(
            403,
            "This upload URL has expired or was already imported; ask for a new one",
            "missing.permissions",
        )
    if request.headers.get("content-encoding", "").lower() != "gzip":
        raise bad_request(
            "Send the upload with the headers the upload URL came with (Content-Encoding: gzip)",
            "Content-Encoding",
        )
    if len(raw) != upload["contentLengthBytes"]:
        raise bad_request(
            f"The upload is {len(raw)} bytes; the upload URL was asked for "
            f"{upload['contentLengthBytes']} (contentLengthBytes)",
            "contentLengthBytes",
        )
    document = decode_json(_gunzip(raw))
    with box.store.transaction() as db:
        current = box.store.get(UPLOAD_KIND, key)
        if current is None or current["state"] != "waiting":
            raise ApiError(403, "This upload URL was already imported", "missing.permissions")
        Store.put(db, UPLOAD_KIND, {**current, "document": document})
    return Response(status_code=200)


# --- import --------------------------------------------------------------------------------


def _checked_document(
    box: Sandbox, bu_id: str, document: Any
) -> tuple[ImportDocument, list[dict[str, Any]]]:
    """The uploaded document, validated, with the planning groups it names (as stored)."""
    parsed = validated(ImportDocument, document, "short-term forecast import")
    expected = parsed.week_count * INTERVALS_PER_WEEK
    groups = []
    seen: set[str] = set()
    for i, group in enumerate(parsed.planning_groups):
        where = f"planningGroups[{i}]"
        if group.planning_group_id in seen:
            raise bad_request(
                f"{where}.planningGroupId: planning group {group.planning_group_id} appears "
                "twice; send each once",
                f"{where}.planningGroupId",
            )
        seen.add(group.planning_group_id)
        row = box.store.get(PLANNING_GROUP_KIND, group.planning_group_id)
        if row is None or row.get("businessUnitId") != bu_id:
            raise bad_request(
                f"{where}.planningGroupId: no planning group {group.planning_group_id} in this "
                "business unit",
                f"{where}.planningGroupId",
            )
        for field, values in (
            ("offeredPerInterval", group.offered_per_interval),
            ("averageHandleTimeSecondsPerInterval", group.average_handle_time_seconds_per_interval),
        ):
            if len(values) != expected:
                raise bad_request(
                    f"{where}.{field}: {len(values)} values; a {parsed.week_count}-week forecast "
                    f"has {expected} 15-minute intervals",
                    f"{where}.{field}",
                )
        groups.append(row["entity"])
    return parsed, groups


def _goal_snapshot(box: Sandbox, group: dict[str, Any]) -> dict[str, Any]:
    """``ForecastPlanningGroupResponse``: the group and its template's goals, as at import."""
    template_id = (group.get("serviceGoalTemplate") or {}).get("id")
    row = box.store.get(TEMPLATE_KIND, template_id) if template_id else None
    snapshot: dict[str, Any] = {
        "id": group["id"],
        "name": group["name"],
        "routePaths": group.get("routePaths") or [],
    }
    if row is not None:
        template = row["entity"]
        goals: dict[str, Any] = {}
        level = template.get("serviceLevel") or {}
        if level.get("include"):
            goals["serviceLevel"] = {"percent": level["percent"], "seconds": level["seconds"]}
        asa = template.get("averageSpeedOfAnswer") or {}
        if asa.get("include"):
            goals["averageSpeedOfAnswer"] = {"seconds": asa["seconds"]}
        rate = template.get("abandonRate") or {}
        if rate.get("include"):
            goals["abandonRate"] = {"percent": rate["percent"]}
        snapshot["serviceGoalTemplate"] = goals
    return snapshot


async def post_import(request: Request) -> Response:
    box, business, week = _context(request)
    body = validated(ProcessUploadBody, await json_body(request), "forecast import")
    bu_id = business["id"]
    with box.store.transaction() as db:
        upload = box.store.get(UPLOAD_KIND, body.upload_key)
        if upload is None or upload["businessUnitId"] != bu_id or upload["weekDate"] != week:
            raise bad_request(
                f"uploadKey: no upload {body.upload_key[:60]!r} for week {week} of this "
                "business unit; ask for an upload URL first",
                "uploadKey",
            )
        if upload["state"] != "waiting":
            raise bad_request("uploadKey: this upload was already imported", "uploadKey")
        if "document" not in upload:
            raise bad_request(
                "uploadKey: nothing was uploaded to the upload URL yet; PUT the gzipped "
                "forecast there first",
                "uploadKey",
            )
        document, groups = _checked_document(box, bu_id, upload["document"])
        operation_id = str(uuid.uuid4())
        Store.put(db, UPLOAD_KIND, {**upload, "state": "imported", "document": None})
        Store.put(
            db,
            IMPORT_KIND,
            {
                "id": operation_id,
                "name": operation_id,
                "businessUnitId": bu_id,
                "weekDate": week,
                "readyAt": time.time() + PROCESSING_SECONDS,
                "state": "Processing",
                "clientId": request.scope.get("state", {}).get("client_id", ""),
                "document": document.model_dump(by_alias=True, exclude_none=True, mode="json"),
                "planningGroups": [_goal_snapshot(box, g) for g in groups],
            },
        )
    return ok({"status": "Processing", "operationId": operation_id}, status=202)


def _settle(box: Sandbox) -> None:
    """Turn every import whose processing time has passed into its forecast."""
    now = time.time()
    due = [
        op
        for op in box.store.entities(IMPORT_KIND)
        if op["state"] == "Processing" and op["readyAt"] <= now
    ]
    if not due:
        return
    with box.store.transaction() as db:
        for op in due:
            current = box.store.get(IMPORT_KIND, op["id"])
            if current is None or current["state"] != "Processing":
                continue
            _create_forecast(box, db, current)
            Store.put(db, IMPORT_KIND, {**current, "state": "Complete", "document": None})


def _create_forecast(box: Sandbox, db: Any, op: dict[str, Any]) -> None:
    bu_id = op["businessUnitId"]
    business = business_unit(box, bu_id)
    week = op["weekDate"]
    document = op["document"]
    forecast_id = str(uuid.uuid4())
    user = actor_id(op.get("clientId", ""))
    by = {"id": user, "selfUri": f"/api/v2/users/{user}"}
    now = now_iso()
    start = week_start_instant(business, dt.date.fromisoformat(week))
    forecast = {
        "id": forecast_id,
        "weekDate": week,
        "weekCount": document["weekCount"],
        "creationMethod": "Import",
        "description": document.get("description") or "",
        "legacy": False,
        "metadata": {
            "version": 1,
            "dateCreated": now,
            "createdBy": by,
            "dateModified": now,
            "modifiedBy": by,
        },
        "canUseForScheduling": document.get("canUseForScheduling", True),
        "referenceStartDate": iso(start),
        "timeZone": (business.get("settings") or {}).get("timeZone") or "UTC",
        "planningGroupsVersion": 1,
        "selfUri": f"{_forecasts_base(bu_id, week)}/{forecast_id}",
    }
    Store.put(
        db,
        FORECAST_KIND,
        {
            **stored(forecast, bu_id),
            "weekDate": week,
            "planningGroups": op["planningGroups"],
        },
    )
    Store.put(
        db,
        FORECAST_DATA_KIND,
        {
            "id": forecast_id,
            "name": forecast_id,
            "businessUnitId": bu_id,
            "planningGroups": document["planningGroups"],
        },
    )


# --- forecasts -----------------------------------------------------------------------------


def _forecast_row(box: Sandbox, bu_id: str, week: str, forecast_id: str) -> dict[str, Any]:
    row = box.store.get(FORECAST_KIND, forecast_id)
    if row is None or row.get("businessUnitId") != bu_id or row.get("weekDate") != week:
        raise not_found("Short-term forecast", forecast_id)
    return row


async def list_forecasts(request: Request) -> Response:
    box, business, week = _context(request)
    _settle(box)
    rows = [
        r
        for r in box.store.entities(FORECAST_KIND)
        if r.get("businessUnitId") == business["id"] and r.get("weekDate") == week
    ]
    rows.sort(key=lambda r: str(r["entity"]["metadata"]["dateCreated"]))
    return ok({"entities": [{k: r["entity"][k] for k in _LIST_FIELDS} for r in rows]})


def _groups_response(row: dict[str, Any]) -> dict[str, Any]:
    return {"entities": row["planningGroups"]}


async def get_forecast(request: Request) -> Response:
    box, business, week = _context(request)
    _settle(box)
    row = _forecast_row(box, business["id"], week, request.path_params["forecastId"])
    body = dict(row["entity"])
    if "planningGroups" in query_list(request, "expand"):
        body["planningGroups"] = _groups_response(row)
    return ok(body)


async def get_forecast_planning_groups(request: Request) -> Response:
    box, business, week = _context(request)
    _settle(box)
    row = _forecast_row(box, business["id"], week, request.path_params["forecastId"])
    return ok(_groups_response(row))


def _week_number(request: Request, name: str, week_count: int) -> list[int]:
    raw = query_list(request, name)
    numbers = []
    for value in raw:
        if not value.isdigit() or int(value) >= week_count:
            raise bad_request(
                f"Query parameter {name}: {value[:20]!r} is not a week of this forecast "
                f"(0 to {week_count - 1})",
                name,
            )
        numbers.append(int(value))
    return numbers or list(range(week_count))


def _week_slice(values: list[float], week: int) -> list[float]:
    return values[week * INTERVALS_PER_WEEK : (week + 1) * INTERVALS_PER_WEEK]


async def get_forecast_data(request: Request) -> Response:
    """``BuForecastResultResponse`` for one week (``weekNumber``, default 0) of the forecast."""
    box, business, week = _context(request)
    _settle(box)
    row = _forecast_row(box, business["id"], week, request.path_params["forecastId"])
    forecast = row["entity"]
    number = _week_number(request, "weekNumber", forecast["weekCount"])[0]
    data = box.store.get(FORECAST_DATA_KIND, forecast["id"]) or {"planningGroups": []}
    start = dt.datetime.fromisoformat(forecast["referenceStartDate"].replace("Z", "+00:00"))
    return ok(
        {
            "result": {
                "referenceStartDate": iso(start + dt.timedelta(weeks=number)),
                "planningGroups": [
                    {
                        "planningGroupId": g["planningGroupId"],
                        "offeredPerInterval": _week_slice(g["offeredPerInterval"], number),
                        "averageHandleTimeSecondsPerInterval": _week_slice(
                            g["averageHandleTimeSecondsPerInterval"], number
                        ),
                    }
                    for g in data["planningGroups"]
                ],
                "weekNumber": number,
                "weekCount": forecast["weekCount"],
            }
        }
    )


async def delete_forecast(request: Request) -> Response:
    box, business, week = _context(request)
    _settle(box)
    forecast_id = request.path_params["forecastId"]
    with box.store.transaction() as db:
        _forecast_row(box, business["id"], week, forecast_id)
        for kind in (FORECAST_KIND, FORECAST_DATA_KIND, STAFFING_KIND):
            Store.delete(db, kind, forecast_id)
    return no_content()


# --- staffing requirement ------------------------------------------------------------------


def _staffing_results(box: Sandbox, row: dict[str, Any]) -> list[dict[str, Any]]:
    forecast = row["entity"]
    data = box.store.get(FORECAST_DATA_KIND, forecast["id"]) or {"planningGroups": []}
    goals = {g["id"]: g.get("serviceGoalTemplate") or {} for g in row["planningGroups"]}
    results = []
    for number in range(forecast["weekCount"]):
        groups = []
        for group in data["planningGroups"]:
            goal = goals.get(group["planningGroupId"], {})
            template = {
                "serviceLevel": {"include": "serviceLevel" in goal, **goal.get("serviceLevel", {})},
                "averageSpeedOfAnswer": {
                    "include": "averageSpeedOfAnswer" in goal,
                    **goal.get("averageSpeedOfAnswer", {}),
                },
            }
            groups.append(
                {
                    "planningGroupId": group["planningGroupId"],
                    "staffingRequirementsPerInterval": staffing_per_interval(
                        _week_slice(group["offeredPerInterval"], number),
                        _week_slice(group["averageHandleTimeSecondsPerInterval"], number),
                        template,
                    ),
                }
            )
        results.append({"weekNumber": number, "planningGroupStaffingRequirements": groups})
    return results


async def get_staffing_requirement(request: Request) -> Response:
    """Processing on the first request, Complete (with results) from :data:`PROCESSING_SECONDS`
    later; read-only (the platform has no write for staffing requirements)."""
    box, business, week = _context(request)
    _settle(box)
    bu_id = business["id"]
    row = _forecast_row(box, bu_id, week, request.path_params["forecastId"])
    forecast = row["entity"]
    weeks = _week_number(request, "weekNumbers", forecast["weekCount"])
    with box.store.transaction() as db:
        job = box.store.get(STAFFING_KIND, forecast["id"])
        if job is None:
            job = {
                "id": forecast["id"],
                "name": forecast["id"],
                "businessUnitId": bu_id,
                "readyAt": time.time() + PROCESSING_SECONDS,
                "results": None,
            }
            Store.put(db, STAFFING_KIND, job)
        elif job["results"] is None and job["readyAt"] <= time.time():
            job = {**job, "results": _staffing_results(box, row)}
            Store.put(db, STAFFING_KIND, job)
    body: dict[str, Any] = {
        "businessUnitId": bu_id,
        "forecast": {
            "id": forecast["id"],
            "weekDate": forecast["weekDate"],
            "description": forecast["description"],
            "selfUri": forecast["selfUri"],
        },
        "referenceStartDate": forecast["referenceStartDate"],
        "weekCount": forecast["weekCount"],
        "intervalLengthMinutes": 15,
        "state": "Processing" if job["results"] is None else "Complete",
    }
    if job["results"] is not None:
        body["results"] = [r for r in job["results"] if r["weekNumber"] in weeks]
    return ok(body)


_WEEK = "/api/v2/workforcemanagement/businessunits/{businessUnitId}/weeks/{weekDateId}"
_FORECASTS = f"{_WEEK}/shorttermforecasts"

routes: list[Route] = [
    Route(f"{_FORECASTS}/import/uploadurl", post_upload_url, methods=["POST"]),
    Route(f"{_FORECASTS}/import", post_import, methods=["POST"]),
    Route(_FORECASTS, list_forecasts, methods=["GET"]),
    Route(f"{_FORECASTS}/{{forecastId}}", get_forecast, methods=["GET"]),
    Route(f"{_FORECASTS}/{{forecastId}}", delete_forecast, methods=["DELETE"]),
    Route(f"{_FORECASTS}/{{forecastId}}/data", get_forecast_data, methods=["GET"]),
    Route(
        f"{_FORECASTS}/{{forecastId}}/planninggroups",
        get_forecast_planning_groups,
        methods=["GET"],
    ),
    Route(
        f"{_FORECASTS}/{{forecastId}}/staffingrequirement",
        get_staffing_requirement,
        methods=["GET"],
    ),
    Route(f"{UPLOAD_PATH}/{{uploadKey}}", put_upload, methods=["PUT"]),
]
