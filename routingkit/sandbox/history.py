"""Conversation history for the synthetic org, from a queueing simulation of each day.

For every queue and local calendar day: Poisson arrivals with the queue's time-varying rate, an
FCFS multi-server queue whose seats follow the staffing per 15-minute slot (an agent working
``concurrency`` interactions counts as that many seats), exponential patience while queued,
lognormal talk/hold/ACW. Waits therefore come from queueing, not from dice. Each
(seed, queue, date) has its own random stream, so any day can be regenerated on its own.

Timing conventions (milliseconds, as analytics reports them): ``wait`` is time queued until an
agent is assigned (or until the caller hangs up), ``alert`` is ringing at the agent, ``answered``
= wait + alert for answered interactions.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np

from .org import SLOT_SECONDS, SLOTS_PER_DAY, OrgSpec, QueueSpec

INF = math.inf


@dataclass
class DayConversations:
    """Per-conversation arrays for one queue and one local day (all times ms)."""

    start_ms: np.ndarray  # epoch ms of queue entry
    wait_ms: np.ndarray
    alert_ms: np.ndarray
    answered: np.ndarray  # bool
    talk_ms: np.ndarray
    hold_ms: np.ndarray
    acw_ms: np.ndarray
    transferred: np.ndarray  # bool

    def __len__(self) -> int:
        return int(self.start_ms.size)


def _slot_starts_utc(date: dt.date, tz: ZoneInfo) -> np.ndarray:
    """Epoch seconds of each local 15-minute slot start on ``date`` (DST-aware)."""
    midnight = dt.datetime.combine(date, dt.time(0), tzinfo=tz)
    return np.array(
        [(midnight + dt.timedelta(minutes=15 * s)).timestamp() for s in range(SLOTS_PER_DAY)]
    )


def _next_on_shift(seats: np.ndarray) -> np.ndarray:
    """next_slot[k, s]: first slot >= s where seat k is staffed, or -1 if never again."""
    max_seats = int(seats.max())
    ks = np.arange(max_seats)
    out = np.full((max_seats, SLOTS_PER_DAY + 1), -1, dtype=np.int64)
    for s in range(SLOTS_PER_DAY - 1, -1, -1):
        out[:, s] = np.where(seats[s] > ks, s, out[:, s + 1])
    return out


def simulate_day(
    spec: QueueSpec, seed: int, queue_index: int, date: dt.date, tz: ZoneInfo
) -> DayConversations:
    w = spec.workload
    rng = np.random.default_rng([seed, 7, queue_index, date.toordinal()])
    weekday = date.weekday()
    rate = w.arrival_rate()[weekday]  # per second, per local slot
    counts = rng.poisson(rate * SLOT_SECONDS)
    n = int(counts.sum())
    slot_of = np.repeat(np.arange(SLOTS_PER_DAY), counts)
    # Seconds after local midnight, in slot units so a DST day keeps its 96 local slots.
    local = np.sort(slot_of * SLOT_SECONDS + rng.uniform(0.0, SLOT_SECONDS, n))
    talk = w.talk.draw(rng, n)
    held = rng.random(n) < w.hold_probability
    hold = np.where(held, w.hold.draw(rng, n), 0.0)
    acw = w.acw.draw(rng, n)
    alert = w.alert.draw(rng, n)
    patience = (
        rng.exponential(w.patience_seconds, n)
        if w.patience_seconds is not None
        else np.full(n, INF)
    )
    transferred_draw = rng.random(n) < w.transfer_probability

    seats = w.staffing()[weekday] * w.concurrency
    open_slots = np.flatnonzero(seats > 0)
    wait = np.zeros(n)
    answered = np.zeros(n, dtype=bool)
    if n and open_slots.size:
        # After closing, the last shift stays until the queue is empty (overtime).
        last = int(open_slots[-1])
        seats = seats.copy()
        seats[last + 1 :] = seats[last]
        next_slot = _next_on_shift(seats)
        heap = [(0.0, k) for k in range(next_slot.shape[0])]
        busy = alert + talk + hold + acw
        for i in range(n):
            t = local[i]
            while True:
                free, k = heap[0]
                if free == INF:  # nobody will ever be on shift again
                    ready = INF
                    break
                ready = free if free > t else t
                s = int(ready // SLOT_SECONDS)
                # past midnight, overtime seats stay as they were at close
                nxt = (s if k < seats[-1] else -1) if s >= SLOTS_PER_DAY else int(next_slot[k, s])
                if nxt == s:
                    break
                heapq.heapreplace(heap, (INF if nxt < 0 else nxt * SLOT_SECONDS, k))
            if ready == INF:
                wait[i] = patience[i]
                continue
            queued = ready - t
            if queued > patience[i]:
                wait[i] = patience[i]
                continue
            wait[i] = queued
            answered[i] = True
            heapq.heapreplace(heap, (ready + busy[i], k))
    elif n:
        wait[:] = np.where(np.isfinite(patience), patience, 0.0)

    slot_utc = _slot_starts_utc(date, tz)
    start_epoch = slot_utc[slot_of_sorted(local)] + (local % SLOT_SECONDS)

    def ms(x: np.ndarray) -> np.ndarray:
        return np.rint(x * 1000.0).astype(np.int64)

    return DayConversations(
        start_ms=ms(start_epoch),
        wait_ms=ms(wait),
        alert_ms=np.where(answered, ms(alert), 0),
        answered=answered,
        talk_ms=np.where(answered, ms(talk), 0),
        hold_ms=np.where(answered, ms(hold), 0),
        acw_ms=np.where(answered, ms(acw), 0),
        transferred=answered & transferred_draw,
    )


def slot_of_sorted(local_seconds: np.ndarray) -> np.ndarray:
    return np.minimum((local_seconds // SLOT_SECONDS).astype(np.int64), SLOTS_PER_DAY - 1)


def history_dates(end_date: dt.date, days: int) -> list[dt.date]:
    """The ``days`` local dates before ``end_date`` (the seeding day itself is excluded)."""
    return [end_date - dt.timedelta(days=d) for d in range(days, 0, -1)]


def simulate_history(org: OrgSpec, end_date: dt.date, days: int) -> dict[str, DayConversations]:
    """All conversations per queue key over the ``days`` before ``end_date``."""
    tz = ZoneInfo(org.time_zone)
    out: dict[str, DayConversations] = {}
    for qi, spec in enumerate(org.queues):
        parts = [simulate_day(spec, org.seed, qi, d, tz) for d in history_dates(end_date, days)]
        out[spec.key] = DayConversations(
            *(
                np.concatenate([getattr(p, f) for p in parts])
                for f in DayConversations.__dataclass_fields__
            )
        )
    return out


INTERVAL_MS = 900_000


def aggregate_intervals(
    conv: DayConversations, sl_duration_ms: int
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per 15-minute interval of queue entry: counts and timer count/sum/min/max (ms).

    Returns (interval start ms, {column: values}) with the columns of ``store.INTERVAL_COLUMNS``.
    """
    start = conv.start_ms // INTERVAL_MS * INTERVAL_MS
    buckets, index = np.unique(start, return_inverse=True)
    size = buckets.size
    answered = conv.answered
    abandoned = ~answered
    answer_time = conv.wait_ms + conv.alert_ms
    handle = conv.talk_ms + conv.hold_ms + conv.acw_ms
    held = answered & (conv.hold_ms > 0)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(index, weights=mask.astype(np.float64), minlength=size).astype(np.int64)

    columns: dict[str, np.ndarray] = {
        "nOffered": count(np.ones_like(answered)),
        "nOverSla": count(answered & (answer_time > sl_duration_ms)),
        "nTransferred": count(conv.transferred),
        "slNumerator": count(answered & (answer_time <= sl_duration_ms)),
    }
    everyone = np.ones_like(answered)
    timers = {
        "tAnswered": (answer_time, answered),
        "tAbandon": (conv.wait_ms, abandoned),
        "tHandle": (handle, answered),
        "tTalk": (conv.talk_ms, answered),
        "tHeld": (conv.hold_ms, held),
        "tAcw": (conv.acw_ms, answered),
        "tWait": (conv.wait_ms, everyone),
        "tAcd": (conv.wait_ms, everyone),
        "tAlert": (conv.alert_ms, answered),
    }
    big = np.iinfo(np.int64).max
    for name, (values, mask) in timers.items():
        idx, vals = index[mask], values[mask]
        n = np.bincount(idx, minlength=size).astype(np.int64)
        total = np.zeros(size, dtype=np.int64)
        np.add.at(total, idx, vals)
        low = np.full(size, big, dtype=np.int64)
        np.minimum.at(low, idx, vals)
        high = np.zeros(size, dtype=np.int64)
        np.maximum.at(high, idx, vals)
        columns[f"{name}_count"] = n
        columns[f"{name}_sum"] = total
        columns[f"{name}_min"] = np.where(n > 0, low, 0)
        columns[f"{name}_max"] = high
    return buckets, columns
