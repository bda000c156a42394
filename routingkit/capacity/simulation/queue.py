"""Discrete-event simulation of one FCFS queue (or a batch of independent queues) over a day.

Poisson arrivals with a rate per interval, a staffing vector, exponential, lognormal or
empirical handle times and optional patience. Where Erlang C/A assume one constant load,
identical agents and exponential times, this shows what a real day does to service: the
figures come per interval and for the day, each with a confidence interval over replications.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._inputs import FloatArray, IntArray, as_float
from ._distributions import Float32Array, HandleTime, Patience, as_handle, as_patience
from ._kernels import N_COUNTS, simulate_fcfs
from ._results import SimulationResult


def _where(arr: np.ndarray, bad: np.ndarray) -> str:
    index = np.unravel_index(int(np.argmax(bad)), arr.shape)
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def check_rates(arrival_rates: Any) -> FloatArray:
    """Arrival rates per interval as float64 of shape (..., intervals), each finite and >= 0."""
    rates = as_float("arrival_rates", arrival_rates)
    if rates.ndim == 0 or rates.shape[-1] == 0:
        raise ValueError(
            "arrival_rates must hold one rate per interval (calls per second), e.g. an array "
            f"of 48 values for a day of 30-minute intervals; got shape {rates.shape}"
        )
    bad = ~np.isfinite(rates) | (rates < 0)
    if bad.any():
        raise ValueError(
            f"arrival_rates{_where(rates, bad)} is {rates[bad][0].item()!r}; arrival rates must be "
            "finite and >= 0 calls per second (divide interval volumes by interval_seconds)"
        )
    return rates


def check_staffing(staffing: Any, shape: tuple[int, ...]) -> IntArray:
    """Whole agent counts >= 0, one per interval, broadcast to ``shape``."""
    arr = as_float("staffing", staffing)
    if arr.ndim == 0:
        arr = np.full(shape[-1:], float(arr))
    if arr.shape[-1] != shape[-1]:
        raise ValueError(
            f"staffing has {arr.shape[-1]} intervals but arrival_rates has {shape[-1]}; give "
            "one agent count per interval (or a single number for the whole day)"
        )
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
    if bad.any():
        raise ValueError(
            f"staffing{_where(arr, bad)} is {arr[bad][0].item()!r}; staffing must be whole "
            "numbers of agents >= 0 (round up with numpy.ceil)"
        )
    try:
        out = np.broadcast_to(arr, shape)
    except ValueError:
        raise ValueError(
            f"staffing of shape {arr.shape} does not match arrival_rates of shape {shape}"
        ) from None
    return np.ascontiguousarray(out, dtype=np.int64)


def check_seconds(name: str, value: Any, *, positive: bool) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of seconds, got {value!r}") from None
    if not np.isfinite(v) or v < 0 or (positive and v == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} is {value!r}; it must be a finite number of seconds {bound}")
    return v


def check_runs(replications: Any, confidence: Any) -> tuple[int, float]:
    if isinstance(replications, bool) or not isinstance(replications, (int, np.integer)):
        raise ValueError(f"replications must be a whole number >= 1, got {replications!r}")
    if replications < 1:
        raise ValueError(
            f"replications is {replications}; run at least 1 (at least 2 for confidence "
            "intervals; 30 is a common choice)"
        )
    conf = float(confidence)
    if not 0.0 < conf < 1.0:
        raise ValueError(f"confidence is {confidence!r}; give a fraction such as 0.95 or 0.99")
    return int(replications), conf


def stream(seed: int, *key: int) -> np.random.Generator:
    """The random stream of one (batch element, replication): independent of batch size."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def buffer_size(expected: float) -> int:
    """Draws to make for a Poisson count with this mean: short only with probability ~1e-15."""
    return int(expected + 8.0 * np.sqrt(expected) + 32.0)


def _batch_shape(rates: FloatArray, laws: list[HandleTime | Patience]) -> tuple[int, ...]:
    batch = rates.shape[:-1]
    for law in laws:
        shape = law.batch_shape
        try:
            fits = not shape or np.broadcast_shapes(shape, batch) == batch
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"a {type(law).__name__} parameter has shape {shape}, which does not match the "
                f"{batch} queues of arrival_rates; give one value per queue or a single value"
            )
    return batch


def _law_index(law: HandleTime | Patience, batch: tuple[int, ...], flat: int) -> int:
    """Flat index into a law's (broadcast) parameters for batch element ``flat``."""
    shape = law.batch_shape
    if not shape:
        return 0
    idx = np.unravel_index(flat, batch) if batch else ()
    lead = len(batch) - len(shape)
    sub = tuple(0 if n == 1 else int(i) for i, n in zip(idx[lead:], shape, strict=True))
    return int(np.ravel_multi_index(sub, shape)) if shape else 0


def _extend(head: Float32Array, tail: Float32Array) -> Float32Array:
    return tail if head.size == 0 else np.concatenate([head, tail])


def simulate_queue(
    arrival_rates: Any,
    staffing: Any,
    interval_seconds: float,
    handle: HandleTime | float,
    *,
    patience: Patience | float | None = None,
    target_seconds: float = 20.0,
    short_abandon_seconds: float = 10.0,
    replications: int = 30,
    seed: int = 0,
    confidence: float = 0.95,
) -> SimulationResult:
    """Simulate a day of an FCFS queue with a staffing vector, over independent replications.

    ``arrival_rates``: calls per second in each interval (Poisson within an interval), shape
    ``(intervals,)``, or ``(queues, intervals)`` to simulate independent queues in one call.
    ``staffing``: agents on shift per interval, whole numbers of the same shape (or one number).
    ``interval_seconds``: interval length (900 or 1800). ``handle``: a :class:`HandleTime`
    law, or a number taken as the mean of exponential handle times (seconds). ``patience``: a
    :class:`Patience` law, a number (exponential mean, seconds), or None for callers who never
    hang up. ``target_seconds``: the service-level target answer time; ``short_abandon_seconds``:
    the threshold of ``service_level("offered_excl_short")`` (Genesys's default is 10).

    Reproducible: the same ``seed`` gives the same numbers, and each (queue, replication) has its
    own random stream, so a queue's figures do not depend on what else is in the batch. Every
    replication starts with an empty queue and idle agents at time 0; use
    ``result.window(start)`` to leave out a warm-up when estimating a steady state.

    Returns a :class:`SimulationResult`; see ``result.intervals``, ``result.overall``.
    """
    rates = check_rates(arrival_rates)
    staff = check_staffing(staffing, rates.shape)
    dt = check_seconds("interval_seconds", interval_seconds, positive=True)
    target = check_seconds("target_seconds", target_seconds, positive=False)
    short = check_seconds("short_abandon_seconds", short_abandon_seconds, positive=False)
    n_rep, conf = check_runs(replications, confidence)
    handle_law = as_handle(handle)
    patience_law = as_patience(patience)
    laws: list[HandleTime | Patience] = [handle_law]
    if patience_law is not None:
        laws.append(patience_law)
    batch = _batch_shape(rates, laws)
    seed_value = int(seed)

    n_int = rates.shape[-1]
    flat_rates = np.ascontiguousarray(rates.reshape(-1, n_int))
    flat_staff = staff.reshape(-1, n_int)
    n_batch = flat_rates.shape[0]
    tallies = np.zeros((n_batch, n_rep, n_int, N_COUNTS))
    no_draws = np.empty(0, dtype=np.float32)
    for b in range(n_batch):
        expected = float(flat_rates[b].sum() * dt)
        h_index = _law_index(handle_law, batch, b)
        p_index = _law_index(patience_law, batch, b) if patience_law is not None else 0
        for r in range(n_rep):
            rng = stream(seed_value, b, r)
            size = buffer_size(expected)
            exps = no_draws
            hand = no_draws
            pat = no_draws
            while True:
                extra = size - exps.size
                exps = _extend(exps, rng.standard_exponential(extra, dtype=np.float32))
                hand = _extend(hand, handle_law.sample(rng, extra, h_index))
                if patience_law is not None:
                    pat = _extend(pat, patience_law.sample(rng, extra, p_index))
                out = tallies[b, r]
                n = simulate_fcfs(
                    exps,
                    hand,
                    pat,
                    patience_law is not None,
                    flat_rates[b],
                    flat_staff[b],
                    dt,
                    target,
                    short,
                    out,
                )
                if n >= 0:
                    break
                out[...] = 0.0
                size *= 2
    return SimulationResult(
        tallies.reshape((*batch, n_rep, n_int, N_COUNTS)),
        interval_seconds=dt,
        target_seconds=target,
        short_abandon_seconds=short,
        confidence=conf,
    )
