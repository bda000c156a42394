"""Figures for the notebooks: readable without the code that made them.

Each function takes the tidy tables of :mod:`routingkit.workload` (or staffing tables), draws on
a new matplotlib figure and returns it. Titles say what is shown, axes carry units, legends sit
outside the data, and views of many queues are small multiples (one panel per queue, in the
order of the table given) whose colours never repeat within a figure (:func:`palette`).
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator, PercentFormatter

from . import formats as fmt
from .queues import labels

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
COLUMNS = 4  # panels per row of small multiples
PANEL = (2.75, 2.0)  # inches per panel
GOAL_COLOUR = "#d62728"
_TAB10 = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#d62728",
]  # fmt: skip


def palette(n: int) -> list[str]:
    """``n`` colours, none repeated: matplotlib's ten for up to ten series, beyond that hues
    spread evenly around the colour wheel at alternating lightness."""
    if n < 0:
        raise ValueError(f"n is {n}; a palette has n >= 0 colours")
    if n <= len(_TAB10):
        return _TAB10[:n]
    colours = []
    for i in range(n):
        hue = i / n
        lightness = (0.38, 0.55, 0.46)[i % 3]
        red, green, blue = colorsys.hls_to_rgb(hue, lightness, 0.75)
        colours.append(f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}")
    return colours


def _covered(history: pd.DataFrame) -> pd.DataFrame:
    """Only the intervals the org has data for (all, for a table without coverage)."""
    if "covered" not in history.columns:
        return history
    covered: pd.DataFrame = history[history["covered"].to_numpy(dtype=bool)]
    return covered


def _panels(
    count: int, *, title: str, columns: int = COLUMNS, sharex: bool = True
) -> tuple[Figure, list[Axes]]:
    """A figure of ``count`` small multiples (at least one), unused cells hidden."""
    count = max(count, 1)
    cols = min(columns, count)
    rows = -(-count // cols)
    fig, axes = plt.subplots(
        rows,
        cols,
        figsize=(PANEL[0] * cols + 1.6, PANEL[1] * rows + 0.9),
        squeeze=False,
        sharex=sharex,
    )
    flat = list(axes.ravel())
    for ax in flat[count:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=11)
    return fig, flat[:count]


def _legend_outside(fig: Figure, handles: Sequence[Any], names: Sequence[str]) -> None:
    """One legend for the figure, to the right of every panel."""
    if handles:
        fig.legend(
            handles, names, loc="upper left", bbox_to_anchor=(1.0, 0.95), fontsize=8, frameon=False
        )


def _hours_axis(ax: Axes) -> None:
    ax.set_xlim(0, 24)
    ax.xaxis.set_major_locator(MultipleLocator(6))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{int(x) % 24:02d}:00"))


def _no_data(ax: Axes, text: str = "no traffic") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#777777")


def _groups(
    table: pd.DataFrame, order: Sequence[str] | None = None
) -> list[tuple[str, pd.DataFrame]]:
    """(label, rows) per queue and media type, in ``order`` of labels or of first appearance."""
    keyed = table.assign(_label=labels(table).to_numpy())
    found = list(dict.fromkeys(keyed["_label"]))
    wanted = [label for label in (order or found) if label in found]
    return [(label, keyed[keyed["_label"] == label]) for label in wanted]


def _step(ax: Axes, rows: pd.DataFrame, column: str, **style: Any) -> Any:
    """A per-interval value as steps across the day, the last step drawn to its end."""
    rows = rows.sort_values("slot_minute")
    hours = rows["slot_minute"].to_numpy(dtype=float) / 60.0
    values = rows[column].to_numpy(dtype=float)
    if len(hours):
        step = float(np.min(np.diff(hours))) if len(hours) > 1 else 0.5
        hours = np.append(hours, hours[-1] + step)
        values = np.append(values, values[-1])
    (line,) = ax.step(hours, values, where="post", **style)
    return line


def volume_heatmap(history: pd.DataFrame, *, title: str = "Offered per interval") -> Figure:
    """Mean offered per interval by weekday (rows) and time of day (columns).

    Each queue's mean over its own covered days, summed over queues: days before a queue's
    data begins are unknown, not quiet, and never pull the mean down.
    """
    history = _covered(history)
    frame = history.assign(
        weekday=history["interval_start"].dt.day_of_week,
        minute=history["interval_start"].dt.hour * 60 + history["interval_start"].dt.minute,
    )
    per_queue = (
        frame.groupby(["queue_id", "media_type", "weekday", "minute"], observed=True)["offered"]
        .mean()
        .reset_index()
    )
    per_slot = per_queue.groupby(["weekday", "minute"], observed=True)["offered"].sum()
    grid = (
        per_slot.reset_index()
        .pivot_table(index="weekday", columns="minute", values="offered", aggfunc="sum")
        .reindex(range(7))
    )
    fig, ax = plt.subplots(figsize=(11, 3.6))
    image = ax.imshow(
        grid.to_numpy(dtype=float), aspect="auto", cmap="viridis", interpolation="nearest"
    )
    minutes = grid.columns.to_numpy()
    ticks = [i for i, m in enumerate(minutes) if m % 120 == 0]
    ax.set_xticks(ticks, [f"{int(minutes[i]) // 60:02d}:00" for i in ticks])
    ax.set_yticks(range(7), WEEKDAYS)
    ax.set_xlabel("time of day")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="mean offered per interval")
    fig.tight_layout()
    return fig


def service_level_by_queue(attainment: pd.DataFrame) -> Figure:
    """Service level achieved (dot) against each queue's goal (bar), worst shortfall on top.

    ``attainment``: ``workload.summary.goal_attainment``. One row per queue: reads the same
    with 5 queues or 50.
    """
    table = attainment.assign(label=labels(attainment)).sort_values(
        "service_level_gap", ascending=False, na_position="first"
    )
    count = len(table)
    fig, ax = plt.subplots(figsize=(9, 0.32 * count + 1.4))
    y = np.arange(count)
    level = 100 * table["service_level"].to_numpy(dtype=float)
    goal = 100 * table["goal_service_level"].to_numpy(dtype=float)
    met = table["met_goal"].fillna(True).to_numpy(dtype=bool)
    ax.hlines(y, np.fmin(level, goal), np.fmax(level, goal), color="#bbbbbb", lw=2, zorder=1)
    ax.scatter(goal, y, marker="|", s=220, color="black", label="goal", zorder=2)
    ax.scatter(level[met], y[met], color="#2ca02c", s=36, label="achieved: met", zorder=3)
    ax.scatter(level[~met], y[~met], color=GOAL_COLOUR, s=36, label="achieved: missed", zorder=3)
    for i in np.flatnonzero(~np.isfinite(level)):
        ax.text(goal[i] if np.isfinite(goal[i]) else 50, y[i], "  no traffic", va="center",
                fontsize=8, color="#777777")  # fmt: skip
    ax.set_yticks(y, table["label"])
    finite = np.concatenate([level[np.isfinite(level)], goal[np.isfinite(goal)]])
    low = float(np.min(finite)) if finite.size else 0.0
    ax.set_xlim(max(0.0, min(low - 5, 70.0)), 101)
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.set_xlabel("service level over the window (answered within the target time)")
    ax.set_title("Service level achieved against each queue's goal")
    ax.grid(axis="x", color="#eeeeee")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def intraday_profiles(
    profile: pd.DataFrame,
    column: str,
    *,
    title: str,
    ylabel: str,
    scale: float = 1.0,
    order: Sequence[str] | None = None,
    min_handled: int = 0,
) -> Figure:
    """``column`` of ``workload.summary.intraday_profile`` across the day, one line per weekday,
    one panel per queue (``order``: queue labels, e.g. busiest first). Slots that handled
    fewer than ``min_handled`` over the window are left blank (a mean of a few is noise)."""
    if profile["slot_minute"].nunique() <= 1:  # daily intervals (P1D): no time of day to show
        fig = plt.figure(figsize=(8, 0.6))
        fig.text(0.01, 0.5, f"{title}: daily intervals (P1D) have no time-of-day detail",
                 va="center", fontsize=10)  # fmt: skip
        return fig
    groups = _groups(profile, order)
    fig, axes = _panels(len(groups), title=title)
    colours = palette(7)
    handles: dict[int, Any] = {}
    for ax, (label, rows) in zip(axes, groups, strict=False):
        drawn = False
        for weekday, part in rows.groupby("weekday", sort=True):
            values = part[column].to_numpy(dtype=float) * scale
            values[part["handled"].to_numpy() < min_handled] = np.nan
            if not np.isfinite(values).any() or np.nansum(values) == 0:
                continue
            day = int(str(weekday))
            handles[day] = _step(
                ax,
                part.assign(_value=values),
                "_value",
                color=colours[day],
                lw=1.1,
                ls="--" if day >= 5 else "-",
            )
            drawn = True
        if not drawn:
            few = min_handled and rows["offered"].sum() > 0
            _no_data(ax, f"fewer than {min_handled} handled per slot" if few else "no traffic")
        ax.set_title(label, fontsize=9)
        _hours_axis(ax)
        ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
    for ax in axes[:: min(COLUMNS, len(axes))]:
        ax.set_ylabel(ylabel, fontsize=8)
    order_days = sorted(handles)
    _legend_outside(fig, [handles[d] for d in order_days], [WEEKDAYS[d] for d in order_days])
    fig.supxlabel("time of day (local)", fontsize=9)
    fig.tight_layout()
    return fig


def daily_offered(daily: pd.DataFrame, *, order: Sequence[str] | None = None) -> Figure:
    """Offered per covered day, one panel per queue (``workload.summary.daily_totals``)."""
    groups = _groups(daily, order)
    fig, axes = _panels(len(groups), title="Offered per day (covered days)")
    days = pd.DatetimeIndex(daily["day"]).tz_localize(None) if len(daily) else pd.DatetimeIndex([])
    first, last = (days.min(), days.max()) if len(days) else (pd.NaT, pd.NaT)
    # A few days get narrow bars in a wider window: one day must not read as a wall.
    margin = pd.Timedelta(days=1.5 if len(set(days)) < 5 else 0.75)
    width = 0.8 if len(set(days)) >= 5 else 0.5
    for ax, (label, rows) in zip(axes, groups, strict=False):
        x = pd.DatetimeIndex(rows["day"]).tz_localize(None)
        ax.bar(x, rows["offered"].to_numpy(dtype=float), width=width, color="#1f77b4")
        ax.set_title(label, fontsize=9)
        ax.tick_params(labelsize=7)
        if rows["offered"].sum() == 0:
            _no_data(ax)
    if len(days):
        locator = mdates.AutoDateLocator(minticks=2, maxticks=4)
        for ax in axes:
            ax.set_xlim(first - margin, last + margin)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    for ax in axes[:: min(COLUMNS, len(axes))]:
        ax.set_ylabel("offered", fontsize=8)
    fig.tight_layout()
    return fig


def handle_time_histogram(distribution: pd.DataFrame, *, title: str) -> Figure:
    """Share of conversations per handle-time bin, bars as wide as their bins (in minutes).

    ``distribution``: ``workload.handle_time_distribution``. With equal-width bins the height
    is the share per bin; with unequal ones it is the share per minute, so that an area, not a
    height, is a share either way. The open-ended last bin is not drawn: its share is written.
    """
    finite = np.isfinite(distribution["upper_seconds"].to_numpy(dtype=float))
    bins = distribution[finite]
    low = bins["lower_seconds"].to_numpy(dtype=float) / 60.0
    width = bins["upper_seconds"].to_numpy(dtype=float) / 60.0 - low
    share = 100 * bins["share"].to_numpy(dtype=float)
    equal = width.size > 0 and np.allclose(width, width[0])
    height = share if equal else share / width
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.bar(low, height, width=width, align="edge", color="#1f77b4", edgecolor="white", lw=0.6)
    ax.set_xlim(0, float(low[-1] + width[-1]) if width.size else 1.0)
    ax.set_xlabel("handle time (minutes)")
    if equal:
        ax.set_ylabel(f"share of conversations (%)\nper {width[0]:g}-minute bin")
    else:
        ax.set_ylabel("share of conversations\nper minute of handle time (%)")
    tail = distribution[~finite]
    if len(tail):
        rest = float(tail["share"].sum())
        edge = float(tail["lower_seconds"].iloc[0])
        ax.text(
            0.99, 0.95, f"{fmt.percent(rest)} took over {fmt.target(edge)}",
            transform=ax.transAxes, ha="right", va="top", fontsize=9,
        )  # fmt: skip
    ax.set_title(title)
    fig.tight_layout()
    return fig


def abandonment_vs_wait(
    table: pd.DataFrame, patience: pd.DataFrame, *, order: Sequence[str] | None = None
) -> Figure:
    """Abandon rate against mean wait per queue, with the exponential-patience line.

    ``table``: ``workload.summary.abandonment_by_wait``; a dot per wait bin, its area the
    interactions in it. ``patience``: ``workload.patience`` by queue id and media type; the
    line is abandon rate = wait ÷ patience, which the patience estimate implies. Only queues
    with abandonment get a panel.
    """
    abandoning = table.groupby(["queue_id", "media_type"], observed=True)["abandoned"].transform(
        "sum"
    )
    table = table[abandoning > 0]
    groups = _groups(table, order)
    fig, axes = _panels(
        len(groups), title="Abandonment against wait (intervals grouped by mean wait)", sharex=False
    )
    means = {
        (str(qid), str(media)): float(mean)
        for qid, media, mean in zip(
            patience["queue_id"], patience["media_type"], patience["patience_seconds"], strict=True
        )
    }
    dot = line = None
    for ax, (label, rows) in zip(axes, groups, strict=False):
        wait = rows["mean_wait_seconds"].to_numpy(dtype=float)
        rate = 100 * rows["abandon_rate"].to_numpy(dtype=float)
        size = 8 + 120 * rows["waited"].to_numpy(dtype=float) / max(rows["waited"].max(), 1)
        dot = ax.scatter(wait, rate, s=size, color="#1f77b4", alpha=0.7, zorder=2)
        mean = means.get((str(rows["queue_id"].iloc[0]), str(rows["media_type"].iloc[0])))
        top = float(np.nanmax(wait)) * 1.1 if wait.size else 1.0
        if mean and np.isfinite(mean):
            x = np.linspace(0, top, 50)
            (line,) = ax.plot(x, np.minimum(100 * x / mean, 100), color=GOAL_COLOUR, lw=1)
        ax.set_xlim(0, top)
        ax.set_ylim(0, max(float(np.nanmax(rate)) * 1.15, 1.0) if rate.size else 1.0)
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_title(label, fontsize=9)
        ax.tick_params(labelsize=7)
    if not groups:
        _no_data(axes[0], "no abandonment in the window")
    for ax in axes[:: min(COLUMNS, len(axes))]:
        ax.set_ylabel("abandon rate", fontsize=8)
    handles = [h for h in (dot, line) if h is not None]
    names = ["intervals by mean wait (area: interactions)", "wait ÷ patience (exponential)"]
    _legend_outside(fig, handles, names[: len(handles)] if line is not None else names[:1])
    fig.supxlabel("mean wait in the interval (seconds)", fontsize=9)
    fig.tight_layout()
    return fig


def agents_per_interval(
    frame: pd.DataFrame, *, weekday: int, order: Sequence[str] | None = None
) -> Figure:
    """Required, rostered, scheduled and staffed agents per interval of one weekday, a panel
    per queue.

    ``frame``: a capacity plan's frame with ``required_agents``, ``rostered_agents`` and
    (optionally) ``scheduled`` and ``staffed`` (``report.staffing_summary.with_staffed``).
    """
    day = frame[frame["weekday"] == weekday]
    groups = _groups(day, order)
    fig, axes = _panels(
        len(groups), title=f"Agents per interval, {WEEKDAYS[weekday]}: required, rostered, staffed"
    )
    series = (
        ("required_agents", "required on queue", {"color": "#1f77b4", "lw": 1.4}),
        ("rostered_agents", "rostered (after shrinkage)", {"color": "#ff7f0e", "lw": 1.1}),
        ("scheduled", "scheduled on queue (WFM)", {"color": "#2ca02c", "lw": 1.0}),
        ("staffed", "staffed on queue", {"color": "black", "lw": 1.1, "ls": ":"}),
    )
    return _agent_panels(fig, axes, groups, series)


def _agent_panels(
    fig: Figure,
    axes: Sequence[Any],
    panels: Sequence[tuple[str, pd.DataFrame]],
    series: Sequence[tuple[str, str, dict[str, Any]]],
    *,
    empty: str | None = None,
) -> Figure:
    """Agents per interval, a panel per (title, rows): each (column, legend, style) of
    ``series`` the rows have, one legend outside; ``empty``: said in a panel with none."""
    handles: dict[str, Any] = {}
    for ax, (title, rows) in zip(axes, panels, strict=False):
        drawn = False
        for column, label, style in series:
            if column in rows and rows[column].notna().any():
                handles[label] = _step(ax, rows, column, **style)
                drawn = True
        if not drawn and empty is not None:
            _no_data(ax, empty)
        ax.set_title(title, fontsize=9)
        _hours_axis(ax)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
    for ax in axes[:: min(COLUMNS, len(axes))]:
        ax.set_ylabel("agents", fontsize=8)
    _legend_outside(fig, list(handles.values()), list(handles))
    fig.supxlabel("time of day (local)", fontsize=9)
    fig.tight_layout()
    return fig


def required_vs_wfm(per_group: pd.DataFrame, *, weekday: int) -> Figure:
    """routingkit's required agents against WFM's staffing requirement per interval of one
    weekday, a panel per planning group, with the agents scheduled and staffed.

    ``per_group``: ``policy.workforce.workforce_view(...).per_group`` (``planning_group``,
    ``weekday``, ``slot_minute``, ``required``, ``wfm_required``, ``scheduled``, ``staffed``).
    """
    day = per_group[per_group["weekday"] == weekday]
    names = list(dict.fromkeys(day["planning_group"]))
    fig, axes = _panels(
        len(names),
        title=f"Agents per interval, {WEEKDAYS[weekday]}: routingkit against WFM, per planning "
        "group",
    )
    series = (
        ("required", "required (routingkit)", {"color": "#1f77b4", "lw": 1.4}),
        ("wfm_required", "required (WFM)", {"color": "#d62728", "lw": 1.2, "ls": "--"}),
        ("scheduled", "scheduled on queue", {"color": "#2ca02c", "lw": 1.0}),
        ("staffed", "staffed on queue", {"color": "black", "lw": 1.1, "ls": ":"}),
    )
    panels = [(name, day[day["planning_group"] == name]) for name in names]
    return _agent_panels(fig, axes, panels, series, empty="no figures")


def predicted_service_per_interval(
    frame: pd.DataFrame, *, weekday: int, order: Sequence[str] | None = None
) -> Figure:
    """Predicted service level and occupancy per open interval at the chosen staffing.

    ``frame``: a capacity plan's frame (``service_level``, ``occupancy``, the goal); intervals
    without arrivals are left blank.
    """
    day = frame[frame["weekday"] == weekday]
    groups = _groups(day, order)
    fig, axes = _panels(
        len(groups),
        title=f"Predicted service level and occupancy at the chosen staffing, {WEEKDAYS[weekday]}",
    )
    handles: dict[str, Any] = {}
    for ax, (label, rows) in zip(axes, groups, strict=False):
        open_ = rows["arrival_rate"].to_numpy(dtype=float) > 0
        shown = rows.assign(
            _sl=np.where(open_, 100 * rows["service_level"].to_numpy(dtype=float), np.nan),
            _occ=np.where(open_, 100 * rows["occupancy"].to_numpy(dtype=float), np.nan),
        )
        if open_.any():
            handles["service level"] = _step(ax, shown, "_sl", color="#1f77b4", lw=1.4)
            handles["occupancy"] = _step(ax, shown, "_occ", color="#8c564b", lw=1.0)
            handles["goal"] = ax.axhline(
                100 * float(rows["goal_service_level"].iloc[0]), color=GOAL_COLOUR, ls="--", lw=1
            )
        else:
            _no_data(ax, "closed")
        ax.set_title(label, fontsize=9)
        _hours_axis(ax)
        ax.set_ylim(0, 102)
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.tick_params(labelsize=7)
    _legend_outside(fig, list(handles.values()), list(handles))
    fig.supxlabel("time of day (local)", fontsize=9)
    fig.tight_layout()
    return fig


def staffing_curve(
    curve: pd.DataFrame,
    *,
    title: str,
    goal_level: float,
    target_seconds: float,
    chosen: int,
    max_abandon: float | None = None,
) -> Figure:
    """Service level, ASA and abandon rate against agents at one interval, goal and choice marked.

    ``curve``: ``report.staffing_summary.staffing_curve``.
    """
    agents = curve["agents"].to_numpy(dtype=float)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    goal_label = f"goal {fmt.goal_percent(goal_level)}"
    cap = None if max_abandon is None else max_abandon * 100
    cap_label = "" if max_abandon is None else f"cap {fmt.percent(max_abandon, 0)}"
    panels = (
        ("service_level", "service level", 100.0, goal_level * 100, goal_label),
        ("asa_seconds", "ASA (m:ss)", 1.0, None, ""),
        ("abandon_rate", "abandon rate", 100.0, cap, cap_label),
    )
    for ax, (column, ylabel, scale, line, line_label) in zip(axes, panels, strict=True):
        if column not in curve:
            _no_data(ax, "not predicted")
            continue
        values = curve[column].to_numpy(dtype=float) * scale
        values = np.where(np.isfinite(values), values, np.nan)
        ax.plot(agents, values, marker="o", ms=3, lw=1.3, color="#1f77b4")
        if line is not None:
            ax.axhline(line, color=GOAL_COLOUR, ls="--", lw=1, label=line_label)
        ax.axvline(chosen, color="#2ca02c", lw=1.2, label=f"chosen: {chosen} agents")
        ax.set_xlabel("agents on queue")
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if scale == 100.0:
            ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
            ax.set_ylim(0, 102 if column == "service_level" else None)
        else:
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.duration(v)))
            ax.set_ylim(bottom=0)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.22), frameon=False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def staffing_curves(
    table: pd.DataFrame,
    *,
    queue: str,
    columns: Sequence[str],
    staffed: str | None = None,
    weekday: int | None = None,
) -> Figure:
    """Required agents per time-of-day slot for one queue (by name), by each model in
    ``columns``; ``weekday``: only that day's rows (0 = Monday; None: the table as given)."""
    rows = table[table["queue_name"] == queue]
    if weekday is not None:
        rows = rows[rows["weekday"] == weekday]
    fig, ax = plt.subplots(figsize=(10, 3.6))
    present = [c for c in columns if c in rows]
    dashes = ("-", "--", "-.", ":")
    for i, (column, colour) in enumerate(zip(present, palette(len(present)), strict=True)):
        # Thinner and dashed in turn: models that agree stay visible one over another.
        _step(
            ax,
            rows,
            column,
            label=column.replace("_", " ").replace("erlang", "Erlang"),
            lw=max(2.4 - 0.6 * i, 1.0),
            ls=dashes[i % len(dashes)],
            color=colour,
        )
    if staffed is not None and staffed in rows and rows[staffed].notna().any():
        _step(ax, rows, staffed, label="staffed", lw=1, color="black", ls=(0, (1, 1.5)))
    _hours_axis(ax)
    ax.set_xlabel("time of day (local)")
    ax.set_ylabel("agents on queue")
    ax.set_ylim(bottom=0)
    day = "" if weekday is None else f", {WEEKDAYS[weekday]}"
    ax.set_title(f"{queue}: agents required per interval by model{day}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def sensitivity(
    curves: pd.DataFrame, *, x: str, y: str, by: str, title: str, xlabel: str, ylabel: str
) -> Figure:
    """Lines of ``y`` against ``x``, one per value of ``by`` (scenario sweeps); each line has
    its own colour, marker and dash, so that lines that coincide stay visible. An ``x`` named
    ``change`` (a relative change) reads as a percentage."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    groups = list(curves.groupby(by, observed=True))
    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    dashes = ("-", "--", ":", "-.")
    for i, ((name, rows), colour) in enumerate(zip(groups, palette(len(groups)), strict=True)):
        ax.plot(
            rows[x],
            rows[y],
            marker=markers[i % len(markers)],
            ls=dashes[i % len(dashes)],
            ms=8 if i == 0 else 4,
            mfc="none" if i == 0 else colour,  # the first hollow and large: a line on it shows
            lw=1.6 if i == 0 else 1.1,
            label=str(name),
            color=colour,
        )
    if x == "change":
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def service_before_after(series: pd.DataFrame, *, weekday: int = 0) -> Figure:
    """Predicted service level per interval before and after a change, with the goal.

    ``series``: ``policy.plan.impact_series``; one panel per queue and media type (small
    multiples, at most 12), the chosen weekday's intervals.
    """
    day = series[series["weekday"] == weekday]
    groups = list(day.groupby(["queue_name", "media_type"], sort=True))[:12]
    panels = max(1, len(groups))
    columns = min(3, panels)
    rows = -(-panels // columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(4.2 * columns, 2.8 * rows), squeeze=False, sharey=True
    )
    for ax in axes.ravel()[len(groups) :]:
        ax.set_visible(False)
    for ax, ((queue, media), rows_) in zip(axes.ravel(), groups, strict=False):
        rows_ = rows_.sort_values("slot_minute")
        hours = rows_["slot_minute"] / 60.0
        busy = rows_["arrival_rate"] > 0
        ax.step(
            hours[busy],
            rows_.loc[busy, "service_level_before"] * 100,
            where="post",
            label="before",
            color="#7f7f7f",
            lw=1.2,
        )
        ax.step(
            hours[busy],
            rows_.loc[busy, "service_level_after"] * 100,
            where="post",
            label="after",
            color="#1f77b4",
            lw=1.6,
        )
        ax.axhline(
            float(rows_["goal_after"].iloc[0]) * 100, color="#d62728", ls="--", lw=1, label="goal"
        )
        ax.set_title(f"{queue} / {media}", fontsize=9)
        ax.set_xlim(0, 24)
        ax.set_ylim(0, 101)
        ax.set_xlabel("time of day (hours)", fontsize=8)
    axes[0][0].set_ylabel("predicted service level (%)")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"Predicted service level per interval, {WEEKDAYS[weekday]}", fontsize=10)
    fig.tight_layout()
    return fig
