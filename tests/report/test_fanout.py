"""``routingkit report NOTEBOOK --for-each queue``: one report per queue, one index of them all."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from routingkit.report import ReportError
from routingkit.report.fanout import folder_names, for_each_parameter, run_for_each

RECORD = """\
import os
from routingkit.report import record_figures

name = queue if isinstance(queue, str) else queue[0]
print(f"Report for {name!r}")
if name == "Bad":
    raise ValueError("no such queue in this org")
record_figures(
    output_dir,
    queue=name,
    launcher=os.getppid(),
    scheduler=os.environ.get("DASK_SCHEDULER_ADDRESS", ""),
)
"""


def notebook(path: Path, parameters: str = 'queue = "all"') -> Path:
    """Records the queue it ran for, the process that started its kernel and the scheduler."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(f'{parameters}\noutput_dir = "out"')
    params.metadata["tags"] = ["parameters"]
    body = RECORD if "queue" in parameters else "queue = 'none'\n" + RECORD
    if parameters.startswith("queues"):
        body = body.replace("queue if isinstance(queue, str) else queue[0]", "queues[0]")
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    nbformat.write(nb, path)
    return path


def figures(folder: Path, stem: str = "report") -> dict[str, object]:
    summary = json.loads((folder / f"{stem}.summary.json").read_text())
    found: dict[str, object] = summary["figures"]
    return found


def test_each_queue_gets_its_own_folder_and_the_index_links_every_report(tmp_path: Path) -> None:
    source = notebook(tmp_path / "report.ipynb")
    here = os.getcwd()
    result = run_for_each(source, ["Support - Voice", "VIP/Chat"], tmp_path / "out")
    assert os.getcwd() == here
    assert [item.folder.name for item in result.items] == ["support-voice", "vip-chat"]
    index = result.index.read_text()
    for item in result.items:
        assert item.ok and figures(item.folder)["queue"] == item.value
        for suffix in (".html", ".ipynb", ".summary.json"):
            assert (item.folder / f"report{suffix}").stat().st_size > 0
        assert f"href='{item.folder.name}/report.html'" in index
    assert "2 of 2 reports written" in index


def test_the_reports_run_on_dask_worker_processes(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    from routingkit.policy.cluster import dask_executor

    source = notebook(tmp_path / "report.ipynb")
    here = os.getcwd()
    with dask_executor("local", workers=2) as executor:
        result = run_for_each(source, ["A", "B", "C"], tmp_path / "out", executor=executor)
    assert os.getcwd() == here
    assert not result.failed
    launchers = {figures(item.folder)["launcher"] for item in result.items}
    assert os.getpid() not in launchers  # papermill ran in the workers, not here
    assert all(f"href='{v.lower()}/report.html'" in result.index.read_text() for v in "ABC")


def test_a_failing_queue_is_listed_and_the_others_are_still_written(tmp_path: Path) -> None:
    source = notebook(tmp_path / "report.ipynb")
    result = run_for_each(source, ["Bad", "Good"], tmp_path / "out")
    assert [item.value for item in result.failed] == ["Bad"]
    error = result.failed[0].error or ""
    assert "failed with ValueError: no such queue in this org" in error
    assert (tmp_path / "out" / "bad" / "report.FAILED.ipynb").exists()
    assert not (tmp_path / "out" / "bad" / "report.html").exists()
    assert figures(tmp_path / "out" / "good")["queue"] == "Good"
    index = result.index.read_text()
    assert "1 of 2 reports written; 1 failed" in index and "no such queue in this org" in index


def test_a_notebook_taking_a_list_of_queues_gets_one_queue_each(tmp_path: Path) -> None:
    source = notebook(tmp_path / "report.ipynb", "queues = []  # names; empty: every queue")
    assert for_each_parameter(source) == ("queues", True)
    result = run_for_each(source, ["Sales"], tmp_path / "out")
    assert figures(result.items[0].folder)["queue"] == "Sales"


def test_a_notebook_without_a_queue_parameter_is_refused_before_anything_runs(
    tmp_path: Path,
) -> None:
    source = notebook(tmp_path / "report.ipynb", "days = 1")
    with pytest.raises(ReportError, match=r"has no parameter 'queue' or 'queues'.*takes days"):
        run_for_each(source, ["A"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_queue_is_not_also_a_fixed_parameter(tmp_path: Path) -> None:
    source = notebook(tmp_path / "report.ipynb")
    with pytest.raises(ReportError, match="leave out -p queue"):
        run_for_each(source, ["A"], tmp_path / "out", parameters={"queue": "B"})


def test_folder_names_are_safe_and_distinct() -> None:
    names = folder_names(["Support - Voice", "support voice", "../etc", "Ünïcode", "VIP"])
    assert names["VIP"] == "vip" and names["../etc"] == "etc"
    assert names["Ünïcode"] == "n-code"
    assert len(set(names.values())) == 5
    assert names["Support - Voice"].startswith("support-voice-")
    assert all("/" not in n and not n.startswith(".") for n in names.values())


# Credentials of an org these notebooks never call: the command then starts no sandbox org.
NO_ORG = {
    "GENESYSCLOUD_OAUTHCLIENT_ID": "unused",
    "GENESYSCLOUD_OAUTHCLIENT_SECRET": "unused",
    "GENESYSCLOUD_REGION": "http://127.0.0.1:9",
}


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "routingkit.cli", "report", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env if env is not None else {**os.environ, **NO_ORG},
    )


def test_the_command_runs_one_report_per_queue_on_a_local_cluster(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    source = notebook(tmp_path / "report.ipynb")
    out = tmp_path / "out"
    done = cli(source, "--for-each", "queue", "--queue", "North", "--queue", "South",
               "--scheduler", "local", "--workers", "2", "--output-dir", out)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out / "index.html")
    assert "[2/2]" in done.stderr
    assert {figures(out / q)["queue"] for q in ("north", "south")} == {"North", "South"}


def test_a_single_reports_kernel_is_given_the_scheduler(tmp_path: Path) -> None:
    source = notebook(tmp_path / "report.ipynb")
    out = tmp_path / "out"
    done = cli(source, "-p", "queue", "X", "--scheduler", "in-process", "--output-dir", out)
    assert done.returncode == 0, done.stderr
    assert figures(out)["scheduler"] == "in-process"


def test_a_scheduler_without_dask_says_how_to_install_it(tmp_path: Path) -> None:
    source = notebook(tmp_path / "report.ipynb")
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "distributed.py").write_text("raise ImportError('not installed')\n")
    env = {**os.environ, **NO_ORG, "PYTHONPATH": str(shim)}
    done = cli(source, "--for-each", "queue", "--queue", "A", "--scheduler", "local",
               "--output-dir", tmp_path / "out", env=env)  # fmt: skip
    assert done.returncode == 1
    assert "pip install 'routingkit[dask]'" in done.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "out").exists()


def test_without_queue_names_every_queue_of_the_org_gets_a_report(tmp_path: Path) -> None:
    from routingkit.genesys import connect
    from routingkit.sandbox import running_sandbox

    source = notebook(tmp_path / "report.ipynb")
    out = tmp_path / "out"
    with running_sandbox(tmp_path / "org.sqlite3", days=1, today=dt.date(2026, 11, 16)) as org:
        with connect(org.config.client_id, org.config.client_secret, org.url) as client:
            queues = sorted(q.name for q in client.queues.list() if q.name)
        env = {
            **os.environ,
            "GENESYSCLOUD_OAUTHCLIENT_ID": org.config.client_id,
            "GENESYSCLOUD_OAUTHCLIENT_SECRET": org.config.client_secret,
            "GENESYSCLOUD_REGION": org.url,
        }
        done = cli(source, "--for-each", "queue", "--output-dir", out, env=env)
    assert done.returncode == 0, done.stderr
    assert len(queues) > 3
    index = (out / "index.html").read_text()
    assert f"{len(queues)} of {len(queues)} reports written" in index
    for name, folder in folder_names(queues).items():
        assert figures(out / folder)["queue"] == name
