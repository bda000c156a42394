"""The index of a folder of reports tells the story in headlines, never in raw floats."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from routingkit.report.index import figure_text, index_html, notebook_title, read_entry


def write_summary(folder: Path, stem: str, figures: dict, files: list[str]) -> Path:
    path = folder / f"{stem}.summary.json"
    path.write_text(
        json.dumps(
            {
                "html": f"{stem}.html",
                "executed": f"{stem}.ipynb",
                "seconds": 12.3,
                "finished": "2026-11-16T08:23:37+00:00",
                "figures": figures,
                "files": [f"{stem}.html", f"{stem}.ipynb", f"{stem}.summary.json", *files],
            }
        )
    )
    return path


def test_a_report_with_headlines_is_summarised_by_them(tmp_path: Path) -> None:
    summary = write_summary(
        tmp_path,
        "01_history",
        {"headlines": ["History: 28 days", "1 of 12 queues missed:", "  Sales - Voice: 74.4 %"],
         "abandon_rate": 0.04889415738365107},
        ["history.csv", "queue_summary.csv"],
    )  # fmt: skip
    entry = read_entry(summary, title="Contact history")
    assert entry.headlines == [
        "History: 28 days",
        "1 of 12 queues missed:",
        "  Sales - Voice: 74.4 %",
    ]
    assert entry.files == ["history.csv", "queue_summary.csv"]
    assert entry.finished == "2026-11-16 08:23 UTC"
    page = index_html([entry], org="the sandbox org", made_at=dt.datetime(2026, 11, 16, 9, 0))
    assert "<ul><li>Sales - Voice: 74.4 %</li></ul>" in page  # details nest under their line
    assert "href='queue_summary.csv'" in page and ">Contact history</a>" in page
    assert "0.0488" not in page


def test_without_headlines_the_key_figures_are_formatted(tmp_path: Path) -> None:
    summary = write_summary(
        tmp_path,
        "03_deploy",
        {"plan_id": "f9cf", "queues_changed": 3, "abandon_rate": 0.04889415738365107,
         "agent_hours": 4343.25, "per_queue": {"x": 1}},
        [],
    )  # fmt: skip
    entry = read_entry(summary)
    assert entry.headlines == [
        "plan id: f9cf", "queues changed: 3", "abandon rate: 4.9 %", "agent hours: 4.34e+03",
    ]  # fmt: skip
    page = index_html([entry], org="org", made_at=dt.datetime(2026, 11, 16))
    assert not re.search(r"\d\.\d{6,}", page)


def test_figures_read_as_words() -> None:
    assert figure_text("members_added", 1234) == "members added: 1,234"
    assert figure_text("service_level", 0.8123) == "service level: 81.2 %"
    assert figure_text("fte", 164.57) == "fte: 165"
    assert figure_text("per_queue", {"a": 1}) is None


def test_files_no_report_claims_are_listed_apart(tmp_path: Path) -> None:
    entry = read_entry(write_summary(tmp_path, "02_staffing", {}, ["capacity_plan.json"]))
    page = index_html(
        [entry], org="org", made_at=dt.datetime(2026, 11, 16), other_files=["staffed_agents.csv"]
    )
    assert "<h2>Other files</h2>" in page and "staffed_agents.csv" in page


def test_a_notebook_titles_its_report(tmp_path: Path) -> None:
    executed = tmp_path / "01_history.ipynb"
    executed.write_text(json.dumps({"metadata": {"title": "Contact history"}, "cells": []}))
    assert notebook_title(executed) == "Contact history"
    assert notebook_title(tmp_path / "missing.ipynb") == "missing"
