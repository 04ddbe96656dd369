"""Differences from PyTorch found by differential runs of both libraries over layers and
losses with unusual arguments, Module's API, optimizers and schedulers, hooks and in-place
dtype rules; each test failed before its fix."""
import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")


ALPHA_CASES = {
    "add": lambda a, b: a.add(b, alpha=2), "sub": lambda a, b: a.sub(b, alpha=2),
    "add_": lambda a, b: a.add_(b, alpha=2), "sub_": lambda a, b: a.sub_(b, alpha=2),
    "subtract": lambda a, b: a.subtract(b, alpha=2),
}


@pytest.mark.parametrize("dtype", ["int64", "float64"])
@pytest.mark.parametrize("name", ALPHA_CASES)
def test_alpha_scales_in_the_results_dtype(name, dtype):
    # alpha * other was computed in other's dtype: an int8 100 * 2 wrapped to -56 first,
    # so int64 [1, 2, 3] + 2 * int8 [100, -100, 7] gave [-55, 58, 17]
    def outcome(L):
        a = L.tensor([1, 2, 3], dtype=getattr(L, dtype))
        out = ALPHA_CASES[name](a, L.tensor([100, -100, 7], dtype=L.int8))
        return str(out.dtype).split(".")[-1], out.tolist()
    assert outcome(ag) == outcome(torch)


def test_add_and_sub_take_alpha_as_pytorch():
    # ag.add(a, b, alpha=) raised TypeError; a float32 other was scaled in float32
    a, b = np.array([1.0, -2.0]), np.array([0.1, 0.7], np.float32)
    for fn in (lambda L, x, y: L.add(x, y, alpha=3), lambda L, x, y: L.sub(x, y, alpha=3)):
        ours = fn(ag, ag.tensor(a), ag.tensor(b)).data
        np.testing.assert_array_equal(ours, fn(torch, torch.tensor(a), torch.tensor(b)).numpy())


@pytest.mark.parametrize("alpha", [1.5, True])
def test_an_alpha_pytorch_refuses_is_refused(alpha):
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).add(torch.tensor([3, 4]), alpha=alpha)
    with pytest.raises(ag.ArgumentError, match="^add: .*alpha"):
        ag.tensor([1, 2]).add(ag.tensor([3, 4]), alpha=alpha)


@pytest.mark.parametrize("make", [dict, lambda d: sorted(d.items(), reverse=True),
                                  lambda d: __import__("collections").OrderedDict(d)])
def test_a_parameter_dict_orders_its_keys_as_pytorch(make):
    # a plain dict's keys kept their insertion order; PyTorch sorts them, so named_parameters,
    # state_dict and an optimizer's parameter indices differed
    def keys(L):
        ones = {k: L.nn.Parameter(L.ones(1)) if L is torch else nn.Parameter(ag.ones(1))
                for k in ("b", "c", "a")}
        pd = (torch.nn if L is torch else nn).ParameterDict(make(ones))
        pd.update(make({"e": ones["a"], "d": ones["b"]}))
        return list(pd.keys()), [n for n, _ in pd.named_parameters()]
    assert keys(ag) == keys(torch)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_margin_ranking_loss_target_gets_its_gradient_as_pytorch(reduction):
    # the target was read as a constant array: its gradient was None where PyTorch's is
    # -(input1 - input2) where the margin is active
    x1, x2, y = [1.0, 2.0, -0.5, 0.3], [0.5, 3.0, 0.2, 0.3], [1.0, -1.0, -1.0, 1.0]
    def grads(L, F):
        ts = [L.tensor(v, dtype=L.float64, requires_grad=True) for v in (x1, x2, y)]
        F.margin_ranking_loss(*ts, margin=0.1, reduction=reduction).sum().backward()
        return [t.grad.tolist() for t in ts]
    assert grads(ag, nn.functional) == grads(torch, torch.nn.functional)


INPLACE = {"iadd": lambda a, b: a.__iadd__(b), "imul": lambda a, b: a.__imul__(b),
           "sub_": lambda a, b: a.sub_(b),
           "floor div_": lambda a, b: a.div_(b, rounding_mode="floor"),
           "remainder_": lambda a, b: a.remainder_(b), "ior": lambda a, b: a.__ior__(b)}


@pytest.mark.parametrize("dtypes", [("uint8", "int8"), ("uint8", "int64"), ("int8", "uint8"),
                                    ("int16", "uint8")])
@pytest.mark.parametrize("name", INPLACE)
def test_an_integer_result_is_written_into_any_integer_tensor_as_pytorch(name, dtypes):
    # numpy's same_kind rule refused a signed result into an unsigned tensor (uint8 += int8),
    # which PyTorch writes, wrapping as a C cast
    def outcome(L):
        a = L.tensor([100, 3, 9], dtype=getattr(L, dtypes[0]))
        INPLACE[name](a, L.tensor([100, 2, 5], dtype=getattr(L, dtypes[1])))
        return str(a.dtype).split(".")[-1], a.tolist()
    assert outcome(ag) == outcome(torch)


@pytest.mark.parametrize("dtypes", [("int64", "float32"), ("bool", "int8"), ("uint8", "float64")])
def test_a_result_pytorch_will_not_cast_in_place_is_still_refused(dtypes):
    a, b = ag.tensor([1, 0], dtype=getattr(ag, dtypes[0])), ag.ones(2, dtype=getattr(ag, dtypes[1]))
    with pytest.raises(ag.DtypeError, match=f"^add_: the result has dtype .* {dtypes[0]}"):
        a.add_(b)


@pytest.mark.parametrize("kw", [{}, {"mode": "max", "freeze": False},
                                {"mode": "sum", "padding_idx": 0, "max_norm": 1.0}])
def test_embedding_bag_from_pretrained_as_pytorch(kw):
    # EmbeddingBag inherited Embedding.from_pretrained, whose positional arguments are
    # Embedding's (padding_idx where EmbeddingBag takes max_norm): it raised TypeError
    weights = np.random.default_rng(0).standard_normal((4, 3))
    def outcome(L, N):
        bag = N.EmbeddingBag.from_pretrained(L.tensor(weights), **kw)
        out = bag(L.tensor([[1, 2], [0, 3]]))
        return (type(bag).__name__, bag.mode, bag.padding_idx, bag.max_norm,
                bag.weight.requires_grad, np.round(out.detach().numpy(), 12).tolist())
    assert outcome(ag, nn) == outcome(torch, torch.nn)


@pytest.mark.parametrize("grad", [[1.0, 2.0, 3.0], [[5.0]]])
def test_a_grad_of_another_shape_set_by_hand_is_refused_at_accumulation(grad):
    # PyTorch refuses the assignment; gradgraph broadcast the gradient into it: x of
    # shape (1,) with .grad [1, 2, 3] ended with .grad [4, 5, 6] after (3 * x).sum()
    with pytest.raises(RuntimeError, match="size"):
        torch.tensor([1.0], requires_grad=True).grad = torch.tensor(grad)
    x = ag.tensor([1.0], requires_grad=True)
    x.grad = ag.tensor(grad)
    with pytest.raises(ag.GraphError, match=r"^backward: the \.grad set on a leaf of shape "
                                            r"\(1,\) and dtype float32 has shape"):
        (x * 3).sum().backward()


def test_an_integer_grad_set_by_hand_is_refused_at_accumulation():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.grad = ag.tensor([1, 2])
    with pytest.raises(ag.GraphError, match="has shape \\(2,\\) and dtype int64"):
        (x * 0.5).sum().backward()


@pytest.mark.parametrize("shape, dim", [((0, 4), 0), ((3, 0), 1), ((2, 4), -1)])
def test_glu_halves_a_dim_of_size_zero_as_pytorch(shape, dim):
    # split(0) raised ZeroDivisionError
    x = np.random.default_rng(0).standard_normal(shape)
    ours = nn.functional.glu(ag.tensor(x), dim)
    theirs = torch.nn.functional.glu(torch.tensor(x), dim)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


REGISTER = {
    "buffer over a parameter": lambda N, L, m: m.register_buffer("weight", L.ones(1)),
    "parameter over a buffer": lambda N, L, m: m.register_parameter(
        "running_mean", N.Parameter(L.ones(1))),
    "module over a parameter": lambda N, L, m: m.add_module("bias", N.ReLU()),
}


@pytest.mark.parametrize("name", REGISTER)
def test_registering_a_name_another_member_holds_is_refused_as_pytorch(name):
    # the parameter silently became a buffer (or a module): it left named_parameters, so
    # an optimizer built afterwards no longer trained it
    for N, L in ((torch.nn, torch), (nn, ag)):
        m = N.BatchNorm1d(1)
        with pytest.raises(KeyError, match="already exists"):
            REGISTER[name](N, L, m)
        assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]


@pytest.mark.parametrize("fn", [lambda x: x.all(), lambda x: x.any(1),
                                lambda x: x.all(0, keepdim=True), lambda x: x.any()])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "bool", "float32"])
def test_all_and_any_give_pytorchs_dtype(fn, dtype):
    # a uint8 input gives uint8 in PyTorch (its byte-mask rule); gradgraph gave bool
    def outcome(L):
        out = fn(L.tensor([[1, 0], [2, 3]], dtype=getattr(L, dtype)))
        return str(out.dtype).split(".")[-1], out.tolist()
    assert outcome(ag) == outcome(torch)


INPLACE_FORMS = {
    "addcmul_": lambda L, x: x.addcmul_(x * 2, L.tensor([1.0, -2.0, 0.5]), value=0.5),
    "addcdiv_": lambda L, x: x.addcdiv_(x * 3, L.tensor([2.0, -4.0, 0.5]), value=2),
    "addmv_": lambda L, x: x.addmv_(L.ones(3, 2, dtype=L.float64),
                                    L.tensor([1.0, 2.0], dtype=L.float64), beta=0.5),
    "addr_": lambda L, x: (x[None] * 1).addr_(L.tensor([2.0], dtype=L.float64),
                                                 L.tensor([1.0, 0.0, 3.0], dtype=L.float64))[0],
    "masked_scatter_": lambda L, x: x.masked_scatter_(L.tensor([True, False, True]),
                                                      L.tensor([5.0, 6.0], dtype=L.float64)),
}


@pytest.mark.parametrize("name", INPLACE_FORMS)
def test_in_place_forms_pytorch_has_give_its_values_and_gradients(name):
    # each raised AttributeError ('Tensor' object has no attribute 'addcmul_')
    def outcome(L):
        leaf = L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True)
        out = INPLACE_FORMS[name](L, leaf * 1)
        (out * L.tensor([1.0, -1.0, 2.0], dtype=L.float64)).sum().backward()
        return np.round(out.detach().numpy(), 12).tolist(), leaf.grad.tolist()
    assert outcome(ag) == outcome(torch)


@pytest.mark.parametrize("name, dtype", [("gcd_", "int64"), ("lcm_", "int64"),
                                         ("bitwise_left_shift_", "int64"),
                                         ("bitwise_right_shift_", "int64"), ("ldexp_", "float64"),
                                         ("nextafter_", "float64")])
def test_in_place_forms_pytorch_has_give_its_values(name, dtype):
    # (ldexp's gradient is not compared: PyTorch's takes 2 ** -2 as the integer 0)
    def outcome(L):
        x = L.tensor([12, 18, -7], dtype=getattr(L, dtype))
        getattr(x, name)(L.tensor([3, 4, -2], dtype=L.float64 if name == "nextafter_" else None))
        return x.tolist()
    assert outcome(ag) == outcome(torch)


def _rnn_utils(L):
    return torch.nn.utils.rnn if L is torch else nn.utils.rnn


@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_pads_on_the_left_as_pytorch(batch_first):
    # padding_side= raised TypeError
    seqs = [np.arange(6.0).reshape(3, 2), np.arange(2.0).reshape(1, 2) + 10]
    def outcome(L):
        xs = [L.tensor(s, requires_grad=True) for s in seqs]
        out = _rnn_utils(L).pad_sequence(xs, batch_first=batch_first, padding_value=-1.0,
                                         padding_side="left")
        (out * L.arange(out.numel(), dtype=L.float64).reshape(out.shape)).sum().backward()
        return out.tolist(), [x.grad.tolist() for x in xs]
    assert outcome(ag) == outcome(torch)


def test_unpad_and_unpack_sequence_as_pytorch():
    # both raised AttributeError
    seqs = [np.arange(6.0).reshape(3, 2), np.arange(2.0).reshape(1, 2) + 10,
            np.arange(4.0).reshape(2, 2) - 5]
    def outcome(L):
        U = _rnn_utils(L)
        xs = [L.tensor(s) for s in seqs]
        padded = U.pad_sequence(xs, batch_first=True)
        unpadded = U.unpad_sequence(padded, L.tensor([3, 1, 2]), batch_first=True)
        unpacked = U.unpack_sequence(U.pack_sequence(xs, enforce_sorted=False))
        return [t.tolist() for t in unpadded], [t.tolist() for t in unpacked]
    assert outcome(ag) == outcome(torch)


def _counting(N, L):
    class Counting(N.Module):
        """A layer whose state holds a count besides its tensors (PyTorch's extra state)."""
        def __init__(self):
            super().__init__()
            self.lin = N.Linear(1, 1)
            self.count = 0

        def get_extra_state(self):
            return {"count": self.count}

        def set_extra_state(self, state):
            self.count = state["count"]
    return N.Sequential(N.Linear(1, 1), Counting())


def test_extra_state_is_saved_and_loaded_as_pytorch():
    # get_extra_state was never called: the count was silently missing from state_dict,
    # so a checkpoint lost it
    outcomes = []
    for N, L in ((torch.nn, torch), (nn, ag)):
        model = _counting(N, L)
        model[1].count = 7
        sd = model.state_dict()
        fresh = _counting(N, L)
        fresh.load_state_dict(sd)
        sd.pop("1._extra_state")
        result = _counting(N, L).load_state_dict(sd, strict=False)
        with pytest.raises(RuntimeError, match="_extra_state"):
            _counting(N, L).load_state_dict(sd)
        outcomes.append((list(model.state_dict()), model.state_dict()["1._extra_state"],
                         fresh[1].count, list(result.missing_keys)))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("nd, kw", [
    (1, dict(stride=1, dilation=2, output_padding=1)),
    (2, dict(stride=(2, 1), dilation=2, output_padding=(1, 1), padding=(0, 1))),
    (2, dict(stride=1, dilation=3, output_padding=2, padding=1, groups=2)),
    (3, dict(stride=(1, 2, 1), dilation=2, output_padding=(1, 1, 1), padding=1))])
def test_conv_transpose_takes_an_output_padding_below_the_dilation_as_pytorch(nd, kw):
    # an output padding of the stride or more (PyTorch allows it below the dilation)
    # made fold count blocks the input does not have: ShapeError from fold
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 2) + (4,) * nd), rng.standard_normal((2, 2, 3) + (2,) * (nd - 1))
    def outcome(L, F):
        X, W = L.tensor(x, requires_grad=True), L.tensor(w, requires_grad=True)
        out = getattr(F, f"conv_transpose{nd}d")(X, W, **kw)
        (out * L.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape))).sum().backward()
        return [a.detach().numpy() for a in (out, X.grad, W.grad)]
    for ours, theirs in zip(outcome(ag, nn.functional), outcome(torch, torch.nn.functional)):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("mode, shape, scale", [
    ("linear", (1, 2, 2), 1.3), ("bilinear", (1, 1, 5, 5), (1.1, 1.5)),
    ("trilinear", (1, 1, 3, 4, 5), (1.2, 2.1, 1.1)), ("bilinear", (1, 1, 5, 4), 1.1),
    ("nearest", (1, 2, 6, 3), (2.14, 1.28)), ("nearest", (2, 1, 5, 4), (2.1, 1.1))])
def test_interpolate_keeps_or_doubles_a_size_as_pytorchs_kernels(mode, shape, scale):
    # PyTorch's linear kernels copy a dim whose size scale_factor keeps (5 * 1.1 -> 5), its
    # 2-d nearest one copies or doubles such a dim, whatever the factor; gradgraph
    # resampled it by 1 / scale_factor
    x = np.random.default_rng(0).standard_normal(shape)
    def outcome(L, F):
        X = L.tensor(x, requires_grad=True)
        out = F.interpolate(X, scale_factor=scale, mode=mode)
        (out * L.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape))).sum().backward()
        return out.detach().numpy(), X.grad.numpy()
    for ours, theirs in zip(outcome(ag, nn.functional), outcome(torch, torch.nn.functional)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


FUNCTIONAL = {
    "jacobian of two outputs": lambda AF, L, x, y: AF.jacobian(
        lambda a, b: (a * b.sum(), a.sin()), (x, y)),
    "jacobian of two outputs, one input": lambda AF, L, x, y: AF.jacobian(
        lambda a: (a * 2, a.sum()), x),
    "vjp of two outputs": lambda AF, L, x, y: AF.vjp(
        lambda a, b: (a * b.sum(), a.sin()), (x, y), (L.ones(2, dtype=L.float64), x)),
    "jvp of two outputs": lambda AF, L, x, y: AF.jvp(
        lambda a: (a * 2, a.sum() * a), x, y[:2]),
    "vhp": lambda AF, L, x, y: AF.vhp(lambda a, b: (a ** 3).sum() * b.sum(), (x, y), (x, y)),
    "jacobian(vectorize=True)": lambda AF, L, x, y: AF.jacobian(lambda a: a.exp(), x,
                                                               vectorize=True),
    "vjp of an unused input": lambda AF, L, x, y: AF.vjp(lambda a, b: a * 2, (x, y), x),
}


def _flat(value):
    if isinstance(value, (tuple, list)):
        return [v for item in value for v in _flat(item)]
    return [np.round(value.detach().numpy(), 12).tolist()]


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_autograd_functional_takes_pytorchs_calls(name):
    # a func returning a tuple raised AttributeError ('tuple' object has no attribute
    # '_node'), as did vhp, and vectorize= / strict= raised TypeError
    def outcome(L, AF):
        x, y = L.tensor([1.0, 2.0], dtype=L.float64), L.tensor([3.0, -1.0, 0.5], dtype=L.float64)
        return _flat(FUNCTIONAL[name](AF, L, x, y))
    assert outcome(ag, ag.functional) == outcome(torch, torch.autograd.functional)


def test_autograd_functional_strict_refuses_an_independent_input_as_pytorch():
    for L, AF in ((torch, torch.autograd.functional), (ag, ag.functional)):
        x, y = L.tensor([1.0, 2.0], dtype=L.float64), L.tensor([3.0], dtype=L.float64)
        with pytest.raises(RuntimeError, match="independent of input 1"):
            AF.jacobian(lambda a, b: a * 2, (x, y), strict=True)


ADDC = {
    "addcmul float input, int8 factors": lambda L: L.addcmul(
        L.tensor([0.5, 1.0]), L.tensor([100, -3], dtype=L.int8), L.tensor([100, 7], dtype=L.int8)),
    "addcmul int16 input, uint8 factors": lambda L: L.addcmul(
        L.tensor([1, 2], dtype=L.int16), L.tensor([200, 3], dtype=L.uint8),
        L.tensor([200, 3], dtype=L.uint8), value=2),
    "addcmul float64 input, float32 factors": lambda L: L.addcmul(
        L.tensor([1.0], dtype=L.float64), L.tensor([0.1]), L.tensor([0.3]), value=3),
    "addcdiv int8 numerator": lambda L: L.addcdiv(
        L.tensor([1.0, 2.0]), L.tensor([100, 2], dtype=L.int8), L.tensor([3.0, 2.0]), value=2),
    "addcmul_ int16 self": lambda L: L.tensor([1, 2], dtype=L.int16).addcmul_(
        L.tensor([200, 3], dtype=L.uint8), L.tensor([200, 3], dtype=L.uint8)),
    "addcmul int, float value": lambda L: L.addcmul(L.tensor([1, 2]), L.tensor([1, 2]),
                                                    L.tensor([1, 2]), value=0.5),
}


@pytest.mark.parametrize("name", ADDC)
def test_addcmul_and_addcdiv_compute_in_the_results_dtype(name):
    # value * tensor1 * tensor2 was computed in the factors' dtype: int8 100 * 100 wrapped
    # to 16, so addcmul(0.5, 100, 100) gave 16.5 (PyTorch 10000.5)
    def outcome(L):
        out = ADDC[name](L)
        return str(out.dtype).split(".")[-1], out.tolist()
    assert outcome(ag) == outcome(torch)


@pytest.mark.parametrize("dtypes", [("float64", "int16"), ("float64", "uint8"),
                                    ("float32", "int16"), ("int64", "float64")])
def test_ldexp_takes_the_power_in_the_results_dtype(dtypes):
    # 2 ** other was computed in the default float32: 2 ** 200 overflowed to inf for a
    # float64 input (PyTorch 1.6e60)
    def outcome(L):
        out = L.ldexp(L.tensor([1, -3], dtype=getattr(L, dtypes[0])),
                      L.tensor([200, 7], dtype=getattr(L, dtypes[1])))
        return str(out.dtype).split(".")[-1], out.tolist()
    with np.errstate(over="ignore"):
        assert outcome(ag) == outcome(torch)


def test_a_float32_cumsum_accumulates_as_pytorchs():
    # summed in float32 alone, the last of 10^6 values in [0, 1) was 2e-5 off (relative);
    # PyTorch accumulates in float64 (3e-8), and now so does gradgraph, bit for bit
    x = np.random.default_rng(0).random(10 ** 6).astype(np.float32)
    np.testing.assert_array_equal(ag.tensor(x).cumsum(0).data, torch.tensor(x).cumsum(0).numpy())


def test_a_float32_cumprod_accumulates_as_pytorchs():
    # the float32 scan ended 7e-4 off (relative) after 10^5 factors near 1; PyTorch
    # accumulates in float64 (6e-8)
    x = 1 + np.random.default_rng(0).standard_normal(10 ** 5).astype(np.float32) * 1e-4
    ref = np.cumprod(x.astype(np.float64))
    ours = ag.tensor(x, requires_grad=True)
    out = ours.cumprod(0)
    assert out.dtype == ag.float32 and np.abs(out.data / ref - 1).max() < 1e-7
    out[-1].backward()
    assert ours.grad.dtype == ag.float32


SEQUENTIAL_OPS = {
    "a + b": lambda N, a, b: a + b, "a * 2": lambda N, a, b: a * 2, "3 * b": lambda N, a, b: 3 * b,
    "a += b": lambda N, a, b: a.__iadd__(b), "b *= 2": lambda N, a, b: b.__imul__(2),
}


@pytest.mark.parametrize("name", SEQUENTIAL_OPS)
def test_sequential_concatenates_and_repeats_as_pytorch(name):
    # +, * and their in-place forms raised TypeError
    def outcome(N):
        a, b = N.Sequential(N.Linear(1, 2), N.ReLU()), N.Sequential(N.Tanh())
        out = SEQUENTIAL_OPS[name](N, a, b)
        mods = list(out)
        return ([n for n, _ in out.named_children()], [type(m).__name__ for m in mods],
                [mods.index(m) for m in mods], len(list(out.parameters())))
    assert outcome(nn) == outcome(torch.nn)
