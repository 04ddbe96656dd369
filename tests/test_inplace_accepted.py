"""In-place ops on intermediates: what PyTorch accepts is accepted and gives its
gradients; what would really use overwritten values (an op made before the write saved
them) raises at backward. The in-place op's own node keeps the original values it needs
(PyTorch's "original self"), so `c *= c` and `c.mul_(c)` work and are exact."""
import numpy as np
import pytest

import autograd as ag


def micrograd(L, a, b):
    c = a * b - b
    c += c * 3 + 1.5
    c *= (a - 1) ** 2
    return c


def zeros_then_writes(L, a, b):
    y = L.zeros(3, dtype=L.float64)
    y *= a
    y += b * 2
    y[1] = a[0] * b[1]
    return y * y


def alpha_and_div(L, a, b):
    c = a * b
    c.sub_(a * 2, alpha=3)
    c /= b * b + 1
    c.add_(b, alpha=0.5)
    return c


def copy_fill_clamp(L, a, b):
    c = a * b
    c.clamp_(min=-1.0, max=2.0)
    d = a + 0.0
    d.copy_(c * b)
    d.mul_(a)
    return d


def self_products(L, a, b):            # PyTorch refuses these; the values are still exact
    c = a * 1.0
    c /= b
    c *= c
    c.mul_(c)
    return c


def self_products_ref(L, a, b):
    c = (a * 1.0) / b
    c = c * c
    return c * c


ACCEPTED_BY_TORCH = [micrograd, zeros_then_writes, alpha_and_div, copy_fill_clamp]
A = [-4.0, 0.5, 3.0]
B = [2.0, -1.0, 0.25]


def _run(L, fn, shape):
    a = L.tensor(np.reshape(A, shape) if shape == (3,) else A[0], dtype=L.float64,
                 requires_grad=True)
    b = L.tensor(np.reshape(B, shape) if shape == (3,) else B[0], dtype=L.float64,
                 requires_grad=True)
    out = fn(L, a, b)
    w = L.tensor(np.linspace(1.0, 2.0, out.numel()).reshape(tuple(out.shape)), dtype=L.float64)
    (out * w).sum().backward()
    get = (lambda t: np.asarray(t.tolist())) if L is not ag else (lambda t: t.data)
    return get(out), get(a.grad), get(b.grad)


@pytest.mark.parametrize("fn", ACCEPTED_BY_TORCH, ids=lambda f: f.__name__)
def test_inplace_on_intermediates_matches_pytorch(fn):
    torch = pytest.importorskip("torch")
    for shape in ((3,),) + (((),) if fn is micrograd else ()):
        for ours, ref in zip(_run(ag, fn, shape), _run(torch, fn, shape)):
            np.testing.assert_allclose(ours, ref, rtol=1e-12)


def test_micrograd_expression_without_torch():
    a = ag.tensor(-4.0, dtype=ag.float64, requires_grad=True)
    b = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    micrograd(ag, a, b).backward()
    # c = (4ab + 1.5 - 4b)(a - 1)^2: dc/da = 4b (a-1)^2 + 2(a-1)(4ab + 1.5 - 4b)
    assert a.grad.item() == 4 * 2 * 25 + 2 * -5 * (-32 + 1.5 - 8)
    assert b.grad.item() == (4 * -4 - 4) * 25


def test_the_inplace_op_keeps_the_values_it_saved():
    for shape in ((3,), ()):
        ours = _run(ag, self_products, shape)
        ref = _run(ag, self_products_ref, shape)
        for o, r in zip(ours, ref):
            np.testing.assert_allclose(o, r, rtol=1e-12)


@pytest.mark.parametrize("write", [lambda c: c.__iadd__(1.0), lambda c: c.mul_(2.0),
                                   lambda c: c.__setitem__(0, 5.0), lambda c: c.zero_()],
                         ids=["iadd", "mul_", "setitem", "zero_"])
@pytest.mark.parametrize("saver", ["mul", "exp", "tanh"])
def test_values_saved_before_the_write_still_raise(write, saver):
    """Really unsafe, refused as in PyTorch: an op made before the write saved the
    buffer (Mul saves c for a's gradient; exp and tanh save their output)."""
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = a * 2.0
    if saver == "mul":
        d = c * a
        write(c)
        out = d.sum()
    else:
        c = getattr(c, saver)()
        write(c)
        out = c.sum()
    with pytest.raises(ag.GraphError, match="modified"):
        out.backward()
