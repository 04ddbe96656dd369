"""The elementwise primitives of the special functions: tan, the inverse trigonometric and
the hyperbolic functions, log2/log10/exp2, logit, and the binary atan2, hypot, logaddexp,
logaddexp2, xlogy and xlog1py. Each value is numpy's own function (log2(8) is 3, not
log(8) / log(2)), each derivative PyTorch's formula (derivatives.yaml), so the two agree
at ±0, ±1, ±inf and NaN. (erf, erfc and erfinv are in ops_nn.py, beside the kernel gelu shares.)"""
import math

import numpy as np

from ..graph import Primitive, apply1, apply2
from ..state import any_or_tracing
from .elementwise import Exp, Log, Log1p, Pow, Where

_LN2, _LN10 = math.log(2.0), math.log(10.0)


class _Unary(Primitive):
    """A one-input op that keeps its input (for its derivative) and its shape."""
    __slots__ = ()
    method = True
    same_shape = True
    saves_inputs = True


class Tan(Primitive):
    """Tangent; d/dx tan x = 1 + tan(x)^2 (from its saved output)."""
    __slots__ = ()
    function = "tan"  # autograd.tan and Tensor.tan
    method = True
    same_shape = True

    def forward(self, x):
        self.saved = y = np.tan(x)
        return y

    def backward(self, g):
        y = self.output(self.saved)
        return g * (y * y + 1.0),


class Asin(_Unary):
    """Arcsine; d/dx asin x = 1 / sqrt(1 - x^2) (inf at ±1, NaN beyond and at ±inf)."""
    __slots__ = ()
    function = "asin"

    def forward(self, x):
        return np.arcsin(x)

    def backward(self, g):
        return _arcsine_slope(self, g),


def _arcsine_slope(node, g):
    """g * (1 / sqrt(1 - x^2)), PyTorch's rsqrt: NaN where x^2 > 1, also where it
    overflows (numpy's (-inf) ** -0.5 is 0)."""
    x = node.inputs()[0]
    return g * (1.0 / apply1(Pow, 1.0 - x * x, 0.5))


class Acos(_Unary):
    """Arccosine; d/dx acos x = -1 / sqrt(1 - x^2)."""
    __slots__ = ()
    function = "acos"

    def forward(self, x):
        return np.arccos(x)

    def backward(self, g):
        return -_arcsine_slope(self, g),


class Atan(_Unary):
    """Arctangent; d/dx atan x = 1 / (1 + x^2)."""
    __slots__ = ()
    function = "atan"

    def forward(self, x):
        return np.arctan(x)

    def backward(self, g):
        x = self.inputs()[0]
        return g / (x * x + 1.0),


class Sinh(_Unary):
    """Hyperbolic sine; d/dx sinh x = cosh x."""
    __slots__ = ()
    function = "sinh"

    def forward(self, x):
        return np.sinh(x)

    def backward(self, g):
        return g * apply1(Cosh, self.inputs()[0]),


class Cosh(_Unary):
    """Hyperbolic cosine; d/dx cosh x = sinh x."""
    __slots__ = ()
    function = "cosh"

    def forward(self, x):
        return np.cosh(x)

    def backward(self, g):
        return g * apply1(Sinh, self.inputs()[0]),


class Asinh(_Unary):
    """Inverse hyperbolic sine; d/dx asinh x = 1 / sqrt(x^2 + 1)."""
    __slots__ = ()
    function = "asinh"

    def forward(self, x):
        return np.arcsinh(x)

    def backward(self, g):
        x = self.inputs()[0]
        return g * apply1(Pow, x * x + 1.0, -0.5),


class Acosh(_Unary):
    """Inverse hyperbolic cosine; d/dx acosh x = 1 / sqrt(x^2 - 1) (inf at 1)."""
    __slots__ = ()
    function = "acosh"

    def forward(self, x):
        return np.arccosh(x)

    def backward(self, g):
        x = self.inputs()[0]
        return g * apply1(Pow, x * x - 1.0, -0.5),


class Atanh(_Unary):
    """Inverse hyperbolic tangent; d/dx atanh x = 1 / (1 - x^2)."""
    __slots__ = ()
    function = "atanh"

    def forward(self, x):
        return np.arctanh(x)

    def backward(self, g):
        x = self.inputs()[0]
        return g / (1.0 - x * x),


class Log2(_Unary):
    """Base-2 logarithm; d/dx log2 x = 1 / (x ln 2)."""
    __slots__ = ()
    function = "log2"

    def forward(self, x):
        return np.log2(x)

    def backward(self, g):
        return g / (self.inputs()[0] * _LN2),


class Log10(_Unary):
    """Base-10 logarithm; d/dx log10 x = 1 / (x ln 10)."""
    __slots__ = ()
    function = "log10"

    def forward(self, x):
        return np.log10(x)

    def backward(self, g):
        return g / (self.inputs()[0] * _LN10),


class Exp2(Primitive):
    """2^x; d/dx 2^x = 2^x ln 2 (from its saved output)."""
    __slots__ = ()
    function = "exp2"  # autograd.exp2 and Tensor.exp2
    method = True
    same_shape = True

    def forward(self, x):
        self.saved = y = np.exp2(x)
        return y

    def backward(self, g):
        return g * (self.output(self.saved) * _LN2),


class Logit(Primitive):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] if eps is given; d/dx =
    1 / (x (1 - x)), as PyTorch: inf at 0 and 1 and NaN outside [0, 1] without eps, 0
    outside [eps, 1 - eps] (the bounds included) with it."""
    __slots__ = ("eps",)
    same_shape = True
    saves_inputs = True

    def forward(self, x, eps):
        self.eps = eps
        if eps is not None:
            x = np.clip(x, eps, 1.0 - eps)
        return np.log(x / (1.0 - x))

    def backward(self, g):
        x, eps, xs = self.inputs()[0], self.eps, self.saved[0]
        slope = g / (x * (1.0 - x))
        if eps is None:
            edge = (xs == 0) | (xs == 1)        # g * inf, whatever the sign of 0, as PyTorch
            if any_or_tracing(edge):
                slope = apply2(Where, g * np.inf, slope, edge)
            return apply2(Where, slope, np.nan, ~((xs < 0) | (xs > 1))),
        return apply2(Where, slope, g.dtype.type(0), ~((xs < eps) | (xs > 1.0 - eps))),


class Atan2(Primitive):
    """atan2(a, b), the angle of the point (b, a); d/da = b / (a^2 + b^2),
    d/db = -a / (a^2 + b^2), both 0 where a^2 + b^2 is 0 (the origin), as PyTorch."""
    __slots__ = ()
    saves_inputs = True

    def forward(self, a, b):
        return np.arctan2(a, b)

    def backward(self, g):
        a, b = self.inputs()
        pa, pb = self.parents
        d = a * a + b * b
        sa, sb = self.saved
        origin = np.asarray(sa * sa + sb * sb == 0)
        if any_or_tracing(origin):
            kept = ~origin
            r = apply2(Where, 1.0 / apply2(Where, d, 1.0, kept), 0.0, kept)
        else:
            r = 1.0 / d
        return (g * b * r if pa is not None else None), (g * -a * r if pb is not None else None)


class Xlogy(Primitive):
    """x log y, 0 where x is 0 (unless y is NaN); d/dx = log y (0 where x = 0 and y <= 0),
    d/dy = x / y, as PyTorch."""
    __slots__ = ()
    saves_inputs = True
    ufunc, log, pole = np.log, Log, 0.0      # Xlog1py's: log1p, whose pole is at -1

    def forward(self, x, y):
        if type(y) is not np.ndarray:   # a number: numpy's log of it is a float64 scalar,
            y = np.asarray(y, x.dtype)  # which made xlogy(float32 x, 3) float64
        out = x * self.ufunc(y)
        return np.where((x == 0) & ~np.isnan(y), 0, out).astype(out.dtype, copy=False)

    def backward(self, g):
        x, y = self.inputs()
        pa, pb = self.parents
        gx = None
        if pa is not None:
            gx = g * apply1(self.log, y)
            sx, sy = self.saved
            flat = (sx == 0) & (sy <= self.pole)
            if any_or_tracing(flat):
                gx = apply2(Where, gx, g.dtype.type(0), ~flat)
        if pb is None:
            return gx, None
        return gx, g * x / (y - self.pole if self.pole else y)


class Xlog1py(Xlogy):
    """x log(1 + y), 0 where x is 0 (unless y is NaN); d/dx = log1p(y) (0 where x = 0 and
    y <= -1), d/dy = x / (1 + y), as PyTorch."""
    __slots__ = ()
    ufunc, log, pole = np.log1p, Log1p, -1.0


class Hypot(Primitive):
    """sqrt(a^2 + b^2) without overflow; d/da = a / hypot, d/db = b / hypot (NaN at the
    origin, as PyTorch)."""
    __slots__ = ()

    def forward(self, a, b):
        y = np.hypot(a, b)
        self.saved = (a, b, y)
        return y

    def backward(self, g):
        a, b = self.inputs()[:2]
        y = self.output(self.saved[2])
        pa, pb = self.parents
        return (g * a / y if pa is not None else None), (g * b / y if pb is not None else None)


class LogAddExp(Primitive):
    """log(e^a + e^b) without overflow; d/da = 1 / (1 + e^(b - a)) (NaN where a = b =
    ±inf, as PyTorch)."""
    __slots__ = ()
    saves_inputs = True
    base = None          # e; LogAddExp2's is 2

    def forward(self, a, b):
        return np.logaddexp(a, b)

    def backward(self, g):
        a, b = self.inputs()
        pa, pb = self.parents
        return (g / (self._power(b - a) + 1.0) if pa is not None else None,
                g / (self._power(a - b) + 1.0) if pb is not None else None)

    def _power(self, x):
        return apply1(Exp, x) if self.base is None else self.base ** x


class LogAddExp2(LogAddExp):
    """log2(2^a + 2^b) without overflow; d/da = 1 / (1 + 2^(b - a))."""
    __slots__ = ()
    base = 2.0

    def forward(self, a, b):
        return np.logaddexp2(a, b)
