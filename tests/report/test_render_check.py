"""The browser check finds what a reader would notice: a figure that did not load, a table
wider than the page."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from routingkit.report.render_check import check_html, find_browser


@pytest.fixture(autouse=True)
def _browser() -> None:
    # Rendering is part of the contract: .ci/run installs Debian's chromium; never skip.
    assert find_browser() is not None, (
        "no Chromium on the PATH: apt-get install chromium (the CI script does)"
    )


def png() -> str:
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def page(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "report.html"
    path.write_text(
        f"<!doctype html><html><head><title>Report</title></head><body>{body}</body></html>"
    )
    return path


def test_a_page_that_reads_well_has_no_problems(tmp_path: Path) -> None:
    report = check_html(
        page(
            tmp_path, f"<img src='data:image/png;base64,{png()}'><table><tr><td>1</td></tr></table>"
        )
    )
    assert report.problems == [] and report.title == "Report"
    assert len(report.images) == 1 and report.images[0]["loaded"]


def test_an_image_that_did_not_load_is_named(tmp_path: Path) -> None:
    report = check_html(page(tmp_path, "<img src='missing.png'>"))
    assert report.problems == ["image 0 did not load"]


def test_a_table_wider_than_its_box_is_named(tmp_path: Path) -> None:
    cells = "".join(f"<td>column number {i} with a long figure</td>" for i in range(40))
    box = "<div class='jp-OutputArea-output' style='overflow-x:auto;max-width:600px'>"
    report = check_html(page(tmp_path, f"{box}<table><tr>{cells}</tr></table></div>"))
    assert any("is wider than its box" in p for p in report.problems)
