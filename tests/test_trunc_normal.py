"""nn.init.trunc_normal_ by the inverse CDF in log space: any [a, b], far tails included,
returns at once with the right distribution. The reference CDF is integrated
numerically from the density, independently of the sampler's own formulas."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
from nn.normal_quantile import log_ndtr, ndtri_log

CASES = [  # mean, std, a, b
    (0.0, 1.0, -2.0, 2.0), (0.0, 1.0, 8.0, 9.0), (0.0, 1.0, -9.0, -8.0),
    (0.0, 1.0, -1000.0, -999.0), (3.0, 0.02, -2.0, 2.0), (0.0, 1.0, 0.5, math.inf),
    (0.0, 1.0, -math.inf, -3.0), (1.0, 2.0, 1.0, 1.001), (0.0, 1.0, 30.0, 31.0),
    (0.0, 0.02, -0.04, 0.04), (0.0, 1.0, -0.3, 40.0),
]


def _reference_cdf(mean, std, a, b):
    """CDF of N(mean, std^2) on [a, b], by the trapezoid rule on the density scaled by
    its largest value on the interval (no erf, no log-space tricks)."""
    lo, hi = (a - mean) / std, (b - mean) / std
    lo = lo if math.isfinite(lo) else min(hi, 0.0) - 40.0      # the mass beyond is < 1e-300
    hi = hi if math.isfinite(hi) else max(lo, 0.0) + 40.0
    z = np.linspace(lo, hi, 200001)
    peak = 0.0 if lo <= 0.0 <= hi else min(abs(lo), abs(hi))
    dens = np.exp(-0.5 * (z * z - peak * peak))
    cdf = np.concatenate([[0.0], np.cumsum((dens[1:] + dens[:-1]) * 0.5 * np.diff(z))])
    return z * std + mean, cdf / cdf[-1]


@pytest.mark.parametrize("mean,std,a,b", CASES)
def test_samples_follow_the_truncated_normal(mean, std, a, b):
    t = ag.empty(4000, dtype=ag.float64)
    nn.init.trunc_normal_(t, mean=mean, std=std, a=a, b=b,
                          generator=np.random.default_rng(0))
    x = np.sort(t.data)
    assert np.isfinite(x).all() and x[0] >= a and x[-1] <= b
    grid, cdf = _reference_cdf(mean, std, a, b)
    empirical = np.arange(1, x.size + 1) / x.size
    ks = np.max(np.abs(np.interp(x, grid, cdf) - empirical))
    assert ks < 0.03, f"Kolmogorov-Smirnov distance {ks:.4f} (critical 0.021 at 1%)"


def test_float32_tensor_and_default_generator_are_reproducible():
    ag.manual_seed(5)
    w1 = nn.init.trunc_normal_(ag.empty(3, 4), std=0.02)
    ag.manual_seed(5)
    w2 = nn.init.trunc_normal_(ag.empty(3, 4), std=0.02)
    assert w1.dtype == np.float32
    np.testing.assert_array_equal(w1.data, w2.data)
    assert np.abs(w1.data).max() <= 2.0          # a and b are absolute bounds (PyTorch)


@pytest.mark.parametrize("kw", [dict(a=1.0, b=1.0), dict(a=2.0, b=-2.0), dict(std=0.0),
                                dict(std=-1.0), dict(mean=math.nan)], ids=str)
def test_bad_arguments(kw):
    with pytest.raises(ag.ArgumentError, match="trunc_normal_"):
        nn.init.trunc_normal_(ag.empty(3), **kw)


def test_quantile_function_round_trips_through_the_cdf():
    p = np.concatenate([np.logspace(-300, -1, 60), np.linspace(0.05, 0.95, 19)])
    x = ndtri_log(np.log(p))
    back = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in x])
    np.testing.assert_allclose(back, p, rtol=1e-10)     # x itself: ~1e-13 relative
    logp = -np.logspace(3, 100, 20)                 # p = exp(-1000) ... exp(-1e100)
    x = ndtri_log(logp)
    np.testing.assert_allclose([log_ndtr(v) for v in x], logp, rtol=1e-12)
