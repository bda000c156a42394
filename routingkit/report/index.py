"""The index of a folder of reports: each report's headlines in words, and its tables.

Reads what a run left (``<name>.summary.json`` beside ``<name>.html``): the headlines a
notebook recorded (``record_figures(headlines=...)``), else its scalar key figures, each
formatted for a reader (never a raw ``0.04889415738365107``), and the files the run wrote.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import formats as fmt
from .staging import FILES_KEY

_REPORT_FILES = (".html", ".ipynb")
_STYLE = (
    "body{font-family:sans-serif;max-width:62em;margin:2em auto;padding:0 1em;color:#222}"
    "h2{margin-top:1.6em;border-bottom:1px solid #ddd}"
    ".meta{color:#666;font-size:0.9em}"
    ".alert{color:#b00020}"
    "li{margin:0.2em 0}"
)


@dataclass
class IndexEntry:
    """One report of the folder, as the index shows it."""

    title: str
    html_name: str
    notebook_name: str
    summary_name: str
    seconds: float
    finished: str = ""
    headlines: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def figure_text(name: str, value: Any) -> str | None:
    """One key figure in words, or None for one that is no single figure (a table, a map).

    Counts are whole with separators, shares (names with rate, level, share or gap, or
    fractions between 0 and 1) percentages, other numbers three significant digits.
    """
    label = name.replace("_", " ")
    if isinstance(value, bool | str):
        return f"{label}: {value}"
    if isinstance(value, int):
        return f"{label}: {fmt.whole(value)}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"{label}: {fmt.MISSING}"
        share = any(w in name for w in ("rate", "level", "share", "gap", "occupancy"))
        if share:
            return f"{label}: {fmt.percent(value)}"
        if value.is_integer():
            return f"{label}: {fmt.whole(value)}"
        return f"{label}: {value:,.3g}"
    return None


def read_entry(summary: Path, *, seconds: float | None = None, title: str = "") -> IndexEntry:
    """The index entry of the report whose JSON summary is ``summary``."""
    data = json.loads(summary.read_text(encoding="utf-8"))
    figures: Mapping[str, Any] = data.get("figures") or {}
    headlines = [str(line) for line in figures.get("headlines") or []]
    if not headlines:
        headlines = [
            text
            for text in (figure_text(k, v) for k, v in figures.items() if k != "headlines")
            if text is not None
        ]
    stem = summary.name.removesuffix(".summary.json")
    files = [
        str(f)
        for f in data.get(FILES_KEY, [])
        if not str(f).startswith(stem + ".") and Path(str(f)).suffix not in _REPORT_FILES
    ]
    return IndexEntry(
        title=title or stem,
        html_name=str(data.get("html") or f"{stem}.html"),
        notebook_name=str(data.get("executed") or f"{stem}.ipynb"),
        summary_name=summary.name,
        seconds=float(seconds if seconds is not None else data.get("seconds") or 0.0),
        finished=_when(str(data.get("finished") or "")),
        headlines=headlines,
        files=sorted(files),
    )


def _when(stamp: str) -> str:
    """An ISO time as ``2026-11-16 08:23 UTC`` (as given when it is not ISO)."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return f"{moment:%Y-%m-%d %H:%M} {moment.tzname() or ''}".strip()


def notebook_title(executed: Path) -> str:
    """The title a notebook gives itself (its ``title`` metadata), else its file name."""
    try:
        metadata = json.loads(executed.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError, AttributeError):
        return executed.stem
    title = metadata.get("title") if isinstance(metadata, dict) else None
    return str(title) if title else executed.stem


def _link(name: str, text: str | None = None) -> str:
    return f"<a href='{html.escape(name)}'>{html.escape(text or name)}</a>"


def _headline(line: str) -> str:
    """A recorded headline: indented lines are details of the one before."""
    return html.escape(line.strip())


def _headline_list(lines: list[str]) -> str:
    out: list[str] = []
    open_details = False
    for line in lines:
        if line.startswith("  "):
            if not open_details:
                out.append("<ul>")
                open_details = True
            out.append(f"<li>{_headline(line)}</li>")
            continue
        if open_details:
            out.append("</ul>")
            open_details = False
        if out:
            out.append("</li>")
        out.append(f"<li>{_headline(line)}")
    if open_details:
        out.append("</ul>")
    if out:
        out.append("</li>")
    return f"<ul>{''.join(out)}</ul>" if out else ""


def index_html(
    entries: Iterable[IndexEntry],
    *,
    org: str,
    made_at: dt.datetime,
    other_files: Iterable[str] = (),
) -> str:
    """The index page: per report its title, headlines and tables; then the other files."""
    sections = []
    for entry in entries:
        meta = f"ran in {entry.seconds:.0f} s" + (
            f", finished {entry.finished}" if entry.finished else ""
        )
        tables = ", ".join(_link(f) for f in entry.files)
        sections.append(
            f"<h2>{_link(entry.html_name, entry.title)}</h2>"
            f"<p class='meta'>{html.escape(meta)}: {_link(entry.html_name, 'report')}, "
            f"{_link(entry.notebook_name, 'notebook')}, {_link(entry.summary_name, 'summary')}"
            "</p>"
            + _headline_list(entry.headlines)
            + (f"<p>Tables: {tables}</p>" if tables else "")
        )
    others = sorted(other_files)
    rest = (
        "<h2>Other files</h2><p>" + ", ".join(_link(f) for f in others) + "</p>" if others else ""
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>routingkit reports</title>"
        f"<style>{_STYLE}</style></head><body><h1>routingkit reports</h1>"
        f"<p class='meta'>{html.escape(org)}, {made_at:%Y-%m-%d %H:%M}</p>"
        + "".join(sections)
        + rest
        + "</body></html>"
    )
