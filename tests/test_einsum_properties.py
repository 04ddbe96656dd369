"""Property-based einsum: random equations (1 to 3 operands, repeated letters,
contractions, outer products, explicit and implicit outputs, '...') against numpy's
values and PyTorch's gradients, and sort/topk against numpy on random data."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import autograd as ag


@st.composite
def equations(draw):
    letters = "abcde"
    sizes = {c: draw(st.integers(1, 3)) for c in letters}
    n = draw(st.integers(1, 3))
    ellipsis = draw(st.booleans())
    ell_shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2))) if ellipsis else ()
    subs, shapes = [], []
    for _ in range(n):
        s = "".join(draw(st.lists(st.sampled_from(letters), min_size=0, max_size=3)))
        subs.append(("..." if ellipsis else "") + s)
        shapes.append(ell_shape + tuple(sizes[c] for c in s))
    used = sorted(set("".join(subs).replace(".", "")))
    if draw(st.booleans()):
        out = draw(st.permutations(used))[:draw(st.integers(0, len(used)))]
        eq = ",".join(subs) + "->" + ("..." if ellipsis else "") + "".join(out)
    else:
        eq = ",".join(subs)
    return eq, shapes


@settings(max_examples=80, deadline=None)
@given(case=equations(), seed=st.integers(0, 2 ** 16))
def test_einsum_matches_numpy_and_pytorch(case, seed):
    eq, shapes = case
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    out = ag.einsum(eq, *xs)
    ref = np.einsum(eq, *arrays)
    assert out.shape == np.shape(ref)
    np.testing.assert_allclose(out.data, ref, rtol=1e-12, atol=1e-12)
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    w = rng.standard_normal(np.shape(ref))
    (out * ag.tensor(w)).sum().backward()
    (torch.einsum(eq, *ts) * torch.tensor(w)).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3), data=st.data(),
       seed=st.integers(0, 2 ** 16))
def test_sort_and_topk_match_numpy(shape, data, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-3, 4, shape).astype(np.float64)          # ties are common
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    v, i = ag.tensor(x).sort(dim=dim)
    np.testing.assert_array_equal(v.data, np.sort(x, axis=dim))
    np.testing.assert_array_equal(i.data, np.argsort(x, axis=dim, kind="stable"))
    k = data.draw(st.integers(0, shape[dim]))
    tv, ti = ag.tensor(x).topk(k, dim=dim)
    expect = np.flip(np.sort(x, axis=dim), axis=dim)
    np.testing.assert_array_equal(tv.data, np.take(expect, np.arange(k), axis=dim))
    np.testing.assert_array_equal(np.take_along_axis(x, ti.data, dim), tv.data)
