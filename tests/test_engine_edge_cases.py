"""Edge cases of the engine found by an adversarial review: tensor hooks that change a
gradient's dtype or shape, non-Tensor arguments, leaf gradients under create_graph and
their in-place accumulation, in-place fills of non-finite values, int tensors with
Python numbers. Each of these once gave a wrong result or a crash."""
import numpy as np
import pytest

import autograd as ag

_REJECTED = (ag.GradgraphError, TypeError, ValueError)


def _grad_after_hook(make_y, hook, x):
    """x.grad after backward through y = make_y(x) with `hook` on y, or None if the
    engine rejects the hook's result (PyTorch raises: 'hook has changed the type/size')."""
    y = make_y(x)
    y.register_hook(hook)
    try:
        y.sum().backward()
    except _REJECTED:
        return None
    return x.grad


# --- tensor hooks and arguments ----------------------------------------------------------
@pytest.mark.parametrize("make_y", [lambda x: x * 3.0, lambda x: x.tanh(), lambda x: x + 1.0],
                         ids=["MulScalar", "Tanh", "AddScalar"])
def test_hook_returning_float64_on_same_shape_op_does_not_leak_into_float32_leaf(make_y):
    # same_shape lets the engine skip its dtype check, so a hook that changed the
    # gradient's dtype gave x.grad float64 for a float32 x; now the hook is refused.
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    g = _grad_after_hook(make_y, lambda g: g.double(), x)
    assert g is None or (g.dtype == x.dtype and g.shape == x.shape)


@pytest.mark.parametrize("hook_grad, shape", [(np.float64(2.0), (3,)),
                                              (np.ones((2, 1, 3)), (1, 3))],
                         ids=["0d-for-(3,)", "(2,1,3)-for-(1,3)"])
def test_hook_returning_other_shape_on_same_shape_op_does_not_give_wrong_shaped_grad(
        hook_grad, shape):
    # x.grad came out with shape () (resp. (2, 1, 3)) for x of shape (3,) (resp. (1, 3)).
    x = ag.tensor(np.ones(shape, np.float32), requires_grad=True)
    g = _grad_after_hook(lambda x: (x + 1.0).exp(), lambda g: ag.tensor(hook_grad), x)
    assert g is None or (g.shape == x.shape and g.dtype == x.dtype)


def test_same_hook_gives_same_grad_dtype_with_and_without_create_graph():
    grads = []
    for create_graph in (False, True):
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        y = x.sin()
        y.register_hook(lambda g: g.double())
        try:
            y.sum().backward(create_graph=create_graph)
        except _REJECTED:
            grads.append("rejected")
            continue
        grads.append(x.grad.dtype)
    assert grads[0] == grads[1]


@pytest.mark.parametrize("fn", [ag.exp, ag.relu, ag.tanh, ag.log, ag.sigmoid])
def test_elementwise_function_on_non_tensor_does_not_return_a_bare_array(fn):
    # apply1 runs the bare forward for any non-Tensor (backward rules use that): a user's
    # ndarray must get a clear error, not a bare array without graph.
    try:
        out = fn(np.array([1.0, 2.0]))
    except _REJECTED:
        return
    assert isinstance(out, ag.Tensor)


# --- leaf .grad under create_graph, in-place accumulation ---------------------------------
def test_create_graph_grads_of_two_leaves_are_not_one_shared_tensor():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0], requires_grad=True)
    gout = ag.tensor([1.0, 1.0])
    (a + b).backward(gout, create_graph=True)   # a.grad is b.grad is gout (no clone)
    (a * 1.0).sum().backward()                  # in place into a.grad's buffer
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(gout.data, [1.0, 1.0])


def test_plain_backward_after_create_graph_backward_accumulates():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.sum().backward(create_graph=True)         # x.grad is a read-only broadcast view
    x.sum().backward()                          # ValueError: output array is read-only
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_plain_backward_after_create_graph_backward_0d():
    x = ag.tensor(2.0, requires_grad=True)
    (x * 2.0).backward(create_graph=True)       # x.grad.data was a numpy scalar
    (x * 2.0).backward()                        # TypeError: return arrays must be ArrayType
    assert float(x.grad.data) == 4.0


def test_inplace_grad_accumulation_is_seen_by_graphs_that_saved_the_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([1.0, 1.0], requires_grad=True)
    (x * 3.0).sum().backward()
    pen = (x.grad * w).sum()                    # Mul saves x.grad's array for dw
    (x * 2.0).sum().backward()                  # += into that array, no version bump
    try:
        pen.backward()
    except ag.GradgraphError:
        return                                  # PyTorch: "modified by an inplace operation"
    np.testing.assert_array_equal(w.grad.data, [3.0, 3.0])   # got [5, 5] silently


# --- in-place fills, int tensors with Python numbers -------------------------------------
@pytest.mark.parametrize("op", ["zero_", "fill_", "copy_"])
def test_inplace_fill_ops_on_nonfinite_values(op):
    t = ag.tensor([np.inf, np.nan, 1.0])
    if op == "zero_":
        t.zero_()
        expected = [0.0, 0.0, 0.0]
    elif op == "fill_":
        t.fill_(3.0)
        expected = [3.0, 3.0, 3.0]
    else:
        t.copy_(ag.tensor([1.0, 1.0, 1.0]))
        expected = [1.0, 1.0, 1.0]
    np.testing.assert_array_equal(t.data, expected)   # x * 0 + v gives NaN at inf/NaN


def test_python_float_minus_int_tensor_is_default_float():
    assert (2.5 - ag.tensor([1, 2])).dtype == np.float32     # RSub gives float64


def test_a_hook_that_changes_the_dtype_is_refused_with_a_clear_error():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    y.register_hook(lambda g: g.double())
    with pytest.raises(ag.GraphError, match=r"Mul: a tensor hook changed its gradient from "
                                            r"shape \(2,\) \(float32\) to shape \(2,\) \(float64\)"):
        y.sum().backward()


@pytest.mark.parametrize("zero", ["optimizer", "module"])
def test_zero_grad_in_place_is_seen_by_graphs_that_saved_the_grad(zero):
    import nn
    model = nn.Linear(2, 1)
    model(ag.tensor([[1.0, 2.0]])).sum().backward()
    penalty = (model.weight.grad * model.weight).sum()      # saves the grad's array
    if zero == "optimizer":
        nn.optim.SGD(model.parameters(), lr=0.1).zero_grad(set_to_none=False)
    else:
        model.zero_grad(set_to_none=False)
    with pytest.raises(ag.GraphError, match="modified by zero_grad"):
        penalty.backward()
