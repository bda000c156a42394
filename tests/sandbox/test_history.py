"""The synthetic history: drawn from known parameters, with waits that come from queueing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from routingkit.sandbox.history import simulate_day, simulate_history
from routingkit.sandbox.org import build_org

END = dt.date(2026, 11, 2)


@pytest.fixture(scope="module")
def history() -> dict:
    return simulate_history(build_org(5), END, 21)


def test_same_seed_same_history() -> None:
    org = build_org(9)
    tz = ZoneInfo(org.time_zone)
    a = simulate_day(org.queues[0], 9, 0, END, tz)
    b = simulate_day(org.queues[0], 9, 0, END, tz)
    assert np.array_equal(a.start_ms, b.start_ms) and np.array_equal(a.wait_ms, b.wait_ms)
    c = simulate_day(org.queues[0], 10, 0, END, tz)
    assert not np.array_equal(a.start_ms, c.start_ms)


def test_volumes_follow_the_arrival_model(history: dict) -> None:
    org = build_org(5)
    for spec in org.queues:
        conv = history[spec.key]
        days = [END - dt.timedelta(days=d) for d in range(21, 0, -1)]
        expected = sum(
            spec.workload.weekday_volume * spec.workload.weekly[d.weekday()] for d in days
        )
        # Poisson total: within 4 standard deviations
        assert abs(len(conv) - expected) < 4 * np.sqrt(expected), spec.name


def test_handle_times_follow_their_lognormal_truth(history: dict) -> None:
    for spec in build_org(5).queues:
        conv = history[spec.key]
        handle = (conv.talk_ms + conv.hold_ms + conv.acw_ms)[conv.answered] / 1000.0
        truth = spec.workload.mean_handle_seconds
        assert abs(handle.mean() - truth) / truth < 0.05, spec.name


def test_waits_come_from_queueing(history: dict) -> None:
    """Busier intervals wait longer, and understaffed queues abandon more."""
    org = build_org(5)
    by_key = {q.key: q for q in org.queues}
    sales, overflow = history["sales_voice"], history["sales_overflow"]
    # sales is staffed with beta 0.3, overflow with 1.2: sales must wait and abandon more
    assert sales.wait_ms.mean() > overflow.wait_ms.mean()
    assert (~sales.answered).mean() > (~overflow.answered).mean()
    # nobody abandons an email queue (no patience), and waits never go negative
    email = history["support_email"]
    assert email.answered.all()
    for spec in org.queues:
        assert (history[spec.key].wait_ms >= 0).all()
    # patience: abandons / total queued time estimates 1/mean patience (exponential MLE)
    voice = history["support_voice"]
    theta = (~voice.answered).sum() / (voice.wait_ms.sum() / 1000.0)
    assert abs(1 / theta - by_key["support_voice"].workload.patience_seconds) / 150 < 0.15
