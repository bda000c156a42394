"""The first screen of a report: what happened and what to do, in words and a few numbers.

Built from the tables the package computes (``workload.summary`` for history, a capacity table
from ``report.staffing_summary`` for staffing); every number goes through ``report.formats``.
A :class:`Headlines` shows itself as HTML in a notebook and is saved, as plain lines, in the
report's JSON summary, which the demo's index shows.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from . import formats as fmt
from .queues import labels

SOURCES = {
    "override": "set for this run",
    "wfm": "the WFM service goal templates",
    "org": "the queues' own settings in the org",
    "file": "the workload file",
    "default": "routingkit's default, 80 % in 20 s (no goal configured)",
}
# The same sources in a table cell.
SHORT_SOURCES = {
    "override": "this run",
    "wfm": "WFM",
    "org": "queue setting",
    "file": "workload file",
    "default": "default",
}
MODEL_NAMES = {"erlang_c": "Erlang C", "erlang_a": "Erlang A", "simulation": "simulation"}


class Window(Protocol):
    """What the headlines need of ``workload.summary.CoveredWindow``."""

    @property
    def start(self) -> dt.date | None: ...
    @property
    def end(self) -> dt.date: ...
    @property
    def requested_start(self) -> dt.date: ...
    @property
    def days(self) -> int: ...
    @property
    def requested_days(self) -> int: ...
    @property
    def time_zone(self) -> str: ...
    @property
    def partial(self) -> tuple[tuple[str, dt.date, int], ...]: ...
    @property
    def empty(self) -> tuple[str, ...]: ...


@dataclass
class Headline:
    """One statement, with optional detail lines under it; ``alert`` marks what needs action."""

    text: str
    details: list[str] = field(default_factory=list)
    alert: bool = False


@dataclass
class Headlines:
    """A report's headlines: shown as HTML in a notebook, saved as lines in its summary."""

    title: str
    items: list[Headline]

    def extended(self, lines: Sequence[str]) -> Headlines:
        """These headlines, then one statement per line of ``lines`` (e.g. WFM's comparison)."""
        return Headlines(self.title, [*self.items, *(Headline(line) for line in lines)])

    def lines(self) -> list[str]:
        """Every statement as one line of text, details after their statement."""
        out = []
        for item in self.items:
            out.append(item.text)
            out.extend(f"  {d}" for d in item.details)
        return out

    def _repr_html_(self) -> str:
        rows = []
        for item in self.items:
            colour = "#b00020" if item.alert else "inherit"
            details = "".join(f"<li>{html.escape(d)}</li>" for d in item.details)
            rows.append(
                f"<li style='margin:0.35em 0'><span style='color:{colour}'>"
                f"{html.escape(item.text)}</span>"
                + (f"<ul style='margin:0.2em 0'>{details}</ul>" if details else "")
                + "</li>"
            )
        return (
            "<div style='border-left:4px solid #1f77b4;padding:0.4em 1em;margin:0.5em 0;"
            "background:#f5f8fc;font-size:1.05em'>"
            f"<div style='font-weight:bold;margin-bottom:0.3em'>{html.escape(self.title)}</div>"
            f"<ul style='margin:0;padding-left:1.2em'>{''.join(rows)}</ul></div>"
        )


def _day(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def window_headline(window: Window, volume: str = "") -> Headline:
    """``"History: 28 days, Mon 19 Oct 2026 to Sun 15 Nov 2026 (America/Chicago)"``, then
    ``volume`` (e.g. ``"12 queues, 123,250 offered"``)."""
    if window.start is None:
        return Headline(
            f"History: no traffic at all from {_day(window.requested_start)} to "
            f"{_day(window.end - dt.timedelta(days=1))} ({window.time_zone})",
            alert=True,
        )
    last = window.end - dt.timedelta(days=1)
    span = "1 day" if window.days == 1 else f"{window.days} days"
    text = (
        f"History: {span}, {_day(window.start)}"
        + ("" if last == window.start else f" to {_day(last)}")
        + f" ({window.time_zone})"
        + (f": {volume}" if volume else "")
    )
    if window.days < window.requested_days:
        text += (
            f"; {window.requested_days} days were asked for: the org has no data for part of "
            "the range"
        )
    elif window.partial:
        text += "; the org has no data for part of the range for some queues"
    details = [
        f"{label}: data from {_day(start)} only ({days} of {window.requested_days} days)"
        for label, start, days in window.partial
    ]
    details += [f"{label}: no traffic in the window" for label in window.empty]
    return Headline(text, details, alert=bool(details) or window.days < window.requested_days)


def goals_headline(goals: pd.DataFrame) -> Headline:
    """Where the goals came from: ``"Goals: 12 from the queues' own settings in the org"``."""
    counts = Counter(str(s) for s in goals["goal_source"])
    parts = [
        f"{n} from {SOURCES.get(source, source)}"
        for source, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    shown = goals.assign(label=labels(goals))
    details = [
        f"{row.label}: {fmt.goal(row.goal_service_level, row.target_seconds)}"
        for row in shown.itertuples(index=False)
        if row.goal_source == "default"
    ]
    return Headline(f"Goals: {'; '.join(parts)}", details, alert="default" in counts)


def missed_line(row: Any, label: str) -> str:
    """``"Sales - Voice: 74.4 % in 20 s against 80 %, 13.6 % abandoned, ASA 0:12"``.

    Analytics measures service level at the queue's own configured target time; a goal from
    WFM or an override may name another time, so then the line says what was measured where.
    """
    tail = f"{fmt.percent(row.abandon_rate)} abandoned, ASA {fmt.duration(row.asa_seconds)}"
    if getattr(row, "goal_source", "org") in ("wfm", "override"):
        return (
            f"{label}: {fmt.percent(row.service_level)} at the queue's own target time against "
            f"a goal of {fmt.goal(row.goal_service_level, row.target_seconds)}, {tail}"
        )
    return (
        f"{label}: {fmt.percent(row.service_level)} in {fmt.target(row.target_seconds)} "
        f"against {fmt.goal_percent(row.goal_service_level)}, {tail}"
    )


def volume_text(attainment: pd.DataFrame) -> str:
    """``"12 queues, 123,250 offered, 5.0 % abandoned"``."""
    count = len(attainment)
    offered = float(attainment["offered"].sum())
    abandoned = float(attainment["abandoned"].sum())
    queues = "1 queue" if count == 1 else f"{count} queues"
    if not offered:
        return f"{queues}, nothing offered"
    return f"{queues}, {fmt.whole(offered)} offered, {fmt.percent(abandoned / offered)} abandoned"


def attainment_headlines(attainment: pd.DataFrame) -> list[Headline]:
    """Who met the goal and who missed it, worst first; the highest abandonment."""
    shown = attainment.assign(label=labels(attainment))
    judged = shown[shown["met_goal"].notna()]
    missed = judged[~judged["met_goal"].astype(bool)].sort_values("service_level_gap")
    if judged.empty:
        items = [Headline("No queue had traffic to judge against its goal", [], True)]
    elif missed.empty:
        what = "its service goal" if len(judged) == 1 else "their service goals"
        subject = "The queue" if len(judged) == 1 else f"All {len(judged)} queues"
        items = [Headline(f"{subject} met {what} over the window")]
    else:
        items = [
            Headline(
                f"{len(missed)} of {len(judged)} queues missed their service goal over the window:",
                [
                    missed_line(row, row.label)
                    + (
                        f" (missed: {row.missed})"
                        if row.missed not in ("", "service level")
                        else ""
                    )
                    for row in missed.itertuples(index=False)
                ],
                alert=True,
            )
        ]
    idle = shown[shown["met_goal"].isna()]
    if len(idle) and len(judged):
        items.append(Headline(f"No traffic to judge: {', '.join(idle['label'])}"))
    worst = shown[shown["abandon_rate"] > 0].sort_values("abandon_rate", ascending=False).head(3)
    if len(worst):
        items.append(
            Headline(
                "Highest abandonment: "
                + ", ".join(
                    f"{r.label} {fmt.percent(r.abandon_rate)}"
                    for r in worst.itertuples(index=False)
                )
            )
        )
    return items


def history_headlines(window: Window, attainment: pd.DataFrame) -> Headlines:
    """The history report's first screen (``attainment``: ``workload.summary.goal_attainment``)."""
    return Headlines(
        "In short",
        [
            window_headline(window, volume_text(attainment)),
            goals_headline(attainment),
            *attainment_headlines(attainment),
        ],
    )


def staffing_headlines(
    window: Window,
    attainment: pd.DataFrame,
    capacities: pd.DataFrame,
    week: dict[str, float],
    *,
    model: str,
    shrinkage: float,
    hours_per_fte: float,
    below_goal: int,
    open_intervals: int,
    org: str = "",
    options: str = "",
) -> Headlines:
    """The staffing report's first screen.

    ``capacities``: ``staffing_summary.capacity_table``; ``week``: its ``totals``;
    ``below_goal`` of ``open_intervals``: intervals predicted below goal at the chosen staffing;
    ``org`` and ``options``: the org's name and the options in words, for the first line.
    """
    name = MODEL_NAMES.get(model, model)
    required = week["required_agent_hours"]
    items = []
    if org or options:
        items.append(Headline(f"Org: {org}" + (f"; {options}" if options else "")))
    items += [window_headline(window, volume_text(attainment)), goals_headline(capacities)]
    items += attainment_headlines(attainment)
    if math.isnan(week["staffed_agent_hours"]):
        items.append(
            Headline(
                f"Required ({name}): {fmt.whole(required)} agent-hours on queue over the typical "
                "week. No staffed-agents table given (staffed_file): not compared with the "
                "agents actually staffed"
            )
        )
    else:
        gap = week["staffed_gap"]
        verdict = fmt.short_or_over(
            week["required_agent_hours_staffed_queues"], week["staffed_agent_hours"]
        )
        shown = capacities.assign(label=labels(capacities))
        short = shown[shown["staffed_gap"] > 0.005].sort_values("staffed_gap", ascending=False)
        details = [
            f"{row.label}: {fmt.whole(row.required_agent_hours)} required against "
            f"{fmt.whole(row.staffed_agent_hours)} staffed agent-hours "
            f"({fmt.short_or_over(row.required_agent_hours, row.staffed_agent_hours)})"
            for row in short.head(5).itertuples(index=False)
        ]
        if len(short) > 5:
            details.append(f"and {len(short) - 5} more queues short")
        period = {"as required": "", fmt.MISSING: ""}.get(
            verdict, " over the week" if gap > 0 else " for the week"
        )
        items.append(
            Headline(
                f"Required ({name}) against staffed: {fmt.whole(required)} against "
                f"{fmt.whole(week['staffed_agent_hours'])} agent-hours on queue, {verdict}{period}"
                + (f"; {len(short)} queues short:" if len(short) else ""),
                details,
                alert=gap > 0.005,
            )
        )
    items.append(
        Headline(
            f"With {fmt.percent(shrinkage, 0)} shrinkage: {fmt.whole(week['paid_hours'])} paid "
            f"hours a week, {fmt.decimal(week['fte'])} FTE at {hours_per_fte:g} hours per FTE"
        )
    )
    if open_intervals == 0:
        items.append(Headline("No interval of the typical week has arrivals", alert=True))
    elif below_goal == 0:
        items.append(
            Headline(
                f"At the chosen staffing ({name}) every queue is predicted to meet its goal in "
                f"each of the {fmt.whole(open_intervals)} open intervals of the week"
            )
        )
    else:
        items.append(
            Headline(
                f"At the chosen staffing ({name}) {fmt.whole(below_goal)} of "
                f"{fmt.whole(open_intervals)} open intervals are predicted below goal (a cap "
                "or the model's rounding): see the service-level charts",
                alert=True,
            )
        )
    return Headlines("In short", items)
