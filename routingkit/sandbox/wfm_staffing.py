"""The sandbox's own staffing model for WFM's staffing requirement: Erlang C per interval.

Deliberately independent of ``routingkit.capacity`` (the code under test elsewhere): the
sandbox plays WFM, and a second implementation is what makes a comparison worth something.

For one 15-minute interval with ``offered`` interactions of mean handle time ``aht_seconds``,
the traffic is ``a = offered * aht / 900`` Erlangs and the service level with ``n`` agents is
Erlang C's ``1 - C(n, a) * exp(-(n - a) * t / aht)`` (answered within ``t`` seconds). The
requirement is the least ``n > a`` meeting the template's service level; where the template
does not include a service level, its average speed of answer (``C(n, a) * aht / (n - a)``),
and with neither, the traffic rounded up. Concurrency (chat) is not modelled: one interaction
per agent, which is what WFM assumes unless a planning group says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

INTERVAL_SECONDS = 900
_MAX_EXTRA = 10_000  # agents beyond the traffic searched before giving up (never reached)


def _erlang_c_search(traffic: float, meets: Any) -> int:
    """Least n > traffic with ``meets(n, erlang_c)`` true, by the Erlang B recursion."""
    blocking = 1.0  # Erlang B with 0 servers
    n = 0
    while n < traffic + _MAX_EXTRA:
        n += 1
        blocking = traffic * blocking / (n + traffic * blocking)
        if n <= traffic:
            continue
        waiting = n * blocking / (n - traffic * (1.0 - blocking))
        if meets(n, waiting):
            return n
    return math.ceil(traffic + _MAX_EXTRA)


def required_agents(
    offered: float, aht_seconds: float, goal: dict[str, Any], *, interval_seconds: int = 900
) -> int:
    """Agents needed in one interval to meet ``goal`` (a ``ServiceGoalTemplate`` JSON)."""
    if offered <= 0 or aht_seconds <= 0:
        return 0
    traffic = offered * aht_seconds / interval_seconds
    level = goal.get("serviceLevel") or {}
    asa = goal.get("averageSpeedOfAnswer") or {}
    if level.get("include") and level.get("percent") is not None:
        target = float(level.get("seconds") or 0)
        wanted = float(level["percent"]) / 100.0

        def meets_level(n: int, waiting: float) -> bool:
            return 1.0 - waiting * math.exp(-(n - traffic) * target / aht_seconds) >= wanted

        return _erlang_c_search(traffic, meets_level)
    if asa.get("include") and asa.get("seconds") is not None:
        limit = float(asa["seconds"])

        def meets_asa(n: int, waiting: float) -> bool:
            return waiting * aht_seconds / (n - traffic) <= limit

        return _erlang_c_search(traffic, meets_asa)
    return math.ceil(traffic)


def staffing_per_interval(
    offered: Sequence[float], aht_seconds: Sequence[float], goal: dict[str, Any]
) -> list[float]:
    """:func:`required_agents` for each interval of a planning group's forecast."""
    return [float(required_agents(o, a, goal)) for o, a in zip(offered, aht_seconds, strict=True)]
