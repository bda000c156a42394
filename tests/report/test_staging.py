"""The staging of a run's files, without a kernel."""

from __future__ import annotations

import json
from pathlib import Path

from routingkit.report.staging import StagedRun


def test_a_summary_naming_paths_outside_its_folder_removes_nothing_there(tmp_path: Path) -> None:
    out = tmp_path / "latest"
    out.mkdir()
    (tmp_path / "beside.csv").write_text("not the report's\n")
    recorded = ["", ".", "..", "../beside.csv", str(tmp_path / "beside.csv"), "old.csv"]
    (out / "r.summary.json").write_text(json.dumps({"files": recorded}))
    (out / "old.csv").write_text("from the previous run\n")
    run = StagedRun.create(out, "r")
    (run.folder / "r.summary.json").write_text(json.dumps({"files": ["r.summary.json"]}))
    run.publish("r.summary.json")
    run.discard()
    assert sorted(p.name for p in out.iterdir()) == ["r.summary.json"]
    assert (tmp_path / "beside.csv").exists()
