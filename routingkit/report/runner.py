"""Running a parameterised notebook as a report: papermill, then an HTML export without code.

Parameters are checked against the notebook's ``parameters`` cell before anything runs: an
unknown name or a value of the wrong type is an error that names it. A failing cell stops the
run with an error naming the cell; the partly executed notebook is still written so the failure
can be read. Credentials are never parameters: the kernel inherits them from the environment.
"""

from __future__ import annotations

import ast
import contextlib
import datetime as dt
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECRET_NAME = re.compile(r"secret|password|token|credential", re.IGNORECASE)
SUMMARY_FILE = "summary.json"


class ReportError(Exception):
    """A report could not run or a cell failed; the message says which and what to do."""


@dataclass
class ReportResult:
    notebook: Path
    executed: Path
    html: Path
    summary: Path
    parameters: dict[str, Any]
    seconds: float
    figures: dict[str, Any] = field(default_factory=dict)


def declared_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The notebook's parameters cell: {name: {"default": text, "type": inferred type name}}."""
    import papermill

    if not notebook.exists():
        raise ReportError(f"notebook {notebook} does not exist")
    params = papermill.inspect_notebook(str(notebook))
    if not params:
        raise ReportError(
            f"{notebook.name} has no cell tagged 'parameters'; tag the cell holding the "
            "defaults so it can run as a report"
        )
    declared: dict[str, dict[str, Any]] = {}
    for name, p in params.items():
        kind = p["inferred_type_name"]
        if kind in (None, "None"):  # no annotation: infer from the default's literal
            try:
                kind = type(ast.literal_eval(p["default"])).__name__
            except (ValueError, SyntaxError):
                kind = "None"
        declared[name] = {"default": p["default"], "type": kind}
    return declared


_KINDS: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "str": (str,),
    "list": (list,),
    "dict": (dict,),
}


def _coerce(name: str, value: Any, declared: dict[str, Any]) -> Any:
    """Parse CLI text (YAML scalars and lists) and check it against the declared type.

    The type is the parameter's annotation (``queues: str | list = "all"``) or, without one,
    the type of its default. Text meant as a string stays text even when YAML would read it
    as something else (a queue called ``Yes`` or ``2024``).
    """
    import yaml

    kind = str(declared.get("type") or "NoneType")
    default_text = str(declared.get("default"))
    allowed = [
        _KINDS[part.split("[")[0].strip().lower()]
        for part in kind.split("|")
        if part.split("[")[0].strip().lower() in _KINDS
    ]
    if not allowed:  # no usable type information: pass the value through
        return value
    accepts_text = any(str in types for types in allowed)
    raw = value
    if isinstance(value, str) and value.strip():
        with contextlib.suppress(yaml.YAMLError):
            value = yaml.safe_load(value)
        accepts_list = any(list in types for types in allowed)
        if (accepts_text or accepts_list) and not isinstance(value, str | list | dict):
            value = raw  # a scalar YAML read differently, meant as text
    if isinstance(value, dt.date):
        value = raw if isinstance(raw, str) else value.isoformat()
    if isinstance(value, str) and not accepts_text and any(list in t for t in allowed):
        value = [value]  # one name where a list is expected: -p queues "Support - Voice"
    expected = tuple(t for types in allowed for t in types)
    if ("int" in kind and "float" not in kind and isinstance(value, bool)) or not isinstance(
        value, expected
    ):
        raise ReportError(
            f"parameter {name} expects {kind} (default {default_text}), got {value!r}; "
            f"pass e.g. -p {name} {default_text}"
        )
    return value


def check_parameters(notebook: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    declared = declared_parameters(notebook)
    checked: dict[str, Any] = {}
    for name, value in parameters.items():
        if SECRET_NAME.search(name):
            raise ReportError(
                f"parameter {name} looks like a secret; secrets are never notebook parameters: "
                "set GENESYSCLOUD_OAUTHCLIENT_ID / _SECRET / GENESYSCLOUD_REGION in the "
                "environment or use a profile"
            )
        if name not in declared:
            raise ReportError(
                f"{notebook.name} has no parameter {name!r}; it takes {', '.join(sorted(declared))}"
            )
        checked[name] = _coerce(name, value, declared[name])
    return checked


def export_html(executed: Path, html: Path) -> None:
    """HTML without code cells or prompts: a report for readers, not programmers."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata.pop("widgets", None)  # progress-bar state, nothing a reader needs
    for cell in notebook.cells:
        # Warnings and progress bars go to stderr or widgets: working noise, not report content.
        cell["outputs"] = [
            o
            for o in cell.get("outputs", [])
            if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            and "application/vnd.jupyter.widget-view+json" not in o.get("data", {})
        ]
    body, _ = exporter.from_notebook_node(notebook)
    tmp = html.with_suffix(".html.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, html)


def run_report(
    notebook: Path | str,
    parameters: dict[str, Any] | None = None,
    output_dir: Path | str = "reports",
    *,
    kernel_name: str | None = None,
    timeout: float | None = 1800,
) -> ReportResult:
    """Execute ``notebook`` with ``parameters`` into ``output_dir``; export HTML and a summary.

    The notebook receives ``output_dir`` as a parameter when it declares one, and writes its
    tables and key figures there (``summary.json``, merged into ``<name>.summary.json``).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    notebook = Path(notebook).resolve()
    out = Path(output_dir).resolve()
    params = check_parameters(notebook, dict(parameters or {}))
    if "output_dir" in declared_parameters(notebook):
        params.setdefault("output_dir", str(out))
    out.mkdir(parents=True, exist_ok=True)
    # figures a failed or earlier run left behind must not leak into this run's summary
    (out / SUMMARY_FILE).unlink(missing_ok=True)
    stem = notebook.stem
    executed = out / f"{stem}.ipynb"
    html = out / f"{stem}.html"
    summary = out / f"{stem}.summary.json"
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=params,
            progress_bar=False,
            kernel_name=kernel_name,
            cwd=str(notebook.parent),
            execution_timeout=timeout,
            log_output=False,
        )
    except PapermillExecutionError as exc:
        raise ReportError(
            f"{notebook.name}: cell {exc.cell_index} (execution {exc.exec_count}) failed with "
            f"{exc.ename}: {exc.evalue}; the partly run notebook is {executed}"
        ) from None
    seconds = time.perf_counter() - start
    export_html(executed, html)
    figures: dict[str, Any] = {}
    recorded = out / SUMMARY_FILE
    if recorded.exists():
        figures = json.loads(recorded.read_text())
        recorded.unlink()
    payload = {
        "notebook": notebook.name,
        "parameters": params,
        "executed": executed.name,
        "html": html.name,
        "seconds": round(seconds, 2),
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "figures": figures,
    }
    summary.write_text(json.dumps(payload, indent=2, default=str))
    return ReportResult(notebook, executed, html, summary, params, seconds, figures)


def record_figures(output_dir: Path | str, **figures: Any) -> None:
    """Called from a notebook: key figures for the report's JSON summary."""
    path = Path(output_dir) / SUMMARY_FILE
    current = json.loads(path.read_text()) if path.exists() else {}
    current.update(figures)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2, default=str))
