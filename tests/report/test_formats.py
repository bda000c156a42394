"""Numbers as a reader reads them: percentages with %, times as m:ss, agents whole."""

from __future__ import annotations

import math

import pytest

from routingkit.report import formats as fmt


@pytest.mark.parametrize(
    ("fraction", "text"), [(0.752, "75.2 %"), (0.13204, "13.2 %"), (1.0, "100.0 %"), (0, "0.0 %")]
)
def test_percent_has_one_decimal_and_a_sign(fraction: float, text: str) -> None:
    assert fmt.percent(fraction) == text


def test_a_goal_level_drops_needless_zeros() -> None:
    assert (fmt.goal_percent(0.8), fmt.goal_percent(0.875)) == ("80 %", "87.5 %")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(12.1, "0:12"), (132.7, "2:13"), (59.5, "1:00"), (600, "10:00"), (28800, "8:00:00"),
     (3725, "1:02:05")],
)  # fmt: skip
def test_durations_read_as_minutes_and_seconds(seconds: float, text: str) -> None:
    assert fmt.duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(20, "20 s"), (60, "60 s"), (120, "2 min"), (600, "10 min"), (14400, "4 h"), (150, "2:30")],
)
def test_a_target_time_reads_as_a_goal_is_said(seconds: float, text: str) -> None:
    assert fmt.target(seconds) == text


def test_a_goal_reads_level_then_time() -> None:
    assert fmt.goal(0.8, 20) == "80 % in 20 s"


def test_whole_numbers_round_half_up_with_separators() -> None:
    assert (fmt.whole(1010.4), fmt.whole(2.5), fmt.whole(3.5)) == ("1,010", "3", "4")


def test_staffed_against_required_says_short_or_over() -> None:
    assert fmt.short_or_over(100, 92) == "8 % short"
    assert fmt.short_or_over(100, 103) == "3 % over"
    assert fmt.short_or_over(100, 100.2) == "as required"


@pytest.mark.parametrize("missing", [None, math.nan, "n/a"])
def test_a_missing_value_reads_as_a_dash(missing: object) -> None:
    for formatter in (fmt.percent, fmt.duration, fmt.whole, fmt.target, fmt.decimal):
        assert formatter(missing) == fmt.MISSING
    assert fmt.short_or_over(100, missing) == fmt.MISSING
