"""torch.special's functions as ``autograd.special.<name>``, and the top-level ones PyTorch
also has: ``autograd.lgamma``, ``digamma``, ``polygamma``, ``mvlgamma``, ``i0``, ``igamma``,
``igammac`` (also Tensor methods, and in place: ``x.lgamma_()``).

The values of the gamma, Bessel, zeta and incomplete gamma functions, erfcx, log_ndtr,
ndtri and entr come from SciPy, an optional dependency (ops/transcendental.py:
without it they raise MissingDependencyError naming the op and
``pip install 'gradgraph[special]'``); xlog1py is xlogy's twin (ops/special.py), ndtr and
multigammaln are composites, the others
PyTorch's aliases of functions gradgraph has (expit is sigmoid, psi digamma, ...).
Integer and bool tensors are computed in the default float dtype, as PyTorch."""
import math

import numpy as np

from . import ops
from .errors import ArgumentError, DtypeError
from .functions.elementwise import unary
from .functions.rounding import round  # noqa: F401
from .functions.special import _floating, _floating_cast, logit, sinc  # noqa: F401
from .ops.transcendental import scipy_special
from .public import FUNCTIONS, public
from .reductions import log_softmax, logsumexp, softmax  # noqa: F401
from .tensor import Tensor

__all__ = ["bessel_j0", "bessel_j1", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv",
           "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln", "i0", "i0e", "i1",
           "i1e", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln",
           "ndtr", "ndtri", "polygamma", "psi", "round", "sinc", "softmax", "xlog1py",
           "xlogy", "zeta"]

gammaln, digamma, i0 = FUNCTIONS["lgamma"], FUNCTIONS["digamma"], FUNCTIONS["i0"]
psi = digamma
erf, erfc, erfinv = FUNCTIONS["erf"], FUNCTIONS["erfc"], FUNCTIONS["erfinv"]
exp2, expm1, log1p = FUNCTIONS["exp2"], FUNCTIONS["expm1"], FUNCTIONS["log1p"]
expit, xlogy = FUNCTIONS["sigmoid"], FUNCTIONS["xlogy"]
i0e, i1, i1e = unary(ops.I0e, "i0e"), unary(ops.I1, "i1"), unary(ops.I1e, "i1e")
erfcx, log_ndtr, ndtri = unary(ops.Erfcx, "erfcx"), unary(ops.LogNdtr, "log_ndtr"), \
    unary(ops.Ndtri, "ndtri")
entr = unary(ops.Entr, "entr")
bessel_j0, bessel_j1 = unary(ops.BesselJ0, "bessel_j0"), unary(ops.BesselJ1, "bessel_j1")


def _order(op, n, least):
    """`n` as a Python int >= `least`, or ArgumentError naming `op`."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < least:
        raise ArgumentError(f"{op}: expected an integer >= {least}, got {n!r}")
    return int(n)


def _floats(op, x):
    """Tensor `x` in its float dtype (integers and bool in the default one)."""
    if not isinstance(x, Tensor):
        raise ArgumentError(f"{op}: expected a Tensor, got {type(x).__name__}; make one with "
                            f"autograd.tensor(...)")
    return _floating_cast(x, x, 0)


@public
def polygamma(n, input):
    """The n-th derivative of digamma (n >= 0; n = 0 is digamma), elementwise;
    d/dx polygamma(n, x) = polygamma(n + 1, x)."""
    return _floats("polygamma", input)._apply1(ops.Polygamma, _order("polygamma", n, 0))


@public(name="polygamma", function=False, method=True)
def _polygamma_method(self, n):
    """polygamma(n, self)."""
    return polygamma(n, self)


@public(method=True)
def mvlgamma(input, p):
    """The multivariate log-gamma function of dimension p >= 1, elementwise:
    sum_{i=0}^{p-1} lgamma(x - i/2) + p (p - 1) / 4 log(pi), as PyTorch (which no longer
    checks x > (p - 1) / 2)."""
    p = _order("mvlgamma", p, 1)
    scipy_special("mvlgamma")
    if isinstance(input, Tensor) and input.data.dtype.kind == "b":
        raise DtypeError(f"mvlgamma: bool tensors are not supported (shape {input.data.shape}), "
                         f"as in PyTorch; convert with .float()")
    x = _floats("mvlgamma", input)
    shifts = np.arange(-(p - 1) / 2, 0.5, 0.5, dtype=x.data.dtype)
    terms = (x.unsqueeze(-1) + shifts).lgamma()
    return terms.sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


multigammaln = mvlgamma


@public(name="igamma", method=True)
def gammainc(input, other):
    """The regularised lower incomplete gamma function P(a, x) of input a and other x,
    elementwise with broadcasting; only x gets a gradient, x^(a-1) e^-x / Gamma(a), as
    PyTorch (a backward that needs a's raises)."""
    return _floating(ops.Gammainc, input, other)


@public(name="igammac", method=True)
def gammaincc(input, other):
    """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x), elementwise
    with broadcasting; only x gets a gradient."""
    return _floating(ops.Gammaincc, input, other)


def xlog1py(input, other):
    """input * log1p(other), 0 where input is 0 (unless other is NaN), elementwise with
    broadcasting; d/dinput = log1p(other) (0 where input is 0 and other <= -1),
    d/dother = input / (1 + other)."""
    return _floating(ops.Xlog1py, input, other)


def zeta(input, other):
    """The Hurwitz zeta function sum_{k>=0} (k + other)^-input, elementwise with
    broadcasting; d/dother = -input zeta(input + 1, other), no derivative in input (as
    PyTorch, which has none in other either)."""
    return _floating(ops.Zeta, input, other)


def ndtr(input):
    """The standard normal distribution function, erfc(-x / sqrt(2)) / 2, elementwise;
    d/dx = e^(-x^2/2) / sqrt(2 pi)."""
    return erfc(_floats("ndtr", input) * -math.sqrt(0.5)) * 0.5
