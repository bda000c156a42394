"""Bad input raises ValueError naming the argument and, for arrays, the first bad index."""

from __future__ import annotations

import numpy as np
import pytest

from routingkit.capacity import (
    erlang_a,
    erlang_b,
    erlang_c,
    halfin_whitt_beta,
    required_agents,
    scheduled_agents,
    service_level,
    sqrt_staffing,
)


def test_negative_traffic() -> None:
    with pytest.raises(ValueError, match=r"traffic is -1\.0; traffic must be a finite number >= 0"):
        erlang_c(3, -1.0)


def test_nan_traffic_in_array_names_index() -> None:
    with pytest.raises(ValueError, match=r"traffic\[2\] is nan"):
        erlang_b(3, np.array([1.0, 2.0, np.nan, -4.0]))


def test_non_integer_agents_names_index() -> None:
    with pytest.raises(ValueError, match=r"agents\[1\] is 2\.5; agents must be a whole number"):
        erlang_c(np.array([2, 2.5, 3]), 1.0)


def test_two_dimensional_index() -> None:
    with pytest.raises(ValueError, match=r"agents\[\(1, 0\)\] is -1\.0"):
        erlang_c(np.array([[1, 2], [-1, 3]]), 0.5)


@pytest.mark.parametrize("aht", [0.0, -5.0, float("nan"), float("inf")])
def test_aht_must_be_positive(aht: float) -> None:
    with pytest.raises(ValueError, match=r"aht .*must be a finite number > 0"):
        service_level(3, 1.0, aht, 20)


@pytest.mark.parametrize("sl", [0.0, 1.0, 1.5, -0.1, float("nan")])
def test_service_level_goal_in_open_unit_interval(sl: float) -> None:
    with pytest.raises(ValueError, match=r"service_level .*strictly between 0 and 1"):
        required_agents(10, 180, 20, sl)


@pytest.mark.parametrize("patience", [0.0, -1.0, float("nan")])
def test_patience_must_be_positive(patience: float) -> None:
    with pytest.raises(ValueError, match=r"patience .*must be a finite number > 0"):
        erlang_a(3, 0.01, 180, patience)


def test_erlang_a_staffing_needs_patience() -> None:
    with pytest.raises(ValueError, match="model='erlang_a' needs patience"):
        required_agents(10, 180, 20, model="erlang_a")


def test_abandon_goal_needs_erlang_a() -> None:
    with pytest.raises(ValueError, match="max_abandon needs an abandonment model"):
        required_agents(10, 180, 20, max_abandon=0.05)


def test_unknown_model() -> None:
    with pytest.raises(ValueError, match="model is 'erlang_x'"):
        required_agents(10, 180, 20, model="erlang_x")  # type: ignore[arg-type]


def test_occupancy_goal_range() -> None:
    with pytest.raises(ValueError, match="max_occupancy"):
        required_agents(10, 180, 20, max_occupancy=1.2)


def test_shrinkage_range() -> None:
    with pytest.raises(ValueError, match=r"shrinkage is 1\.0; it must lie in \[0, 1\)"):
        scheduled_agents(10, 1.0)


def test_p_wait_range() -> None:
    with pytest.raises(ValueError, match="p_wait"):
        halfin_whitt_beta(1.0)


def test_beta_must_be_finite() -> None:
    with pytest.raises(ValueError, match="beta"):
        sqrt_staffing(10, float("nan"))


def test_shapes_that_do_not_broadcast() -> None:
    with pytest.raises(ValueError, match=r"\(2,\), \(3,\) do not broadcast"):
        erlang_c(np.array([1, 2]), np.array([0.1, 0.2, 0.3]))


def test_text_is_not_a_number() -> None:
    with pytest.raises(ValueError, match="traffic must be a number"):
        erlang_c(3, "lots")
