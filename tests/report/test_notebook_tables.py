"""Tables for readers: the queue's name first, ids hidden, every number formatted; key figures
saved as plain JSON."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from routingkit.report import notebook as rk


def attainment() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "queue_name": ["Sales - Voice", "Support - Voice"],
            "media_type": ["voice", "voice"],
            "offered": [17221, 30111],
            "answered": [14877, 28864],
            "abandoned": [2344, 1247],
            "aht_seconds": [280.16, 330.39],
            "asa_seconds": [12.07, 8.82],
            "service_level": [0.743685, 0.871708],
            "abandon_rate": [0.136113, 0.041413],
            "goal_service_level": [0.8, 0.8],
            "target_seconds": [20.0, 20.0],
            "goal_source": ["org", "org"],
            "service_level_gap": [-0.056315, 0.071708],
            "met_goal": pd.array([False, True], dtype="boolean"),
            "missed": ["service level", ""],
            "queue_id": ["151eb50c-1063", "a1c7c8ed-6542"],
        }
    )


def test_the_attainment_table_formats_every_figure_and_hides_ids() -> None:
    page = rk.styled_attainment(attainment()).to_html()
    for text in ("Sales - Voice", "17,221", "74.4 %", "80 % in 20 s", "0:12", "13.6 %", "4:40"):
        assert text in page, text
    assert "151eb50c" not in page and "0.743685" not in page
    assert page.index("Sales - Voice") < page.index("17,221")  # the name comes first


def test_a_missed_queue_is_marked() -> None:
    page = rk.styled_attainment(attainment()).to_html()
    assert "missed" in page and "#fde8e8" in page


def test_the_hours_table_ends_with_all_queues() -> None:
    capacities = pd.DataFrame(
        {
            "queue_name": ["Sales - Voice"], "media_type": ["voice"],
            "required_agent_hours": [508.0], "paid_hours": [725.7], "fte": [19.35],
            "staffed_agent_hours": [433.0], "staffed_gap": [75 / 508], "queue_id": ["x"],
        }
    )  # fmt: skip
    week = {"required_agent_hours": 508.0, "paid_hours": 725.7, "fte": 19.35,
            "staffed_agent_hours": 433.0, "required_agent_hours_staffed_queues": 508.0,
            "staffed_gap": 75 / 508}  # fmt: skip
    page = rk.styled_hours(capacities, hours_per_fte=37.5, week=week).to_html()
    assert "All queues" in page and "15 % short" in page and "19.4" in page


def test_key_figures_are_plain_json_without_nan_or_long_floats() -> None:
    estimates = attainment()[["queue_name", "media_type", "offered", "abandon_rate"]].assign(
        aht_seconds=[280.16, np.nan], handled=[14877, 28864]
    )
    figures = rk.history_figures(attainment(), estimates)
    text = json.dumps(figures, allow_nan=False)
    assert figures["missed_goal"] == ["Sales - Voice / voice"]
    assert figures["abandon_rate"] == round(3591 / 47332, 4)
    assert figures["per_queue"]["Sales - Voice / voice"]["met_goal"] is False
    assert "0.743685" not in text
