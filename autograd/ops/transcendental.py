"""The elementwise primitives whose values come from SciPy (scipy.special): the log-gamma
function and its derivatives (lgamma, digamma, polygamma), the modified Bessel functions
I0, I1 and their exponentially scaled forms, the Bessel functions J0 and J1, erfcx,
log_ndtr, ndtri, entr, the Hurwitz zeta function and the regularised incomplete
gamma functions. Each derivative is PyTorch's formula (derivatives.yaml), written with
these ops, so gradients of any order are right:

    lgamma' = digamma      digamma' = polygamma(1, .)     polygamma(n, .)' = polygamma(n + 1, .)
    i0' = i1               i1' = i0 - i1 / x (1/2 at 0)   i0e' = i1e - sign(x) i0e
    j0' = -j1              j1' = j0 - j1 / x (1/2 at 0)   erfcx' = 2 x erfcx - 2 / sqrt(pi)
    d/dx gammainc(a, x) = x^(a-1) e^-x / Gamma(a)         d/dq zeta(x, q) = -x zeta(x + 1, q)

As in PyTorch, zeta has no derivative in x and gammainc/gammaincc none in a: a backward
that needs one raises NotDifferentiableError (PyTorch has none for zeta in q either, nor
for bessel_j0/j1, whose results do not even require grad there).

SciPy is optional: importing gradgraph does not need it; an op called without it raises
MissingDependencyError naming the op and ``pip install 'gradgraph[special]'``."""
import math

import numpy as np

from ..errors import MissingDependencyError, NotDifferentiableError
from ..graph import Primitive, _wrap, apply1, apply2
from ..jit.hooks import kernel
from ..state import any_or_tracing
from .elementwise import Exp, Log, Sign, Where

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_TINY = np.finfo(np.float64).tiny


def scipy_special(op):
    """The scipy.special module, or MissingDependencyError naming `op`."""
    try:
        from scipy import special
    except ImportError:
        raise MissingDependencyError(
            f"{op} needs SciPy (scipy.special computes its values), an optional dependency "
            f"of gradgraph: pip install 'gradgraph[special]' (or pip install scipy)") from None
    return special


@kernel()              # ag.compile: one recorded call, which each replay makes again
def values(op, name, *args):
    """scipy.special.<name>(*args) computed in float64 and cast back to the dtype of the
    arrays among args (the op's result dtype: the tensor's, the last argument but for a
    number there), as an array (also 0-d)."""
    fn = getattr(scipy_special(op), name)
    dtype = (args[-1] if type(args[-1]) is np.ndarray else args[0]).dtype
    if dtype != np.float64:
        args = [np.asarray(a, np.float64) if type(a) is np.ndarray else a for a in args]
    out = fn(*args)
    return out if type(out) is np.ndarray and out.dtype == dtype else np.asarray(out, dtype)


def _nonzero(x, xs):
    """(x with its elements |x| <= eps replaced by eps, the mask of the others): a divisor
    for a limit that is taken at 0 (PyTorch's rule for i1, i1e: the formula's 0/0 there,
    and the 1/2 of the limit where x/2 underflows)."""
    eps = np.finfo(xs.dtype).eps
    kept = np.abs(xs) > eps
    return apply2(Where, x, xs.dtype.type(eps), kept), kept


def _order_one_slope(node, g, order_zero):
    """g * (f0(x) - f1(x) / x), 1/2 where |x| <= eps: the derivative of f1 = i1 or j1
    (`node`, which saved (x, f1(x))) from f0 = i0 or j0 (`order_zero`)."""
    x, (xs, y) = node.inputs()[0], node.saved
    safe, kept = _nonzero(x, xs)
    return g * apply2(Where, apply1(order_zero, safe) - node.output(y) / safe, 0.5, kept)


class _Special(Primitive):
    """A one-input op whose value is scipy.special's function `scipy` (`op`: its public
    name, for the error without SciPy)."""
    __slots__ = ()
    same_shape = True
    saves_inputs = True
    scipy = None

    def forward(self, x):
        return values(self.op, self.scipy, x)


class _SpecialOut(_Special):
    """A _Special op whose derivative uses its output: it saves (x, y)."""
    __slots__ = ()

    def forward(self, x):
        y = values(self.op, self.scipy, x)
        self.saved = (x, y)
        return y


class Lgamma(_Special):
    """log |Gamma(x)| (inf at the poles 0, -1, -2, ...); d/dx lgamma x = digamma x."""
    __slots__ = ()
    function = op = "lgamma"  # autograd.lgamma and Tensor.lgamma
    method = True
    scipy = "gammaln"

    def forward(self, x):
        y = values(self.op, self.scipy, x)
        # scipy's gammaln overflows to inf below the smallest normal float64 (through 1/x),
        # where lgamma(x) = -log|x| to the last bit (744.44 at 5e-324), and gives -inf at
        # -inf: PyTorch's (C's lgamma) values are |log|x|| there; the poles stay inf
        edge = np.isinf(y)
        if any_or_tracing(edge):
            edge &= ((np.abs(x) < _TINY) & (x != 0)) | np.isinf(x)
            y = np.where(edge, np.abs(np.log(np.abs(np.where(edge, x, 1.0)))), y)
        return y

    def backward(self, g):
        return g * apply1(Digamma, self.inputs()[0]),


class Digamma(_Special):
    """Gamma'(x) / Gamma(x) (-inf at +0, +inf at -0, NaN at the negative integers, as
    PyTorch); d/dx digamma x = polygamma(1, x)."""
    __slots__ = ()
    function = op = "digamma"  # autograd.digamma and Tensor.digamma
    method = True
    scipy = "psi"

    def forward(self, x):
        return digamma(x)

    def backward(self, g):
        return g * apply1(Polygamma, self.inputs()[0], 1),


# Within 0.3 of digamma's negative root SciPy's psi sums the Taylor series about the root,
# digamma(r + d) = digamma(r) + sum_n (-1)^(n+1) zeta(n + 1, r) d^n, calling the Hurwitz
# zeta function for every term of every element: ~3 us an element, 100-200x its cost
# elsewhere (lgamma's gradient at 2^20 normals: 0.67 s, 22x PyTorch's). The same series,
# its coefficients computed once and summed over a fixed 80 terms (|d| < 0.3: the 81st
# is below 2^-56 of the sum), gives SciPy's values to a few ulps.
_PSI_ROOT, _PSI_AT_ROOT = -0.504083008264455409, 7.2897639029768949e-17   # SciPy's
_PSI_WINDOW, _PSI_TERMS, _PSI_BLOCK = 0.3, 80, 1024
_psi_coefficients = []


@kernel()              # ag.compile: boolean masks inside; replayed as one call
def digamma(x):
    """scipy.special.psi of x (in float64, cast back to x's dtype), with the series
    about the negative root summed here (see above)."""
    xd = np.asarray(x, np.float64)
    near = np.abs(xd - _PSI_ROOT) < _PSI_WINDOW
    if not near.any():
        return values("digamma", "psi", x)
    y = np.asarray(scipy_special("digamma").psi(np.where(near, 1.0, xd)))
    y[near] = _psi_about_root(xd[near] - _PSI_ROOT)
    return y.astype(x.dtype, copy=False)


def _psi_about_root(d):
    """digamma(root + d) for |d| < 0.3 by the series, block by block: each row of
    powers d, d^2, ..., d^80 (by doubling: d^(k+1..2k) = d^(1..k) d^k) times the
    coefficients, summed along the row (numpy's pairwise sum of one contiguous row: an
    element's bits do not depend on the others). 200,000 elements: 31 ms (SciPy 630 ms;
    a running product along the rows, 70 ms; Horner, 5 ms but 57 us at 4 elements)."""
    if not _psi_coefficients:
        n = np.arange(1, _PSI_TERMS + 1)
        _psi_coefficients.append(-(-1.0) ** n * scipy_special("digamma").zeta(n + 1.0, _PSI_ROOT))
    c = _psi_coefficients[0]
    out = np.empty_like(d)
    for start in range(0, len(d), _PSI_BLOCK):
        block = d[start:start + _PSI_BLOCK]
        powers = np.empty((len(block), _PSI_TERMS))
        powers[:, 0] = block
        k = 1
        while k < _PSI_TERMS:
            m = min(k, _PSI_TERMS - k)
            np.multiply(powers[:, :m], powers[:, k - 1:k], out=powers[:, k:k + m])
            k += m
        powers *= c
        out[start:start + _PSI_BLOCK] = powers.sum(axis=1)
    out += _PSI_AT_ROOT
    return out


class Polygamma(Primitive):
    """The n-th derivative of digamma, (-1)^(n+1) n! zeta(n + 1, x) for n >= 1;
    d/dx polygamma(n, x) = polygamma(n + 1, x)."""
    __slots__ = ("n",)
    same_shape = True
    saves_inputs = True

    def forward(self, x, n):
        self.n = n
        y = values("polygamma", "polygamma", n, x)
        low = x == -np.inf          # trigamma's poles pile up there: NaN, as PyTorch's
        if n == 1 and any_or_tracing(low):      # (SciPy's zeta(2, -inf) is inf)
            y = np.where(low, np.nan, y).astype(y.dtype, copy=False)
        return y

    def backward(self, g):
        return g * apply1(Polygamma, self.inputs()[0], self.n + 1),


class I0(_Special):
    """The modified Bessel function of the first kind of order 0; d/dx i0 x = i1 x."""
    __slots__ = ()
    function = op = "i0"  # autograd.i0 and Tensor.i0
    method = True
    scipy = "i0"

    def backward(self, g):
        return g * apply1(I1, self.inputs()[0]),


class I0e(_SpecialOut):
    """i0(x) e^-|x|; d/dx = i1e(x) - sign(x) i0e(x)."""
    __slots__ = ()
    op = scipy = "i0e"

    def backward(self, g):
        x = self.inputs()[0]
        y = self.output(self.saved[1])
        return g * (apply1(I1e, x) - apply1(Sign, x) * y),


class I1(_SpecialOut):
    """The modified Bessel function of the first kind of order 1; d/dx = i0(x) - i1(x) / x,
    1/2 where |x| <= eps."""
    __slots__ = ()
    op = scipy = "i1"

    def backward(self, g):
        return _order_one_slope(self, g, I0),


class I1e(_SpecialOut):
    """i1(x) e^-|x|; d/dx = i0e(x) - i1e(x) (sign(x) + 1 / x), 1/2 where |x| <= eps."""
    __slots__ = ()
    op = scipy = "i1e"

    def backward(self, g):
        x, (xs, y) = self.inputs()[0], self.saved
        safe, kept = _nonzero(x, xs)
        slope = apply1(I0e, safe) - self.output(y) * (apply1(Sign, safe) + 1.0 / safe)
        return g * apply2(Where, slope, 0.5, kept),


class BesselJ0(_Special):
    """The Bessel function of the first kind of order 0; d/dx j0 x = -j1 x."""
    __slots__ = ()
    op = "bessel_j0"
    scipy = "j0"

    def backward(self, g):
        return g * -apply1(BesselJ1, self.inputs()[0]),


class BesselJ1(_SpecialOut):
    """The Bessel function of the first kind of order 1; d/dx = j0(x) - j1(x) / x, 1/2
    where |x| <= eps."""
    __slots__ = ()
    op = "bessel_j1"
    scipy = "j1"

    def backward(self, g):
        return _order_one_slope(self, g, BesselJ0),


class Erfcx(_SpecialOut):
    """The scaled complementary error function e^(x^2) erfc(x); d/dx = 2 x erfcx(x) -
    2 / sqrt(pi)."""
    __slots__ = ()
    op = scipy = "erfcx"

    def backward(self, g):
        x, y = self.inputs()[0], self.output(self.saved[1])
        return g * ((x * y) * 2.0 - _TWO_OVER_SQRT_PI),


class LogNdtr(_SpecialOut):
    """log of the standard normal distribution function, accurate far in both tails;
    d/dx = e^(-x^2/2 - log_ndtr(x)) / sqrt(2 pi)."""
    __slots__ = ()
    op = scipy = "log_ndtr"

    def backward(self, g):
        x, y = self.inputs()[0], self.output(self.saved[1])
        return g * apply1(Exp, -(y + x * x * 0.5)) * (1.0 / _SQRT_2PI),


class Ndtri(Primitive):
    """The inverse of the standard normal distribution function (±inf at 1 and 0, NaN
    outside [0, 1]); d/dp = sqrt(2 pi) e^(ndtri(p)^2 / 2) (from its saved output)."""
    __slots__ = ()
    op = scipy = "ndtri"
    same_shape = True

    def forward(self, p):
        self.saved = y = values(self.op, self.scipy, p)
        return y

    def backward(self, g):
        y = self.output(self.saved)
        return g * apply1(Exp, y * y * 0.5) * _SQRT_2PI,


class Entr(_Special):
    """-x log x for x > 0, 0 at 0 and -inf below; d/dx = -(1 + log x) (inf at 0, NaN
    below, as PyTorch)."""
    __slots__ = ()
    op = scipy = "entr"

    def backward(self, g):
        return g * -(apply1(Log, self.inputs()[0]) + 1.0),


def _no_derivative(node, op, what):
    """NotDifferentiableError for an input of `op` that has no derivative, as in PyTorch."""
    x = node.saved[0]
    raise NotDifferentiableError(
        f"{op}: the derivative with respect to {what} is not implemented (as in PyTorch); "
        f"that input (shape {x.shape}, {x.dtype}) must not require grad: pass it detached "
        f"(.detach())")


class Zeta(Primitive):
    """The Hurwitz zeta function sum_k (k + q)^-x; d/dq = -x zeta(x + 1, q), no
    derivative in x."""
    __slots__ = ()
    saves_inputs = True

    def forward(self, x, q):
        return values("zeta", "zeta", x, q)

    def backward(self, g):
        if self.parents[0] is not None:
            _no_derivative(self, "special.zeta", "x (the first argument)")
        x, q = self.inputs()
        shifted = x + 1.0
        if type(shifted) is np.ndarray and type(q) is not np.ndarray:   # create_graph
            shifted = _wrap(shifted, None)       # a constant first operand of apply2
        return None, g * -x * apply2(Zeta, shifted, q)


class Gammainc(Primitive):
    """The regularised lower incomplete gamma function P(a, x); d/dx = x^(a-1) e^-x /
    Gamma(a), no derivative in a."""
    __slots__ = ()
    saves_inputs = True
    scipy = "gammainc"
    sign = 1.0

    def forward(self, a, x):
        return values(self.scipy, self.scipy, a, x)

    def backward(self, g):
        if self.parents[0] is not None:
            _no_derivative(self, self.scipy, "a (the first argument)")
        a, x = self.inputs()
        density = apply1(Exp, (a - 1.0) * apply1(Log, x) - x - apply1(Lgamma, a))
        return None, g * density * self.sign


class Gammaincc(Gammainc):
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x); d/dx =
    -x^(a-1) e^-x / Gamma(a), no derivative in a."""
    __slots__ = ()
    scipy = "gammaincc"
    sign = -1.0
