"""Differences from PyTorch found by writing ordinary PyTorch programs against both
libraries (values and gradients, float32 and float64); each test failed before its fix."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64"]


def values_and_grads(lib, fn, arrays, dtype):
    """fn(lib, *leaves) on leaves of `dtype` made from `arrays`, backpropagated with fixed
    weights: (value, [gradients]) as numpy arrays."""
    xs = [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    w = np.linspace(-1.0, 1.3, out.numel()).reshape(tuple(out.shape))
    (out * lib.tensor(w, dtype=out.dtype)).sum().backward()
    to_np = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
    return to_np(out), [to_np(x.grad) for x in xs]


def assert_same_as_torch(fn, arrays, dtype):
    ours, our_grads = values_and_grads(ag, fn, arrays, dtype)
    ref, ref_grads = values_and_grads(torch, fn, arrays, dtype)
    tol = 1e-6 if dtype == "float32" else 1e-12
    assert ours.dtype == ref.dtype and ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=tol, atol=tol)
    for g, r in zip(our_grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_with_a_tensor_exponent_of_zero_has_zero_base_gradient(dtype):
    # d/da a^b where b == 0 is 0, also at a == 0 (not 0 * 0^-1 = NaN)
    assert_same_as_torch(lambda L, a, b: a ** b,
                         [np.array([2.0, 0.0, 1.5, 0.0]), np.array([0.0, 0.0, -1.0, 2.0])], dtype)
    assert_same_as_torch(lambda L, a, b: L.pow(a, b),
                         [np.array([[0.0], [3.0]]), np.array([0.0, 1.0, 2.5])], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduce", ["max", "min"])
def test_max_of_all_elements_sends_a_nans_gradient_to_the_nans(dtype, reduce):
    x = np.array([[1.0, np.nan, 3.0], [np.nan, -2.0, np.inf]])
    assert_same_as_torch(lambda L, a: getattr(a, reduce)(), [x], dtype)
    assert_same_as_torch(lambda L, a: getattr(a, reduce)(), [np.array([1.0, np.nan, 3.0])], dtype)
