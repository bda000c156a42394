"""Parameter values a report cannot use fail before anything is fetched, each named."""

from __future__ import annotations

import pytest

from routingkit.report.parameters import ParameterError, check_values
from routingkit.workload import GRANULARITIES, MEDIA_TYPES


def test_a_weekday_out_of_range_is_named_with_what_to_pass() -> None:
    with pytest.raises(ParameterError, match=r"weekday is 9; give 0 \(Monday\) to 6 \(Sunday\)"):
        check_values(weekday=9)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ParameterError) as caught:
        check_values(days=0, hours_per_fte=0, replications=1, patience_factor=-1)
    message = str(caught.value)
    for name in ("days is 0", "hours_per_fte is 0", "replications is 1", "patience_factor is -1"):
        assert name in message


def test_granularity_and_media_are_checked_against_the_vocabulary_given() -> None:
    with pytest.raises(ParameterError, match="granularity is 'PT5M'; give one of PT15M"):
        check_values(granularity="PT5M", known_granularities=GRANULARITIES)
    with pytest.raises(ParameterError, match="'sms' are not analytics media types"):
        check_values(media_types=["voice", "sms"], known_media=MEDIA_TYPES)


def test_values_in_range_pass() -> None:
    check_values(
        days=1, weekday=6, granularity="P1D", known_granularities=GRANULARITIES,
        hours_per_fte=37.5, replications=2, volume_change=-0.5, aht_change=0.1,
        patience_factor=0.5, media_types=["voice"], known_media=MEDIA_TYPES,
    )  # fmt: skip
