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
