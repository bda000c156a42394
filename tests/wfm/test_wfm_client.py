"""routingkit's typed WFM client against the sandbox (and a stand-in for a download URL)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import PureCloudPlatformClientV2 as sdk
import pytest
from wfm_helpers import WEEK, queue_ids

from routingkit.genesys import ConflictError, GenesysClient
from routingkit.genesys.wfm import (
    ForecastPlanningGroupData,
    ShortTermForecastImport,
    WfmApi,
)

INTERVALS = 7 * 96


def test_the_wfm_api_comes_from_its_own_module() -> None:
    client = GenesysClient("https://api.example.test", httpx.BasicAuth("u", "p"))
    assert type(client.wfm) is WfmApi


def test_reads_business_units_planning_groups_and_templates(
    client: GenesysClient, truth: dict[str, Any]
) -> None:
    (listed,) = client.wfm.business_units()
    assert listed.id and listed.settings is None  # listings carry no settings
    unit_id = listed.id
    unit = client.wfm.business_unit(unit_id)
    assert unit.settings is not None and unit.settings.start_day_of_week == "Monday"
    groups = {g.name: g for g in client.wfm.planning_groups(unit_id)}
    templates = {t.id: t for t in client.wfm.service_goal_templates(unit_id)}
    vip = groups["VIP"]
    assert vip.route_paths is not None and vip.route_paths[0].media_type == "Voice"
    assert vip.route_paths[0].queue is not None
    assert vip.route_paths[0].queue.id == queue_ids(truth)["VIP - Voice"]
    assert vip.service_goal_template is not None and vip.metadata is not None
    template = templates[vip.service_goal_template.id]
    assert template.service_level is not None
    assert (template.service_level.percent, template.service_level.seconds) == (90, 10)
    assert client.wfm.planning_group(unit_id, str(vip.id)).name == "VIP"
    assert client.wfm.service_goal_template(unit_id, str(template.id)).name == template.name


def test_a_template_update_carries_its_version_and_a_stale_one_is_refused(
    client: GenesysClient, sdk_client: sdk.ApiClient
) -> None:
    (unit,) = client.wfm.business_units()
    assert unit.id
    template = next(t for t in client.wfm.service_goal_templates(unit.id) if t.name == "Chat 80/60")
    assert template.abandon_rate is not None and template.metadata is not None
    first_version = template.metadata.version
    template.abandon_rate.percent = 12
    updated = client.wfm.update_service_goal_template(unit.id, template)
    assert updated.metadata is not None and updated.metadata.version == (first_version or 0) + 1
    reader = sdk.WorkforceManagementApi(sdk_client)
    read = reader.get_workforcemanagement_businessunit_servicegoaltemplate(unit.id, template.id)
    assert read.abandon_rate.percent == 12 and read.service_level.seconds == 60

    template.abandon_rate.percent = 20  # still carrying the version read before the update
    with pytest.raises(ConflictError, match="changed since it was read") as refused:
        client.wfm.update_service_goal_template(unit.id, template)
    assert refused.value.status == 409
    read = reader.get_workforcemanagement_businessunit_servicegoaltemplate(unit.id, template.id)
    assert read.abandon_rate.percent == 12


def test_a_forecast_import_reads_back_identical_with_a_staffing_requirement(
    client: GenesysClient,
) -> None:
    (unit,) = client.wfm.business_units()
    assert unit.id
    groups = {g.name: g for g in client.wfm.planning_groups(unit.id)}
    offered = ([0.0] * 36 + [3.25] * 48 + [0.0] * 12) * 7
    document = ShortTermForecastImport(
        description="client round trip",
        planning_groups=[
            ForecastPlanningGroupData(
                planning_group_id=str(groups["Email"].id),
                offered_per_interval=offered,
                average_handle_time_seconds_per_interval=[480.0] * INTERVALS,
            )
        ],
    )
    forecast = client.wfm.import_short_term_forecast(unit.id, WEEK, document)
    assert forecast.id and forecast.description == "client round trip"
    assert forecast.creation_method == "Import" and forecast.week_date == WEEK
    data = client.wfm.forecast_data(unit.id, WEEK, forecast.id)
    assert [g.to_api() for g in data.planning_groups] == [
        g.to_api() for g in document.planning_groups
    ]
    staffing = client.wfm.staffing_requirement(unit.id, WEEK, forecast.id)
    assert staffing.state == "Complete"
    required = staffing.per_planning_group()[str(groups["Email"].id)]
    assert len(required) == INTERVALS and max(required) > 0
    detail = client.wfm.short_term_forecast(unit.id, WEEK, forecast.id)
    assert detail.planning_groups is not None


@pytest.fixture()
def download_server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A stand-in for a pre-signed download URL: it answers one JSON document."""
    seen: list[dict[str, str]] = []
    document = {
        "weekNumber": 0,
        "planningGroupStaffingRequirements": [
            {"planningGroupId": "pg-1", "staffingRequirementsPerInterval": [1.0, 2.0, 3.0]}
        ],
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            body = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/results/1?X-Signature=abc", seen
    finally:
        server.shutdown()
        server.server_close()


def test_results_given_only_at_a_download_url_are_fetched_without_the_token(
    download_server: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = download_server
    answers = iter(
        [
            {"state": "Processing"},
            {"state": "Complete", "results": [{"weekNumber": 0, "downloadUrl": url}]},
        ]
    )

    def org(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/staffingrequirement")
        return httpx.Response(200, json=next(answers))

    client = GenesysClient(
        "https://api.example.test",
        httpx.BasicAuth("client", "secret"),
        transport=httpx.MockTransport(org),
    )
    staffing = client.wfm.staffing_requirement("bu", WEEK, "forecast-1")
    assert staffing.per_planning_group() == {"pg-1": [1.0, 2.0, 3.0]}
    assert len(seen) == 1 and "Authorization" not in seen[0]
