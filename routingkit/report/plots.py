"""Figures for the notebooks: readable without the code that made them.

Each function takes the tidy tables of :mod:`routingkit.workload` (or staffing tables), draws on
a new matplotlib figure and returns it. Titles say what is shown and axes carry units.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _covered(history: pd.DataFrame) -> pd.DataFrame:
    """Only the intervals the org has data for (all, for a table without coverage)."""
    if "covered" not in history.columns:
        return history
    covered: pd.DataFrame = history[history["covered"].to_numpy(dtype=bool)]
    return covered


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


def daily_volume_and_aht(history: pd.DataFrame) -> Figure:
    """Offered per day and AHT per day, one line per queue (covered days only)."""
    history = _covered(history)
    day = history["interval_start"].dt.floor("D")
    daily = (
        history.assign(day=day, handle_total=history["aht_seconds"].fillna(0) * history["handled"])
        .groupby(["queue_name", "day"], observed=True)[["offered", "handled", "handle_total"]]
        .sum()
        .reset_index()
    )
    daily["aht_seconds"] = daily["handle_total"] / daily["handled"].replace(0, np.nan)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 6), sharex=True)
    for name, rows in daily.groupby("queue_name", observed=True):
        top.plot(rows["day"], rows["offered"], label=str(name), lw=1.2)
        bottom.plot(rows["day"], rows["aht_seconds"], lw=1.2)
    top.set_ylabel("offered per day")
    top.set_title("Volume and average handle time per day")
    bottom.set_ylabel("AHT (seconds)")
    top.legend(fontsize=7, ncol=3, loc="upper left")
    fig.tight_layout()
    return fig


def aht_by_media(history: pd.DataFrame) -> Figure:
    """Distribution of interval AHT per media type (intervals with at least 5 handled)."""
    busy = history[history["handled"] >= 5]
    media = sorted(busy["media_type"].unique())
    fig, ax = plt.subplots(figsize=(8, 3.8))
    ax.boxplot(
        [busy.loc[busy["media_type"] == m, "aht_seconds"].dropna() for m in media], showfliers=False
    )
    ax.set_xticks(range(1, len(media) + 1), media)
    ax.set_ylabel("AHT per interval (seconds)")
    ax.set_title("Handle time by media type")
    fig.tight_layout()
    return fig


def service_level_vs_target(history: pd.DataFrame) -> Figure:
    """Daily service level achieved per queue against each queue's target."""
    frame = history.assign(day=history["interval_start"].dt.floor("D"))
    daily = (
        frame.groupby(["queue_name", "day"], observed=True)
        .agg(
            within=("answered_within_target", "sum"),
            answered=("answered", "sum"),
            abandoned=("abandoned", "sum"),
            target=("service_level_target", "max"),
        )
        .reset_index()
    )
    daily["service_level"] = daily["within"] / (daily["answered"] + daily["abandoned"]).replace(
        0, np.nan
    )
    names = list(daily["queue_name"].unique())
    cols = 3
    rows_n = max(1, -(-len(names) // cols))
    fig, axes = plt.subplots(
        rows_n, cols, figsize=(11, 2.3 * rows_n), sharex=True, sharey=True, squeeze=False
    )
    for ax, name in zip(axes.flat, names, strict=False):
        rows = daily[daily["queue_name"] == name]
        ax.plot(rows["day"], 100 * rows["service_level"], lw=1.2, label="achieved")
        ax.axhline(
            100 * float(rows["target"].max()), color="tab:red", ls="--", lw=1, label="target"
        )
        ax.set_title(str(name), fontsize=9)
        ax.set_ylim(0, 105)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    axes[0][0].set_ylabel("service level (%)")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Service level achieved against target, per day")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def staffing_curves(
    table: pd.DataFrame, *, queue: str, columns: Sequence[str], staffed: str | None = None
) -> Figure:
    """Required agents per time-of-day slot for one queue, by each method in ``columns``."""
    rows = table[table["queue_name"] == queue].sort_values("slot_minute")
    hours = rows["slot_minute"] / 60.0
    fig, ax = plt.subplots(figsize=(11, 3.8))
    for column in columns:
        if column in rows:
            ax.step(hours, rows[column], where="post", label=column, lw=1.3)
    if staffed is not None and staffed in rows:
        ax.step(hours, rows[staffed], where="post", label=staffed, lw=1, color="black", ls=":")
    ax.set_xlabel("time of day (hours)")
    ax.set_ylabel("agents")
    ax.set_xlim(0, 24)
    ax.set_title(f"{queue}: agents required per interval")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def handle_time_histogram(distribution: pd.DataFrame, *, title: str) -> Figure:
    """Share of conversations per handle-time bin (from range-bound analytics views)."""
    fig, ax = plt.subplots(figsize=(8, 3.6))
    labels = [
        f"{lo / 60:.0f}-{hi / 60:.0f}" if np.isfinite(hi) else f"{lo / 60:.0f}+"
        for lo, hi in zip(distribution["lower_seconds"], distribution["upper_seconds"], strict=True)
    ]
    ax.bar(range(len(labels)), 100 * distribution["share"], color="tab:blue")
    ax.set_xticks(range(len(labels)), labels, rotation=45, fontsize=8)
    ax.set_xlabel("handle time (minutes)")
    ax.set_ylabel("share of conversations (%)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def sensitivity(
    curves: pd.DataFrame, *, x: str, y: str, by: str, title: str, xlabel: str, ylabel: str
) -> Figure:
    """Lines of ``y`` against ``x``, one per value of ``by`` (scenario sweeps)."""
    fig, ax = plt.subplots(figsize=(8, 3.8))
    for name, rows in curves.groupby(by, observed=True):
        ax.plot(rows[x], rows[y], marker="o", ms=3, lw=1.2, label=str(name))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
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
