"""One report per value (per queue): the same notebook run for each, with one index of them all.

Each run is an ordinary ``run_report`` into a folder of its own inside the output folder, so it
is published only when it succeeds and a failure leaves the previous run of that value in
place; a failing value does not stop the others, and the index says which failed and why.
The runs go to any ``concurrent.futures.Executor`` (routingkit's CLI passes Dask's, whose
workers are processes), or run one after another here. Papermill changes the working
directory of the process it runs in, so one process runs one report at a time whatever its
threads. On a cluster of several machines, the notebook and the output folder must be on a
file system every worker sees: the paths are sent as they are seen here.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import html
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .runner import ReportError, ReportResult, declared_parameters, run_report

INDEX_FILE = "index.html"
_ONE_AT_A_TIME = threading.Lock()  # per process: papermill changes the working directory


@dataclass(frozen=True)
class FanOutItem:
    """The run for one value: its folder, and its result or the error that stopped it."""

    value: str
    folder: Path
    result: ReportResult | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.result is not None


@dataclass(frozen=True)
class FanOutResult:
    index: Path
    items: list[FanOutItem]

    @property
    def failed(self) -> list[FanOutItem]:
        return [item for item in self.items if not item.ok]


def for_each_parameter(notebook: Path | str, dimension: str = "queue") -> tuple[str, bool]:
    """The notebook parameter that takes one value of ``dimension``, and whether it is a list.

    ``dimension`` itself (``queue``) when the notebook declares it, else its plural (``queues``,
    given a one-element list); otherwise an error naming the parameters the notebook has.
    """
    declared = declared_parameters(Path(notebook))
    for name in (dimension, f"{dimension}s"):
        if name in declared:
            kind = str(declared[name]["type"]).lower()
            return name, "list" in kind and "str" not in kind
    raise ReportError(
        f"{Path(notebook).name} has no parameter {dimension!r} or {dimension + 's'!r} to run "
        f"it for each {dimension}; it takes {', '.join(sorted(declared))}"
    )


def folder_names(values: Iterable[str]) -> dict[str, str]:
    """A distinct, file-system-safe folder name per value: ``Support - Voice`` is
    ``support-voice``; values that would share one get a short digest of their own."""
    values = list(dict.fromkeys(values))
    slugs = {v: re.sub(r"[^a-z0-9._]+", "-", v.lower()).strip("-._") or "report" for v in values}
    taken: dict[str, int] = {}
    for slug in slugs.values():
        taken[slug] = taken.get(slug, 0) + 1
    return {
        v: s if taken[s] == 1 else f"{s}-{hashlib.sha1(v.encode()).hexdigest()[:8]}"
        for v, s in slugs.items()
    }


def _run_one(
    notebook: str, parameters: dict[str, Any], folder: str, timeout: float | None
) -> ReportResult:
    """One report, on whichever process the executor chose (a Dask worker, or this one)."""
    with _ONE_AT_A_TIME:
        return run_report(notebook, parameters, folder, timeout=timeout)


def run_for_each(
    notebook: Path | str,
    values: Iterable[str],
    output_dir: Path | str,
    *,
    dimension: str = "queue",
    parameters: dict[str, Any] | None = None,
    executor: cf.Executor | None = None,
    timeout: float | None = 1800,
    on_done: Callable[[FanOutItem], None] | None = None,
) -> FanOutResult:
    """Run ``notebook`` once per value into ``output_dir/<value>/``; write ``index.html``.

    The value goes to the notebook's ``dimension`` parameter (or its plural, as a list; see
    :func:`for_each_parameter`), with ``parameters`` for every run. ``executor``: where the
    runs go (None: here, one after another). ``on_done`` hears of each run as it ends.
    Parameters are checked before anything runs; a run that fails is listed, not raised.
    """
    source = Path(notebook).resolve()
    out = Path(output_dir).resolve()
    names = list(dict.fromkeys(str(v) for v in values))
    if not names:
        raise ReportError(f"there is no {dimension} to run {source.name} for")
    parameter, as_list = for_each_parameter(source, dimension)
    if parameter in (parameters or {}):
        raise ReportError(
            f"parameter {parameter} is set for each {dimension} by --for-each; leave out "
            f"-p {parameter}"
        )
    folders = folder_names(names)
    runs: dict[str, tuple[dict[str, Any], Path]] = {}
    for name in names:
        params = {**(parameters or {}), parameter: [name] if as_list else name}
        runs[name] = (params, out / folders[name])
    out.mkdir(parents=True, exist_ok=True)
    done: dict[str, FanOutItem] = {}

    def finish(name: str, result: ReportResult | None, error: str | None) -> None:
        item = FanOutItem(name, runs[name][1], result, error)
        done[name] = item
        if on_done is not None:
            on_done(item)

    if executor is None:
        for name, (params, folder) in runs.items():
            try:
                result = _run_one(str(source), params, str(folder), timeout)
            except Exception as exc:
                finish(name, None, _why(exc))
            else:
                finish(name, result, None)
    else:
        futures = {
            executor.submit(_run_one, str(source), params, str(folder), timeout): name
            for name, (params, folder) in runs.items()
        }
        for future in cf.as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:
                finish(futures[future], None, _why(exc))
            else:
                finish(futures[future], result, None)
    items = [done[name] for name in names]
    return FanOutResult(write_index(out, source, dimension, items), items)


def _why(exc: Exception) -> str:
    # A report's own failure says what to do; anything else (a bug, a worker Dask gave up on
    # after it died repeatedly) is named by its type.
    return str(exc) if isinstance(exc, ReportError) else f"{type(exc).__name__}: {exc}"


def write_index(out: Path, notebook: Path, dimension: str, items: list[FanOutItem]) -> Path:
    """``out/index.html``: one line per value, linking its report or saying why it failed."""
    rows = []
    for item in items:
        folder = item.folder.name
        label = html.escape(item.value)
        if item.result is not None:
            result = item.result
            links = ", ".join(
                f"<a href='{html.escape(f'{folder}/{path.name}')}'>{what}</a>"
                for what, path in (("notebook", result.executed), ("summary", result.summary))
            )
            rows.append(
                f"<tr><td><a href='{html.escape(f'{folder}/{result.html.name}')}'>{label}</a>"
                f"</td><td>{result.seconds:.0f} s</td><td>{links}</td></tr>"
            )
        else:
            rows.append(
                f"<tr class='failed'><td>{label}</td><td>failed</td>"
                f"<td>{html.escape(item.error or '')}</td></tr>"
            )
    failed = sum(not item.ok for item in items)
    status = f"{len(items) - failed} of {len(items)} reports written" + (
        f"; {failed} failed" if failed else ""
    )
    index = out / INDEX_FILE
    tmp = index.with_suffix(".html.tmp")
    tmp.write_text(
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(notebook.stem)} for each {html.escape(dimension)}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "td{padding:.2em 1em .2em 0;vertical-align:top}.failed{color:#a00}</style></head>"
        f"<body><h1>{html.escape(notebook.stem)} for each {html.escape(dimension)}</h1>"
        f"<p>{html.escape(status)}, {dt.datetime.now():%Y-%m-%d %H:%M}</p>"
        f"<table><tr><th>{html.escape(dimension)}</th><th>time</th><th>files</th></tr>"
        f"{''.join(rows)}</table></body></html>",
        encoding="utf-8",
    )
    os.replace(tmp, index)
    return index
