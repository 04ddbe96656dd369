"""Module backward hooks (register_full_backward_hook, register_full_backward_pre_hook) and
the forward hooks' options (prepend, with_kwargs, always_call), against PyTorch: the
same models, hooks and inputs in both, the hooks' arguments, call order and the
gradients compared."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.errors import ArgumentError, GraphError


def torch_module():
    return pytest.importorskip("torch")


def arr(g):
    """A hook's gradient (either library's Tensor, or None) as an array, or None."""
    if g is None:
        return None
    return g.detach().numpy() if hasattr(g, "numpy") else np.asarray(g.data)


def _modules(lib):
    """The test's module classes on `lib`'s Module (gradgraph's nn or torch.nn)."""
    class TwoInputs(lib.Module):
        """x (requires grad), y (does not), a Python number."""
        def __init__(self):
            super().__init__()
            self.lin = lib.Linear(3, 3)

        def forward(self, x, y, scale):
            return self.lin(x) * y * scale + x

    class TwoOutputs(lib.Module):
        """A tuple of two tensors and a number; the caller uses the first only."""
        def forward(self, x):
            return x.tanh(), x * 3.0, 7

    return TwoInputs, TwoOutputs


def pair(make):
    """make(lib) for gradgraph's nn and torch.nn, float64, with torch's parameters."""
    torch = torch_module()
    torch.manual_seed(0)
    theirs = make(torch.nn).double()
    ours = make(nn).double()
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def inputs(*arrays, requires_grad=True):
    """The same float64 arrays as a gradgraph and a torch tensor each."""
    torch = torch_module()
    ours = [ag.tensor(a.copy(), requires_grad=requires_grad) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=requires_grad) for a in arrays]
    return ours, theirs


def recorder(log, name):
    """A full hook and a pre-hook appending (name, kind, arrays) to `log`."""
    def full(m, grad_input, grad_output):
        log.append((name, "full", [arr(g) for g in grad_input], [arr(g) for g in grad_output]))

    def pre(m, grad_output):
        log.append((name, "pre", [arr(g) for g in grad_output]))
    return full, pre


def assert_same_logs(ours, theirs):
    assert [e[:2] for e in ours] == [e[:2] for e in theirs]
    for a, b in zip(ours, theirs):
        for xs, ys in zip(a[2:], b[2:]):
            assert len(xs) == len(ys), (a[:2], xs, ys)
            for x, y in zip(xs, ys):
                assert (x is None) == (y is None), (a[:2], x, y)
                if x is not None:
                    np.testing.assert_allclose(x, y, rtol=1e-13, atol=1e-15, err_msg=str(a[:2]))


def assert_same_grads(ours, theirs):
    for (k, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-13, atol=1e-15,
                                   err_msg=k)


X = np.random.default_rng(0).normal(size=(4, 3))


def test_sequential_hooks_see_what_pytorch_hooks_see_in_the_same_order():
    def make(lib):
        return lib.Sequential(lib.Linear(3, 5), lib.Tanh(), lib.Linear(5, 2))
    logs = [], []
    (ox,), (tx,) = inputs(X)
    (ours, theirs) = models = pair(make)
    for model, log in zip(models, logs):
        for name, m in model.named_modules():
            full, pre = recorder(log, name or "seq")
            m.register_full_backward_hook(full)
            m.register_full_backward_pre_hook(pre)
    (ours(ox) ** 2).sum().backward()
    (theirs(tx) ** 2).sum().backward()
    assert [e[:2] for e in logs[0]][:4] == [("seq", "pre"), ("2", "pre"), ("2", "full"),
                                           ("1", "pre")]
    assert_same_logs(logs[0], logs[1])
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-13)
    assert_same_grads(ours, theirs)


def test_a_linear_whose_input_needs_no_grad_runs_its_full_hooks_with_the_outputs():
    ours, theirs = pair(lambda lib: lib.Linear(3, 2))
    logs = [], []
    for model, log in zip((ours, theirs), logs):
        full, pre = recorder(log, "lin")
        model.register_full_backward_hook(full)
        model.register_full_backward_pre_hook(pre)
    (ox,), (tx,) = inputs(X, requires_grad=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours(ox).sum().backward()
    assert any("no inputs require gradients" in str(w.message) for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs(tx).sum().backward()
    assert logs[0][1][2] == [None]                    # grad_input all None
    assert_same_logs(*logs)

    # ... and may not return gradients then
    ours.register_full_backward_hook(lambda m, gi, go: (ag.ones(4, 3),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(GraphError, match="must return None"):
            ours(ox).sum().backward()


def test_two_inputs_one_without_grad_and_a_number():
    (ours, theirs) = pair(lambda lib: _modules(lib)[0]())
    logs = [], []
    for model, log in zip((ours, theirs), logs):
        full, pre = recorder(log, "two")
        model.register_full_backward_hook(full)
        model.register_full_backward_pre_hook(pre)
    y = np.random.default_rng(1).normal(size=(4, 3))
    (ox,), (tx,) = inputs(X)
    (oy,), (ty,) = inputs(y, requires_grad=False)
    ours(ox, oy, 2.0).sum().backward()
    theirs(tx, ty, 2.0).sum().backward()
    # grad_input: x's, zeros for y (a tensor that needs none), None for the number
    (_, _, gi, _) = logs[0][1]
    assert gi[2] is None and np.all(gi[1] == 0) and gi[1].shape == (4, 3)
    assert_same_logs(*logs)
    assert oy.grad is None and ty.grad is None
    assert_same_grads(ours, theirs)


def test_an_unused_tensor_output_gets_none_and_an_unused_input_zeros():
    class Pick(nn.Module):
        def forward(self, x, unused):
            return x * 2.0
    logs = [], []
    torch = torch_module()

    class TPick(torch.nn.Module):
        def forward(self, x, unused):
            return x * 2.0
    for model, log in zip((Pick(), TPick()), logs):
        full, pre = recorder(log, "pick")
        model.register_full_backward_hook(full)
        model.register_full_backward_pre_hook(pre)
        log.append(model)
    (ox, ou), (tx, tu) = inputs(X, X)
    logs[0].pop(0)(ox, ou).sum().backward()
    logs[1].pop(0)(tx, tu).sum().backward()
    assert_same_logs(*logs)
    np.testing.assert_array_equal(ou.grad.data, tu.grad.numpy())     # zeros, not None

    ours, theirs = pair(lambda lib: _modules(lib)[1]())
    logs = [], []
    for model, log in zip((ours, theirs), logs):
        full, pre = recorder(log, "two-out")
        model.register_full_backward_hook(full)
        model.register_full_backward_pre_hook(pre)
    (ox,), (tx,) = inputs(X)
    for model, x in ((ours, ox), (theirs, tx)):
        a, b, n = model(x)
        assert n == 7
        a.sum().backward()
    assert logs[0][0][2][1:] == [None, None]
    assert_same_logs(*logs)


@pytest.mark.parametrize("kind", ["full", "pre"])
def test_prepend_runs_a_hook_before_the_others(kind):
    orders = [], []
    (ox,), (tx,) = inputs(X)
    ours, theirs = pair(lambda lib: lib.Linear(3, 2))
    for model, order in zip((ours, theirs), orders):
        register = (model.register_full_backward_hook if kind == "full"
                    else model.register_full_backward_pre_hook)
        for name, prepend in (("a", False), ("b", True), ("c", False), ("d", True)):
            register(lambda *args, name=name, order=order: order.append(name), prepend=prepend)
    ours(ox).sum().backward()
    theirs(tx).sum().backward()
    assert orders[0] == orders[1] == ["d", "b", "a", "c"]


def test_hooks_replace_gradients_as_in_pytorch():
    def make(lib):
        return lib.Sequential(lib.Linear(3, 4), lib.Sigmoid(), lib.Linear(4, 2))
    ours, theirs = pair(make)
    for model in (ours, theirs):
        model[2].register_full_backward_pre_hook(lambda m, go: (go[0] * 3.0,))
        model[2].register_full_backward_hook(lambda m, gi, go: (gi[0] * -0.5,))
        model[1].register_full_backward_hook(lambda m, gi, go: None)
        model[1].register_full_backward_hook(lambda m, gi, go: (gi[0] + go[0],))
        model[0].register_full_backward_pre_hook(lambda m, go: (go[0].clamp(-0.1, 0.1),))
    (ox,), (tx,) = inputs(X)
    (ours(ox) ** 2).sum().backward()
    (theirs(tx) ** 2).sum().backward()
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-13)
    assert_same_grads(ours, theirs)
    # against no hooks: the replacement changed them
    plain, _ = pair(make)
    (px,), _ = inputs(X)
    (plain(px) ** 2).sum().backward()
    assert not np.allclose(px.grad.data, ox.grad.data)


def test_a_module_called_twice_runs_its_hooks_once_per_call():
    logs = [], []
    ours, theirs = pair(lambda lib: lib.Linear(3, 3))
    for model, log in zip((ours, theirs), logs):
        full, pre = recorder(log, "lin")
        model.register_full_backward_hook(full)
        model.register_full_backward_pre_hook(pre)
        model.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2.0,))
    (ox,), (tx,) = inputs(X)
    (ours(ours(ox).tanh()) ** 2).sum().backward()
    (theirs(theirs(tx).tanh()) ** 2).sum().backward()
    assert [e[1] for e in logs[0]] == ["pre", "full", "pre", "full"]
    assert_same_logs(*logs)
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-13)
    assert_same_grads(ours, theirs)


@pytest.mark.parametrize("loss, calls", [(lambda y: (y ** 3).sum(), 2), (lambda y: y.sum(), 1)],
                         ids=["cube", "sum"])
def test_second_order_gradients_through_a_hooked_module(loss, calls):
    """The double backward passes through the module's outputs again when the first
    gradient depends on them (y ** 3), and the hooks run again; from y.sum() it reaches
    the inputs' node only through what tanh saved, and no hook runs (PyTorch's)."""
    torch = torch_module()

    def make(lib):
        return lib.Sequential(lib.Linear(3, 3), lib.Tanh())
    ours, theirs = pair(make)
    counts = [[0], [0]]
    for model, n in zip((ours, theirs), counts):
        def hook(m, gi, go, n=n):
            n[0] += 1
            return (gi[0] * gi[0],)        # recorded under create_graph
        model[1].register_full_backward_hook(hook)
    (ox,), (tx,) = inputs(X)
    (og,) = ag.grad(loss(ours(ox)), ox, create_graph=True)
    (tg,) = torch.autograd.grad(loss(theirs(tx)), tx, create_graph=True)
    np.testing.assert_allclose(og.data, tg.detach().numpy(), rtol=1e-13)
    (og ** 2).sum().backward()
    (tg ** 2).sum().backward()
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-12)
    assert_same_grads(ours, theirs)
    assert counts[0] == counts[1] == [calls]


def test_handles_remove_hooks_and_their_options():
    lin = nn.Linear(3, 2)
    calls = []
    full = lin.register_full_backward_hook(lambda *a: calls.append("full"))
    pre = lin.register_full_backward_pre_hook(lambda *a: calls.append("pre"))
    post = lin.register_forward_hook(lambda m, a, k, o: calls.append("fwd"), with_kwargs=True,
                                     always_call=True)
    assert lin._forward_hooks_with_kwargs == {post.id: True}
    x = ag.tensor(X, dtype="float32", requires_grad=True)
    lin(x).sum().backward()
    assert calls == ["fwd", "pre", "full"]
    full.remove(), pre.remove(), post.remove()
    assert not lin._backward_hooks and not lin._backward_pre_hooks and not lin._forward_hooks
    assert lin._forward_hooks_with_kwargs == {} == lin._forward_hooks_always_called
    out = lin(x)
    assert type(out.grad_fn).__name__ != "_Hooked"
    out.sum().backward()
    assert calls == ["fwd", "pre", "full"]
    with lin.register_full_backward_hook(lambda *a: calls.append("with")):
        lin(x).sum().backward()
    lin(x).sum().backward()
    assert calls[3:] == ["with"]


def _double_grad_input(module, grad_input, grad_output):
    return tuple(g * 2.0 for g in grad_input)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_copies_keep_backward_hooks(how):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    model[1].register_full_backward_hook(_double_grad_input)
    other = pickle.loads(pickle.dumps(model)) if how == "pickle" else copy.deepcopy(model)
    assert list(other[1]._backward_hooks.values()) == [_double_grad_input]
    grads = []
    for m in (model, other):
        x = ag.tensor(X, dtype="float32", requires_grad=True)
        m(x).sum().backward()
        grads.append(x.grad.data)
    np.testing.assert_array_equal(*grads)
    x = ag.tensor(X, dtype="float32", requires_grad=True)
    other[1]._backward_hooks.clear()
    other(x).sum().backward()
    np.testing.assert_allclose(grads[1], 2 * x.grad.data, rtol=1e-6)


def test_global_hooks_run_for_every_module_before_its_own():
    torch = torch_module()
    ours, theirs = pair(lambda lib: lib.Sequential(lib.Linear(3, 2), lib.Tanh()))
    logs = [], []
    handles = []
    try:
        for where, model, log in ((nn.module, ours, logs[0]),
                                  (torch.nn.modules.module, theirs, logs[1])):
            full, pre = recorder(log, "global")
            handles += [
                where.register_module_full_backward_hook(full),
                where.register_module_full_backward_pre_hook(pre),
                where.register_module_forward_pre_hook(
                    lambda m, a, log=log: log.append(("fwd-pre", type(m).__name__))),
                where.register_module_forward_hook(
                    lambda m, a, kw, out, log=log: log.append(("fwd", type(m).__name__)),
                    with_kwargs=True)]
            full, pre = recorder(log, "own")
            model[0].register_full_backward_hook(full)
            model[0].register_full_backward_pre_hook(pre)
        (ox,), (tx,) = inputs(X)
        (ours(ox) ** 2).sum().backward()
        (theirs(tx) ** 2).sum().backward()
    finally:
        for handle in handles:
            handle.remove()
    # the Linear's (after the Sequential's and Tanh's pre-hooks, Tanh's full hook; before
    # the Sequential's full hook)
    assert [e[:2] for e in logs[0] if len(e) > 2][3:7] == [
        ("global", "pre"), ("own", "pre"), ("global", "full"), ("own", "full")]
    assert_same_logs(*logs)
    np.testing.assert_allclose(ox.grad.data, tx.grad.numpy(), rtol=1e-13)
    assert not nn.module._global_hooks
    (ox,), _ = inputs(X)
    ours(ox).sum().backward()                   # no global hook left
    assert [e[0] for e in logs[0][len(logs[1]):]] == ["own", "own"]


# --- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("hook, match", [
    (lambda m, gi, go: (gi[0], gi[0]), "invalid number of grad_input, got 2, but expected 1"),
    (lambda m, gi, go: gi[0], "returned a Tensor; return a tuple"),
    (lambda m, gi, go: (gi[0][0],), r"changed grad_input\[0\] from shape \(4, 3\)"),
    (lambda m, gi, go: (gi[0].float(),), r"\(float64\) to shape \(4, 3\) \(float32\)"),
])
def test_a_hook_returning_gradients_that_do_not_fit_raises(hook, match):
    lin = nn.Linear(3, 2).double()
    lin.register_full_backward_hook(hook)
    x = ag.tensor(X, requires_grad=True)
    with pytest.raises(GraphError, match=match):
        lin(x).sum().backward()
    pre = nn.Linear(3, 2).double()
    pre.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
    with pytest.raises(GraphError, match="invalid number of grad_output, got 2, but expected 1"):
        pre(x).sum().backward()


def test_inputs_and_outputs_of_a_hooked_module_cannot_be_modified_in_place():
    torch = torch_module()

    def make(lib):
        class InPlace(lib.Module):
            def forward(self, x):
                x.mul_(2)
                return x
        return InPlace()
    for model, x, error in ((make(nn), ag.tensor(X, requires_grad=True), GraphError),
                            (make(torch.nn), torch.tensor(X, requires_grad=True), RuntimeError)):
        model.register_full_backward_hook(lambda *a: None)
        with pytest.raises(error, match="BackwardHookFunction"):
            model(x * 1.0)
    lin = nn.Linear(3, 2)
    lin.register_full_backward_pre_hook(lambda *a: None)
    out = lin(ag.tensor(X, dtype="float32", requires_grad=True))
    with pytest.raises(GraphError, match="BackwardHookFunction"):
        out += 1
    with pytest.raises(GraphError, match="BackwardHookFunction"):
        out[0] = 0.0
    with ag.no_grad():
        lin(ag.tensor(X, dtype="float32")).mul_(2)      # no graph, no node: allowed


def test_an_output_that_is_not_a_tensor_or_tuple_warns_and_runs_no_hook():
    class AsDict(nn.Module):
        def forward(self, x):
            return {"y": x * 2.0}
    m = AsDict()
    calls = []
    m.register_full_backward_hook(lambda *a: calls.append(1))
    x = ag.tensor(X, requires_grad=True)
    with pytest.warns(UserWarning, match="module output should be a Tensor or a tuple"):
        out = m(x)
    out["y"].sum().backward()
    assert calls == [] and np.all(x.grad.data == 2)


# --- forward hooks' options ----------------------------------------------------------------------
def test_forward_hook_options_as_in_pytorch():
    torch = torch_module()
    logs = []
    for lib, x in ((nn, ag.tensor(X)), (torch.nn, torch.tensor(X))):
        class Scale(lib.Module):
            def forward(self, x, *, k=1.0):
                return x * k
        m = Scale()
        log = []
        logs.append(log)
        m.register_forward_pre_hook(lambda m, a: log.append("pre-a"))
        m.register_forward_pre_hook(lambda m, a: log.append("pre-b"), prepend=True)
        m.register_forward_pre_hook(lambda m, a, kw: (a, {"k": kw["k"] * 10}), with_kwargs=True)
        m.register_forward_hook(lambda m, a, out: log.append("post-a"))
        m.register_forward_hook(lambda m, a, kw, out: out + kw["k"], with_kwargs=True,
                                prepend=True)
        log.append(arr(m(x, k=2.0)))
    assert logs[0][:3] == logs[1][:3] == ["pre-b", "pre-a", "post-a"]
    np.testing.assert_array_equal(logs[0][3], logs[1][3])
    np.testing.assert_array_equal(logs[0][3], X * 20.0 + 20.0)

    bad = nn.Identity()
    bad.register_forward_pre_hook(lambda m, a, kw: a, with_kwargs=True)
    with pytest.raises(ArgumentError, match=r"tuple of \(new_args, new_kwargs\)"):
        bad(ag.tensor(X))


def test_always_call_hooks_run_when_forward_raises():
    torch = torch_module()
    logs = []
    for lib, x in ((nn, ag.tensor(X)), (torch.nn, torch.tensor(X))):
        class Fails(lib.Module):
            def forward(self, x):
                raise KeyError("in forward")
        m = Fails()
        log = []
        logs.append(log)
        m.register_forward_hook(lambda m, a, out: log.append(("plain", out)))
        m.register_forward_hook(lambda m, a, out: log.append(("always", out)), always_call=True)
        m.register_forward_hook(lambda m, a, out: 1 / 0, always_call=True)
        with pytest.warns(UserWarning, match="always_call=True.*silenced"):
            with pytest.raises(KeyError, match="in forward"):
                m(x)
    assert logs[0] == logs[1] == [("always", None)]
