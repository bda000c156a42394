"""Agents actually on queue, from a table the caller passes in, aligned with the week."""

from __future__ import annotations

import numpy as np
import pandas as pd

from routingkit.policy.staffed import staffed_agents


def test_finer_staffing_is_averaged_into_each_interval_of_the_week() -> None:
    fine = pd.DataFrame(
        {
            "queue_id": "q1",
            "weekday": 0,
            "slot_minute": [480, 495, 510, 525],
            "interval_seconds": 900,
            "agents": [4, 6, 10, 10],
        }
    )
    week = pd.DataFrame(
        {
            "queue_id": ["q1", "q1", "q1", "q2"],
            "weekday": [0, 0, 1, 0],
            "slot_minute": [480, 510, 480, 480],
            "interval_seconds": 1800,
        }
    )
    found = staffed_agents(week, fine).to_numpy()
    assert found[:2].tolist() == [5.0, 10.0]
    assert np.isnan(found[2]) and np.isnan(found[3])  # nothing said: unknown, not zero
