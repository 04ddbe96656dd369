"""PyTorch's top-level functions that gradgraph offers as ``autograd.<name>``: values,
dtypes and float64 gradients against PyTorch's on edge cases (empty, 0-d, int and bool
inputs, broadcasting), argument errors, the generator's state round trip; and the list
of torch's top-level names deliberately not provided, with the reason."""
import io
import re
import types
import warnings

import numpy as np
import pytest

import autograd as ag
from autograd.errors import GradgraphError
from torch_compare import assert_case_matches

torch = pytest.importorskip("torch")

R = np.random.default_rng(0)
V = R.standard_normal(5)
M = R.standard_normal((3, 4))


def _same(ours, theirs, tol=1e-12):
    """Equal values, shapes and dtypes (theirs a torch tensor, number, bool or dtype)."""
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same(o, t, tol)
        return
    if isinstance(theirs, torch.Tensor):
        t = theirs.detach().numpy()
        assert isinstance(ours, ag.Tensor) and ours.data.shape == t.shape, (ours, t)
        assert ours.data.dtype == t.dtype, (ours.data.dtype, t.dtype)
        np.testing.assert_allclose(ours.data, t, rtol=tol, atol=tol)
    else:
        assert ours == theirs and type(ours) is type(theirs), (ours, theirs)


def _f64(L, values):
    return L.tensor(values, dtype=L.float64)


def _flat(L, parts):
    assert isinstance(parts, tuple)
    return L.cat([p.reshape(-1) for p in parts])


def _vander(L, x, N=None, increasing=False):
    """vander, against x^k in torch: torch.vander's own backward raises (an in-place
    modification error in 2.13)."""
    if L is ag:
        return ag.vander(x, N, increasing)
    k = torch.arange(x.shape[0] if N is None else N, dtype=x.dtype)
    return x[:, None] ** (k if increasing else k.flip(0))


# --- differentiable: value and float64 gradients -------------------------------------------
DIFFERENTIABLE = {
    "rsub": (lambda L, x, y: L.rsub(x, y, alpha=2), [V, M[:, :1]]),
    "rsub-number": (lambda L, x: L.rsub(x, 3.0), [M]),
    "fill-tensor": (lambda L, x, v: L.fill(x, v), [M, np.array(2.5)]),
    "combinations": (lambda L, x: L.combinations(x), [V]),
    "combinations-r3-repl": (lambda L, x: L.combinations(x, 3, with_replacement=True), [V[:3]]),
    "combinations-too-many": (lambda L, x: L.combinations(x, 4) + 0, [V[:3]]),
    "column_stack": (lambda L, a, b, c: L.column_stack([a, b, c]), [V[:3], M[:, :2], np.ones(3)]),
    "column_stack-0d": (lambda L, a, b: L.column_stack([a, b]), [np.array(2.0), np.array([3.0])]),
    "row_stack": (lambda L, a, b: L.row_stack([a, b]), [V[:4], M]),
    "concatenate": (lambda L, a, b: L.concatenate([a, b], axis=1), [M, M[:, :1]]),
    "trapezoid": (lambda L, y: L.trapezoid(y), [M]),
    "trapezoid-x1d": (lambda L, y, x: L.trapezoid(y, x, dim=0), [M, np.array([0.0, 0.5, 2.0])]),
    "trapezoid-x-full": (lambda L, y, x: L.trapezoid(y, x), [M, np.cumsum(np.abs(M), 1)]),
    "trapezoid-dx": (lambda L, y: L.trapezoid(y, dx=0.25, dim=0), [M]),
    "trapezoid-one-point": (lambda L, y: L.trapezoid(y), [M[:, :1]]),
    "trapz": (lambda L, y, x: L.trapz(y, x), [V, np.arange(5.0) ** 2]),
    "cumulative_trapezoid": (lambda L, y, x: L.cumulative_trapezoid(y, x), [M, np.arange(4.0)]),
    "cumulative_trapezoid-dx": (lambda L, y: L.cumulative_trapezoid(y, dx=2.0, dim=0), [M]),
    "vander": (lambda L, x: _vander(L, x), [V[:4]]),
    "vander-increasing-N": (lambda L, x: _vander(L, x, 6, increasing=True), [V[:3]]),
    "vander-zero": (lambda L, x: _vander(L, x, 3), [np.array([0.0, 1.5, -2.0])]),
    "exp_": (lambda L, x: L.exp_(x * 1), [M]),
    "sigmoid_": (lambda L, x: L.sigmoid_(x * 1), [M]),
    "clamp_": (lambda L, x: L.clamp_(x * 1, -0.5, 0.5), [M]),
    "clamp_min_": (lambda L, x: L.clamp_min_(x * 1, 0.1), [M]),
    "xlogy_": (lambda L, x, y: L.xlogy_(x * 1, y), [M, np.abs(M) + 0.5]),
    "nan_to_num_": (lambda L, x: L.nan_to_num_(L.log(x * 1)), [np.abs(M)]),
    "relu_-0d": (lambda L, x: L.relu_(x * 1), [np.array(-0.5)]),
    "zero_": (lambda L, x: L.zero_(x * 1) + x, [M]),
    "fill_": (lambda L, x: L.fill_(x * 1, 2.0) + x, [M]),
    "detach": (lambda L, x: L.detach(x) * x, [M]),
    "msort": (lambda L, x: L.msort(x), [M]),
    "gradient": (lambda L, x: _flat(L, L.gradient(x)), [M]),
    "gradient-dim-spacing": (lambda L, x: _flat(L, L.gradient(x, spacing=0.5, dim=1)), [M]),
    "gradient-edge2": (lambda L, x: _flat(L, L.gradient(x, spacing=[2.0, 0.5], edge_order=2)),
                       [M]),
    "gradient-coordinates": (lambda L, x: _flat(L, L.gradient(
        x, spacing=[_f64(L, [0.0, 0.5, 2.0])], dim=0)), [M]),
    "gradient-coordinates-edge2": (lambda L, x: _flat(L, L.gradient(
        x, spacing=(_f64(L, [0.0, 1.0, 1.5, 4.0]),), dim=-1, edge_order=2)), [M]),
    "gradient-1d-3pts-edge2": (lambda L, x: _flat(L, L.gradient(x, edge_order=2)), [V[:3]]),
    "addmv_": (lambda L, a, m, v: L.addmv_(a * 1, m, v, beta=0.5, alpha=2.0), [V[:3], M, V[:4]]),
    "ldexp_": (lambda L, x: L.ldexp_(x * 1, L.tensor([1, 2, 3, 0])), [M]),
    "alias_copy": (lambda L, x: L.alias_copy(x), [M]),
    "t_copy": (lambda L, x: L.t_copy(x), [M]),
    "transpose_copy": (lambda L, x: L.transpose_copy(x, 0, 1), [M]),
    "permute_copy": (lambda L, x: L.permute_copy(x, (1, 0)), [M]),
    "expand_copy": (lambda L, x: L.expand_copy(x, (2, 3, 4)), [M]),
    "diagonal_copy": (lambda L, x: L.diagonal_copy(x, 1), [M]),
    "select_copy": (lambda L, x: L.select_copy(x, 1, -1), [M]),
    "slice_copy": (lambda L, x: L.slice_copy(x, 1, 0, 4, 2), [M]),
    "squeeze_copy": (lambda L, x: L.squeeze_copy(x), [M[:1]]),
    "unsqueeze_copy": (lambda L, x: L.unsqueeze_copy(x, 1), [M]),
    "view_copy": (lambda L, x: L.view_copy(x, (4, 3)), [M]),
    "unfold_copy": (lambda L, x: L.unfold_copy(x, 1, 2, 1), [M]),
    "split_copy": (lambda L, x: _flat(L, L.split_copy(x, 3, 1)), [M]),
    "split_with_sizes_copy": (lambda L, x: _flat(L, L.split_with_sizes_copy(x, [1, 2], 0)), [M]),
    "unbind_copy": (lambda L, x: _flat(L, L.unbind_copy(x, 1)), [M]),
}


@pytest.mark.parametrize("case", sorted(DIFFERENTIABLE))
def test_values_and_gradients_match_torch(case):
    assert_case_matches(torch, *DIFFERENTIABLE[case])


@pytest.mark.parametrize("case", ["gradient-edge2", "gradient-coordinates-edge2", "combinations", "trapezoid-x-full", "cumulative_trapezoid",
                                  "vander-zero", "rsub", "column_stack"])
def test_second_order(case):
    fn, arrays = DIFFERENTIABLE[case]
    xs = [ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in arrays]
    assert ag.gradgradcheck(lambda *t: fn(ag, *t), xs)


# --- integer and bool inputs, values only ----------------------------------------------------
I = np.array([[3, -1, 2], [0, 5, -4]])
VALUES = {
    "trapezoid-int": lambda L: L.trapezoid(L.tensor(I)),
    "trapezoid-empty": lambda L: L.trapezoid(L.tensor([])),
    "cumulative_trapezoid-int": lambda L: L.cumulative_trapezoid(L.tensor(I), dim=0),
    "vander-int": lambda L: L.vander(L.tensor([1, 2, 3]), increasing=True),
    "vander-bool": lambda L: L.vander(L.tensor([True, False])),
    "vander-empty": lambda L: L.vander(L.tensor([]), 2),
    "vander-N1": lambda L: L.vander(L.tensor([2.0, 3.0]), 1),
    "vander-N0": lambda L: L.vander(L.tensor([2.0, 3.0]), 0),
    "rsub-int": lambda L: L.rsub(L.tensor(I), 5, alpha=2),
    "combinations-int": lambda L: L.combinations(L.tensor([4, 5, 6])),
    "combinations-empty": lambda L: L.combinations(L.tensor([])),
    "combinations-r0": lambda L: L.combinations(L.tensor([1.0, 2.0]), 0),
    "column_stack-int": lambda L: L.column_stack([L.tensor([1, 2]), L.tensor([[3], [4]])]),
    "isin": lambda L: L.isin(L.tensor(I), L.tensor([2, 5, 9])),
    "isin-invert": lambda L: L.isin(L.tensor(I), L.tensor([2, 5]), invert=True),
    "isin-number": lambda L: L.isin(L.tensor([1.0, 2.5]), 2.5),
    "isin-number-elements": lambda L: L.isin(3, L.tensor([1, 3])),
    "isin-empty": lambda L: L.isin(L.tensor([]), L.tensor([1.0])),
    "unravel_index": lambda L: L.unravel_index(L.tensor([[1, 4, 5]]), (2, 3)),
    "unravel_index-negative": lambda L: L.unravel_index(L.tensor(-1), (2, 3)),
    "unravel_index-0d": lambda L: L.unravel_index(L.tensor(7), (2, 2, 2)),
    "tril_indices": lambda L: L.tril_indices(3, 4, 1),
    "tril_indices-neg": lambda L: L.tril_indices(4, 3, -1),
    "triu_indices": lambda L: L.triu_indices(3, 5, -1, dtype=L.int32),
    "triu_indices-empty": lambda L: L.triu_indices(0, 0),
    "histogram": lambda L: L.histogram(L.tensor(M.ravel()), 4),
    "histogram-edges": lambda L: L.histogram(L.tensor(M.ravel()), L.tensor([-2.0, 0.0, 0.5, 2.0], dtype=L.float64),
                                             weight=L.tensor(np.abs(M.ravel())), density=True),
    "histogram-range": lambda L: L.histogram(L.tensor(V), 3, range=(-1.0, 1.0)),
    "histogramdd": lambda L: L.histogramdd(L.tensor(M[:, :2]), [2, 3]),
    "histogramdd-range": lambda L: L.histogramdd(L.tensor(M[:, :2]), 2,
                                                 range=[-1.0, 1.0, -2.0, 2.0], density=True),
    "logspace": lambda L: L.logspace(-1, 2, 7, dtype=L.float64),
    "logspace-base": lambda L: L.logspace(0, 1, 5, base=2),
    "logspace-int": lambda L: L.logspace(0, 3, 4, dtype=L.int64),
    "logspace-one": lambda L: L.logspace(1, 5, 1),
    "logspace-empty": lambda L: L.logspace(1, 5, 0),
    "scalar_tensor": lambda L: L.scalar_tensor(3),
    "scalar_tensor-dtype": lambda L: L.scalar_tensor(2.5, dtype=L.float64),
    "scalar_tensor-bool": lambda L: L.scalar_tensor(True, dtype=L.bool),
    "numel": lambda L: L.numel(L.tensor(M)),
    "numel-0d": lambda L: L.numel(L.tensor(2)),
    "msort-int": lambda L: L.msort(L.tensor(I)),
    "nan_to_num_": lambda L: L.nan_to_num_(L.tensor([np.nan, np.inf, -np.inf, 1.0]), 0.0, 9.0),
    "abs_-int": lambda L: L.abs_(L.tensor(I)),
    "neg_-int": lambda L: L.neg_(L.tensor(I)),
    "clamp_-int": lambda L: L.clamp_(L.tensor(I), -1, 2),
    "fill-int": lambda L: L.fill(L.tensor(I), 7),
    "fill-bool": lambda L: L.fill(L.tensor([True, False]), False),
    "zero_-bool": lambda L: L.zero_(L.tensor([True, False])),
    "fill_-0d": lambda L: L.fill_(L.tensor(1.0), 4.0),
    "detach_": lambda L: L.detach_(L.tensor([1.0]) * 2),
    "concatenate-empty": lambda L: L.concatenate([L.tensor([]), L.tensor([1.0])]),
    "row_stack-0d": lambda L: L.row_stack([L.tensor(1.0), L.tensor(2.0)]),
    "gradient-int": lambda L: L.gradient(L.tensor(I)),
    "gradient-0d-spacing": lambda L: L.gradient(L.tensor([1.0, 4.0, 9.0]), spacing=L.tensor(2.0)),
    "gcd_": lambda L: L.gcd_(L.tensor([4, 6, 0, -9]), L.tensor([6, 4, 5, 6])),
    "lcm_": lambda L: L.lcm_(L.tensor([4, 6, 0, -9]), L.tensor([6, 4, 5, 6])),
    "from_dlpack": lambda L: L.from_dlpack(np.arange(3.0)),
    "asarray-ints": lambda L: L.asarray([1, 2]),
    "asarray-floats": lambda L: L.asarray([[1.5], [2.0]]),
    "asarray-dtype": lambda L: L.asarray(np.arange(3.0), dtype=L.float32),
    "asarray-0d": lambda L: L.asarray(True),
}
for _name in ("hann", "hamming", "blackman", "bartlett", "kaiser"):
    _fn = _name + "_window"
    for _n in (0, 1, 2, 5, 8):
        VALUES[f"{_fn}-{_n}"] = (lambda f, n: lambda L: getattr(L, f)(n, dtype=L.float64))(_fn, _n)
        VALUES[f"{_fn}-{_n}-symmetric"] = (lambda f, n: lambda L: getattr(L, f)(
            n, False, dtype=L.float64))(_fn, _n)
VALUES["hann_window-float32"] = lambda L: L.hann_window(6)
VALUES["hamming_window-alpha"] = lambda L: L.hamming_window(7, True, 0.5, 0.4, dtype=L.float64)
VALUES["kaiser_window-beta"] = lambda L: L.kaiser_window(9, False, 3.5, dtype=L.float64)


@pytest.mark.parametrize("case", sorted(VALUES))
def test_values_match_torch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(VALUES[case](ag), VALUES[case](torch), tol=1e-6 if "float32" in case else 1e-12)


def test_range_is_end_inclusive_and_deprecated():
    for args in ((1, 4), (0, 1, 0.3), (4, 1, -1.5), (0, 0)):
        with pytest.warns(UserWarning, match="deprecated"):
            ours = ag.range(*args)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _same(ours, torch.range(*args), tol=1e-6)
    with pytest.raises(ag.ArgumentError, match="range"), pytest.warns(UserWarning):
        ag.range(0, 2, -1)


# --- predicates and dtype queries ------------------------------------------------------------
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float32", "float64"]


def test_predicates_match_torch():
    for value in ([1.5], [0], [True], [False], 0.0, 3, [[2]]):
        for dtype in ("bool", "int8", "uint8", "int64", "float32"):
            a = np.asarray(value, dtype=dtype)
            ours, theirs = ag.tensor(a), torch.tensor(a)
            for name in ("is_floating_point", "is_complex", "is_signed", "is_nonzero",
                         "is_conj", "is_neg"):
                _same(getattr(ag, name)(ours), getattr(torch, name)(theirs))
            _same(ag.is_same_size(ours, ag.tensor(a * 1)), torch.is_same_size(theirs, theirs * 1))
    assert not ag.is_same_size(ag.ones(2, 3), ag.ones(3, 2))
    assert ag.is_tensor(ag.ones(1)) and ag.is_tensor(__import__("nn").Parameter(ag.ones(1)))
    assert not ag.is_tensor(np.ones(1)) and not ag.is_tensor(1.0)
    for bad in (ag.ones(2), ag.ones(0)):
        with pytest.raises(GradgraphError, match="ambiguous"):
            ag.is_nonzero(bad)


@pytest.mark.parametrize("a", DTYPES)
def test_dtype_queries_match_torch(a):
    for b in DTYPES:
        ta, tb = getattr(torch, a), getattr(torch, b)
        assert ag.can_cast(a, b) == torch.can_cast(ta, tb), (a, b)
        assert ag.promote_types(a, b) == np.dtype(str(torch.promote_types(ta, tb))[6:]), (a, b)
        x, y = ag.zeros(2, dtype=a), ag.zeros((), dtype=b)
        assert ag.result_type(x, y) == np.dtype(str(torch.result_type(
            torch.zeros(2, dtype=ta), torch.zeros((), dtype=tb)))[6:]), (a, b)
    for number in (2, 2.5, True):
        assert ag.result_type(ag.zeros(2, dtype=a), number) == np.dtype(str(torch.result_type(
            torch.zeros(2, dtype=getattr(torch, a)), number))[6:]), (a, number)


# --- constructors ----------------------------------------------------------------------------
def test_empty_strided_has_the_strides_asked():
    for size, stride in (((2, 3), (1, 2)), ((2, 3), (3, 1)), ((4,), (2,)), ((0, 3), (3, 1)),
                         ((), ())):
        ours, theirs = ag.empty_strided(size, stride), torch.empty_strided(size, stride)
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.dtype == ag.float32
        assert ours.stride() == theirs.stride() or ours.numel() == 0
    assert ag.empty_strided((2,), (1,), dtype=ag.int64).dtype == ag.int64
    with pytest.raises(ag.ArgumentError, match="same length"):
        ag.empty_strided((2, 3), (1,))


def test_ldexp_gradient_at_a_negative_exponent_is_its_power_of_two():
    """(PyTorch 2.13's is 0 there: it takes 2 ** e in integers.)"""
    x = ag.tensor([3.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = ag.ldexp_(x * 1, ag.tensor([-1, -2]))
    y.sum().backward()
    assert y.tolist() == [1.5, 0.75] and x.grad.tolist() == [0.5, 0.25]


def test_asarray_shares_or_copies_as_asked():
    a = np.arange(3.0)
    shared, copied = ag.asarray(a), ag.asarray(a, copy=True)
    a[0] = 9
    assert shared.tolist() == [9.0, 1.0, 2.0] and copied.tolist() == [0.0, 1.0, 2.0]
    t = ag.ones(2)
    assert ag.asarray(t) is t
    assert ag.asarray(t, requires_grad=True).requires_grad and not t.requires_grad
    assert ag.asarray(a, copy=False).data is a or np.shares_memory(ag.asarray(a, copy=False).data, a)
    with pytest.raises(ag.ArgumentError, match="copy=False"):
        ag.asarray([1, 2], copy=False)
    with pytest.raises(ag.ArgumentError, match="device"):
        ag.asarray([1], device="cuda")


def test_from_dlpack_shares_memory():
    t = torch.arange(4.0)
    ours = ag.from_dlpack(t)
    t[0] = 7
    assert ours.tolist() == [7.0, 1.0, 2.0, 3.0]
    with pytest.raises(ag.ArgumentError, match="DLPack"):
        ag.from_dlpack([1, 2])


def test_empty_permuted_lays_out_memory_in_the_order_given():
    for size, layout in (((2, 3, 4), (0, 2, 1)), ((2, 3, 4), (2, 0, 1)), ((5,), (0,))):
        ours = ag.empty_permuted(size, layout)
        theirs = torch.empty_permuted(size, layout)
        assert tuple(ours.shape) == size and ours.stride() == theirs.stride()
    with pytest.raises(ag.ArgumentError, match="permutation"):
        ag.empty_permuted((2, 3), (0, 0))


def test_devices_constants_and_dtype_class():
    assert str(ag.get_default_device()) == "cpu" and ag.get_device(ag.ones(1)) == -1
    ag.set_default_device("cpu")
    ag.set_default_device(None)
    with pytest.raises(ag.ArgumentError, match="CPU only"):
        ag.set_default_device("cuda")
    assert (ag.e, ag.pi, ag.inf) == (torch.e, torch.pi, torch.inf) and ag.newaxis is None
    assert np.isnan(ag.nan) and ag.short == ag.int16
    assert all(isinstance(d, ag.dtype) for d in (ag.float32, ag.int64, ag.bool))
    assert ag.ones(2, 3)[:, ag.newaxis].shape == (2, 1, 3)


def test_save_and_load_are_nn_s():
    import nn
    assert ag.save is nn.save and ag.load is nn.load
    buf = io.BytesIO()
    ag.save({"w": ag.arange(3.0)}, buf)
    buf.seek(0)
    assert ag.load(buf)["w"].tolist() == [0.0, 1.0, 2.0]


def test_frombuffer_shares_the_buffer():
    buf = bytearray(np.arange(6, dtype=np.int32).tobytes())
    ours = ag.frombuffer(buf, dtype=ag.int32, count=3, offset=8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(ours, torch.frombuffer(bytearray(buf), dtype=torch.int32, count=3, offset=8))
    buf[8] = 99
    assert ours.tolist() == [99, 3, 4]
    for kwargs in ({"offset": 24}, {"count": 0}):
        with pytest.raises(ag.ArgumentError, match="frombuffer"):
            ag.frombuffer(buf, dtype=ag.int32, **kwargs)


def test_randint_like():
    x = ag.zeros(3, 4, dtype=ag.int16)
    out = ag.randint_like(x, 5)
    assert out.shape == (3, 4) and out.dtype == ag.int16 and 0 <= out.min().item() <= \
        out.max().item() < 5
    out = ag.randint_like(ag.zeros(200), -3, -1)
    assert out.dtype == ag.float32 and set(out.tolist()) == {-3.0, -2.0}


def test_window_errors():
    with pytest.raises(ag.DtypeError, match="hann_window"):
        ag.hann_window(4, dtype=ag.int64)
    with pytest.raises(ag.ArgumentError, match="non-negative"):
        ag.kaiser_window(-1)


# --- samplers ---------------------------------------------------------------------------------
def test_samplers_shapes_dtypes_moments_and_zero_gradient():
    ag.manual_seed(0)
    mean = ag.tensor(np.full((400, 50), 2.0), requires_grad=True)
    out = ag.normal(mean, 0.5)
    assert out.shape == (400, 50) and out.dtype == ag.float64
    assert abs(out.mean().item() - 2.0) < 0.01 and abs(out.std().item() - 0.5) < 0.01
    out.sum().backward()
    assert mean.grad.abs().sum().item() == 0           # PyTorch's gradient is zero too
    assert ag.normal(0.0, ag.ones(3, 1) * 2).shape == (3, 1)
    assert ag.normal(ag.zeros(2, 1), ag.ones(3)).shape == (2, 3)
    assert ag.normal(1.0, 2.0, (2, 5)).dtype == ag.float32
    rate = ag.full((20000,), 3.0)
    p = ag.poisson(rate)
    assert p.dtype == ag.float32 and abs(p.mean().item() - 3) < 0.05 and \
        (p.data == np.round(p.data)).all()
    b = ag.binomial(ag.full((20000,), 10.0), ag.full((20000,), 0.3))
    assert abs(b.mean().item() - 3) < 0.05 and b.max().item() <= 10
    assert ag.poisson(ag.zeros(0)).shape == (0,)


def test_sampler_errors():
    with pytest.raises(ag.ArgumentError, match="std >= 0"):
        ag.normal(ag.zeros(2), -1.0)
    with pytest.raises(ag.ArgumentError, match="size"):
        ag.normal(0.0, 1.0)
    with pytest.raises(ag.DtypeError, match="poisson"):
        ag.poisson(ag.ones(2, dtype=ag.int64))
    with pytest.raises(ag.ArgumentError, match="poisson"):
        ag.poisson(ag.tensor([-1.0]))
    with pytest.raises(ag.ArgumentError, match="binomial"):
        ag.binomial(ag.ones(2), ag.tensor([0.5, 1.5]))


def test_samplers_repeat_after_manual_seed_and_take_a_generator():
    ag.manual_seed(3)
    a = ag.normal(ag.zeros(5), 1.0), ag.poisson(ag.ones(5)), ag.normal(0.0, 1.0, (3,))
    ag.manual_seed(3)
    b = ag.normal(ag.zeros(5), 1.0), ag.poisson(ag.ones(5)), ag.normal(0.0, 1.0, (3,))
    for x, y in zip(a, b):
        assert x.tolist() == y.tolist()
    g1, g2 = ag.Generator().manual_seed(1), ag.Generator().manual_seed(1)
    assert ag.poisson(ag.ones(4) * 5, g1).tolist() == ag.poisson(ag.ones(4) * 5, g2).tolist()


# --- the generator's state -------------------------------------------------------------------
def test_rng_state_round_trip_repeats_the_draws():
    ag.manual_seed(11)
    ag.rand(3)
    state = ag.get_rng_state()
    assert state.dtype == ag.uint8 and state.shape == (37,) and not state.requires_grad
    first = [ag.randn(4).tolist(), ag.randint(0, 100, (5,)).tolist(),
             ag.normal(ag.zeros(3), 1.0).tolist(), ag.rand(1).tolist()]
    ag.set_rng_state(state)
    again = [ag.randn(4).tolist(), ag.randint(0, 100, (5,)).tolist(),
             ag.normal(ag.zeros(3), 1.0).tolist(), ag.rand(1).tolist()]
    assert first == again
    import nn
    buf = io.BytesIO()
    nn.save({"rng": state}, buf)
    buf.seek(0)
    ag.rand(7)
    ag.set_rng_state(nn.load(buf)["rng"])
    assert ag.randn(4).tolist() == first[0]


def test_rng_state_keeps_numpy_s_buffered_half_word():
    ag.manual_seed(0)
    ag.default_generator().integers(0, 2 ** 16, dtype=np.uint16)      # leaves 32 bits buffered
    state = ag.get_rng_state()
    a = ag.default_generator().integers(0, 2 ** 16, 4, dtype=np.uint16).tolist()
    ag.set_rng_state(state)
    assert ag.default_generator().integers(0, 2 ** 16, 4, dtype=np.uint16).tolist() == a


def test_set_rng_state_refuses_anything_else():
    for bad in (ag.zeros(37), ag.zeros(36, dtype=ag.uint8), torch.get_rng_state().numpy()):
        with pytest.raises(ag.ArgumentError, match="set_rng_state"):
            ag.set_rng_state(bad)
    bad = ag.get_rng_state().clone()
    bad.data[32] = 7
    with pytest.raises(ag.ArgumentError, match="not a state"):
        ag.set_rng_state(bad)


def test_seed_and_initial_seed():
    ag.manual_seed(1234)
    assert ag.initial_seed() == 1234
    s = ag.seed()
    assert ag.initial_seed() == s and isinstance(s, int) and 0 <= s < 2 ** 63
    a = ag.rand(3).tolist()
    ag.manual_seed(s)
    assert ag.rand(3).tolist() == a


def test_fork_rng_restores_the_state():
    ag.manual_seed(5)
    expected = ag.rand(3).tolist()
    ag.manual_seed(5)
    with ag.random.fork_rng():
        ag.rand(10)
    assert ag.rand(3).tolist() == expected
    ag.manual_seed(5)
    with pytest.raises(ZeroDivisionError), ag.random.fork_rng():
        ag.rand(10)
        1 / 0
    assert ag.rand(3).tolist() == expected
    with ag.random.fork_rng(enabled=False):
        ag.rand(1)
    assert ag.rand(3).tolist() != expected
    assert ag.random.get_rng_state is ag.get_rng_state


# --- printing ----------------------------------------------------------------------------------
def test_set_printoptions():
    x = ag.tensor([1 / 3, 2.0])
    try:
        ag.set_printoptions(precision=2)
        assert repr(x) == "tensor([0.33, 2.  ])"
        ag.set_printoptions(sci_mode=True, precision=3)
        assert "3.333e-01" in repr(x)
        ag.set_printoptions(threshold=5, edgeitems=1)
        assert repr(ag.arange(10)) == "tensor([0, ..., 9])"
        ag.set_printoptions(profile="full")
        assert "..." not in repr(ag.arange(2000))
        with pytest.raises(ag.ArgumentError, match="profile"):
            ag.set_printoptions(profile="long")
        with pytest.raises(ag.ArgumentError, match="precision"):
            ag.set_printoptions(precision=-1)
    finally:
        ag.set_printoptions(profile="default")
    assert repr(x) == "tensor([0.3333, 2.    ])"


# --- argument errors ----------------------------------------------------------------------------
ERRORS = [
    (lambda: ag.combinations(ag.ones(2, 2)), ag.ShapeError, "combinations"),
    (lambda: ag.combinations(ag.ones(3), -1), ag.ArgumentError, "combinations"),
    (lambda: ag.vander(ag.ones(2, 2)), ag.ShapeError, "vander"),
    (lambda: ag.vander(ag.ones(2), -1), ag.ArgumentError, "vander"),
    (lambda: ag.trapezoid(ag.ones(3), ag.ones(4)), ag.ShapeError, "trapezoid"),
    (lambda: ag.trapezoid(ag.tensor(1.0)), ag.ShapeError, "trapezoid"),
    (lambda: ag.trapezoid(ag.ones(3), ag.ones(3), dx=1.0), ag.ArgumentError, "not both"),
    (lambda: ag.cumulative_trapezoid(ag.ones(3), [1, 2, 3]), ag.ArgumentError, "dx="),
    (lambda: ag.unravel_index(ag.tensor([6]), (2, 3)), ag.ArgumentError, "out of range"),
    (lambda: ag.unravel_index(ag.tensor([1.0]), (2, 3)), ag.DtypeError, "integer"),
    (lambda: ag.unravel_index(ag.tensor([1]), (2, -3)), ag.ArgumentError, "negative"),
    (lambda: ag.tril_indices(3, 3, dtype=ag.float32), ag.DtypeError, "tril_indices"),
    (lambda: ag.triu_indices(-1, 3), ag.ArgumentError, "triu_indices"),
    (lambda: ag.histogram(ag.tensor([1, 2]), 2), ag.DtypeError, "floating-point"),
    (lambda: ag.histogram(ag.ones(3), 2, weight=ag.ones(2)), ag.ShapeError, "weight"),
    (lambda: ag.histogram(ag.ones(3), ag.ones(2, dtype=ag.float64)), ag.DtypeError, "edges"),
    (lambda: ag.logspace(0, 1, -1), ag.ArgumentError, "logspace"),
    (lambda: ag.fill(ag.ones(2), ag.tensor([3.0, 4.0])), ag.ShapeError, "0-d tensor"),
    (lambda: ag.ones(2).fill_(ag.ones(2, 1)), ag.ShapeError, "0-d tensor"),
    (lambda: ag.gradient(ag.ones(2), edge_order=2), ag.ShapeError, "edge_order \\+ 1"),
    (lambda: ag.gradient(ag.ones(3), edge_order=3), ag.ArgumentError, "edge_order"),
    (lambda: ag.gradient(ag.ones(3, 3), spacing=[1.0]), ag.ArgumentError, "2 spacings"),
    (lambda: ag.gradient(ag.ones(3), spacing=[ag.ones(4)]), ag.ShapeError, "coordinates"),
    (lambda: ag.gradient(ag.ones(3), spacing=ag.ones(3)), ag.ArgumentError, "list"),
    (lambda: ag.gradient(ag.ones(3, 3), dim=(0, 2)), ag.ArgumentError, "dim"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_argument_errors(i):
    call, error, message = ERRORS[i]
    with pytest.raises(error, match=message):
        call()


def test_an_inplace_alias_keeps_the_methods_checks():
    leaf = ag.ones(3, requires_grad=True)
    with pytest.raises(GradgraphError, match="leaf"):
        ag.exp_(leaf)
    with pytest.raises(ag.DtypeError, match="sqrt_"):
        ag.sqrt_(ag.tensor([4, 9]))
    x = ag.tensor([1.0, -2.0])
    assert ag.abs_(x) is x and x.tolist() == [1.0, 2.0]


# --- torch's top-level names gradgraph does not offer, each with the reason ------------------
NOT_PROVIDED = [
    (r"^[A-Z]", "classes of PyTorch's C++ core and TorchScript (its IR and types), Storage "
                "and the typed-tensor classes; Size (gradgraph's shapes are tuples), "
                "ModuleDict/ParameterDict/BufferDict are nn's, GradScaler is autocast's"),
    (r"^(accelerator|amp|ao|autograd|backends|classes|compiler|cpp|cpu|distributed|"
     r"export|fft|func|futures|fx|hub|jit|library|masked|monitor|mps|mtia|"
     r"multiprocessing|nested|nn|optim|overrides|package|profiler|quasirandom|return_types|"
     r"serialization|signal|sparse|storage|testing|types|utils|version|"
     r"torch|torch_version|windows|xpu)$",
     "torch's submodules: gradgraph's are autograd.linalg, autograd.special, autograd.random, "
     "autograd.distributions, autograd.functional, nn, nn.functional, nn.optim, nn.utils"),
    (r"^(builtins|ctypes|functools|glob|importlib|inspect|math|os|platform|sys|textwrap|"
     r"threading|warnings)$", "Python's modules, which torch imports into its namespace"),
    (r"quantiz|^q_|^qint|^quint|^qscheme$|^per_(channel|tensor)|^int_repr$|^dequantize$|"
     r"fake_quant|^choose_qparams|^fused_moving_avg", "quantization"),
    (r"sparse|^(dsmm|hsmm|hspmm|smm|spmm|saddmm|sspaddmm)$|^(ccol|col|crow|row)_indices_copy$|"
     r"^(indices|values)_copy$", "sparse tensors"),
    (r"cudnn|miopen|mkldnn|fbgemm|^is_vulkan_available$|^has_(lapack|mkl|openmp|spectral)$|"
     r"^compiled_with_cxx11_abi$|^get_device_module$|^thread_safe_generator$|"
     r"^(get|set|init)_num_interop_threads$|^init_num_threads$|^set_flush_denormal$|"
     r"^(get|set)_float32_matmul_precision$|^profiler_allow_cudagraph",
     "CUDA, cuDNN, MIOpen, MKL-DNN and FBGEMM kernels, and switches of PyTorch's C++ build "
     "and thread pools"),
    (r"autocast", "autocast (mixed precision)"),
    (r"^sym_|^TYPE_CHECKING$", "symbolic shapes"),
    (r"^(fork|wait|import_ir_module|import_ir_module_from_buffer|merge_type_from_type_comment|"
     r"parse_ir|parse_schema|parse_type_comment|unify_type_list|cond|while_loop|vmap)$",
     "TorchScript and torch.func's transforms and control-flow operators"),
    (r"^(lstsq|geqrf|orgqr|ormqr|pca_lowrank|svd_lowrank|lobpcg|matrix_rank|solve|symeig|"
     r"eig)$", "LAPACK's Householder form (geqrf, orgqr, ormqr: use linalg.qr and "
               "linalg.householder_product) and randomized low-rank methods; lstsq, solve, "
               "symeig, eig, matrix_rank are removed from PyTorch (they raise)"),
    (r"complex|^(cfloat|cdouble|chalf|polar|view_as_real|view_as_real_copy|real|imag|"
     r"conj_physical|conj_physical_|stft|istft)$",
     "complex numbers: gradgraph has no complex dtype (stft and istft return complex)"),
    (r"^(float16|half|bfloat16|float8_\w+|float4_\w+|uint(1|2|3|4|5|6|7|16|32|64)|int[1-7]|"
     r"bits\w*|bit)$", "dtypes gradgraph does not compute in: its dtypes are bool, uint8, "
                       "int8 to int64, float32 and float64"),
    (r"^(memory_format|contiguous_format|channels_last|channels_last_3d|preserve_format|"
     r"legacy_contiguous_format|strided|jagged|empty_quantized)$",
     "memory formats and layouts: a tensor is a numpy array in its own layout"),
    (r"^(as_strided_copy|as_strided_scatter|slice_inverse|resize_as_)$",
     "copies and scatters of strided views, and storage resizing"),
    (r"^(native_batch_norm|native_dropout|native_group_norm|native_layer_norm|native_norm|"
     r"batch_norm_\w+|embedding_bag|embedding_renorm_|segment_reduce)$",
     "ATen kernels returning their saved statistics, masks or bag offsets (use batch_norm, "
     "layer_norm, group_norm, dropout, nn.functional.embedding_bag and embedding(max_norm=))"),
    (r"^(are_deterministic_algorithms_enabled|use_deterministic_algorithms|"
     r"is_deterministic_algorithms_warn_only_enabled|get_deterministic_debug_mode|"
     r"set_deterministic_debug_mode|set_warn_always|is_warn_always_enabled|"
     r"is_anomaly_check_nan_enabled|set_anomaly_enabled)$",
     "determinism and warning switches (gradgraph's ops are deterministic; its anomaly "
     "switch is set_detect_anomaly)"),
    (r"^(is_inference|is_storage|set_default_tensor_type|typename|from_file|get_file_path|"
     r"hash_tensor|to_dlpack|is_distributed|prepare_multiprocessing_environment|"
     r"classproperty|PRIVATE_OPS|AVG|SUM)$",
     "typed-tensor and storage helpers, inference tensors, DLPack export, and internals"),
]


def test_every_torch_name_not_provided_is_explained():
    """(Modules are left out: torch's submodules appear in dir(torch) once imported, so
    the list depends on what ran before; the regular ones are listed above.)"""
    missing = {n for n in dir(torch) if not n.startswith("_") and
               not isinstance(getattr(torch, n), types.ModuleType)} - set(dir(ag))
    unexplained = sorted(n for n in missing if not any(re.search(p, n) for p, _ in NOT_PROVIDED))
    assert not unexplained, f"torch.{unexplained}: add them or say why not in NOT_PROVIDED"


def test_the_names_this_module_adds_are_there():
    """The in-scope names: none of them falls under NOT_PROVIDED."""
    provided = set(dir(ag))
    for name in ("get_rng_state", "set_rng_state", "seed", "initial_seed", "conv2d",
                 "dropout_", "kl_div", "rms_norm", "abs_", "zero_", "tril_indices",
                 "histogramdd", "kaiser_window", "empty_strided", "range", "save", "load",
                 "t_copy", "pi", "newaxis", "gradient", "lstm", "gru", "rnn_tanh"):
        assert name in provided, name
        assert not any(re.search(p, name) for p, _ in NOT_PROVIDED), name
