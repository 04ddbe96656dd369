"""In-place writes that views see (autograd/views.py), held to PyTorch: a write through a
view gives the viewed tensor a CopySlices node, a write into a tensor moves its live views
onto the new node, and the gradients are PyTorch's, checked numerically to second order.
Before, all of these were refused, and two were silently wrong: a write through a view of
a plain tensor left it out of the graph, and a view made under no_grad wrote into a graph
tensor unseen."""
import numpy as np
import pytest

import autograd as ag
from autograd.errors import GraphError


def _imul_row(y, w):
    y[0] *= w[0]                       # Python's y.__setitem__(0, y[0].__imul__(w[0]))
    return y


def _base_written_while_views_live(y, w):
    v, t = y[1:], y.t()
    y.mul_(w[0])
    return v.sum() * 2 + (t[0] * t[1]).sum()     # both views see the write


def _overlapping_views(y, w):
    a, b = y[0:2], y[1:3]
    a.mul_(w[0])
    return (b * b).sum() + y.sum()


def _view_of_a_view(y, w):
    y.reshape(12)[2:10].view(2, 4)[:, 1].add_(w[:2])
    return y


def _twice_through_one_view(y, w):
    v = y[1]
    v.mul_(w[1])
    v.add_(w[0])
    return (v * y[1]).sum() + y.sum()


def _permuted(y, w):
    y.permute(1, 0)[1:3].mul_(w[0])
    return y


def _element(y, w):
    y[2, 1].mul_(w[1])
    y[0, 3].copy_(w[0] * w[1])
    return y


def _plain_tensor_joins_the_graph(y, w):
    z = (y * 0).detach()                 # a plain tensor: no graph
    z[0, :2].copy_(w[:2])
    z[1].add_(y[1])
    return z


def _saved_view_then_written(y, w):
    v = y[0]
    u = v * w[0]                         # saves v's values and w's ...
    v.add_(1.0)                          # ... so backward must refuse (version check)
    return u


WRITES = {f.__name__.strip("_"): f for f in (
    _imul_row, _base_written_while_views_live, _overlapping_views, _view_of_a_view,
    _twice_through_one_view, _permuted, _element, _plain_tensor_joins_the_graph)}


def _loss(lib, body, x, w):
    y = x * 1.5 + 0.25
    out = body(y, w)
    return (out * out).sum() + (y * y * y).sum()


def _values(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@pytest.mark.parametrize("name", WRITES)
def test_values_and_gradients_are_pytorchs(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x0, w0 = rng.standard_normal((3, 4)), rng.standard_normal(2)
    got = []
    for lib in (ag, torch):
        x = lib.tensor(x0, requires_grad=True)
        w = lib.tensor(w0, requires_grad=True)
        loss = _loss(lib, WRITES[name], x, w)
        loss.backward()
        got.append((_values(loss), _values(x.grad), _values(w.grad)))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", WRITES)
def test_gradients_check_numerically_to_second_order(name):
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = ag.tensor(rng.standard_normal(2), requires_grad=True)

    def f(x, w):
        return _loss(ag, WRITES[name], x, w)
    assert ag.gradcheck(f, (x, w))
    assert ag.gradgradcheck(f, (x, w))


def test_a_saved_view_then_written_raises_at_backward_as_pytorch():
    torch = pytest.importorskip("torch")
    for lib, error in ((ag, GraphError), (torch, RuntimeError)):
        x = lib.ones(3, 4, dtype=lib.float64, requires_grad=True)
        w = lib.ones(2, dtype=lib.float64, requires_grad=True)
        loss = _loss(lib, _saved_view_then_written, x, w)
        with pytest.raises(error, match="modified"):
            loss.backward()


def test_a_write_through_a_view_of_a_leaf_that_requires_grad_is_refused():
    x = ag.ones(2, 3, requires_grad=True)
    with pytest.raises(GraphError, match=r"view \(shape \(3,\)\) of a leaf tensor that "
                                         r"requires grad \(shape \(2, 3\)\)"):
        x[0].mul_(2)
    assert x.data.tolist() == [[1.0] * 3] * 2           # nothing written
    with ag.no_grad():
        x[0].mul_(2)                                    # an update, as an optimizer's
    assert x.data[0].tolist() == [2.0] * 3 and x.requires_grad


def test_a_view_made_under_no_grad_is_not_written_in_grad_mode():
    """Before, the write went into y's memory unseen: x.grad was 2 everywhere, where y[0]
    had become 10 = 5 * 2x. PyTorch refuses it as ambiguous."""
    x = ag.ones(3, requires_grad=True)
    y = x * 2
    with ag.no_grad():
        v = y[0:1]
    with pytest.raises(GraphError, match="made under no_grad and is written in place"):
        v.mul_(5)
    assert y.data.tolist() == [2.0] * 3
    with ag.no_grad():
        v.mul_(5)                                       # both under no_grad: not recorded
    assert y.data.tolist() == [10.0, 2.0, 2.0]


def test_a_write_through_a_view_of_a_plain_tensor_reaches_the_gradient():
    """Before, z stayed out of the graph: z.sum().backward() raised, and a loss using z
    with other graph tensors silently gave w no gradient."""
    w = ag.tensor([3.0], requires_grad=True)
    z = ag.zeros(3)
    z[1:2].copy_(w * 2)
    assert z.requires_grad
    (z * z).sum().backward()
    assert w.grad.tolist() == [24.0]


def test_views_record_their_base_as_pytorchs():
    y = ag.ones(2, 3) * 1
    v = y[0].reshape(3, 1)
    assert v._base is y and y[1:]._base is y and y._base is None
    assert v._is_view() and not y._is_view()
    assert (y + 1)._base is None and y[[0, 1]]._base is None        # copies are no views


def test_an_unfold_window_is_still_refused():
    """Windows overlap, so a write through one is ambiguous: refused before writing."""
    y = ag.arange(6.0).requires_grad_() * 1
    windows = y.unfold(0, 3, 1)
    with pytest.raises(GraphError, match="shares its memory"):
        y.mul_(2)
    assert y.data.tolist() == list(range(6)) and windows.shape == (4, 3)


def test_a_step_writing_through_views_compiles_as_its_twin():
    """y[:, 0] *= w inside a compiled training step replays bit for bit."""
    import nn
    ag.manual_seed(0)
    runs = []
    for compiled in (False, True):
        ag.manual_seed(0)
        model = nn.Linear(4, 3)
        scale = ag.tensor([0.5], requires_grad=True)
        opt = nn.optim.SGD(list(model.parameters()) + [scale], lr=0.1)

        def step(x):
            opt.zero_grad()
            h = model(x)
            h[:, 0] *= scale
            v = h[1]
            h.add_(1.0)
            loss = (h * h).mean() + v.sum()
            loss.backward()
            opt.step()
            return loss
        f = ag.compile(step) if compiled else step
        rng = np.random.default_rng(2)
        losses = [f(ag.tensor(rng.standard_normal((5, 4)), dtype=ag.float32)).item()
                  for _ in range(6)]
        runs.append((losses, [p.data.copy() for p in model.parameters()], scale.data.copy()))
        if compiled:
            assert f.replays >= 3
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1] + [runs[0][2]], runs[1][1] + [runs[1][2]]):
        assert np.array_equal(a, b)


def _views_case(lib, case):
    x = lib.tensor(np.arange(24.0).reshape(2, 3, 4) / 7, requires_grad=True)
    w = lib.tensor([1.5, -0.5], dtype=lib.float64, requires_grad=True)
    y = x * 1.0 + 0.1
    if case == "permute-reshape-twice":          # backward twice with retain_graph
        v = y.permute(2, 0, 1).reshape(4, 6)[1:3]
        v.mul_(w[0])
        loss = (y * y).sum() + (v ** 3).sum()
        loss.backward(retain_graph=True)
        first = x.grad.clone()
        loss.backward()
        return loss, first, x.grad, w.grad
    if case == "create-graph":                   # second order through CopySlices
        y[0].t()[1:, 0] = w[1] * 3
        loss = (y ** 2).sum()
        (g,) = (ag if lib is ag else lib.autograd).grad(loss, x, create_graph=True)
        (g * g).sum().backward()
        return loss, g, x.grad, w.grad
    a, b = y[:, 1], y[1]                          # overlapping views, both written
    b.add_(w[0])
    a.mul_(w[1])
    loss = (a * b.sum()).sum() + (y ** 2).sum()
    loss.backward()
    return loss, x.grad, w.grad


@pytest.mark.parametrize("case", ["permute-reshape-twice", "create-graph", "overlapping"])
def test_retain_graph_second_order_and_overlapping_writes_are_pytorchs(case):
    torch = pytest.importorskip("torch")
    ours, theirs = _views_case(ag, case), _views_case(torch, case)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(_values(a), _values(b), rtol=1e-10, atol=1e-12)


def test_a_write_through_a_view_at_inf_nan_and_signed_zeros_is_pytorchs():
    """CopySlices keeps an inf or NaN of the gradient outside the view's region out of
    the written values' gradient (exact zeros through where, not a product with 0)."""
    torch = pytest.importorskip("torch")
    special = [np.inf, -np.inf, np.nan, -0.0, 0.0, 2.0]
    got = []
    for lib in (ag, torch):
        x = lib.tensor([special, special[::-1]], requires_grad=True)
        w = lib.tensor([0.0, -0.0, np.inf], dtype=lib.float64, requires_grad=True)
        y = x * 1.0
        y[0, 3:].mul_(w)
        y[1, :2].copy_(w[:2])
        loss = (y * y).sum()
        loss.backward()
        got.append((_values(y), _values(x.grad), _values(w.grad)))
    for a, b in zip(*got):
        np.testing.assert_array_equal(a, b)


def _shape_changed_in_place(lib, case):
    x = lib.tensor(np.arange(12.0).reshape(3, 4) / 5 - 1, requires_grad=True)
    w = lib.tensor([1.5, -0.5, 2.0], dtype=lib.float64, requires_grad=True)
    y = x * 1.0
    if case == "view-t_":                 # a view's chain takes the op
        v = y[:, :3]
        v.t_()
        v[0].mul_(w)
        out = v
    elif case == "view-unsqueeze_":
        v = y[0:2]
        v.unsqueeze_(0)
        v[0, 1].mul_(w[0])
        out = v
    elif case == "root-t_":               # the root's views' chains take its inverse
        y = y[:, :3] * 1.0
        v = y[0]
        y.t_()
        y.mul_(w)
        v.add_(w[2])
        out = v
    else:                                 # root-squeeze_
        y = y[None] * 1.0
        v = y[0, 1]
        y.squeeze_(0)
        y[2].mul_(w[0])
        out = v
    loss = (y ** 3).sum() + (out * out).sum()
    loss.backward()
    return loss, y, out, x.grad, w.grad


@pytest.mark.parametrize("case", ["view-t_", "view-unsqueeze_", "root-t_", "root-squeeze_"])
def test_a_shape_changed_in_place_keeps_its_views_writes_pytorchs(case):
    """t_, squeeze_ and unsqueeze_ on a view or on a tensor with live views: before,
    the chains still led through the old shape, so a write reached the wrong elements'
    gradients (x.grad and w.grad off, values right), or was refused or raised at backward."""
    torch = pytest.importorskip("torch")
    for a, b in zip(_shape_changed_in_place(ag, case), _shape_changed_in_place(torch, case)):
        np.testing.assert_allclose(_values(a), _values(b), rtol=1e-12, atol=1e-12)


def _retained_and_hooked(lib, case):
    x = lib.tensor([[1.0, 2.0], [3.0, -4.0]], dtype=lib.float64, requires_grad=True)
    y = x * 2
    v = y[1]
    calls = []
    if case == "hook-on-view":                # on v's values before the write
        v.register_hook(lambda g: calls.append(1) or g * 10)
        v.mul_(3)
        kept = v
    elif case.startswith("retain-"):
        kept = v if case.startswith("retain-view") else y
        kept.retain_grad()
        if case in ("retain-plain", "retain-view-base-written"):
            y.mul_(3)
        else:
            v.mul_(3)
    loss = (v * v).sum() + (y ** 3).sum()
    loss.backward()
    return x.grad, kept.grad if case != "hook-on-view" else None, len(calls)


@pytest.mark.parametrize("case", ["hook-on-view", "retain-plain", "retain-view",
                                  "retain-base", "retain-view-base-written"])
def test_hooks_and_retain_grad_around_a_write_are_pytorchs(case):
    """A hook on a view's values before a write through it is not on the write's
    gradient path (it multiplied x.grad by 10), and retain_grad() follows a tensor through
    in-place writes, its own or through views (t.grad was the gradient of the old values,
    or None for a view whose base was written)."""
    torch = pytest.importorskip("torch")
    ours, theirs = _retained_and_hooked(ag, case), _retained_and_hooked(torch, case)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(_values(a), _values(b))


def test_a_view_is_not_detached_in_place():
    """As PyTorch refuses it: before, v.detach_() left v out of the graph until its base
    was written in place, which gave v a node again (v.requires_grad True, its gradient
    reaching x)."""
    x = ag.ones(2, 3, requires_grad=True)
    y = x * 2
    v = y[1]
    with pytest.raises(GraphError, match=r"detach_: this tensor of shape \(3,\) \(float32\) "
                                         r"is a view"):
        v.detach_()
    assert v.requires_grad
    d = v.detach()                                      # the way out
    y.mul_(3)
    assert not d.requires_grad and d.tolist() == [6.0] * 3
    z = y * 1
    assert z.detach_() is z and not z.requires_grad     # no view: detached in place


@pytest.mark.parametrize("window", ["unfold", "expand"])
def test_a_plain_tensor_with_windows_does_not_join_a_graph_by_a_write(window):
    """Unfold windows and expanded views of a plain tensor keep no chain to it: before,
    z.copy_(w * 2) let z join w's graph while they saw the new values as constants (their
    gradient to w lost silently; PyTorch's reach w). Refused before anything is written; a
    write of plain values is kept."""
    w = ag.ones(6, requires_grad=True)
    z = ag.zeros(6)
    seen = z.unfold(0, 3, 1) if window == "unfold" else z[:1].expand(3)
    with pytest.raises(GraphError, match=r"copy_: this tensor of shape \(6,\) \(float32\) is "
                                         r"part of a graph \(or joins one by this write\)"):
        z.copy_(w * 2)
    with pytest.raises(GraphError, match="shares its memory"):
        z[1:3].mul_(w[0])
    assert z.tolist() == [0.0] * 6 and not z.requires_grad
    z.copy_(ag.arange(6.0))
    assert seen[1].tolist() == ([1.0, 2.0, 3.0] if window == "unfold" else 0.0)


def test_a_plain_view_of_a_detached_alias_does_not_block_a_write():
    """y.detach() shares y's memory; a view of it is plain and sees a write into y, as
    PyTorch's. The write was refused as memory shared in a way no view records."""
    torch = pytest.importorskip("torch")
    got = []
    for lib in (ag, torch):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        y = x * 2
        v = y.detach()[1]
        y.mul_(y[0].sum())
        (y ** 2).sum().backward()
        got.append((_values(y), _values(v), _values(x.grad), v.requires_grad))
    for a, b in zip(*got):
        np.testing.assert_array_equal(a, b)


def test_a_view_of_a_view_made_under_no_grad_is_not_written_in_grad_mode():
    """As PyTorch: a view made (in grad mode) of a view made under no_grad is one too.
    Before, b = a[0]; b.mul_(w) ran, and the old values of y[0] lost their gradient
    (x.grad [0, 0] where it is [72, 144])."""
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ag.float64, requires_grad=True)
    y = x * 2
    with ag.no_grad():
        a = y[0:2]
    b = a[0]
    with pytest.raises(GraphError, match=r"mul_: this view \(shape \(2,\), float64\) of a "
                                         r"tensor \(shape \(2, 2\)\) was made under no_grad"):
        b.mul_(ag.tensor([3.0], dtype=ag.float64, requires_grad=True))
    assert y.tolist() == [[2.0, 4.0], [6.0, 8.0]]


def test_a_view_made_under_no_grad_of_a_plain_tensor_is_not_written_into_a_graph():
    """As PyTorch, where the written values require grad; plain values are written. Before,
    the write ran, and its chain, not kept up to date for a view made under no_grad,
    could lead elsewhere after z.t_(): w's gradient went to z's column 0 while the write
    went into row 0."""
    w = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    z = ag.zeros(3, 3, dtype=ag.float64)
    with ag.no_grad():
        v = z[0]
    z.t_()
    with pytest.raises(GraphError, match="made under no_grad and is written in place with "
                                         "grad mode on, into the graph"):
        v.copy_(w * 2)
    assert not z.requires_grad and z.sum().item() == 0.0
    v.copy_(ag.tensor([1.0, 2.0, 3.0]))                   # plain values: written
    assert z.t()[0].tolist() == [1.0, 2.0, 3.0] and not z.requires_grad
