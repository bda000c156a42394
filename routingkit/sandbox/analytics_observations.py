"""Queue observations, synthesised from the ground-truth staffing and arrival rate.

Counts are for the current local 15-minute slot and the stored queue membership; they are
deterministic within a slot, so two calls a second apart agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
from typing import Any

MAX_UTILISATION = 0.95  # observed agents never all busy: someone is always just wrapping up


def _unit_hash(*parts: object) -> float:
    """A uniform number in [0, 1) fixed by the parts: repeatable noise, no stored state."""
    digest = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def observe_queue(
    truth: Mapping[str, Any] | None,
    members: int,
    joined: int,
    *,
    seed: int,
    queue_id: str,
    local: dt.datetime,
    slot_ms: int,
) -> dict[str, int]:
    """Observation counts for one queue now (``local`` = now in the org's time zone).

    Agents on queue are the ground-truth staffing for the local slot, capped by the joined
    members; utilisation is the true offered load (Erlangs per agent) over them. Waiting and
    alerting get deterministic noise from (seed, queue, 15-minute slot).
    """
    staffing = rate = per_agent_load = 0.0
    if truth is not None:
        weekday, slot = local.weekday(), (local.hour * 60 + local.minute) // 15
        staffing = float(truth["staffing"][weekday][slot])
        rate = float(truth["arrival_rate_per_second"][weekday][slot])
        per_agent_load = rate * float(truth["mean_handle_seconds"]) / float(truth["concurrency"])
    on_queue = int(min(staffing, joined))
    utilisation = min(MAX_UTILISATION, per_agent_load / on_queue) if on_queue else 0.0
    interacting = round(on_queue * utilisation)
    waiting = alerting = 0
    if rate > 0:  # open: arrivals expected in this slot
        # Queues grow sharply as utilisation nears 1; with nobody on queue, everyone waits.
        pressure = utilisation if on_queue else 1.0
        mean_waiting = 3.0 * pressure**3 * max(1.0, math.sqrt(per_agent_load))
        waiting = round(2.0 * mean_waiting * _unit_hash(seed, queue_id, slot_ms, "waiting"))
        if on_queue > interacting:
            alerting = int(_unit_hash(seed, queue_id, slot_ms, "alerting") < 0.5 * utilisation)
    return {
        "oOnQueueUsers": on_queue,
        "oActiveUsers": on_queue,
        "oMemberUsers": members,
        "oOffQueueUsers": members - on_queue,
        "oWaiting": waiting,
        "oInteracting": interacting,
        "oAlerting": alerting,
    }
