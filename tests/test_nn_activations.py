"""nn's activations against PyTorch: values and gradients in float32 and float64 over
random inputs and their kinks, the modules (PReLU's state dict both ways), the errors,
gumbel_softmax's draws, and inplace=True, which writes into the input as PyTorch's does
(same object, version bumped, a graph that saved it raises, a leaf is refused)."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# every kink of the table's functions (0, ±0.5, ±1, ±3, 6, the thresholds) and around them
KINKS = np.array([-6.0, -3.0, -2.9, -1.0, -0.5, -0.4, -0.0, 0.0, 0.3, 0.5, 1.0, 1.5, 2.9, 3.0,
                  6.0, 7.0])

# name -> (positional arguments after the input, keyword arguments)
FUNCTIONS = {
    "relu": ((), {}), "relu6": ((), {}), "elu": ((0.7,), {}), "selu": ((), {}),
    "celu": ((1.3,), {}), "leaky_relu": ((0.2,), {}), "hardtanh": ((-0.5, 1.0), {}),
    "threshold": ((0.3, -2.0), {}), "silu": ((), {}), "mish": ((), {}),
    "hardsigmoid": ((), {}), "hardswish": ((), {}),
    "softplus": ((), {"beta": 2.0, "threshold": 3.0}),
    "softsign": ((), {}), "tanhshrink": ((), {}), "softshrink": ((0.5,), {}),
    "hardshrink": ((0.5,), {}), "logsigmoid": ((), {}), "softmin": ((), {"dim": 1}),
    "glu": ((), {"dim": 0}), "gelu": ((), {"approximate": "tanh"}),
}
INPLACE = ["relu", "relu6", "elu", "selu", "celu", "leaky_relu", "hardtanh", "threshold", "silu",
           "mish", "hardsigmoid", "hardswish"]


def _inputs(dtype):
    rng = np.random.default_rng(0)
    return np.concatenate([KINKS, rng.standard_normal(16) * 3]).reshape(4, 8).astype(dtype)


def _tolerance(name, dtype):
    if name in ("hardsigmoid", "celu") and dtype == np.float64:
        # PyTorch's float64 backward multiplies by float32's 1/6 (hardsigmoid) and takes
        # 1 / alpha in float32 (celu, alpha = 1.3): 1.6e-7 off; ours is exact
        return 1e-6
    return 1e-12 if dtype == np.float64 else 2e-6


def _run(lib, fn, data, *args, **kwargs):
    x = lib.tensor(data, requires_grad=True)
    y = fn(x, *args, **kwargs)
    w = np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape)).astype(data.dtype)
    (y * lib.tensor(w)).sum().backward()
    if lib is ag:
        return y.data, x.grad.data
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_values_and_gradients_match_pytorch(name, dtype):
    args, kwargs = FUNCTIONS[name]
    data = _inputs(dtype)
    y, g = _run(ag, getattr(F, name), data, *args, **kwargs)
    ty, tg = _run(torch, getattr(TF, name), data, *args, **kwargs)
    tol = _tolerance(name, dtype)
    assert y.dtype == ty.dtype and g.dtype == tg.dtype
    np.testing.assert_allclose(y, ty, rtol=tol, atol=tol)
    np.testing.assert_allclose(g, tg, rtol=tol, atol=tol)


@pytest.mark.parametrize("shape, weights", [((2, 3, 4), 3), ((2, 3), 3), ((5,), 1), ((), 1),
                                            ((2, 3, 2, 2), 1)], ids=str)
def test_prelu_module_matches_pytorch_and_loads_its_state(shape, weights):
    theirs = torch.nn.PReLU(weights, init=0.1).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.linspace(-0.5, 0.5, weights))
    ours = nn.PReLU(weights, init=0.1).double()
    assert list(ours.state_dict()) == ["weight"] and np.all(ours.weight.data == np.float32(0.1))
    ours.load_state_dict({"weight": ag.tensor(theirs.weight.detach().numpy())})
    data = np.random.default_rng(1).standard_normal(shape)
    x, t = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = ours(x), theirs(t)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-12)
    back = theirs.state_dict()
    back["weight"] = torch.tensor(ours.state_dict()["weight"].data)
    theirs.load_state_dict(back)


MODULES = [("ReLU", ()), ("ReLU6", ()), ("ELU", (0.5,)), ("SELU", ()), ("CELU", (2.0,)),
           ("LeakyReLU", (0.3,)), ("Hardtanh", (-2.0, 0.5)), ("Threshold", (0.1, 20.0)),
           ("SiLU", ()), ("Mish", ()), ("Hardsigmoid", ()), ("Hardswish", ()),
           ("Softplus", (0.5, 1.0)), ("Softsign", ()), ("Tanhshrink", ()), ("Softshrink", (0.3,)),
           ("Hardshrink", (0.3,)), ("LogSigmoid", ()), ("Softmin", (1,)), ("GLU", (1,)),
           ("Softmax", (0,)), ("LogSoftmax", (1,)), ("GELU", ("tanh",)), ("Tanh", ()),
           ("Sigmoid", ())]


@pytest.mark.parametrize("name, args", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_pytorch(name, args):
    data = _inputs(np.float64)
    y, g = _run(ag, getattr(nn, name)(*args), data)
    ty, tg = _run(torch, getattr(torch.nn, name)(*args), data)
    tol = _tolerance(name.lower(), np.float64)
    np.testing.assert_allclose(y, ty, rtol=tol, atol=tol)
    np.testing.assert_allclose(g, tg, rtol=tol, atol=tol)
    assert repr(getattr(nn, name)(*args)) == repr(getattr(torch.nn, name)(*args)) or name in (
        "Softshrink", "Hardshrink", "Threshold")


# --- inplace=True -----------------------------------------------------------------------------
def _both(data):
    a, ta = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    return a, ta, a * 1.5, ta * 1.5


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_writes_into_the_input_as_pytorch(name):
    args, kwargs = FUNCTIONS[name]
    data = _inputs(np.float64)
    a, ta, h, th = _both(data)
    before = h.data
    out = getattr(F, name)(h, *args, inplace=True, **kwargs)
    tout = getattr(TF, name)(th, *args, inplace=True, **kwargs)
    assert out is h and tout is th and th._version == 1
    assert h.data is before                            # the same buffer, written
    np.testing.assert_allclose(h.data, th.detach().numpy(), rtol=1e-12, atol=1e-12)
    (h * h).sum().backward()
    (th * th).sum().backward()
    tol = _tolerance(name, np.float64)
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", INPLACE + ["dropout"])
def test_inplace_on_what_a_graph_saved_raises_as_in_pytorch(name):
    args, kwargs = FUNCTIONS.get(name, ((0.5,), {}))
    a, ta, h, th = _both(_inputs(np.float64))
    saved, tsaved = h * h, th * th                      # mul saves h
    getattr(F, name)(h, *args, inplace=True, **kwargs)
    getattr(TF, name)(th, *args, inplace=True, **kwargs)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tsaved.sum().backward()
    with pytest.raises(ag.GraphError, match=f"{name}\\(inplace=True\\)"):
        saved.sum().backward()


@pytest.mark.parametrize("name", INPLACE + ["dropout"])
def test_inplace_on_a_leaf_that_requires_grad_is_refused_as_in_pytorch(name):
    args, kwargs = FUNCTIONS.get(name, ((0.5,), {}))
    data = _inputs(np.float64)
    a, ta = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        getattr(TF, name)(ta, *args, inplace=True, **kwargs)
    with pytest.raises(ag.GraphError, match="leaf tensor that requires grad"):
        getattr(F, name)(a, *args, inplace=True, **kwargs)
    assert np.array_equal(a.data, data)
    with ag.no_grad():                                  # as an update would, allowed
        assert getattr(F, name)(a, *args, inplace=True, **kwargs) is a


def test_inplace_modules_and_underscore_functions():
    data = _inputs(np.float64)
    for make in (lambda: nn.ReLU(inplace=True), lambda: nn.ELU(inplace=True),
                 lambda: nn.Hardtanh(inplace=True), lambda: nn.Dropout(0.3, inplace=True),
                 lambda: nn.Threshold(0.1, 2.0, inplace=True)):
        x = ag.tensor(data.copy())
        assert make()(x) is x and not np.array_equal(x.data, data)
    for fn, ref in ((F.relu_, TF.relu_), (F.elu_, TF.elu_), (F.selu_, TF.selu_),
                    (F.celu_, TF.celu_), (F.leaky_relu_, TF.leaky_relu_),
                    (F.hardtanh_, TF.hardtanh_)):
        x, t = ag.tensor(data.copy()), torch.tensor(data.copy())
        assert fn(x) is x and ref(t) is t
        np.testing.assert_allclose(x.data, t.numpy(), rtol=1e-12)
    x, t = ag.tensor(data.copy()), torch.tensor(data.copy())
    F.threshold_(x, 0.5, 9.0)
    TF.threshold_(t, 0.5, 9.0)
    np.testing.assert_array_equal(x.data, t.numpy())


def test_dropout_inplace_writes_the_same_draw():
    data = _inputs(np.float64) + 10.0
    ag.manual_seed(3)
    expected = F.dropout(ag.tensor(data), 0.4).data
    ag.manual_seed(3)
    x = ag.tensor(data)
    h = x * 1.0
    assert F.dropout(h, 0.4, inplace=True) is h
    np.testing.assert_array_equal(h.data, expected)
    assert F.dropout(h, 0.4, training=False, inplace=True) is h


def test_relu_inplace_writes_without_a_temporary():
    # it computed relu out of place and copied: a (256, 1024) temporary, 1 MB, per call
    import tracemalloc
    x = ag.tensor(np.linspace(-1.0, 1.0, 256 * 1024, dtype=np.float32).reshape(256, 1024))
    for grad in (False, True):
        h = x * ag.tensor(np.float32(1.0), requires_grad=grad)
        tracemalloc.start()
        assert F.relu(h, inplace=True) is h
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 64 * 1024 and h.data.min() == 0.0


def test_relu_inplace_saved_its_result_as_pytorch():
    # relu's node saves the values it wrote: backward works after it, a write into them
    # after it raises; second order as PyTorch's
    data = _inputs(np.float64)
    for write in (False, True):
        a, ta, h, th = _both(data)
        z, tz = F.relu(h, inplace=True), TF.relu(th, inplace=True)
        outs = []
        for lib, t, leaf in ((ag, z, a), (torch, tz, ta)):
            if write:
                with (ag.no_grad() if lib is ag else torch.no_grad()):
                    t.mul_(2.0)
                with pytest.raises(RuntimeError, match="modified by an inplace operation|"
                                                       "relu\\(inplace=True\\)|mul_"):
                    t.sum().backward()
                continue
            g, = (ag.grad if lib is ag else torch.autograd.grad)((t * t * t).sum(), leaf,
                                                                create_graph=True)
            outs.append(((ag.grad if lib is ag else torch.autograd.grad)((g * g).sum(), leaf)[0]))
        if outs:
            np.testing.assert_allclose(outs[0].data, outs[1].numpy(), rtol=1e-12)


def test_inplace_keeps_an_integer_tensor_integer():
    x = ag.tensor(np.array([-3, 0, 4, 9]))
    assert F.relu(x, inplace=True) is x and x.data.tolist() == [0, 0, 4, 9]
    assert F.relu6(x, inplace=True) is x and x.data.tolist() == [0, 0, 4, 6]


# --- gumbel_softmax -------------------------------------------------------------------------
def test_gumbel_softmax_draws_from_the_default_generator():
    logits = ag.tensor(np.log(np.array([[0.7, 0.2, 0.1]] * 4000)), requires_grad=True)
    ag.manual_seed(0)
    soft = F.gumbel_softmax(logits, tau=0.5)
    ag.manual_seed(0)
    again = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_array_equal(soft.data, again.data)
    np.testing.assert_allclose(soft.data.sum(1), 1.0, rtol=1e-12)
    hard = F.gumbel_softmax(logits, hard=True)
    assert set(np.unique(hard.data)) <= {0.0, 1.0} and np.all(hard.data.sum(1) == 1)
    # the argmax of logits + Gumbel noise is a draw from softmax(logits)
    np.testing.assert_allclose(hard.data.mean(0), [0.7, 0.2, 0.1], atol=0.03)


def test_gumbel_softmax_hard_has_the_soft_samples_gradient():
    data = np.random.default_rng(2).standard_normal((3, 5))
    grads = []
    for hard in (False, True):
        x = ag.tensor(data, requires_grad=True)
        ag.manual_seed(1)
        y = F.gumbel_softmax(x, tau=0.7, hard=hard, dim=0)
        (y * ag.tensor(np.arange(15.0).reshape(3, 5))).sum().backward()
        grads.append(x.grad.data)
    np.testing.assert_array_equal(grads[0], grads[1])


# --- errors -----------------------------------------------------------------------------------
def test_errors_name_the_op_shapes_and_dtypes():
    with pytest.raises(ag.ShapeError, match=r"glu: .*dimension -1 is size 3 .*\(2, 3\)"):
        F.glu(ag.ones(2, 3))
    with pytest.raises(ag.ShapeError, match=r"prelu: weight of shape \(2,\).* 3 channels.*"
                                            r"\(4, 3, 5\)"):
        F.prelu(ag.ones(4, 3, 5), ag.ones(2))
    with pytest.raises(ag.ArgumentError, match="hardtanh: min_val"):
        F.hardtanh(ag.ones(2), 1.0, -1.0)
    with pytest.raises(ag.ArgumentError, match="softshrink: lambd"):
        F.softshrink(ag.ones(2), -0.5)
    with pytest.raises(ag.DtypeError, match="softplus: .*int64 of shape \\(2,\\)"):
        F.softplus(ag.tensor([1, 2]))
    with pytest.raises(ag.DtypeError, match="gumbel_softmax: .*int64"):
        F.gumbel_softmax(ag.tensor([1, 2]))
    with pytest.raises(ag.ArgumentError, match="Hardtanh: min_val"):
        nn.Hardtanh(2.0, 1.0)


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if n not in ("softmin", "glu", "gelu")]
                         + ["dropout"])
def test_integer_inputs_are_refused_or_kept_as_pytorch(name):
    args, kwargs = FUNCTIONS.get(name, ((0.5,), {}))
    data = np.array([-4, -1, 0, 2, 7])
    try:
        ref = getattr(TF, name)(torch.tensor(data), *args, **kwargs)
    except RuntimeError:
        with pytest.raises(ag.DtypeError, match=f"{name}: expected a floating-point tensor, "
                                                f"got int64 of shape \\(5,\\)"):
            getattr(F, name)(ag.tensor(data), *args, **kwargs)
        return
    out = getattr(F, name)(ag.tensor(data), *args, **kwargs)
    assert str(out.dtype) == str(ref.dtype).replace("torch.", "")
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", [n for n in FUNCTIONS if n not in ("softmin", "glu")])
def test_zero_dim_inputs_match_pytorch(name):
    args, kwargs = FUNCTIONS[name]
    for point in (-0.7, 0.3, 4.0):
        y, g = _run(ag, getattr(F, name), np.array(point), *args, **kwargs)
        ty, tg = _run(torch, getattr(TF, name), np.array(point), *args, **kwargs)
        assert y.shape == () == ty.shape
        tol = _tolerance(name, np.float64)
        np.testing.assert_allclose([y, g], [ty, tg], rtol=tol, atol=tol)
