"""simulate_queue: the FCFS single-queue simulator against Erlang C/A, and its contract."""

from __future__ import annotations

import numpy as np
import pytest

from routingkit.capacity import asa, erlang_a, erlang_c
from routingkit.capacity.simulation import (
    COUNT_FIELDS,
    HandleTime,
    Patience,
    SimulationResult,
    simulate_queue,
)

AGENTS = 20
AHT = 300.0
PATIENCE = 600.0
RATE = 18.0 / AHT  # 18 Erlangs on 20 agents: 90% load
DAY = 96  # two days of half-hours, so the steady state dominates
WARM_UP = 16  # eight hours, about five relaxation times of this queue


def steady(patience: float | None, seed: int = 3) -> SimulationResult:
    return simulate_queue(
        np.full(DAY, RATE),
        AGENTS,
        1800.0,
        HandleTime.exponential(AHT),
        patience=None if patience is None else Patience.exponential(patience),
        replications=40,
        seed=seed,
        confidence=0.99,
    )


@pytest.fixture(scope="module")
def mmn() -> SimulationResult:
    return steady(None)


@pytest.fixture(scope="module")
def mmnm() -> SimulationResult:
    return steady(PATIENCE)


# --- validation against the exact formulas ---------------------------------------------------


def test_mmn_probability_of_wait_is_erlang_c(mmn: SimulationResult) -> None:
    assert mmn.window(WARM_UP).p_wait.contains(erlang_c(AGENTS, RATE * AHT))


def test_mmn_asa_is_erlang_c_asa(mmn: SimulationResult) -> None:
    assert mmn.window(WARM_UP).asa.contains(asa(AGENTS, RATE * AHT, AHT))


def test_mmn_answers_everyone(mmn: SimulationResult) -> None:
    figures = mmn.window(WARM_UP)
    assert figures.p_abandon.mean == 0.0
    assert figures.mean_wait.contains(asa(AGENTS, RATE * AHT, AHT))


def test_mmn_plus_m_probability_of_wait_is_erlang_a(mmnm: SimulationResult) -> None:
    exact = erlang_a(AGENTS, RATE, AHT, PATIENCE)
    assert mmnm.window(WARM_UP).p_wait.contains(exact.p_wait)


def test_mmn_plus_m_probability_of_abandon_is_erlang_a(mmnm: SimulationResult) -> None:
    exact = erlang_a(AGENTS, RATE, AHT, PATIENCE)
    assert mmnm.window(WARM_UP).p_abandon.contains(exact.p_abandon)


def test_mmn_plus_m_asa_is_erlang_a_asa_answered(mmnm: SimulationResult) -> None:
    exact = erlang_a(AGENTS, RATE, AHT, PATIENCE)
    assert mmnm.window(WARM_UP).asa.contains(exact.asa_answered)


def test_mmn_plus_m_mean_wait_and_occupancy_are_erlang_a(mmnm: SimulationResult) -> None:
    exact = erlang_a(AGENTS, RATE, AHT, PATIENCE)
    figures = mmnm.window(WARM_UP)
    assert figures.mean_wait.contains(exact.mean_wait)
    occupancy = figures.occupancy
    assert occupancy is not None and occupancy.contains(exact.occupancy)


@pytest.mark.parametrize("definition", ["offered", "answered", "all_arrivals"])
def test_mmn_plus_m_service_levels_use_erlang_a_definitions(
    mmnm: SimulationResult, definition: str
) -> None:
    exact = erlang_a(AGENTS, RATE, AHT, PATIENCE).service_level(20.0, definition)
    assert mmnm.window(WARM_UP).service_level(definition).contains(exact)  # type: ignore[arg-type]


def test_mmn_plus_m_short_abandon_definition_is_erlang_a(mmnm: SimulationResult) -> None:
    exact = erlang_a(AGENTS, RATE, AHT, PATIENCE).service_level(
        20.0, "offered_excl_short", short_abandon=10.0
    )
    assert mmnm.window(WARM_UP).service_level("offered_excl_short").contains(exact)


def reference_fcfs(seed: int, hours: float, cv: float) -> tuple[float, float]:
    """(P(abandon), ASA) of one run of a textbook FCFS loop: a heap of agent-free times."""
    import heapq

    rng = np.random.default_rng(seed)
    sigma = np.sqrt(np.log1p(cv * cv))
    size = int(RATE * hours * 3600.0 * 1.2) + 100
    arrivals = np.cumsum(rng.exponential(1.0 / RATE, size)).tolist()
    patience = rng.exponential(PATIENCE, size).tolist()
    handle = rng.lognormal(np.log(AHT) - sigma * sigma / 2, sigma, size).tolist()
    free = [0.0] * AGENTS
    n, gone, waited = 0, 0, 0.0
    for t, limit, h in zip(arrivals, patience, handle, strict=True):
        if t >= hours * 3600.0:
            break
        n += 1
        start = max(free[0], t)
        if start - t > limit:
            gone += 1
            continue
        waited += start - t
        heapq.heapreplace(free, start + h)
    return gone / n, waited / (n - gone)


def test_lognormal_handle_times_agree_with_a_textbook_loop() -> None:
    reference = np.array([reference_fcfs(seed, 48.0, 1.5) for seed in range(12)])
    result = simulate_queue(
        np.full(96, RATE),
        AGENTS,
        1800.0,
        HandleTime.lognormal(AHT, 1.5),
        patience=PATIENCE,
        replications=12,
        seed=12,
        confidence=0.999,
    )
    ours = result.overall
    for k, estimate in enumerate((ours.p_abandon, ours.asa)):
        ref_mean = reference[:, k].mean()
        ref_se = reference[:, k].std(ddof=1) / np.sqrt(len(reference))
        our_se = estimate.half_width / 4.44  # t(0.9995, 11)
        assert abs(estimate.mean - ref_mean) < 3.5 * np.hypot(ref_se, our_se)


# --- reproducibility and shape of the results -----------------------------------------------


def test_same_seed_gives_identical_numbers() -> None:
    args = (np.full(8, RATE), AGENTS, 1800.0, HandleTime.lognormal(AHT, 1.0))
    first = simulate_queue(*args, patience=PATIENCE, replications=3, seed=42)
    second = simulate_queue(*args, patience=PATIENCE, replications=3, seed=42)
    np.testing.assert_array_equal(first.tallies, second.tallies)


def test_another_seed_gives_other_numbers() -> None:
    args = (np.full(8, RATE), AGENTS, 1800.0, AHT)
    first = simulate_queue(*args, replications=3, seed=1)
    second = simulate_queue(*args, replications=3, seed=2)
    assert not np.array_equal(first.tallies, second.tallies)


def test_a_queue_in_a_batch_matches_its_own_run() -> None:
    rates = np.array([np.full(6, RATE), np.full(6, RATE / 2)])
    batch = simulate_queue(rates, [[20] * 6, [10] * 6], 1800.0, AHT, replications=4, seed=9)
    alone = simulate_queue(rates[0], 20, 1800.0, AHT, replications=4, seed=9)
    assert batch.tallies.shape == (2, 4, 6, len(COUNT_FIELDS))
    np.testing.assert_array_equal(batch.tallies[0], alone.tallies)


def test_batch_parameters_broadcast_per_queue() -> None:
    rates = np.full((3, 4), RATE)
    result = simulate_queue(
        rates, 20, 1800.0, HandleTime.lognormal([200.0, 300.0, 400.0], 0.5), replications=2
    )
    assert result.intervals.asa.mean.shape == (3, 4)
    assert result.overall.offered.mean.shape == (3,)
    occupancy = result.overall.occupancy
    assert occupancy is not None
    assert occupancy.mean[0] < occupancy.mean[1] < occupancy.mean[2]


def test_per_interval_figures_have_one_value_per_interval() -> None:
    result = simulate_queue(np.full(48, RATE), 20, 1800.0, AHT, replications=5)
    figures = result.intervals
    assert figures.service_level().mean.shape == (48,)
    assert figures.offered.half_width.shape == (48,)
    assert np.all(figures.offered.mean > 0)


def test_overall_counts_sum_the_intervals() -> None:
    result = simulate_queue(np.full(12, RATE), 20, 1800.0, AHT, patience=60.0, replications=5)
    per = result.intervals
    assert result.overall.offered.mean == pytest.approx(per.offered.mean.sum())
    assert result.overall.abandoned.mean == pytest.approx(per.abandoned.mean.sum())


def test_an_interval_with_no_arrivals_has_undefined_ratios() -> None:
    result = simulate_queue([RATE, 0.0, RATE], 20, 1800.0, AHT, replications=3)
    figures = result.intervals
    assert figures.offered.mean[1] == 0.0
    assert np.isnan(figures.service_level().mean[1])
    assert np.isnan(figures.asa.mean[1])


# --- time-varying staffing and the laws -------------------------------------------------------


def test_calls_wait_for_the_next_shift_when_nobody_is_on() -> None:
    result = simulate_queue([0.01, 0.0], [0, 5], 1800.0, 60.0, replications=3)
    first = result.intervals
    assert first.p_wait.mean[0] == 1.0
    # a call arriving in [0, 1800) is answered at 1800 at the earliest: mean wait ~ 900 s
    assert 700.0 < first.asa.mean[0] < 1100.0
    assert first.answered.mean[0] == first.offered.mean[0]


def test_a_busy_agent_finishes_the_call_after_the_shift() -> None:
    # one agent for one interval, handle times of 3 hours: the call runs past the shift
    result = simulate_queue(
        [0.002, 0.0, 0.0], [1, 0, 0], 1800.0, HandleTime.empirical([3 * 3600.0]), replications=1
    )
    assert result.overall.answered.mean >= 1.0
    occupancy = result.intervals.occupancy
    assert occupancy is not None
    assert np.isnan(occupancy.mean[1])  # nobody on shift, yet busy: undefined, not infinite


def test_more_staff_in_an_interval_improves_its_service_level() -> None:
    staffing = [18, 24, 18, 24]
    result = simulate_queue(np.full(4, RATE), staffing, 1800.0, AHT, replications=20, seed=5)
    level = result.intervals.service_level().mean
    assert level[1] > level[0] and level[3] > level[2]


def test_nobody_on_shift_and_no_patience_counts_as_abandoned_at_day_end() -> None:
    result = simulate_queue([0.01], [0], 1800.0, AHT, replications=2)
    assert result.overall.answered.mean == 0.0
    assert result.overall.p_abandon.mean == 1.0


def test_lognormal_handle_times_have_the_requested_mean() -> None:
    result = simulate_queue(
        np.full(8, RATE), 40, 1800.0, HandleTime.lognormal(AHT, 1.2), replications=5
    )
    busy = result.tallies[..., 9].sum()
    answered = result.tallies[..., 1].sum()
    assert busy / answered == pytest.approx(AHT, rel=0.05)


def test_empirical_handle_times_resample_the_history() -> None:
    result = simulate_queue(
        np.full(4, 0.01), 5, 1800.0, HandleTime.empirical([100.0, 200.0]), replications=3
    )
    busy = result.tallies[..., 9].sum()
    answered = result.tallies[..., 1].sum()
    assert busy / answered == pytest.approx(150.0, rel=0.1)


def test_empirical_patience_is_resampled() -> None:
    # nobody on shift, patience 30 s or 90 s: every caller hangs up after exactly one of those
    result = simulate_queue(
        [0.01], [0], 1800.0, AHT, patience=Patience.empirical([30.0, 90.0]), replications=2
    )
    assert result.overall.mean_wait.mean == pytest.approx(60.0, rel=0.15)


# --- bad input ---------------------------------------------------------------------------------


def test_negative_rate_names_the_interval() -> None:
    with pytest.raises(ValueError, match=r"arrival_rates\[2\] is -0.5.*>= 0 calls per second"):
        simulate_queue([0.1, 0.1, -0.5], 5, 1800.0, AHT)


def test_staffing_of_the_wrong_length_says_both_lengths() -> None:
    with pytest.raises(ValueError, match="staffing has 2 intervals but arrival_rates has 3"):
        simulate_queue([0.1, 0.1, 0.1], [5, 5], 1800.0, AHT)


def test_fractional_staffing_is_rejected_with_a_fix() -> None:
    with pytest.raises(ValueError, match=r"staffing\[1\] is 4.5.*numpy.ceil"):
        simulate_queue([0.1, 0.1], [5, 4.5], 1800.0, AHT)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"replications": 0}, "replications is 0"),
        ({"confidence": 95}, "confidence is 95"),
        ({"target_seconds": -1}, "target_seconds is -1"),
        ({"patience": -3.0}, "mean is -3.0"),
    ],
)
def test_bad_options_are_named(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        simulate_queue([0.1], 5, 1800.0, AHT, **kwargs)  # type: ignore[arg-type]


def test_bad_interval_length_is_named() -> None:
    with pytest.raises(ValueError, match="interval_seconds is 0"):
        simulate_queue([0.1], 5, 0, AHT)


def test_bad_handle_laws_are_named() -> None:
    with pytest.raises(ValueError, match=r"mean is -300"):
        HandleTime.lognormal(-300.0, 1.0)
    with pytest.raises(ValueError, match=r"cv is -1"):
        HandleTime.lognormal(300.0, -1.0)
    with pytest.raises(ValueError, match=r"samples\[1\] is -5.0"):
        HandleTime.empirical([10.0, -5.0])
    with pytest.raises(ValueError, match="samples is empty"):
        Patience.empirical([])


def test_a_law_per_queue_must_match_the_batch() -> None:
    with pytest.raises(ValueError, match="does not match the"):
        simulate_queue(np.full((3, 2), 0.1), 5, 1800.0, HandleTime.exponential([1.0, 2.0]))


def test_window_outside_the_day_is_an_error() -> None:
    result = simulate_queue([0.1, 0.1], 5, 1800.0, AHT, replications=2)
    with pytest.raises(ValueError, match="selects no interval"):
        result.window(5)
