"""Handle-time and patience laws for the simulators, sampled with numpy in bulk.

All times are seconds. Draws are float32 (seven significant digits, far finer than any timer
in the data) because generating them is half the cost of a simulated call. Parameters may be
arrays so that one call simulates a batch of queues (``mean`` of shape ``(Q,)`` with arrival
rates of shape ``(Q, S)``); an empirical law is one sample shared by the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .._inputs import FloatArray, as_float

Float32Array = npt.NDArray[np.float32]

HandleKind = Literal["exponential", "lognormal", "empirical"]
PatienceKind = Literal["exponential", "empirical"]


def _positive(name: str, value: Any, what: str) -> FloatArray:
    arr = as_float(name, value)
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        where = _where(name, arr, bad)
        raise ValueError(f"{where}; {name} must be a finite number > 0 ({what})")
    return arr


def _where(name: str, arr: np.ndarray, bad: np.ndarray) -> str:
    if arr.ndim == 0:
        return f"{name} is {arr.item()!r}"
    index = int(np.argmax(bad.ravel()))
    return f"{name}[{index}] is {arr.ravel()[index].item()!r}"


def _samples(name: str, samples: Any, what: str) -> FloatArray:
    arr = as_float(name, samples).ravel()
    if arr.size == 0:
        raise ValueError(f"{name} is empty; give at least one observed {what} in seconds")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise ValueError(
            f"{_where(name, arr, bad)}; every {what} must be a finite number of seconds >= 0 "
            "(drop missing or negative rows from the history first)"
        )
    if not (arr > 0).any():
        raise ValueError(f"{name} holds only zeros; a {what} sample needs some positive values")
    return arr


def _resample(rng: np.random.Generator, samples: FloatArray, size: int) -> Float32Array:
    picked: Float32Array = samples.astype(np.float32)[rng.integers(0, samples.size, size)]
    return picked


def _lognormal_params(mean: FloatArray, cv: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(mu, sigma) of the lognormal with this mean and coefficient of variation.

    sigma^2 = log(1 + cv^2), mu = log(mean) - sigma^2 / 2 (moments of the lognormal).
    """
    sigma2 = np.log1p(cv * cv)
    return np.log(mean) - 0.5 * sigma2, np.sqrt(sigma2)


@dataclass(frozen=True, eq=False)
class HandleTime:
    """Handle-time law (talk + hold + after-call work), in seconds.

    Build with :meth:`exponential`, :meth:`lognormal` or :meth:`empirical`.
    """

    kind: HandleKind
    mean: FloatArray
    cv: FloatArray
    samples: FloatArray

    @classmethod
    def exponential(cls, mean: Any) -> HandleTime:
        """Exponential handle times with ``mean`` seconds (the Erlang C/A assumption)."""
        m = _positive("mean", mean, "mean handle time in seconds")
        return cls("exponential", m, np.ones_like(m), np.empty(0))

    @classmethod
    def lognormal(cls, mean: Any, cv: Any) -> HandleTime:
        """Lognormal handle times with ``mean`` seconds and coefficient of variation ``cv``.

        Contact-centre handle times are close to lognormal (Brown et al. 2005, "Statistical
        analysis of a telephone call center", JASA 100(469)); cv is typically 0.6 to 1.2.
        """
        m = _positive("mean", mean, "mean handle time in seconds")
        c = as_float("cv", cv)
        bad = ~np.isfinite(c) | (c < 0)
        if bad.any():
            raise ValueError(
                f"{_where('cv', c, bad)}; cv must be a finite number >= 0 "
                "(standard deviation / mean of the handle time)"
            )
        m, c = np.broadcast_arrays(m, c)
        return cls("lognormal", np.array(m, dtype=np.float64), np.array(c), np.empty(0))

    @classmethod
    def empirical(cls, samples: Any) -> HandleTime:
        """Resample observed handle times (seconds) with replacement: the bootstrap law."""
        s = _samples("samples", samples, "handle time")
        return cls("empirical", np.asarray(s.mean()), np.asarray(s.std() / s.mean()), s)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return () if self.kind == "empirical" else self.mean.shape

    def mean_seconds(self, index: int) -> float:
        """Mean handle time of batch element ``index`` (flat), in seconds."""
        return float(self.mean.ravel()[index]) if self.mean.ndim else float(self.mean)

    def sample(self, rng: np.random.Generator, size: int, index: int) -> Float32Array:
        """``size`` handle times for batch element ``index`` (flat), as float32."""
        if self.kind == "empirical":
            return _resample(rng, self.samples, size)
        mean = self.mean_seconds(index)
        if self.kind == "exponential":
            out = rng.standard_exponential(size, dtype=np.float32)
            out *= np.float32(mean)
            return out
        cv = float(self.cv.ravel()[index]) if self.cv.ndim else float(self.cv)
        mu, sigma = _lognormal_params(np.asarray(mean), np.asarray(cv))
        out = rng.standard_normal(size, dtype=np.float32)
        out *= np.float32(sigma)
        out += np.float32(mu)
        return np.exp(out, out=out)


@dataclass(frozen=True, eq=False)
class Patience:
    """How long a caller is willing to wait before hanging up, in seconds.

    Build with :meth:`exponential` or :meth:`empirical`; pass ``patience=None`` to a simulator
    for callers who never hang up.
    """

    kind: PatienceKind
    mean: FloatArray
    samples: FloatArray

    @classmethod
    def exponential(cls, mean: Any) -> Patience:
        """Exponential patience with ``mean`` seconds (the Erlang A assumption).

        Estimate it from history as total waiting time / abandons (maximum likelihood).
        """
        m = _positive("mean", mean, "mean patience in seconds")
        return cls("exponential", m, np.empty(0))

    @classmethod
    def empirical(cls, samples: Any) -> Patience:
        """Resample patience times (seconds) with replacement.

        Observed abandon times are censored by answers, so a sample of them understates
        patience; prefer a Kaplan-Meier estimate of the patience law when you have one.
        """
        s = _samples("samples", samples, "patience time")
        return cls("empirical", np.asarray(s.mean()), s)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return () if self.kind == "empirical" else self.mean.shape

    def sample(self, rng: np.random.Generator, size: int, index: int) -> Float32Array:
        """``size`` patience times for batch element ``index`` (flat), as float32."""
        if self.kind == "empirical":
            return _resample(rng, self.samples, size)
        mean = float(self.mean.ravel()[index]) if self.mean.ndim else float(self.mean)
        out = rng.standard_exponential(size, dtype=np.float32)
        out *= np.float32(mean)
        return out


def as_handle(handle: Any) -> HandleTime:
    """A :class:`HandleTime`, or a number taken as the mean of exponential handle times."""
    if isinstance(handle, HandleTime):
        return handle
    if isinstance(handle, Patience):
        raise TypeError("handle is a Patience law; build handle times with HandleTime.<law>()")
    return HandleTime.exponential(handle)


def as_patience(patience: Any) -> Patience | None:
    """A :class:`Patience`, None (nobody abandons), or a number taken as exponential's mean."""
    if patience is None or isinstance(patience, Patience):
        return patience
    if isinstance(patience, HandleTime):
        raise TypeError("patience is a HandleTime law; build patience with Patience.<law>()")
    return Patience.exponential(patience)
