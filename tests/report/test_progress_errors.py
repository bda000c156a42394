"""A progress view that fails never fails the report: the run goes on without it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, ClassVar

import nbformat

from routingkit.report import run_report
from routingkit.report.progress import NotebookProgress, Progress


class _Broken(NotebookProgress):
    calls: ClassVar[list[str]] = []

    def comm(self, msg_type: str, content: dict[str, Any]) -> None:
        self.calls.append("comm")
        raise RuntimeError("a widget message this view cannot mirror")

    def cell(self, section: str) -> None:
        self.calls.append("cell")
        raise RuntimeError("the view broke")


class _BrokenProgress(Progress):
    def notebook(self, name: str) -> NotebookProgress:
        return _Broken(self, name)


def test_a_failing_progress_view_does_not_fail_the_report(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('output_dir = "out"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "from tqdm.auto import tqdm\nfor _ in tqdm(range(3), desc='work'):\n    pass"
        ),
        nbformat.v4.new_code_cell("print('second cell ran')"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    notebook = tmp_path / "bars.ipynb"
    nbformat.write(nb, notebook)
    result = run_report(
        notebook, {}, tmp_path / "out", progress=_BrokenProgress(sys.stderr, bars=False)
    )
    assert result.html.exists()
    assert "second cell ran" in Path(result.executed).read_text()
    assert _Broken.calls == ["cell"]  # switched off at the first error: never called again
