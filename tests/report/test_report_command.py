"""``routingkit report`` as a user runs it: whatever goes wrong is one line and exit status 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest


def _report(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "routingkit.cli", "report", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _notebook(path: Path, *cells: str, kernel: str = "python3") -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('days = 1\noutput_dir = "out"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nbformat.write(nb, path)
    return path


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The error line; the kernel's and papermill's own log lines may come before it."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("routingkit report:")]
    assert len(errors) == 1 and result.stderr.rstrip().endswith(errors[0]), result.stderr
    return errors[0]


def test_a_missing_notebook_is_named_with_what_to_do(tmp_path: Path) -> None:
    error = _one_line_error(_report(tmp_path / "nope.ipynb", "--output-dir", tmp_path / "out"))
    assert "nope.ipynb does not exist" in error and "check the path" in error
    assert not (tmp_path / "out").exists()


def test_a_folder_given_as_the_notebook_is_refused(tmp_path: Path) -> None:
    error = _one_line_error(_report(tmp_path, "--output-dir", tmp_path / "out"))
    assert f"cannot read notebook {tmp_path}" in error and ".ipynb" in error


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("queue,offered\nSupport,10\n", "not JSON"),
        ('{"queues": ["Support - Voice"]}', "missing"),
        ("[1, 2]", "not a notebook object"),
        ('{"nbformat": 9, "nbformat_minor": 0, "cells": [], "metadata": {}}', "version 9"),
    ],
)
def test_a_file_that_is_not_a_notebook_is_named(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "history.ipynb"
    path.write_text(content)
    error = _one_line_error(_report(path, "--output-dir", tmp_path / "out"))
    assert f"{path} is not a Jupyter notebook" in error and reason in error
    assert "open and save it in Jupyter" in error


@pytest.mark.parametrize("where", ["a file", "inside a file"])
def test_an_output_folder_that_cannot_be_written_is_named(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("a file where the folder should be")
    out = blocker if where == "a file" else blocker / "latest"
    notebook = _notebook(tmp_path / "ok.ipynb", "print(days)")
    error = _one_line_error(_report(notebook, "--output-dir", out))
    assert f"cannot write reports to {out}" in error and "--output-dir" in error


@pytest.mark.parametrize(
    "death",
    ["import os\nos._exit(1)", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"],
    ids=["os._exit", "killed"],
)
def test_a_dead_kernel_is_named_with_its_cell(tmp_path: Path, death: str) -> None:
    notebook = _notebook(tmp_path / "dies.ipynb", "x = 1", death, "print('never')")
    out = tmp_path / "out"
    error = _one_line_error(_report(notebook, "--output-dir", out))
    # cells: parameters, injected parameters, x = 1, the one that kills the kernel
    assert "dies.ipynb: the kernel died while running cell 3" in error
    assert "out of memory" in error and str(out / "dies.FAILED.ipynb") in error
    assert (out / "dies.FAILED.ipynb").exists() and not (out / "dies.ipynb").exists()


def test_a_kernel_that_is_not_installed_is_named(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path / "r.ipynb", "print(days)", kernel="ir-not-installed")
    error = _one_line_error(_report(notebook, "--output-dir", tmp_path / "out"))
    assert "Jupyter kernel 'ir-not-installed', which is not installed" in error
    assert "python3" in error  # what is installed instead
    assert error.endswith("no report was written")  # no notebook that never ran
    assert list((tmp_path / "out").iterdir()) == []
