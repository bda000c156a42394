"""Simulation results: per-replication tallies, and estimates with confidence intervals.

A simulator tallies, for every replication and interval, the counts below (``COUNT_FIELDS``);
every figure is then a ratio of tallies, computed per replication and averaged over
replications, with a Student-t confidence interval across replications (the independent
replications method: Law, "Simulation Modeling and Analysis", 5th ed., section 9.4).
Calls are counted in the interval they arrive in, as Genesys analytics does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from .._inputs import FloatArray
from ..erlang_a import SERVICE_LEVEL_DEFINITIONS, ServiceLevelDefinition
from ._kernels import (  # the kernels own the tally layout: see there
    ABANDONED,
    ABANDONED_IN_TARGET,
    ANSWERED,
    ANSWERED_IN_TARGET,
    BUSY,
    DELAYED,
    OFFERED,
    SHORT_ABANDONED,
    STAFFED,
    WAIT_ALL,
    WAIT_ANSWERED,
)


@dataclass(frozen=True)
class Estimate:
    """A mean over replications and the half-width of its confidence interval.

    ``mean`` and ``half_width`` are floats or arrays of the same shape. ``half_width`` is nan
    where fewer than two replications had a defined value (e.g. service level in an interval
    with no arrivals). The interval is ``[mean - half_width, mean + half_width]``.
    """

    mean: Any
    half_width: Any

    @property
    def low(self) -> Any:
        return self.mean - self.half_width

    @property
    def high(self) -> Any:
        return self.mean + self.half_width

    def contains(self, value: Any) -> Any:
        """True where ``value`` lies inside the confidence interval."""
        return (self.low <= value) & (value <= self.high)


def estimate(values: FloatArray, confidence: float, scalar: bool) -> Estimate:
    """Mean and t-interval half-width over axis -1 (replications), ignoring nan entries."""
    valid = ~np.isnan(values)
    n = valid.sum(axis=-1)
    filled = np.where(valid, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=-1) / n
        dev = np.where(valid, values - mean[..., None], 0.0)
        var = (dev * dev).sum(axis=-1) / (n - 1)
        quantile = stats.t.ppf(0.5 + confidence / 2.0, np.maximum(n - 1, 1))
        half = np.where(n >= 2, quantile * np.sqrt(var / n), np.nan)
    mean = np.where(n > 0, mean, np.nan)
    if scalar:
        return Estimate(float(mean), float(half))
    return Estimate(mean, half)


def _ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


@dataclass(frozen=True, eq=False)
class QueueFigures:
    """Offered, answered, abandoned, service level, ASA, mean wait, occupancy, with CIs.

    Every attribute is an :class:`Estimate`. Counts (``offered``, ``answered``,
    ``abandoned``) are means per replication; the rest are ratios:

    * ``p_wait``: fraction of arrivals who found every agent busy (Erlang's P(wait));
    * ``p_abandon``: abandoned / offered;
    * ``asa``: mean wait of answered calls, seconds (erlang_a's ``asa_answered``; with no
      abandonment it equals Erlang C's ASA);
    * ``mean_wait``: mean wait over every arrival, to answer or hang-up, seconds;
    * ``occupancy``: agent time handling / agent time on shift (None for a routing network,
      whose agents are shared: see ``NetworkResult.agent_occupancy``). It can exceed 1 in an
      interval where agents finish calls after their shift ends.

    ``service_level(definition)`` uses erlang_a's definitions at the simulation's target.
    """

    _tallies: FloatArray  # (..., R, N_COUNTS): replications on axis -2
    confidence: float
    target_seconds: Any
    _has_occupancy: bool
    _scalar: bool

    def _est(self, values: FloatArray) -> Estimate:
        return estimate(values, self.confidence, self._scalar)

    def _field(self, index: int) -> FloatArray:
        return self._tallies[..., index]

    @property
    def offered(self) -> Estimate:
        return self._est(self._field(OFFERED))

    @property
    def answered(self) -> Estimate:
        return self._est(self._field(ANSWERED))

    @property
    def abandoned(self) -> Estimate:
        return self._est(self._field(ABANDONED))

    @property
    def p_wait(self) -> Estimate:
        return self._est(_ratio(self._field(DELAYED), self._field(OFFERED)))

    @property
    def p_abandon(self) -> Estimate:
        return self._est(_ratio(self._field(ABANDONED), self._field(OFFERED)))

    @property
    def asa(self) -> Estimate:
        return self._est(_ratio(self._field(WAIT_ANSWERED), self._field(ANSWERED)))

    @property
    def mean_wait(self) -> Estimate:
        return self._est(_ratio(self._field(WAIT_ALL), self._field(OFFERED)))

    @property
    def occupancy(self) -> Estimate | None:
        if not self._has_occupancy:
            return None
        return self._est(_ratio(self._field(BUSY), self._field(STAFFED)))

    def service_level(self, definition: ServiceLevelDefinition = "offered") -> Estimate:
        """Service level at ``target_seconds``, by one of erlang_a's definitions.

        * ``"offered"``: answered within target / offered (Genesys ``oServiceLevel`` with
          default options: abandons, short abandons included);
        * ``"answered"``: answered within target / answered;
        * ``"offered_excl_short"``: answered within target / (offered - abandoned within
          ``short_abandon_seconds``);
        * ``"all_arrivals"``: fraction of arrivals whose wait, to answer or hang-up, was at most
          the target (the classic Erlang C reading).
        """
        if definition not in SERVICE_LEVEL_DEFINITIONS:
            choices = ", ".join(SERVICE_LEVEL_DEFINITIONS)
            raise ValueError(f"definition is {definition!r}; choose one of {choices}")
        good = self._field(ANSWERED_IN_TARGET)
        offered = self._field(OFFERED)
        if definition == "offered":
            value = _ratio(good, offered)
        elif definition == "answered":
            value = _ratio(good, self._field(ANSWERED))
        elif definition == "offered_excl_short":
            value = _ratio(good, offered - self._field(SHORT_ABANDONED))
        else:
            value = _ratio(good + self._field(ABANDONED_IN_TARGET), offered)
        return self._est(value)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """Tallies of a simulation and the figures computed from them.

    ``tallies`` has shape ``(*batch, replications, intervals, len(COUNT_FIELDS))`` (see
    ``COUNT_FIELDS`` for the columns). ``intervals`` gives per-interval figures (arrays over
    the interval axis), ``overall`` the whole day, and ``window(start, stop)`` any run of
    intervals, e.g. to drop a warm-up period that starts with an empty queue.
    """

    tallies: FloatArray
    interval_seconds: float
    target_seconds: Any
    short_abandon_seconds: float
    confidence: float
    _has_occupancy: bool = True

    @property
    def replications(self) -> int:
        return int(self.tallies.shape[-3])

    @property
    def n_intervals(self) -> int:
        return int(self.tallies.shape[-2])

    @property
    def intervals(self) -> QueueFigures:
        """Per-interval figures; arrays of shape ``(*batch, intervals)``."""
        per = np.moveaxis(self.tallies, -3, -2)  # (..., S, R, K)
        return QueueFigures(per, self.confidence, self.target_seconds, self._has_occupancy, False)

    @property
    def overall(self) -> QueueFigures:
        """Figures for the whole simulated day."""
        return self.window(0, None)

    def window(self, start: int, stop: int | None = None) -> QueueFigures:
        """Figures for intervals ``start`` to ``stop - 1`` (Python slice semantics)."""
        n = self.n_intervals
        stop_i = n if stop is None else stop
        lo, hi, _ = slice(start, stop_i).indices(n)
        if hi <= lo:
            raise ValueError(
                f"window({start}, {stop}) selects no interval of the {n} simulated; "
                "give start < stop within 0..intervals"
            )
        summed = self.tallies[..., lo:hi, :].sum(axis=-2)  # (..., R, K)
        scalar = summed.ndim == 2
        return QueueFigures(
            summed, self.confidence, self.target_seconds, self._has_occupancy, scalar
        )
