"""What a command is doing, on stderr: one line per stage, and progress bars on a terminal.

``routingkit report`` and ``routingkit demo`` run notebooks in a Jupyter kernel, where the
package's long work (the history fetch, sweeps, simulation) shows ``tqdm.auto`` bars, which a
kernel draws as widgets. The runner hands the kernel's widget messages to
:class:`NotebookProgress`, which draws the same bars on the terminal with tqdm.

Where nobody watches (stderr is not a terminal: cron, a nightly log, a pipe) there are no bars
and no carriage returns: each stage is one plain line, and each finished bar one line saying
what it counted and how long it took::

    01_history: running (days=7)
    01_history: analytics: 1/1 query in 0.4 s
    01_history: report written: reports/latest/01_history.html (6 s; 12 queues, 7 days)
"""

from __future__ import annotations

import html
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any, TextIO

from tqdm import tqdm

_PROGRESS_MODELS = {"FloatProgressModel", "IntProgressModel"}
_TAG = re.compile(r"<[^>]+>")
_PERCENT = re.compile(r"\s*\d+%\s*$")
_LEADING_NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?)")
_UNIT = re.compile(r"(?:[\d.]+|\?)\s*([^\s\d,/\[\]<>]+)/s\]|s/([^\s\]]+)\]")


class Progress:
    """Stage lines, and bars when ``stream`` is a terminal (``bars`` overrides that)."""

    def __init__(self, stream: TextIO | None = None, *, bars: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        if bars is None:
            isatty = getattr(self.stream, "isatty", None)
            bars = bool(isatty and isatty())
        self.bars = bars

    def say(self, text: str) -> None:
        """One stage line (printed above any bars on screen, never through them)."""
        if self.bars:
            tqdm.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def notebook(self, name: str) -> NotebookProgress:
        """Progress of one notebook's run."""
        return NotebookProgress(self, name)


class Quiet(Progress):
    """No progress at all: what ``run_report`` reports when nobody asked."""

    def __init__(self) -> None:
        super().__init__(sys.stderr, bars=False)

    def say(self, text: str) -> None:
        pass

    def notebook(self, name: str) -> NotebookProgress:
        return NotebookProgress(self, name, quiet=True)


@dataclass
class _Mirrored:
    """A kernel progress bar as seen here; ``bar`` is its tqdm twin on the terminal."""

    description: str
    total: float | None
    n: float = 0.0
    unit: str = ""
    started: float = field(default_factory=time.monotonic)
    bar: Any = None


class NotebookProgress:
    """One notebook's run: a bar of its cells named for the section running, and the
    kernel's own progress bars, mirrored from their widget messages (:meth:`comm`)."""

    def __init__(self, progress: Progress, name: str, *, quiet: bool = False) -> None:
        self.progress = progress
        self.name = name
        self.quiet = quiet
        self._models: dict[str, dict[str, Any]] = {}
        self._bars: dict[str, _Mirrored] = {}
        self._done: set[str] = set()  # bars finished: later messages about them change nothing
        self._cells: Any = None

    def start(self, cells: int) -> None:
        """The run of ``cells`` code cells begins."""
        if self.progress.bars and not self.quiet and self._cells is None:
            self._cells = tqdm(
                total=cells,
                desc=self.name,
                unit="cell",
                file=self.progress.stream,
                leave=False,
                dynamic_ncols=True,
                bar_format="{desc} {bar:20} {n_fmt}/{total_fmt} cells{postfix}",
            )

    def cell(self, section: str) -> None:
        """A code cell starts, in the section headed ``section`` (may be empty)."""
        if self._cells is not None:
            self._cells.set_postfix_str(section[:60], refresh=True)

    def cell_done(self) -> None:
        """The cell ended: bars it left open are finished, and the cell bar moves on."""
        for model_id in list(self._bars):
            self._finish(model_id)
        if self._cells is not None:
            self._cells.update(1)

    def close(self) -> None:
        for model_id in list(self._bars):
            self._finish(model_id)
        if self._cells is not None:
            self._cells.close()
            self._cells = None

    def comm(self, msg_type: str, content: dict[str, Any]) -> None:
        """A ``comm_open``, ``comm_msg`` or ``comm_close`` message from the kernel."""
        if self.quiet:
            return
        comm_id = str(content.get("comm_id", ""))
        if msg_type == "comm_close":
            self._closed(comm_id)
            return
        data = content.get("data") or {}
        state = data.get("state") if isinstance(data, dict) else None
        if not isinstance(state, dict):
            return
        self._models.setdefault(comm_id, {}).update(state)
        for model_id in self._affected(comm_id):
            self._update(model_id)

    def _affected(self, comm_id: str) -> list[str]:
        """The progress models whose bar a change to ``comm_id`` may change."""
        model = self._models[comm_id]
        if model.get("_model_name") in _PROGRESS_MODELS:
            return [comm_id]
        reference = f"IPY_MODEL_{comm_id}"
        found = []
        for box in self._models.values():
            children = box.get("children") or []
            if reference in children or box is model:
                found += [
                    child.removeprefix("IPY_MODEL_")
                    for child in children
                    if self._models.get(child.removeprefix("IPY_MODEL_"), {}).get("_model_name")
                    in _PROGRESS_MODELS
                ]
        return found

    def _texts(self, model_id: str) -> tuple[str, str]:
        """The text left and right of a progress model in its box (tqdm: description, counts)."""
        reference = f"IPY_MODEL_{model_id}"
        for box in self._models.values():
            children = list(box.get("children") or [])
            if reference in children:
                at = children.index(reference)
                left = " ".join(self._html_text(c) for c in children[:at])
                right = " ".join(self._html_text(c) for c in children[at + 1 :])
                return left, right
        return str(self._models[model_id].get("description") or ""), ""

    def _html_text(self, reference: str) -> str:
        value = self._models.get(reference.removeprefix("IPY_MODEL_"), {}).get("value")
        if not isinstance(value, str):
            return ""
        return html.unescape(_TAG.sub("", value)).replace("\u2007", " ").strip()

    def _update(self, model_id: str) -> None:
        if model_id in self._done:
            return
        model = self._models[model_id]
        left, right = self._texts(model_id)
        description = _PERCENT.sub("", left).rstrip(": ").strip() or "working"
        unknown_total = model.get("bar_style") == "info"  # tqdm without a total
        total = None if unknown_total else _number(model.get("max"))
        mirrored = self._bars.get(model_id)
        if mirrored is None:
            if not (left or right):
                return  # not drawn yet: tqdm fills the texts in right after creating the bar
            mirrored = self._bars[model_id] = _Mirrored(description, total)
            if self.progress.bars:
                mirrored.bar = tqdm(
                    total=_whole(total),
                    desc=f"  {description}",
                    file=self.progress.stream,
                    leave=False,
                    dynamic_ncols=True,
                )
        mirrored.description = description
        mirrored.total = total
        if unknown_total:  # the widget holds no count then: tqdm writes it on the right
            counted = _LEADING_NUMBER.match(right)
            mirrored.n = float(counted.group(1)) if counted else mirrored.n
        else:
            mirrored.n = _number(model.get("value")) or 0.0
        unit = _UNIT.search(right)
        if unit:
            mirrored.unit = unit.group(1) or unit.group(2) or ""
        bar = mirrored.bar
        if bar is not None:
            bar.unit = mirrored.unit or "it"
            if bar.total != _whole(total):
                bar.total = _whole(total)
                bar.refresh()
            if mirrored.n != bar.n:
                bar.update(_whole(mirrored.n) - bar.n)  # redrawn at most every 0.1 s
        if model.get("bar_style") in ("success", "danger"):
            self._finish(model_id)

    def _closed(self, comm_id: str) -> None:
        """A widget went away: a box takes its bars with it (tqdm closes the box)."""
        model = self._models.pop(comm_id, {})
        ids = [comm_id] + [c.removeprefix("IPY_MODEL_") for c in model.get("children") or []]
        for model_id in ids:
            if model_id in self._bars:
                self._finish(model_id)

    def _finish(self, model_id: str) -> None:
        mirrored = self._bars.pop(model_id)
        self._done.add(model_id)
        if mirrored.bar is not None:
            mirrored.bar.close()
            return
        seconds = time.monotonic() - mirrored.started
        count = _count(mirrored.n)
        counted = count if mirrored.total is None else f"{count}/{_count(mirrored.total)}"
        unit = f" {mirrored.unit}" if mirrored.unit else ""
        self.progress.say(
            f"{self.name}: {mirrored.description}: {counted}{unit} in {seconds:.1f} s"
        )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _whole(value: float | None) -> float | None:
    """Counts as tqdm shows them best: whole numbers as ints (8, not 8.0)."""
    return int(value) if value is not None and value == int(value) else value


def _count(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))
