"""Fuzzing across the ops with hypothesis: random shapes (0-d, size-1 and zero-size
dims included), broadcasting pairs, dtypes and values. Checks: the engine's gradient
against the numerical one (float64), float32 results within tolerance of float64 ones,
and no op returning an array of the wrong shape or dtype.

CI runs a modest number of examples. A long run:
    HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py
"""
import os

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag

settings.register_profile("ci", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# name -> (function, domain of the input values)
UNARY = {
    "neg": (lambda x: -x, "real"), "abs": (ag.abs, "real"), "exp": (ag.exp, "small"),
    "log": (ag.log, "positive"), "sqrt": (ag.sqrt, "positive"), "sin": (ag.sin, "real"),
    "cos": (ag.cos, "real"), "tanh": (ag.tanh, "real"), "sigmoid": (ag.sigmoid, "real"),
    "relu": (ag.relu, "real"), "softplus": (ag.softplus, "real"),
    "square": (lambda x: x ** 2, "real"), "pow_neg": (lambda x: x ** -1.5, "positive"),
    "rsub": (lambda x: 1.5 - x, "real"), "scale": (lambda x: x * 0.25 + 3.0, "real"),
}
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5), "maximum": ag.maximum, "minimum": ag.minimum,
    "where": lambda a, b: ag.where(a.data > 0, a, b),
}
REDUCE = {
    "sum": ag.sum, "mean": ag.mean, "amax": ag.amax, "amin": ag.amin,
    "var": lambda x, dim, keepdim: ag.var(x, dim, keepdim=keepdim, unbiased=False),
    "logsumexp": lambda x, dim, keepdim: ag.logsumexp(x, dim if dim is not None else
                                                      tuple(range(x.ndim)), keepdim),
    "softmax": lambda x, dim, keepdim: ag.softmax(x, dim if isinstance(dim, int) else -1),
}

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
nonempty = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)


def values(shape, domain, seed):
    rng = np.random.default_rng(seed)
    if domain == "positive":
        return rng.uniform(0.3, 3.0, shape)
    if domain == "small":
        return rng.uniform(-3.0, 3.0, shape)
    a = rng.standard_normal(shape) * 2
    return np.where(np.abs(a) < 0.05, 0.3, a)       # keep away from kinks


def check(fn, arrays, expect_shape):
    """Shape and dtype in both float dtypes, float32 close to float64, gradcheck."""
    out64 = None
    for dtype in (np.float32, np.float64):
        xs = [ag.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
        out = fn(*xs)
        assert out.shape == expect_shape(xs), (out.shape, [x.shape for x in xs])
        assert out.dtype == dtype
        if out.numel():
            out.sum().backward()
            for x in xs:
                assert x.grad is None or (x.grad.shape == x.shape and x.grad.dtype == dtype)
        if dtype == np.float64:
            out64 = out.data
        else:
            out32 = out.data
    if out64.size:
        np.testing.assert_allclose(out32, out64, rtol=1e-3, atol=1e-4)
    if all(a.size <= 12 for a in arrays) and out64.size:
        xs = [ag.tensor(a, dtype="float64", requires_grad=True) for a in arrays]
        assert ag.gradcheck(fn, xs, atol=1e-4, rtol=1e-3)


@given(name=st.sampled_from(sorted(UNARY)), shape=shapes, seed=st.integers(0, 10**6))
def test_unary(name, shape, seed):
    fn, domain = UNARY[name]
    check(fn, [values(shape, domain, seed)], lambda xs: xs[0].shape)


@given(name=st.sampled_from(sorted(BINARY)),
       pair=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                              min_side=0, max_side=3),
       seed=st.integers(0, 10**6))
def test_binary(name, pair, seed):
    a, b = (values(s, "real", seed + i) for i, s in enumerate(pair.input_shapes))
    if name in ("maximum", "minimum"):
        b = b + 0.01                       # no exact ties (the gradient splits there)
    check(BINARY[name], [a, b], lambda xs: pair.result_shape)


@given(name=st.sampled_from(sorted(REDUCE)), shape=nonempty, data=st.data(),
       seed=st.integers(0, 10**6))
def test_reductions(name, shape, data, seed):
    nd = len(shape)
    dim = data.draw(st.none() | st.integers(-nd, nd - 1)) if nd else None
    keepdim = data.draw(st.booleans())
    arr = values(shape, "real", seed)
    if name in ("amax", "amin"):
        arr = arr + np.arange(arr.size).reshape(shape) * 1e-3     # no ties
    fn = lambda x: REDUCE[name](x, dim, keepdim)                 # noqa: E731
    if name == "softmax":
        expect = lambda xs: xs[0].shape                          # noqa: E731
    else:
        expect = lambda xs: np.sum(xs[0].data, axis=dim, keepdims=keepdim).shape  # noqa: E731
    check(fn, [arr], expect)


@given(shape=nonempty, seed=st.integers(0, 10**6), data=st.data())
def test_indexing(shape, seed, data):
    arr = values(shape, "real", seed)
    if not shape:
        return
    n = shape[0]
    idx = data.draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=5))
    index = np.array(idx, dtype=np.int64)
    check(lambda x: x[index] * 2.0, [arr], lambda xs: (len(idx),) + shape[1:])


@given(pair=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
                      st.integers(0, 2)), seed=st.integers(0, 10**6))
def test_matmul(pair, seed):
    n, k, m, batch = pair
    sa = (batch, n, k) if batch else (n, k)
    a, b = values(sa, "real", seed), values((k, m), "real", seed + 1)
    check(ag.matmul, [a, b], lambda xs: sa[:-1] + (m,))
