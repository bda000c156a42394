"""The built wheel, installed away from the source tree, runs `routingkit staffing` and `demo`.

A checkout or an editable install cannot catch package code that reads files from outside the
package (the notebooks, the sample workload): here only the wheel's files exist for the command.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from routingkit.demo import DEMO_NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]
# Not copied to the build: the tree's environments, caches, outputs and everything but the package.
SKIP_AT_ROOT = {"build", "dist", "reports", "tests", "docs", "benchmarks"}


def _ignore(directory: str, names: list[str]) -> set[str]:
    skip = {
        n for n in names if n in ("__pycache__", ".ipynb_checkpoints") or n.endswith(".egg-info")
    }
    if Path(directory) == ROOT:
        skip |= {n for n in names if n in SKIP_AT_ROOT or n.startswith(".")}
    return skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The wheel built from a copy of the tree (pip builds in place, leaving build/ behind),
    installed into its own folder, with a HOME and working directory of its own."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_ignore)
    wheelhouse = root / "wheelhouse"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    build = subprocess.run(
        [*pip, "wheel", "--no-deps", "-q", "-w", str(wheelhouse), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = wheelhouse.glob("routingkit-*.whl")
    site = root / "site"
    install = subprocess.run(
        [*pip, "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    cwd = root / "elsewhere"
    cwd.mkdir()
    return {"wheel": wheel, "site": site, "home": root / "home", "cwd": cwd}


def _run(
    installed: dict[str, Path], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    home = installed["home"]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GENESYSCLOUD_", "JUPYTER", "IPYTHON", "XDG_", "PYTHON"))
    }
    env.update(
        PYTHONPATH=str(installed["site"]),
        PYTHONNOUSERSITE="1",
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        MPLCONFIGDIR=str(home / ".config" / "matplotlib"),
    )
    return subprocess.run(
        [sys.executable, *args],
        cwd=installed["cwd"],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_wheel_carries_the_notebooks_and_the_sample(installed: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for name in DEMO_NOTEBOOKS:
        assert f"routingkit/notebooks/{name}" in names
    assert "routingkit/data/sample_workload.csv" in names


def test_the_installed_wheel_is_what_runs(installed: dict[str, Path]) -> None:
    """Neither the checkout nor the editable install of the test environment shadows it."""
    probe = _run(
        installed,
        "-c",
        "import routingkit, routingkit.resources as r; "
        "print(routingkit.__file__, r.notebooks_dir(), r.sample_workload_path(), sep='\\n')",
    )
    assert probe.returncode == 0, probe.stderr
    site = installed["site"].resolve()
    for line in probe.stdout.splitlines():
        path = Path(line).resolve()
        assert path.is_relative_to(site), f"{path} is not in the installed wheel at {site}"
        assert not path.is_relative_to(ROOT)
        assert path.exists()


def test_staffing_runs_from_the_wheel(installed: dict[str, Path]) -> None:
    result = _run(installed, "-m", "routingkit.cli", "staffing")
    assert result.returncode == 0, result.stderr
    sample = installed["site"] / "routingkit" / "data" / "sample_workload.csv"
    with sample.open(newline="") as f:
        queues = {row["queue"] for row in csv.DictReader(f)}
    assert queues
    for queue in queues:
        assert queue in result.stdout


def test_demo_runs_from_the_wheel(installed: dict[str, Path]) -> None:
    notebooks = installed["site"] / "routingkit" / "notebooks"
    before = sorted(p.name for p in notebooks.iterdir())
    reports = installed["cwd"].parent / "reports"
    result = _run(
        installed, "-m", "routingkit.cli", "demo", "--output-dir", str(reports), timeout=900
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (out,) = reports.iterdir()  # reports/<timestamp>/
    assert (out / "index.html").stat().st_size > 0
    for name in DEMO_NOTEBOOKS:
        assert (out / name).stat().st_size > 0
        assert (out / name).with_suffix(".html").stat().st_size > 0
    # the kernels work in the command's folder: they must leave nothing in the package's notebooks
    assert sorted(p.name for p in notebooks.iterdir()) == before
