"""Numerical first- and second-order gradient checks, float64, over the op table;
and float32 preservation of every output and gradient."""
import numpy as np
import pytest

import autograd as ag
from op_table import OPS
from viz.walk import topological_order


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_gradcheck(op):
    assert ag.gradcheck(op.fn, op.inputs())


@pytest.mark.parametrize("op", [o for o in OPS if o.second_order], ids=repr)
def test_gradgradcheck(op):
    assert ag.gradgradcheck(op.fn, op.inputs())


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_array_and_tensor_modes_of_each_rule_agree(op):
    """A first-order backward runs the rules on bare arrays, create_graph on Tensors:
    the same rule, so the gradients must be the same to the last bit."""
    xs = op.inputs()
    seed = ag.tensor(np.random.default_rng(3).standard_normal(op.fn(*xs).shape))
    plain = ag.grad(op.fn(*xs), xs, seed, allow_unused=True)
    recorded = ag.grad(op.fn(*xs), xs, seed, allow_unused=True, create_graph=True)
    for a, b in zip(plain, recorded):
        assert (a is None) == (b is None), op.name
        if a is not None:
            assert type(a) is ag.Tensor and a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_same_shape_ops_return_their_inputs_shape_and_dtype(op):
    """The engine skips its shape/dtype check after ops flagged `same_shape`: check the
    flag's claim on every such node of every op-table graph, both dtypes."""
    for dtype in (np.float64, np.float32):
        out = op.fn(*op.inputs(dtype=dtype))
        # a same_shape node takes its shape and dtype from its input's node
        assert (out.grad_fn.shape, out.grad_fn.dtype) == (out.data.shape, out.data.dtype)
        for node in topological_order([out.grad_fn]):
            if node.same_shape:
                (parent,) = node.parents
                g = np.ones(node.shape, node.dtype)
                with ag.no_grad():
                    (gx,) = node.backward(g)
                assert (gx.shape, gx.dtype) == (parent.shape, parent.dtype), node.name


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_float32_stays_float32(op):
    xs = op.inputs(dtype=np.float32)
    out = op.fn(*xs)
    assert out.dtype == np.float32, op.name
    out.sum().backward()
    for x in xs:
        assert x.grad is None or x.grad.dtype == np.float32, op.name


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_float32_close_to_float64(op):
    x64 = op.inputs(dtype=np.float64)
    x32 = op.inputs(dtype=np.float32)
    np.testing.assert_allclose(op.fn(*x32).data, op.fn(*x64).data, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("op", [o for o in OPS if o.second_order][::7], ids=repr)
def test_second_order_float32(op):
    xs = op.inputs(dtype=np.float32)
    gs = ag.grad(op.fn(*xs).sum(), xs, create_graph=True, allow_unused=True)
    total = sum((g * g).sum() for g in gs if g is not None and g.requires_grad)
    if isinstance(total, ag.Tensor):
        assert total.dtype == np.float32
        for g2 in ag.grad(total, xs, allow_unused=True):
            assert g2 is None or g2.dtype == np.float32


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_jvp_matches_central_differences(op):
    """functional.jvp (the vjp of a vjp, so it differentiates every rule with respect
    to its incoming gradient) against (f(x + eps v) - f(x - eps v)) / 2 eps."""
    inputs = op.inputs()
    rng = np.random.default_rng(3)
    vs = tuple(ag.tensor(rng.standard_normal(x.shape)) for x in inputs)
    out, jv = ag.functional.jvp(op.fn, tuple(inputs), vs)
    eps = 1e-6
    shifted = []
    for sign in (1, -1):
        xs = [ag.tensor(x.data + sign * eps * v.data) for x, v in zip(inputs, vs)]
        shifted.append(op.fn(*xs).data.astype(np.float64))
    numerical = (shifted[0] - shifted[1]) / (2 * eps)
    assert jv.shape == out.shape
    np.testing.assert_allclose(jv.data, numerical, atol=1e-5, rtol=1e-3)
