"""Numbers as a reader expects them: percentages with %, times as m:ss, agents whole.

One place decides how a figure reads, so that the headlines, the tables and the index say the
same thing the same way. A missing value (None or NaN) reads as ``MISSING``.
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "-"


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def percent(fraction: Any, digits: int = 1) -> str:
    """``0.752`` → ``"75.2 %"``; ``digits`` after the point."""
    number = _number(fraction)
    if number is None:
        return MISSING
    return f"{100.0 * number:.{digits}f} %"


def goal_percent(fraction: Any) -> str:
    """A goal's level: ``0.8`` → ``"80 %"``, ``0.875`` → ``"87.5 %"`` (no needless zeros)."""
    number = _number(fraction)
    if number is None:
        return MISSING
    return f"{round(100.0 * number, 2):g} %"


def duration(seconds: Any) -> str:
    """Whole seconds as ``m:ss`` (``h:mm:ss`` from an hour): ``132.7`` → ``"2:13"``."""
    number = _number(seconds)
    if number is None:
        return MISSING
    if math.isinf(number):
        return "∞"
    sign = "-" if number < 0 else ""
    total = math.floor(abs(number) + 0.5)  # half up, as a reader rounds
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def target(seconds: Any) -> str:
    """A goal's answer time in words: ``20`` → ``"20 s"``, ``600`` → ``"10 min"``,
    ``14400`` → ``"4 h"``; other times over two minutes as ``m:ss``."""
    number = _number(seconds)
    if number is None:
        return MISSING
    if number < 120 and float(number).is_integer():
        return f"{number:g} s"
    if number >= 3600 and number % 3600 == 0:
        return f"{number / 3600:g} h"
    if number >= 60 and number % 60 == 0:
        return f"{number / 60:g} min"
    return duration(number)


def goal(level: Any, seconds: Any) -> str:
    """``goal(0.8, 20)`` → ``"80 % in 20 s"``."""
    return f"{goal_percent(level)} in {target(seconds)}"


def whole(value: Any) -> str:
    """A count of agents, hours or interactions: rounded, thousands separated (``"1,010"``)."""
    number = _number(value)
    if number is None:
        return MISSING
    if math.isinf(number):
        return "∞"
    # Round half up, as a reader rounds (Python's round() goes to the even neighbour).
    return f"{math.floor(number + 0.5):,d}"


def decimal(value: Any, digits: int = 1) -> str:
    """``164.57`` → ``"164.6"`` (FTE, factors): thousands separated."""
    number = _number(value)
    if number is None:
        return MISSING
    return f"{number:,.{digits}f}"


def short_or_over(required: Any, staffed: Any) -> str:
    """Staffed against required: ``"8 % short"``, ``"3 % over"`` or ``"as required"``."""
    need = _number(required)
    have = _number(staffed)
    if need is None or have is None or need <= 0:
        return MISSING
    share = (need - have) / need
    if round(100 * share) == 0:
        return "as required"
    return f"{abs(100 * share):.0f} % {'short' if share > 0 else 'over'}"


def media_label(queue_name: Any, media_type: Any) -> str:
    """``"Sales - Voice / voice"``: the key a reader sees for a queue and media type."""
    return f"{queue_name} / {media_type}"
