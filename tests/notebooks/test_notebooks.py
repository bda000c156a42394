"""The real notebooks, run by papermill against a sandbox org, checked against its ground truth."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from routingkit.capacity import required_agents
from routingkit.report.demo import DEMO_NOTEBOOKS, NOTEBOOKS_DIR, run_demo
from routingkit.sandbox import ground_truth
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
