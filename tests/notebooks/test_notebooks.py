"""The real notebooks, run by papermill against a sandbox org, checked against its ground truth."""

from __future__ import annotations

import datetime as dt
import json
import os
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
from routingkit.sandbox import ground_truth, running_sandbox
from routingkit.sandbox.config import DEFAULT_CLIENT_SECRET

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
    for stem in ("01_history", "02_staffing"):
        for suffix in (".ipynb", ".html", ".summary.json"):
            assert (out / f"{stem}{suffix}").stat().st_size > 0
    for table in (
        "history.csv",
        "queue_summary.csv",
        "estimates.csv",
        "capacities.csv",
        "capacities.json",
        "volume_heatmap.png",
    ):
        assert (out / table).stat().st_size > 0, table
    index = (out / "index.html").read_text()
    assert "01_history.html" in index and "02_staffing.html" in index
    assert "capacities.csv" in index


def test_html_reports_have_plots_and_no_code(demo: tuple[Path, dict]) -> None:
    out, _ = demo
    for stem, plots in (("01_history", 5), ("02_staffing", 3)):
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


def test_staffing_curve_follows_the_seeded_arrivals(demo: tuple[Path, dict]) -> None:
    """Monday's requirement from four weeks of history against the one from the true model."""
    out, truth = demo
    capacities = pd.read_csv(out / "capacities.csv")
    monday = capacities[capacities["weekday"] == 0]
    for queue in truth["queues"]:
        if queue["media_type"] != "voice":
            continue
        rows = monday[monday["queue_name"] == queue["queue_name"]].sort_values("slot")
        # truth is per 15-minute slot; the report's slots are 30 minutes
        rate = np.asarray(queue["arrival_rate_per_second"][0]).reshape(-1, 2).mean(axis=1)
        expected = required_agents(
            rate * queue["mean_handle_seconds"],
            queue["mean_handle_seconds"],
            20.0,
            0.8,
            model="erlang_a",
            patience=queue["patience_seconds"],
            max_abandon=0.05,
            max_occupancy=0.85,
        )
        agents = rows["required_agents"].to_numpy()
        assert len(agents) == len(rate)
        assert np.corrcoef(agents, expected)[0, 1] > 0.98, queue["queue_name"]
        assert np.all(np.abs(agents - expected) <= np.maximum(2, 0.15 * expected)), queue
        assert agents[rate == 0].max(initial=0) == 0  # nobody staffed while closed


def test_staffing_report_compares_with_the_agents_actually_staffed(
    demo: tuple[Path, dict],
) -> None:
    out, _ = demo
    executed = nbformat.read(out / "02_staffing.ipynb", as_version=4)
    text = "".join(str(o) for c in executed.cells for o in c.get("outputs", []))
    assert "does not report agents on queue" not in text  # the sandbox knows its staffing
    assert "staffed" in (out / "02_staffing.html").read_text()


def test_summaries_carry_the_key_figures(demo: tuple[Path, dict]) -> None:
    out, truth = demo
    history = json.loads((out / "01_history.summary.json").read_text())
    assert history["figures"]["queues"] == len(truth["queues"])
    assert history["figures"]["offered"] > 50_000
    staffing = json.loads((out / "02_staffing.summary.json").read_text())
    peaks = staffing["figures"]["peak_required_agents"]
    assert set(peaks) == {q["queue_name"] for q in truth["queues"]}
    hours = staffing["figures"]["agent_hours_per_week"]
    # simulation only ever adds to the Erlang A staffing it starts from
    assert hours["simulation"] >= hours["erlang_a"]
    capacities = json.loads((out / "capacities.json").read_text())
    assert len(capacities["queues"]) == len(truth["queues"])
    assert capacities["goals"]["service_level"] == 0.8


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
    executed = (out / "01_history.ipynb").read_text()
    assert "AuthenticationError" in executed and secret not in executed
