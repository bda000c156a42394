"""Bin edges for handle- and wait-time distributions: equal widths a reader can trust.

Bars of unequal width drawn side by side as equals make a long tail look like a peak; equal
widths, in a round number of seconds or minutes, make each bar's height its share.
"""

from __future__ import annotations

import math

# Widths a reader reads at a glance, in seconds.
NICE_WIDTHS_SECONDS = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800)


def equal_width_edges(
    mean_seconds: float, *, bins: int = 24, span: float = 3.0
) -> tuple[float, ...]:
    """``bins`` equal-width bins from 0 covering at least ``span`` × ``mean_seconds``, then one
    open-ended bin (``inf``).

    The width is the smallest of ``NICE_WIDTHS_SECONDS`` that covers the span (the widest when
    none does). E.g. a mean of 330 s: 24 one-minute bins to 24 minutes, then "over 24 min".
    Without a mean (NaN or <= 0: nothing was handled) the bins are one minute wide.
    """
    if bins < 1:
        raise ValueError(f"bins is {bins}; give at least one bin")
    if not span > 0:
        raise ValueError(f"span is {span}; give how many means the bins cover, > 0")
    if not (math.isfinite(mean_seconds) and mean_seconds > 0):
        mean_seconds = 60.0 * bins / span
    wanted = span * mean_seconds / bins
    width = next((w for w in NICE_WIDTHS_SECONDS if w >= wanted), NICE_WIDTHS_SECONDS[-1])
    return (*(float(i * width) for i in range(bins + 1)), math.inf)
