"""The elementwise math functions (tan, asin ... atanh, log2, log10, exp2, erf, erfc,
erfinv, logit, sinc, deg2rad, rad2deg, sgn, nan_to_num, atan2, hypot, logaddexp,
logaddexp2, xlogy, copysign, fmax, fmin, lerp, heaviside, div's rounding modes): values
and dtypes as PyTorch's for integer, bool, 0-d and mixed operands, and their errors.
(Gradients: op_table.py; kinks and special values: special_values.py.)"""
import numpy as np
import pytest

import autograd as ag
from torch_compare import run_case
from autograd.errors import ArgumentError, DtypeError

torch = pytest.importorskip("torch")

UNARY = ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "log2",
         "log10", "exp2", "erf", "erfc", "erfinv", "logit", "sinc", "deg2rad", "rad2deg",
         "sgn", "nan_to_num", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh"]
BINARY = ["atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "fmax",
          "fmin"]
_INPUTS = [np.array([-2, -1, 0, 1, 3]), np.array([0, 1, 5], np.int32),
           np.array([True, False]), np.array(0.5, np.float32), np.array(3),
           np.array([-1.5, -0.0, 0.0, 0.25, 1.0, 2.0, np.inf, -np.inf, np.nan], np.float32),
           np.array([[-0.75, 0.5], [1e-3, 0.999]])]


def _same(ours, theirs, rtol=None):
    if rtol is None:
        rtol = 2e-6 if theirs.dtype == torch.float32 else 1e-12
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=rtol, atol=0, equal_nan=True)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("x", _INPUTS, ids=range(len(_INPUTS)))
def test_unary_matches_pytorch(name, x):
    with np.errstate(all="ignore"):
        ours = getattr(ag, name)(ag.tensor(x))
    theirs = getattr(torch, name)(torch.tensor(x))
    _same(ours, theirs)
    assert getattr(ag.Tensor, name) is getattr(ag, name)


_PAIRS = [
    (np.array([-2, 0, 3]), np.array([1, 0, -2])),
    (np.array([1, 2, 4], np.int32), np.array(2.5)),
    (np.array([0.5, -1.5], np.float32), np.array(2.0)),
    (np.array([0.5, -1.5], np.float32), np.array([[1], [-2]])),
    (np.array([True, False]), np.array([3, -1])),
    (np.array(2.0), np.array([[0.5, -0.0], [np.inf, np.nan]])),
    (np.array([1.0, -0.0, np.nan, 2.0], np.float32), np.array([np.nan, 0.0, 1.0, -np.inf],
                                                              np.float32)),
]


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("a,b", _PAIRS, ids=range(len(_PAIRS)))
def test_binary_matches_pytorch(name, a, b):
    try:
        theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(b))
    except RuntimeError:     # integers for hypot, logaddexp: computed in floating point here
        theirs = getattr(torch, name)(torch.tensor(a).double(), torch.tensor(b).double())
        theirs = theirs.to(torch.get_default_dtype())
    with np.errstate(all="ignore"):
        ours = getattr(ag, name)(ag.tensor(a), ag.tensor(b))
        method = getattr(ag.tensor(a), name)(ag.tensor(b))
    _same(ours, theirs)
    np.testing.assert_array_equal(method.data, ours.data)


@pytest.mark.parametrize("name", ["atan2", "hypot", "xlogy", "copysign", "fmax", "logaddexp"])
def test_binary_with_a_number_on_either_side(name):
    x = ag.tensor([0.5, 2.0], dtype=ag.float64)
    with np.errstate(all="ignore"):
        right, left = getattr(ag, name)(x, 3), getattr(ag, name)(3, x)
    np.testing.assert_array_equal(right.data, getattr(ag, name)(x, ag.full_like(x, 3.0)).data)
    np.testing.assert_array_equal(left.data, getattr(ag, name)(ag.full_like(x, 3.0), x).data)
    assert right.dtype == left.dtype == np.float64


def test_logit_eps_and_nan_to_num_arguments_match_pytorch():
    x = np.array([-0.5, 0.0, 0.1, 0.5, 0.95, 1.0, np.nan])
    _same(ag.logit(ag.tensor(x), eps=0.1), torch.logit(torch.tensor(x), eps=0.1), 1e-12)
    _same(ag.tensor(x).logit(0.3), torch.tensor(x).logit(0.3), 1e-12)
    y = np.array([np.nan, np.inf, -np.inf, 1.5], np.float32)
    for kw in ({}, dict(nan=1.0), dict(posinf=7.0), dict(nan=-1.0, posinf=2.0, neginf=-3.0),
               dict(neginf=-1e300)):
        _same(ag.nan_to_num(ag.tensor(y), **kw), torch.nan_to_num(torch.tensor(y), **kw), 0)
    for v in (np.array([1, 2]), np.array([True])):
        out = ag.nan_to_num(ag.tensor(v))
        _same(out, torch.nan_to_num(torch.tensor(v)), 0)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("a,b", [(np.array([7, -7, 7, -7, 0, 6]), np.array([2, 2, -2, -2, 3, 3])),
                                 (np.array([7, -7], np.int32), 2),
                                 (np.array([7.5, -7.5, -0.5, 0.5], np.float32), 2),
                                 (np.array([7, -7]), 2.5),
                                 (np.array(-7.0), np.array([2.0, -2.0, 0.0])),
                                 (np.array([5.0, -5.0, 0.0]), 0.0)])
def test_div_rounding_modes_match_pytorch(mode, a, b):
    tb = torch.tensor(b) if isinstance(b, np.ndarray) else b
    theirs = torch.div(torch.tensor(a), tb, rounding_mode=mode)
    bb = ag.tensor(b) if isinstance(b, np.ndarray) else b
    with np.errstate(all="ignore"):
        _same(ag.div(ag.tensor(a), bb, rounding_mode=mode), theirs, 0)
        _same(ag.tensor(a).divide(bb, rounding_mode=mode), theirs, 0)
    signs = np.signbit(ag.div(ag.tensor(a), bb, rounding_mode=mode).data)
    np.testing.assert_array_equal(signs, np.signbit(theirs.numpy()))


def test_div_in_place_with_a_rounding_mode_matches_pytorch():
    for a, b, mode in [(np.array([7.5, -7.5]), 2.0, "trunc"), (np.array([7, -7]), 2, "floor"),
                       (np.array([7, -7]), np.array([2, -2]), "trunc"),
                       (np.array([7.0, 1.0]), 2.0, None)]:
        ours, theirs = ag.tensor(a), torch.tensor(a)
        bb = ag.tensor(b) if isinstance(b, np.ndarray) else b
        assert ours.div_(bb, rounding_mode=mode) is ours
        theirs.div_(torch.tensor(b) if isinstance(b, np.ndarray) else b, rounding_mode=mode)
        _same(ours, theirs)


def test_div_rounding_mode_errors_and_gradient():
    with pytest.raises(ArgumentError, match="div: integer division by zero"):
        ag.div(ag.tensor([1, 2]), ag.tensor([1, 0]), rounding_mode="trunc")
    with pytest.raises(ArgumentError, match="rounding_mode must be None, 'trunc' or 'floor'"):
        ag.div(ag.tensor([1.0]), 2.0, rounding_mode="round")
    x = ag.tensor([7.5, -7.5], requires_grad=True)
    y = ag.div(x, 2, rounding_mode="trunc")
    assert y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    assert ag.div(ag.tensor([3]), 2).dtype == np.float32      # true division by default


def test_heaviside_as_pytorch_and_its_values_gradient():
    x = np.array([-1.5, 0.0, -0.0, 2.0, np.nan])
    v = np.array([0.5])
    _same(ag.heaviside(ag.tensor(x), ag.tensor(v)), torch.heaviside(torch.tensor(x),
                                                                     torch.tensor(v)), 0)
    ints = np.array([-2, 0, 3])
    _same(ag.tensor(ints).heaviside(ag.tensor(7)), torch.tensor(ints).heaviside(torch.tensor(7)), 0)
    values = ag.tensor([0.25, 0.5, 0.75, 1.0, 2.0], dtype=ag.float64, requires_grad=True)
    ag.heaviside(ag.tensor(x), values).sum().backward()
    np.testing.assert_array_equal(values.grad.data, [0.0, 1.0, 1.0, 0.0, 0.0])
    with pytest.raises(DtypeError, match="heaviside: values must be a Tensor of input's dtype"):
        ag.heaviside(ag.tensor([1.0]), ag.tensor([1]))


def test_lerp_as_pytorch():
    a, b = np.array([1.0, -2.0, 0.5], np.float32), np.array([3.0, 4.0, 0.5], np.float32)
    for w in (0.25, 0.5, 1.0, -0.7, np.array([0.2, 0.6, 1.0], np.float32)):
        tw = torch.tensor(w) if isinstance(w, np.ndarray) else w
        aw = ag.tensor(w) if isinstance(w, np.ndarray) else w
        _same(ag.lerp(ag.tensor(a), ag.tensor(b), aw),      # (PyTorch's fma: 1 ulp apart)
              torch.lerp(torch.tensor(a), torch.tensor(b), tw))
    a, b = a.astype(np.float64), b.astype(np.float64)
    for w in (0.25, 0.5, 1.0, -0.7, 3.0):
        _same(ag.lerp(ag.tensor(a), ag.tensor(b), w), torch.lerp(torch.tensor(a),
                                                                  torch.tensor(b), w))
    with pytest.raises(DtypeError, match="lerp: expected floating-point input and end"):
        ag.lerp(ag.tensor([1, 2]), ag.tensor([3, 4]), 0.5)


def test_erf_family_accuracy_where_torch_is_exact():
    """erfc keeps its relative precision far in the tail (1 - erf would be 0 there), and
    erfinv inverts erf to a few ulps (PyTorch's own erfinv is exact to ~1e-12 only)."""
    x = np.linspace(-6.0, 27.0, 2001)
    np.testing.assert_allclose(ag.erfc(ag.tensor(x)).data, torch.erfc(torch.tensor(x)).numpy(),
                               rtol=2e-15, atol=0)
    y = np.concatenate([np.linspace(-0.999, 0.999, 1001), 1.0 - np.logspace(-15, -1, 50)])
    root = ag.erfinv(ag.tensor(y)).data
    np.testing.assert_allclose(ag.erf(ag.tensor(root)).data, y, rtol=1e-15, atol=0)
    np.testing.assert_allclose(ag.erfc(ag.tensor(root[-50:])).data, 1.0 - y[-50:],
                               rtol=2e-14, atol=0)
    np.testing.assert_allclose(root[:1001], torch.erfinv(torch.tensor(y[:1001])).numpy(),
                               rtol=1e-14, atol=1e-300)


def test_erf_values_do_not_depend_on_size_or_layout():
    """erf and erfc are evaluated block by block, each branch over a whole block: every
    element gets the same bits alone, in any block, reversed or strided, in float32 (the
    float64 value rounded) as in float64, and is within 4 ulps of math.erf (8 of
    math.erfc: Cody's rationals' own error, 6 at most here), also for tiny x, the branch
    edges (0.46875, 4) and the tails."""
    import math
    rng = np.random.default_rng(3)
    edges = [0.46875, 4.0, 27.0, 5e-324, 1e-300, 1e-9]
    x = np.concatenate([rng.standard_normal(9000) * 3.0, np.nextafter(edges, 0), edges,
                        np.nextafter(edges, 9), -np.array(edges), [0.0, -0.0, 40.0, -6.0]])
    rng.shuffle(x)
    for name, ref, ulps in (("erf", math.erf, 4.0), ("erfc", math.erfc, 8.0)):
        fn = getattr(ag, name)
        whole = fn(ag.tensor(x)).data
        want = np.array([ref(v) for v in x])
        assert np.all(np.abs(whole - want) <= ulps * np.spacing(np.abs(want))), name
        assert np.array_equal(fn(ag.tensor(x[::-1].copy())).data[::-1], whole)
        assert np.array_equal(fn(ag.tensor(np.repeat(x, 2)[::2])).data, whole)
        assert all(fn(ag.tensor(x[i:i + 1])).data[0] == whole[i] for i in range(0, len(x), 97))
        x32 = x.astype(np.float32)
        assert np.array_equal(fn(ag.tensor(x32)).data,
                              fn(ag.tensor(x32.astype(np.float64))).data.astype(np.float32))


# --- isclose, allclose, equal --------------------------------------------------------------
_CLOSE = [
    (np.array([1.0, 1.00001, 1e-9, np.nan, np.inf, np.inf, -np.inf, 0.0]),
     np.array([1.0, 1.0, 0.0, np.nan, np.inf, -np.inf, -np.inf, -0.0])),
    (np.array([1.0, 1.00001, 2.0], np.float32), np.array([[1.0], [1.0000099]], np.float32)),
    (np.array([10, 11, 12]), np.array([10, 10, 10])),
    (np.array([True, False]), np.array([True, True])),
    (np.array(3.0), np.array(3.0 + 3e-5)),
]


@pytest.mark.parametrize("a,b", _CLOSE, ids=range(len(_CLOSE)))
@pytest.mark.parametrize("kw", [{}, dict(equal_nan=True), dict(rtol=0.1, atol=0.0),
                                dict(rtol=0.0, atol=1e-3)], ids=repr)
def test_isclose_and_allclose_match_pytorch(a, b, kw):
    ours, theirs = ag.isclose(ag.tensor(a), ag.tensor(b), **kw), torch.isclose(
        torch.tensor(a), torch.tensor(b), **kw)
    _same(ours, theirs)
    assert ag.tensor(a).isclose(ag.tensor(b), **kw).requires_grad is False
    all_ours = ag.allclose(ag.tensor(a), ag.tensor(b), **kw)
    assert type(all_ours) is bool and all_ours == torch.allclose(torch.tensor(a),
                                                                 torch.tensor(b), **kw)
    assert ag.tensor(a).allclose(ag.tensor(b), **kw) == all_ours


def test_isclose_across_dtypes_and_its_errors():
    a = ag.tensor([1, 2], requires_grad=False)
    np.testing.assert_array_equal(ag.isclose(a, ag.tensor([1.0, 2.5])).data, [True, False])
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert not ag.isclose(x, x).requires_grad
    with pytest.raises(ArgumentError, match="isclose: rtol and atol must be >= 0"):
        ag.isclose(x, x, rtol=-1)


@pytest.mark.parametrize("a,b", [
    (np.array([1, 2]), np.array([1.0, 2.0])), (np.array([1, 2]), np.array([[1, 2]])),
    (np.array([np.nan]), np.array([np.nan])), (np.array([-0.0]), np.array([0.0])),
    (np.array(2.0), np.array(2.0)), (np.array([True]), np.array([1])),
    (np.array([1.0, 2.0]), np.array([1.0, 3.0]))])
def test_equal_matches_pytorch(a, b):
    ours = ag.equal(ag.tensor(a), ag.tensor(b))
    assert type(ours) is bool and ours == torch.equal(torch.tensor(a), torch.tensor(b))
    assert ag.tensor(a).equal(ag.tensor(b)) == ours


# --- reductions and scans -------------------------------------------------------------------
_RNG = np.random.default_rng(0)
_X = _RNG.standard_normal((3, 4, 5))
_X_NAN = _X.copy()
_X_NAN[0, 1, 2] = np.nan
_X_NAN[2, :, 3] = np.nan
_INTS = _RNG.integers(-3, 4, (4, 6))


def _both(fn, *arrays):
    """fn run on gradgraph's and on PyTorch's tensors of `arrays`."""
    return fn(ag, *[ag.tensor(a) for a in arrays]), fn(torch, *[torch.tensor(a) for a in arrays])


@pytest.mark.parametrize("x", [_X, _X.astype(np.float32), _INTS, _INTS.astype(np.int32) > 0,
                               np.array(2.5), np.zeros((2, 0))], ids=range(6))
def test_prod_cumprod_logcumsumexp_match_pytorch(x):
    dims = range(-1, x.ndim) if x.ndim else [0]
    for d in dims:
        for keepdim in (False, True):
            _same(*_both(lambda L, t: L.prod(t, d, keepdim), x))
        _same(*_both(lambda L, t: L.cumprod(t, d), x))
        _same(*_both(lambda L, t: t.cumprod(d, dtype=L.float64), x))
        if x.dtype.kind == "f":
            _same(*_both(lambda L, t: L.logcumsumexp(t, d), x))
    _same(*_both(lambda L, t: L.prod(t), x))
    _same(*_both(lambda L, t: L.prod(t, dtype=L.float64), x))


LOGCUMSUMEXP_SPECIAL = [[-1000.0, 0.0, 1000.0, 1.0], [0.0, -np.inf, 1.0], [-np.inf, -np.inf, 0.0],
                        [np.inf, 1.0], [1.0, np.inf, 2.0], [np.nan, 1.0], [3.0, 3.0, 3.0],
                        [-1000.0, -999.0, 5.0], [np.inf, -np.inf, 1.0]]


def test_logcumsumexp_float32_is_pytorchs_bit_for_bit():
    # a running logaddexp in float64, as PyTorch's float32 kernel accumulates: the scan by
    # doubling in float32 was up to 1e-6 off over 300 elements
    x = (np.random.default_rng(1).standard_normal((4, 300, 3)) * 20).astype(np.float32)
    for d in (1, -1, 0):
        ours, theirs = _both(lambda L, t: L.logcumsumexp(t, d), x)
        assert ours.data.dtype == np.float32
        np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("shape, dim", [((2, 0), 1), ((0, 3), 1), ((0,), 0), ((3, 0), 0)])
def test_logcumsumexp_of_empty_tensors_backpropagates(shape, dim):
    # the backward looked at the ends of an empty dim (IndexError)
    ours, our_grads = run_case(ag, lambda L, t: L.logcumsumexp(t, dim), [np.zeros(shape)])
    ref, ref_grads = run_case(torch, lambda L, t: L.logcumsumexp(t, dim), [np.zeros(shape)])
    assert ours.shape == ref.shape and our_grads[0].shape == ref_grads[0].shape == shape


@pytest.mark.parametrize("values", LOGCUMSUMEXP_SPECIAL, ids=str)
def test_logcumsumexp_special_values_and_gradients_match_pytorch(values):
    # no underflow of the early terms ([-1000, 0]: -1000, not -inf), inf and NaN as PyTorch
    arrays = [np.array(values)]
    ours, our_grads = run_case(ag, lambda L, t: L.logcumsumexp(t, 0), arrays)
    ref, ref_grads = run_case(torch, lambda L, t: L.logcumsumexp(t, 0), arrays)
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_allclose(our_grads[0], ref_grads[0], rtol=1e-12)


@pytest.mark.parametrize("x", [_X_NAN, _INTS, np.array([1.0, 3.0, 3.0, np.nan, 5.0, np.nan, 0.0]),
                               np.array(1.5)], ids=range(4))
def test_cummax_cummin_match_pytorch(x):
    for d in (range(-1, x.ndim) if x.ndim else [0]):
        for name in ("cummax", "cummin"):
            ours, theirs = _both(lambda L, t: getattr(L, name)(t, d), x)
            _same(ours.values, theirs.values)
            _same(ours.indices, theirs.indices)
            assert type(ours).__name__ == name and ours[0] is ours.values


@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_matches_pytorch(name):
    for x in (_X_NAN, _INTS, _X[0], np.array([3.0, 1.0, 2.0, 2.0, 1.0, 3.0]), np.array(4.0)):
        _same(*_both(lambda L, t: getattr(L, name)(t), x))
        for d in (range(-1, x.ndim) if x.ndim else [0]):
            for keepdim in (False, True):
                ours, theirs = _both(lambda L, t: getattr(t, name)(d, keepdim), x)
                _same(ours.values, theirs.values)
                all_nan = np.isnan(theirs.values.numpy()) if name == "nanmedian" else False
                # (PyTorch's index of an all-NaN slice depends on its selection algorithm)
                np.testing.assert_array_equal(np.where(all_nan, 0, ours.indices.data),
                                              np.where(all_nan, 0, theirs.indices.numpy()))


def test_kthvalue_and_mode_match_pytorch():
    for x in (_X, _INTS, np.array([2.0, 1.0, 2.0, 1.0, 3.0])):
        for d in range(-1, x.ndim):
            for keepdim in (False, True):
                ours, theirs = _both(lambda L, t: L.mode(t, d, keepdim), x)
                _same(ours.values, theirs.values)
                _same(ours.indices, theirs.indices)
                for k in (1, 2):
                    ours, theirs = _both(lambda L, t: t.kthvalue(k, d, keepdim), x)
                    _same(ours.values, theirs.values)
                    # indices of ties are PyTorch's selection's: compare the values there
                    np.testing.assert_array_equal(np.take_along_axis(
                        x, np.expand_dims(ours.indices.data, d) if not keepdim else
                        ours.indices.data, axis=d), np.expand_dims(ours.values.data, d)
                        if not keepdim else ours.values.data)
    with pytest.raises(ag.OutOfRangeError, match="kthvalue: k=6 is out of range"):
        ag.kthvalue(ag.tensor([1.0, 2.0]), 6)


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_matches_pytorch(name, interpolation):
    for x in (_X_NAN, _X.astype(np.float32), np.array([4.0, 1.0, 3.0, 2.0]), np.array(2.0)):
        for q in (0.0, 0.3, 0.5, 1.0, np.array([0.1, 0.5, 0.75], x.dtype)):
            for d, keepdim in [(None, False), (None, True)] + [
                    (d, k) for d in range(-1, x.ndim) for k in (False, True)]:
                _same(*_both(lambda L, t: getattr(L, name)(
                    t, L.tensor(q) if isinstance(q, np.ndarray) else q, d, keepdim,
                    interpolation=interpolation), x))


def test_quantile_errors():
    x = ag.tensor([1.0, 2.0])
    with pytest.raises(ag.ArgumentError, match=r"quantile: q must be a number or a 1-d tensor"):
        ag.quantile(x, 1.5)
    with pytest.raises(ag.ArgumentError, match="interpolation must be one of"):
        ag.quantile(x, 0.5, interpolation="cubic")
    with pytest.raises(ag.DtypeError, match="quantile: expected a floating-point input"):
        ag.quantile(ag.tensor([1, 2]), 0.5)


def test_diff_of_order_0_is_a_new_tensor():
    """As PyTorch's: writing into diff(x, n=0) leaves x as it was (it returned x)."""
    x = ag.ones(3)
    ag.diff(x, n=0).add_(1)
    x.diff(0).add_(1)
    np.testing.assert_array_equal(x.data, np.ones(3, np.float32))


def test_nansum_nanmean_aminmax_count_nonzero_diff_match_pytorch():
    for x in (_X_NAN, _X.astype(np.float32), np.array(np.nan), _INTS):
        for d in [None, 0, -1, (0, 1)] if x.ndim > 1 else [None]:
            for keepdim in (False, True):
                _same(*_both(lambda L, t: L.nansum(t, d, keepdim), x))
                if x.dtype.kind == "f":
                    _same(*_both(lambda L, t: t.nanmean(d, keepdim), x))
        _same(*_both(lambda L, t: L.count_nonzero(t), x))
        for d in ([0, -1, (0, 1)] if x.ndim > 1 else []):
            _same(*_both(lambda L, t: t.count_nonzero(d), x))
        for d in [None, 0, -1] if x.ndim else [None]:
            ours, theirs = _both(lambda L, t: L.aminmax(t, dim=d, keepdim=d is not None), x)
            _same(ours.min, theirs.min)
            _same(ours.max, theirs.max)
    for x in (_X, _INTS, _INTS > 0):
        for n in (0, 1, 2):
            for d in range(-1, x.ndim):
                _same(*_both(lambda L, t: L.diff(t, n, d), x))
                edge = np.take(x, [0, 1], axis=d)
                _same(*_both(lambda L, t, e: t.diff(n, d, prepend=e, append=e), x, edge))
    with pytest.raises(ag.DtypeError, match="nanmean: expected a floating-point tensor"):
        ag.nanmean(ag.tensor([1, 2]))
