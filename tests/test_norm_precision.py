"""Normalisations on rows where rounding matters (constant rows, a large offset plus small
noise, values near float32's largest, signed zeros, subnormals) against an exact
reference: PyTorch in float64 on the rows shifted by their first element (the shift is
exact for float32 data and these functions do not change under it), and against PyTorch
in float32.

Tolerance (errors relative to max(1, |reference|), on values and input gradients):
float32 within max(4 x PyTorch float32's own error, 64 eps32); float64 within
64 eps64 kappa, kappa = 1 + max |x| / std over the rows (the condition of x - mean; 1
for a constant row, whose exact answer is within reach).
A mean computed as a rounded sum times 1/n was normalised as if its rounding were
variance: a float32 row of 5.12e7 gave layer_norm -1 where 0 is right.
"""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")

EPS = {np.float32: float(np.finfo(np.float32).eps), np.float64: float(np.finfo(np.float64).eps)}
SIZES = (2, 3, 7, 100, 1024)


def _rows(kind, n, rng):
    """Three rows of n float32 values of the given kind."""
    name, _, arg = kind.partition(":")
    if name == "const":
        return np.full((3, n), float(arg), np.float32)
    if name == "noise":
        offset, sd = map(float, arg.split(","))
        return (offset + sd * rng.standard_normal((3, n))).astype(np.float32)
    if name == "nearmax":
        return (3e38 * (0.9 + 0.1 * rng.random((3, n)))).astype(np.float32)
    if name == "zeros":
        x = np.zeros((3, n), np.float32)
        x[:, ::2] = -0.0
        return x
    if name == "tiny":
        return (1e-30 * rng.standard_normal((3, n))).astype(np.float32)
    if name == "subnormal":
        return rng.integers(1, 50, (3, n)).astype(np.float32) * np.float32(1e-45)
    return rng.standard_normal((3, n)).astype(np.float32)


KINDS = ["normal", "tiny", "const:1.1", "const:5.12e7", "const:-3.3e5", "const:1e30", "noise:1e4,1",
         "noise:1e6,1e-2", "noise:1e3,1e-3", "nearmax", "zeros", "subnormal"]


def _affine(lib, t):
    n = t.shape[-1]
    w, b = np.linspace(0.5, 1.5, n), np.linspace(-1.0, 1.0, n)
    if lib is torch:
        return torch.tensor(w, dtype=t.dtype), torch.tensor(b, dtype=t.dtype)
    return ag.tensor(w.astype(t.dtype)), ag.tensor(b.astype(t.dtype))


# name: (fn(lib, F, t) on (3, n) rows, shift-invariant?)
OPS = {
    "layer_norm": (lambda L, Fn, t: Fn.layer_norm(t, (t.shape[-1],)), True),
    "layer_norm_affine": (lambda L, Fn, t: Fn.layer_norm(t, (t.shape[-1],), *_affine(L, t)), True),
    "layer_norm_2d": (lambda L, Fn, t: Fn.layer_norm(t, tuple(t.shape)), True),
    "var": (lambda L, Fn, t: t.var(dim=-1, keepdim=True), True),
    "var_biased": (lambda L, Fn, t: t.var(dim=-1, unbiased=False, keepdim=True), True),
    "std": (lambda L, Fn, t: t.std(dim=-1, keepdim=True), True),
    "var_all": (lambda L, Fn, t: t.var().reshape(1, 1), True),
    "batch_norm": (lambda L, Fn, t: Fn.batch_norm(t.T, None, None, training=True).T, True),
    "group_norm": (lambda L, Fn, t: Fn.group_norm(t.reshape(1, *t.shape), 3).reshape(t.shape),
                   True),
    "group_norm_rows": (lambda L, Fn, t: Fn.group_norm(t, 1), True),
    "instance_norm": (lambda L, Fn, t: Fn.instance_norm(t.reshape(1, *t.shape)).reshape(t.shape),
                      True),
    "normalize": (lambda L, Fn, t: Fn.normalize(t, dim=-1), False),
    "rms_norm": (lambda L, Fn, t: Fn.rms_norm(t, (t.shape[-1],)), False),
    "softmax": (lambda L, Fn, t: Fn.softmax(t, dim=-1), True),
    "log_softmax": (lambda L, Fn, t: Fn.log_softmax(t, dim=-1), True),
    "cross_entropy": (lambda L, Fn, t: Fn.cross_entropy(t, L.tensor([0, 1, 0]),
                                                        reduction="none").reshape(3, 1), True),
}

def _run(lib, fn, x, g):
    """fn's value and the input gradient of sum(value * g), as float64 numpy arrays."""
    dt = {np.float32: lib.float32, np.float64: lib.float64}[x.dtype.type]
    t = lib.tensor(x, dtype=dt, requires_grad=True)
    y = fn(lib, torch.nn.functional if lib is torch else F, t)
    g = g[tuple(slice(0, k) for k in y.shape)]            # g's leading block, y's shape
    (y * lib.tensor(g, dtype=dt)).sum().backward()
    value = y.detach().numpy() if lib is torch else y.data
    grad = t.grad.numpy() if lib is torch else t.grad.data
    return value.astype(np.float64), grad.astype(np.float64)


def _err(a, ref):
    """Largest |a - ref| relative to max(1, max |ref|) where both are finite; inf where
    one is NaN or infinite and the other not (or infinite of the other sign)."""
    if not (np.array_equal(np.isnan(a), np.isnan(ref))
            and np.array_equal(np.where(np.isinf(a), a, 0), np.where(np.isinf(ref), ref, 0))):
        return np.inf
    fin = np.isfinite(ref)
    if not fin.any():
        return 0.0
    return np.abs(a[fin] - ref[fin]).max() / max(1.0, np.abs(ref[fin]).max())


def _case(op, kind, n, dtype, rng):
    fn, invariant = OPS[op]
    x = _rows(kind, n, rng)
    g = rng.standard_normal(x.shape)
    x64 = x.astype(np.float64)
    shifted = x64 - x64.flat[0] if invariant and kind != "nearmax" else x64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = _run(torch, fn, shifted, g)
        ours = _run(ag, fn, x.astype(dtype), g.astype(dtype))
        theirs = _run(torch, fn, x.astype(dtype), g.astype(dtype))
    with np.errstate(over="ignore"):                 # overflows as dtype would
        ref = tuple(r.astype(dtype).astype(np.float64) for r in ref)
    if dtype == np.float32:
        tol = [max(4 * _err(t, r), 64 * EPS[dtype]) for t, r in zip(theirs, ref)]
    else:
        tol = [_tol(x64, dtype)] * 2
    return [(what, _err(o, r), t) for what, o, r, t in zip(("value", "grad"), ours, ref, tol)]


@pytest.mark.parametrize("op, kind", [pytest.param(op, kind, id=f"{op}-{kind}")
                                      for op in OPS for kind in KINDS])
def test_matches_exact_reference(op, kind):
    rng = np.random.default_rng(0)
    bad = []
    for n in SIZES:
        for dtype in (np.float32, np.float64):
            for what, err, tol in _case(op, kind, n, dtype, rng):
                if not err <= tol:
                    bad.append(f"n={n} {dtype.__name__} {what}: error {err:.3g} > {tol:.3g}")
    assert not bad, f"{op} on {kind} rows:\n" + "\n".join(bad)


def test_layer_norm_of_a_large_constant_row_is_zero():
    for n in (3, 7, 100):
        x = ag.tensor(np.full((1, n), 5.12e7, np.float32))
        assert np.array_equal(F.layer_norm(x, (n,)).data, np.zeros((1, n), np.float32))


def test_compiled_layer_norm_matches_eager_and_zero():
    """ag.compile replays the same numpy calls: the corrected mean there too."""
    def make():
        ag.manual_seed(0)
        return nn.LayerNorm(7)

    def step_of(ln):
        def step(x):
            y = ln(x)
            (y * y).sum().backward()
            return y
        return step

    xs = [np.full((4, 7), 5.12e7 * (1 + i), np.float32) for i in range(3)]
    xs += [(1e6 + 1e-2 * np.random.default_rng(i).standard_normal((4, 7))).astype(np.float32)
           for i in range(3)]
    eager_ln, compiled_ln = make(), make()
    eager, compiled = step_of(eager_ln), ag.compile(step_of(compiled_ln))
    for i, x in enumerate(xs):
        ye, yc = eager(ag.tensor(x)), compiled(ag.tensor(x))
        assert np.array_equal(ye.data, yc.data)
        assert np.array_equal(eager_ln.weight.grad.data, compiled_ln.weight.grad.data)
        if i < 3:
            assert not yc.data.any()
    assert compiled.replays >= 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_second_order_on_offset_rows(dtype):
    """Rstd's backward (second derivatives) centres with the corrected mean too."""
    rng = np.random.default_rng(1)
    for x in (np.full((2, 7), 5.12e7), np.full((2, 7), 1.1), 1e4 + rng.standard_normal((2, 100))):
        x = x.astype(np.float32).astype(dtype)
        g, h = rng.standard_normal(x.shape), rng.standard_normal(x.shape)
        got = []
        for lib, data in ((ag, x), (torch, x.astype(np.float64) - float(x.flat[0]))):
            t = lib.tensor(data, requires_grad=True)
            y = (torch.nn.functional if lib is torch else F).layer_norm(t, (x.shape[-1],))
            grad = torch.autograd.grad if lib is torch else ag.grad
            gx, = grad((y * lib.tensor(g.astype(data.dtype))).sum(), t, create_graph=True)
            gxx, = grad((gx * lib.tensor(h.astype(data.dtype))).sum(), t)
            got.append(np.asarray(gxx.detach().numpy() if lib is torch else gxx.data))
        ours, ref = got[0].astype(np.float64), got[1]
        assert np.abs(ours - ref).max() / max(1.0, np.abs(ref).max()) <= _tol(x, dtype)


def _tol(x, dtype):
    """64 eps kappa, kappa = 1 + max |x| / std over the rows (1 for a constant row,
    where the exact answer is within reach)."""
    x = x.astype(np.float64)
    std = (x - x.mean(-1, keepdims=True)).std(-1)
    kappa = 1 + max((np.abs(r).max() / s if s > 0 else 0.0) for r, s in zip(x, std))
    return 64 * EPS[dtype] * kappa


def test_batch_norm_running_stats_of_a_constant_channel():
    """A constant channel normalises to 0 (PyTorch float32 gives -374.5 for 5.12e7), its
    running mean is momentum times the exact mean and its running variance gets 0; the
    other channel as PyTorch."""
    for c in (5.12e7, 1.1, -3.3e5):
        bn = nn.BatchNorm1d(2)
        x = np.full((7, 2), c, np.float32)
        x[:, 1] = np.linspace(-1, 1, 7)
        y = bn(ag.tensor(x))
        tb = torch.nn.BatchNorm1d(2)
        ty = tb(torch.tensor(x)).detach().numpy()
        assert not y.data[:, 0].any()
        assert bn.running_mean.data[0] == np.float32(0.1) * np.float32(c)
        assert bn.running_var.data[0] == np.float32(0.9)
        np.testing.assert_allclose(y.data[:, 1], ty[:, 1], atol=1e-6)
        np.testing.assert_allclose(bn.running_mean.data[1], tb.running_mean.numpy()[1], atol=1e-7)
        np.testing.assert_allclose(bn.running_var.data[1], tb.running_var.numpy()[1], rtol=1e-6)


def test_std_scaling_keeps_the_bits_of_sqrt_var():
    """std is computed on x / 2^k (see std): on ordinary data the same bits as the square
    root of var, for every dim, keepdim and correction."""
    rng = np.random.default_rng(2)
    for dtype in (np.float32, np.float64):
        for shape, dim in [((5, 7), 1), ((5, 7), 0), ((3, 4, 5), (0, 2)), ((6,), None),
                           ((4, 1, 3), -1)]:
            for scale in (1e-3, 1.0, 1e5):
                x = ag.tensor((rng.standard_normal(shape) * scale + 3 * scale).astype(dtype))
                for keepdim in (False, True):
                    for correction in (0, 1):
                        s = x.std(dim, keepdim=keepdim, correction=correction)
                        v = x.var(dim, keepdim=keepdim, correction=correction)
                        assert s.data.dtype == dtype and s.shape == v.shape
                        np.testing.assert_array_equal(s.data, np.sqrt(v.data))


def _std_and_grad(lib, x, dtype):
    t = lib.tensor(x.astype(dtype), requires_grad=True)
    s = t.std(1)
    s.sum().backward()
    detach = (lambda a: a.detach().numpy()) if lib is torch else (lambda a: a.data)
    return detach(s), detach(t.grad)


def test_std_of_rows_whose_squares_overflow_or_underflow():
    """std was inf for float32 rows of ~3e38 and 0 (gradient 0) for rows of ~1e-30,
    their squares out of float32's range; PyTorch sums in double."""
    huge = np.array([[3e38, 2.9e38, 3.1e38]], np.float32)
    tiny = (np.random.default_rng(3).standard_normal((2, 9)) * 1e-30).astype(np.float32)
    for x in (huge, tiny):
        s, grad = _std_and_grad(ag, x, np.float32)
        ref, ref_grad = _std_and_grad(torch, x, np.float64)
        np.testing.assert_allclose(s, ref, rtol=1e-6)
        if x is tiny:
            np.testing.assert_allclose(grad, ref_grad, rtol=1e-5, atol=1e-6)


def test_std_gradient_of_rows_near_float32_max():
    """The backward multiplied by the scale 2^127 before dividing by std / 2^127 and
    overflowed (NaN); rows of many values near float32's largest, and rows whose spread
    is tiny beside their magnitude, against PyTorch in double."""
    rng = np.random.default_rng(4)
    rows = [np.array([[3e38, 2.9e38, 3.1e38]]),
            rng.uniform(-3.3e38, 3.3e38, (3, 200)),
            3e38 + rng.standard_normal((2, 50)) * 1e33,
            rng.uniform(1e37, 3e38, (4, 2))]
    for x in rows:
        x = x.astype(np.float32)
        s, grad = _std_and_grad(ag, x, np.float32)
        ref, ref_grad = _std_and_grad(torch, x, np.float64)
        np.testing.assert_allclose(s, ref, rtol=1e-5)
        np.testing.assert_allclose(grad, ref_grad, rtol=1e-4, atol=1e-6)


def _var_and_grad(lib, x, dtype, correction):
    t = lib.tensor(x.astype(dtype), requires_grad=True)
    v = t.var(1, correction=correction)
    v.sum().backward()
    detach = (lambda a: a.detach().numpy()) if lib is torch else (lambda a: a.data)
    return detach(v), detach(t.grad)


def test_var_of_rows_whose_sum_overflows():
    """var's mean summed x, which overflows for float32 rows near its largest: the
    gradient was NaN (PyTorch's in float32: -inf). The variance itself is beyond
    float32's range (inf, as PyTorch's); its gradient 2 (x - mean) / dof is not, and is
    PyTorch's in double."""
    rng = np.random.default_rng(5)
    for x in (np.array([[3e38, 2.9e38, 3.1e38]]), rng.uniform(1e38, 3.4e38, (3, 40))):
        x = x.astype(np.float32)
        for correction in (0, 1):
            v, grad = _var_and_grad(ag, x, np.float32, correction)
            ref = _var_and_grad(torch, x, np.float64, correction)[1]
            assert np.isposinf(v).all()
            np.testing.assert_allclose(grad, ref, rtol=1e-5, atol=np.abs(ref).max() * 1e-6)
