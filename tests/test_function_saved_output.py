"""A custom Function that saves its output (PyTorch's own Exp example) gives the right
higher derivatives under create_graph: the saved output is re-attached to the Function's
node in backward (issue 11, item 4)."""
import gc

import numpy as np
import pytest

import autograd as ag
from autograd.errors import GraphError


class Exp(ag.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y


class Tanh(ag.Function):
    """Saves its input and its output: d tanh = 1 - y^2, second derivative -2 y (1 - y^2)."""
    @staticmethod
    def forward(ctx, x, scale):
        y = (x * scale).tanh()
        ctx.save_for_backward(x, y)
        ctx.scale = scale
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * (1 - y * y) * ctx.scale, None


class SinCos(ag.Function):
    """Two outputs, both saved (output 1 saved first): d sin = cos, d cos = -sin."""
    @staticmethod
    def forward(ctx, x):
        s, c = x.sin(), x.cos()
        ctx.save_for_backward(c, s)
        return s, c

    @staticmethod
    def backward(ctx, gs, gc):
        c, s = ctx.saved_tensors
        return gs * c - gc * s


def leaf(values):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_exp_saving_its_output_has_exp_as_every_derivative():
    x = leaf([-0.7, 0.2, 1.3])
    (g,) = ag.grad(Exp.apply(x).sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x, create_graph=True)
    (t,) = ag.grad(h.sum(), x)
    for d in (g, h, t):
        np.testing.assert_allclose(d.data, np.exp(x.data), rtol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda x: Exp.apply(x) * x,
    lambda x: Tanh.apply(x, 1.7),
    lambda x: Exp.apply(Tanh.apply(x, 0.5)),
    lambda x: SinCos.apply(x)[0] * SinCos.apply(x)[1],
    lambda x: SinCos.apply(x)[1],                    # one output unused
], ids=["exp-times-x", "tanh", "exp-of-tanh", "sincos-product", "cos-only"])
def test_second_derivatives_of_functions_saving_outputs(fn):
    x = leaf([-0.4, 0.3, 1.1])
    assert ag.gradcheck(fn, (x,))
    assert ag.gradgradcheck(fn, (x,))


def test_matches_the_same_function_written_with_ops():
    x = leaf([[0.1, -1.2], [0.8, 2.0]])
    w = ag.tensor(np.array([[1.0, -2.0], [0.5, 3.0]]))
    for custom, plain in ((Exp.apply, ag.exp), (lambda t: Tanh.apply(t, 1.0), ag.tanh)):
        (g1,) = ag.grad((custom(x) * w).sum(), x, create_graph=True)
        (h1,) = ag.grad((g1 * g1).sum(), x)
        (g2,) = ag.grad((plain(x) * w).sum(), x, create_graph=True)
        (h2,) = ag.grad((g2 * g2).sum(), x)
        np.testing.assert_allclose(g1.data, g2.data, rtol=1e-12)
        np.testing.assert_allclose(h1.data, h2.data, rtol=1e-12)


def test_a_saved_output_modified_in_place_is_still_caught():
    x = leaf([0.5, 1.0])
    y = Exp.apply(x) * 1.0
    z = Exp.apply(x)
    with ag.no_grad():
        z.mul_(2.0)
    with pytest.raises(GraphError, match="modified"):
        (y + z).sum().backward()


def _function_nodes():
    return sum(type(o).__name__ == "_FunctionNode" for o in gc.get_objects())


@pytest.mark.parametrize("fn", [Exp.apply, lambda x: SinCos.apply(x)[1]], ids=["one", "two"])
def test_saving_an_output_makes_no_reference_cycle(fn):
    x = leaf([0.5, 1.0])
    gc.collect()
    gc.disable()
    try:
        before = _function_nodes()
        y = fn(x)
        assert _function_nodes() == before + 1
        del y
        assert _function_nodes() == before     # freed by reference counting alone
    finally:
        gc.enable()
