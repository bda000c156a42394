"""Workforce management: business units, planning groups, service goal templates, forecasts.

Models follow the official SDK's (``BusinessUnitResponse``, ``PlanningGroup``,
``ServiceGoalTemplate``, ``BuShortTermForecast``, ``BuImportShortTermForecastSchema``,
``BuForecastStaffingRequirementsResultResponse``...): their JSON names, types and enums, unknown
fields kept. :class:`WfmApi` is the only code that knows the WFM endpoint paths.

What the platform does and this module relies on (see ``GENESYS_API.md``):

- service goal templates and planning groups carry ``metadata.version``; an update sends the
  version it read, and a stale one is refused with 409 (raised as :class:`ConflictError`, never
  retried or overwritten);
- a short-term forecast is imported in three steps: ask for an upload URL, PUT the gzipped
  ``BuImportShortTermForecastSchema`` there with exactly the headers the answer gives (the URL
  is pre-signed storage, not the API: the org's token is not sent unless those headers carry
  it), then POST the upload key; the import completes asynchronously;
- staffing requirements are computed by WFM from a forecast, asynchronously (``Processing`` →
  ``Complete``), inline or at a ``downloadUrl``; they cannot be written;
- published agent schedules are searched per business unit (``BuSearchAgentSchedulesRequest``:
  ``startDate``, ``endDate``, ``userIds``). The answer (``BuAsyncAgentSchedulesSearchResponse``)
  is ``Complete`` with the result inline or at a ``downloadUrl``, or ``Processing`` with an
  ``operationId`` when the platform chose to work asynchronously: it then delivers the result
  only as a notification (the SDK's ``WfmBuScheduleSearchResultTopic...``: operation id and a
  download URL), and has no endpoint to poll. routingkit does not subscribe to notifications,
  so a ``Processing`` answer is met by asking again for fewer agents (halves, down to one),
  which the platform answers directly for small searches; one agent still ``Processing``
  is asked again with a backoff until ``timeout`` (the size at which the platform turns
  asynchronous is unconfirmed);
- activity codes (``BusinessUnitActivityCode``) say what each scheduled activity is: category
  ``OnQueueWork`` is time on queue, and an on-queue code may name the planning groups it is for.

Media: route paths say ``Voice``, ``Chat``... where analytics says ``voice``, ``chat``: convert
with ``routingkit.vocabulary.media`` (``wfm_media_type``, ``analytics_media_type``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import json
import logging
import re
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import httpx
from pydantic import Field
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from ..vocabulary.analytics import iso_utc
from ..vocabulary.media import WfmMediaType
from .errors import (
    ApiError,
    ConflictError,
    DeadlineExceededError,
    GenesysError,
    TransportError,
    error_for_status,
)
from .models import EntityRef, Resource

if TYPE_CHECKING:
    from .client import GenesysClient

log = logging.getLogger("routingkit.genesys")

WFM = "/api/v2/workforcemanagement"

DayOfWeek = Literal["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
# Index = Python's date.weekday()
DAYS_OF_WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
INTERVAL_MINUTES = 15  # short-term forecasts and staffing requirements are per 15 minutes
INTERVALS_PER_WEEK = 7 * 24 * 60 // INTERVAL_MINUTES


# --- models --------------------------------------------------------------------------------


class WfmMetadata(Resource):
    """``WfmVersionedEntityMetadata``: send ``version`` back with an update."""

    version: int | None = None
    date_created: dt.datetime | None = None
    created_by: EntityRef | None = None
    date_modified: dt.datetime | None = None
    modified_by: EntityRef | None = None


class BusinessUnitSettings(Resource):
    """``BusinessUnitSettingsResponse`` (the fields routingkit reads; the rest are kept)."""

    start_day_of_week: DayOfWeek | str | None = None
    time_zone: str | None = None
    short_term_forecasting: dict[str, Any] | None = None
    metadata: WfmMetadata | None = None


class BusinessUnit(Resource):
    """``BusinessUnitListItem`` / ``BusinessUnitResponse`` (``settings`` when expanded)."""

    id: str | None = None
    name: str | None = None
    authorized: bool | None = None
    division: EntityRef | None = None
    settings: BusinessUnitSettings | None = None
    self_uri: str | None = None


class BuServiceLevel(Resource):
    """``percent`` (0-100) of interactions answered within ``seconds``."""

    include: bool | None = None
    percent: int | None = None
    seconds: int | None = None


class BuAverageSpeedOfAnswer(Resource):
    include: bool | None = None
    seconds: int | None = None


class BuAbandonRate(Resource):
    include: bool | None = None
    percent: int | None = None


class ServiceGoalTemplate(Resource):
    """A business unit's service goal template (versioned: see ``metadata``)."""

    id: str | None = None
    name: str | None = None
    service_level: BuServiceLevel | None = None
    average_speed_of_answer: BuAverageSpeedOfAnswer | None = None
    abandon_rate: BuAbandonRate | None = None
    metadata: WfmMetadata | None = None
    impact_override: dict[str, Any] | None = None
    self_uri: str | None = None


class RoutePath(Resource):
    """``RoutePathResponse``: a queue, a WFM media type, optionally a language and skills."""

    queue: EntityRef | None = None
    media_type: WfmMediaType | str | None = None
    language: EntityRef | None = None
    skills: list[EntityRef] | None = None


class PlanningGroup(Resource):
    """A planning group: the route paths WFM forecasts and schedules together."""

    id: str | None = None
    name: str | None = None
    service_goal_template: EntityRef | None = None
    route_paths: list[RoutePath] | None = None
    metadata: WfmMetadata | None = None
    self_uri: str | None = None


ForecastCreationMethod = Literal[
    "Import", "ImportedHistoricalWeightedAverage", "HistoricalWeightedAverage", "Advanced"
]


class ShortTermForecast(Resource):
    """``BuShortTermForecast`` (and its list item ``BuShortTermForecastListItem``)."""

    id: str | None = None
    week_date: dt.date | None = None
    week_count: int | None = None
    creation_method: ForecastCreationMethod | str | None = None
    description: str | None = None
    legacy: bool | None = None
    metadata: WfmMetadata | None = None
    can_use_for_scheduling: bool | None = None
    reference_start_date: dt.datetime | None = None
    time_zone: str | None = None
    planning_groups_version: int | None = None
    planning_groups: dict[str, Any] | None = None
    self_uri: str | None = None


class ForecastPlanningGroupData(Resource):
    """One planning group's forecast: a value per 15-minute interval from the week start."""

    planning_group_id: str
    offered_per_interval: list[float]
    average_handle_time_seconds_per_interval: list[float]


class ShortTermForecastImport(Resource):
    """``BuImportShortTermForecastSchema``: the document a forecast import uploads."""

    description: str | None = None
    week_count: int = 1
    planning_groups: list[ForecastPlanningGroupData] = Field(default_factory=list)
    long_term_planning_groups: list[dict[str, Any]] | None = None
    can_use_for_scheduling: bool | None = None


class ImportForecastUpload(Resource):
    """``ImportForecastUploadResponse``: where to PUT the document, and with which headers."""

    upload_key: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    upload_body_schema: dict[str, Any] | None = None

    def __repr__(self) -> str:  # the URL and headers may carry credentials: never show them
        return f"ImportForecastUpload(upload_key={self.upload_key!r}, url=<hidden>)"

    __str__ = __repr__


class ImportForecastResponse(Resource):
    status: Literal["Processing", "Complete", "Canceled", "Error"] | str | None = None
    operation_id: str | None = None
    result: ShortTermForecast | None = None


class ForecastResult(Resource):
    """``BuForecastResult``: a forecast's data, per planning group."""

    reference_start_date: dt.datetime | None = None
    planning_groups: list[ForecastPlanningGroupData] = Field(default_factory=list)
    week_number: int | None = None
    week_count: int | None = None


class StaffingRequirementsPlanningGroupData(Resource):
    planning_group_id: str | None = None
    staffing_requirements_per_interval: list[float] | None = None
    minimum_staff_per_interval: list[float] | None = None
    effective_staff_per_interval: list[float] | None = None


class StaffingRequirementsWeek(Resource):
    """``BuForecastStaffingRequirementsResult``: inline, or at ``download_url``."""

    week_number: int | None = None
    download_url: str | None = None
    download_url_expiration_date: dt.datetime | None = None
    planning_group_staffing_requirements: list[StaffingRequirementsPlanningGroupData] | None = None


class StaffingRequirement(Resource):
    """``BuForecastStaffingRequirementsResultResponse``: agents WFM requires per interval."""

    business_unit_id: str | None = None
    forecast: EntityRef | None = None
    reference_start_date: dt.datetime | None = None
    week_count: int | None = None
    interval_length_minutes: int | None = None
    state: Literal["Processing", "Complete", "Error"] | str | None = None
    results: list[StaffingRequirementsWeek] | None = None

    def per_planning_group(self, week_number: int = 0) -> dict[str, list[float]]:
        """Required agents per interval, keyed by planning group id, for one week."""
        out: dict[str, list[float]] = {}
        for week in self.results or []:
            if (week.week_number or 0) != week_number:
                continue
            for group in week.planning_group_staffing_requirements or []:
                if group.planning_group_id:
                    out[group.planning_group_id] = list(
                        group.staffing_requirements_per_interval or []
                    )
        return out


ActivityCodeCategory = Literal[
    "OnQueueWork",
    "Break",
    "Meal",
    "Meeting",
    "OffQueueWork",
    "TimeOff",
    "Training",
    "Unavailable",
]
ON_QUEUE_CATEGORY = "OnQueueWork"


class ActivityCode(Resource):
    """``BusinessUnitActivityCode``: what a scheduled activity is (``category``), and for an
    on-queue code, optionally the planning groups it is for (``planningGroups``)."""

    id: str | None = None
    name: str | None = None
    active: bool | None = None
    default_code: bool | None = None
    category: ActivityCodeCategory | str | None = None
    length_in_minutes: int | None = None
    counts_as_paid_time: bool | None = None
    counts_as_work_time: bool | None = None
    agent_time_off_selectable: bool | None = None
    counts_toward_shrinkage: bool | None = None
    planned_shrinkage: bool | None = None
    interruptible: bool | None = None
    planning_groups: list[EntityRef] | None = None
    metadata: WfmMetadata | None = None
    self_uri: str | None = None

    @property
    def on_queue(self) -> bool:
        return self.category == ON_QUEUE_CATEGORY


class AgentScheduleActivity(Resource):
    """``BuAgentScheduleActivity``: ``lengthMinutes`` from ``startDate``, of one activity code."""

    start_date: dt.datetime
    length_minutes: int
    description: str | None = None
    activity_code_id: str | None = None
    paid: bool | None = None
    payable_minutes: int | None = None
    time_off_request_id: str | None = None
    external_activity_id: str | None = None
    external_activity_type: str | None = None


class ScheduleRef(Resource):
    """``BuScheduleReference``: the published schedule a shift belongs to."""

    id: str | None = None
    week_date: dt.date | None = None
    self_uri: str | None = None


class AgentScheduleShift(Resource):
    """``BuAgentScheduleShift``: one shift of an agent and its activities."""

    id: str | None = None
    start_date: dt.datetime | None = None
    length_minutes: int | None = None
    activities: list[AgentScheduleActivity] = Field(default_factory=list)
    manually_edited: bool | None = None
    schedule: ScheduleRef | None = None
    work_plan_id: str | None = None
    work_plan_shift_id: str | None = None


class AgentSchedule(Resource):
    """``BuAgentScheduleSearchResponse``: one agent's shifts in the searched range."""

    user: EntityRef
    shifts: list[AgentScheduleShift] = Field(default_factory=list)
    full_day_time_off_markers: list[dict[str, Any]] | None = None


class PublishedScheduleRef(Resource):
    """``BuAgentSchedulePublishedScheduleReference``."""

    id: str | None = None
    week_date: dt.date | None = None
    week_count: int | None = None
    self_uri: str | None = None


class AgentSchedulesResult(Resource):
    """``BuAgentSchedulesSearchResponse``: the agents' schedules and the schedules they are in."""

    agent_schedules: list[AgentSchedule] = Field(default_factory=list)
    business_unit_time_zone: str | None = None
    published_schedules: list[PublishedScheduleRef] | None = None


class AgentSchedulesSearch(Resource):
    """``BuAsyncAgentSchedulesSearchResponse``: the result inline, at a ``downloadUrl``, or
    (``Processing``) later, by notification."""

    status: Literal["Processing", "Complete", "Canceled", "Error"] | str | None = None
    operation_id: str | None = None
    result: AgentSchedulesResult | None = None
    progress: int | None = None
    download_url: str | None = None


class WfmOperationError(GenesysError):
    """An asynchronous WFM operation (import, staffing requirement) ended in error."""


# --- the API -------------------------------------------------------------------------------


def _week(week_date: dt.date | str) -> str:
    return week_date if isinstance(week_date, str) else week_date.isoformat()


class WfmApi:
    """Workforce management endpoints of one org (see the module docstring)."""

    def __init__(self, client: GenesysClient, *, poll_max_seconds: float = 5.0) -> None:
        self._client = client
        self.poll_max_seconds = poll_max_seconds

    # -- business units, planning groups, service goal templates ---------------------------

    def business_units(self) -> list[BusinessUnit]:
        """Every business unit the client can see (``BusinessUnitListing``, not paged)."""
        answer = self._client.get(f"{WFM}/businessunits")
        return [BusinessUnit.model_validate(b) for b in (answer or {}).get("entities") or []]

    def business_unit(self, business_unit_id: str) -> BusinessUnit:
        """One business unit with its settings (start day of week, time zone)."""
        return BusinessUnit.model_validate(
            self._client.get(f"{WFM}/businessunits/{business_unit_id}", expand="settings")
        )

    def planning_groups(self, business_unit_id: str) -> list[PlanningGroup]:
        answer = self._client.get(f"{WFM}/businessunits/{business_unit_id}/planninggroups")
        return [PlanningGroup.model_validate(p) for p in (answer or {}).get("entities") or []]

    def planning_group(self, business_unit_id: str, planning_group_id: str) -> PlanningGroup:
        return PlanningGroup.model_validate(
            self._client.get(
                f"{WFM}/businessunits/{business_unit_id}/planninggroups/{planning_group_id}"
            )
        )

    def service_goal_templates(self, business_unit_id: str) -> list[ServiceGoalTemplate]:
        answer = self._client.get(f"{WFM}/businessunits/{business_unit_id}/servicegoaltemplates")
        return [ServiceGoalTemplate.model_validate(t) for t in (answer or {}).get("entities") or []]

    def service_goal_template(self, business_unit_id: str, template_id: str) -> ServiceGoalTemplate:
        return ServiceGoalTemplate.model_validate(
            self._client.get(
                f"{WFM}/businessunits/{business_unit_id}/servicegoaltemplates/{template_id}"
            )
        )

    def update_service_goal_template(
        self, business_unit_id: str, template: ServiceGoalTemplate
    ) -> ServiceGoalTemplate:
        """PATCH ``template`` with the ``metadata.version`` it was read with.

        A template someone changed since it was read is refused by the org (409): this raises
        :class:`ConflictError` saying so, and nothing is overwritten. Start from
        :meth:`service_goal_template` (a PATCH changes what the body names).
        """
        version = template.metadata.version if template.metadata else None
        if not template.id or version is None:
            raise ValueError(
                "template.id and template.metadata.version are required to update a service "
                "goal template; read it with service_goal_template() first"
            )
        body = {
            key: value
            for key, value in template.to_api().items()
            if key
            in ("name", "serviceLevel", "averageSpeedOfAnswer", "abandonRate", "impactOverride")
        }
        body["metadata"] = {"version": version}
        path = f"{WFM}/businessunits/{business_unit_id}/servicegoaltemplates/{template.id}"
        try:
            answer = self._client.request("PATCH", path, json=body, idempotent=False)
        except ConflictError as exc:
            raise ConflictError(
                exc.status,
                exc.code,
                f"service goal template {template.name or template.id!r} changed since it was "
                f"read (this update carried version {version}): nothing was written; read it "
                f"again and reapply the change ({exc.message})",
                method=exc.method,
                path=exc.path,
                correlation_id=exc.correlation_id,
                details=exc.details,
            ) from None
        return ServiceGoalTemplate.model_validate(answer)

    # -- short-term forecasts --------------------------------------------------------------

    def _forecasts_path(self, business_unit_id: str, week_date: dt.date | str) -> str:
        return f"{WFM}/businessunits/{business_unit_id}/weeks/{_week(week_date)}/shorttermforecasts"

    def short_term_forecasts(
        self, business_unit_id: str, week_date: dt.date | str
    ) -> list[ShortTermForecast]:
        """The forecasts of the week starting ``week_date`` (the business unit's start day)."""
        answer = self._client.get(self._forecasts_path(business_unit_id, week_date))
        return [ShortTermForecast.model_validate(f) for f in (answer or {}).get("entities") or []]

    def short_term_forecast(
        self, business_unit_id: str, week_date: dt.date | str, forecast_id: str
    ) -> ShortTermForecast:
        return ShortTermForecast.model_validate(
            self._client.get(
                f"{self._forecasts_path(business_unit_id, week_date)}/{forecast_id}",
                expand="planningGroups",
            )
        )

    def forecast_data(
        self,
        business_unit_id: str,
        week_date: dt.date | str,
        forecast_id: str,
        *,
        week_number: int | None = None,
    ) -> ForecastResult:
        """Offered and AHT per interval and planning group (``BuForecastResultResponse``)."""
        answer = self._client.get(
            f"{self._forecasts_path(business_unit_id, week_date)}/{forecast_id}/data",
            weekNumber=week_number,
        )
        answer = answer or {}
        if answer.get("result") is None and answer.get("downloadUrl"):
            answer = {"result": _download(str(answer["downloadUrl"]))}
        return ForecastResult.model_validate(answer.get("result") or {})

    def delete_short_term_forecast(
        self, business_unit_id: str, week_date: dt.date | str, forecast_id: str
    ) -> None:
        self._client.request(
            "DELETE", f"{self._forecasts_path(business_unit_id, week_date)}/{forecast_id}"
        )

    def import_short_term_forecast(
        self,
        business_unit_id: str,
        week_date: dt.date | str,
        forecast: ShortTermForecastImport,
        *,
        timeout: float = 300.0,
    ) -> ShortTermForecast:
        """Import ``forecast`` for the week starting ``week_date``; return it once it exists.

        Upload URL, gzipped PUT, import call, then wait (at most ``timeout`` seconds) until the
        forecast is listed. The import POST is not repeated after a lost answer: the forecast
        is looked for instead (by its ``description``, among forecasts new since the call), so
        give each import a distinctive description.
        """
        base = self._forecasts_path(business_unit_id, week_date)
        payload = gzip.compress(
            json.dumps(forecast.to_api(), separators=(",", ":")).encode("utf-8"), mtime=0
        )
        upload = ImportForecastUpload.model_validate(
            self._client.request(
                "POST",
                f"{base}/import/uploadurl",
                json={"contentLengthBytes": len(payload)},
                idempotent=True,  # an unused upload URL is harmless
            )
        )
        _upload(upload, payload)
        before = {f.id for f in self.short_term_forecasts(business_unit_id, week_date)}
        started = time.monotonic()
        try:
            answer = ImportForecastResponse.model_validate(
                self._client.request(
                    "POST", f"{base}/import", json={"uploadKey": upload.upload_key}
                )
            )
        except TransportError as lost:
            log.info(
                "POST %s/import: the answer was lost (%s); looking for the forecast", base, lost
            )
            answer = ImportForecastResponse(status="Processing")
        if answer.status in ("Error", "Canceled"):
            raise WfmOperationError(
                f"the forecast import for week {_week(week_date)} ended {answer.status} "
                f"(operation {answer.operation_id}); check the uploaded document"
            )
        if answer.status == "Complete" and answer.result is not None and answer.result.id:
            return answer.result
        delay = 0.1
        while True:
            for candidate in self.short_term_forecasts(business_unit_id, week_date):
                if candidate.id not in before and candidate.description == forecast.description:
                    return candidate
            waited = time.monotonic() - started
            if waited + delay > timeout:
                raise DeadlineExceededError(
                    f"the forecast import for week {_week(week_date)} (operation "
                    f"{answer.operation_id}) was not listed within {timeout:g} s; it may still "
                    "complete: list the week's forecasts before importing again",
                    method="POST",
                    path=f"{base}/import",
                    deadline=timeout,
                    waited=waited,
                )
            time.sleep(delay)
            delay = min(delay * 2, self.poll_max_seconds)

    def staffing_requirement(
        self,
        business_unit_id: str,
        week_date: dt.date | str,
        forecast_id: str,
        *,
        week_numbers: Iterable[int] | None = None,
        timeout: float = 300.0,
    ) -> StaffingRequirement:
        """WFM's required agents for a forecast: polled until ``Complete`` (at most ``timeout``
        seconds), with results at a ``downloadUrl`` fetched and put inline."""
        path = f"{self._forecasts_path(business_unit_id, week_date)}/{forecast_id}"
        path += "/staffingrequirement"
        weeks = [str(w) for w in week_numbers] if week_numbers is not None else None
        started = time.monotonic()
        delay = 0.1
        while True:
            answer = StaffingRequirement.model_validate(
                self._client.get(path, weekNumbers=weeks) or {}
            )
            if answer.state == "Error":
                raise WfmOperationError(
                    f"WFM could not compute the staffing requirement of forecast {forecast_id} "
                    f"(week {_week(week_date)})"
                )
            if answer.state == "Complete":
                return _inline(answer)
            waited = time.monotonic() - started
            if waited + delay > timeout:
                raise DeadlineExceededError(
                    f"the staffing requirement of forecast {forecast_id} was still "
                    f"{answer.state} after {waited:.0f} s; ask again later",
                    method="GET",
                    path=path,
                    deadline=timeout,
                    waited=waited,
                )
            time.sleep(delay)
            delay = min(delay * 2, self.poll_max_seconds)

    # -- activity codes and published schedules -------------------------------------------

    def activity_codes(self, business_unit_id: str) -> list[ActivityCode]:
        """The business unit's activity codes (``BusinessUnitActivityCodeListing``: not paged;
        a listing given only at a ``downloadUrl`` is fetched)."""
        answer = self._client.get(f"{WFM}/businessunits/{business_unit_id}/activitycodes") or {}
        entities = answer.get("entities")
        if entities is None and answer.get("downloadUrl"):
            document = _download(str(answer["downloadUrl"]))
            entities = document.get("entities") if isinstance(document, dict) else document
        return [ActivityCode.model_validate(c) for c in entities or []]

    def agent_schedules(
        self,
        business_unit_id: str,
        start: dt.datetime,
        end: dt.datetime,
        user_ids: Iterable[str],
        *,
        batch_size: int = 100,
        timeout: float = 300.0,
    ) -> AgentSchedulesResult:
        """The published schedules of ``user_ids`` between two instants, merged into one result.

        Searched ``batch_size`` agents at a time; a ``Processing`` answer is asked again for
        half as many agents (see the module docstring), one agent with a backoff until
        ``timeout`` seconds have passed. ``Error`` or ``Canceled`` raise
        :class:`WfmOperationError`; a result at a ``downloadUrl`` is fetched (without the
        org's token: the URL is pre-signed).
        """
        for name, moment in (("start", start), ("end", end)):
            if moment.tzinfo is None:
                raise ValueError(f"{name} {moment} has no time zone; give an aware datetime")
        if end <= start:
            raise ValueError(f"the schedule search must end after it starts ({start} to {end})")
        if batch_size < 1:
            raise ValueError(f"batch_size is {batch_size}; search at least one agent at a time")
        ids = list(dict.fromkeys(str(u) for u in user_ids))
        path = f"{WFM}/businessunits/{business_unit_id}/agentschedules/search"
        window = {"startDate": iso_utc(start), "endDate": iso_utc(end)}
        pending = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
        schedules: dict[str, AgentSchedule] = {}
        published: dict[str, PublishedScheduleRef] = {}
        zone: str | None = None
        started = time.monotonic()
        delay = 0.1
        while pending:
            batch = pending.pop(0)
            answer = AgentSchedulesSearch.model_validate(
                self._client.request(
                    "POST", path, json={**window, "userIds": batch}, idempotent=True
                )
                or {}
            )
            if answer.status in ("Error", "Canceled"):
                raise WfmOperationError(
                    f"the schedule search of business unit {business_unit_id} for {len(batch)} "
                    f"agent(s) ended {answer.status} (operation {answer.operation_id})"
                )
            result = answer.result
            if result is None and answer.download_url:
                document = _download(answer.download_url)
                if isinstance(document, dict) and isinstance(document.get("result"), dict):
                    document = document["result"]
                result = AgentSchedulesResult.model_validate(document or {})
            if result is None and answer.status == "Complete":
                result = AgentSchedulesResult()  # nothing scheduled for these agents
            if result is None:  # Processing: the platform would notify; ask for fewer
                if len(batch) > 1:
                    half = len(batch) // 2
                    pending[:0] = [batch[:half], batch[half:]]
                    continue
                waited = time.monotonic() - started
                if waited + delay > timeout:
                    raise DeadlineExceededError(
                        f"the schedule search of business unit {business_unit_id} was still "
                        f"{answer.status or 'without a result'} for one agent after "
                        f"{waited:.0f} s (operation {answer.operation_id}); ask again later",
                        method="POST",
                        path=path,
                        deadline=timeout,
                        waited=waited,
                    )
                time.sleep(delay)
                delay = min(delay * 2, self.poll_max_seconds)
                pending.insert(0, batch)
                continue
            zone = zone or result.business_unit_time_zone
            for schedule in result.agent_schedules:
                user = schedule.user.id or ""
                if user in schedules:  # the same agent in two answers: keep every shift once
                    known = {s.id for s in schedules[user].shifts if s.id}
                    extra = [s for s in schedule.shifts if not s.id or s.id not in known]
                    schedules[user].shifts.extend(extra)
                else:
                    schedules[user] = schedule
            for ref in result.published_schedules or []:
                published.setdefault(ref.id or str(ref.week_date), ref)
        return AgentSchedulesResult(
            agent_schedules=list(schedules.values()),
            business_unit_time_zone=zone,
            published_schedules=list(published.values()),
        )


# --- transfers to and from pre-signed URLs -------------------------------------------------

_TRANSFER_ATTEMPTS = 4
_TRANSFER_TIMEOUT = 60.0


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, ApiError) and exc.status in (429, 500, 502, 503, 504)


def _transfer(method: str, url: str, *, content: bytes | None, headers: Mapping[str, str]) -> Any:
    """One request to a pre-signed URL: no credentials but the ``headers`` given, retried
    (it is idempotent) on network failures and 429/5xx. The URL is never logged: its query
    is the signature."""
    where = url.split("?", 1)[0]

    def attempt() -> Any:
        with httpx.Client(timeout=_TRANSFER_TIMEOUT) as http:
            response = http.request(method, url, content=content, headers=dict(headers))
        if response.is_success:
            return response.content
        cls = error_for_status(response.status_code)
        code, message = _storage_error(response.text)
        raise cls(
            response.status_code,
            code or response.reason_phrase or "transfer.failed",
            message or "the transfer was refused",
            method=method,
            path=where,
        )

    try:
        for attempt_state in Retrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(_TRANSFER_ATTEMPTS),
            wait=wait_random_exponential(multiplier=0.25, max=10),
            reraise=True,
        ):
            with attempt_state:
                return attempt()
    except httpx.TransportError as exc:
        said = _without_queries(str(exc).replace(url, where))
        raise TransportError(f"{method} {where}: {type(exc).__name__}: {said}") from None
    raise AssertionError("unreachable")  # pragma: no cover


_STORAGE_CODE = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,63}")
_URL_QUERY = re.compile(r"([a-z][a-z0-9+.-]*://[^\s?#\"'<>]*)[?#][^\s\"'<>]*", re.IGNORECASE)


def _without_queries(text: str) -> str:
    """``text`` with the query (and fragment) of every URL in it cut off: a pre-signed URL's
    query is its signature."""
    return _URL_QUERY.sub(r"\1", text)


def _storage_error(body: str) -> tuple[str, str]:
    """(code, message) of a storage service's error body (``<Error><Code>…</Code><Message>…``
    XML, or JSON with ``code``/``message``, possibly under ``error``), or empty strings.

    Nothing else of the body is kept: a signature error (``SignatureDoesNotMatch``) also holds
    the access key id, the string signed and the signature. The message is cut to 200
    characters and loses any URL query.
    """
    code = message = ""
    text = body.strip()
    if text.startswith("{"):
        try:
            found = json.loads(text)
        except ValueError:
            found = None
        if isinstance(found, dict):
            inner = found.get("error") or found.get("Error")
            where: dict[str, Any] = inner if isinstance(inner, dict) else found
            raw_code = where.get("code") or where.get("Code")
            if raw_code is None and isinstance(inner, str):
                raw_code = inner
            raw_message = where.get("message") or where.get("Message")
            code = str(raw_code) if isinstance(raw_code, (str, int)) else ""
            message = raw_message if isinstance(raw_message, str) else ""
    elif text.startswith("<"):
        tag_code = re.search(r"<Code>([^<]{1,200})</Code>", text)
        tag_message = re.search(r"<Message>([^<]{1,2000})</Message>", text)
        code = html.unescape(tag_code.group(1)).strip() if tag_code else ""
        message = html.unescape(tag_message.group(1)) if tag_message else ""
    if not _STORAGE_CODE.fullmatch(code):
        code = ""
    message = " ".join(_without_queries(message).split())
    if len(message) > 200:
        message = message[:199] + "…"
    return code, message


def _upload(upload: ImportForecastUpload, payload: bytes) -> None:
    _transfer("PUT", upload.url, content=payload, headers=upload.headers)


def _download(url: str) -> Any:
    raw = _transfer("GET", url, content=None, headers={})
    if raw[:2] == b"\x1f\x8b":  # stored gzipped without a Content-Encoding header
        raw = gzip.decompress(raw)
    return json.loads(raw)


def _inline(answer: StaffingRequirement) -> StaffingRequirement:
    """Results given only as ``downloadUrl`` fetched and put in place (document shape
    unconfirmed: a result object with ``planningGroupStaffingRequirements``, or a whole
    response with ``results``)."""
    weeks = []
    for week in answer.results or []:
        if week.planning_group_staffing_requirements is None and week.download_url:
            document = _download(week.download_url)
            if isinstance(document, dict) and "results" in document:
                found = [
                    r
                    for r in document.get("results") or []
                    if (r.get("weekNumber") or 0) == (week.week_number or 0)
                ]
                document = found[0] if found else {}
            groups = (document or {}).get("planningGroupStaffingRequirements") or []
            week = week.model_copy(
                update={
                    "planning_group_staffing_requirements": [
                        StaffingRequirementsPlanningGroupData.model_validate(g) for g in groups
                    ]
                }
            )
        weeks.append(week)
    return answer.model_copy(update={"results": weeks})


__all__ = [
    "DAYS_OF_WEEK",
    "INTERVALS_PER_WEEK",
    "INTERVAL_MINUTES",
    "ON_QUEUE_CATEGORY",
    "ActivityCode",
    "AgentSchedule",
    "AgentScheduleActivity",
    "AgentScheduleShift",
    "AgentSchedulesResult",
    "AgentSchedulesSearch",
    "BuAbandonRate",
    "BuAverageSpeedOfAnswer",
    "BuServiceLevel",
    "BusinessUnit",
    "BusinessUnitSettings",
    "ForecastPlanningGroupData",
    "ForecastResult",
    "ImportForecastResponse",
    "ImportForecastUpload",
    "PlanningGroup",
    "PublishedScheduleRef",
    "RoutePath",
    "ScheduleRef",
    "ServiceGoalTemplate",
    "ShortTermForecast",
    "ShortTermForecastImport",
    "StaffingRequirement",
    "StaffingRequirementsPlanningGroupData",
    "StaffingRequirementsWeek",
    "WfmApi",
    "WfmMetadata",
    "WfmOperationError",
]
