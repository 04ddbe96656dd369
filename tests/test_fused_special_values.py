"""The fused primitives at NaN, ±inf, ±0 and extreme magnitudes, against PyTorch.

Gelu/GeluSlope, LayerNorm/Normalize, Attention/AttentionWeights (autograd/ops_nn.py),
NegLogLikelihood (ops_losses.py: nll_loss and cross_entropy) and the fused
LogSoftmax/Softmax give the values and input gradients PyTorch gives, in float64 (to
rounding) and in float32 (to float32 rounding): NaN and ±inf in the same places, zeros
of the same sign. The points where gradgraph differs on purpose are in
tests/special_values.py's DIFFERENCES (docs/special_values.md, checked against PyTorch
there) and are left out here where named. tests/test_fused_ops.py has the ordinary
values; tests/op_table.py the gradchecks.
"""
import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
inf, nan = math.inf, math.nan
DTYPES = [np.float64, np.float32]
TOL = {np.float64: 1e-12, np.float32: 2e-5}


def _agree(ours, theirs, dtype, what, signed_zeros=True):
    """Equal to rounding (relative to the array's largest finite entry), with NaN and
    ±inf in the same places and zeros of the same sign."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    assert ours.shape == theirs.shape, what
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{what}: NaN")
    np.testing.assert_array_equal(np.where(np.isinf(ours), ours, 0),
                                  np.where(np.isinf(theirs), theirs, 0), err_msg=f"{what}: inf")
    finite = np.isfinite(ours) & np.isfinite(theirs)
    tol = TOL[dtype] * max(np.abs(theirs[finite]).max(initial=0.0), 1e-300)
    np.testing.assert_allclose(ours[finite], theirs[finite], rtol=TOL[dtype], atol=tol,
                               err_msg=what)
    zero = (ours == 0) & (theirs == 0) & signed_zeros
    np.testing.assert_array_equal(np.signbit(ours[zero]), np.signbit(theirs[zero]),
                                  err_msg=f"{what}: sign of zero")


def _run(lib, fn, arrays, dtype):
    """fn(lib, *leaves) on leaves of `dtype` that require grad, backpropagated with fixed
    nonzero weights: (value, [input gradients]) as float64 arrays."""
    xs = [lib.tensor(np.asarray(a, dtype), requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = fn(lib, *xs)
        n = out.numel()
        w = (np.linspace(0.5, 1.5, n) * (-1.0) ** np.arange(n)).reshape(tuple(out.shape))
        out.backward(lib.tensor(w.astype(dtype)))
    data = (lambda t: t.detach().numpy()) if lib is torch else (lambda t: t.data)
    grads = [np.zeros(x.shape, dtype) if x.grad is None else data(x.grad) for x in xs]
    assert data(out).dtype == dtype and all(g.dtype == dtype for g in grads), fn
    return np.asarray(data(out), np.float64), [np.asarray(g, np.float64) for g in grads]


def _compare(fn, arrays, dtype, what, signed_zeros=(True, True)):
    """Values and input gradients; `signed_zeros`: whether the sign of a zero value, and
    of a zero gradient, must match."""
    (y, gs), (ty, tgs) = _run(ag, fn, arrays, dtype), _run(torch, fn, arrays, dtype)
    _agree(y, ty, dtype, f"{what}: value", signed_zeros[0])
    for i, (g, tg) in enumerate(zip(gs, tgs)):
        _agree(g, tg, dtype, f"{what}: gradient of input {i}", signed_zeros[1])


def _nn(L):
    return TF if L is torch else F


# --- GELU (Gelu, GeluSlope) -------------------------------------------------------------

GELU_POINTS = [-inf, -1e30, -40.0, -10.0, -5.0, -1.0, -1e-30, -0.0, 0.0, 1e-30, 1.0, 5.0,
               10.0, 40.0, 1e30, inf, nan]
GELU_EXTREME = {np.float64: [-1e300, -38.5, -5e-324, 1e-310, 1e300],
                np.float32: [-1e-40, -13.0, -14.0, 1e-40, 3e38]}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_gelu_at_special_values(dtype):
    """In float32 PyTorch's vectorised kernel gives +0 where x Phi(x) underflows for
    x < 0; its float64 and gradgraph's both give -0 (the sign of the true value). On an
    AVX-512 CPU that kernel also gives NaN for gelu(+inf) (its scalar path, and
    gradgraph, give inf), so the reference is taken one point at a time, where PyTorch's
    answer does not depend on the CPU."""
    def one_point_at_a_time(lib):
        runs = [_run(lib, lambda L, x: _nn(L).gelu(x), [[p]], dtype)
                for p in GELU_POINTS + GELU_EXTREME[dtype]]
        return (np.concatenate([y for y, _ in runs]),
                np.concatenate([gs[0] for _, gs in runs]))

    (y, g), (ty, tg) = one_point_at_a_time(ag), one_point_at_a_time(torch)
    _agree(y, ty, dtype, "gelu: value", signed_zeros=dtype == np.float64)
    _agree(g, tg, dtype, "gelu: gradient")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_gelu_second_derivative_at_special_values(dtype):
    """GeluSlope's rule. Left out: |x| >= 40, where phi(x) (2 - x^2) underflows to -0 and
    PyTorch gives +0 (DIFFERENCES: 'gelu(x)')."""
    x = [p for p in GELU_POINTS if not abs(p) >= 40.0]
    v = np.linspace(0.5, 1.5, len(x))
    out = []
    for L in (ag, torch):
        t = L.tensor(np.asarray(x, dtype), requires_grad=True)
        grad = torch.autograd.grad if L is torch else ag.grad
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            (g,) = grad(_nn(L).gelu(t).sum(), t, create_graph=True)
            (h,) = grad((g * L.tensor(v.astype(dtype))).sum(), t)
        out.append(h.numpy() if L is torch else h.data)
    _agree(out[0], out[1], dtype, "gelu''")


# --- LayerNorm (LayerNorm, Normalize) ---------------------------------------------------

# var + eps with eps = 2^-17: PyTorch rounds eps to float32 also for float64 input (1e-5
# would differ by 6e-9 relative where var << eps); a float32 number is the same in both.
# A row of 1e8 + k is left out in float64: y's gradient cancels there, and PyTorch's
# formula loses 1e-8 of it (ours is exact to rounding).
EPS = 2.0 ** -17
LN_ROWS = [[nan, 1.0, 2.0], [inf, 1.0, 2.0], [-inf, 1.0, 2.0], [inf, -inf, 0.0],
           [inf, inf, inf], [0.0, -0.0, 0.0], [2.0, 2.0, 2.0], [1e-30, 2e-30, 3e-30],
           [1e-20, 0.0, 1e-20], [-1e-300, 0.0, 5e-324]]
LN_EXTREME = {np.float64: [[1e20, 0.0, 0.0], [1e150, -1e150, 0.0], [1e38, 1e38, -1e38]],
              np.float32: [[1e18, -1e18, 0.0], [1e-38, 0.0, 0.0]]}


def _ln_rows(dtype, affine):
    rows = LN_ROWS + LN_EXTREME[dtype]
    if not affine:      # -0 in: y = -0 where PyTorch's is +0 (DIFFERENCES: 'layer_norm(x)')
        cast = np.asarray(rows, dtype)
        rows = [r for r, c in zip(rows, cast) if not (np.signbit(c) & (c == 0)).any()]
    return np.array(rows)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_fused_layer_norm_at_special_values(dtype):
    """One (rows, 3) input whose rows are the special cases: each row is normalised on
    its own, and the weight's and bias's gradients sum over all of them."""
    x = _ln_rows(dtype, True)
    w, b = [0.5, -2.0, 1.5], [0.1, 0.0, -0.3]
    for i in range(len(x)):             # one row at a time: a NaN row spoils the sums
        _compare(lambda L, x, w, b: _nn(L).layer_norm(x, (3,), w, b, EPS), [x[i:i + 1], w, b],
                 dtype, f"layer_norm of {x[i]}")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_normalize_at_special_values(dtype):
    """layer_norm without weight and bias, and over two trailing dims: Normalize."""
    x = _ln_rows(dtype, False)
    _compare(lambda L, x: _nn(L).layer_norm(x, (3,), eps=EPS), [x], dtype, "layer_norm, no affine")
    _compare(lambda L, x: _nn(L).layer_norm(x, (1, 3), eps=EPS),
             [x[:, None, :]], dtype,
             "layer_norm over (1, 3)")


# --- log_softmax, softmax (LogSoftmax, Softmax) -----------------------------------------

SOFTMAX_ROWS = [[nan, 1.0, 2.0], [inf, 1.0, 2.0], [-inf, 1.0, 2.0], [inf, -inf, 0.0],
                [inf, inf, 1.0], [-inf, -inf, -inf], [0.0, -0.0, 0.0], [1e30, -1e30, 0.0],
                [1e38, 1e38, -1e38], [1000.0, 1000.0, -1000.0], [-1e-30, 0.0, 1e-30]]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("op", ["log_softmax", "softmax"])
def test_fused_softmax_at_special_values(op, dtype):
    """softmax's gradient y (g - sum(g y)) is computed as g y - y sum(g y): where y
    underflows to 0 its zero may have the other sign than PyTorch's."""
    x = np.array(SOFTMAX_ROWS)
    zeros = (True, op == "log_softmax")
    _compare(lambda L, x: getattr(x, op)(-1), [x], dtype, f"{op} over the last axis", zeros)
    _compare(lambda L, x: getattr(x, op)(0), [x.T.copy()], dtype, f"{op} over axis 0", zeros)


# --- nll_loss, cross_entropy (NegLogLikelihood) -----------------------------------------

LOGIT_ROWS = [[nan, 1.0, 2.0], [inf, 1.0, 2.0], [-inf, 1.0, 2.0], [1.0, -inf, 2.0],
              [inf, -inf, 0.0], [-inf, -inf, -inf], [0.0, -0.0, 0.0], [1e30, -1e30, 0.0],
              [1e38, 1e38, -1e38], [1000.0, 1000.0, -1000.0]]


def _loss(name, target, dtype, **kw):
    def fn(L, x):
        kwargs = dict(kw)
        if kwargs.get("weight") is not None:
            kwargs["weight"] = L.tensor(np.asarray(kwargs["weight"], dtype))
        return getattr(_nn(L), name)(x, L.tensor(target), **kwargs)
    return fn


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weight", [None, [0.2, 1.0, 3.0]], ids=["unweighted", "weighted"])
def test_losses_at_special_logits(reduction, weight, dtype):
    """Each special row once as a counted target and once as an ignored one (its logits
    must not reach the loss: PyTorch skips the row), among ordinary rows."""
    for row in LOGIT_ROWS:
        x = np.array([row, [0.5, -1.0, 2.0], [3.0, 3.0, 3.0]])
        for target, ignore in (([0, 2, 1], -100), ([0, 2, 1], 0), ([1, 2, 0], 1)):
            t = np.array(target)
            what = f"{row} target {target} ignore_index {ignore} {reduction} weight {weight}"
            kw = dict(weight=weight, reduction=reduction, ignore_index=ignore)
            _compare(_loss("nll_loss", t, dtype, **kw), [x], dtype, f"nll_loss {what}")
            for smoothing in (0.0, 0.1):
                _compare(_loss("cross_entropy", t, dtype, label_smoothing=smoothing, **kw),
                         [x], dtype, f"cross_entropy {what} smoothing {smoothing}")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_losses_with_every_target_ignored(dtype):
    x = np.array([[-inf, 1.0, 2.0], [0.5, nan, 2.0]])
    for reduction in ("mean", "sum", "none"):
        kw = dict(reduction=reduction, ignore_index=0)
        _compare(_loss("cross_entropy", np.array([0, 0]), dtype, **kw), [x], dtype,
                 f"cross_entropy, all ignored, {reduction}")


# --- scaled_dot_product_attention (Attention, AttentionWeights) --------------------------

SCORE_SPECIALS = [nan, inf, -inf, 0.0, -0.0, 1e30, -1e30, 1e-30, 1e200]


def _sdpa(mask=None, causal=False):
    def fn(L, q, k, v):
        m = None
        if mask is not None:
            dt = q.detach().numpy().dtype if L is torch else q.data.dtype
            m = L.tensor(mask if mask.dtype == bool else mask.astype(dt))
        if L is torch:          # the reference: PyTorch's math backend (see DIFFERENCES)
            from torch.nn.attention import SDPBackend, sdpa_kernel
            with sdpa_kernel(SDPBackend.MATH):
                return TF.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=causal)
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m, is_causal=causal)
    return fn


def _qkv(shape=(1, 2, 3, 4, 2)):
    b, h, length, s, e = shape
    rng = np.random.default_rng(0)
    return [rng.standard_normal((b, h, length, e)), rng.standard_normal((b, h, s, e)),
            rng.standard_normal((b, h, s, e))]


def _with(arrays, which, index, value):
    arrays = [a.copy() for a in arrays]
    arrays[which][index] = value
    return arrays


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_fused_attention_at_special_values(dtype):
    """No mask and causal (the fused Attention): one special value in q, k or v. Under
    the causal mask, an infinite score on a hidden key is left out: the fused op never
    reads it, PyTorch's math backend adds -inf to it (DIFFERENCES:
    'scaled_dot_product_attention, causal'). A query whose one visible score is -inf
    gets weights 0 (key 0 at -inf)."""
    base = _qkv()
    for which, index in [(0, (0, 0, 0, 0)), (0, (0, 1, 1, 1)), (1, (0, 0, 0, 0)),
                         (1, (0, 1, 0, 1)), (1, (0, 1, 1, 1)), (2, (0, 0, 0, 0)),
                         (2, (0, 1, 3, 1))]:
        for value in SCORE_SPECIALS:
            arrays = _with(base, which, index, value)
            what = f"input {which} at {index} = {value}"
            _compare(_sdpa(None), arrays, dtype, f"attention, {what}")
            special = np.asarray(value, dtype)
            if (np.isfinite(special) or which == 2 or (which == 0 and np.isnan(special))
                    or (which == 1 and index[2] == 0)):
                _compare(_sdpa(None, causal=True), arrays, dtype, f"causal attention, {what}")
    for value in (-inf, inf):
        _compare(_sdpa(None, causal=True), [a[0] for a in _with(base, 1, (0, 0, 0, 0), value)],
                 dtype, f"causal attention, 3-d, key 0 at {value}")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_attention_with_a_fully_masked_query_at_special_values(dtype):
    """A bool mask hiding every key from query 1, and a float mask doing the same with
    -inf (and hiding two keys from query 2): the row gives 0 and passes no gradient.
    Special values in the other queries; one in a key or value, or in the hidden
    query, is a deliberate difference (DIFFERENCES: 'scaled_dot_product_attention,
    fully masked query')."""
    base = _qkv()
    keep = np.ones((3, 4), bool)
    keep[1] = False
    bias = np.zeros((3, 4))
    bias[1] = -inf
    bias[2, :2] = -inf
    for mask in (keep, bias):
        _compare(_sdpa(mask), base, dtype, f"attention, mask {mask.dtype}")
        for index in [(0, 0, 0, 0), (0, 1, 2, 1)]:
            for value in SCORE_SPECIALS:
                _compare(_sdpa(mask), _with(base, 0, index, value), dtype,
                         f"attention, mask {mask.dtype}, q at {index} = {value}")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_layer_norm_of_rows_whose_variance_overflows(dtype):
    """x^2 or the row's sum overflows: the row is normalised again from x / 2^k
    (DIFFERENCES: 'layer_norm(x), huge', where PyTorch gives 0 or NaN). Against
    PyTorch on x / 2^k, whose result is the same and whose x-gradient is 2^k times."""
    top = float(np.finfo(dtype).max)        # log2 rounds it up to 2^128 in float32
    rows = {np.float32: [[1e20, 0.0, 0.0], [3e38, 3e38, -3e38], [1e19, -2e19, 5e18],
                         [top, -top / 2, 1.0], [-top, top, -top]],
            np.float64: [[1e300, -1e300, 0.0], [1e170, 0.0, 1e160], [1.7e308, -1.7e308, 1.0],
                         [top, -1.0, 0.0]]}
    w, b = [0.5, -2.0, 1.5], [0.1, 0.0, -0.3]
    for row in rows[dtype]:
        x = np.array([row], dtype)
        scale = 2.0 ** (np.frexp(np.abs(x).max())[1] - 1)
        for affine in (True, False):
            def fn(L, x, w, b, eps):
                return _nn(L).layer_norm(x, (3,), w if affine else None, b if affine else None,
                                         eps)
            y, (gx, gw, gb) = _run(ag, lambda L, x, w, b: fn(L, x, w, b, EPS), [x, w, b], dtype)
            ty, (tgx, tgw, tgb) = _run(torch, lambda L, x, w, b: fn(L, x, w, b, 0.0),
                                       [x / scale, w, b], dtype)
            assert np.isfinite(y).all(), row
            what = f"layer_norm of {row}, affine {affine}"
            _agree(y, ty, dtype, f"{what}: value")
            _agree(gx * scale, tgx, dtype, f"{what}: x's gradient")
            if affine:
                _agree(gw, tgw, dtype, f"{what}: weight's gradient")
                _agree(gb, tgb, dtype, f"{what}: bias's gradient")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_layer_norm_of_a_constant_row_whose_sum_overflows(dtype):
    """A constant row has variance 0, so y = 0 and rstd = 1 / sqrt(eps) at any
    magnitude. Where its sum overflows, the row rescaled by 2^k has eps / 4^k underflow
    to 0 (this gave 0 / 0: NaN): against PyTorch on a constant row of ones. (Rows of 2^j
    elements: their means are exact, so the centred row is 0.)"""
    top = float(np.finfo(dtype).max)
    w, b = [0.5, -2.0, 1.5, 3.0], [0.1, 0.0, -0.3, 2.0]
    for value in (top, -top, top / 3, float(np.ldexp(1.0, np.finfo(dtype).maxexp - 1))):
        for n in (2, 4):
            x = np.full((3, n), value, dtype)

            def fn(L, x, w, b):
                return _nn(L).layer_norm(x, (n,), w[:n], b[:n], EPS)
            y, grads = _run(ag, fn, [x, w, b], dtype)
            ty, tgrads = _run(torch, fn, [np.ones_like(x), w, b], dtype)
            what = f"layer_norm of {n} x {value}"
            _agree(y, ty, dtype, f"{what}: value")
            for g, tg, name in zip(grads, tgrads, ("x", "weight", "bias")):
                _agree(g, tg, dtype, f"{what}: {name}'s gradient")
