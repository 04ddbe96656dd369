"""Primitives that nn needs beyond ops.py: forward and gradient side by side, as there.

- ``Linear``: x @ w.T + b fused into one node (see its docstring for the measurement).
- ``LstmCell`` / ``GruCell``: an LSTM's or a GRU's step after its projections, fused.
- ``Unfold`` / ``Fold``: sliding windows of an image and their adjoint. Unfold is the
  strided window view (no copy), Fold adds windows back; each is the other's backward,
  so convolutions and pools built on them are differentiable to any order. ``Windows``:
  Tensor.unfold's windows along one axis, whose backward is Fold.
- ``Erf``: the error function, W. J. Cody's rational approximations.
- ``Gelu`` / ``GeluSlope``: exact GELU x Phi(x) and its derivative, fused (see Gelu).
- ``Normalize`` / ``Rstd``: layer norm's (x - mean) / sqrt(var + eps), fused;
  ``LayerNorm``: the same over the last axis with its weight and bias, one node.
- ``Attention`` / ``AttentionWeights``: softmax(q k^T * scale, masked) v, fused.
"""
import math

import numpy as np

from .graph import Primitive, apply1, apply2, applyn, owns_buffer
from .ops import Cat, Exp, Sigmoid, Sum, Tanh, binary_exponent, power_of_two, row_sum
from .ops.elementwise import sigmoid
from .errors import ArgumentError
from .jit.hooks import kernel


class Linear(Primitive):
    """x @ w.T (+ b) for x of shape (B, in), w (out, in), b (out,).

    Fused: one node instead of permute + matmul + add, and the weight's gradient comes
    out contiguous. Forward + backward against that composite (benchmarks/nn_layers.py):
    0.67x the instructions and ~0.5x the time at (B=16, 64->64), 0.89x / ~0.7x at
    (16, 784->64), ~1x at (128, 256->256), where the matmuls dominate."""
    __slots__ = ()
    saves_inputs = True

    def forward(self, arrays):
        x, w = arrays[0], arrays[1]
        y = x @ w.T
        if len(arrays) == 3:
            b = arrays[2]
            if b.dtype == y.dtype:
                y += b
            else:
                y = y + b
        return y

    def backward(self, g):
        # dx = g w, dw = g^T x, db = sum_batch g: the same expressions on arrays and
        # on Tensors (the bias's as a product with a ones column: _row_total).
        x, w = self.inputs()[:2]
        parents = self.parents
        gx = g @ w if parents[0] is not None else None
        gw = g.T @ x if parents[1] is not None else None
        if len(parents) == 2:
            return gx, gw
        return gx, gw, (_row_total(g) if parents[2] is not None else None)


class LstmCell(Primitive):
    """One LSTM step's elementwise part, as one node: from the gates before their
    activations (..., 4H: i, f, g, o, PyTorch's order) and c (..., H), [h', c']
    (..., 2H) with c' = sigmoid(f) c + sigmoid(i) tanh(g), h' = sigmoid(o) tanh(c').
    The composite made 11 nodes a step (sigmoid, tanh, 4 slices, 3 products, a sum, a
    tanh) and its backward 4 gate-sized zero arrays for the slices; the same numpy
    calls on the same elements give the same values bit for bit, and the gradients
    too but for the sign of zeros (0 + -0). Under create_graph the activations are
    recorded ops of the inputs, so it is differentiable to any order."""
    __slots__ = ()

    def forward(self, gates, c):
        n = c.shape[-1]
        s = sigmoid(gates)                  # all four: one call (g's quarter unused)
        tg = np.tanh(gates[..., 2 * n:3 * n])
        out = np.empty(c.shape[:-1] + (2 * n,), np.result_type(gates, c))
        c_new = np.multiply(s[..., n:2 * n], c, out=out[..., n:])
        c_new += s[..., :n] * tg
        tc = np.tanh(c_new)
        np.multiply(s[..., 3 * n:], tc, out=out[..., :n])
        self.saved = (gates, c, s, tg, tc)
        return out

    def backward(self, g):
        gates, c = self.inputs()[:2]
        n = c.shape[-1]
        if isinstance(g, np.ndarray):
            return _lstm_cell_grad(g, c, *self.saved[2:])
        s = apply1(Sigmoid, gates)          # the activations as ops of the inputs
        tg = apply1(Tanh, gates[..., 2 * n:3 * n])
        tc = apply1(Tanh, s[..., n:2 * n] * c + s[..., :n] * tg)
        si, sf, so = s[..., :n], s[..., n:2 * n], s[..., 3 * n:]
        gh = g[..., :n]
        gc = (gh * so) * (1.0 - tc * tc) + g[..., n:]          # c' reaches h' too
        parts = [(gc * tg) * (si * (1.0 - si)), (gc * c) * (sf * (1.0 - sf)),
                 (gc * si) * (1.0 - tg * tg), (gh * tc) * (so * (1.0 - so))]
        return applyn(Cat, parts, gates.ndim - 1), gc * sf


def _lstm_cell_grad(g, c, s, tg, tc):
    """LstmCell's backward on arrays: the Tensor form's products in the same order (so
    the same bits), written into one gates-sized buffer and multiplied by the
    activations' slopes in one pass: 15 numpy calls where the Tensor form makes 23."""
    n = c.shape[-1]
    gh = g[..., :n]
    slope = np.multiply(tc, tc)
    np.subtract(1.0, slope, out=slope)
    gc = gh * s[..., 3 * n:]
    gc *= slope
    gc += g[..., n:]
    out = np.empty(s.shape, s.dtype)
    np.multiply(gc, tg, out=out[..., :n])
    np.multiply(gc, c, out=out[..., n:2 * n])
    np.multiply(gc, s[..., :n], out=out[..., 2 * n:3 * n])
    np.multiply(gh, tc, out=out[..., 3 * n:])
    slopes = 1.0 - s                        # sigmoid's y (1 - y), tanh's 1 - y^2 for g
    slopes *= s
    np.multiply(tg, tg, out=slopes[..., 2 * n:3 * n])
    np.subtract(1.0, slopes[..., 2 * n:3 * n], out=slopes[..., 2 * n:3 * n])
    out *= slopes
    return out, gc * s[..., n:2 * n]


class GruCell(Primitive):
    """One GRU step after its two projections, as one node: from hp = W_hh h + b_hh and
    xp = W_ih x + b_ih (..., 3H: r, z, n, PyTorch's order) and h (..., H),
    h' = (h - n) z + n with r, z = sigmoid(hp + xp) and n = tanh(xp_n + hp_n r). The
    composite made 13 nodes a step; the same numpy calls on the same elements give the
    same values and gradients bit for bit (but the sign of zeros). Under create_graph
    the activations are recorded ops of the inputs (second derivatives)."""
    __slots__ = ()

    def forward(self, arrays):
        hp, xp, h = arrays
        n = h.shape[-1]
        rz = sigmoid(hp[..., :2 * n] + xp[..., :2 * n])
        new = np.tanh(xp[..., 2 * n:] + hp[..., 2 * n:] * rz[..., :n])
        diff = h - new
        out = diff * rz[..., n:]
        out += new
        self.saved = (hp, xp, h, rz, new, diff)
        return out

    def backward(self, g):
        hp, xp, h = self.inputs()[:3]
        n = h.shape[-1]
        if isinstance(g, np.ndarray):
            rz, new, diff = self.saved[3:]
        else:                               # the activations as ops of the inputs
            rz = apply1(Sigmoid, hp[..., :2 * n] + xp[..., :2 * n])
            new = apply1(Tanh, xp[..., 2 * n:] + hp[..., 2 * n:] * rz[..., :n])
            diff = h - new
        r, z = rz[..., :n], rz[..., n:]
        gh = g * z
        g_pre = (g - gh) * (1.0 - new * new)
        g_rz = [(g_pre * hp[..., 2 * n:]) * (r * (1.0 - r)), (g * diff) * (z * (1.0 - z))]
        if isinstance(g, np.ndarray):
            return (np.concatenate(g_rz + [g_pre * r], -1), np.concatenate(g_rz + [g_pre], -1),
                    gh)
        axis = h.ndim - 1
        return applyn(Cat, g_rz + [g_pre * r], axis), applyn(Cat, g_rz + [g_pre], axis), gh


class Unfold(Primitive):
    """Windows of x (N, C, H, W): out[n, c, i, j, ki, kj] =
    xpad[n, c, i*sh + ki*dh, j*sw + kj*dw], where xpad is x padded by `padding` on each
    side with `value` (0 for convolutions, -inf for max pooling). A read-only view."""
    __slots__ = ("args",)

    def forward(self, x, kernel, stride, padding, dilation, value=0.0):
        self.args = (x.shape, kernel, stride, padding, dilation)
        (ph, pw) = padding
        if ph or pw:
            x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        n, c, h, w = x.shape
        oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
        if oh <= 0 or ow <= 0:
            raise ArgumentError(f"the kernel {kernel} with dilation {dilation} does not fit in "
                             f"the padded input of size {(h, w)}")
        s = x.strides
        return np.lib.stride_tricks.as_strided(
            x, (n, c, oh, ow, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw),
            writeable=False)

    def backward(self, g):
        return apply1(Fold, g, *self.args),


class Fold(Primitive):
    """The adjoint of Unfold: sums windows g (N, C, OH, OW, kh, kw) back into an image of
    `shape` (N, C, H, W), dropping the padding."""
    __slots__ = ("args",)

    def forward(self, g, shape, kernel, stride, padding, dilation):
        self.args = (kernel, stride, padding, dilation)
        (kh, kw), (sh, sw), (dh, dw), (ph, pw) = kernel, stride, dilation, padding
        n, c, oh, ow = g.shape[:4]
        out = np.zeros((n, c, shape[2] + 2 * ph, shape[3] + 2 * pw), g.dtype)
        for i in range(kh):
            rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
            for j in range(kw):
                out[:, :, rows, j * dw:j * dw + sw * (ow - 1) + 1:sw] += g[..., i, j]
        return out[:, :, ph:ph + shape[2], pw:pw + shape[3]]

    def backward(self, gg):
        return apply1(Unfold, gg, *self.args),


class Windows(Primitive):
    """Tensor.unfold: out[..., i, ..., k] = x[..., i * step + k, ...], the windows of `size`
    along axis `dim` as a new last axis. A strided view of x (read-only where windows
    overlap); its adjoint is Fold's, on x seen as (A, 1, D, B) with a (size, 1) kernel."""
    __slots__ = ("args",)

    def forward(self, x, dim, size, step):
        self.args = (x.shape, dim, size, step)
        n, s = (x.shape[dim] - size) // step + 1, x.strides
        return np.lib.stride_tricks.as_strided(
            x, x.shape[:dim] + (n,) + x.shape[dim + 1:] + (size,),
            s[:dim] + (s[dim] * step,) + s[dim + 1:] + (s[dim],), writeable=step >= size)

    def backward(self, g):
        shape, dim, size, step = self.args
        a, b = math.prod(shape[:dim]), math.prod(shape[dim + 1:])
        g = g.reshape(a, 1, g.shape[dim], b, size, 1)
        return apply1(Fold, g, (a, 1, shape[dim], b), (size, 1), (step, 1), (0, 0),
                      (1, 1)).reshape(shape),


class Erf(Primitive):
    """erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt;  d/dx erf x = 2/sqrt(pi) exp(-x^2)."""
    __slots__ = ()
    function = "erf"  # autograd.erf and Tensor.erf
    method = True
    same_shape = True
    saves_inputs = True

    def forward(self, x):
        return erf(x).astype(x.dtype, copy=False)

    def backward(self, g):
        x = self.inputs()[0]
        return g * apply1(Exp, (x * x) * -1.0) * _TWO_OVER_SQRT_PI,


class Erfc(Erf):
    """1 - erf(x), to full relative precision for large x (where 1 - erf(x) is 0 from
    x = 6); d/dx erfc x = -2/sqrt(pi) exp(-x^2)."""
    __slots__ = ()
    function = "erfc"  # autograd.erfc and Tensor.erfc

    def forward(self, x):
        return erfc(x).astype(x.dtype, copy=False)

    def backward(self, g):
        return -Erf.backward(self, g)[0],


class Erfinv(Primitive):
    """The inverse of erf on [-1, 1] (±inf at ±1, NaN beyond); d/dy erfinv y =
    sqrt(pi)/2 exp(erfinv(y)^2) (from its saved output)."""
    __slots__ = ()
    function = "erfinv"  # autograd.erfinv and Tensor.erfinv
    method = True
    same_shape = True

    def forward(self, y):
        self.saved = x = erfinv(y.astype(np.float64, copy=False)).astype(y.dtype, copy=False)
        return x

    def backward(self, g):
        x = self.output(self.saved)
        return g * apply1(Exp, x * x) * (0.5 / _ONE_OVER_SQRT_PI),


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_ONE_OVER_SQRT_PI = 1.0 / math.sqrt(math.pi)

# W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23
# (1969) 631-638: near-minimax rationals, coefficients listed highest power first.
# |x| <= 0.46875: erf(x) = x * P(x^2) / Q(x^2)
_ERF_P = (1.85777706184603153e-1, 3.16112374387056560e0, 1.13864154151050156e2,
          3.77485237685302021e2, 3.20937758913846947e3)
_ERF_Q = (1.0, 2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3,
          2.84423683343917062e3)
# 0.46875 < |x| <= 4: erfc(x) = exp(-x^2) * P(|x|) / Q(|x|)
_ERFC_P = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e0,
           6.61191906371416295e1, 2.98635138197400131e2, 8.81952221241769090e2,
           1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3)
_ERFC_Q = (1.0, 1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2,
           1.62138957456669019e3, 3.29079923573345963e3, 4.36261909014324716e3,
           3.43936767414372164e3, 1.23033935480374942e3)
# |x| > 4: erfc(x) = exp(-x^2) / |x| * (1/sqrt(pi) - z P(z) / Q(z)),  z = 1/x^2
_TAIL_P = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
           1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_TAIL_Q = (1.0, 2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1,
           6.05183413124413191e-2, 2.33520497626869185e-3)


def _ratio(p, q, t, num, den):
    """num = P(t) / Q(t) by Horner in place (den: scratch; every Q here leads with 1)."""
    mul, add = np.multiply, np.add
    mul(t, p[0], num)
    add(num, p[1], num)
    add(t, q[1], den)
    for a, b in zip(p[2:], q[2:]):
        mul(num, t, num)
        add(num, a, num)
        mul(den, t, den)
        add(den, b, den)
    np.divide(num, den, num)
    return num


_ERF_BLOCK = 1 << 13    # elements per block: the ~10 float64 scratch rows (64 KB each) stay in L2


@kernel()                   # ag.compile: its blocks are a loop in Python; replayed as one call
def erf(x):
    """erf of a float32 or float64 array (others as float64), in its dtype; computed in
    float64 within a few ulps (~1e-16 relative) everywhere."""
    return _erf_blocks(x, False)


@kernel()
def erfc(x):
    """erfc = 1 - erf of a float32 or float64 array (others as float64), in its dtype; to
    a few ulps relative in float64 (also where it is tiny)."""
    return _erf_blocks(x, True)


def _erf_blocks(x, complement):
    x = np.asarray(x)
    if x.dtype != np.float32:
        x = x.astype(np.float64, copy=False)
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    with np.errstate(invalid="ignore", over="ignore"):   # NaN in, NaN out
        for start in range(0, flat.size, _ERF_BLOCK):
            stop = start + _ERF_BLOCK
            _erf_block(flat[start:stop], out[start:stop], complement)
    return out.reshape(x.shape)


def _erf_block(x, out, complement):
    """out = erf(x) (erfc(x) if `complement`) for one block, elementwise: each branch
    present in the block is evaluated over the whole block with scalar operands (SIMD
    loops, 2 numpy calls per Horner step) and the results picked with np.where, so an
    element's bits never depend on its neighbours. ag.erf of 2^20 normals: float64 49 ->
    19 ms, float32 84 -> 21 ms; of 16: 79-114 -> 35 us (boolean-mask indexing and
    whole-array temporaries before; thread CPU time, medians)."""
    xd = x.astype(np.float64, copy=False)
    n = len(xd)
    y = np.abs(xd)
    small = y <= 0.46875
    num, den = np.empty(n), np.empty(n)
    if small.any():          # erf(x) = x P(x^2) / Q(x^2)
        t = np.multiply(xd, xd)
        es = np.multiply(_ratio(_ERF_P, _ERF_Q, t, num, den), xd, t)
        if complement:
            np.subtract(1.0, es, es)
        if small.all():
            out[...] = es
            return
    else:
        es = None
    c = _erfc_of_abs(y, num, den)
    if complement:           # erfc(-y) = 2 - erfc(y)
        c = np.where(xd < 0.0, 2.0 - c, c)
    else:                    # erf(x) = sign(x) (1 - erfc |x|), the sign copied bitwise
        np.subtract(0.5, c, c)
        np.add(c, 0.5, c)
        cb = c.view(np.uint64)
        np.bitwise_or(cb, np.bitwise_and(xd.view(np.uint64), _SIGN_BIT_64), cb)
    out[...] = c if es is None else np.where(small, es, c)


_SIGN_BIT_64 = np.uint64(1 << 63)


def _erfc_of_abs(y, num, den):
    """erfc(y) for y >= 0 (inf included; garbage where y <= 0.46875, not picked there),
    in a new array; num and den: scratch."""
    ym = np.minimum(y, 30.0)                  # erfc(27) < 1e-318: 0 from about 27.3
    r = _ratio(_ERFC_P, _ERFC_Q, ym, np.empty(len(y)), den)     # 0.46875 < y <= 4
    tail = ym > 4.0
    if tail.any():           # erfc(y) = exp(-y^2) / y (1/sqrt(pi) - z P(z) / Q(z)), z = 1/y^2
        z = np.maximum(ym, 4.0)
        np.multiply(z, z, z)
        np.divide(1.0, z, z)
        rt = _ratio(_TAIL_P, _TAIL_Q, z, num, den)
        np.multiply(z, rt, rt)
        np.subtract(_ONE_OVER_SQRT_PI, rt, rt)
        np.divide(rt, ym, rt)
        r = np.where(tail, rt, r)
    # exp(-y^2) as exp(-a^2) exp(-(y-a)(y+a)) with a = y rounded down to 1/16: a^2 is
    # exact, so no rounding error of y*y is amplified by the exponential.
    a = np.multiply(ym, 16.0)
    np.trunc(a, a)
    np.divide(a, 16.0, a)
    e = np.multiply(a, a, den)
    np.negative(e, e)
    np.exp(e, e)
    d = np.subtract(ym, a, num)
    np.add(ym, a, a)
    np.multiply(d, a, d)
    np.negative(d, d)
    np.exp(d, d)
    np.multiply(e, d, e)
    return np.multiply(e, r, r)


# M. Giles, "Approximating the erfinv function", GPU Computing Gems (2011): a
# single-precision start (relative error ~1e-7), in w = -log((1 - y)(1 + y)).
_ERFINV_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                   0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_ERFINV_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


@kernel()
def erfinv(y):
    """erfinv of a float64 array: Giles' start, then Newton steps on erf (on log erfc for
    |y| > 0.5, where 1 - |y| is exact), so within a few ulps of the root; ±inf at ±1,
    NaN outside [-1, 1]."""
    y = np.asarray(y, np.float64)
    out = np.where(np.abs(y) == 1.0, np.copysign(np.inf, y), np.nan)
    inside = np.abs(y) < 1.0
    if not inside.any():
        return out
    v = y[inside]
    w = -np.log((1.0 - v) * (1.0 + v))
    central = w < 5.0
    p = np.where(central, _horner(_ERFINV_CENTRAL, w - 2.5),
                 _horner(_ERFINV_TAIL, np.sqrt(np.maximum(w, 5.0)) - 3.0))
    x = p * v
    a, c = np.abs(v), np.abs(x)
    upper = a > 0.5
    if upper.any():     # on log erfc, nearly linear in c^2 where the start is poor (y ~ 1)
        t, cu = np.log1p(-a[upper]), c[upper]
        for _ in range(4):
            e = erfc(cu)
            cu = cu + (np.log(e) - t) * e / (_TWO_OVER_SQRT_PI * np.exp(-cu * cu))
        c[upper] = cu
    lower = ~upper
    if lower.any():
        cl = c[lower]
        for _ in range(2):
            cl = cl - (erf(cl) - a[lower]) / (_TWO_OVER_SQRT_PI * np.exp(-cl * cl))
        c[lower] = cl
    out[inside] = np.copysign(c, v)
    return out


def _horner(coefficients, t):
    p = np.full_like(t, coefficients[0])
    for a in coefficients[1:]:
        p = p * t + a
    return p


class Gelu(Primitive):
    """x Phi(x), Phi the standard normal CDF (exact GELU); d/dx = Phi(x) + x phi(x).

    Fused: one node whose forward computes the value and the slope together, block by
    block (cache-sized blocks: a pass over a block in L2 costs ~1/10 of a pass over a
    2 MB array here), and whose backward is one multiplication by the saved slope. The
    composite x * (erf(x / sqrt 2) + 1) / 2 it replaces made ~10 recorded ops and ~25
    passes over float64 copies. float32 uses Abramowitz & Stegun 7.1.26 for erf
    (absolute error <= 1.5e-7: PyTorch's own vectorised CPU erf), float64 Cody's erf."""
    __slots__ = ()
    same_shape = True
    reuses_grad_buffer = True

    def forward(self, x):
        y, slope = gelu_and_slope(x)
        self.saved = (x, slope)
        return y

    def backward(self, g):
        slope = apply1(GeluSlope, self.inputs()[0], self.saved[1])
        if owns_buffer(g):
            g *= slope
            return g,
        return g * slope,


class GeluSlope(Primitive):
    """d/dx GELU = Phi(x) + x phi(x); its own derivative phi(x) (2 - x^2) is written
    with primitives, so GELU is differentiable to any order. `slope` is the value
    already computed by Gelu's forward (a first-order backward then makes no pass)."""
    __slots__ = ()
    same_shape = True
    saves_inputs = True

    def forward(self, x, slope=None):
        return gelu_and_slope(x)[1] if slope is None else slope

    def backward(self, gg):
        x = self.inputs()[0]
        x2 = x * x
        return gg * (apply1(Exp, x2 * -0.5) * (2.0 - x2)) * _ONE_OVER_SQRT_2PI,


_ONE_OVER_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_HALF = math.sqrt(0.5)
# Abramowitz & Stegun 7.1.26: erfc(z) ~= t (a1 + t (a2 + ... + t a5)) exp(-z^2),
# t = 1 / (1 + p z), z >= 0: |error| <= 1.5e-7. Here z = |x| / sqrt 2, so
# t = K / (K + |x|) with K = sqrt 2 / p (one division, no reciprocal: 0.19 against
# 0.31 ns per element in L2 here), and with t' = lam t, lam^5 = -a5 / 2, the polynomial
# -erfc / 2 = t'^5 + b4 t'^4 + ... + b1 t' is monic (Horner without its first product).
_AS_P = 0.3275911
_AS_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)   # a5 ... a1
_AS_K = math.sqrt(2.0) / _AS_P
_AS_LAM = -(0.5 * _AS_A[0]) ** 0.2
_AS_B = tuple(-0.5 * a / _AS_LAM ** k for a, k in zip(_AS_A[1:], (4, 3, 2, 1)))   # b4 ... b1


def _f32(value):
    """A 0-d float32 array: as a ufunc operand ~0.35 us a call cheaper than a scalar."""
    a = np.array(value, np.float32)
    a.flags.writeable = False
    return a


_G_K, _G_LAM_K, _G_HALF, _G_MINUS_HALF, _G_PDF = (
    _f32(_AS_K), _f32(_AS_LAM * _AS_K), _f32(0.5), _f32(-0.5), _f32(_ONE_OVER_SQRT_2PI))
_G_B = tuple(_f32(b) for b in _AS_B)
_SIGN_BIT = np.uint32(0x80000000)
_BLOCK = 1 << 15     # elements per block: 128 KB of float32 (1 << 16: the same here)


def gelu_and_slope(x):
    """GELU(x) and its derivative, arrays of x's shape and dtype (float32 or float64;
    other inputs are computed in the default float64 and cast back)."""
    if x.dtype == np.float32:
        return _gelu_f32(x)
    xd = x.astype(np.float64, copy=False)
    phi = erf(xd * _SQRT_HALF)
    phi += 1.0
    phi *= 0.5
    pdf = np.exp(xd * xd * -0.5)
    pdf *= _ONE_OVER_SQRT_2PI
    slope = xd * pdf
    slope += phi
    return (xd * phi).astype(x.dtype, copy=False), slope.astype(x.dtype, copy=False)


def _gelu_f32(x):
    xf = np.ascontiguousarray(x).reshape(-1)
    y, slope = np.empty_like(xf), np.empty_like(xf)
    n = min(_BLOCK, xf.size)
    t, e, bits = np.empty(n, np.float32), np.empty(n, np.float32), np.empty(n, np.uint32)
    with np.errstate(invalid="ignore"):     # x = -inf gives NaN (0 * inf), as PyTorch
        for start in range(0, xf.size, _BLOCK):
            stop = start + _BLOCK
            _gelu_block(xf[start:stop], y[start:stop], slope[start:stop], t, e, bits)
    return y.reshape(x.shape), slope.reshape(x.shape)


def _gelu_block(x, y, slope, t, e, bits):
    """y = GELU(x), slope = its derivative, for a float32 block; t, e, bits: scratch.
    23 passes, all of them SIMD loops in numpy (np.sign, np.where, np.copysign and
    masked copies, 4-50x slower per element here, are avoided: the sign is copied
    bitwise); outputs as positional arguments. (16, 64, 512): 3.05 ms against 3.42 ms
    for the 25-pass form with a reciprocal (thread CPU time, best of 9, AMD EPYC)."""
    mul, add = np.multiply, np.add
    t, e, bits = t[:len(x)], e[:len(x)], bits[:len(x)]
    np.abs(x, t)                              # t' = lam K / (K + |x|)
    add(t, _G_K, t)
    np.divide(_G_LAM_K, t, t)
    b4, b3, b2, b1 = _G_B
    add(t, b4, y)                             # Horner, in the output's block
    for b in (b3, b2, b1):
        mul(y, t, y)
        add(y, b, y)
    mul(y, t, y)
    mul(x, x, e)                              # e = exp(-x^2 / 2)
    mul(e, _G_MINUS_HALF, e)
    np.exp(e, e)
    mul(y, e, y)                              # -erfc(|x| / sqrt 2) / 2
    add(y, _G_HALF, y)                        # erf(|x| / sqrt 2) / 2, >= 0
    np.bitwise_and(x.view(np.uint32), _SIGN_BIT, bits)
    y_bits = y.view(np.uint32)
    np.bitwise_or(y_bits, bits, y_bits)       # erf(x / sqrt 2) / 2: x's sign
    add(y, _G_HALF, y)                        # Phi(x)
    mul(x, e, slope)                          # slope = Phi + x phi(x)
    mul(slope, _G_PDF, slope)
    add(slope, y, slope)
    mul(y, x, y)                              # y = x Phi


class Normalize(Primitive):
    """y = (x - mean) * rstd over the trailing `axes`, rstd = 1 / sqrt(var + eps) (biased
    variance): LayerNorm without its affine part, as one node.
    d/dx = rstd * (g - mean(g) - y * mean(g * y)). Forward 5 passes over x and backward
    7, where the composite made 9 nodes (benchmarks/README.md has the measurement).
    `value` and `rstd`, when given, are y and rstd already computed (by LayerNorm's
    forward: a first-order backward then makes no pass)."""
    __slots__ = ("axes", "eps", "rstd")
    same_shape = True
    saves_inputs = True

    def forward(self, x, axes, eps, value=None, rstd=None):
        self.axes, self.eps = axes, eps
        if value is None:
            value, rstd = normalize(x, axes, eps)
        self.rstd = rstd
        self.saved = (x, value)
        return value

    def backward(self, g):
        x = self.inputs()[0]
        return _normalize_grad(self, g, x, self.output(self.saved[1]), False),


def normalize(x, axes, eps):
    """((x - mean) * rstd, rstd) over `axes` (kept in rstd)."""
    y = _centred(x, axes)
    if len(axes) == 1 and axes[0] == x.ndim - 1:
        # the rows' dot products with themselves: no squared copy (1024 rows of 128
        # float32: 23 us against 32 us for square + product with a ones column)
        var = np.vecdot(y, y)[..., None] * (1.0 / x.shape[-1])
    else:
        var = _mean(np.square(y), axes)
    var += eps
    rstd = 1.0 / np.sqrt(var)
    y *= rstd
    # a row's sum or square overflowed (or NaN): one min over the rows, ~1% of the forward
    if rstd.size and not rstd.min() > 0.0:
        return _rescaled_rows(x, axes, eps, y, rstd)
    return y, rstd


def _rescaled_rows(x, axes, eps, y, rstd):
    """normalize's (y, rstd) again for the finite rows whose mean or variance
    overflowed (|x| ~ 1e19 in float32, 1e154 in float64: rstd came out 0 or NaN), from
    x / 2^k, 2^k the largest power of two at most the row's largest magnitude (exact).
    y and rstd 2^k do not depend on k but through eps / 4^k, below the variance's
    rounding unless the row is constant: there y = 0 and rstd = 1 / sqrt(eps), as
    normalize gives (eps / 4^k underflows: 1 / sqrt(0) made NaN). (PyTorch gives 0 or
    NaN for those rows.)"""
    bad = ~(rstd > 0.0) & np.isfinite(x).all(axis=axes, keepdims=True)
    if not bad.any():
        return y, rstd
    big = np.where(bad, np.abs(x).max(axis=axes, keepdims=True), 1.0)
    scale = power_of_two(binary_exponent(big) - 1, x.dtype)
    ys = x / scale
    ys -= ys.mean(axis=axes, keepdims=True)
    ys -= ys.mean(axis=axes, keepdims=True)          # the first mean's rounding (_centred)
    var = np.square(ys).mean(axis=axes, keepdims=True)
    constant = var == 0
    rs = 1.0 / np.sqrt(np.where(constant, 1.0, var + eps / scale / scale))
    ys *= rs
    rs = np.where(constant, 1.0 / np.sqrt(x.dtype.type(eps)), rs / scale)
    return np.where(bad, ys, y), np.where(bad, rs, rstd)


def _normalize_grad(node, g, x, y, fresh):
    """Normalize's input gradient rstd (g - mean(g) - y mean(g y)) for a Normalize
    `node` (its axes, eps and rstd); with `fresh` (g a new array of the
    rule's own) computed in g's buffer: the same bits as the Tensor form."""
    rstd = apply1(Rstd, x, node.axes, node.eps, node.rstd)
    inv_n = 1.0 / _count(node.parents[0].shape, node.axes)
    mean_g = apply1(Sum, g, node.axes, True) * inv_n
    gy = g * y
    mean_gy = apply1(Sum, gy, node.axes, True) * inv_n
    if not fresh:
        return (g - mean_g - y * mean_gy) * rstd
    np.multiply(y, mean_gy, out=gy)
    g -= mean_g
    g -= gy
    g *= rstd
    return g


class LayerNorm(Primitive):
    """LayerNorm over the last axis with its affine part, (x - mean) * rstd * w + b, as
    one node (was Normalize, Mul, Add and two broadcast-undoing sums in the engine).
    The forward makes 4 passes (the variance as the rows' dot products); the backward
    6 passes where the composite made 11 (see _layer_norm_grad), and sums the weight's
    and bias's gradients over the rows by products with a ones column. Its second
    derivatives come from Normalize (whose forward returns the normalised x already
    computed) and primitives."""
    __slots__ = ("axes", "eps", "rstd")
    saves_inputs = True

    def forward(self, arrays, eps):
        x, w, b = arrays
        self.axes, self.eps = (x.ndim - 1,), eps
        xhat, self.rstd = normalize(x, self.axes, eps)
        y = xhat * w
        y += b
        self.saved = (x, w, b, xhat)
        return y

    def backward(self, g):
        x, w = self.inputs()[:2]
        px, pw, pb = self.parents
        xhat = apply1(Normalize, x, self.axes, self.eps, self.saved[3], self.rstd)
        gb = _row_total(g) if pb is not None else None
        if px is None and pw is None:
            return None, None, gb
        g_xhat = g * xhat
        gw = _row_total(g_xhat) if pw is not None else None
        gx = _layer_norm_grad(self, g, x, w, xhat, g_xhat) if px is not None else None
        return gx, gw, gb


def _layer_norm_grad(node, g, x, w, xhat, g_xhat):
    """LayerNorm's input gradient rstd (g w - mean(g w) - xhat mean(g w xhat)) over the
    last axis. Its two row means are products of g and of g xhat (the weight's gradient
    before its row sum) with the column w, so no pass writes g w xhat: with the
    weight's gradient 6 passes where _normalize_grad's form made 7 ((16, 64, 128) float32
    forward + backward, see benchmarks/README.md). On arrays the last three passes
    write into g w's buffer and g xhat's (its row sum is taken): the same bits as the
    Tensor form."""
    rstd = apply1(Rstd, x, node.axes, node.eps, node.rstd)
    n = w.shape[0]
    col, lead = w.reshape(n, 1), g.shape[:-1] + (1,)
    mean_g = (g.reshape(-1, n) @ col).reshape(lead) * (1.0 / n)
    mean_gy = (g_xhat.reshape(-1, n) @ col).reshape(lead) * (1.0 / n)
    if not isinstance(g, np.ndarray):
        return (g * w - mean_g - xhat * mean_gy) * rstd
    gx = g * w
    gx -= mean_g
    gx -= np.multiply(xhat, mean_gy, out=g_xhat)
    gx *= rstd
    return gx


def _row_total(x):
    """x summed over every axis but the last, as one product with a ones column (numpy's
    sum over (16, 64) of (16, 64, 128) float32: 21 us, the product 6 us; over the 1024
    rows of 512: 68 and 40 us); arrays and Tensors alike. Beyond 65,536 rows numpy's
    pairwise sum, whose rounding error grows more slowly."""
    n = x.shape[-1]
    rows = x.reshape(-1, n)
    if rows.shape[0] > 1 << 16:
        return rows.sum(0)
    return (rows.mT @ _ones_column(x.shape[:-1], x.dtype)).reshape(n)


def _ones_column(lead, dtype):
    """A ones column of prod(lead) rows: a view of one kept per dtype (grown as needed)."""
    n = math.prod(lead)
    ones = _ONES_COLUMN.get(dtype)
    if ones is None or len(ones) < n:
        ones = _ONES_COLUMN[dtype] = np.ones((max(n, 1024), 1), dtype)
        ones.flags.writeable = False
    return ones[:n]


class Rstd(Primitive):
    """1 / sqrt(var(x) + eps) over `axes`, keeping them; d/dx = -rstd^3 (x - mean) / n.
    `value`, when given, is that value already computed (by Normalize's forward)."""
    __slots__ = ("axes",)
    saves_inputs = True

    def forward(self, x, axes, eps, value=None):
        self.axes = axes
        if value is None:
            value = 1.0 / np.sqrt(np.square(_centred(x, axes)).mean(axis=axes, keepdims=True)
                                  + eps)
        self.saved = (x, value)
        return value

    def backward(self, g):
        x = self.inputs()[0]
        r = self.output(self.saved[1])
        inv_n = 1.0 / _count(self.parents[0].shape, self.axes)
        centred = x - apply1(Sum, x, self.axes, True) * inv_n
        centred = centred - apply1(Sum, centred, self.axes, True) * inv_n   # see _centred
        return g * (r * r * r) * centred * -inv_n,


def _centred(x, axes):
    """x - mean(x) over `axes`, the mean corrected by the mean of x - mean. A sum rounds
    by up to ~n/2 ulps of the row's magnitude, and that rounding, left in x - mean, was
    normalised as if it were variance: float32 layer_norm of a row of 5.12e7 three times
    gave -1 where 0 is right, of 1e6 + N(0, 1e-2) values off by 1. The correction is a
    sum of small numbers (exact for a constant row, where x - mean is one number), so
    what is left is the rounding of the data's spread, not of its magnitude (the
    corrected two-pass algorithm; PyTorch's Welford pass is as exact on such rows).
    Cost: one product with a ones column and one subtraction over x: normalize at
    (16, 64, 128) float32 244 -> 358 us (thread time, medians of 31 interleaved
    rounds), for the GPT step's 9 layer norms ~1 ms, ~0.6% of its 185 ms."""
    y = x - _mean(x, axes)
    y -= _finite(_mean(y, axes))
    return y


def mean_rounding(centred, axes):
    """The mean over `axes` (kept) of `centred`, x less its computed mean: that mean's
    rounding, for a Tensor composite (var, batch_norm) to subtract as a constant, as
    _centred does (its derivative, that of mean(x - mean(x)), is 0)."""
    c = np.sum(centred, axis=axes, keepdims=True)
    if c.size and centred.size:
        c *= c.dtype.type(1.0 / (centred.size // c.size))
    return _finite(c)


def _finite(c):
    """c, 0 where not finite: where the first mean overflowed (or x has an infinity or a
    NaN) the row is left as it was (see _rescaled_rows)."""
    return np.where(np.isfinite(c), c, c.dtype.type(0))


def _mean(x, axes):
    """x.mean over `axes`, keeping them (over the last axis alone: one matrix product)."""
    if len(axes) == 1 and axes[0] == x.ndim - 1:
        return row_sum(x) * (1.0 / x.shape[-1])
    return x.mean(axis=axes, keepdims=True)


def _count(shape, axes):
    return math.prod(shape[a] for a in axes)


class Attention(Primitive):
    """softmax(q k^T * scale, masked) v over the last two dims of q (..., L, E),
    k (..., S, E), v (..., S, Ev) with equal batch dims: attention as one node, where
    the composite made five (scale, matmul, where, softmax, matmul) and five
    score-sized temporaries. The scores are kept transposed, (..., S, L): softmax then
    reduces over axis -2, where numpy's loops are SIMD (the max over the keys of
    (16, 4, 64, 64) scores: 84 us against 223 us by halving rows of the untransposed
    layout), and every product reads them as a plain or a transposed matrix (BLAS, no
    copy). `drop`: a bool array broadcastable to (..., S, L), True where key j is
    hidden from query i, or None; every query keeps at least one key (the caller
    checks). The scale is applied to q (half the scores' size). A 4-d output is
    written in (B, L, H, Ev) memory order and returned as the (B, H, L, Ev) view, as
    PyTorch's CPU flash attention does, so merging the heads back is a free reshape.
    Backward: dv = P^T g, dP = g v^T, dS = P (dP - sum_keys(dP P)), dq = dS k * scale,
    dk = dS^T (q * scale); P is an AttentionWeights node under create_graph, so
    attention is differentiable to any order. Measured in benchmarks/README.md."""
    __slots__ = ("scale", "drop")
    saves_inputs = True

    def forward(self, arrays, scale, drop):
        q, k, v = arrays
        self.scale, self.drop = scale, drop
        qs, w = attention_weights(q, k, scale, drop)
        if q.ndim == 4:
            b, h, length = q.shape[0], q.shape[1], q.shape[2]
            out = np.empty((b, length, h, v.shape[-1]), v.dtype)
            y = out.transpose(0, 2, 1, 3)
            np.matmul(w.mT, v, out=y)
        else:
            y = w.mT @ v
        self.saved = (q, k, v, qs, w)
        return y

    def backward(self, g):
        q, k, v = self.inputs()[:3]
        pq, pk, pv = self.parents
        scale, w = self.scale, self.saved[4]
        arrays = isinstance(g, np.ndarray)
        p = apply2(AttentionWeights, q, k, scale, self.drop, w)
        gv = p @ g if pv is not None else None
        if pq is None and pk is None:
            return None, None, gv
        ds = _scores_grad(p, v @ g.mT, arrays)
        gq = gk = None
        if pq is not None:
            gq = ds.mT @ k
            if arrays:
                gq *= scale
            else:
                gq = gq * scale
        if pk is not None:
            gk = ds @ (self.saved[3] if arrays else q * scale)
        return gq, gk, gv


class AttentionWeights(Primitive):
    """The attention weights P = softmax over the keys of q k^T * scale, masked by
    `drop`, transposed to (..., S, L) (see Attention). `value`, when given, is P
    already computed by Attention's forward (a first-order backward then makes no
    pass). Its backward (in primitives) gives attention's second derivatives."""
    __slots__ = ("scale",)

    def forward(self, q, k, scale, drop, value=None):
        self.scale = scale
        if value is None:
            value = attention_weights(q, k, scale, drop)[1]
        self.saved = (q, k, value)
        return value

    def backward(self, g):
        q, k = self.inputs()[:2]
        ds = _scores_grad(self.output(self.saved[2]), g, False)
        return (ds.mT @ k) * self.scale, ds @ (q * self.scale)


def attention_weights(q, k, scale, drop):
    """(q * scale, P) for Attention: P the softmax over axis -2 of k (q * scale)^T with
    the dropped entries at -inf (5 passes over the scores besides the two products).
    A query whose scores are all -inf (an infinite q or k) gets weights 0, as PyTorch."""
    qs = q * scale
    w = k @ qs.mT
    if drop is not None:
        np.copyto(w, -np.inf, where=drop)
    top = w.max(axis=-2, keepdims=True)
    dead = _all_neg_inf(top)
    if dead is not None:
        top[dead] = 0.0
    w -= top
    np.exp(w, out=w)
    total = _key_sum(w)
    if dead is not None:
        total[dead] = 1.0
    w /= total
    return qs, w


def _all_neg_inf(top):
    """Where the scores' maximum `top` is -inf, or None if nowhere: one min over the
    queries (1/S of a pass over the scores) unless a -inf or NaN is there."""
    if not top.size or top.min() > -np.inf:
        return None
    dead = np.isneginf(top)
    return dead if dead.any() else None


def _scores_grad(p, dp, in_place):
    """p (dp - sum over the keys of dp p): the scores' gradient from the weights'
    gradient `dp` (written into `dp` if `in_place`: same bits as the Tensor form)."""
    s = _key_sum(dp * p)
    if in_place:
        dp -= s
        dp *= p
        return dp
    return (dp - s) * p


def _key_sum(x):
    """The sum over axis -2, kept, of x (..., S, L) as one product with a ones column
    (numpy's reduction: 73 us for (16, 4, 64, 64) float32, the product 12 us); arrays
    and Tensors alike."""
    return (x.mT @ _ones_column(x.shape[-2:-1], x.dtype)).mT


_ONES_COLUMN = {}
