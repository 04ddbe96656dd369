"""remainder / fmod (and %), clamp_min / clamp_max, the element tests (isnan, isinf,
isfinite, isposinf, isneginf) and bernoulli: values and dtypes as PyTorch's for integer,
bool, 0-d and mixed operands, the in-place forms and the errors. (Gradients: op_table.py;
special values: special_values.py.)"""
import numpy as np
import pytest

import autograd as ag
from autograd.errors import ArgumentError, DtypeError

torch = pytest.importorskip("torch")

_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64,
           np.dtype(np.int64): torch.int64, np.dtype(np.int32): torch.int32,
           np.dtype(bool): torch.bool}


def _lib(lib, x):
    return lib.tensor(x) if isinstance(x, np.ndarray) else x


def _same(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    t = theirs.numpy()
    np.testing.assert_array_equal(ours.data, t)
    number = ~np.isnan(t) if t.dtype.kind == "f" else np.ones(t.shape, bool)
    np.testing.assert_array_equal(np.signbit(ours.data)[number], np.signbit(t)[number])


_OPERANDS = [
    (np.array([7, -7, 7, -7, 0]), np.array([3, 3, -3, -3, 5])),
    (np.array([7, -7, 0], np.int32), 3),
    (np.array([5.5, -5.5, 4.0, -4.0, 0.0, -0.0], np.float32), np.float32(2.0).item()),
    (np.array([7, -7, 2]), 2.5),
    (np.array([5.5, -5.5], np.float32), np.array([2, -2])),
    (7, np.array([3.0, -3.0, 0.5])),
    (-7.5, np.array([2, -2])),
    (np.array(5.0), np.array(-3.0)),
]


@pytest.mark.parametrize("op", ["remainder", "fmod"])
@pytest.mark.parametrize("a,b", _OPERANDS, ids=range(len(_OPERANDS)))
def test_remainder_and_fmod_match_pytorch(op, a, b):
    if not isinstance(a, np.ndarray) and op == "fmod":
        return                               # torch.fmod takes a Tensor first
    ours = getattr(ag, op)(_lib(ag, a), _lib(ag, b))
    theirs = getattr(torch, op)(_lib(torch, a), _lib(torch, b))
    _same(ours, theirs)


@pytest.mark.parametrize("a,b", _OPERANDS, ids=range(len(_OPERANDS)))
def test_mod_operator_is_remainder(a, b):
    _same(_lib(ag, a) % _lib(ag, b), _lib(torch, a) % _lib(torch, b))


def test_in_place_forms():
    for name in ("remainder_", "fmod_", "clamp_min_", "clamp_max_"):
        x, t = ag.tensor([5.5, -5.5, 0.25]), torch.tensor([5.5, -5.5, 0.25])
        assert getattr(x, name)(2.0) is x
        getattr(t, name)(2.0)
        _same(x, t)
    x, t = ag.tensor([7, -7]), torch.tensor([7, -7])
    x %= 3
    t %= 3
    _same(x, t)


def test_remainder_errors_as_pytorch():
    with pytest.raises(ArgumentError, match="remainder: integer division by zero"):
        ag.tensor([1, 2]) % ag.tensor([1, 0])
    with pytest.raises(ArgumentError, match="fmod: integer division by zero"):
        ag.fmod(ag.tensor([1, 2]), 0)
    with pytest.raises(ArgumentError, match="division by zero"):
        5 % ag.tensor([0, 1])
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]) % torch.tensor([1, 0])
    with pytest.raises(DtypeError, match="remainder: not implemented for bool"):
        ag.tensor([True]) % ag.tensor([True])
    np.testing.assert_array_equal((ag.tensor([1.0, -1.0]) % 0.0).data, [np.nan, np.nan])


def test_remainder_gradient_as_pytorch_with_a_constant_side():
    for lib in (ag, torch):
        a = lib.tensor([5.5, -5.5, 3.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([2.0, 2.0, -4.0], dtype=lib.float64, requires_grad=True)
        (a % 2.0 + (a * 0 + 7.0) % b + lib.fmod(a, b)).sum().backward()
        if lib is ag:
            ours = a.grad.data, b.grad.data
        else:
            np.testing.assert_array_equal(ours[0], a.grad.numpy())
            np.testing.assert_array_equal(ours[1], b.grad.numpy())


def test_clamp_min_and_max_match_pytorch():
    x = np.array([-2.0, -0.0, 0.0, 0.5, np.nan, np.inf], np.float32)
    for name, bound in (("clamp_min", 0.0), ("clamp_max", 0.25), ("clamp_min", 1)):
        _same(getattr(ag, name)(ag.tensor(x), bound), getattr(torch, name)(torch.tensor(x), bound))
        _same(getattr(ag.tensor(x), name)(bound), getattr(torch.tensor(x), name)(bound))
    _same(ag.tensor([1, 5]).clamp_min(2), torch.tensor([1, 5]).clamp_min(2))
    lo = np.array([0.0, 1.0, -1.0, 0.0, 0.0, 0.0], np.float32)
    _same(ag.clamp_min(ag.tensor(x), ag.tensor(lo)), torch.clamp_min(torch.tensor(x),
                                                                       torch.tensor(lo)))


_SPECIAL = np.array([-np.inf, -1.0, -0.0, 0.0, 2.5, np.inf, np.nan])


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "isposinf", "isneginf"])
def test_element_tests_match_pytorch(name):
    for x in (_SPECIAL, _SPECIAL.astype(np.float32).reshape(7, 1), np.array([3, -1, 0]),
              np.array([True, False]), np.array(np.inf), np.zeros((0, 2))):
        ours = getattr(ag, name)(ag.tensor(x))
        _same(ours, getattr(torch, name)(torch.tensor(x)))
        _same(getattr(ag.tensor(x), name)(), getattr(torch.tensor(x), name)())
        assert ours._node is None
    t = ag.tensor(_SPECIAL, requires_grad=True)
    assert not ag.isfinite(t * 2).requires_grad


def test_bernoulli_draws_from_the_seeded_generator():
    ag.manual_seed(3)
    p = ag.tensor(np.linspace(0, 1, 11).repeat(4000).reshape(11, 4000).astype(np.float32))
    draws = ag.bernoulli(p)
    assert draws.dtype == np.float32 and draws.shape == p.shape
    assert set(np.unique(draws.data)) <= {0.0, 1.0}
    assert not draws.data[0].any() and draws.data[-1].all()           # p = 0 and p = 1
    np.testing.assert_allclose(draws.data.mean(1), np.linspace(0, 1, 11), atol=0.03)
    ag.manual_seed(3)
    np.testing.assert_array_equal(p.bernoulli().data, draws.data)      # reproducible
    half = ag.zeros(20000, dtype=ag.float64).bernoulli(0.25)
    assert half.dtype == np.float64 and abs(half.data.mean() - 0.25) < 0.015
    mine = ag.bernoulli(p, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(mine.data, ag.bernoulli(p, generator=np.random.default_rng(0)).data)


def test_bernoulli_gradient_is_zero_and_arguments_checked():
    x = ag.tensor([0.2, 0.7, 1.0], requires_grad=True)
    y = ag.bernoulli(x)
    assert y.requires_grad                       # as PyTorch's, with a zero gradient
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])
    with ag.no_grad():
        assert not ag.bernoulli(x).requires_grad
    for bad in (ag.tensor([1.5]), ag.tensor([-0.1]), ag.tensor([np.nan])):
        with pytest.raises(ArgumentError, match=r"bernoulli: probabilities must be in \[0, 1\]"):
            ag.bernoulli(bad)
    with pytest.raises(ArgumentError, match="p=1.5"):
        ag.bernoulli(ag.zeros(2), 1.5)
    with pytest.raises(DtypeError, match="bernoulli: expected a floating-point"):
        ag.bernoulli(ag.tensor([1, 0]))


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "frac"])
def test_rounding_matches_pytorch(name):
    for x in (np.array([-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 1e20, -np.inf, np.inf, np.nan]),
              np.array([[0.49999997, -3.7]], np.float32), np.array([3, -2, 0]), np.array(-1.5)):
        if name == "frac" and x.dtype.kind != "f":
            with pytest.raises(DtypeError, match="frac: expected a floating-point"):
                ag.frac(ag.tensor(x))
            continue
        _same(getattr(ag, name)(ag.tensor(x)), getattr(torch, name)(torch.tensor(x)))
        _same(getattr(ag.tensor(x), name)(), getattr(torch.tensor(x), name)())
    with pytest.raises(DtypeError, match=f"{name}: "):
        getattr(ag, name)(ag.tensor([True]))


def test_round_to_decimals_matches_pytorch():
    x = np.array([1.2345, 2.5, -0.55, 125.0, -135.0, 0.125, np.inf], np.float32)
    for decimals in (0, 1, 2, -1, -2):
        _same(ag.round(ag.tensor(x), decimals=decimals),
              torch.round(torch.tensor(x), decimals=decimals))
    with pytest.raises(DtypeError, match="round: decimals=1 is not implemented for integer"):
        ag.tensor([12]).round(decimals=1)


@pytest.mark.parametrize("a,b", _OPERANDS, ids=range(len(_OPERANDS)))
def test_floor_divide_matches_pytorch(a, b):
    _same(_lib(ag, a) // _lib(ag, b), _lib(torch, a) // _lib(torch, b))
    if isinstance(a, np.ndarray):
        _same(ag.floor_divide(_lib(ag, a), _lib(ag, b)),
              torch.floor_divide(_lib(torch, a), _lib(torch, b)))
    special = np.array([-np.inf, -3.0, -0.5, -0.0, 0.0, 3.0, np.inf, np.nan])
    for divisor in (2.0, -2.0, 0.0, np.inf):
        _same(ag.tensor(special) // divisor, torch.tensor(special) // divisor)


def test_floor_divide_gradient_is_zero_and_in_place():
    a = ag.tensor([7.5, -7.5], requires_grad=True)
    b = ag.tensor([2.0], requires_grad=True)
    y = a // b
    assert y.requires_grad
    (y * 3 + a).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(b.grad.data, [0.0])
    x, t = ag.tensor([7, -7]), torch.tensor([7, -7])
    x //= 2
    t //= 2
    _same(x, t)
    x = ag.tensor([7.5, -7.5])
    assert x.floor_divide_(2) is x
    _same(x, torch.tensor([7.5, -7.5]).floor_divide_(2))
    with pytest.raises(ArgumentError, match="floor_divide: integer division by zero"):
        ag.tensor([1]) // 0


@pytest.mark.parametrize("name", ["log1p", "expm1"])
def test_log1p_expm1_match_pytorch(name):
    for x in (np.array([-1.0, -0.5, -0.0, 0.0, 1e-30, 1e-8, 0.5, 80.0, np.inf, np.nan]),
              np.array([1e-7, -1e-7], np.float32), np.array([0, 2])):
        _same(getattr(ag, name)(ag.tensor(x)), getattr(torch, name)(torch.tensor(x)))
    x = ag.tensor([1e-12], dtype=ag.float64)
    assert getattr(ag, name)(x).data[0] != 0 and abs(getattr(ag, name)(x).data[0] - 1e-12) < 1e-23
