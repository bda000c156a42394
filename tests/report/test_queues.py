"""Queues as a report names and picks them."""

from __future__ import annotations

import pandas as pd
import pytest

from routingkit.report.queues import labels, pick_queue


def summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "queue_name": ["Support", "Sales - Voice", "Support"],
            "media_type": ["voice", "voice", "chat"],
            "offered": [300, 200, 100],
            "queue_id": ["s", "v", "s"],
        }
    )


def test_a_name_carrying_one_media_type_is_shown_alone() -> None:
    assert list(labels(summary())) == ["Support / voice", "Sales - Voice", "Support / chat"]


def test_no_name_picks_the_busiest_queue() -> None:
    choice = pick_queue(summary())
    assert (choice.queue_id, choice.media_type, choice.label) == ("s", "voice", "Support / voice")
    assert choice.row["offered"] == 300


def test_a_queue_is_picked_by_its_label_or_its_name_and_media() -> None:
    assert pick_queue(summary(), "Support / chat").media_type == "chat"
    assert pick_queue(summary(), "Sales - Voice / voice").queue_id == "v"
    assert pick_queue(summary(), "Sales - Voice").queue_id == "v"


def test_an_unknown_queue_is_an_error_listing_the_queues() -> None:
    with pytest.raises(ValueError, match=r"'Sals'.*Sales - Voice, Support / chat"):
        pick_queue(summary(), "Sals")
