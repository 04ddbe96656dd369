"""autograd.override_backward: a per-thread, scoped replacement of an op's backward rule."""
import threading

import numpy as np
import pytest

import autograd as ag
from autograd import ops


def _twice(node, grad, inputs, output):
    return (grad * 2.0,)


def test_rule_applies_to_ops_recorded_inside_only():
    x = ag.tensor([-1.0, 2.0], dtype=ag.float64, requires_grad=True)
    with ag.override_backward({ops.Relu: _twice}):
        inside = x.relu().sum()
    outside = x.relu().sum()
    (g_in,) = ag.grad(inside, x)
    (g_out,) = ag.grad(outside, x)
    np.testing.assert_array_equal(g_in.data, [2.0, 2.0])     # the rule, not the mask
    np.testing.assert_array_equal(g_out.data, [0.0, 1.0])


def test_rule_sees_forward_inputs_and_output_and_can_call_the_default():
    seen = {}

    def rule(node, grad, inputs, output):
        seen["in"], seen["out"] = inputs, output
        (default,) = node.backward(grad)
        return (default * 3.0,)

    x = ag.tensor([0.5, -2.0], dtype=ag.float64, requires_grad=True)
    with ag.override_backward({ops.Tanh: rule}):
        y = x.tanh().sum()
    (g,) = ag.grad(y, x)
    np.testing.assert_array_equal(seen["in"][0], x.data)
    np.testing.assert_array_equal(seen["out"], np.tanh(x.data))
    np.testing.assert_allclose(g.data, 3.0 * (1 - np.tanh(x.data) ** 2))


def test_table_removed_when_the_block_raises_and_nesting_merges():
    x = ag.tensor([1.0], dtype=ag.float64, requires_grad=True)
    with pytest.raises(KeyError):
        with ag.override_backward({ops.Exp: _twice}):
            raise KeyError("boom")
    (g,) = ag.grad(x.exp().sum(), x)
    np.testing.assert_allclose(g.data, np.e)
    with ag.override_backward({ops.Exp: _twice}):
        with ag.override_backward({ops.Tanh: _twice}):
            y = x.exp() + x.tanh()
        z = x.exp()
    (g1,) = ag.grad(y.sum(), x)
    (g2,) = ag.grad(z.sum(), x)
    np.testing.assert_allclose(g1.data, [4.0])
    np.testing.assert_allclose(g2.data, [2.0])
    s = ag.state.current()
    assert not s.debug and s.backward_rules is None


def test_other_threads_are_unaffected():
    x = ag.tensor([1.0, -1.0], dtype=ag.float64, requires_grad=True)
    started, done, result = threading.Event(), threading.Event(), {}

    def other():
        started.wait()
        (g,) = ag.grad(x.relu().sum(), x)
        result["g"] = g.data
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with ag.override_backward({ops.Relu: _twice}):
        started.set()
        done.wait(10)
        y = x.relu().sum()
    t.join()
    np.testing.assert_array_equal(result["g"], [1.0, 0.0])
    np.testing.assert_array_equal(ag.grad(y, x)[0].data, [2.0, 2.0])


def test_a_rule_returning_the_wrong_dtype_is_cast_and_wrong_shape_refused():
    x = ag.tensor([1.0, 2.0], dtype=ag.float32, requires_grad=True)
    with ag.override_backward({ops.Exp: lambda n, g, i, o: (np.ones(2, np.float64),)}):
        y = x.exp().sum()
    (g,) = ag.grad(y, x)
    assert g.dtype == np.float32
    with ag.override_backward({ops.Exp: lambda n, g, i, o: (np.ones(3),)}):
        y = x.exp().sum()
    with pytest.raises(ag.ShapeError):
        ag.grad(y, x)
