"""Fused primitives of the transformer (autograd/ops_nn.py): values and gradients
against float64 references and PyTorch, across block boundaries and special values.
(First- and second-order gradchecks: their entries in tests/op_table.py.)"""
import math

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from autograd.ops_nn import _BLOCK, gelu_and_slope


def _gelu64(x):
    x = x.astype(np.float64)
    phi = 0.5 * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))
    return x * phi, phi + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


@pytest.mark.parametrize("n", [1, 7, _BLOCK, _BLOCK + 3, 3 * _BLOCK - 1])
def test_gelu_float32_within_abramowitz_stegun_bound(n):
    x = (np.random.default_rng(n).standard_normal(n) * 4).astype(np.float32)
    x[0] = 0.0
    y, slope = gelu_and_slope(x)
    assert y.dtype == slope.dtype == np.float32
    ref_y, ref_s = _gelu64(x)
    # |erf error| <= 1.5e-7 -> |Phi error| <= 0.75e-7, plus float32 rounding of Phi
    # and of the float32 Horner steps (~2e-7 near 0). PyTorch's kernel: 3.5e-7 |x|.
    assert np.all(np.abs(y - ref_y) <= 4e-7 * np.abs(x) + 1e-7 * np.abs(ref_y) + 1e-30)
    assert np.abs(slope - ref_s).max() <= 5e-7


def test_gelu_float64_matches_erf_form_to_rounding():
    x = np.random.default_rng(1).standard_normal((5, 9)) * 5
    y, slope = gelu_and_slope(x)
    ref_y, ref_s = _gelu64(x)
    np.testing.assert_allclose(y, ref_y, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(slope, ref_s, rtol=1e-14, atol=1e-15)


def test_gelu_special_values_and_strided_input():
    x = np.array([0.0, -0.0, np.inf, np.nan, 40.0, -40.0], np.float32)
    y = F.gelu(ag.tensor(x)).numpy()
    assert y[0] == 0 and y[2] == np.inf and np.isnan(y[3]) and y[4] == 40 and y[5] == 0
    base = np.random.default_rng(2).standard_normal((6, 8)).astype(np.float32)
    np.testing.assert_array_equal(F.gelu(ag.tensor(base.T)).numpy(),
                                  F.gelu(ag.tensor(base)).numpy().T)


def test_gelu_against_torch_float32_and_third_order():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((4, 3 * _BLOCK // 4)).astype(np.float32) * 3
    a = ag.tensor(x, requires_grad=True)
    g = np.random.default_rng(4).standard_normal(x.shape).astype(np.float32)
    F.gelu(a).backward(ag.tensor(g))
    t = torch.from_numpy(x).requires_grad_()
    y = torch.nn.functional.gelu(t)
    y.backward(torch.from_numpy(g))
    np.testing.assert_allclose(F.gelu(ag.tensor(x)).numpy(), y.detach().numpy(),
                               atol=3e-6, rtol=1e-6)
    np.testing.assert_allclose(a.grad.numpy(), t.grad.numpy(), atol=1e-6, rtol=1e-5)
    # third derivative in float64 through the GeluSlope rule
    x64 = np.linspace(-3, 3, 7)
    a, t = ag.tensor(x64, requires_grad=True), torch.tensor(x64, requires_grad=True)
    ga = ag.grad(F.gelu(a).sum(), a, create_graph=True)[0]
    gga = ag.grad(ga.sum(), a, create_graph=True)[0]
    ggga = ag.grad(gga.sum(), a)[0]
    gt = torch.autograd.grad(torch.nn.functional.gelu(t).sum(), t, create_graph=True)[0]
    ggt = torch.autograd.grad(gt.sum(), t, create_graph=True)[0]
    gggt = torch.autograd.grad(ggt.sum(), t)[0]
    for mine, theirs in ((ga, gt), (gga, ggt), (ggga, gggt)):
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-12,
                                   atol=1e-14)


def test_many_row_index_add_equals_add_at():
    from autograd.ops import IndexAdd
    rng = np.random.default_rng(5)
    for shape, ishape in [((100, 16), (16, 64)), ((7, 3, 2), (40,)), ((5,), (33,))]:
        idx = rng.integers(-shape[0], shape[0], ishape)
        g = rng.standard_normal(ishape + shape[1:])
        ref = np.zeros(shape)
        np.add.at(ref, idx, g)
        np.testing.assert_allclose(IndexAdd().forward(g, idx, shape), ref, rtol=1e-13,
                                   atol=1e-13)
    idx = np.arange(40, dtype=np.uint8) % 3
    np.testing.assert_array_equal(IndexAdd().forward(np.ones(40), idx, (4,)), [14, 13, 13, 0])


@pytest.mark.parametrize("shape", [(16, 4, 64, 64), (300, 13), (3, 700, 9), (40, 129), (5, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_max_and_row_sum_equal_numpy_reductions(shape, dtype):
    from autograd.ops import row_max, row_sum
    x = np.random.default_rng(6).standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[::97] = -np.inf
    flat[5] = np.nan
    np.testing.assert_array_equal(row_max(x), x.max(-1, keepdims=True))
    y = np.nan_to_num(x, nan=0.0, neginf=-3.0)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(row_sum(y), y.sum(-1, keepdims=True), rtol=tol, atol=tol)
    assert np.isnan(row_sum(x).reshape(-1)[5 // shape[-1]])   # NaN propagates
    strided = y[..., ::2]                                # not contiguous: numpy's reductions
    np.testing.assert_array_equal(row_max(strided), strided.max(-1, keepdims=True))
    np.testing.assert_array_equal(row_sum(strided), strided.sum(-1, keepdims=True))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_window_reduce_is_numpys_reduction(dtype):
    """Cell by cell over pooling windows (strided views) and short contiguous last axes:
    the same bits as ufunc.reduce, signed zeros, infinities and NaN included (add: over
    0/1 masks, amax's count of ties)."""
    from numpy.lib.stride_tricks import sliding_window_view
    from autograd.ops.reductions import window_reduce
    rng = np.random.default_rng(3)
    values = np.array([0.0, -0.0, 1.5, -1.5, np.inf, -np.inf, np.nan, 2.0])
    if dtype == np.int64:
        values = np.array([0, 1, -1, 7, -7, 2**40])
    x = rng.choice(values, (6, 8, 12, 12)).astype(dtype)
    bits = np.uint64 if x.dtype.itemsize == 8 else np.uint32
    cases = [(sliding_window_view(x, (2, 3), axis=(2, 3))[:, :, ::2], (4, 5)),
             (sliding_window_view(x, (2, 2, 2), axis=(1, 2, 3)), (-3, -2, -1)),
             (x, -1), (x, (2, 3)), (x, 1), (x[..., :4], (3,))]
    for view, axes in cases:
        for ufunc, v in ((np.maximum, view), (np.minimum, view),
                         (np.add, (view > 0).astype(dtype))):
            want = ufunc.reduce(v, axis=axes, keepdims=True)
            got = window_reduce(ufunc, v, axes)
            assert got.shape == want.shape and got.dtype == want.dtype
            assert np.array_equal(got.view(bits), want.view(bits)), (ufunc, axes)


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_amax_gradient_over_windows_shares_ties_as_over_other_axes(reduce):
    """amax over a window's trailing axes (cell by cell) and over the same cells as other
    axes (numpy's reduction): the same values and gradient bits, ties sharing it."""
    rng = np.random.default_rng(4)
    data = rng.choice(np.array([0.0, -0.0, 1.0, np.nan], np.float32), (8, 8, 16, 16),
                      p=[0.4, 0.2, 0.35, 0.05])
    g = rng.standard_normal((8, 8, 8, 8)).astype(np.float32)
    grads = []
    for axes, perm in (((4, 5), (0, 1, 2, 4, 3, 5)), ((3, 5), (0, 1, 2, 3, 4, 5))):
        x = ag.tensor(data, requires_grad=True)
        y = getattr(x.reshape(8, 8, 8, 2, 8, 2).permute(*perm), reduce)(axes)
        (y * ag.tensor(g)).sum().backward()
        grads.append((y.data, x.grad.data))
    for want, got in zip(*grads):
        assert want.tobytes() == got.tobytes()
    assert {0.25, 0.5}.issubset(set(np.unique(np.abs(grads[0][1] / np.repeat(np.repeat(
        g, 2, 2), 2, 3)))))                             # ties share the gradient


def _qkv_views(rng, b, t, h, d, dtype):
    """q, k, v as the GPT makes them: strided views of one (B, T, 3C) projection."""
    qkv = ag.tensor(rng.standard_normal((b, t, 3 * h * d)).astype(dtype), requires_grad=True)
    parts = qkv.reshape(b, t, 3, h, d).permute(2, 0, 3, 1, 4)
    return qkv, parts[0], parts[1], parts[2]


def test_fused_attention_equals_the_composite_and_merges_heads_without_a_copy():
    from nn.functional_attention import attend
    rng = np.random.default_rng(6)
    g = rng.standard_normal((2, 5, 12))
    results = []
    for fused in (True, False):
        qkv, q, k, v = _qkv_views(np.random.default_rng(7), 2, 5, 3, 4, np.float64)
        keep = np.tri(5, 5, dtype=bool)
        # need_weights=True takes the composite path (scale, matmul, where, softmax, matmul)
        y, _ = attend(q, k, v, keep, rows_alive=True, need_weights=not fused)
        assert (type(y.grad_fn).__name__ == "Attention") == fused
        merged = y.transpose(1, 2).reshape(2, 5, 12)
        if fused:          # the (B, L, H, E) memory order: merging the heads is a view
            assert np.shares_memory(merged.data, y.data)
        merged.backward(ag.tensor(g))
        results.append((merged.data, qkv.grad.data))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-13, atol=1e-15)


def test_fused_attention_float32_against_torch_at_the_benchmark_shape():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    qkv, q, k, v = _qkv_views(rng, 4, 64, 4, 32, np.float32)
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(ag.tensor(g))
    assert y.dtype == qkv.grad.dtype == np.float32
    t = torch.from_numpy(qkv.data.copy()).requires_grad_()
    tq, tk, tv = t.reshape(4, 64, 3, 4, 32).permute(2, 0, 3, 1, 4)
    ty = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, is_causal=True)
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), atol=2e-6, rtol=1e-5)
    np.testing.assert_allclose(qkv.grad.data, t.grad.numpy(), atol=2e-6, rtol=1e-4)


@pytest.mark.parametrize("needs", [(True, False, False), (False, True, False),
                                   (False, False, True), (False, True, True)])
def test_fused_attention_gradient_of_some_inputs_only(needs):
    rng = np.random.default_rng(9)
    arrays = [rng.standard_normal(s) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 2))]
    full = [ag.tensor(a, requires_grad=True) for a in arrays]
    some = [ag.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    g = ag.tensor(rng.standard_normal((2, 3, 2)))
    F.scaled_dot_product_attention(*full, is_causal=True).backward(g)
    F.scaled_dot_product_attention(*some, is_causal=True).backward(g)
    for a, b, n in zip(full, some, needs):
        if n:
            np.testing.assert_array_equal(a.grad.data, b.grad.data)
        else:
            assert b.grad is None


def test_fused_attention_masked_key_with_inf_score_leaves_the_row_finite():
    """A hidden key is set to -inf, not added to: an inf score there changes nothing
    (as PyTorch, whose causal kernel never reads it)."""
    q = np.ones((1, 2, 2))
    k = np.array([[[1.0, 0.0], [np.inf, 0.0]]])
    v = np.array([[[1.0], [2.0]]])
    with np.errstate(invalid="ignore"):         # row 1 sees the inf key: NaN, as in PyTorch
        out = F.scaled_dot_product_attention(ag.tensor(q), ag.tensor(k), ag.tensor(v),
                                             is_causal=True)
    assert out.data[0, 0, 0] == 1.0


@pytest.mark.parametrize("needs", [(True, True, True), (True, False, False),
                                   (False, True, False), (False, False, True)])
def test_fused_layer_norm_equals_normalize_times_weight_plus_bias(needs):
    from autograd.ops_nn import Normalize
    rng = np.random.default_rng(10)
    arrays = [rng.standard_normal(s) for s in ((3, 4, 6), (6,), (6,))]
    g = ag.tensor(rng.standard_normal((3, 4, 6)))
    fused = [ag.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    plain = [ag.tensor(a, requires_grad=n) for a, n in zip(arrays, needs)]
    y = F.layer_norm(fused[0], (6,), fused[1], fused[2], eps=1e-3)
    assert type(y.grad_fn).__name__ == "LayerNorm"
    ref = plain[0]._apply1(Normalize, (2,), 1e-3) * plain[1] + plain[2]
    np.testing.assert_allclose(y.data, ref.data, rtol=1e-15, atol=1e-15)
    y.backward(g)
    ref.backward(g)
    for a, b, n in zip(fused, plain, needs):
        assert (a.grad is None) == (not n)
        if n:
            np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=1e-13, atol=1e-14)


def test_max_pool_over_windows_taken_cell_by_cell_passes_gradcheck():
    # 2,048 elements and 2 x 2 windows: amax and its gradient take the cell-by-cell path
    # (reductions.window_cells), which the op table's small shapes never reach
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.permutation(2048).reshape(1, 2, 32, 32) / 2048.0, requires_grad=True)
    assert ag.gradcheck(lambda a: F.max_pool2d(a, 2) * 1.5, (x,))
