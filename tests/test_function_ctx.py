"""A custom Function's ctx: mark_non_differentiable, set_materialize_grads and
mark_dirty behave as in PyTorch (compared with torch.autograd.Function where it runs)."""
import numpy as np
import pytest

import autograd as ag
from autograd.errors import GraphError


def leaf(values):
    return ag.tensor(values, dtype="float64", requires_grad=True)


def sort_fn(base):
    """PyTorch's documented example: sort returns values and (non-differentiable) indices."""
    class Sort(base.Function):
        @staticmethod
        def forward(ctx, x):
            idx = np.argsort(np.asarray(x.detach().numpy() if hasattr(x, "numpy") else x.data))
            vals = x[idx.tolist()] if base is ag else x[torch_module().as_tensor(idx)]
            idx_t = (ag.tensor(idx) if base is ag else torch_module().as_tensor(idx))
            ctx.mark_non_differentiable(idx_t)
            ctx.save_for_backward(idx_t)
            ctx.n = x.shape[0]
            return vals, idx_t

        @staticmethod
        def backward(ctx, g_vals, g_idx):
            seen.append(g_idx)
            (idx,) = ctx.saved_tensors
            out = np.zeros(ctx.n)
            out[np.asarray(idx.tolist())] = np.asarray(g_vals.tolist())
            return ag.tensor(out) if base is ag else torch_module().as_tensor(out)
    seen = []
    return Sort, seen


def torch_module():
    return pytest.importorskip("torch")


def test_mark_non_differentiable_output_has_no_grad_and_backward_gets_zeros():
    Sort, seen = sort_fn(ag)
    x = leaf([3.0, 1.0, 2.0])
    vals, idx = Sort.apply(x)
    assert vals.requires_grad and not idx.requires_grad and idx.grad_fn is None
    (vals * ag.tensor([1.0, 10.0, 100.0], dtype="float64")).sum().backward()
    np.testing.assert_allclose(x.grad.data, [100.0, 1.0, 10.0])
    assert len(seen) == 1 and np.all(seen[0].data == 0)        # materialized zeros

    torch = torch_module()
    TSort, tseen = sort_fn(torch.autograd)
    tx = torch.tensor([3.0, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
    tv, ti = TSort.apply(tx)
    assert tv.requires_grad and not ti.requires_grad
    (tv * torch.tensor([1.0, 10.0, 100.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())
    assert np.all(tseen[0].numpy() == 0)


def test_single_non_differentiable_output_is_not_recorded():
    class Sign(ag.Function):
        @staticmethod
        def forward(ctx, x):
            out = x.sign()
            ctx.mark_non_differentiable(out)
            return out

        @staticmethod
        def backward(ctx, g):
            raise AssertionError("never called")

    y = Sign.apply(leaf([-2.0, 3.0]))
    assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_allclose(y.data, [-1.0, 1.0])


def two_outputs(base, materialize):
    class Two(base.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1 is None, g2 is None))
            g = 0
            if g1 is not None:
                g = g + 2 * g1
            if g2 is not None:
                g = g + 3 * g2
            return g
    seen = []
    return Two, seen


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads(materialize):
    Two, seen = two_outputs(ag, materialize)
    x = leaf([1.0, 2.0])
    a, _ = Two.apply(x)
    a.sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])
    assert seen == [(False, not materialize)]

    torch = torch_module()
    TTwo, tseen = two_outputs(torch.autograd, materialize)
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    TTwo.apply(tx)[0].sum().backward()
    assert tseen == seen
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())


def add_one_(base):
    class AddOne(base.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5                  # deliberately not 1: shows this rule ran
    return AddOne


def test_mark_dirty_returns_the_input_with_new_history():
    AddOne = add_one_(ag)
    x = leaf([1.0, 2.0])
    h = x * 2
    y = AddOne.apply(h)
    assert y is h and h.grad_fn.name == "AddOne"
    np.testing.assert_allclose(h.data, [3.0, 5.0])
    (h * h).sum().backward()
    torch = torch_module()
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    th = tx * 2
    ty = add_one_(torch.autograd).apply(th)
    assert ty is th
    (th * th).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())    # 2 * h * 5 * 2
    np.testing.assert_allclose(x.grad.data, [60.0, 100.0])


def test_mark_dirty_invalidates_earlier_users_of_the_buffer():
    AddOne = add_one_(ag)
    x = leaf([1.0, 2.0])
    h = x * 2
    z = h * h                              # saved h's old values
    AddOne.apply(h)
    with pytest.raises(GraphError, match="modified by AddOne"):
        z.sum().backward()


def test_mark_dirty_refuses_a_leaf_that_requires_grad():
    with pytest.raises(GraphError, match="AddOne.*leaf tensor that requires grad"):
        add_one_(ag).apply(leaf([1.0]))
    x = leaf([1.0])
    with ag.no_grad():                   # as an optimizer's update: allowed
        y = add_one_(ag).apply(x)
    assert y is x and x.grad_fn is None and x.requires_grad
    np.testing.assert_allclose(x.data, [2.0])


def test_mark_dirty_of_a_tensor_not_returned_is_an_error():
    class Forgets(ag.Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(GraphError, match="Forgets.*marked dirty was not returned"):
        Forgets.apply(leaf([1.0]) * 1)
