"""Property-based tests (hypothesis): broadcasting shapes, gradient shapes and values."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "maximum": ag.maximum,
    "where": lambda a, b: ag.where(a.data > b.data, a, b),
}

shape_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                min_side=0, max_side=3)


@settings(max_examples=60, deadline=None)
@given(pair=shape_pairs, op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16))
def test_binary_broadcast_shapes_and_gradient_sums(pair, op, seed):
    rng = np.random.default_rng(seed)
    sa, sb = pair.input_shapes
    a = ag.tensor(rng.standard_normal(sa), dtype="float64", requires_grad=True)
    b = ag.tensor(rng.standard_normal(sb), dtype="float64", requires_grad=True)
    out = BINARY[op](a, b)
    assert out.shape == pair.result_shape
    out.sum().backward()
    assert a.grad.shape == sa and b.grad.shape == sb
    assert a.grad.dtype == np.float64
    if op == "add":   # d(sum(a+b))/da counts how often each a element was broadcast
        n = int(np.prod(pair.result_shape)) // max(int(np.prod(sa)), 1) if np.prod(sa) else 0
        np.testing.assert_allclose(a.grad.data, np.full(sa, float(n)))


@settings(max_examples=40, deadline=None)
@given(pair=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                              min_side=1, max_side=3),
       op=st.sampled_from(["add", "sub", "mul", "div"]), seed=st.integers(0, 2**16))
def test_binary_broadcast_gradcheck(pair, op, seed):
    rng = np.random.default_rng(seed)
    a, b = (ag.tensor(rng.standard_normal(s), dtype="float64", requires_grad=True)
            for s in pair.input_shapes)
    assert ag.gradcheck(BINARY[op], (a, b))


@settings(max_examples=60, deadline=None)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
       data=st.data())
def test_reductions_shapes(shape, data):
    x = ag.tensor(np.random.default_rng(0).standard_normal(shape), dtype="float64",
                  requires_grad=True)
    nd = len(shape)
    dims = data.draw(st.none() | st.lists(st.integers(0, max(nd - 1, 0)), min_size=1,
                                          max_size=max(nd, 1), unique=True)) if nd else None
    keep = data.draw(st.booleans())
    s = x.sum(dim=tuple(dims) if dims else None, keepdim=keep)
    expected = np.sum(x.data, axis=tuple(dims) if dims else None, keepdims=keep)
    assert s.shape == expected.shape
    np.testing.assert_allclose(s.data, expected)
    s.sum().backward()
    assert x.grad.shape == shape
    np.testing.assert_allclose(x.grad.data, np.ones(shape))


@settings(max_examples=40, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4),
       seed=st.integers(0, 2**16))
def test_permute_reshape_roundtrip_gradient(shape, seed):
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal(shape), dtype="float64", requires_grad=True)
    perm = tuple(rng.permutation(len(shape)).tolist())
    w = rng.standard_normal(int(np.prod(shape)))
    y = (x.permute(*perm).reshape(-1) * ag.tensor(w, dtype="float64")).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data.transpose(perm).reshape(-1), w)


def test_shapes_that_do_not_broadcast_raise_shape_error():
    a = ag.ones(3, 4)
    b = ag.ones(5)
    with pytest.raises(ag.ShapeError, match=r"Add: shapes \(3, 4\) and \(5,\) do not broadcast"):
        a + b
