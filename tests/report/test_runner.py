"""The report runner on small real notebooks, executed by papermill in a real kernel."""

from __future__ import annotations

import json
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
    assert (tmp_path / "out" / "bad.ipynb").exists()  # the partial run is kept to read


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
