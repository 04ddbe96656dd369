"""More differences from PyTorch found by running the same program with both libraries
(modules, optimizers, losses, autograd semantics, dtypes); each test failed before its fix."""
import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")


def _two_level(N):
    return N.Sequential(N.Linear(2, 3), N.Sequential(N.BatchNorm1d(3)))


@pytest.mark.parametrize("prefix", ["model.", "m", ""])
def test_state_dict_prefix_is_prepended_as_given(prefix):
    # the prefix was taken as a module name: state_dict(prefix='model.') gave 'model..0.weight'
    ours, ref = _two_level(nn), _two_level(torch.nn)
    seen, keys = {}, {}
    for lib, m in (("ours", ours), ("torch", ref)):
        m[1][0].register_state_dict_post_hook(
            lambda mod, sd, pre, meta, lib=lib: seen.setdefault(lib, []).append(pre))
        keys[lib] = list(m.state_dict(prefix=prefix))
    assert keys["ours"] == keys["torch"] and keys["ours"][0] == prefix + "0.weight"
    assert seen["ours"] == seen["torch"] == [prefix + "1.0."]


def _modes(L):
    """requires_grad of x * 2 and is_grad_enabled() under grad-mode switches nested in
    inference mode."""
    x = L.ones(2, requires_grad=True)
    out = []
    with L.inference_mode():
        for switch in (L.enable_grad, lambda: L.set_grad_enabled(True)):
            with switch():
                out.append(((x * 2).requires_grad, L.is_grad_enabled()))
                with L.no_grad():
                    out.append(((x * 2).requires_grad, L.is_grad_enabled()))
                out.append(((x * 2).requires_grad, L.is_grad_enabled()))
        with L.inference_mode(False):
            out.append(((x * 2).requires_grad, L.is_grad_enabled()))
        out.append(((x * 2).requires_grad, L.is_grad_enabled()))
    with L.no_grad(), L.inference_mode(False):
        out.append(((x * 2).requires_grad, L.is_grad_enabled()))
    out.append(((x * 2).requires_grad, L.is_grad_enabled()))
    return out


def test_enable_grad_inside_inference_mode_records_nothing():
    # it switched recording back on: a graph was built inside inference_mode
    assert _modes(ag) == _modes(torch)
    assert _modes(ag)[0] == (False, True)
    with ag.inference_mode(), ag.enable_grad():
        x = ag.ones(2, requires_grad=True)
        x.add_(1)                     # no graph: an in-place write to a leaf is allowed
    assert x.data.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("grad", [[0.5], 0.5, [[1.0, 2.0], [3.0, 4.0]]],
                         ids=["(1,)", "()", "(2, 2)"])
@pytest.mark.parametrize("opt", ["SGD", "Adam", "RMSprop"])
def test_a_gradient_of_another_shape_is_refused_by_step(grad, opt):
    # a (1,) or () .grad was broadcast over the parameter: every element moved by it
    from nn import optim
    w = [ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([1.0, 2.0], requires_grad=True)]
    step = getattr(optim, opt)(w, lr=0.1)
    w[1].grad = ag.tensor(grad)
    with pytest.raises(ag.ShapeError, match=rf"{opt}.step: parameter 1 has shape \(2,\) but "
                                             r"its .grad has shape"):
        step.step()
    assert w[1].data.tolist() == [1.0, 2.0]
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="attempting to assign a gradient"):
        t.grad = torch.tensor(grad)


def _outcome(lib, fn):
    out = fn(lib)
    return str(out.dtype).split(".")[-1], (out.numpy() if lib is torch else out.data).tolist()


@pytest.mark.parametrize("op", ["__and__", "__or__", "__xor__"])
@pytest.mark.parametrize("dtypes", [("uint8", "int64"), ("int8", "int32"), ("int32", "int64"),
                                    ("int64", "int32")])
def test_bitwise_operators_promote_as_pytorch(op, dtypes):
    # a 0-d integer tensor widened the result (numpy's rule): uint8 | tensor(-3) was the
    # int64 [-3, -1, -3], PyTorch's is the uint8 [253, 255, 253]
    a, b = dtypes
    for fn in (lambda L: getattr(L.tensor([100, 3, 0], dtype=getattr(L, a)), op)(
                   L.tensor(-3, dtype=getattr(L, b))),
               lambda L: getattr(L.tensor(-3, dtype=getattr(L, b)), op)(
                   L.tensor([100, 3, 0], dtype=getattr(L, a))),
               lambda L: getattr(L.tensor([5, 3, 0], dtype=getattr(L, a)), op)(-3)):
        assert _outcome(ag, fn) == _outcome(torch, fn)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_cross_entropy_of_a_small_probability_is_pytorchs(dtype):
    # log(1 - p) lost p below the dtype's epsilon: p = 1e-8, t = 0 gave a loss of 0 in
    # float32 (PyTorch: 1e-8, from log1p(-p)); and p = t = 0 gave -0 where PyTorch gives +0
    import nn.functional as F
    p, t = [1e-8, 1e-10, 3e-5, 0.0, 1.0, 0.25], [0.0, 0.0, 0.1, 0.0, 1.0, 0.5]
    out = [F.binary_cross_entropy(ag.tensor(p, dtype=getattr(ag, dtype)),
                                  ag.tensor(t, dtype=getattr(ag, dtype)), reduction="none").data,
           torch.nn.functional.binary_cross_entropy(
               torch.tensor(p, dtype=getattr(torch, dtype)),
               torch.tensor(t, dtype=getattr(torch, dtype)), reduction="none").numpy()]
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6 if dtype == "float32" else 1e-14, atol=0)
    assert np.signbit(out[0]).tolist() == np.signbit(out[1]).tolist()


@pytest.mark.parametrize("shape, dim, p", [((0,), None, 2), ((0, 3), 0, 2), ((3, 0), 1, 2),
                                           ((2, 0, 3), (0, 1), 3.5), ((0, 3), 0, 0.5)])
def test_norm_over_no_element_is_zero(shape, dim, p):
    # numpy's max of nothing raised ValueError (as in clip_grad_norm_ over an empty
    # parameter); PyTorch's norm is 0, with an empty gradient
    outs = []
    for L in (ag, torch):
        x = L.zeros(shape, dtype=L.float64, requires_grad=True)
        y = x.norm(p=p, dim=dim)
        y.sum().backward()
        outs.append((y.tolist() if L is torch else y.data.tolist(), tuple(x.grad.shape)))
    assert outs[0] == outs[1]


def _retained(L, inputs):
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    (y * 3).sum().backward(inputs=inputs(x, y))
    grads = [None if t.grad is None else np.asarray(t.grad.detach()).tolist() for t in (x, y)]
    return grads, y.retains_grad, x.retains_grad


@pytest.mark.parametrize("inputs", [lambda x, y: [y], lambda x, y: [x, y], lambda x, y: [x],
                                    lambda x, y: None], ids=["y", "x and y", "x", "none"])
def test_backward_into_a_retained_input_adds_its_gradient_once(inputs):
    # backward(inputs=[y]) for a y with retain_grad() added the gradient twice (6, not 3)
    assert _retained(ag, inputs) == _retained(torch, inputs)


FUNCTIONAL = {
    "vjp": lambda F, f, s, a, v: F.vjp(f, a, v, create_graph=True),
    "jvp": lambda F, f, s, a, v: F.jvp(f, a, v, create_graph=True),
    "jacobian": lambda F, f, s, a, v: (a.sum(), F.jacobian(f, a, create_graph=True)),
    "hessian": lambda F, f, s, a, v: (a.sum(), F.hessian(s, a, create_graph=True)),
    "hvp": lambda F, f, s, a, v: F.hvp(s, a, v, create_graph=True),
}


def _through_functional(L, name):
    F = L.autograd.functional if L is torch else L.functional
    a = L.tensor([0.5, 1.0], dtype=L.float64, requires_grad=True)
    out, result = FUNCTIONAL[name](F, lambda x: (x ** 3).sin(), lambda x: (x ** 3).sin().sum(),
                                   a, L.tensor([1.0, 2.0], dtype=L.float64))
    (out.sum() + result.sum()).backward()
    return np.asarray(a.grad.detach())


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_derivatives_with_create_graph_reach_the_input(name):
    # the functions differentiated fresh leaves (detached copies), so with
    # create_graph=True a loss on a jacobian gave its input no gradient (and jvp, hvp
    # returned the output detached)
    np.testing.assert_allclose(_through_functional(ag, name), _through_functional(torch, name),
                               rtol=1e-12)


SCHEDULED_PER_GROUP = {
    "LambdaLR": lambda S, o: S.LambdaLR(o, lambda e: 0.9 ** e),
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda e: 0.9),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, 3),
    "CyclicLR": lambda S, o: S.CyclicLR(o, 0.01, 0.1, 3),
    "ReduceLROnPlateau-list": lambda S, o: S.ReduceLROnPlateau(o, patience=0, min_lr=[0.0, 0.0]),
    "ReduceLROnPlateau": lambda S, o: S.ReduceLROnPlateau(o, patience=0, min_lr=0.01),
    "ExponentialLR": lambda S, o: S.ExponentialLR(o, 0.9),
}


def _group_added_after(L, S, O, name, catch=True):
    """The lrs after four steps of a scheduler made before a third group was added, or
    'refused'."""
    opt = O.SGD([{"params": [L.zeros(1, requires_grad=True)], "lr": lr} for lr in (0.1, 0.02)],
                momentum=0.9)
    sched = SCHEDULED_PER_GROUP[name](S, opt)
    opt.add_param_group({"params": [L.zeros(1, requires_grad=True)], "lr": 0.5})
    try:
        for _ in range(4):
            sched.step(1.0) if name.startswith("ReduceLROnPlateau") else sched.step()
    except (ValueError, RuntimeError):
        if not catch:
            raise
        return "refused"
    return [g["lr"] for g in opt.param_groups]


@pytest.mark.parametrize("name", SCHEDULED_PER_GROUP)
def test_a_group_added_after_the_scheduler_is_scheduled_or_refused(name):
    # the rules kept per group (base_lrs, lr_lambdas, min_lrs) were zipped with the
    # groups, so a group added later (unfreezing layers) kept its lr, silently
    from nn import optim
    ours = _group_added_after(ag, optim.lr_scheduler, optim, name)
    assert ours == _group_added_after(torch, torch.optim.lr_scheduler, torch.optim, name)
    if ours == "refused":
        with pytest.raises(ag.ArgumentError, match=r"has 3 param groups but .* 2"):
            _group_added_after(ag, optim.lr_scheduler, optim, name, catch=False)


def test_cross_entropy_refuses_ignore_index_with_probability_targets():
    # it was dropped silently: the loss counted the class the caller meant to ignore
    import nn.functional as F
    x, p = np.zeros((2, 3)), np.full((2, 3), 1 / 3)
    with pytest.raises(RuntimeError, match="ignore_index is not supported"):
        torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(p), ignore_index=1)
    with pytest.raises(ag.ArgumentError, match=r"cross_entropy: ignore_index \(1\) is for "
                                               r"class-index targets"):
        F.cross_entropy(ag.tensor(x), ag.tensor(p), ignore_index=1)
    assert F.cross_entropy(ag.tensor(x), ag.tensor(p)).item() == pytest.approx(np.log(3))


LIST_INDICES = [[[0, 1], [1, 2]], [[0, 1]], [0, 1], [slice(None), 1], [None, 0], [..., 1],
                [0, [1, 2]], [[[0, 1], [1, 0]]], [0] * 32, [[0]] * 32]


@pytest.mark.parametrize("index", LIST_INDICES, ids=[str(i)[:20] for i in LIST_INDICES])
def test_a_list_of_index_sequences_indexes_as_pytorch(index):
    # numpy took x[[[0, 1], [1, 2]]] as one array index (shape (2, 2, 3, 4)); PyTorch takes
    # a short list holding sequences, slices, None or Ellipsis as a tuple, x[[0, 1], [1, 2]]
    import warnings
    out = []
    for L in (ag, torch):
        x, z = L.arange(24.0).reshape(2, 3, 4), L.zeros(2, 3, 4)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y = x[index]
            z[index] = 1.0
        out.append((np.asarray(y).tolist(), np.asarray(z).tolist(), len(caught)))
    assert out[0] == out[1]


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "prod", "norm"])
def test_a_reduction_converts_to_a_0d_numpy_array(reduce):
    # its data is numpy's scalar: np.asarray(x.sum()) raised "object __array__ method
    # not producing an array" and .numpy() gave an np.float32, not an ndarray
    out = []
    for L in (ag, torch):
        t = getattr(L.tensor([1.0, 2.0, 5.0]), reduce)()       # exact in float32
        arrays = (np.asarray(t), t.numpy(), np.asarray(t, dtype=np.float64))
        out.append([(type(a), a.shape, a.dtype, a.tolist()) for a in arrays])
    assert out[0] == out[1]


@pytest.mark.parametrize("fn", [lambda L: L.tensor([16777217, 3]) == 16777216.0,
                                lambda L: L.tensor([16777217, 3]) > 16777216.5,
                                lambda L: L.tensor([2 ** 53 + 1]) <= float(2 ** 53),
                                lambda L: L.tensor([16777217], dtype=L.int32).ne(16777216.0)],
                         ids=["==", ">", "<=", "ne"])
def test_an_integer_tensor_and_a_float_compare_in_float32(fn):
    # numpy compared them in float64: int64 [16777217] == 16777216.0 was False where
    # PyTorch (and the docstring) compares in the common dtype, float32
    assert _outcome(ag, fn) == _outcome(torch, fn)


def test_an_integer_beyond_the_tensors_range_is_wrapped_as_pytorch():
    # PyTorch wraps -3 to the uint8 253 (and 300 to the int8 44) before comparing
    x = [200, 3, 0]
    assert (ag.tensor(x, dtype=ag.uint8) < -3).data.tolist() == [True] * 3
    assert (torch.tensor(x, dtype=torch.uint8) < -3).tolist() == [True] * 3
    assert (ag.tensor([44, 1], dtype=ag.int8) == 300).tolist() == [True, False]


@pytest.mark.parametrize("args", [(0, 5, 1.5), (0, 5.5, 1), (1.5,), (-2.7, 3, 1), (5, -1.5, -2),
                                  (0, 2.5, 0.5)])
def test_an_integer_arange_truncates_its_bounds_first(args):
    # numpy sized the range from the float bounds: arange(0, 5, 1.5, dtype=int64) was
    # [0, 1, 2, 3] (PyTorch [0, 1, 2, 3, 4]) and a step that truncates to 0 gave zeros
    def outcome(L):
        try:
            return L.arange(*args, dtype=L.int64).tolist()
        except (ValueError, RuntimeError) as e:
            return "step must be nonzero" in str(e)
    assert outcome(ag) == outcome(torch)


TYPED_LEAVES = {
    "np.float64 among floats": lambda L: L.tensor([1.0, np.float64(2.5)]),
    "np.int32": lambda L: L.tensor([np.int32(1), np.int32(2)]),
    "np.int32 and int": lambda L: L.tensor([np.int32(1), 2]),
    "bool and np.int8": lambda L: L.tensor([True, np.int8(3)]),
    "uint8 and int8 rows": lambda L: L.tensor([[np.uint8(1)], [np.int8(2)]]),
    "int32 arrays": lambda L: L.tensor([np.array([1, 2], np.int32), np.array([3, 4], np.int32)]),
    "int32 0-d tensors": lambda L: L.tensor([L.tensor(i, dtype=L.int32) for i in (1, 2)]),
    "float64 0-d tensor and int": lambda L: L.tensor([L.tensor(1.5, dtype=L.float64), 2]),
    "int and np.float32": lambda L: L.tensor([1, np.float32(2.5)]),
    "floats": lambda L: L.tensor([[1.0, 2.5], [3, True]]),
}


@pytest.mark.parametrize("name", TYPED_LEAVES)
def test_tensor_of_a_list_keeps_its_typed_leaves_dtype(name):
    # numpy's dtype of the list was cast to the default float or int64: [1.0,
    # np.float64(2.5)] was float32 and [np.int32(1)] int64 (PyTorch: float64, int32)
    fn = TYPED_LEAVES[name]
    assert _outcome(ag, fn) == _outcome(torch, fn)


@pytest.mark.parametrize("index", [[[-1], [0], [1]], [[0], [-4], [3]]], ids=["-1", "-4"])
def test_gather_refuses_a_negative_index_as_pytorch(index):
    # it counted a negative index from the end: gathering log-probabilities at targets
    # padded with -100 picked class n - 100 of a vocabulary of n >= 100, silently
    x = np.arange(12.0).reshape(3, 4)
    with pytest.raises(RuntimeError, match="out of bounds"):
        torch.gather(torch.tensor(x), 1, torch.tensor(index))
    with pytest.raises(ag.OutOfRangeError, match=r"gather: index values must lie in \[0, 4\)"):
        ag.gather(ag.tensor(x), 1, ag.tensor(index))


@pytest.mark.parametrize("op", ["__iand__", "__ior__", "__ixor__"])
def test_in_place_bitwise_operators_write_into_the_tensor(op):
    # x &= m rebound x to a new tensor (Python's fallback to x = x & m), so a tensor
    # aliasing x (masks[0], a view) kept the old values, where PyTorch writes in place
    out = []
    for L in (ag, torch):
        masks = [L.tensor([True, True, False]), L.tensor([6, 3, 0], dtype=L.int32)]
        for i, other in enumerate((L.tensor([True, False, False]), L.tensor([3, 1, 7]))):
            x = masks[i]
            view = x[1:]
            x = getattr(x, op)(other)
            out.append((x is masks[i], masks[i].tolist(), view.tolist(), str(x.dtype).split(".")[-1]))
    assert out[:2] == out[2:]


SPECIALS = [2.0, np.nan, -1.0, np.inf, -np.inf, 0.0, -0.0, np.nan, 2.0]


@pytest.mark.parametrize("fn", [lambda L, x: x.sort(descending=True, stable=True),
                                lambda L, x: x.topk(4),
                                lambda L, x: L.argsort(x[[1, 3, 7]].reshape(3, 1), dim=0,
                                                       descending=True, stable=True)],
                         ids=["sort", "topk", "argsort dim 0"])
def test_descending_order_puts_every_nan_before_inf(fn):
    # NaN and +inf both had the key -inf, tied, so a descending sort went nan, inf, nan
    out = []
    for L in (ag, torch):
        r = fn(L, L.tensor(SPECIALS, dtype=L.float64))
        arrays = r if isinstance(r, tuple) else (r,)
        out.append([np.asarray(a).tolist() for a in arrays])
    assert str(out[0]) == str(out[1])
