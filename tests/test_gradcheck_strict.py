"""gradcheck and gradgradcheck cannot be passed by a gradient that silently lost its
graph: gradgradcheck differentiates with respect to the incoming gradient too (as
PyTorch's does), and an output without a graph must be constant numerically (issue 11,
item 15)."""
import numpy as np
import pytest

import autograd as ag
from autograd import ops
from autograd.gradcheck import GradcheckError


def leaf(values):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class Double(ag.Function):
    """x * 2 with a backward that drops the incoming gradient's graph: right values,
    wrong derivatives of the gradient."""
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g.detach() * 2


class Square(ag.Function):
    """x^2 whose backward reads the input's values as an array: the gradient has a
    graph through g but none through x."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ag.tensor(2 * x.data)


class GoodSquare(Square):
    """The same x^2 with a backward built from tensors: differentiable twice."""
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x


# "input 1" of the check is the incoming gradient: alone, x * 2 has a zero second
# derivative, so only the derivative with respect to the incoming gradient can tell.
@pytest.mark.parametrize("fn, where", [(Double.apply, "input 1"),
                                       (lambda x: Double.apply(x) * x, "input"),
                                       (lambda x: Double.apply(x.exp()).sum(), "input")],
                         ids=["alone", "times-x", "inside"])
def test_a_rule_that_detaches_its_incoming_gradient_fails_gradgradcheck(fn, where):
    x = leaf([0.3, -1.2, 2.0])
    assert ag.gradcheck(fn, (x,))                  # first order is right
    with pytest.raises(GradcheckError, match=where):
        ag.gradgradcheck(fn, (x,))
    assert not ag.gradgradcheck(fn, (x,), raise_exception=False)


def test_a_rule_that_detaches_the_saved_input_fails_gradgradcheck_at_the_input():
    x = leaf([0.3, -1.2, 2.0])
    assert ag.gradcheck(Square.apply, (x,))
    with pytest.raises(GradcheckError, match="input 0"):
        ag.gradgradcheck(Square.apply, (x,))
    assert ag.gradgradcheck(GoodSquare.apply, (x,))


def test_jvp_of_a_detaching_rule_is_wrong_and_the_jvp_check_sees_it():
    x = leaf([0.3, -1.2, 2.0])
    v = ag.tensor(np.array([1.0, 0.5, -2.0]))
    _, jv = ag.functional.jvp(Double.apply, (x,), (v,))
    assert not np.allclose(jv.data, 2 * v.data)   # the silent zero the check exists for
    _, jv = ag.functional.jvp(GoodSquare.apply, (x,), (v,))
    np.testing.assert_allclose(jv.data, 2 * x.data * v.data)


def test_a_primitive_whose_rule_detaches_its_incoming_gradient_is_caught(monkeypatch):
    original = ops.Exp.backward

    def detaching(self, g):
        return original(self, g.detach() if isinstance(g, ag.Tensor) else g)
    monkeypatch.setattr(ops.Exp, "backward", detaching)
    x = leaf([0.1, 0.7])
    assert ag.gradcheck(ag.exp, (x,))
    with pytest.raises(GradcheckError):
        ag.gradgradcheck(lambda t: ag.exp(t) * t, (x,))


def test_gradcheck_compares_an_output_without_graph_with_the_differences():
    x = leaf([0.5, 1.5])
    with pytest.raises(GradcheckError, match="output 1"):
        ag.gradcheck(lambda t: (t * 3, ag.tensor(t.data * 2)), (x,))
    assert ag.gradcheck(lambda t: (t * 3, ag.tensor(np.ones(2))), (x,))   # truly constant
