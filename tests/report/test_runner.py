"""The report runner on small real notebooks, executed by papermill in a real kernel."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from routingkit.report import ReportError, check_parameters, run_report


def _notebook(path: Path, *cells: str, parameters: str) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    return _notebook(
        tmp_path / "tiny.ipynb",
        "import matplotlib.pyplot as plt\n"
        "from routingkit.report import record_figures\n"
        "fig, ax = plt.subplots(); ax.plot(range(days)); ax.set_title(label)\n"
        "plt.show()\n"
        "print('total', days * scale)\n"
        "record_figures(output_dir, total=days * scale, label=label)",
        parameters='days = 3\nscale = 1.5\nlabel = "volume"\nflag = False\noutput_dir = "out"',
    )


def test_runs_and_writes_notebook_html_and_summary(tiny: Path, tmp_path: Path) -> None:
    result = run_report(tiny, {"days": "5", "label": "calls"}, tmp_path / "out")
    assert result.executed.exists() and result.html.exists() and result.summary.exists()
    summary = json.loads(result.summary.read_text())
    assert summary["figures"] == {"total": 7.5, "label": "calls"}
    assert summary["parameters"]["days"] == 5
    html = result.html.read_text()
    assert "<img" in html or "image/png" in html  # the figure is in the report
    assert "record_figures" not in html and "import matplotlib" not in html  # no code
    executed = nbformat.read(result.executed, as_version=4)
    assert any("total 7.5" in str(o) for c in executed.cells for o in c.get("outputs", []))


def test_unknown_parameter_is_refused_before_running(tiny: Path, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"no parameter 'dayz'; it takes days, flag"):
        run_report(tiny, {"dayz": 5}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("name", "value"), [("days", "three"), ("flag", "7"), ("days", "2.5")])
def test_mistyped_parameter_is_refused(tiny: Path, name: str, value: str) -> None:
    with pytest.raises(ReportError, match=f"parameter {name} expects"):
        check_parameters(tiny, {name: value})


def test_secret_looking_parameters_are_refused(tiny: Path) -> None:
    with pytest.raises(ReportError, match="never notebook parameters"):
        check_parameters(tiny, {"client_secret": "x"})


def test_failing_cell_is_named(tmp_path: Path) -> None:
    bad = _notebook(
        tmp_path / "bad.ipynb",
        "x = 1",
        "raise ValueError('queue Billing missing')",
        parameters="days = 1",
    )
    with pytest.raises(ReportError, match=r"cell 2 .*ValueError: queue Billing missing"):
        run_report(bad, {}, tmp_path / "out")
    assert (tmp_path / "out" / "bad.FAILED.ipynb").exists()  # the partial run is kept to read


def test_a_client_shown_in_a_notebook_does_not_show_its_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Displaying the client, its auth and their attributes in a cell keeps the secret out."""
    secret = "s3cr3t-value-for-test"
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_ID", "someone")
    monkeypatch.setenv("GENESYSCLOUD_OAUTHCLIENT_SECRET", secret)
    monkeypatch.setenv("GENESYSCLOUD_REGION", "eu-west-1")
    nb = _notebook(
        tmp_path / "env.ipynb",
        "from routingkit.genesys import connect\nclient = connect()\n"
        "print(repr(client), client.auth, vars(client.auth))\nclient.auth",
        parameters="days = 1",
    )
    result = run_report(nb, {}, tmp_path / "out")
    executed = result.executed.read_text()
    assert "someone" in executed  # the cell did show the client and its auth
    for path in (result.executed, result.html, result.summary):
        assert secret not in path.read_text()


# Each run is written into a fresh folder and moved into the output folder only when it succeeds.


@pytest.fixture()
def tables(tmp_path: Path) -> Path:
    """Writes one table per name in ``names``, then fails when ``fail`` is set."""
    return _notebook(
        tmp_path / "tables.ipynb",
        "from pathlib import Path\n"
        "from routingkit.report import record_figures\n"
        "found = sorted(p.name for p in Path(output_dir).iterdir() if p.suffix == '.csv')\n"
        "for name in names:\n"
        "    Path(output_dir, f'{name}.csv').write_text(f'{name},{run}\\n')\n"
        "record_figures(output_dir, run=run, tables_found=found)",
        "if fail:\n    raise RuntimeError('the org refused the request')",
        parameters='run = 1\nnames = ["a", "b"]\nfail = False\noutput_dir = "out"',
    )


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_failed_rerun_leaves_the_previous_reports_untouched(tables: Path, tmp_path: Path) -> None:
    out = tmp_path / "latest"
    run_report(tables, {"run": 1}, out)
    before = _snapshot(out)
    with pytest.raises(ReportError) as failure:
        run_report(tables, {"run": 2, "names": ["a"], "fail": True}, out)
    failed = out / "tables.FAILED.ipynb"
    assert f"the partly run notebook is {failed}" in str(failure.value)
    assert "the reports of the last successful run in" in str(failure.value)
    outputs = [o for c in nbformat.read(failed, as_version=4).cells for o in c.get("outputs", [])]
    assert any(o.get("evalue") == "the org refused the request" for o in outputs)
    after = _snapshot(out)
    assert after.pop("tables.FAILED.ipynb")
    assert after == before  # notebook, HTML, summary and tables of run 1, byte for byte


def test_a_failure_with_no_earlier_run_leaves_only_the_failed_notebook(
    tables: Path, tmp_path: Path
) -> None:
    out = tmp_path / "latest"
    with pytest.raises(ReportError) as failure:
        run_report(tables, {"fail": True}, out)
    assert "last successful run" not in str(failure.value)
    assert sorted(os.listdir(out)) == ["tables.FAILED.ipynb"]  # no tables, no staging folder


def test_a_successful_rerun_replaces_the_previous_files_as_a_whole(
    tables: Path, tmp_path: Path
) -> None:
    out = tmp_path / "latest"
    run_report(tables, {"run": 1, "names": ["a", "b"]}, out)
    with pytest.raises(ReportError):
        run_report(tables, {"fail": True}, out)
    result = run_report(tables, {"run": 3, "names": ["a"]}, out)
    assert sorted(os.listdir(out)) == [
        "a.csv",
        "tables.html",
        "tables.ipynb",
        "tables.summary.json",
    ]  # b.csv of run 1 and the failed notebook are gone with the run they belonged to
    assert (out / "a.csv").read_text() == "a,3\n"
    assert json.loads(result.summary.read_text())["figures"]["run"] == 3


def test_the_notebook_writes_its_tables_into_a_fresh_folder(tables: Path, tmp_path: Path) -> None:
    out = tmp_path / "latest"
    out.mkdir()
    (out / "left_over.csv").write_text("from some earlier run\n")
    result = run_report(tables, {}, out)
    assert result.figures["tables_found"] == []  # the notebook's output_dir started empty
    assert result.parameters["output_dir"] == str(out.resolve())
    assert json.loads(result.summary.read_text())["parameters"]["output_dir"] == str(out.resolve())
    executed = nbformat.read(result.executed, as_version=4)
    injected = next(c for c in executed.cells if "injected-parameters" in c.metadata["tags"])
    assert f'output_dir = "{out.resolve()}"' in injected.source  # rerunnable where it lies
    assert executed.metadata.papermill.parameters.output_dir == str(out.resolve())


def test_notebooks_sharing_an_output_folder_keep_each_others_reports(tmp_path: Path) -> None:
    """As the demo does: several notebooks into one folder, each rerun replacing only its own."""
    out = tmp_path / "latest"
    first = _notebook(
        tmp_path / "first.ipynb",
        "open(f'{output_dir}/first.csv', 'w').write('1')",
        parameters='output_dir = "out"',
    )
    second = _notebook(
        tmp_path / "second.ipynb",
        "open(f'{output_dir}/second.csv', 'w').write('2')",
        parameters='output_dir = "out"',
    )
    run_report(first, {}, out)
    run_report(second, {}, out)
    run_report(first, {}, out)
    assert {"first.csv", "second.csv", "first.html", "second.html"} <= set(os.listdir(out))


def test_an_output_dir_parameter_other_than_the_output_folder_is_refused(
    tables: Path, tmp_path: Path
) -> None:
    with pytest.raises(ReportError, match=r"output_dir is where the report goes"):
        run_report(tables, {"output_dir": str(tmp_path / "elsewhere")}, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "elsewhere").exists()


def test_a_cell_that_runs_too_long_is_named(tmp_path: Path) -> None:
    slow = _notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)", parameters="days = 1")
    with pytest.raises(ReportError, match=r"slow.ipynb: cell 1 did not finish within 2 s"):
        run_report(slow, {}, tmp_path / "out", timeout=2)
    assert (tmp_path / "out" / "slow.FAILED.ipynb").exists()
