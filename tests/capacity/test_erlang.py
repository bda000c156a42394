"""Erlang B/C measures against 50-digit mpmath references and the textbook worked example."""

from __future__ import annotations

import math

import mpref
import numpy as np
import pytest

from routingkit.capacity import (
    asa,
    erlang_b,
    erlang_c,
    occupancy,
    required_agents,
    scheduled_agents,
    service_level,
)

REL = 1e-12


def _cases() -> list[tuple[int, float]]:
    """Tiny, typical, large, near-saturation and overload (N <= A) loads."""
    cases = []
    for a in (0.05, 0.5, 3.3, 10.0, 25.7, 50.0, 500.0, 2000.0, 10000.0):
        for n in {
            1,
            2,
            math.ceil(a) + 1,
            math.floor(a) + 1,
            int(a + 2 * math.sqrt(a)) + 1,
            int(a + 6 * math.sqrt(a)) + 3,
            max(1, int(a) - 3),
            max(1, int(a * 0.5)),
            max(1, int(a * 0.9)),
        }:
            cases.append((n, a))
    return sorted(cases)


def _rel(got: float, ref: object) -> float:
    ref_f = float(ref)  # type: ignore[arg-type]
    if ref_f == 0.0:  # the true value underflows a double: 0.0 is the right answer
        return abs(got)
    return abs(got - ref_f) / abs(ref_f)


@pytest.mark.parametrize(("n", "a"), _cases())
def test_erlang_b_matches_mpmath(n: int, a: float) -> None:
    assert _rel(erlang_b(n, a), mpref.erlang_b(n, a)) <= REL


@pytest.mark.parametrize(("n", "a"), _cases())
def test_erlang_c_matches_mpmath(n: int, a: float) -> None:
    assert _rel(erlang_c(n, a), mpref.erlang_c(n, a)) <= REL


@pytest.mark.parametrize(("n", "a"), _cases())
@pytest.mark.parametrize("target", [0.0, 20.0, 600.0])
def test_service_level_matches_mpmath(n: int, a: float, target: float) -> None:
    assert _rel(service_level(n, a, 180.0, target), mpref.service_level(n, a, 180.0, target)) <= REL


@pytest.mark.parametrize(("n", "a"), _cases())
def test_asa_matches_mpmath(n: int, a: float) -> None:
    ref = mpref.asa(n, a, 240.0)
    got = asa(n, a, 240.0)
    if n <= a:
        assert got == math.inf
    else:
        assert _rel(got, ref) <= REL


def test_vectorised_call_equals_scalar_calls() -> None:
    n, a = np.array([c[0] for c in _cases()]), np.array([c[1] for c in _cases()])
    vec = erlang_c(n, a)
    assert isinstance(vec, np.ndarray) and vec.shape == n.shape
    assert [erlang_c(int(x), float(y)) for x, y in zip(n, a, strict=True)] == list(vec)


def test_broadcasting_follows_numpy_rules() -> None:
    out = service_level(np.arange(11, 15)[:, None], 10.0, 180.0, np.array([10.0, 20.0, 30.0]))
    assert out.shape == (4, 3)
    assert out[3, 1] == service_level(14, 10.0, 180.0, 20.0)


def test_scalar_input_gives_python_scalars() -> None:
    assert type(erlang_b(3, 2.0)) is float
    assert type(required_agents(10.0, 180.0, 20.0)) is int


class TestWorkedExample:
    """200 calls/hour, AHT 180 s, 80% in 20 s: the example every workforce textbook quotes."""

    traffic = 200 / 3600 * 180  # 10 Erlangs

    def test_probability_of_waiting(self) -> None:
        got = [round(100 * erlang_c(n, self.traffic), 2) for n in (11, 12, 13, 14)]
        assert got == [68.21, 44.94, 28.53, 17.41]

    def test_service_level(self) -> None:
        got = [round(100 * service_level(n, self.traffic, 180, 20), 1) for n in (11, 12, 13, 14)]
        assert got == [39.0, 64.0, 79.6, 88.8]

    def test_answer_is_fourteen_agents(self) -> None:
        assert required_agents(self.traffic, 180, 20, 0.8) == 14

    def test_asa_and_occupancy_at_fourteen(self) -> None:
        assert round(asa(14, self.traffic, 180), 1) == 7.8
        assert round(100 * occupancy(14, self.traffic), 1) == 71.4

    def test_twenty_rostered_at_thirty_percent_shrinkage(self) -> None:
        assert scheduled_agents(14, 0.3) == 20


class TestDefinitions:
    def test_unstable_queue_answers_by_definition(self) -> None:
        assert erlang_c(10, 10.0) == 1.0
        assert erlang_c(5, 12.5) == 1.0
        assert service_level(10, 10.0, 180, 20) == 0.0
        assert asa(3, 7.0, 180) == math.inf
        assert occupancy(3, 7.0) == 1.0

    def test_zero_traffic(self) -> None:
        assert erlang_b(4, 0.0) == 0.0
        assert erlang_c(4, 0.0) == 0.0
        assert service_level(1, 0.0, 180, 0) == 1.0
        assert asa(1, 0.0, 180) == 0.0
        assert occupancy(4, 0.0) == 0.0
        assert required_agents(0.0, 180, 20) == 0

    def test_zero_agents(self) -> None:
        assert erlang_b(0, 3.0) == 1.0
        assert occupancy(0, 0.0) == 0.0

    def test_fractional_traffic(self) -> None:
        assert _rel(erlang_c(3, 2.37), mpref.erlang_c(3, 2.37)) <= REL
        assert required_agents(2.37, 300, 30, 0.9) == mpref.required_agents_c(2.37, 300, 30, 0.9)
