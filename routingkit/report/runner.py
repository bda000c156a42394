"""Running a parameterised notebook as a report: papermill, then an HTML export without code.

Parameters are checked against the notebook's ``parameters`` cell before anything runs: an
unknown name or a value of the wrong type is an error that names it. A run writes into a fresh
folder and its files replace the previous run's only when it succeeds (``staging``). A failing
cell, a dying kernel or a timeout stops the run with an error naming the cell; the partly
executed notebook is kept as ``<name>.FAILED.ipynb`` so the failure can be read, and the
previous run's reports stay as they were. Credentials are never parameters: the kernel inherits
them from the environment.

Where reports go: a notebook's kernel works in the folder the command was started from, as the
kernels of ``routingkit lab`` work in the folder Lab was started from (see ``routingkit.lab``).
So the notebooks' default ``output_dir``, ``reports/latest``, is the same folder whether a
notebook runs in JupyterLab or as ``routingkit report``: :data:`DEFAULT_OUTPUT_DIR`, under
:data:`REPORTS_DIR`, where ``routingkit demo`` writes ``<timestamp>/`` folders. Relative paths in
parameters (``policy_file``, ``staffed_file``) mean the same in both too.
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

from ..resources import notebooks_dir
from .progress import Progress, Quiet
from .staging import FILES_KEY, StagedRun

REPORTS_DIR = Path("reports")  # relative to the working folder of the command or of Lab
DEFAULT_OUTPUT_DIR = REPORTS_DIR / "latest"  # the notebooks' own default output_dir
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

    _check_is_notebook(notebook)
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


def _check_is_notebook(path: Path) -> None:
    """Refuse, saying why, a path that is no readable notebook, before papermill reads it."""
    import nbformat

    if not path.exists():
        raise ReportError(
            f"notebook {path} does not exist; check the path (routingkit's own notebooks are in "
            f"{notebooks_dir()})"
        )
    try:
        nbformat.read(path, as_version=4)
    except OSError as exc:
        raise ReportError(
            f"cannot read notebook {path}: {exc.strerror or exc}; pass the path of a .ipynb file"
        ) from None
    except (ValueError, AttributeError, nbformat.ValidationError) as exc:
        raise ReportError(
            f"{path} is not a Jupyter notebook ({_why_not_a_notebook(exc)}); pass the .ipynb "
            "file of the report, or open and save it in Jupyter"
        ) from None


def _why_not_a_notebook(exc: Exception) -> str:
    from nbformat.reader import NotJSONError

    if isinstance(exc, NotJSONError):
        return "not JSON"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, AttributeError):  # JSON, but a list or a string
        return "its JSON is not a notebook object"
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first_line[:160]


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
    return _checked(notebook, declared_parameters(notebook), parameters)


def _checked(
    notebook: Path, declared: dict[str, dict[str, Any]], parameters: dict[str, Any]
) -> dict[str, Any]:
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
    output_dir: Path | str = DEFAULT_OUTPUT_DIR,
    *,
    kernel_name: str | None = None,
    timeout: float | None = 1800,
    progress: Progress | None = None,
    cwd: Path | str | None = None,
) -> ReportResult:
    """Execute ``notebook`` with ``parameters`` into ``output_dir``; export HTML and a summary.

    The run writes into a fresh folder inside ``output_dir``, which the notebook receives as its
    ``output_dir`` parameter when it declares one, so that its tables and key figures
    (``summary.json``, merged into ``<name>.summary.json``) land there too. Its files replace
    the previous run's in ``output_dir`` only when it succeeds; when it fails, the previous
    run's reports stay and the executed notebook is kept as ``<name>.FAILED.ipynb``.

    ``progress``: where to say what runs (a line when the notebook starts and when its report
    is written, its cells and the kernel's progress bars); nothing is said without one.
    ``cwd``: the kernel's working folder (default: this process's, as in ``routingkit lab``).
    """
    notebook = Path(notebook).resolve()
    out = Path(output_dir).resolve()
    declared = declared_parameters(notebook)
    params = _checked(notebook, declared, dict(parameters or {}))
    if "output_dir" in declared:
        given = params.get("output_dir", str(out))
        if Path(str(given)).resolve() != out:
            raise ReportError(
                f"parameter output_dir is where the report goes, {out}: pass --output-dir "
                f"{given} (output_dir={given!r} to run_report) instead of -p output_dir"
            )
        params["output_dir"] = str(out)
    try:
        run = StagedRun.create(out, notebook.stem)
    except OSError as exc:
        raise ReportError(
            f"cannot write reports to {out}: {_why_not_writable(out, exc)}; pass an "
            "--output-dir you can write to"
        ) from None
    said = progress or Quiet()
    said.say(f"{notebook.stem}: running{_given(params, out)}")
    try:
        result = _run_staged(
            run,
            notebook,
            params,
            kernel_name=kernel_name,
            timeout=timeout,
            progress=said,
            cwd=Path(cwd) if cwd is not None else Path.cwd(),
        )
    finally:
        run.discard()
    said.say(
        f"{notebook.stem}: report written: {result.html} ({result.seconds:.0f} s"
        f"{_scope(result.figures)})"
    )
    return result


def _given(params: dict[str, Any], out: Path) -> str:
    """The parameters given, for the stage line: paths by their file name."""
    shown = []
    for name, value in params.items():
        if name == "output_dir":
            continue
        text = Path(value).name if isinstance(value, str) and Path(value).is_absolute() else value
        text = repr(text) if isinstance(text, str) else str(text)
        shown.append(f"{name}={text if len(text) <= 40 else text[:37] + '...'}")
    return f" ({', '.join(shown)})" if shown else ""


def _scope(figures: dict[str, Any]) -> str:
    """What the report covered, from its key figures: '; 12 queues, 28 days'."""
    parts = []
    queues = figures.get("queues")
    if isinstance(queues, int):
        parts.append(f"{queues} queue{'s' if queues != 1 else ''}")
    window = figures.get("window")
    days = window.get("days") if isinstance(window, dict) else None
    if isinstance(days, int):
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return f"; {', '.join(parts)}" if parts else ""


def _why_not_writable(out: Path, exc: OSError) -> str:
    for folder in (out, *out.parents):
        if folder.exists():
            if not folder.is_dir():
                return f"{folder} is a file, not a folder"
            break
    return exc.strerror or str(exc)


def _run_staged(
    run: StagedRun,
    notebook: Path,
    params: dict[str, Any],
    *,
    kernel_name: str | None,
    timeout: float | None,
    progress: Progress,
    cwd: Path,
) -> ReportResult:
    import papermill

    from .engine import ENGINE_NAME

    staged_params = {**params, "output_dir": str(run.folder)} if "output_dir" in params else params
    stem = notebook.stem
    executed = run.folder / f"{stem}.ipynb"
    summary = f"{stem}.summary.json"
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook),
            str(executed),
            parameters=staged_params,
            engine_name=ENGINE_NAME,
            progress_bar=False,
            kernel_name=kernel_name,
            cwd=str(cwd),
            execution_timeout=timeout,
            log_output=False,
            progress=progress.notebook(stem),
        )
    except BaseException as exc:
        what = _what_failed(exc, notebook, executed, timeout)
        if _last_started_cell(executed) is None:  # nothing ran (no such kernel): nothing to read
            executed.unlink(missing_ok=True)
        if executed.exists():
            # best effort: the failure matters more than where a rerun of it would write
            with contextlib.suppress(Exception):
                _point_at_output_folder(executed, run, run.failed_notebook)
        kept = run.keep_failed(executed)
        if what is None:  # not a failure of the notebook: a bug or an interrupt, shown as is
            raise
        raise ReportError(f"{what}; {_what_is_left(run, kept, summary)}") from None
    seconds = time.perf_counter() - start
    _point_at_output_folder(executed, run, run.out / executed.name)
    html = run.folder / f"{stem}.html"
    export_html(executed, html)
    figures: dict[str, Any] = {}
    recorded = run.folder / SUMMARY_FILE
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
        FILES_KEY: sorted({*run.files(), summary}),
    }
    (run.folder / summary).write_text(json.dumps(payload, indent=2, default=str))
    try:
        run.publish(summary)
    except OSError as exc:
        raise ReportError(
            f"{notebook.name} ran, but its reports could not be moved into {run.out} "
            f"({exc.strerror or exc}); check that folder's permissions and free space, and "
            "run it again"
        ) from None
    return ReportResult(
        notebook,
        run.out / executed.name,
        run.out / html.name,
        run.out / summary,
        params,
        seconds,
        figures,
    )


def _what_failed(
    exc: BaseException, notebook: Path, executed: Path, timeout: float | None
) -> str | None:
    """What went wrong in the notebook's run, for the error; None when it is no such failure."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    name = notebook.name
    if isinstance(exc, PapermillExecutionError):
        return (
            f"{name}: cell {exc.cell_index} (execution {exc.exec_count}) failed with "
            f"{exc.ename}: {exc.evalue}"
        )
    if isinstance(exc, DeadKernelError):
        cell = _last_started_cell(executed)
        where = "" if cell is None else f" while running cell {cell}"
        return (
            f"{name}: the kernel died{where}: its process exited or was killed, most often "
            "for running out of memory (then report on fewer days or queues)"
        )
    if isinstance(exc, CellTimeoutError):
        cell = _last_started_cell(executed)
        limit = "its time limit" if timeout is None else f"{timeout:g} s"
        return (
            f"{name}: {'a cell' if cell is None else f'cell {cell}'} did not finish within "
            f"{limit}; report on fewer days or queues, or give run_report a longer timeout"
        )
    if isinstance(exc, NoSuchKernel):
        installed = ", ".join(sorted(KernelSpecManager().find_kernel_specs())) or "none"
        return (
            f"{name} asks for the Jupyter kernel {exc.name!r}, which is not installed "
            f"(installed: {installed}); choose one in Jupyter (Kernel > Change Kernel) and save "
            "the notebook, or install that kernel"
        )
    return None


def _last_started_cell(executed: Path) -> int | None:
    """The index of the last cell papermill started, read from the notebook it saved."""
    try:
        cells = json.loads(executed.read_text())["cells"]
        started = [
            index
            for index, cell in enumerate(cells)
            if cell.get("metadata", {}).get("papermill", {}).get("start_time")
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return started[-1] if started else None


def _point_at_output_folder(executed: Path, run: StagedRun, final: Path) -> None:
    """Make the executed notebook name the output folder, not the staging folder it ran in.

    So that it can be rerun where it ends up (``final``), writing beside it.
    """
    import nbformat

    staged, out = str(run.folder), str(run.out)
    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace(staged, out)
    papermill_metadata = nb.metadata.get("papermill", {})
    if "output_dir" in papermill_metadata.get("parameters", {}):
        papermill_metadata["parameters"]["output_dir"] = out
    if "output_path" in papermill_metadata:
        papermill_metadata["output_path"] = str(final)
    nbformat.write(nb, executed)


def _what_is_left(run: StagedRun, kept: Path | None, summary: str) -> str:
    left = [] if kept is None else [f"the partly run notebook is {kept}"]
    if (run.out / summary).exists():
        left.append(f"the reports of the last successful run in {run.out} are unchanged")
    return "; ".join(left) or "no report was written"


def record_figures(output_dir: Path | str, **figures: Any) -> None:
    """Called from a notebook: key figures for the report's JSON summary."""
    path = Path(output_dir) / SUMMARY_FILE
    current = json.loads(path.read_text()) if path.exists() else {}
    current.update(figures)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2, default=str))
