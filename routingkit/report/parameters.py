"""Checks of the notebooks' parameter values, run before anything is fetched.

The runner checks each parameter's type (``report.runner``); these check what a type cannot:
ranges and names. Each problem is named with its value and what to pass instead, all problems
at once, so that a scheduled report fails in its first cell with one clear message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


class ParameterError(ValueError):
    """One or more parameter values the report cannot use; the message lists each."""


def _problems(
    *,
    days: Any = None,
    weekday: Any = None,
    granularity: Any = None,
    known_granularities: Iterable[str] = (),
    hours_per_fte: Any = None,
    replications: Any = None,
    volume_change: Any = None,
    aht_change: Any = None,
    patience_factor: Any = None,
    media_types: Sequence[str] | None = None,
    known_media: Iterable[str] = (),
) -> list[str]:
    found = []
    if days is not None and not (isinstance(days, int) and days >= 1):
        found.append(f"days is {days!r}; give a whole number of days >= 1, e.g. -p days 28")
    if weekday is not None and not (isinstance(weekday, int) and 0 <= weekday <= 6):
        found.append(f"weekday is {weekday!r}; give 0 (Monday) to 6 (Sunday)")
    granularities = list(known_granularities)
    if granularity is not None and granularities and granularity not in granularities:
        found.append(f"granularity is {granularity!r}; give one of {', '.join(granularities)}")
    if hours_per_fte is not None and not (0 < float(hours_per_fte) <= 168):
        found.append(
            f"hours_per_fte is {hours_per_fte!r}; give the paid hours of one full-time "
            "employee a week, e.g. 37.5 (more than 0, at most 168)"
        )
    if replications is not None and not (isinstance(replications, int) and replications >= 2):
        found.append(
            f"replications is {replications!r}; the simulation needs >= 2 for a confidence "
            "interval, e.g. 10"
        )
    for name, value in (("volume_change", volume_change), ("aht_change", aht_change)):
        if value is not None and not float(value) > -1:
            found.append(
                f"{name} is {value!r}; it is a relative change above -1, e.g. 0.15 for +15 %"
            )
    if patience_factor is not None and not float(patience_factor) > 0:
        found.append(
            f"patience_factor is {patience_factor!r}; it multiplies patience: give a number > 0, "
            "e.g. 0.5 for callers half as patient"
        )
    known = sorted(known_media)
    if media_types and known:
        unknown = [m for m in media_types if m not in known]
        if unknown:
            found.append(
                f"media_types {', '.join(map(repr, unknown))} are not analytics media types; "
                f"give some of {', '.join(known)}"
            )
    return found


def check_values(**values: Any) -> None:
    """Raise :class:`ParameterError` naming every value out of range (see ``_problems``).

    Accepts ``days``, ``weekday``, ``granularity`` with ``known_granularities`` (e.g.
    ``workload.GRANULARITIES``), ``hours_per_fte``, ``replications``,
    ``volume_change``, ``aht_change``, ``patience_factor``, ``media_types`` with
    ``known_media`` (``workload.MEDIA_TYPES``); a parameter left out is not checked.
    """
    problems = _problems(**values)
    if problems:
        raise ParameterError(
            "the report cannot run with these parameters:\n  - " + "\n  - ".join(problems)
        )
