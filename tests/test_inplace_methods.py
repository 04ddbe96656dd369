"""PyTorch's in-place methods (autograd/methods_inplace.py), against PyTorch: each one's
values and dtype, that it returns self and dates the write (a graph that saved the old
values raises at backward), the gradient through it on a tensor of the graph (float64),
its refusals (a leaf that requires grad; a result that does not fit an integer dtype);
the random fills' distributions, argument checks and seeding; the in-place shape
changes; and a compiled step using some of them."""
import numpy as np
import pytest

import autograd as ag
import nn
from autograd import methods_inplace as M
from autograd.errors import ArgumentError, DtypeError, GraphError
from nn import optim
from compile_twins import check_twins, watched

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X = RNG.uniform(0.1, 0.9, (3, 4))
Y = RNG.uniform(0.1, 0.9, (3, 4))

# the arguments after self (arrays become tensors of self's dtype) where there are any
ARGS = {
    "round_": ((), {"decimals": 1}), "logit_": ((0.05,), {}), "clip_": ((0.3, 0.7), {}),
    "nan_to_num_": ((), {"nan": 2.0}),
    "atan2_": ((Y,), {}), "arctan2_": ((Y,), {}), "hypot_": ((Y,), {}),
    "copysign_": ((Y - 0.5,), {}), "lerp_": ((Y, 0.3), {}), "xlogy_": ((Y,), {}),
    "heaviside_": ((Y - 0.5,), {}), "multiply_": ((Y,), {}), "subtract_": ((Y,), {}),
    "divide_": ((Y,), {}), "true_divide_": ((Y,), {}),
    "addmm_": ((RNG.uniform(size=(3, 2)), RNG.uniform(size=(2, 4))), {"beta": 2, "alpha": 3}),
    "baddbmm_": ((RNG.uniform(size=(2, 3, 2)), RNG.uniform(size=(2, 2, 4))), {"alpha": 2}),
    "cumsum_": ((1,), {}), "cumprod_": ((0,), {}), "renorm_": ((2, 0, 1.0), {}),
    "logical_and_": ((Y - 0.5,), {}), "logical_or_": ((Y - 0.5,), {}),
    "logical_xor_": ((Y - 0.5,), {}),
    "polygamma_": ((2,), {}), "mvlgamma_": ((2,), {}), "igamma_": ((Y,), {}),
    "igammac_": ((Y,), {}),
}
for _name in ("eq_", "ne_", "lt_", "le_", "gt_", "ge_", "not_equal_", "less_", "less_equal_",
              "greater_", "greater_equal_"):
    ARGS[_name] = ((np.where(RNG.random((3, 4)) < 0.3, X, Y),), {})
DOMAIN = {"acosh_": 1 + X, "arccosh_": 1 + X,            # the others take X
          "baddbmm_": RNG.uniform(0.1, 0.9, (2, 3, 4))}
NAMES = [n + "_" for n in M._MATH + M._TESTS] + list(M._ALIASES)
BITWISE = list(M._BITWISE)


def _lib_args(name, lib, dtype):
    args, kwargs = ARGS.get(name, ((), {}))
    make = (lambda a: ag.tensor(a.astype(dtype))) if lib is ag else \
        (lambda a: torch.tensor(a.astype(dtype)))
    return [make(a) if isinstance(a, np.ndarray) else a for a in args], kwargs


def _data(name, dtype):
    x = DOMAIN.get(name, X)
    return (x * 10).astype(dtype) if np.dtype(dtype).kind == "i" else x.astype(dtype)


def _outcome(lib, name, dtype):
    x = lib.tensor(_data(name, dtype))
    args, kwargs = _lib_args(name, lib, dtype)
    try:
        out = getattr(x, name)(*args, **kwargs)
    except Exception:
        return "raised", None
    assert out is x
    return np.asarray(x.numpy()), str(x.numpy().dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@pytest.mark.parametrize("name", NAMES)
def test_values_dtype_and_self_match_pytorch(name, dtype):
    with np.errstate(all="ignore"):
        got, want = _outcome(ag, name, dtype), _outcome(torch, name, dtype)
    assert (got[1] is None) == (want[1] is None), (got, want)   # both raise (int sqrt_) or not
    if want[1] is not None:
        assert got[1] == want[1]
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("name", BITWISE)
@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.bool_])
def test_bitwise_match_pytorch(name, dtype):
    a, b = RNG.integers(-50, 50, (2, 5)).astype(dtype), RNG.integers(-50, 50, (2, 5)).astype(dtype)
    args = () if name == "bitwise_not_" else (b,)
    x, t = ag.tensor(a), torch.tensor(a)
    assert getattr(x, name)(*map(ag.tensor, args)) is x
    getattr(t, name)(*map(torch.tensor, args))
    assert x.data.dtype == dtype and x.data.tolist() == t.tolist()


def _graph_outcome(lib, name):
    """The values and the gradients (None: zero) of a, and of the tensor arguments, of
    ((a * 1.5).NAME_(...) * w).sum() (out of place in PyTorch where it has no derivative
    for the in-place form)."""
    a = lib.tensor(_data(name, np.float64), requires_grad=True)
    args, kwargs = _lib_args(name, lib, np.float64)
    args = [t.requires_grad_() if hasattr(t, "requires_grad_") else t for t in args]
    x = a * 1.5 if name not in NO_SELF_DERIVATIVE else (a * 1.5).detach()
    if lib is torch and name in NO_TORCH_INPLACE_DERIVATIVE:
        x = getattr(x, name[:-1])(*args, **kwargs)
    else:
        getattr(x, name)(*args, **kwargs)
    if name not in NO_TORCH_DERIVATIVE or lib is ag:
        (x * lib.tensor(Y + 1)).sum().backward()
    grads = [t.grad for t in [a, *args] if hasattr(t, "grad")]
    return ([None if g is None or not g.any() else np.asarray(
                 g.numpy(force=True) if lib is torch else g.numpy()) for g in grads],
            np.asarray(x.detach().numpy()).astype(np.float64), x.requires_grad)


# piecewise constant, gradgraph's gradient is zero; PyTorch has none for heaviside, and
# its logical_*_ leave the tensor's old grad_fn in place (the gradient passes through as
# if nothing had been written: 1.5 * w for a here)
NO_TORCH_DERIVATIVE = {"heaviside_", "logical_and_", "logical_or_", "logical_xor_",
                       "logical_not_"}
NO_TORCH_INPLACE_DERIVATIVE = {"asinh_", "acosh_", "atanh_", "arcsinh_", "arccosh_", "arctanh_"}
NO_SELF_DERIVATIVE = {"igamma_", "igammac_"}     # only other gets a gradient, in both


@pytest.mark.parametrize("name", NAMES)
def test_gradients_through_a_tensor_of_the_graph_match_pytorch(name):
    with np.errstate(all="ignore"):
        (got, got_x, got_r), (want, want_x, want_r) = (_graph_outcome(lib, name)
                                                       for lib in (ag, torch))
    np.testing.assert_allclose(got_x, want_x, rtol=1e-12)
    assert got_r == want_r                      # still in the graph
    for g, w in zip(got, want):
        if w is None:
            assert g is None, name
        else:        # digamma' is PyTorch's trigamma, good to ~1e-10 (docs/special_values.md)
            np.testing.assert_allclose(g, w, rtol=1e-8 if name == "digamma_" else 1e-10,
                                       atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_a_graph_that_saved_the_old_values_raises(name):
    a = ag.tensor(_data(name, np.float64), requires_grad=True)
    x = a * 1.0
    y = x * x                                   # saves x
    args, kwargs = _lib_args(name, ag, np.float64)
    getattr(x, name)(*args, **kwargs)
    with pytest.raises(GraphError, match="modified"):
        y.sum().backward()


@pytest.mark.parametrize("name", ["exp_", "eq_", "sigmoid_", "clip_", "uniform_", "t_"])
def test_a_leaf_that_requires_grad_is_refused_outside_no_grad(name):
    a = ag.tensor(X.copy(), requires_grad=True)
    args, kwargs = _lib_args(name, ag, np.float64)
    with pytest.raises(GraphError, match=rf"{name}: a leaf tensor that requires grad"):
        getattr(a, name)(*args, **kwargs)
    assert a.data.tolist() == X.tolist()
    with ag.no_grad():
        assert getattr(a, name)(*args, **kwargs) is a
    assert a.requires_grad and a.grad_fn is None


@pytest.mark.parametrize("name", ["sqrt_", "exp_", "sigmoid_", "atan2_", "divide_", "logit_"])
def test_a_float_result_into_an_int_tensor_is_refused_naming_the_op_and_dtypes(name):
    x = ag.tensor([[1, 2], [3, 4]])
    args = [ag.tensor([[1, 1], [2, 2]]) if isinstance(a, np.ndarray) else a
            for a in ARGS.get(name, ((), {}))[0]]
    with pytest.raises(DtypeError, match=rf"{name}: the result has dtype float32, which cannot "
                                         rf"be written into a tensor of dtype int64"):
        getattr(x, name)(*args)
    assert x.data.tolist() == [[1, 2], [3, 4]]
    with pytest.raises(RuntimeError, match="can't be cast"):
        getattr(torch.tensor([[1, 2], [3, 4]]), name)(*[torch.tensor(a.data) if isinstance(
            a, ag.Tensor) else a for a in args])


# --- random fills ------------------------------------------------------------------------
# name, args, float64 mean and variance of the distribution (None: undefined), support
FILLS = {
    "uniform_": ((-2.0, 3.0), 0.5, 25 / 12, (-2, 3)),
    "normal_": ((1.0, 2.0), 1.0, 4.0, (-np.inf, np.inf)),
    "log_normal_": ((0.0, 0.5), np.exp(0.125), (np.exp(0.25) - 1) * np.exp(0.25), (0, np.inf)),
    "exponential_": ((4.0,), 0.25, 1 / 16, (0, np.inf)),
    "geometric_": ((0.25,), 4.0, 0.75 / 0.0625, (1, np.inf)),
    "bernoulli_": ((0.3,), 0.3, 0.21, (0, 1)),
    "random_": ((-3, 7), 1.5, (10 ** 2 - 1) / 12, (-3, 6)),
    "cauchy_": ((1.0, 0.5), None, None, (-np.inf, np.inf)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", FILLS)
def test_fills_have_their_distribution(name, dtype):
    args, mean, var, (low, high) = FILLS[name]
    ag.manual_seed(0)
    x = ag.zeros(200_000, dtype=dtype)
    assert getattr(x, name)(*args) is x and x.data.dtype == dtype
    v = x.data.astype(np.float64)
    assert v.min() >= low and v.max() <= high
    if name in ("uniform_",):
        assert v.max() < high
    if name in ("geometric_", "bernoulli_", "random_"):
        assert (v == np.round(v)).all() and v.min() == low
    if mean is None:                            # Cauchy: its median and quartiles
        np.testing.assert_allclose(np.percentile(v, [25, 50, 75]), [0.5, 1.0, 1.5], atol=0.02)
    else:
        assert abs(v.mean() - mean) < 5 * np.sqrt(var / v.size)
        assert abs(v.var() / var - 1) < 0.05


@pytest.mark.parametrize("name", FILLS)
def test_fills_are_reproducible_and_take_a_generator(name):
    args = FILLS[name][0]
    draws = []
    for _ in range(2):
        ag.manual_seed(3)
        draws.append(getattr(ag.zeros(50), name)(*args).data.copy())
    assert (draws[0] == draws[1]).all()
    other = getattr(ag.zeros(50), name)(*args, generator=ag.Generator().manual_seed(3)).data
    ag.manual_seed(3)
    assert (other == draws[0]).all() or name == "bernoulli_"     # the same stream
    g1, g2 = ag.Generator().manual_seed(5), ag.Generator().manual_seed(5)
    a = getattr(ag.zeros(50), name)(*args, generator=g1).data
    assert (a == getattr(ag.zeros(50), name)(*args, generator=g2).data).all()


def test_random_takes_pytorchs_forms():
    ag.manual_seed(0)
    assert set(ag.zeros(1000).random_(4).data.tolist()) == {0, 1, 2, 3}
    assert set(ag.zeros(1000, dtype=ag.int8).random_().data.tolist()) <= set(range(128))
    assert ag.zeros(1000, dtype=ag.int8).random_(100, None).data.min() >= 100
    big = ag.zeros(1000, dtype=ag.int64).random_().data
    assert big.min() >= 0 and big.max() > 2 ** 60
    f = ag.zeros(1000).random_().data
    assert f.max() <= 2 ** 24 and f.max() > 2 ** 20 and (f == np.round(f)).all()
    for t in (torch.zeros(3, dtype=torch.int8), ag.zeros(3, dtype=ag.int8)):
        assert t.random_(100, None).dtype == t.dtype


@pytest.mark.parametrize("name, args, message", [
    ("uniform_", (1.0, 0.0), "expects a \\[from, to\\) range"),
    ("normal_", (0.0, -1.0), "expects std >= 0.0"),
    ("log_normal_", (0.0, 0.0), "expects std > 0.0"),
    ("exponential_", (0.0,), "expects lambda > 0.0"),
    ("geometric_", (1.0,), "expects p to be in \\(0, 1\\)"),
    ("cauchy_", (0.0, 0.0), "expects sigma > 0.0"),
    ("bernoulli_", (1.5,), "expects p to be in \\[0, 1\\]"),
    ("random_", (5, 5), "expects 'from' to be less than 'to'"),
])
def test_fills_refuse_bad_arguments_as_pytorch(name, args, message):
    x = ag.zeros(3)
    with pytest.raises(ArgumentError, match=f"{name}: {message}"):
        getattr(x, name)(*args)
    assert x.data.tolist() == [0, 0, 0]
    with pytest.raises(RuntimeError):
        getattr(torch.zeros(3), name)(*args)


@pytest.mark.parametrize("name", FILLS)
@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
def test_fills_take_the_dtypes_pytorch_takes(name, dtype):
    args = FILLS[name][0] if name != "random_" else (0, 2)
    try:
        getattr(torch.zeros(3, dtype=torch.from_numpy(np.zeros(0, dtype)).dtype), name)(*args)
        torch_ok = True
    except RuntimeError:
        torch_ok = False
    x = ag.zeros(3, dtype=dtype)
    if torch_ok:
        assert getattr(x, name)(*args) is x and x.data.dtype == dtype
    else:
        with pytest.raises(DtypeError, match=f"{name}: not defined for a tensor of dtype"):
            getattr(x, name)(*args)


def test_a_fill_of_a_tensor_of_the_graph_gives_a_zero_gradient():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    x = a * 2
    y = x * x
    x.normal_()
    (x * 3).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0] and x.requires_grad
    with pytest.raises(GraphError, match="modified"):
        y.sum().backward()


def test_bernoulli_takes_a_tensor_of_probabilities():
    p = ag.tensor([0.0, 1.0, 0.0, 1.0])
    assert ag.zeros(4).bernoulli_(p).data.tolist() == [0, 1, 0, 1]


# --- shape changes -----------------------------------------------------------------------
SHAPES = [("squeeze_", ()), ("squeeze_", (1,)), ("unsqueeze_", (0,)), ("unsqueeze_", (-1,)),
          ("t_", ()), ("transpose_", (0, 2)), ("swapdims_", (1, 2)), ("swapaxes_", (0, 1))]


@pytest.mark.parametrize("name, args", SHAPES)
def test_shape_changes_match_pytorch(name, args):
    base = RNG.standard_normal((3, 1, 4)) if name != "t_" else RNG.standard_normal((3, 4))
    w = RNG.standard_normal(getattr(torch.tensor(base), name[:-1])(*args).shape)
    results = []
    for lib in (ag, torch):
        a = lib.tensor(base, requires_grad=True)
        x = a * 2
        assert getattr(x, name)(*args) is x
        y = x * lib.tensor(w)
        y.sum().backward()
        results.append((tuple(x.shape), np.asarray(x.detach().numpy()), a.grad.numpy()))
    (s1, v1, g1), (s2, v2, g2) = results
    assert s1 == s2 and (v1 == v2).all() and (g1 == g2).all()


def test_shape_changes_share_memory_and_keep_the_graph():
    a = ag.tensor(RNG.standard_normal((2, 3)), requires_grad=True)
    x = a * 2
    y = x * x
    view = x[0]
    x.t_()
    assert x.shape == (3, 2)
    x.data[1, 0] = 5.0               # a raw write, seen through the other view
    assert view.data[1] == 5.0
    x2 = a * 2
    y2 = x2 * x2                     # holds the old shape's array: a write is refused
    with pytest.raises(GraphError, match="exp_: .* shares its memory"):
        x2.t_().exp_()
    x3 = a * 2
    x3.t_().exp_()                   # nothing else holds it: written
    a.grad = None
    x3.sum().backward()
    np.testing.assert_allclose(a.grad.data, 2 * np.exp(2 * a.data))
    y2.sum().backward()              # the values did not change: no version error


def test_shape_change_of_a_tensor_of_the_graph_under_no_grad_is_refused():
    x = ag.tensor([[1.0, 2.0]], requires_grad=True) * 2
    with ag.no_grad(), pytest.raises(GraphError, match="squeeze_: this tensor of shape"):
        x.squeeze_()
    assert x.shape == (1, 2)


# --- under ag.compile ------------------------------------------------------------------
def _build():
    model = nn.Sequential(nn.Linear(4, 6), nn.Linear(6, 3))
    opt = optim.Adam(model.parameters(), lr=1e-2)

    def step(x):
        opt.zero_grad()
        h = model[0](x)
        h.tanh_()
        noise = ag.empty(h.shape).normal_(0.0, 0.1)
        keep = ag.empty(h.shape).bernoulli_(0.8)
        h.mul_(keep).add_(noise).clip_(-0.9, 0.9)
        out = model[1](h).unsqueeze_(0).swapdims_(0, 1).squeeze_(1)
        out.t_()
        loss = (out * out).mean()
        loss.backward()
        opt.step()
        return loss, out
    return step, watched(model, opt)


def test_a_compiled_step_with_in_place_methods_and_fills_matches_eager():
    data = [ag.tensor(np.random.default_rng(i).standard_normal((5, 4)).astype(np.float32))
            for i in range(6)]
    check_twins(_build, 6, lambda i, env: (data[i],))


def test_uniform_stays_below_to_after_the_cast_to_float32():
    class Top:                                  # a generator drawing just below 1
        def random(self, shape):
            return np.full(shape, 1 - 2.0 ** -53)
    x = ag.zeros(3).uniform_(0.0, 1.0, generator=Top())
    assert x.data.dtype == np.float32 and (x.data < 1).all()
    assert ag.zeros(3, dtype=ag.float64).uniform_(2.0, 2.0).data.tolist() == [2, 2, 2]


def test_a_compiled_step_changing_an_arguments_shape_runs_eagerly():
    """The caller's tensor must change shape at every call: a replay would not do it."""
    def build():
        w = ag.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)

        def step(x):
            x.t_()
            loss = (x * w).sum()
            loss.backward()
            return loss, x, x.shape
        return step, watched(w)
    check_twins(build, 6, lambda i, env: (ag.tensor(np.arange(6.0).reshape(2, 3) + i),),
                warns="sets .data of its argument")
