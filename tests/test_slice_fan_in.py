"""A parent sliced several times (q, k, v of one projection; unbind, split, chunk):
the engine adds each basic-index getitem's gradient into the slice of the parent's
pending gradient (engine._add_into_pending) instead of making a parent-sized zero
array per slice and adding those. Values against PyTorch, the path taken, and the
cases where the buffer must not be written (ownership.SOLE_PENDING)."""
import numpy as np
import pytest

import autograd as ag
from autograd import engine, ops
from test_perf_safety import ShareGrad


def _graph(lib, x):
    """Overlapping and disjoint slices, unbind, split, ints, a reversed stride, None and
    Ellipsis, of one non-leaf parent that also has a whole-tensor consumer."""
    u = x * x.exp()
    q, k, v = u.chunk(3, dim=2)
    a, b = u.unbind(0)
    s0, s1 = u.split([1, 5], dim=2)
    out = ((q * k).sum() + v.exp().sum() + (a * 2.0).sum() + (b[1:, :3] ** 2).sum()
           + (s1 * 0.5).sum() + s0.sin().sum() + (u[:, 1:3, 2:5] * u[:, 0:2, 1:4]).sum()
           + (u[..., 1::2] * 3.0).sum() + u[None, 1, 2].sum() + (u * u).sum())
    return u, out


def _torch_grads(xd):
    torch = pytest.importorskip("torch")
    x = torch.tensor(xd, requires_grad=True)
    _, out = _graph(torch, x)
    (gx,) = torch.autograd.grad(out, x, create_graph=True)
    (ggx,) = torch.autograd.grad((gx * gx).sum(), x)
    return gx.detach().numpy(), ggx.numpy()


def _count_adds(monkeypatch):
    """Count the slice adds done in place and the getitem rules that still ran."""
    counts = {"in_place": 0, "index_add": 0}
    add_into = engine._add_into_pending       # (a spy on _add_at would hold the buffer)
    forward = ops.IndexAdd.forward

    def spy_add_into(*args):
        done = add_into(*args)
        counts["in_place"] += done
        return done

    def spy_forward(self, *args):
        counts["index_add"] += 1
        return forward(self, *args)

    monkeypatch.setattr(engine, "_add_into_pending", spy_add_into)
    monkeypatch.setattr(ops.IndexAdd, "forward", spy_forward)
    return counts


XD = np.random.default_rng(3).standard_normal((2, 4, 6))


def test_many_slices_of_one_parent_match_torch_and_skip_the_zero_arrays(monkeypatch):
    gx, _ = _torch_grads(XD)
    counts = _count_adds(monkeypatch)
    x = ag.tensor(XD, requires_grad=True)
    _, out = _graph(ag, x)
    out.backward()
    np.testing.assert_allclose(x.grad.data, gx, rtol=1e-12, atol=1e-12)
    # 11 slices of u, each added in place (u * u's gradient reaches u first); b[1:, :3]
    # is b's only consumer, so its rule runs as before
    assert counts == {"in_place": 11, "index_add": 1}


def test_second_order_and_create_graph_match_torch():
    gx, ggx = _torch_grads(XD)
    x = ag.tensor(XD, requires_grad=True)
    _, out = _graph(ag, x)
    (g,) = ag.grad(out, x, create_graph=True)
    np.testing.assert_allclose(g.data, gx, rtol=1e-12, atol=1e-12)
    (gg,) = ag.grad((g * g).sum(), x)
    np.testing.assert_allclose(gg.data, ggx, rtol=1e-11, atol=1e-11)


def test_retain_graph_twice_gives_the_same_gradient_twice():
    gx, _ = _torch_grads(XD)
    x = ag.tensor(XD, requires_grad=True)
    _, out = _graph(ag, x)
    out.backward(retain_graph=True)
    first = x.grad.data.copy()
    out.backward()
    np.testing.assert_allclose(first, gx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad.data, 2 * gx, rtol=1e-12, atol=1e-12)
    with pytest.raises(ag.GraphError, match="second time"):
        out.backward()


def test_hooks_on_the_parent_and_on_a_slice():
    x = ag.tensor(XD, requires_grad=True)
    u = x * 1.0
    seen = []
    u.register_hook(lambda g: seen.append(g.data.copy()))
    u.retain_grad()
    a, b = u.unbind(0)
    b.register_hook(lambda g: g * 10.0)          # replaces the slice's gradient
    ((a * 2.0).sum() + (b * 3.0).sum() + u[:, :2].sum() + (u * 1.0).sum()).backward()
    want = np.ones_like(XD)
    want[0] += 2.0
    want[1] += 30.0
    want[:, :2] += 1.0
    np.testing.assert_array_equal(seen[0], want)  # the parent's hook: the whole sum
    np.testing.assert_array_equal(u.grad.data, want)
    np.testing.assert_array_equal(x.grad.data, want)


def test_a_leaf_sliced_several_times_accumulates_into_its_grad():
    x = ag.tensor(XD, requires_grad=True)
    (x * 2.0).sum().backward()
    q, k, v = x.chunk(3, dim=2)
    (q.sum() + (k * 2.0).sum() + x[0, 1:3].sum() + (x * 1.0).sum()).backward()
    want = np.full(XD.shape, 3.0)
    want[..., 0:2] += 1.0
    want[..., 2:4] += 2.0
    want[0, 1:3] += 1.0
    np.testing.assert_array_equal(x.grad.data, want)


def test_float32_and_a_single_element_slice():
    x = ag.tensor(XD.astype(np.float32), requires_grad=True)
    u = x * 1.0
    (u[0, 0, 0] * 5.0 + u[1, 2].sum() + u[..., 3].sum() + (u * 1.0).sum()).backward()
    want = np.ones(XD.shape, np.float32)
    want[0, 0, 0] += 5.0
    want[1, 2] += 1.0
    want[..., 3] += 1.0
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, want)


def test_slice_add_never_writes_into_a_gradient_pending_elsewhere():
    """ownership.SOLE_PENDING at _add_at: (u + v) leaves the same array pending for u
    and v; a slice of u must not be added into it (v would see it)."""
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0], requires_grad=True)
    u, v = a * 1.0, b * 1.0
    ((u[0:1] * 2.0).sum() + (v * 3.0).sum() + ((u + v) * 1.0).sum()).backward()
    np.testing.assert_array_equal(a.grad.data, [3.0, 1.0])
    np.testing.assert_array_equal(b.grad.data, [4.0, 4.0])


def test_slice_add_never_writes_into_a_retained_gradient_or_a_view():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([1.0, 2.0], requires_grad=True)
    u = a * 1.0
    s = b + ShareGrad.apply(u)                # u's first gradient: s.grad's very array
    s.retain_grad()
    ((u[1:] * 2.0).sum() + (s * 1.0).sum()).backward()
    np.testing.assert_array_equal(s.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(a.grad.data, [1.0, 3.0])

    c = ag.tensor([1.0, 2.0], requires_grad=True)
    w = c * 1.0
    r = w.reshape(1, 2)                       # w's first gradient: a view of r.grad
    r.retain_grad()
    ((w[:1] * 2.0).sum() + (r * 1.0).sum()).backward()
    np.testing.assert_array_equal(r.grad.data, [[1.0, 1.0]])
    np.testing.assert_array_equal(c.grad.data, [3.0, 1.0])


def test_with_the_proof_off_the_usual_path_gives_the_same_gradient(monkeypatch):
    from autograd import ownership
    x = ag.tensor(XD, requires_grad=True)
    _, out = _graph(ag, x)
    out.backward()
    expected = x.grad.data.copy()
    counts = _count_adds(monkeypatch)
    monkeypatch.setattr(engine, "_refcount", ownership._never_sole)
    x.grad = None
    _, out = _graph(ag, x)
    out.backward()
    assert counts["in_place"] == 0 and counts["index_add"] == 12
    np.testing.assert_array_equal(x.grad.data, expected)


def test_heads_split_of_a_permuted_projection_sends_a_contiguous_gradient(monkeypatch):
    """q, k, v of GPT's (B, T, 3, H, D) projection seen as (3, B, H, T, D): getitem's
    zeros take the view's layout (ops/shapes.py's _zeros), so the permutation's backward gives a
    C-contiguous array and the reshape after it copies nothing."""
    counts = _count_adds(monkeypatch)
    xd = np.random.default_rng(4).standard_normal((2, 3, 12)).astype(np.float32)
    x = ag.tensor(xd, requires_grad=True)
    seen = []
    w = x * 1.0
    w.register_hook(lambda g: seen.append(g.data.flags.c_contiguous))
    qkv = w.reshape(2, 3, 3, 2, 2).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    ((q * 1.0).sum() + (k * 2.0).sum() + (v * 3.0).sum()).backward()
    assert counts == {"in_place": 2, "index_add": 1} and seen == [True]
    want = np.repeat(np.array([1.0, 2.0, 3.0], np.float32), 4)
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(want, xd.shape))


class TransposedGrad(ag.Function):
    """Identity whose backward returns a transpose of an array it keeps."""
    kept = []

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, g):
        buf = np.array(g.data.T, copy=True)
        TransposedGrad.kept.append(buf)
        return ag.Tensor(buf.T)


def test_slice_add_never_writes_into_a_transpose_of_an_array_held_elsewhere():
    """ownership.SOLE_VIEW_BASE at _add_at: the pending gradient is a transpose whose
    base another holder keeps; a slice's gradient must not be added into it."""
    TransposedGrad.kept.clear()
    x = ag.tensor(np.zeros((3, 4)), requires_grad=True)
    u = x * 1.0
    ((u[1:] * 2.0).sum() + (TransposedGrad.apply(u) * 1.0).sum()).backward()
    np.testing.assert_array_equal(TransposedGrad.kept[0], np.ones((4, 3)))
    np.testing.assert_array_equal(x.grad.data, [[1.0] * 4, [3.0] * 4, [3.0] * 4])
