"""Handle and wait time histograms from range-bound views."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from routingkit.genesys import GenesysClient
from routingkit.workload import DEFAULT_BINS_SECONDS, handle_time_distribution

QUEUE = "Technical - Voice"


@pytest.fixture()
def fine(
    client: GenesysClient, truth: dict[str, Any], history_dates: tuple[dt.date, dt.date]
) -> pd.DataFrame:
    """Twelve bins over 60 days: two chunks × two view batches (ten views per query at most)."""
    return handle_time_distribution(
        client, QUEUE, *history_dates, time_zone=truth["time_zone"], progress=False
    )


def test_bins_covering_everything_count_every_handled_conversation(
    fine: pd.DataFrame, clean_history: pd.DataFrame
) -> None:
    assert len(DEFAULT_BINS_SECONDS) - 1 == len(fine) == 12
    handled = clean_history[clean_history["queue_name"] == QUEUE]["handled"].sum()
    assert fine["count"].sum() == handled
    assert fine["share"].sum() == pytest.approx(1.0)
    assert fine["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert list(fine.columns) == [
        "lower_seconds", "upper_seconds", "count", "share", "cumulative_share",
    ]  # fmt: skip
    assert math.isinf(fine["upper_seconds"].iloc[-1])


def test_bins_split_across_queries_add_up_like_one_query(
    client: GenesysClient,
    fine: pd.DataFrame,
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
) -> None:
    coarse = handle_time_distribution(
        client,
        QUEUE,
        *history_dates,
        bins_seconds=(0, 120, 600, 1800),
        time_zone=truth["time_zone"],
    )
    merged = [
        fine[(fine["lower_seconds"] >= low) & (fine["upper_seconds"] <= high)]["count"].sum()
        for low, high in ((0, 120), (120, 600), (600, 1800))
    ]
    assert coarse["count"].tolist() == merged
    # Bins that stop at 30 minutes leave the longest conversations out of every share.
    assert coarse["share"].sum() == pytest.approx(1 - fine["share"].iloc[-1])


def test_handle_times_are_right_skewed_like_the_true_lognormal(
    fine: pd.DataFrame, truth: dict[str, Any]
) -> None:
    spec = next(q for q in truth["queues"] if q["queue_name"] == QUEUE)
    median_bin = fine[fine["cumulative_share"] >= 0.5].iloc[0]
    assert median_bin["lower_seconds"] < spec["mean_handle_seconds"]  # right-skewed: median < mean
    assert (fine["count"] > 0).sum() >= 10


def test_wait_histogram_counts_answered_and_abandoned(
    client: GenesysClient,
    clean_history: pd.DataFrame,
    truth: dict[str, Any],
    history_dates: tuple[dt.date, dt.date],
) -> None:
    waits = handle_time_distribution(
        client,
        QUEUE,
        *history_dates,
        bins_seconds=(0, 1, 20, 60, np.inf),
        metric="tWait",
        time_zone=truth["time_zone"],
    )
    mine = clean_history[clean_history["queue_name"] == QUEUE]
    assert waits["count"].sum() == mine["answered"].sum() + mine["abandoned"].sum()
