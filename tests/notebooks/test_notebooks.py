"""The real notebooks, run by papermill against a sandbox org, checked against its ground truth."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from routingkit.capacity import required_agents
from routingkit.demo import DEMO_NOTEBOOKS, NOTEBOOKS_DIR, run_demo
from routingkit.policy import CapacityPlan
from routingkit.report import formats as fmt
from routingkit.report.render_check import check_html, find_browser
from routingkit.sandbox import ground_truth, running_sandbox
from routingkit.sandbox.config import DEFAULT_CLIENT_SECRET
from routingkit.staffing_table import staff_workload

TODAY = dt.date(2026, 11, 16)  # the sandbox's pinned calendar: the same history every run


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("demo")
    db = root / "org.sqlite3"
    end = TODAY.isoformat()
    out = run_demo(
        root / "reports",
        db_path=db,
        today=TODAY,
        parameters={
            "01_history.ipynb": {"end_date": end},
            "02_staffing.ipynb": {"end_date": end, "replications": 5},
        },
    )
    return out, ground_truth(db)


def test_notebooks_are_committed_without_outputs() -> None:
    for name in DEMO_NOTEBOOKS:
        notebook = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, name
        tags = [c.metadata.get("tags", []) for c in notebook.cells]
        assert ["parameters"] in tags, f"{name} has no parameters cell"


def test_every_report_file_is_written(demo: tuple[Path, dict]) -> None:
    out, _ = demo
    for stem in ("01_history", "02_staffing", "03_deploy"):
        for suffix in (".ipynb", ".html", ".summary.json"):
            assert (out / f"{stem}{suffix}").stat().st_size > 0
    for table in (
        "history.csv",
        "queue_summary.csv",
        "estimates.csv",
        "capacity_plan.csv",
        "capacity_plan.json",
        "workload.csv",
        "plan.json",
        "volume_heatmap.png",
    ):
        assert (out / table).stat().st_size > 0, table
    index = (out / "index.html").read_text()
    assert "01_history.html" in index and "02_staffing.html" in index
    assert "capacity_plan.json" in index


def test_html_reports_have_plots_and_no_code(demo: tuple[Path, dict]) -> None:
    out, _ = demo
    for stem, plots in (("01_history", 5), ("02_staffing", 3), ("03_deploy", 1)):
        page = (out / f"{stem}.html").read_text()
        assert page.count("<img") >= plots, stem
        for code in ("fetch_history(", "import ", "record_figures("):
            assert code not in page.split("<body", 1)[1].replace("@import", ""), (stem, code)
        assert "Traceback" not in page


def test_no_secret_reaches_any_output(demo: tuple[Path, dict]) -> None:
    out, _ = demo
    for path in out.iterdir():
        if path.suffix in (".ipynb", ".html", ".json", ".csv"):
            assert DEFAULT_CLIENT_SECRET not in path.read_text(errors="ignore"), path.name


def test_recovered_aht_matches_the_ground_truth(demo: tuple[Path, dict]) -> None:
    out, truth = demo
    estimates = pd.read_csv(out / "estimates.csv")
    for queue in truth["queues"]:
        row = estimates[estimates["queue_name"] == queue["queue_name"]].iloc[0]
        tolerance = 0.03 if row["handled"] > 10_000 else 0.05
        error = row["aht_seconds"] / queue["mean_handle_seconds"] - 1
        assert abs(error) < tolerance, (queue["queue_name"], error)


def test_each_queue_is_staffed_to_the_goal_the_org_configured(demo: tuple[Path, dict]) -> None:
    out, truth = demo
    plan = CapacityPlan.load(out)
    assert {q.queue_id for q in plan.queues} == {q["queue_id"] for q in truth["queues"]}
    sources = set()
    for queue in truth["queues"]:
        goal = plan.queue(queue["queue_id"], queue["media_type"]).goal
        own = (queue["service_level"]["percentage"], queue["service_level"]["duration_ms"] / 1000)
        sources.add(goal.source)
        if goal.source == "org":
            assert (goal.service_level, goal.target_seconds) == own, queue["queue_name"]
        else:  # the planning group's WFM goal wins, and a disagreement is reported
            assert goal.source == "wfm" and goal.note.startswith("WFM service goal template")
            if (goal.service_level, goal.target_seconds) != own:
                assert "the queue's own setting says" in goal.note, queue["queue_name"]
    assert sources == {"org", "wfm"}  # the sandbox has planning groups for some queues only
    sales = next(q for q in plan.queues if q.queue_name == "Sales - Voice")
    assert (sales.goal.service_level, sales.goal.target_seconds, sales.goal.source) == (
        0.85,
        15.0,
        "wfm",
    )


def test_staffing_curve_follows_the_seeded_arrivals(demo: tuple[Path, dict]) -> None:
    """Monday's requirement from four weeks of history against the one from the true model."""
    out, truth = demo
    plan = CapacityPlan.load(out)
    assert plan.interval_seconds == 1800 and plan.options.model == "erlang_a"
    for queue in truth["queues"]:
        if queue["media_type"] != "voice":
            continue
        mine = plan.queue(queue["queue_id"], "voice")
        monday = sorted((i for i in mine.intervals if i.weekday == 0), key=lambda i: i.slot_minute)
        # truth is per 15-minute slot; the report's slots are 30 minutes
        rate = np.asarray(queue["arrival_rate_per_second"][0]).reshape(-1, 2).mean(axis=1)
        expected = required_agents(
            rate * queue["mean_handle_seconds"],
            queue["mean_handle_seconds"],
            mine.goal.target_seconds,
            mine.goal.service_level,
            model="erlang_a",
            patience=queue["patience_seconds"],
        )
        agents = np.array([i.required_agents for i in monday])
        assert len(agents) == len(rate)
        # small queues move in steps of one agent: their curves correlate a little less
        floor = 0.98 if expected.max() >= 10 else 0.95
        assert np.corrcoef(agents, expected)[0, 1] > floor, queue["queue_name"]
        assert np.all(np.abs(agents - expected) <= np.maximum(2, 0.15 * expected)), queue
        assert agents[rate == 0].max(initial=0) == 0  # nobody staffed while closed
        for interval in monday:
            if interval.arrival_rate > 0:
                assert interval.service_level >= mine.goal.service_level


def test_the_cli_the_notebook_and_the_api_give_the_same_agents(
    demo: tuple[Path, dict], tmp_path: Path
) -> None:
    out, _ = demo
    notebook = CapacityPlan.load(out).to_frame()
    result = subprocess.run(
        [sys.executable, "-m", "routingkit.cli", "staffing", "--workload",
         str(out / "workload.csv"), "--output-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    cli = CapacityPlan.load(tmp_path).to_frame()
    _, api_plan = staff_workload(out / "workload.csv")
    api = api_plan.to_frame()
    keys = ["queue_id", "media_type", "weekday", "slot_minute"]
    for other in (cli, api):
        merged = notebook.merge(other, on=keys, suffixes=("", "_other"), validate="1:1")
        assert len(merged) == len(notebook)
        assert (merged["required_agents"] == merged["required_agents_other"]).all()
        assert (merged["rostered_agents"] == merged["rostered_agents_other"]).all()
        assert (merged["target_seconds"] == merged["target_seconds_other"]).all()


def test_staffing_report_compares_with_the_agents_actually_staffed(
    demo: tuple[Path, dict],
) -> None:
    out, _ = demo
    executed = nbformat.read(out / "02_staffing.ipynb", as_version=4)
    text = "".join(str(o) for c in executed.cells for o in c.get("outputs", []))
    # scheduled and staffed come from the org's schedules and routing status, as on any org
    assert "scheduled from published schedules, staffed from routing status" in text
    assert not (out / "staffed_agents.csv").exists()  # no sandbox-only file any more
    # the demo gave WFM a forecast of the week compared: its requirement is compared too
    assert "WFM requires" in text and "No WFM staffing requirement" not in text
    assert "staffed" in (out / "02_staffing.html").read_text()


def test_summaries_carry_the_key_figures(demo: tuple[Path, dict]) -> None:
    out, truth = demo
    history = json.loads((out / "01_history.summary.json").read_text())
    assert history["figures"]["queues"] == len(truth["queues"])
    assert history["figures"]["offered"] > 50_000
    staffing = json.loads((out / "02_staffing.summary.json").read_text())
    peaks = staffing["figures"]["peak_required_agents"]
    assert set(peaks) == {f"{q['queue_name']} / {q['media_type']}" for q in truth["queues"]}
    assert staffing["figures"]["goals"]["VIP - Voice / voice"] == "90% in 10 s (wfm)"  # WFM agrees
    hours = staffing["figures"]["agent_hours_per_week"]
    # simulation only ever adds to the Erlang A staffing it starts from
    assert hours["simulation"] >= hours["erlang_a"]


def test_history_headlines_match_the_ground_truth(demo: tuple[Path, dict]) -> None:
    out, truth = demo
    figures = json.loads((out / "01_history.summary.json").read_text())["figures"]
    assert figures["window"] == {
        "start": "2026-10-19", "end": TODAY.isoformat(), "days": 28, "requested_days": 28,
        "time_zone": "America/Chicago",
    }  # fmt: skip
    assert figures["headlines"][0].startswith(
        "History: 28 days, Mon 19 Oct 2026 to Sun 15 Nov 2026 (America/Chicago): 12 queues"
    )
    for queue in truth["queues"]:
        row = figures["per_queue"][f"{queue['queue_name']} / {queue['media_type']}"]
        expected = 4 * sum(queue["expected_offered_per_weekday"])  # four weeks
        assert abs(row["offered"] / expected - 1) < 0.05, queue["queue_name"]
        assert row["goal_service_level"] == queue["service_level"]["percentage"]
        assert row["target_seconds"] == queue["service_level"]["duration_ms"] / 1000
        assert row["goal_source"] == "org"
    missed = [
        k for k, v in figures["per_queue"].items() if v["service_level"] < v["goal_service_level"]
    ]
    assert sorted(figures["missed_goal"]) == sorted(missed)
    for label in missed:
        name = label.split(" / ")[0]
        assert any(line.startswith(f"  {name}: ") for line in figures["headlines"]), label


def test_staffing_headlines_compare_required_with_the_agents_the_org_had(
    demo: tuple[Path, dict],
) -> None:
    out, truth = demo
    figures = json.loads((out / "02_staffing.summary.json").read_text())["figures"]
    week = figures["week"]
    # the sandbox simulated its history with this staffing: 15-minute slots, a typical week
    staffed_hours = sum(np.sum(q["staffing"]) * 0.25 for q in truth["queues"])
    assert week["staffed_agent_hours"] == pytest.approx(staffed_hours, rel=1e-3)
    assert week["required_agent_hours"] == pytest.approx(
        figures["agent_hours_per_week"]["erlang_a"], abs=0.1
    )
    assert week["fte"] == pytest.approx(week["required_agent_hours"] / 0.7 / 37.5, rel=1e-3)
    verdict = fmt.short_or_over(week["required_agent_hours"], week["staffed_agent_hours"])
    line = next(h for h in figures["headlines"] if h.startswith("Required (Erlang A) against"))
    assert f"agent-hours on queue, {verdict}" in line
    assert any(
        h.startswith(f"With 30 % shrinkage: {fmt.whole(week['paid_hours'])} paid hours")
        for h in figures["headlines"]
    )


def test_the_index_tells_the_story_in_headlines(demo: tuple[Path, dict]) -> None:
    out, _ = demo
    index = (out / "index.html").read_text()
    assert "History: 28 days" in index and "agent-hours on queue" in index
    assert ">Contact history</a>" in index and ">Staffing</a>" in index
    assert not re.search(r"\d\.\d{5,}", index)  # no raw floats
    assert "href='capacity_plan.json'" in index
    # the deploy report in words: what the plan did, what it predicts, the apply
    deploy = json.loads((out / "03_deploy.summary.json").read_text())["figures"]
    plan_id = deploy["plan_id"]
    assert deploy["headlines"][0].startswith(f"Plan {plan_id}: 3 queue(s) to change")
    assert any(h.startswith("Routing-network simulation") for h in deploy["headlines"])
    assert deploy["headlines"][-1].startswith("Applied: 3 of 3 object(s)")
    for line in deploy["headlines"]:
        assert html.escape(line, quote=False).split(" (apply")[0][:60] in index
    assert "applied: applied" not in index  # no key: value dump
    staffing = json.loads((out / "02_staffing.summary.json").read_text())["figures"]
    assert any(h.startswith("WFM requires") for h in staffing["headlines"])
    assert "WFM requires" in index


def test_reports_are_titled_and_free_of_raw_reprs_and_stderr(demo: tuple[Path, dict]) -> None:
    out, _ = demo
    for stem, title in (
        ("01_history", "Contact history"),
        ("02_staffing", "Staffing"),
        ("03_deploy", "Deploy"),
    ):
        page = (out / f"{stem}.html").read_text()
        assert f"<title>{title}</title>" in page
        assert "PosixPath(" not in page and "Warning" not in page
        executed = nbformat.read(out / f"{stem}.ipynb", as_version=4)
        for cell in executed.cells:
            for output in cell.get("outputs", []):
                assert output.get("name") != "stderr", (stem, output.get("text", "")[:200])
        if stem != "03_deploy":  # the deploy report opens with the plan, not headlines
            assert page.index("In short") < page.index("<img")  # headlines before any figure


def test_the_reports_render_in_a_browser_with_every_figure_and_no_overflow(
    demo: tuple[Path, dict],
) -> None:
    assert find_browser() is not None, "no Chromium: apt-get install chromium (.ci/run does)"
    out, _ = demo
    for name in ("01_history.html", "02_staffing.html", "03_deploy.html", "index.html"):
        report = check_html(out / name)
        assert report.problems == [], (name, report.problems)
        if name.startswith("0"):
            assert report.images and all(i["loaded"] for i in report.images), name


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "routingkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def small_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    db = tmp_path_factory.mktemp("cli-org") / "org.sqlite3"
    with running_sandbox(db, days=7, today=TODAY) as org:
        env = {
            **os.environ,
            "GENESYSCLOUD_OAUTHCLIENT_ID": org.config.client_id,
            "GENESYSCLOUD_OAUTHCLIENT_SECRET": org.config.client_secret,
            "GENESYSCLOUD_REGION": org.url,
        }
        yield env


def test_the_readme_report_command_works(small_org: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "support-week"
    result = _cli(
        "report",
        str(NOTEBOOKS_DIR / "01_history.ipynb"),
        "-p",
        "days",
        "7",
        "-p",
        "queues",
        '["Support - Voice"]',
        "-p",
        "end_date",
        TODAY.isoformat(),
        "--output-dir",
        str(out),
        env=small_org,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((out / "01_history.summary.json").read_text())
    assert list(summary["figures"]["per_queue"]) == ["Support - Voice / voice"]
    assert summary["parameters"]["queues"] == ["Support - Voice"]


def test_report_refuses_an_unknown_parameter_before_running(
    small_org: dict[str, str], tmp_path: Path
) -> None:
    result = _cli(
        "report",
        str(NOTEBOOKS_DIR / "01_history.ipynb"),
        "-p",
        "dayz",
        "7",
        "--output-dir",
        str(tmp_path / "x"),
        env=small_org,
    )
    assert result.returncode == 1
    assert "no parameter 'dayz'" in result.stderr
    assert not (tmp_path / "x" / "01_history.ipynb").exists()


def test_asking_for_more_history_than_exists_warns_and_staffs_from_what_exists(
    small_org: dict[str, str], tmp_path: Path
) -> None:
    runs = {}
    for days in (7, 21):  # the small org keeps 7 days
        out = tmp_path / f"days-{days}"
        result = _cli(
            "report", str(NOTEBOOKS_DIR / "02_staffing.ipynb"), "-p", "days", str(days),
            "-p", "queues", "Support - Voice", "-p", "end_date", TODAY.isoformat(),
            "-p", "replications", "2", "--output-dir", str(out), env=small_org,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        runs[days] = CapacityPlan.load(out).queues[0]
    assert runs[21].peak_required_agents == runs[7].peak_required_agents
    assert runs[21].coverage is not None and runs[21].coverage.covered_days == 7
    assert runs[21].coverage.requested_days == 21
    page = (tmp_path / "days-21" / "02_staffing.html").read_text()
    assert "no data for part of the range" in page and "7 of 21 days" in page


def test_too_little_history_fails_the_report_naming_the_queue(
    small_org: dict[str, str], tmp_path: Path
) -> None:
    result = _cli(
        "report", str(NOTEBOOKS_DIR / "02_staffing.ipynb"), "-p", "days", "4",
        "-p", "queues", "Support - Voice", "-p", "end_date", TODAY.isoformat(),
        "--output-dir", str(tmp_path / "short"), env=small_org,
    )  # fmt: skip
    assert result.returncode == 1
    assert "InsufficientHistoryError" in result.stderr and "Support - Voice" in result.stderr


def test_a_goal_parameter_overrides_the_orgs_goal(
    small_org: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "override"
    result = _cli(
        "report", str(NOTEBOOKS_DIR / "02_staffing.ipynb"), "-p", "days", "7",
        "-p", "queues", "Support - Voice", "-p", "end_date", TODAY.isoformat(),
        "-p", "goal_for", '{"Support - Voice": "95% in 15s"}', "-p", "replications", "2",
        "--output-dir", str(out), env=small_org,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    goal = CapacityPlan.load(out).queues[0].goal
    assert (goal.service_level, goal.target_seconds, goal.source) == (0.95, 15.0, "override")


def test_a_one_day_report_is_a_meaningful_report(small_org: dict[str, str], tmp_path: Path) -> None:
    """The README's nightly report: yesterday only."""
    out = tmp_path / "nightly"
    result = _cli(
        "report", str(NOTEBOOKS_DIR / "01_history.ipynb"), "-p", "days", "1",
        "-p", "end_date", TODAY.isoformat(), "--output-dir", str(out), env=small_org,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    figures = json.loads((out / "01_history.summary.json").read_text())["figures"]
    assert figures["window"]["days"] == 1
    assert figures["headlines"][0].startswith("History: 1 day, Sun 15 Nov 2026")
    assert figures["offered"] > 0
    if find_browser() is not None:
        report = check_html(out / "01_history.html")
        assert report.problems == [] and len(report.images) >= 5


def test_a_weekday_out_of_range_fails_before_the_org_is_asked(
    small_org: dict[str, str], tmp_path: Path
) -> None:
    result = _cli(
        "report", str(NOTEBOOKS_DIR / "02_staffing.ipynb"), "-p", "weekday", "9",
        "--output-dir", str(tmp_path / "wd"), env=small_org,
    )  # fmt: skip
    assert result.returncode == 1
    assert "ParameterError" in result.stderr and "weekday is 9; give 0 (Monday)" in result.stderr
    failed = nbformat.read(tmp_path / "wd" / "02_staffing.FAILED.ipynb", as_version=4)
    ran = [c for c in failed.cells if c.cell_type == "code" and c.get("execution_count")]
    assert "check_values(" in ran[-1].source  # the last cell run: the checks
    assert not any("connect()" in c.source for c in ran)  # the org was never asked


def test_an_unknown_detail_queue_is_named_with_the_queues_there_are(
    small_org: dict[str, str], tmp_path: Path
) -> None:
    result = _cli(
        "report", str(NOTEBOOKS_DIR / "01_history.ipynb"), "-p", "days", "1",
        "-p", "detail_queue", "Sales", "-p", "end_date", TODAY.isoformat(),
        "--output-dir", str(tmp_path / "dq"), env=small_org,
    )  # fmt: skip
    assert result.returncode == 1
    assert "detail_queue 'Sales' is not a queue of this report" in result.stderr
    assert "Sales - Voice" in result.stderr


def test_the_demo_applies_its_plan_on_the_sandbox_and_verifies_it(
    demo: tuple[Path, dict],
) -> None:
    out, _ = demo
    figures = json.loads((out / "03_deploy.summary.json").read_text())["figures"]
    assert figures["applied"] == "applied" and figures["queues_changed"] == 3
    page = (out / "03_deploy.html").read_text()
    assert "the local SANDBOX org" in page
    assert "it matches the policy, nothing left to change" in page


@pytest.fixture(scope="module")
def deploy_org(
    small_org: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The small org with a capacity plan from its own staffing report (for 03_deploy)."""
    out = tmp_path_factory.mktemp("deploy-staffing")
    result = _cli(
        "report", str(NOTEBOOKS_DIR / "02_staffing.ipynb"), "-p", "days", "7",
        "-p", "end_date", TODAY.isoformat(), "-p", "replications", "2",
        "--output-dir", str(out), env=small_org,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return {**small_org, "CAPACITY_PLAN": str(out / "capacity_plan.json")}


def _sdk_view(env: dict[str, str]) -> dict[str, object]:
    import PureCloudPlatformClientV2 as sdk

    api = sdk.ApiClient(host=env["GENESYSCLOUD_REGION"]).get_client_credentials_token(
        env["GENESYSCLOUD_OAUTHCLIENT_ID"], env["GENESYSCLOUD_OAUTHCLIENT_SECRET"]
    )
    routing = sdk.RoutingApi(api)
    queues = {q.name: q for q in routing.get_routing_queues(page_size=100).entities}
    vip = queues["VIP - Voice"].id
    return {
        "vip_members": sorted(
            m.id for m in routing.get_routing_queue_members(vip, page_size=100).entities
        ),
        "chat_timeout": queues["Support - Chat"].media_settings.chat.alerting_timeout_seconds,
        "ring_timeout": queues["Technical - Voice"]
        .bullseye.rings[0]
        .expansion_criteria[0]
        .threshold,
    }


def _deploy(env: dict[str, str], out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return _cli(
        "report", str(NOTEBOOKS_DIR / "03_deploy.ipynb"),
        "-p", "capacity_plan_file", env["CAPACITY_PLAN"], *extra, "--output-dir", str(out),
        env={**env, "ROUTINGKIT_STATE_DIR": str(out / "state")},
    )  # fmt: skip


def test_deploy_without_an_id_plans_only_and_writes_nothing(
    deploy_org: dict[str, str], tmp_path: Path
) -> None:
    before = _sdk_view(deploy_org)
    result = _deploy(deploy_org, tmp_path / "plan-only")
    assert result.returncode == 0, result.stderr
    assert _sdk_view(deploy_org) == before
    summary = json.loads((tmp_path / "plan-only" / "03_deploy.summary.json").read_text())
    assert summary["figures"]["applied"] == "plan only, not applied"
    assert "Plan only, not applied" in (tmp_path / "plan-only" / "03_deploy.html").read_text()


def test_deploy_with_a_stale_id_fails_naming_both_ids_and_writes_nothing(
    deploy_org: dict[str, str], tmp_path: Path
) -> None:
    before = _sdk_view(deploy_org)
    result = _deploy(deploy_org, tmp_path / "stale", "-p", "approve_plan_id", "0123456789abcdef")
    assert result.returncode == 1
    assert (
        "0123456789abcdef" in result.stderr
        and "is not the id of the plan just made" in result.stderr
    )
    assert _sdk_view(deploy_org) == before


def test_deploy_with_the_reviewed_id_applies_and_verifies(
    deploy_org: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from routingkit.demo import demo_plan_id

    for name in (
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_REGION",
    ):
        monkeypatch.setenv(name, deploy_org[name])
    plan_id = demo_plan_id({"capacity_plan_file": deploy_org["CAPACITY_PLAN"]})
    before = _sdk_view(deploy_org)
    result = _deploy(deploy_org, tmp_path / "applied", "-p", "approve_plan_id", plan_id)
    assert result.returncode == 0, result.stderr
    after = _sdk_view(deploy_org)
    assert after["chat_timeout"] == 20 and after["ring_timeout"] == 10
    assert set(before["vip_members"]) < set(after["vip_members"])
    page = (tmp_path / "applied" / "03_deploy.html").read_text()
    assert "it matches the policy, nothing left to change" in page and "VIP - Voice" in page


def test_a_failing_cell_is_named_and_the_secret_stays_out(
    small_org: dict[str, str], tmp_path: Path
) -> None:
    """A wrong secret makes the connecting cell fail: the error names the cell, no secret."""
    secret = "not-the-sandbox-secret-0123"
    env = {**small_org, "GENESYSCLOUD_OAUTHCLIENT_SECRET": secret}
    out = tmp_path / "failed"
    result = _cli(
        "report",
        str(NOTEBOOKS_DIR / "01_history.ipynb"),
        "-p",
        "days",
        "3",
        "-p",
        "end_date",
        TODAY.isoformat(),
        "--output-dir",
        str(out),
        env=env,
    )
    assert result.returncode == 1
    assert "cell" in result.stderr and "AuthenticationError" in result.stderr
    assert secret not in result.stderr + result.stdout
    executed = (out / "01_history.FAILED.ipynb").read_text()
    assert "AuthenticationError" in executed and secret not in executed
