"""Figures that read with 12 or 50 queues: colours never repeat, legends sit outside the data,
one panel per queue, honest bins."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb

from routingkit.report import plots


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.mark.parametrize("count", [7, 12, 50])
def test_the_palette_never_repeats_a_colour(count: int) -> None:
    colours = [to_rgb(c) for c in plots.palette(count)]
    assert len(set(colours)) == count
    gaps = [np.abs(np.subtract(a, b)).sum() for i, a in enumerate(colours) for b in colours[:i]]
    assert min(gaps) > 0.05  # distinguishable, not merely different


def profile(queues: int) -> pd.DataFrame:
    """An intraday profile of ``queues`` queues, Monday and Saturday, hourly slots 8:00-18:00."""
    rows = [
        {"queue_name": f"Queue {q:02d}", "media_type": "voice", "queue_id": f"q{q}",
         "weekday": day, "slot_minute": hour * 60, "offered_mean": 10.0 + q + hour,
         "aht_seconds": 300.0, "handled": 50}
        for q in range(queues) for day in (0, 5) for hour in range(8, 18)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_fifty_queues_get_fifty_titled_panels_and_one_legend_outside_them() -> None:
    fig = plots.intraday_profiles(profile(50), "offered_mean", title="t", ylabel="offered")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 50
    assert sorted(ax.get_title() for ax in panels) == [f"Queue {q:02d}" for q in range(50)]
    fig.canvas.draw()
    (legend,) = fig.legends
    legend_box = legend.get_window_extent()
    rightmost = max(ax.get_window_extent().x1 for ax in panels)
    assert legend_box.x0 >= rightmost  # beside the panels, never over the data
    assert [t.get_text() for t in legend.get_texts()] == ["Mon", "Sat"]


def test_panels_follow_the_order_given() -> None:
    order = ["Queue 02", "Queue 00", "Queue 01"]
    fig = plots.intraday_profiles(profile(3), "offered_mean", title="t", ylabel="y", order=order)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == order


def test_daily_intervals_have_no_time_of_day_panels() -> None:
    daily = profile(2).assign(slot_minute=0).drop_duplicates(["queue_id", "weekday"])
    fig = plots.intraday_profiles(daily, "offered_mean", title="Offered", ylabel="y")
    assert not fig.axes
    assert "no time-of-day detail" in fig.texts[0].get_text()


def distribution(edges: list[float], shares: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"lower_seconds": edges[:-1], "upper_seconds": edges[1:], "share": shares})


def test_handle_time_bars_are_as_wide_as_their_bins_in_minutes() -> None:
    fig = plots.handle_time_histogram(
        distribution([0, 60, 120, 180, np.inf], [0.2, 0.5, 0.25, 0.05]), title="t"
    )
    ax = fig.axes[0]
    bars = ax.patches
    assert [round(b.get_x(), 6) for b in bars] == [0, 1, 2]
    assert [round(b.get_width(), 6) for b in bars] == [1, 1, 1]
    assert [round(b.get_height(), 6) for b in bars] == [20, 50, 25]  # share per bin
    assert ax.get_xlabel() == "handle time (minutes)"
    assert "5.0 % took over 3 min" in [t.get_text() for t in ax.texts]


def test_unequal_bins_show_share_per_minute_so_areas_are_shares() -> None:
    fig = plots.handle_time_histogram(
        distribution([0, 60, 300, np.inf], [0.4, 0.6, 0.0]), title="t"
    )
    ax = fig.axes[0]
    heights = [b.get_height() for b in ax.patches]
    widths = [b.get_width() for b in ax.patches]
    assert heights == pytest.approx([40.0, 15.0])
    assert np.dot(heights, widths) == pytest.approx(100.0)
    assert "per minute" in ax.get_ylabel()


def attainment(queues: int) -> pd.DataFrame:
    level = np.linspace(0.7, 0.99, queues)
    return pd.DataFrame(
        {
            "queue_name": [f"Queue {q:02d}" for q in range(queues)],
            "media_type": "voice",
            "queue_id": [f"q{q}" for q in range(queues)],
            "service_level": level,
            "goal_service_level": 0.8,
            "service_level_gap": level - 0.8,
            "met_goal": pd.array(level >= 0.8, dtype="boolean"),
        }
    )


def test_service_against_goal_has_a_row_per_queue_worst_on_top() -> None:
    fig = plots.service_level_by_queue(attainment(50))
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 50 and labels[-1] == "Queue 00"  # the top row is the last tick
    fig.canvas.draw()
    legend = ax.get_legend()
    assert legend.get_window_extent().x0 >= ax.get_window_extent().x1


def capacity(queues: int) -> pd.DataFrame:
    rows = [
        {"queue_name": f"Queue {q:02d}", "media_type": "voice", "queue_id": f"q{q}",
         "weekday": 0, "slot_minute": minute, "arrival_rate": 0.1 if 480 <= minute < 1080 else 0.0,
         "required_agents": 5, "rostered_agents": 7, "staffed": 6.0, "service_level": 0.85,
         "occupancy": 0.7, "goal_service_level": 0.8}
        for q in range(queues) for minute in range(0, 1440, 30)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_agents_per_interval_draw_required_rostered_and_staffed_for_every_queue() -> None:
    fig = plots.agents_per_interval(capacity(12), weekday=0)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 12
    names = [t.get_text() for t in fig.legends[0].get_texts()]
    assert names == ["required on queue", "rostered (after shrinkage)", "staffed on queue"]


def test_predicted_service_leaves_closed_intervals_blank() -> None:
    fig = plots.predicted_service_per_interval(capacity(1), weekday=0)
    line = fig.axes[0].get_lines()[0]
    values = np.asarray(line.get_ydata(), dtype=float)
    assert np.isnan(values).sum() > 0 and np.nanmax(values) == pytest.approx(85.0)


def test_the_staffing_curve_marks_the_goal_and_the_chosen_agents() -> None:
    curve = pd.DataFrame(
        {"agents": [18, 19, 20], "service_level": [0.7, 0.82, 0.9],
         "asa_seconds": [30.0, 15.0, 8.0], "abandon_rate": [0.05, 0.03, 0.02]}
    )  # fmt: skip
    fig = plots.staffing_curve(curve, title="t", goal_level=0.8, target_seconds=20, chosen=19)
    service = fig.axes[0]
    labels = [t.get_text() for t in service.get_legend().get_texts()]
    assert labels == ["goal 80 %", "chosen: 19 agents"]
    assert fig.axes[1].yaxis.get_major_formatter()(75, 0) == "1:15"  # ASA in m:ss
