"""The engine reuses gradient buffers in place only where no one else can see them.

_accumulate keeps a leaf's first gradient array instead of copying it, and _add sums
two gradients of one node into the first one's buffer, each only when sys.getrefcount
shows that nothing but the engine holds the array (a Tensor or a view would hold
it). These tests build the graphs where a buffer *is* shared (the same gradient
handed to two inputs, a user's gradient, a view) and check that no value leaks from
one gradient into another; each fails if the ownership check is dropped.
"""
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd import Function


class FreshGrad(Function):
    """Identity whose backward returns a new array, remembered by a weak reference."""
    last = None

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, g):
        arr = np.array(g.data, copy=True)
        FreshGrad.last = weakref.ref(arr)
        return ag.Tensor(arr)


def test_leaf_takes_over_a_fresh_gradient_buffer():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    FreshGrad.apply(x).sum().backward()
    assert FreshGrad.last() is not None and x.grad.data is FreshGrad.last()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 1.0])


def test_one_gradient_handed_to_two_leaves_is_not_shared():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0], requires_grad=True)
    ((a + b) * 3.0).sum().backward()          # Add's backward returns the same g twice
    assert a.grad.data is not b.grad.data
    (a * 2.0).sum().backward()                # accumulates into a.grad in place
    np.testing.assert_array_equal(a.grad.data, [5.0, 5.0])
    np.testing.assert_array_equal(b.grad.data, [3.0, 3.0])


def test_users_gradient_is_copied_not_taken():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    gout = ag.tensor([10.0, 20.0])
    (x * 1.0).backward(gout * 1.0)            # a fresh array the user still holds
    given = ag.tensor([5.0, 5.0])
    y = x.reshape(2)
    y.backward(given)                         # Reshape hands on a view of `given`
    x2 = ag.tensor([1.0, 2.0], requires_grad=True)
    x2.backward(given)                        # a leaf root: the user's own Tensor
    (x2 * 1.0).backward(ag.tensor([1.0, 1.0]))
    np.testing.assert_array_equal(given.data, [5.0, 5.0])
    np.testing.assert_array_equal(x2.grad.data, [6.0, 6.0])
    np.testing.assert_array_equal(x.grad.data, [15.0, 25.0])


def test_view_of_a_gradient_is_copied():
    x = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    base = ag.tensor(np.arange(6.0))
    x.reshape(6).backward(base)               # x.grad would be a view of base's array
    assert x.grad.data.base is None or x.grad.data.base is not base.data
    x.reshape(6).backward(ag.tensor(np.ones(6)))
    np.testing.assert_array_equal(base.data, np.arange(6.0))


def test_pending_sum_never_writes_into_a_shared_gradient():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0], requires_grad=True)
    (((a + b) + a) * 1.0).sum().backward()    # a's two gradients are the same Tensor,
    np.testing.assert_array_equal(a.grad.data, [2.0, 2.0])   # also b's gradient
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_pending_sum_in_place_gives_the_right_values():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    (a * 2.0 + a * 3.0 + a.exp()).sum().backward()
    np.testing.assert_allclose(a.grad.data, 5.0 + np.exp([1.0, 2.0]))


def test_retained_intermediate_gradient_is_not_overwritten():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    h = a * 2.0
    h.retain_grad()
    (h * 3.0 + h * 4.0).sum().backward()
    np.testing.assert_array_equal(h.grad.data, [7.0, 7.0])
    np.testing.assert_array_equal(a.grad.data, [14.0, 14.0])


def test_pending_sum_never_writes_into_a_gradient_pending_elsewhere():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0], requires_grad=True)
    u, v = a * 1.0, b * 1.0
    # (u + v) runs first and leaves the same fresh Tensor pending for both u and v;
    # the gradient that reaches v next must not be added into that shared buffer.
    ((u * 2.0 + v * 3.0 + (u + v)) * 1.0).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.0])
    np.testing.assert_array_equal(b.grad.data, [4.0, 4.0])


class ShareGrad(Function):
    """Identity whose backward returns a new Tensor on the incoming gradient's array."""

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, g):
        return ag.Tensor(g.data)


def test_leaf_does_not_take_an_array_another_gradient_uses():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0], requires_grad=True)
    ((b + ShareGrad.apply(a)) * 1.0).sum().backward()   # a's first, b's array alive
    (a * 5.0).sum().backward()                # in place into a.grad
    np.testing.assert_array_equal(a.grad.data, [6.0, 6.0])
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_pending_sum_never_writes_into_an_array_a_retained_gradient_shares():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0], requires_grad=True)
    u = a * 1.0
    s = b + ShareGrad.apply(u)                # u's first gradient: s.grad's very array
    s.retain_grad()
    ((u * 2.0 + s) * 1.0).sum().backward()
    np.testing.assert_array_equal(s.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.0])


def test_pending_sum_never_writes_into_a_view():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    u = a * 1.0
    r = u.reshape(1, 2)                       # u's first gradient: a view of r.grad
    r.retain_grad()
    ((u * 2.0).sum() + (r * 1.0).sum()).backward()
    np.testing.assert_array_equal(r.grad.data, [[1.0, 1.0]])
    np.testing.assert_array_equal(a.grad.data, [3.0, 3.0])


# --- backward rules writing into the incoming gradient (graph.owns_buffer) -------------

def test_relu_backward_reuses_an_unshared_gradient_buffer():
    x = ag.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    FreshGrad.apply(x.relu()).sum().backward()        # relu gets FreshGrad's new array
    assert FreshGrad.last() is not None and x.grad.data is FreshGrad.last()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])


def test_relu_backward_leaves_a_retained_gradient_alone():
    x = ag.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    y = x.relu()
    y.retain_grad()
    (y * 2.0).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 2.0, 2.0])


def test_relu_backward_leaves_a_gradient_shared_with_another_input_alone():
    x = ag.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    u = x * 1.0
    ((u + u.relu()) * 1.0).sum().backward()           # Add hands the same g to u and relu
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0, 2.0])


def test_relu_backward_leaves_a_view_of_a_retained_gradient_alone():
    x = ag.tensor([-1.0, 2.0, 3.0, -4.0], requires_grad=True)
    y = x.relu()
    r = y.reshape(2, 2)                               # relu's g: a view of r.grad
    r.retain_grad()
    (r * 3.0).sum().backward()
    np.testing.assert_array_equal(r.grad.data, [[3.0, 3.0], [3.0, 3.0]])
    np.testing.assert_array_equal(x.grad.data, [0.0, 3.0, 3.0, 0.0])


def test_backward_rule_called_by_hand_never_writes_into_the_callers_gradient():
    x = ag.tensor([-1.0, 2.0], requires_grad=True)
    y = x.relu()
    g = ag.tensor([5.0, 5.0])
    with ag.no_grad():
        (gx,) = y.grad_fn.backward(g)
    np.testing.assert_array_equal(g.data, [5.0, 5.0])
    np.testing.assert_array_equal(gx.data, [0.0, 5.0])


def test_relu_backward_under_create_graph_stays_out_of_place():
    x = ag.tensor([-1.0, 2.0], dtype="float64", requires_grad=True)
    (gx,) = ag.grad((x.relu() * x).sum(), x, create_graph=True)   # d/dx = 2x for x > 0
    np.testing.assert_array_equal(gx.data, [0.0, 4.0])
    (ggx,) = ag.grad(gx.sum(), x)
    np.testing.assert_array_equal(ggx.data, [0.0, 2.0])


def test_relu_backward_leaves_an_array_another_gradient_uses_alone():
    x = ag.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    z = ShareGrad.apply(x.relu())                     # relu's g: a new Tensor on z.grad's array
    z.retain_grad()
    (z * 2.0).sum().backward()
    np.testing.assert_array_equal(z.grad.data, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 2.0, 2.0])


def test_with_the_ownership_proofs_off_nothing_is_reused_and_results_agree(monkeypatch):
    """On CPython >= 3.14 ownership.refcount says "shared" for everything:
    every gradient then takes the out-of-place path, with the same values."""
    from autograd import engine, ownership

    def run():
        x = ag.tensor([-1.0, 2.0, 3.0], requires_grad=True)
        u = x * 2.0
        FreshGrad.apply((u + u.relu() + x).relu()).sum().backward()
        return x.grad.data.copy(), x.grad.data is FreshGrad.last()

    expected, reused = run()
    assert reused                     # with the proofs on, x.grad is FreshGrad's array
    monkeypatch.setattr(ownership, "refcount", ownership._never_sole)
    monkeypatch.setattr(engine, "_refcount", ownership._never_sole)
    got, reused = run()
    assert not reused
    np.testing.assert_array_equal(got, expected)


# --- each named proof in ownership.py, at its boundary ----------------------------------
def test_owns_buffer_refuses_a_gradient_with_one_more_holder():
    """ownership.SOLE_IN_RULE: the references the engine's donation leaves, and no more
    (asked from inside a rule the engine calls, so the count follows its frames)."""
    from autograd import ownership
    seen = []
    orig = ag.ops.Relu.backward

    def rule(self, g):                    # as a backward rule: its parameter holds g
        alone = ownership.owns_buffer(g)
        extra = [g]                       # a hook or a view keeps it: not ours to write
        seen.append((alone, ownership.owns_buffer(g)))
        del extra
        return orig(self, g)

    x = ag.tensor([-1.0, 2.0], requires_grad=True)
    y = x.relu() * 1.0
    ag.ops.Relu.backward = rule
    try:
        y.sum().backward()
    finally:
        ag.ops.Relu.backward = orig
    assert seen == [(True, False)]
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])


def test_engine_donates_only_a_gradient_nothing_else_holds():
    """ownership.SOLE_IN_ENGINE_LOOP: a gradient a tensor hook kept is not donated."""
    from autograd.state import current
    donated = []
    orig = ag.ops.Relu.backward

    def spy(self, g):
        donated.append(current().donated is g)
        return orig(self, g)

    kept = []
    for keep in (False, True):
        x = ag.tensor([-1.0, 2.0], requires_grad=True)
        h = x.relu()
        y = h * 1.0
        if keep:
            h.register_hook(kept.append)  # the hook's Tensor still holds relu's gradient
        ag.ops.Relu.backward = spy
        try:
            y.sum().backward()
        finally:
            ag.ops.Relu.backward = orig
    assert donated == [True, False]
    np.testing.assert_array_equal(kept[0].data, [1.0, 1.0])


def test_accumulating_into_a_grad_that_a_graph_saved_is_seen_as_a_write():
    """ownership.SOLE_LEAF_GRAD: .grad's array saved by a graph, then accumulated into."""
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    z = ag.tensor([3.0, 4.0], requires_grad=True)
    (x * 1.0).sum().backward()
    y = (x.grad * z).sum()                # Mul saves x.grad's array for z's gradient
    (x * 1.0).sum().backward()            # adds into that array in place
    with pytest.raises(ag.GraphError, match="gradient accumulation into .grad"):
        y.backward()


def test_in_place_write_into_a_view_of_a_held_buffer_is_refused():
    """ownership.SOLE_VIEW_BASE: a graph tensor viewing an array the user holds (no view
    of gradgraph's records it, so other graph tensors may see it)."""
    held = np.zeros((2, 3))
    v = ag.from_numpy(held[0])
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v.copy_(x * 2)                        # v joins the graph, still held's memory
    with pytest.raises(ag.GraphError, match="shares its memory"):
        v.add_(1)
