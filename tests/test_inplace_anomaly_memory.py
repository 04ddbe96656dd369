"""In-place safety, NaN/Inf anomaly detection, numerically safe ops, and memory that
is freed without the cycle collector."""
import gc
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd import AnomalyError, GraphError
from autograd.node import RAN


def leaf(values):
    return ag.tensor(np.asarray(values, dtype="float64"), requires_grad=True)


# --- in place ----------------------------------------------------------------------------
def test_safe_inplace_ops_are_differentiable():
    a = leaf([1.0, 2.0, 3.0])
    x = a * 2
    x[0] = 0.0
    x += 1
    x *= 3
    x.sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.0, 6.0, 6.0])


def test_setitem_with_tensor_value_gets_gradient():
    a, v = leaf([1.0, 2.0, 3.0, 4.0]), leaf([10.0])
    x = a * 1
    x[1:3] = v * 2
    (x * ag.tensor([1.0, 2.0, 3.0, 4.0], dtype="float64")).sum().backward()
    np.testing.assert_allclose(a.grad.data, [1.0, 0.0, 0.0, 4.0])
    np.testing.assert_allclose(v.grad.data, [2.0 * (2.0 + 3.0)])


def test_inplace_views_see_the_write():
    x = ag.zeros(2, 3)
    row = x[0]
    x += 1.0
    np.testing.assert_allclose(row.data, 1.0)


def test_modified_saved_tensor_raises_naming_both_ops_and_versions():
    a = leaf([1.0, 2.0])
    y = a.exp()                      # Exp saves its output y
    z = (y * 3).sum()
    y.mul_(2)                        # ...which is then modified in place
    with pytest.raises(GraphError, match=r"Exp: a tensor of shape \(2,\) \(float64\) that this "
                                         r"op saved for backward was modified by mul_ after it "
                                         r"was saved \(saved at version \d+, modified at version "
                                         r"\d+\)"):
        z.backward()


def test_writes_through_views_of_graph_tensors_reach_the_gradient():
    """(They were refused; tests/test_view_writes.py holds them to PyTorch.)"""
    a = leaf([1.0, 2.0, 3.0, 4.0])
    for write, grad in ((lambda h: h.view(2, 2).__setitem__(0, 5.0), [0, 0, 6, 8]),
                        (lambda h: h[1:].mul_(3), [2, 36, 54, 72]),
                        (lambda h: h.T.__setitem__(0, 0.0), [0, 4, 6, 8])):
        a.grad = None
        h = a * 1
        write(h)
        (h * h).sum().backward()
        np.testing.assert_allclose(a.grad.data, grad)
    a.grad = None
    h = a * 1
    v = h[:2]                        # a live view of h takes h's write
    h.mul_(2)
    (v * v).sum().backward()
    np.testing.assert_allclose(a.grad.data, [8.0, 16.0, 0.0, 0.0])
    a.grad = None
    y = (a * 1).reshape(2, 2)        # a view of a buffer nothing else holds
    y[0] = 0.0
    (y * 2).sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.0, 0.0, 2.0, 2.0])


def test_item_inplace_idiom_and_copy_into_a_plain_tensor():
    counts = ag.zeros(4)
    counts[0] += 1
    counts[1:3] += 1
    np.testing.assert_allclose(counts.data, [1.0, 1.0, 1.0, 0.0])
    x = leaf([1.0, 2.0])
    y = ag.zeros(2, dtype="float64")
    y.copy_(x * 2)                   # y joins x's graph, as in PyTorch
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.data, [8.0, 16.0])


def test_inplace_on_leaf_requiring_grad_is_an_error_outside_no_grad():
    w = leaf([1.0, 2.0])
    with pytest.raises(GraphError, match=r"leaf tensor that requires grad \(shape \(2,\)\).*no_grad"):
        w += 1
    with ag.no_grad():
        w -= 0.5                    # the optimizer case
    np.testing.assert_allclose(w.data, [0.5, 1.5])
    assert w.requires_grad and w.is_leaf


def test_inplace_helpers():
    x = ag.tensor([-2.0, 0.5, 3.0])
    x.clamp_(-1.0, 1.0)
    np.testing.assert_allclose(x.data, [-1.0, 0.5, 1.0])
    x.fill_(7.0)
    np.testing.assert_allclose(x.data, 7.0)
    x.zero_()
    np.testing.assert_allclose(x.data, 0.0)
    x.copy_(ag.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.data, [1.0, 2.0, 3.0])
    x.add_(1.0).mul_(2.0).div_(4.0).sub_(1.0)
    np.testing.assert_allclose(x.data, [0.0, 0.5, 1.0])


def test_inplace_shape_change_is_an_error():
    x = ag.zeros(3)
    with pytest.raises(ag.ShapeError, match=r"shape \(2, 3\).*tensor of shape \(3,\) in place"):
        x += ag.ones(2, 3)


# --- anomaly -----------------------------------------------------------------------------
def test_detect_anomaly_forward_names_op_inputs_and_line():
    x = leaf([1.0, -1.0])
    with ag.detect_anomaly():
        with pytest.raises(AnomalyError, match=r"Log: forward produced 1 NaN and 0 Inf values.*"
                                               r"inputs: \(2,\) float64 \[min -1, max 1.*"
                                               r"test_inplace_anomaly_memory.py:\d+"):
            x.log()


def test_detect_anomaly_backward_names_op_and_forward_line():
    x = leaf([0.0, 1.0])
    with ag.detect_anomaly():
        y = x.sqrt().sum()           # finite forward, infinite gradient at 0
        with pytest.raises(AnomalyError, match=r"PowBackward produced 0 NaN and 1 Inf.*"
                                               r"created at test_inplace_anomaly_memory.py:"):
            y.backward()


def test_anomaly_off_by_default_and_restored():
    assert not ag.is_anomaly_enabled()
    with ag.detect_anomaly():
        assert ag.is_anomaly_enabled()
    assert not ag.is_anomaly_enabled()
    leaf([-1.0]).log()             # no error: NaN passes silently, as in numpy


@pytest.mark.parametrize("fn", [
    lambda x: ag.log_softmax(x, dim=0).sum(),
    lambda x: ag.logsumexp(x, dim=0),
    lambda x: ag.sigmoid(x).sum(),
    lambda x: ag.softplus(x).sum(),
    lambda x: ag.softmax(x, dim=0)[0],
])
def test_ops_are_finite_at_plus_minus_1000(fn):
    for dtype in ("float32", "float64"):
        x = ag.tensor(np.array([1000.0, -1000.0, 0.0], dtype=dtype), requires_grad=True)
        with ag.detect_anomaly():
            y = fn(x)
            y.backward()
        assert np.isfinite(y.data).all() and np.isfinite(x.grad.data).all()


def test_where_gives_exact_zeros_to_the_unselected_branch_and_double_where():
    x = leaf([-1.0, 4.0])
    naive = ag.where(x.data > 0, x.sqrt(), 0.0)   # sqrt(-1) is NaN: 0 * NaN = NaN
    naive.sum().backward()
    assert np.isnan(x.grad.data[0])
    x.grad = None
    safe = ag.where(x.data > 0, ag.where(x.data > 0, x, 1.0).sqrt(), 0.0)
    safe.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.25])


# --- memory and scale ----------------------------------------------------------------------
def test_graph_is_freed_without_the_cycle_collector():
    gc.disable()
    try:
        for do_backward in (False, True):
            x = leaf(np.ones(100))
            h1 = x * 2
            h2 = h1.exp()
            loss = (h2 * h1).sum()
            refs = [weakref.ref(t.data) for t in (h1, h2)]
            del h1, h2
            assert all(r() is not None for r in refs)     # the graph keeps the saved arrays
            if do_backward:
                loss.backward()
            del loss
            assert all(r() is None for r in refs)
    finally:
        gc.enable()


def test_backward_releases_saved_buffers():
    x = leaf(np.ones(10))
    y = x.exp()
    z = (y * y).sum()
    node = z.grad_fn
    z.backward()
    # y * y's saved arrays freed; sum saved nothing, which stays runnable (node.RAN)
    assert node.parents[0].saved is None and node.saved is RAN
    assert node.shape == () and node.parents[0].shape == (10,)   # structure kept for viz


def test_fan_in_of_100k_scalars():
    xs = [ag.tensor(float(i), dtype="float64", requires_grad=True) for i in range(100_000)]
    total = sum(xs)                         # a 100,000-deep chain of adds
    total.backward()
    assert xs[0].grad.item() == 1.0 and xs[-1].grad.item() == 1.0
    s = ag.stack(xs).sum()                  # and one node with 100,000 parents
    s.backward()
    assert xs[5].grad.item() == 2.0


def test_graph_reused_for_10k_backward_calls():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    for _ in range(10_000):
        y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.data, 10_000 * 2 * x.data)


def test_training_loop_does_not_grow_in_memory():
    import resource
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((64, 64)) * 0.1, requires_grad=True)
    x = ag.tensor(rng.standard_normal((32, 64)))

    def step():
        loss = ((x @ w).tanh() @ w).relu().mean()
        loss.backward()
        with ag.no_grad():
            w.sub_(0.01 * w.grad)
        w.grad = None

    gc.disable()
    try:
        for _ in range(50):
            step()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        live_before = len(gc.get_objects())
        for _ in range(400):
            step()
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        live_after = len(gc.get_objects())
    finally:
        gc.enable()
    assert after - before < 5_000           # KiB; a leak of one 16 KiB graph per step is 6 MB
    assert live_after - live_before < 100
