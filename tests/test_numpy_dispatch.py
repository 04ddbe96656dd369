"""numpy functions on Tensors record (Tensor.__array_ufunc__ / __array_function__): the
table in numpy_table.py, float64, values against numpy and gradients (first and second
order) against gradgraph's own ops and central differences; what is refused, mixed
Tensor/ndarray arguments, numpy scalars, out= and the conversions that would detach."""
import numpy as np
import pytest

import autograd as ag
from autograd.numpy_dispatch import UFUNCS
from autograd.numpy_functions import FUNCTIONS, NO_GRADIENT
from numpy_table import TABLE


def _grads(fn, xs, create_graph=False):
    out = fn(*xs)
    out = out[0] if isinstance(out, tuple) else out
    w = ag.tensor(np.random.default_rng(3).standard_normal(out.shape))
    return ag.grad((out * w).sum(), xs, create_graph=create_graph, allow_unused=True,
                   materialize_grads=True)


@pytest.mark.parametrize("case", TABLE, ids=repr)
def test_value_matches_numpy(case):
    xs = case.inputs()
    expected = case.fn(*[x.data.copy() for x in xs])
    got = case.fn(*xs)
    got = got[0] if isinstance(got, tuple) else got
    expected = expected[0] if isinstance(expected, tuple) else expected
    assert isinstance(got, ag.Tensor) and got.requires_grad
    assert got.shape == np.shape(expected) and got.dtype == np.float64
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got.data, case.own(*xs).data, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case", TABLE, ids=repr)
def test_gradients_equal_gradgraphs_own_op(case):
    xs = case.inputs()
    for g, h in zip(_grads(case.fn, xs), _grads(case.own, xs)):
        np.testing.assert_allclose(g.data, h.data, rtol=1e-10, atol=1e-12)
    # second order: d/dx <grad, v> through both
    v = [ag.tensor(np.random.default_rng(4).standard_normal(x.shape)) for x in xs]

    def second(fn):
        gs = _grads(fn, xs, create_graph=True)
        dot = sum(((g * vi).sum() for g, vi in zip(gs, v) if g.requires_grad), ag.tensor(0.0))
        if not dot.requires_grad:
            return [np.zeros(x.shape) for x in xs]
        return [g.data for g in ag.grad(dot, xs, allow_unused=True, materialize_grads=True)]
    for g, h in zip(second(case.fn), second(case.own)):
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", TABLE, ids=repr)
def test_gradients_match_central_differences(case):
    def fn(*xs):
        out = case.fn(*xs)
        return out[0] if isinstance(out, tuple) else out
    assert ag.gradcheck(fn, case.inputs())
    assert ag.gradgradcheck(fn, case.inputs())


@pytest.mark.parametrize("case", TABLE, ids=repr)
def test_float32_stays_float32(case):
    xs = case.inputs(np.float32)
    out = case.fn(*xs)
    out = out[0] if isinstance(out, tuple) else out
    assert out.dtype == np.float32, out.dtype
    np.testing.assert_allclose(out.data, case.own(*xs).data, rtol=1e-5, atol=1e-6)
    for g, x in zip(_grads(case.fn, xs), xs):
        assert g.dtype == np.float32


def test_every_recorded_function_is_in_the_table():
    """A function added to the dispatch tables without a test case fails here."""
    names = {c.name for c in TABLE}
    covered = {"absolute": "abs", "around": "round"}
    elsewhere = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
                 "isnan", "isinf", "isfinite", "signbit", "logical_and", "logical_or",
                 "logical_xor", "logical_not", "argmax", "argmin", "zeros_like",
                 "ones_like", "empty_like", "full_like"}     # no gradient: tested below

    def qualified(f):
        name = covered.get(f.__name__, f.__name__)
        return "linalg." + name if "linalg" in (getattr(f, "__module__", "") or "") else name
    missing = [qualified(f) for f in list(UFUNCS) + list(FUNCTIONS)
               if f.__name__ not in elsewhere and not any(
                   n == qualified(f) or n.startswith(qualified(f) + "_") for n in names)]
    assert not missing, missing


# --- what is refused, and what runs on the data -------------------------------------------
REFUSED = [
    ("numpy.fft.fft", lambda x: np.fft.fft(x)),
    ("numpy.cbrt", lambda x: np.cbrt(x)),
    ("numpy.ldexp", lambda x: np.ldexp(x, 2)),
    ("numpy.spacing", lambda x: np.spacing(x)),
    ("numpy.remainder", lambda x: np.remainder(x, 0.3)),
    ("numpy.ptp", lambda x: np.ptp(x)),
    ("numpy.einsum", lambda x: np.einsum(x, [0, 1], [1])),     # the interleaved form
    ("numpy.linalg.inv", lambda x: np.linalg.inv(x)),
    ("numpy.linalg.norm", lambda x: np.linalg.norm(x, 2)),       # the matrix 2-norm
    ("numpy.multiply.reduce", lambda x: np.multiply.reduce(x)),
    ("numpy.add.at", lambda x: np.add.at(x, [0], 1.0)),
    ("numpy.exp", lambda x: np.exp(x, where=x.data > 0)),       # where= not implemented
    ("numpy.pad", lambda x: np.pad(x, 1)),
]


@pytest.mark.parametrize("name,call", REFUSED, ids=[r[0] for r in REFUSED])
def test_function_without_gradient_raises_naming_it(name, call):
    x = ag.tensor(np.eye(3) + 0.5, requires_grad=True)
    with pytest.raises(ag.NotDifferentiableError, match=name.replace(".", r"\.")) as info:
        call(x)
    assert isinstance(info.value, TypeError) and "detach" in str(info.value)
    if "where" in name or name == "numpy.exp":
        assert "the arguments ['where'] are not implemented" in str(info.value)
    with ag.no_grad():                   # no silent detach under no_grad either
        with pytest.raises(ag.NotDifferentiableError):
            call(x)


@pytest.mark.parametrize("name,call", REFUSED[:7], ids=[r[0] for r in REFUSED[:7]])
def test_function_without_gradient_runs_on_tensors_that_need_none(name, call):
    x = np.eye(3) + 0.5
    np.testing.assert_allclose(call(ag.tensor(x)), call(x))


def test_results_without_gradient_run_on_any_tensor():
    x = ag.tensor([[1.0, -2.0, np.nan], [4.0, 0.5, 3.0]], requires_grad=True)
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6
    assert np.argmax(x.detach(), axis=1).tolist() == [2, 0]      # NaN first, as numpy
    am = np.argmax(ag.tensor([[1.0, 3.0], [4.0, 2.0]], requires_grad=True), axis=1)
    assert isinstance(am, ag.Tensor) and am.tolist() == [1, 0]
    isnan = np.isnan(x)
    assert isinstance(isnan, ag.Tensor) and isnan.dtype == bool and not isnan.requires_grad
    assert isnan.tolist() == [[False, False, True], [False, False, False]]
    assert (np.greater(x, 0.7).tolist() == (x > 0.7).tolist()
            == [[True, False, False], [True, False, True]])
    assert np.argsort(x.detach()[1]).tolist() == np.argsort(x[1]).tolist() == [1, 2, 0]
    assert np.count_nonzero(x) == 6 and np.allclose(x[1], [4.0, 0.5, 3.0])
    assert [a.tolist() for a in np.where(x[1] > 1)] == [[0, 2]]
    z = np.zeros_like(x)
    assert isinstance(z, ag.Tensor) and not z.requires_grad and z.shape == (2, 3)
    assert FUNCTIONS.keys().isdisjoint(NO_GRADIENT)


# --- conversions that would detach (issue: never silently) ---------------------------------
def test_conversion_of_a_tensor_that_requires_grad_raises():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    for convert in (np.asarray, np.array, lambda t: t.numpy(), np.asanyarray,
                    lambda t: np.array([t, t])):
        with pytest.raises(ag.GraphError, match="detach"):
            convert(x)
        with ag.no_grad(), pytest.raises(ag.GraphError, match="detach"):
            convert(x)                                   # as PyTorch: grad mode is irrelevant
    assert np.asarray(x.detach()).tolist() == [1.0, 2.0]
    y = x * 2
    with pytest.raises(ag.GraphError, match=r"\(2,\) float32"):
        np.asarray(y)
    assert np.asarray(ag.tensor([1, 2])).dtype == np.int64         # no grad: the data


def test_special_values_as_numpy():
    v = np.array([0.0, -2.0, np.nan, np.inf, -np.inf, 3.0])
    t = ag.tensor(v, requires_grad=True)
    for call in (np.sign, np.abs, np.floor, np.exp, np.tanh, lambda x: np.clip(x, -1, 1),
                 lambda x: np.maximum(x, 0.5), lambda x: np.minimum(x, 0.5), np.square,
                 lambda x: np.linalg.norm(x[:2], -1), lambda x: np.linalg.norm(x[:2], 0),
                 lambda x: np.where(x > 0, x, 0.0)):
        with np.errstate(all="ignore"):
            expected = call(v)
            got = call(t)
        np.testing.assert_array_equal(got.data, expected)


def test_median_of_a_slice_with_nan_is_nan_as_numpy():
    v = np.array([[4.0, 0.5, np.nan, 1.0, 2.0], [3.0, 1.0, 2.0, 5.0, 0.0]])
    for axis, keepdims in ((None, False), (1, True), (0, False), (-1, False)):
        t = ag.tensor(v, requires_grad=True)
        m = np.median(t, axis=axis, keepdims=keepdims)
        np.testing.assert_array_equal(m.data, np.median(v, axis=axis, keepdims=keepdims))
        m.sum().backward()                    # a NaN median's gradient goes to its NaN
        assert t.grad.data[0, 2] == 1.0 and np.isfinite(t.grad.data).all()
    t = ag.tensor(v[1:], requires_grad=True)
    np.median(t, axis=1).backward()
    assert t.grad.tolist() == [[0.0, 0.0, 1.0, 0.0, 0.0]]


def test_dot_of_a_tensor_with_itself_records():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = np.dot(x, x)
    assert isinstance(d, ag.Tensor) and d.shape == () and d.item() == 14.0
    d.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


# --- mixed arguments, numpy scalars ----------------------------------------------------------
def test_mixed_tensor_and_ndarray_arguments():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    t = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    cases = [
        (lambda t: np.add(a, t), lambda t: t + ag.tensor(a)),
        (lambda t: a - t, lambda t: ag.tensor(a) - t),
        (lambda t: np.maximum(a, t), lambda t: ag.maximum(ag.tensor(a), t)),
        (lambda t: np.concatenate([a, t]), lambda t: ag.cat([ag.tensor(a), t])),
        (lambda t: np.stack([t, a], 1), lambda t: ag.stack([t, ag.tensor(a)], 1)),
        (lambda t: np.where(a > 0, a, t), lambda t: ag.where(a > 0, ag.tensor(a), t)),
        (lambda t: np.dot(a.T, t), lambda t: ag.tensor(a.T) @ t),
        (lambda t: a.T @ t, lambda t: ag.tensor(a.T) @ t),
        (lambda t: np.clip(a, t, 1.0), lambda t: ag.where(a < t.data, t, ag.tensor(a))
         .clamp(max=1.0)),
    ]
    for call, own in cases:
        out, ref = call(t), own(t)
        assert isinstance(out, ag.Tensor) and out.dtype == ref.dtype == np.float64
        np.testing.assert_allclose(out.data, ref.data)
        (g,) = ag.grad(out.sum(), t)
        (h,) = ag.grad(ref.sum(), t)
        np.testing.assert_allclose(g.data, h.data)


def test_mixed_dtypes_follow_the_operators():
    t32 = ag.tensor([1.0, 2.0], requires_grad=True)
    assert np.add(t32, np.ones(2)).dtype == (t32 + np.ones(2)).dtype
    assert np.multiply(np.ones(2), t32).dtype == (np.ones(2) * t32).dtype
    assert np.add(t32, np.ones(2, np.float32)).dtype == np.float32
    assert np.add(t32, 1).dtype == np.float32


def test_tril_and_triu_keep_an_integer_dtype_as_numpy():
    a = np.arange(12).reshape(3, 4)
    for fn in (np.tril, np.triu):
        out = fn(ag.tensor(a), 1)
        assert isinstance(out, ag.Tensor) and out.dtype == np.int64
        assert np.array_equal(out.data, fn(a, 1))


def test_unstack_of_a_0d_tensor_is_a_shape_error_naming_it():
    with pytest.raises(ag.ShapeError, match="numpy.unstack"):
        np.unstack(ag.tensor(3.0))


@pytest.mark.parametrize("scalar", [np.float64(2.5), np.float32(2.5), np.int64(2), 2.5, 2])
def test_numpy_scalars_act_like_python_numbers(scalar):
    for dtype in (np.float32, np.float64):
        t = ag.tensor([1.0, 2.0], dtype=dtype, requires_grad=True)
        for out in (scalar * t, t * scalar, np.multiply(scalar, t), scalar - t,
                    np.power(t, scalar), t ** scalar, np.maximum(t, scalar)):
            assert isinstance(out, ag.Tensor) and out.dtype == dtype and out.requires_grad
        (g,) = ag.grad(np.multiply(scalar, t).sum(), t)
        assert g.tolist() == [float(scalar)] * 2 and g.dtype == dtype
    assert isinstance(np.sum(t) * np.float64(0.5), ag.Tensor)


# --- out= and in-place ufuncs ----------------------------------------------------------------
def test_out_into_an_intermediate_follows_the_in_place_rules():
    x = ag.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = x * 1.0
    r = np.multiply(y, 3.0, out=y)
    assert r is y and y.tolist() == [3.0, 6.0]
    np.exp(y, out=y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * np.exp(3 * x.data))
    s = ag.tensor([0.0, 0.0], dtype=np.float64)
    np.add(x, x, out=s)                        # a tensor without history joins the graph
    (g,) = ag.grad(s.sum(), x)
    assert s.requires_grad and g.tolist() == [2.0, 2.0]


def test_out_refused_where_in_place_is():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ag.GraphError, match=r"numpy\.add\(out=\.\.\.\).*leaf"):
        np.add(x, 1.0, out=x)
    y = x * 1.0
    z = y * y                                  # saves y
    np.add(y, 1.0, out=(y,))
    with pytest.raises(ag.GraphError, match=r"modified by numpy\.add\(out=\.\.\.\)"):
        z.sum().backward()
    with pytest.raises(ag.NotDifferentiableError, match="numpy.sum: out= is a numpy array"):
        np.sum(x, out=np.zeros(()))                # an ndarray cannot hold a gradient
    arr = np.zeros(2, np.float32)
    with pytest.raises(ag.NotDifferentiableError, match="numpy.add"):
        arr += x                                   # ndarray.__iadd__ -> np.add(out=arr)
    arr += x.detach()
    assert arr.tolist() == [1.0, 2.0]
    assert np.sum(x.detach(), out=np.zeros((), np.float32)) == 3.0


def test_out_of_an_array_function_and_a_view_of_the_graph():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    o = ag.zeros(3, dtype=np.float64)
    np.sum(x, axis=0, out=o)
    assert o.tolist() == [3.0, 5.0, 7.0] and o.requires_grad
    y = x * 1.0
    v = y[0]
    np.multiply(v, 2.0, out=v)              # through a view: y takes the write (CopySlices)
    y.sum().backward()
    assert y.tolist() == [[0.0, 2.0, 4.0], [3.0, 4.0, 5.0]]
    assert x.grad.tolist() == [[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]]


def test_in_place_operators_on_tensors_are_unchanged():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y += np.array([1.0, 1.0], np.float32)
    y *= 3.0
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0] and y.tolist() == [6.0, 9.0]


# --- numpy code differentiates as written ----------------------------------------------------
def test_unmodified_numpy_function_differentiates():
    def forward(x, w, b):
        return 1 / (1 + np.exp(-(x @ w + b)))

    rng = np.random.default_rng(0)
    X, W, B = rng.standard_normal((5, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    Xt, Wt, Bt = (ag.tensor(a, requires_grad=True) for a in (X, W, B))
    a = forward(Xt, Wt, Bt)
    np.testing.assert_allclose(a.data, forward(X, W, B))
    (g,) = ag.grad(forward(Xt, Wt, Bt).sum(), Wt)
    s = forward(X, W, B)
    np.testing.assert_allclose(g.data, X.T @ (s * (1 - s)))
    assert ag.gradcheck(forward, (Xt, Wt, Bt))


def test_unimplemented_arguments_are_refused_or_run_on_the_data():
    x = np.arange(6.0).reshape(2, 3)
    mask = np.array([[True, False, True], [True, True, False]])
    for call in (lambda t: np.sum(t, where=mask), lambda t: np.mean(t, axis=0, where=mask),
                 lambda t: np.reshape(t, (3, 2), order="F"),
                 lambda t: np.linalg.norm(t, "nuc")):
        np.testing.assert_allclose(call(ag.tensor(x)), call(x))
        with pytest.raises(ag.NotDifferentiableError, match="not implemented"):
            call(ag.tensor(x, requires_grad=True))


def test_std_and_var_are_tensor_std_and_var():
    """np.std was sqrt(np.var): NaN gradients over equal values (sqrt's slope at 0) and
    inf for float32 rows of ~3e37 (squares out of range), where Tensor.std gives 0 and
    the right value; np.std / np.var now are Tensor.std / Tensor.var, ddof the correction."""
    x = ag.tensor(np.array([[2.0, 2.0, 2.0], [1.0, 4.0, -2.0]]), requires_grad=True)
    np.std(x, axis=1).sum().backward()
    assert np.isfinite(x.grad.data).all() and not x.grad.data[0].any()
    rng = np.random.default_rng(6)
    huge = (rng.uniform(1e37, 3e38, (3, 5))).astype(np.float32)
    for data in (huge, rng.standard_normal((4, 6)).astype(np.float32) + 1e4):
        for numpy_fn, own in ((np.std, ag.std), (np.var, ag.var)):
            for ddof, axis, keepdims in ((0, 1, False), (1, 0, True), (2, None, False)):
                a, b = (ag.tensor(data, requires_grad=True) for _ in range(2))
                got = numpy_fn(a, axis=axis, ddof=ddof, keepdims=keepdims)
                want = own(b, axis, correction=ddof, keepdim=keepdims)
                np.testing.assert_array_equal(got.data, want.data)
                (got * 0.5).sum().backward()
                (want * 0.5).sum().backward()
                np.testing.assert_array_equal(a.grad.data, b.grad.data)
                assert np.isfinite(a.grad.data).all()
    assert np.isfinite(np.std(ag.tensor(huge), axis=1).data).all()
