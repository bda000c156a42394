"""Accurate Poisson-type densities and Erlang B, the kernels every other model is built on.

The naive ``exp(n log x - x - lgamma(n + 1))`` loses about ``|n log x| * 1e-16`` in the exponent:
at 10,000 Erlangs that is a relative error near 1e-12 before anything else happens. We use
Loader's saddle-point form instead (C. Loader, "Fast and accurate computation of binomial
probabilities", 2000; the method behind R's ``dpois``)::

    x^n e^-x / Gamma(n + 1) = exp(-stirlerr(n) - bd0(n, x)) / sqrt(2 pi n)

where ``stirlerr`` is the error of Stirling's formula and ``bd0(n, x) = n log(n/x) + x - n`` is
evaluated without cancellation. Both accept non-integer ``n`` (Erlang A needs that).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ._inputs import FloatArray

_LN_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
# Series loops run vectorised over rows until this few remain, then finish row by row in Python
# floats: a numpy call on a handful of elements costs ~1 us, a float operation ~50 ns, and a long
# row (sqrt(load) terms, 1e5 at the supported bounds) would otherwise pay the former per term.
FEW_ROWS = 8
# Coefficients of the Stirling series 1/12, 1/360, 1/1260, 1/1680, 1/1188.
_S0, _S1, _S2, _S3, _S4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188


def stirlerr(n: FloatArray) -> FloatArray:
    """log(n!) - log(sqrt(2 pi n) (n/e)^n) for n > 0 (float n allowed)."""
    n = np.asarray(n, dtype=np.float64)
    out = np.empty_like(n)
    small = n <= 15.0
    if small.any():
        ns = n[small]
        out[small] = special.gammaln(ns + 1.0) - (ns + 0.5) * np.log(ns) + ns - _LN_SQRT_2PI
    big = ~small
    if big.any():
        nb = n[big]
        nn = nb * nb
        # The five-term series is accurate to ~1e-17 for every n > 15.
        out[big] = (_S0 - (_S1 - (_S2 - (_S3 - _S4 / nn) / nn) / nn) / nn) / nb
    return out


def bd0(n: FloatArray, x: FloatArray) -> FloatArray:
    """n log(n/x) + x - n, accurate when n is close to x (Loader 2000). n, x > 0."""
    n, x = np.broadcast_arrays(np.asarray(n, dtype=np.float64), np.asarray(x, dtype=np.float64))
    out = np.empty(n.shape, dtype=np.float64)
    close = np.abs(n - x) < 0.1 * (n + x)
    if close.any():
        nc, xc = n[close], x[close]
        v = (nc - xc) / (nc + xc)
        s = (nc - xc) * v
        ej = 2.0 * nc * v
        v2 = v * v
        # Term j is about |v|^(2j) relative to the sum and |v| < 0.1: take just enough terms
        # for the largest |v| in the batch to reach 1e-18.
        vmax = float(np.max(np.abs(v)))
        terms = 1 if vmax == 0 else min(10, int(np.ceil(9.0 / -np.log10(vmax))) + 1)
        for j in range(1, terms + 1):
            ej = ej * v2
            s = s + ej / (2 * j + 1)
        out[close] = s
    far = ~close
    if far.any():
        nf, xf = n[far], x[far]
        out[far] = nf * (np.log(nf) - np.log(xf)) + xf - nf
    return out


def dpois(n: FloatArray, x: FloatArray) -> FloatArray:
    """x^n e^-x / Gamma(n + 1) for real n >= 0 and x >= 0, to near machine precision."""
    n, x = np.broadcast_arrays(np.asarray(n, dtype=np.float64), np.asarray(x, dtype=np.float64))
    out = np.zeros(n.shape, dtype=np.float64)
    zero_x = x == 0
    out[zero_x & (n == 0)] = 1.0
    small = ~zero_x & (n < 1.0)
    if small.any():
        ns, xs = n[small], x[small]
        out[small] = np.exp(special.xlogy(ns, xs) - xs - special.gammaln(ns + 1.0))
    main = ~zero_x & (n >= 1.0)
    if main.any():
        nm, xm = n[main], x[main]
        out[main] = np.exp(-stirlerr(nm) - bd0(nm, xm)) / np.sqrt(2.0 * np.pi * nm)
    return out


def _inverse_blocking_series(n: FloatArray, a: FloatArray) -> FloatArray:
    """1/B(n, a) = sum_k n!/((n-k)! a^k), for n < a (overload).

    Every term is positive and the ratio of consecutive terms is (n - k)/a < n/a, so the sum
    converges without cancellation: geometrically far from saturation and like exp(-k^2/2a)
    near it, so at most about 9 sqrt(a) terms.
    """
    total = np.ones_like(n)
    term = np.ones_like(n)
    idx = np.arange(n.size)
    k = 0
    while idx.size:
        if idx.size <= FEW_ROWS:  # the long rows' tails: per row, without numpy's per-call cost
            for j, i in enumerate(idx.tolist()):
                total[i] = _inverse_blocking_row(
                    float(n[i]), float(a[i]), k, float(term[j]), float(total[i])
                )
            break
        k += 1
        term = term * (n[idx] - (k - 1)) / a[idx]
        total[idx] += term
        keep = (term > 1e-17 * total[idx]) & (n[idx] - k > 0)
        idx, term = idx[keep], term[keep]
    return total


def _inverse_blocking_row(n: float, a: float, k: int, term: float, total: float) -> float:
    """:func:`_inverse_blocking_series` for one row in Python floats, from term ``k``."""
    while True:
        k += 1
        term = term * (n - (k - 1)) / a
        total += term
        if not (term > 1e-17 * total and n - k > 0):
            return total


def erlang_b_core(n: FloatArray, a: FloatArray) -> FloatArray:
    """Erlang B blocking probability for validated, broadcast float arrays (n whole, a >= 0).

    B(n, a) = (a^n/n!) / sum_{k<=n} a^k/k! = dpois(n, a) / P(Poisson(a) <= n), with the
    Poisson CDF from the regularised upper incomplete gamma Q(n + 1, a).
    """
    out = np.empty(n.shape, dtype=np.float64)
    out[n == 0] = 1.0
    zero_a = (a == 0) & (n > 0)
    out[zero_a] = 0.0
    rest = (n > 0) & (a > 0)
    if rest.any():
        nr, ar = n[rest], a[rest]
        # Overload (n < a): the CDF sits in the Poisson's lower tail, where the incomplete gamma
        # loses relative precision (and underflows far out); the series is exact there.
        over = nr < ar
        b = np.empty_like(nr)
        if over.any():
            b[over] = 1.0 / _inverse_blocking_series(nr[over], ar[over])
        under = ~over
        if under.any():
            nu, au = nr[under], ar[under]
            b[under] = dpois(nu, au) / special.gammaincc(nu + 1.0, au)
        out[rest] = b
    return out
