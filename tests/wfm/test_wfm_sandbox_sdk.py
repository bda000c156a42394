"""The sandbox's WFM surface, read and written by the official Genesys SDK unchanged."""

from __future__ import annotations

import gzip
import json
import time
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest
from PureCloudPlatformClientV2.rest import ApiException
from wfm_helpers import WEEK, assert_lossless, queue_ids

from routingkit.sandbox import SandboxServer

W = WEEK.isoformat()
BASE = "/api/v2/workforcemanagement/businessunits"
INTERVALS = 7 * 96


@pytest.fixture(scope="module")
def wfm(sdk_client: sdk.ApiClient) -> sdk.WorkforceManagementApi:
    return sdk.WorkforceManagementApi(sdk_client)


@pytest.fixture(scope="module")
def bu_id(wfm: sdk.WorkforceManagementApi) -> str:
    return str(wfm.get_workforcemanagement_businessunits().entities[0].id)


def groups_by_name(wfm: sdk.WorkforceManagementApi, bu_id: str) -> dict[str, Any]:
    listing = wfm.get_workforcemanagement_businessunit_planninggroups(bu_id)
    return {g.name: g for g in listing.entities}


def templates_by_name(wfm: sdk.WorkforceManagementApi, bu_id: str) -> dict[str, Any]:
    listing = wfm.get_workforcemanagement_businessunit_servicegoaltemplates(bu_id)
    return {t.name: t for t in listing.entities}


def test_the_sdk_reads_the_business_unit_and_its_settings(
    wfm: sdk.WorkforceManagementApi, sdk_client: sdk.ApiClient, api: httpx.Client, bu_id: str
) -> None:
    units = wfm.get_workforcemanagement_businessunits()
    assert [u.name for u in units.entities] == ["Contact Centre"]
    unit = wfm.get_workforcemanagement_businessunit(bu_id, expand=["settings"])
    assert unit.settings.start_day_of_week == "Monday"
    assert unit.settings.time_zone == "America/Chicago"
    assert unit.settings.metadata.version == 1
    assert wfm.get_workforcemanagement_businessunit(bu_id).settings is None  # not expanded
    assert_lossless(sdk_client, api.get(BASE).json(), "BusinessUnitListing")
    raw = api.get(f"{BASE}/{bu_id}", params={"expand": "settings"}).json()
    assert_lossless(sdk_client, raw, "BusinessUnitResponse")


def test_planning_groups_route_the_seeded_queues(
    wfm: sdk.WorkforceManagementApi,
    sdk_client: sdk.ApiClient,
    api: httpx.Client,
    bu_id: str,
    truth: dict[str, Any],
) -> None:
    raw = api.get(f"{BASE}/{bu_id}/planninggroups").json()
    assert_lossless(sdk_client, raw, "PlanningGroupList")
    routing = sdk.RoutingApi(sdk_client)
    media = {q["queue_id"]: q["media_type"] for q in truth["queues"]}
    groups = groups_by_name(wfm, bu_id)
    for group in groups.values():
        assert group.metadata.version >= 1 and group.service_goal_template.id
        for path in group.route_paths:
            queue = routing.get_routing_queue(path.queue.id)  # a real queue of the org
            assert path.media_type == media[queue.id].capitalize()
    ids = queue_ids(truth)
    sales = {p.queue.id for p in groups["Sales Voice"].route_paths}
    assert sales == {ids["Sales - Voice"], ids["Sales - Overflow"]}
    routed = {p.queue.id for g in groups.values() for p in g.route_paths}
    assert ids["Callbacks"] not in routed and ids["Technical - Voice"] not in routed


def test_a_template_disagrees_with_its_queues_own_goal(
    wfm: sdk.WorkforceManagementApi,
    sdk_client: sdk.ApiClient,
    api: httpx.Client,
    bu_id: str,
    truth: dict[str, Any],
) -> None:
    raw = api.get(f"{BASE}/{bu_id}/servicegoaltemplates").json()
    assert_lossless(sdk_client, raw, "ServiceGoalTemplateList")
    group = groups_by_name(wfm, bu_id)["Sales Voice"]
    template = wfm.get_workforcemanagement_businessunit_servicegoaltemplate(
        bu_id, group.service_goal_template.id
    )
    assert (template.service_level.include, template.service_level.percent) == (True, 85)
    assert template.service_level.seconds == 15
    queue = sdk.RoutingApi(sdk_client).get_routing_queue(queue_ids(truth)["Sales - Voice"])
    level = queue.media_settings.call.service_level
    assert (level.percentage, level.duration_ms) == (0.8, 20000)


def test_a_stale_template_version_is_refused_and_changes_nothing(
    wfm: sdk.WorkforceManagementApi, bu_id: str
) -> None:
    template = templates_by_name(wfm, bu_id)["Billing voice 80/30"]
    read_version = template.metadata.version
    first = sdk.UpdateServiceGoalTemplate()
    first.abandon_rate = sdk.BuAbandonRate()
    first.abandon_rate.include = True
    first.abandon_rate.percent = 7
    first.metadata = sdk.WfmVersionedEntityMetadata()
    first.metadata.version = read_version
    updated = wfm.patch_workforcemanagement_businessunit_servicegoaltemplate(
        bu_id, template.id, first
    )
    assert updated.metadata.version == read_version + 1
    assert updated.abandon_rate.percent == 7 and updated.service_level.percent == 80

    stale = sdk.UpdateServiceGoalTemplate()
    stale.abandon_rate = sdk.BuAbandonRate()
    stale.abandon_rate.include = True
    stale.abandon_rate.percent = 3
    stale.metadata = sdk.WfmVersionedEntityMetadata()
    stale.metadata.version = read_version  # what the second writer read, before the first wrote
    with pytest.raises(ApiException) as refused:
        wfm.patch_workforcemanagement_businessunit_servicegoaltemplate(bu_id, template.id, stale)
    assert refused.value.status == 409
    assert f"version {read_version + 1}" in json.loads(refused.value.body)["message"]
    after = wfm.get_workforcemanagement_businessunit_servicegoaltemplate(bu_id, template.id)
    assert (after.abandon_rate.percent, after.metadata.version) == (7, read_version + 1)


def test_a_stale_planning_group_version_is_refused(
    wfm: sdk.WorkforceManagementApi, bu_id: str
) -> None:
    group = groups_by_name(wfm, bu_id)["Billing Voice"]
    body = sdk.UpdatePlanningGroupRequest()
    body.name = group.name
    body.metadata = sdk.WfmVersionedEntityMetadata()
    body.metadata.version = group.metadata.version
    assert (
        wfm.patch_workforcemanagement_businessunit_planninggroup(
            bu_id, group.id, body
        ).metadata.version
        == group.metadata.version + 1
    )
    with pytest.raises(ApiException) as refused:
        wfm.patch_workforcemanagement_businessunit_planninggroup(bu_id, group.id, body)
    assert refused.value.status == 409


def test_a_route_path_belongs_to_one_planning_group(
    api: httpx.Client, wfm: sdk.WorkforceManagementApi, bu_id: str, truth: dict[str, Any]
) -> None:
    group = groups_by_name(wfm, bu_id)["VIP"]
    answer = api.patch(
        f"{BASE}/{bu_id}/planninggroups/{group.id}",
        json={
            "routePaths": {
                "values": [{"queueId": queue_ids(truth)["Sales - Voice"], "mediaType": "Voice"}]
            },
            "metadata": {"version": group.metadata.version},
        },
    )
    assert answer.status_code == 400
    assert "already routed to planning group 'Sales Voice'" in answer.json()["message"]


def _document(planning_group_id: str, description: str) -> dict[str, Any]:
    offered = [0.0] * 32 + [12.5] * 40 + [0.0] * 24
    return {
        "description": description,
        "weekCount": 1,
        "planningGroups": [
            {
                "planningGroupId": planning_group_id,
                "offeredPerInterval": offered * 7,
                "averageHandleTimeSecondsPerInterval": [310.0] * INTERVALS,
            }
        ],
    }


def _upload(api: httpx.Client, bu_id: str, document: dict[str, Any]) -> str:
    raw = gzip.compress(json.dumps(document).encode())
    wfm_url = f"{BASE}/{bu_id}/weeks/{W}/shorttermforecasts/import/uploadurl"
    upload = api.post(wfm_url, json={"contentLengthBytes": len(raw)}).json()
    put = httpx.put(upload["url"], content=raw, headers=upload["headers"])
    assert put.status_code == 200, put.text
    return str(upload["uploadKey"])


def test_a_forecast_import_is_uploaded_processed_and_staffed(
    wfm: sdk.WorkforceManagementApi, sdk_client: sdk.ApiClient, api: httpx.Client, bu_id: str
) -> None:
    group = groups_by_name(wfm, bu_id)["Support Voice"]
    document = _document(group.id, "sdk import")
    raw = gzip.compress(json.dumps(document).encode())
    request = sdk.UploadUrlRequestBody()
    request.content_length_bytes = len(raw)
    upload = wfm.post_workforcemanagement_businessunit_week_shorttermforecasts_import_uploadurl(
        bu_id, W, request
    )
    assert upload.url.startswith("http://127.0.0.1:")  # the sandbox serves it itself
    put = httpx.put(upload.url, content=raw, headers=upload.headers)
    assert put.status_code == 200, put.text
    process = sdk.WfmProcessUploadRequest()
    process.upload_key = upload.upload_key
    started = wfm.post_workforcemanagement_businessunit_week_shorttermforecasts_import(
        bu_id, W, process
    )
    assert started.status == "Processing" and started.operation_id

    forecast = None
    for _ in range(100):
        listing = wfm.get_workforcemanagement_businessunit_week_shorttermforecasts(bu_id, W)
        forecast = next((f for f in listing.entities if f.description == "sdk import"), None)
        if forecast is not None:
            break
        time.sleep(0.05)
    assert forecast is not None and forecast.creation_method == "Import"
    path = f"{BASE}/{bu_id}/weeks/{W}/shorttermforecasts"
    assert_lossless(sdk_client, api.get(path).json(), "BuShortTermForecastListing")
    full = api.get(f"{path}/{forecast.id}", params={"expand": "planningGroups"}).json()
    read = assert_lossless(sdk_client, full, "BuShortTermForecast")
    assert read.planning_groups.entities[0].service_goal_template.service_level.percent == 80

    data = wfm.get_workforcemanagement_businessunit_week_shorttermforecast_data(
        bu_id, W, forecast.id
    )
    assert_lossless(
        sdk_client, api.get(f"{path}/{forecast.id}/data").json(), "BuForecastResultResponse"
    )
    pushed = document["planningGroups"][0]
    got = data.result.planning_groups[0]
    assert got.planning_group_id == group.id
    assert got.offered_per_interval == pushed["offeredPerInterval"]
    assert (
        got.average_handle_time_seconds_per_interval
        == pushed["averageHandleTimeSecondsPerInterval"]
    )

    staffing = wfm.get_workforcemanagement_businessunit_week_shorttermforecast_staffingrequirement
    assert staffing(bu_id, W, forecast.id).state == "Processing"
    for _ in range(100):
        answer = staffing(bu_id, W, forecast.id)
        if answer.state == "Complete":
            break
        time.sleep(0.05)
    assert answer.state == "Complete" and answer.interval_length_minutes == 15
    raw_answer = api.get(f"{path}/{forecast.id}/staffingrequirement").json()
    assert_lossless(sdk_client, raw_answer, "BuForecastStaffingRequirementsResultResponse")
    required = answer.results[0].planning_group_staffing_requirements[0]
    agents = required.staffing_requirements_per_interval
    assert len(agents) == INTERVALS
    # 12.5 offered per 15 minutes at 310 s is 4.3 Erlangs: Erlang C needs 7 for 80 % in 20 s
    busy = [a for a, o in zip(agents, pushed["offeredPerInterval"], strict=True) if o > 0]
    assert set(busy) == {7.0}
    assert all(a == 0 for a, o in zip(agents, pushed["offeredPerInterval"], strict=True) if o == 0)


def test_staffing_requirements_cannot_be_written(api: httpx.Client, bu_id: str) -> None:
    path = f"{BASE}/{bu_id}/weeks/{W}/shorttermforecasts/any/staffingrequirement"
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert api.request(method, path, json={}).status_code == 405


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"offeredPerInterval": [1.0] * 671}, "planningGroups[0].offeredPerInterval"),
        ({"planningGroupId": "no-such-group"}, "planningGroups[0].planningGroupId"),
        ({"averageHandleTimeSecondsPerInterval": [-1.0] * INTERVALS}, "planningGroups[0]"),
    ],
)
def test_a_malformed_forecast_is_refused_naming_the_field(
    api: httpx.Client,
    wfm: sdk.WorkforceManagementApi,
    bu_id: str,
    change: dict[str, Any],
    field: str,
) -> None:
    document = _document(groups_by_name(wfm, bu_id)["VIP"].id, "malformed")
    document["planningGroups"][0].update(change)
    key = _upload(api, bu_id, document)
    answer = api.post(
        f"{BASE}/{bu_id}/weeks/{W}/shorttermforecasts/import", json={"uploadKey": key}
    )
    assert answer.status_code == 400
    assert answer.json()["details"][0]["fieldName"].startswith(field)


def test_uploads_and_weeks_are_checked(
    api: httpx.Client, wfm_org: SandboxServer, wfm: sdk.WorkforceManagementApi, bu_id: str
) -> None:
    forecasts = f"{BASE}/{bu_id}/weeks/{W}/shorttermforecasts"
    tuesday = api.get(f"{BASE}/{bu_id}/weeks/2026-11-24/shorttermforecasts")
    assert tuesday.status_code == 400 and "start on Monday" in tuesday.json()["message"]
    upload = api.post(f"{forecasts}/import/uploadurl", json={"contentLengthBytes": 10}).json()
    without_token = {k: v for k, v in upload["headers"].items() if k != "Authorization"}
    assert httpx.put(upload["url"], content=b"x" * 10, headers=without_token).status_code == 401
    not_gzip = httpx.put(upload["url"], content=b"x" * 10, headers=upload["headers"])
    assert not_gzip.status_code == 400 and "gzip" in not_gzip.json()["message"]
    nothing = api.post(f"{forecasts}/import", json={"uploadKey": upload["uploadKey"]})
    assert nothing.status_code == 400 and "nothing was uploaded" in nothing.json()["message"]

    document = _document(groups_by_name(wfm, bu_id)["VIP"].id, "once")
    key = _upload(api, bu_id, document)
    assert api.post(f"{forecasts}/import", json={"uploadKey": key}).status_code == 202
    again = api.post(f"{forecasts}/import", json={"uploadKey": key})
    assert again.status_code == 400 and "already imported" in again.json()["message"]
