"""Edge cases that once gave a wrong number without an error: index assignment with
repeated indices, derivatives at kinks, norm / clamp / sign at NaN and Inf, finite
gradients at constants, dim=(), integer overflow. Expected values are numpy's where it
decides, PyTorch's where it is installed."""
import math

import numpy as np
import pytest

import autograd as ag
import nn.functional as F

inf, nan = np.inf, np.nan


def _torch():
    return pytest.importorskip("torch")


def _grad(fn, x, create_graph=False):
    x = ag.tensor(np.asarray(x, np.float64), requires_grad=True)
    y = fn(x)
    (g,) = ag.grad(y.sum(), x, create_graph=create_graph)
    return y, g, x


def _same(ours, ref, **kw):
    """Equal up to rounding; NaN equals NaN, Inf must match Inf."""
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-300, **kw)


def _torch_grad(torch, fn, x):
    x = torch.tensor(np.asarray(x, np.float64), requires_grad=True)
    y = fn(x)
    (g,) = torch.autograd.grad(y.sum(), x, allow_unused=True)
    return y.detach().numpy(), None if g is None else g.numpy()


# --- item 2: index assignment assigns ------------------------------------------------
SET_INDICES = [[0, 0, 2], [-1, 2], [3, -1, 3, 0], (np.array([0, 1, 1]), np.array([2, 0, 0])),
               np.array([[1, 1], [-4, 0]]), (slice(None), [1, 1])]


@pytest.mark.parametrize("index", SET_INDICES, ids=range(len(SET_INDICES)))
def test_setitem_assigns_like_numpy(index):
    shape = (4, 3) if isinstance(index, tuple) else (4,)
    base = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) - 5.0
    target = base[index].shape
    values = np.arange(1, 1 + int(np.prod(target)), dtype=np.float64).reshape(target) * 10
    expected = base.copy()
    expected[index] = values
    x = ag.tensor(base)                        # out of a graph
    x[index] = ag.tensor(values)
    np.testing.assert_array_equal(x.data, expected)
    x = ag.tensor(base)
    x[index] = 7.5                             # a number, broadcast
    ref = base.copy()
    ref[index] = 7.5
    np.testing.assert_array_equal(x.data, ref)
    # in a graph: overwritten elements of x get zero gradient, each value its slot's
    leaf = ag.tensor(base, requires_grad=True)
    v = ag.tensor(values, requires_grad=True)
    y = leaf * 1.0
    y[index] = v
    w = np.linspace(1.0, 2.0, base.size).reshape(shape)
    (y * ag.tensor(w)).sum().backward()
    np.testing.assert_array_equal(y.data, expected)
    written = np.zeros(shape, bool)
    written[index] = True
    np.testing.assert_array_equal(leaf.grad.data, np.where(written, 0.0, w))
    # each value gets its slot's gradient if it won (the last write), else zero
    writer = np.full(shape, -1)
    writer[index] = np.arange(values.size).reshape(target)
    won = writer[index] == np.arange(values.size).reshape(target)
    np.testing.assert_array_equal(v.grad.data, np.where(won, w[index], 0.0))


def test_setitem_matches_pytorch_gradients():
    """As PyTorch, but for the values overwritten by a repeat: PyTorch's index_put gives
    them the winner's gradient, gradgraph their exact derivative, zero."""
    torch = _torch()
    for index in ([0, 0, 2], [-1, 3, -1]):
        out = []
        for lib in (ag, torch):
            x = lib.tensor(np.arange(4.0), dtype=lib.float64, requires_grad=True)
            v = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
            y = x * 2.0
            y[index] = v
            (y * lib.tensor(np.arange(1.0, 5.0), dtype=lib.float64)).sum().backward()
            get = (lambda t: t.detach().numpy()) if lib is torch else (lambda t: t.data)
            out.append([get(y), get(x.grad), get(v.grad)])
        slots = [i % 4 for i in index]
        losers = [p for p, i in enumerate(slots) if i in slots[p + 1:]]
        assert losers
        out[1][2][losers] = 0.0
        for ours, ref in zip(*out):
            np.testing.assert_array_equal(ours, ref)


def test_setitem_out_of_range_names_the_shape():
    x = ag.zeros(3)
    with pytest.raises(ag.OutOfRangeError, match=r"__setitem__.*\(3,\).*float32"):
        x[5] = 1.0
    with pytest.raises(IndexError):
        x[[0, -4]] = 1.0


# --- item 3: derivatives at kinks ----------------------------------------------------
def test_softplus_derivatives_at_zero_and_far_out():
    points = [-1000.0, -30.0, -1.0, -0.0, 0.0, 1e-8, 2.0, 40.0, 1000.0]
    y, g, x = _grad(ag.softplus, points, create_graph=True)
    (h,) = ag.grad(g.sum(), x)
    sig = 1.0 / (1.0 + np.exp(-np.asarray(points)))
    np.testing.assert_allclose(y.data, np.logaddexp(0.0, points), rtol=1e-15)
    np.testing.assert_allclose(g.data, sig, rtol=1e-15)
    np.testing.assert_allclose(h.data, sig * (1 - sig), rtol=1e-12, atol=1e-300)
    assert g.data[4] == 0.5 and h.data[4] == 0.25


@pytest.mark.parametrize("n", [1, 3])
def test_bce_with_logits_at_zero_logits(n):
    z = ag.zeros(2, n, requires_grad=True)
    target = ag.tensor(np.tile([[1.0], [0.0]], (1, n)))
    F.binary_cross_entropy_with_logits(z, target, reduction="sum").backward()
    np.testing.assert_array_equal(z.grad.data, np.tile([[-0.5], [0.5]], (1, n)))


# --- item 7: norm ---------------------------------------------------------------------
NORM_INPUTS = [[0.0, 0.0], [3.0, -4.0], [nan, 1.0], [inf, 1.0], [-inf, 2.0], [2.0, -2.0],
               [0.0, 1.5]]
NORM_PS = [2, 1, 3, 0.5, inf, -inf, 0, "fro", -1, -0.5]


@pytest.mark.parametrize("p", NORM_PS, ids=str)
def test_norm_special_values_match_pytorch(p):
    torch = _torch()
    for v in NORM_INPUTS:
        y, g, _ = _grad(lambda x: x.norm(p=p), v)
        ty, tg = _torch_grad(torch, lambda x: x.norm(p=p), v)
        _same(y.data, ty, err_msg=f"norm({v}, p={p})")
        if p != 0:                            # torch gives no gradient at all for p = 0
            _same(g.data, tg, err_msg=f"norm'({v}, p={p})")


def test_norm_without_torch():
    assert ag.tensor([nan, 1.0]).norm().item() != ag.tensor([nan, 1.0]).norm().item()
    assert ag.tensor([[3.0, -4.0], [0.0, 0.0]]).norm(p=inf).item() == 4.0
    assert ag.tensor([3.0, 0.0, -4.0, 0.0]).norm(p=0).item() == 2.0
    np.testing.assert_array_equal(ag.tensor([[1.0, 0.0], [0.0, 0.0]]).norm(p=0, dim=1).data,
                                  [1.0, 0.0])
    _, g, _ = _grad(lambda x: x.norm(p=0), [1.0, 0.0, -2.0])
    np.testing.assert_array_equal(g.data, [0.0, 0.0, 0.0])
    with pytest.raises(ag.ArgumentError, match="norm"):
        ag.ones(2).norm(p="nuc")


# Tiny and huge values: |x|^p under- or overflows (norm([1e-207, 1e-207]) was 0 with a
# zero gradient, as in torch, and norm([1e200, 1e200]) inf). norm is homogeneous,
# norm(2^k x) = 2^k norm(x), so the reference is torch's (or gradgraph's) norm of x in
# range, times 2^k; gradients are unchanged by the scale, second derivatives divided by it.
SCALE_EXPONENTS = {np.float64: [-1000, -700, -520, 520, 700, 1000], np.float32: [-120, 100]}
SCALE_PS = [2, 3, 1.5, 0.5, 4, -1, -2.5]
SCALE_DIMS = [dict(), dict(dim=1), dict(dim=0, keepdim=True), dict(dim=(0, 1))]


def _scaled_case(dtype):
    base = np.array([[0.3, -1.7, 0.0, 2.5], [1.1, 0.9, -0.6, 0.05], [0.0, 0.0, 0.0, 0.0]])
    return base.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("p", SCALE_PS, ids=str)
def test_norm_neither_underflows_nor_overflows(p, dtype):
    base = _scaled_case(dtype)
    for k in SCALE_EXPONENTS[dtype]:
        c = np.ldexp(dtype(1), k)
        for kw in SCALE_DIMS:
            x0 = ag.tensor(base, requires_grad=True)
            y0 = x0.norm(p=p, **kw)
            (g0,) = ag.grad(y0.sum(), x0)
            x = ag.tensor(base * c, requires_grad=True)
            y = x.norm(p=p, **kw)
            (g,) = ag.grad(y.sum(), x)
            what = f"norm(x * 2^{k}, p={p}, {kw}) in {np.dtype(dtype)}"
            assert y.dtype == dtype and g.dtype == dtype, what
            rtol = 1e-13 if dtype == np.float64 else 2e-6
            np.testing.assert_allclose(y.data, y0.data * c, rtol=rtol, atol=0, err_msg=what)
            assert np.all(np.isfinite(y.data)) and np.all(y.data[y0.data > 0] > 0), what
            # (the gradient passes through magnitude 2^k |g| (then / 2^k): float32 loses
            # bits in its subnormals there, so elements are compared to the largest)
            np.testing.assert_allclose(g.data, g0.data, rtol=rtol,
                                       atol=rtol * np.abs(g0.data).max(), err_msg=what)


def test_norm_tiny_and_huge_match_torch_in_range():
    """torch underflows here (2+ elements); its norm of the values in range, scaled back,
    is the reference for ours of the values out of range, to first and second order."""
    torch = _torch()
    base = _scaled_case(np.float64)[:2]
    base[0, 2] = 0.7                  # (torch's second derivative at 0 is NaN for p < 1)
    v = np.random.default_rng(3).standard_normal(base.shape)
    for k in [-700, 700]:
        c = 2.0 ** k
        for p in [2, 3, 0.5]:
            x = ag.tensor(base * c, requires_grad=True)
            (g,) = ag.grad(x.norm(p=p, dim=1).sum(), x, create_graph=True)
            (h,) = ag.grad((g * ag.tensor(v)).sum(), x)
            t = torch.tensor(base, requires_grad=True)
            (tg,) = torch.autograd.grad(t.norm(p=p, dim=1).sum(), t, create_graph=True)
            (th,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), t)
            what = f"norm(x * 2^{k}, p={p}, dim=1)"
            _same(x.norm(p=p, dim=1).data, t.norm(p=p, dim=1).detach().numpy() * c,
                  err_msg=what)
            np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12, atol=1e-15,
                                       err_msg=what)
            np.testing.assert_allclose(h.data * c, th.numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=what)


@pytest.mark.parametrize("k", [-690, 690])
def test_norm_tiny_and_huge_gradcheck(k):
    """Numerical first and second derivatives where |x|^2 is out of range: u -> 2^k *
    norm(2^-k u) at u = x 2^k evaluates norm at x itself; the constants are exact."""
    c = 2.0 ** k
    u = ag.tensor([[0.3, -1.7, 2.5], [1.1, 0.9, -0.6]], dtype=ag.float64, requires_grad=True)
    for p in [2, 3, 0.5]:
        fn = lambda u: (u * (1 / c)).norm(p=p, dim=1) * c if k > 0 else \
            (u * c).norm(p=p, dim=1) * (1 / c)
        np.testing.assert_allclose(fn(u).data, u.norm(p=p, dim=1).data, rtol=1e-14)
        assert ag.gradcheck(fn, [u]) and ag.gradgradcheck(fn, [u])
    x = ag.tensor([1e-300, -2e-300], dtype=ag.float64, requires_grad=True)   # step scaled
    assert x.norm().item() == pytest.approx(math.hypot(1e-300, 2e-300), rel=1e-15)
    assert ag.gradcheck(lambda x: x.norm(), [x], eps=1e-306)


def test_norm_gradient_exact_at_subnormal_and_near_max():
    """The gradient passes through the scale: it must neither underflow (x subnormal:
    sign(x) exactly, was 0 or a rounded 2^-1074 multiple) nor overflow (x near max)."""
    for v, w, ref in [([5e-324], -0.8, [-0.8]), ([-5e-324, 0.0], 3.0, [-3.0, 0.0]),
                      ([1e308, -1e308], 10.0, [10 / math.sqrt(2), -10 / math.sqrt(2)])]:
        for p in [2, 3]:
            x = ag.tensor(v, dtype=ag.float64, requires_grad=True)
            (x.norm(p=p) * w).backward()
            expect = np.array(ref) if p == 2 or len(v) == 1 or v[1] == 0 else \
                np.sign(v) * w * 2 ** (-2 / 3)
            np.testing.assert_allclose(x.grad.data, expect, rtol=1e-12, err_msg=f"{v}, p={p}")


def test_norm_negative_p_with_a_zero_is_zero():
    """|0|^p = inf for p < 0, so the norm is 0 (with a zero gradient), as torch."""
    for p in [-1, -0.5, -3]:
        y, g, _ = _grad(lambda x: x.norm(p=p, dim=1), [[0.0, 1.0], [2.0, 4.0]])
        assert y.data[0] == 0.0 and np.isclose(y.data[1], (2.0 ** p + 4.0 ** p) ** (1 / p))
        np.testing.assert_array_equal(g.data[0], [0.0, 0.0])
        assert np.all(np.isfinite(g.data)) and np.all(g.data[1] != 0)


# --- an infinite or NaN gradient reaching a mask --------------------------------------
# relu, maximum/minimum (and clamp, where, masked_fill, composites of where) select their
# gradient as PyTorch does: a masked element gets 0, not inf * 0 = NaN.
MASK_OPS = {
    "relu": lambda L, x: L.relu(x),
    "maximum": lambda L, x: L.maximum(x, L.ones_like(x)),
    "minimum": lambda L, x: L.minimum(x, L.ones_like(x)),
    "maximum_bcast": lambda L, x: L.maximum(x.reshape(2, 1, 3), x.reshape(1, 2, 3) * 0.5),
    "clamp": lambda L, x: L.clamp(x, 0.0, 1.0),
    "where": lambda L, x: L.where(x > 0.7, x, x * 2.0),
    "masked_fill": lambda L, x: x.masked_fill(x > 0.7, 5.0),
}
MASK_X = [-2.0, -0.0, 0.0, 1.0, 3.0, nan]


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
@pytest.mark.parametrize("name", list(MASK_OPS))
def test_infinite_gradient_through_a_mask_matches_pytorch(name, dtype):
    torch = _torch()
    fn = MASK_OPS[name]
    for gv in [inf, -inf, nan]:
        for held in [False, True]:          # a fresh gradient array, or one the user holds
            out = []
            for L in (ag, torch):
                dt = getattr(torch, dtype) if L is torch else np.dtype(dtype)
                x = L.tensor(np.array(MASK_X), dtype=dt, requires_grad=True)
                y = fn(L, x)
                w = L.tensor(np.full(tuple(y.shape), gv), dtype=dt)
                if held:
                    y.backward(w)
                else:
                    (y * w).sum().backward()
                out.append(x.grad.numpy() if L is torch else x.grad.data)
            np.testing.assert_array_equal(out[0], out[1],
                                          err_msg=f"{name} {dtype}, gradient {gv}, held={held}")


@pytest.mark.parametrize("name", ["relu", "maximum", "minimum"])
def test_masked_gradient_second_order(name):
    """The select is differentiable in the incoming gradient (create_graph): the
    gradient of <d f / d x, v> by the incoming weight w, numerically and against torch."""
    torch = _torch()
    fn = MASK_OPS[name]
    x = ag.tensor([-2.0, 0.5, 1.0, 3.0], dtype=ag.float64, requires_grad=True)
    w = ag.tensor([inf, 2.0, -1.0, 0.5], dtype=ag.float64, requires_grad=True)
    (g,) = ag.grad((fn(ag, x) * w).sum(), x, create_graph=True)
    (gw,) = ag.grad(g.sum(), w)
    tx = torch.tensor(x.data, requires_grad=True)
    tw = torch.tensor(w.data, requires_grad=True)
    (tg,) = torch.autograd.grad((fn(torch, tx) * tw).sum(), tx, create_graph=True)
    (tgw,) = torch.autograd.grad(tg.sum(), tw)
    np.testing.assert_array_equal(g.data, tg.detach().numpy())
    np.testing.assert_array_equal(gw.data, tgw.numpy())
    xs = ag.tensor([-2.0, 0.5, 1.5, 3.0], dtype=ag.float64, requires_grad=True)
    assert ag.gradgradcheck(lambda x: fn(ag, x), [xs])


def test_relu_backward_warns_nothing():
    import warnings
    x = ag.tensor([-1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.relu(x).backward(ag.tensor([inf, 1.0]))
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])


def test_sign_sends_no_gradient_into_a_second_derivative():
    """sign's gradient is fresh zeros (no graph), so at x = ±inf a second derivative
    through sign(x) * x meets no 0 * inf: (sign(x) x)^3 has f'' = 6|x| sign(x)^2."""
    torch = _torch()
    for v in [inf, -inf, 2.0, -0.0]:
        out = []
        for L in (ag, torch):
            x = L.tensor([v], dtype=L.float64, requires_grad=True)
            grad = torch.autograd.grad if L is torch else ag.grad
            (g,) = grad(((L.sign(x) * x) ** 3).sum(), x, create_graph=True)
            (h,) = grad(g.sum(), x)
            out.append([float(g.detach()[0]) if L is torch else g.item(), float(h[0])])
        np.testing.assert_array_equal(out[0], out[1], err_msg=f"x = {v}")
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    ag.sign(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])      # zeros, as torch


# --- item 8: sign and clamp at NaN and Inf ---------------------------------------------
def test_sign_special_values():
    x = ag.tensor([inf, -inf, nan, 0.0, -0.0, 2.0, -1e-300], dtype=ag.float64)
    np.testing.assert_array_equal(x.sign().data, [1, -1, 0, 0, 0, 1, -1])
    y, g, _ = _grad(ag.sign, [inf, nan, 0.0])
    np.testing.assert_array_equal(g.data, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("lo,hi", [(0.0, 1.0), (2.0, 1.0), (None, 1.0), (0.5, None), (1.0, 1.0)])
def test_clamp_nan_and_crossed_bounds_match_pytorch(lo, hi):
    points = [nan, -inf, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, inf]
    y, g, _ = _grad(lambda x: x.clamp(lo, hi), points)
    expected = np.asarray(points)
    if lo is not None:
        expected = np.maximum(expected, lo)
    if hi is not None:
        expected = np.minimum(expected, hi)     # max wins when lo > hi
    np.testing.assert_array_equal(y.data, expected)
    torch = _torch()
    ty, tg = _torch_grad(torch, lambda x: x.clamp(lo, hi), points)
    _same(y.data, ty)
    _same(g.data, tg)


def test_clamp_with_tensor_bounds_sends_gradient_to_the_picked_bound():
    torch = _torch()
    xs = [nan, -2.0, 0.0, 0.5, 3.0, 1.0]
    los = [0.0, -1.0, 0.0, 0.7, 2.0, 2.0]
    his = [1.0, 1.0, 1.0, 0.6, 2.5, 0.0]
    out = []
    for lib in (ag, torch):
        x, lo, hi = (lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in (xs, los, his))
        y = lib.clamp(x, lo, hi)
        (y * lib.tensor(np.arange(1.0, 7.0), dtype=lib.float64)).sum().backward()
        get = (lambda t: t.detach().numpy()) if lib is torch else (lambda t: t.data)
        out.append([get(y), get(x.grad), get(lo.grad), get(hi.grad)])
    for ours, ref in zip(*out):
        _same(ours, ref)


# --- item 9: finite gradients where PyTorch has them ----------------------------------
@pytest.mark.parametrize("kw", [dict(), dict(dim=0), dict(dim=1, keepdim=True),
                                dict(dim=(0, 1), unbiased=False)], ids=str)
def test_std_var_of_equal_values_have_zero_gradient(kw):
    for fn in (ag.std, ag.var):
        x = ag.tensor(np.full((3, 2), 1.25), requires_grad=True)
        fn(x, **kw).sum().backward()
        np.testing.assert_array_equal(x.grad.data, np.zeros((3, 2)))
    x = ag.tensor([[1.0, 1.0], [2.0, 3.0]], requires_grad=True)
    ag.std(x, dim=1).sum().backward()          # one constant row, one not
    np.testing.assert_allclose(x.grad.data, [[0.0, 0.0], [-0.5 ** 0.5, 0.5 ** 0.5]])


@pytest.mark.parametrize("correction", [2, 3])
def test_std_var_without_degrees_of_freedom_as_pytorch(correction):
    """n - correction <= 0: inf, or NaN over equal values (0 / 0), as PyTorch and numpy
    (gradgraph gave NaN for both). The gradients are NaN: PyTorch's are too for std at
    correction = n, otherwise its backward follows no one rule (var's: -inf / inf by the
    sign of x - mean along a dim at correction = n, inf over all dims, 2 (x - mean) /
    (n - correction) beyond; std's 0 beyond)."""
    torch = _torch()
    data = np.array([[1.0, 2.0], [3.0, 3.0]])
    for name in ("var", "std"):
        x = ag.tensor(data, requires_grad=True)
        t = torch.tensor(data, requires_grad=True)
        y = getattr(x, name)(1, correction=correction)
        ty = getattr(t, name)(1, correction=correction)
        _same(y.data, ty.detach().numpy())
        y.sum().backward()
        ty.sum().backward()
        if name == "std" and correction == 2:
            _same(x.grad.data, t.grad.numpy())
        assert np.isnan(x.grad.data).all()
        _same(getattr(ag.tensor(data), name)(correction=correction).data,
              getattr(torch.tensor(data), name)(correction=correction).numpy())
    np.testing.assert_array_equal(np.var(ag.tensor(data), axis=1, ddof=2).data,
                                  np.var(data, axis=1, ddof=2))


@pytest.mark.parametrize("c", [0, 1, 2, 3, 0.0, 1.0])
def test_pow_at_zero_first_and_second_order(c):
    y, g, x = _grad(lambda x: x ** c, [0.0, -0.0, 2.0], create_graph=True)
    (h,) = ag.grad(g.sum(), x, allow_unused=True) if g.requires_grad else (None,)
    torch = _torch()
    tx = torch.tensor([0.0, -0.0, 2.0], dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad((tx ** c).sum(), tx, create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), tx, allow_unused=True) if tg.requires_grad else (None,)
    _same(g.data, tg.detach().numpy())
    _same(np.zeros(3) if h is None else h.data, np.zeros(3) if th is None else th.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cube_and_inverse_square_are_pytorchs_bit_for_bit(dtype):
    """x ** 3 is x * x * x and x ** -2 is 1 / (x * x), as PyTorch computes them (numpy's
    ** calls C's pow there, ~20x slower and rounded differently), also at ±0, ±inf, NaN
    and where x * x overflows or underflows."""
    torch = _torch()
    x = np.concatenate([np.random.default_rng(4).standard_normal(5000) * 30,
                        [0.0, -0.0, inf, -inf, nan, 1e20, -1e20, 1e-20, 3e-155, 1e-300]])
    x = x.astype(dtype)
    with np.errstate(all="ignore"):
        for c in (3, -2, 3.0):
            np.testing.assert_array_equal((ag.tensor(x) ** c).data, (torch.tensor(x) ** c).numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_where_on_large_arrays_copies_the_bits(dtype):
    """ag.where of >= 2^16 elements selects in integer arithmetic on the bits (ops/
    elementwise.select): NaN payloads, ±0, ±inf and subnormals come through as
    np.where gives them, with either side a scalar or broadcast."""
    rng = np.random.default_rng(6)
    special = np.array([nan, -nan, inf, -inf, 0.0, -0.0, 1e-40, -3.5], dtype)
    a = rng.choice(special, (300, 400))
    for b in (rng.standard_normal((300, 400)).astype(dtype), dtype(-0.0),
              rng.standard_normal(400).astype(dtype)):
        cond = rng.random((300, 400)) < 0.5
        got = ag.where(ag.tensor(cond), ag.tensor(a), ag.tensor(b)).data
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.view(np.uint8), np.where(cond, a, b).view(np.uint8))


def test_pow_zero_gradient_is_zero_even_at_inf():
    _, g, _ = _grad(lambda x: x ** 0, [0.0, inf, nan, -3.0])
    np.testing.assert_array_equal(g.data, np.zeros(4))


# --- item 10: dim=() reduces over every dim --------------------------------------------
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "amax", "amin", "norm",
                                  "logsumexp"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_empty_dim_tuple_reduces_everything(name, keepdim):
    data = np.array([[1.0, 2.0, 7.0], [3.0, 4.0, -1.0]])
    x = ag.tensor(data, requires_grad=True)
    kw = dict(dim=(), keepdim=keepdim) if name != "norm" else dict(dim=(), keepdim=keepdim)
    y = getattr(ag, name)(x, **kw)
    y.sum().backward()
    assert y.shape == ((1, 1) if keepdim else ())
    full = getattr(ag, name)(ag.tensor(data), dim=(0, 1))
    np.testing.assert_allclose(y.data.reshape(()), full.data, rtol=1e-6)
    assert np.isfinite(x.grad.data).all()
    if name == "logsumexp":
        return                                  # torch 2.13's logsumexp fails on dim=()
    torch = _torch()
    ty = getattr(torch, name)(torch.tensor(data), dim=(), keepdim=keepdim) if name != "norm" \
        else torch.tensor(data).norm(dim=(), keepdim=keepdim)
    np.testing.assert_allclose(y.data, ty.numpy(), rtol=1e-6)


# --- item 11: integer overflow ---------------------------------------------------------
@pytest.mark.parametrize("data", [2 ** 63, [2 ** 64 - 1], [1, 2 ** 63], [-2 ** 63 - 1],
                                  [[1, 2], [3, 2 ** 70]], (5, -2 ** 64)])
def test_int_overflow_raises(data):
    with pytest.raises(OverflowError, match="does not fit in int64"):
        ag.tensor(data)
    with pytest.raises(ValueError):            # PyTorch raises a ValueError
        ag.tensor(data)


def test_int_extremes_and_big_floats_are_fine():
    assert ag.tensor(2 ** 63 - 1).item() == 2 ** 63 - 1
    assert ag.tensor([-2 ** 63]).dtype == np.int64
    assert ag.tensor([True, 2]).dtype == np.int64
    big = ag.tensor([1.5, 2 ** 64])              # a float among them: a float tensor
    assert big.dtype == np.float32 and big.data[1] == np.float32(2.0 ** 64)
    assert ag.tensor([2 ** 63, 1.0], dtype=ag.float64).data[0] == 2.0 ** 63


# --- item 17: 0-d tensors and empty indices ---------------------------------------------
ZERO_D = {
    "max_dim0": lambda L, x: x.max(0)[0] * 3.0,
    "min_dim-1_keepdim": lambda L, x: x.min(dim=-1, keepdim=True)[0] * 2.0,
    "max_indices": lambda L, x: x * (x.max(0)[1] + 1).double(),
    "cumsum0": lambda L, x: x.cumsum(0) * x,
    "cumsum-1": lambda L, x: x.cumsum(-1).exp(),
    "gather": lambda L, x: x.gather(0, L.tensor(0)) * x,
    "flip": lambda L, x: x.flip(0) * 2.0,
    "sum_mean_dim0": lambda L, x: x.sum(0) + x.mean(0) + x.amax(0),
    "softmax0": lambda L, x: x.softmax(0) + x.logsumexp(0),
}


@pytest.mark.parametrize("name", list(ZERO_D))
def test_zero_d_ops_match_pytorch(name):
    torch = _torch()
    out = []
    for lib in (ag, torch):
        x = lib.tensor(1.5, dtype=lib.float64, requires_grad=True)
        y = ZERO_D[name](lib, x)
        y.backward()
        get = (lambda t: t.detach().numpy()) if lib is torch else (lambda t: t.data)
        out.append((get(y), tuple(y.shape), get(x.grad)))
    (y, shape, g), (ty, tshape, tg) = out
    assert shape == tshape
    _same(y, ty)
    _same(g, tg)


def test_empty_index_lists():
    x = ag.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert x[[]].shape == (0, 3) and x[:, []].shape == (1, 0) and x[0, []].shape == (0,)
    (x[[]].sum() + x[:, []].sum()).backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((1, 3)))
    y = ag.zeros(3)
    y[[]] = 5.0
    np.testing.assert_array_equal(y.data, np.zeros(3))


def test_zero_d_errors_name_the_op():
    x = ag.tensor(2.0)
    with pytest.raises(ag.OutOfRangeError, match=r"max: dim 1 .*shape \(\)"):
        x.max(1)
    with pytest.raises(ag.OutOfRangeError, match="cumsum"):
        x.cumsum(2)
    with pytest.raises(ag.OutOfRangeError, match="gather"):
        x.gather(0, ag.tensor(3))
