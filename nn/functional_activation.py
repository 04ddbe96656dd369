"""The activations of ``nn.functional`` (re-exported there), with PyTorch's signatures.

Each is a composite of autograd primitives (``where``, ``expm1``, ``softplus``, ...), so
its gradients of every order come from theirs. Where PyTorch's derivative at a kink or at
NaN is a choice (hardtanh's 0 at its bounds, elu's 1 at NaN), the branch condition is
written as PyTorch's kernel writes it, and the piece not taken is computed on a safe
input (``where(x <= 0, x, 0)``) so that its inf or NaN derivative cannot reach the
gradient (0 * inf); ``tests/special_values.py`` holds each against PyTorch.

``inplace=True`` writes the result into the input's buffer through the in-place
machinery of ``Tensor.add_`` and friends (``autograd/methods.py``): the input is
returned, its version bumped (a graph that saved it raises at backward), and a leaf that
requires grad is refused, as in PyTorch. relu's primitive writes there itself (numpy's
out=); the composites compute out of place and copy.
"""
import numpy as np

from autograd import ops, softplus as _softplus
from autograd.creation import default_generator
from autograd.errors import ArgumentError, DtypeError, ShapeError
from autograd.functions import where
from autograd.methods import _inplace as _write_in_place
from autograd.reductions import log_softmax as _log_softmax, softmax as _softmax
from autograd.tensor import Tensor


def _maybe_inplace(input, inplace, op, fn, floating=True, primitive=None):
    """fn(input), or with `inplace` the same written into input (returned). With
    `floating`, an integer or bool input is refused, as PyTorch's kernel does. A
    `primitive` whose forward takes out= (ops.Relu) writes into input's buffer itself."""
    if floating:
        _floating(input, op)
    if not inplace:
        return fn(input)
    into = None if primitive is None else (
        lambda: input._alias()._apply1(primitive, input.data))
    return _write_in_place(input, f"{op}(inplace=True)", lambda: fn(input._alias()),
                           compute_into=into)


def _floating(input, op):
    if input.data.dtype.kind != "f":
        raise DtypeError(f"{op}: expected a floating-point tensor, got {input.data.dtype} of "
                         f"shape {input.data.shape}")


def _below(input, cond):
    """input where `cond` (an array) holds, else 0: the safe input of a branch that is
    taken only where cond holds."""
    return where(cond, input, 0.0)


# --- rectifiers ------------------------------------------------------------------------
def relu(input, inplace=False):
    """max(x, 0); relu'(0) = 0."""
    return _maybe_inplace(input, inplace, "relu", lambda x: x.relu(), floating=False,
                          primitive=ops.Relu)


def relu_(input):
    """relu(input, inplace=True)."""
    return relu(input, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope * x (also at 0 and NaN, as PyTorch)."""
    return _maybe_inplace(input, inplace, "leaky_relu",
                          lambda x: where(x.data > 0, x, x * negative_slope))


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu(input, negative_slope, inplace=True)."""
    return leaky_relu(input, negative_slope, inplace=True)


def _threshold(input, cut, value, inplace):
    return _maybe_inplace(input, inplace, "threshold", lambda x: where(
        x.data <= cut, np.asarray(value).astype(x.dtype), x), floating=False)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else `value` (NaN stays NaN with gradient 1, as PyTorch)."""
    return _threshold(input, threshold, value, inplace)


def threshold_(input, threshold, value):
    """threshold(input, threshold, value, inplace=True)."""
    return _threshold(input, threshold, value, True)


def _hardtanh(x, lo, hi):
    inside = ~((x.data <= lo) | (x.data >= hi))          # NaN inside: gradient 1
    bound = np.where(x.data < lo, lo, np.where(x.data > hi, hi, x.data)).astype(x.dtype)
    return where(inside, x, bound)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val); the derivative is 0 at both bounds (PyTorch's, where
    clamp's passes there)."""
    if min_val > max_val:
        raise ArgumentError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                            f"({max_val})")
    return _maybe_inplace(input, inplace, "hardtanh", lambda x: _hardtanh(x, min_val, max_val),
                          floating=False)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """hardtanh(input, min_val, max_val, inplace=True)."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """hardtanh(x, 0, 6): the derivative is 0 at 0 and at 6."""
    return _maybe_inplace(input, inplace, "relu6", lambda x: _hardtanh(x, 0.0, 6.0),
                          floating=False)


def prelu(input, weight):
    """x where x > 0, else weight * x, with one weight per channel (dim 1; a 0-d or 1-d
    input has one channel) or one for all."""
    n = weight.data.size
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.ndim != 1 or n != channels:
            raise ShapeError(f"prelu: weight of shape {weight.shape} does not match the "
                             f"{channels} channels of input of shape {input.shape} (expected "
                             f"1 or {channels} weights)")
        weight = weight.reshape((n,) + (1,) * (input.ndim - 2))
    elif weight.ndim:
        weight = weight.reshape(())
    return where(input.data > 0, input, weight * input)


# --- exponential linear units -------------------------------------------------------------
def _elu(x, alpha, scale, input_scale):
    """PyTorch's elu kernel: x <= 0 ? alpha * scale * expm1(x * input_scale) : x * scale."""
    neg = x.data <= 0
    inner = _below(x, neg)
    inner = inner * input_scale if input_scale != 1.0 else inner
    low = inner.expm1() * (alpha * scale)
    return where(neg, low, x * scale if scale != 1.0 else x)


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha * (exp(x) - 1); elu'(0) = alpha."""
    return _maybe_inplace(input, inplace, "elu", lambda x: _elu(x, alpha, 1.0, 1.0))


def elu_(input, alpha=1.0):
    """elu(input, alpha, inplace=True)."""
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(x, alpha) with PyTorch's constants (alpha 1.6733, scale 1.0507)."""
    return _maybe_inplace(input, inplace, "selu",
                          lambda x: _elu(x, _SELU_ALPHA, _SELU_SCALE, 1.0))


def selu_(input):
    """selu(input, inplace=True)."""
    return selu(input, inplace=True)


def celu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha * (exp(x / alpha) - 1)."""
    if alpha == 0:
        raise ArgumentError("celu: alpha cannot be 0 (it divides x)")
    return _maybe_inplace(input, inplace, "celu", lambda x: _elu(x, alpha, 1.0, 1.0 / alpha))


def celu_(input, alpha=1.0):
    """celu(input, alpha, inplace=True)."""
    return celu(input, alpha, inplace=True)


# --- smooth and piecewise-linear gates ------------------------------------------------------
def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return _maybe_inplace(input, inplace, "silu", lambda x: x * x.sigmoid())


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _maybe_inplace(input, inplace, "mish", lambda x: x * _softplus(x).tanh())


def hardsigmoid(input, inplace=False):
    """0 for x <= -3, 1 for x >= 3, x / 6 + 1/2 between; the derivative is 1/6 strictly
    between and 0 at the bounds and at NaN, as PyTorch's."""
    def fn(x):
        inside = (x.data > -3.0) & (x.data < 3.0)
        flat = np.where(x.data <= -3.0, 0.0, np.where(x.data >= 3.0, 1.0, x.data))
        return where(inside, x / 6.0 + 0.5, flat.astype(x.dtype))
    return _maybe_inplace(input, inplace, "hardsigmoid", fn)


def hardswish(input, inplace=False):
    """x * hardsigmoid(x); the derivative is 0 for x <= -3, 1 for x >= 3 (and at NaN),
    x / 3 + 1/2 between, as PyTorch's."""
    def fn(x):
        gate = where(x.data <= -3.0, 0.0, where(x.data < 3.0, x / 6.0 + 0.5, 1.0))
        return x * gate
    return _maybe_inplace(input, inplace, "hardswish", fn)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    if input.data.dtype.kind not in "fc":
        raise DtypeError(f"softplus: expected a floating-point tensor, got {input.data.dtype} "
                         f"of shape {input.data.shape}")
    scaled = input * beta if beta != 1.0 else input
    smooth = _softplus(scaled)
    return where(scaled.data > threshold, input, smooth / beta if beta != 1.0 else smooth)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1.0)


def tanhshrink(input):
    """x - tanh(x)."""
    return input - input.tanh()


def _shrink_inside(input, lambd, op):
    if lambd < 0:
        raise ArgumentError(f"{op}: lambd must be non-negative, got {lambd}")
    return (input.data >= -lambd) & (input.data <= lambd)


def softshrink(input, lambd=0.5):
    """x - lambd for x > lambd, x + lambd for x < -lambd, else 0 (derivative 0 at +-lambd)."""
    _floating(input, "softshrink")
    inside = _shrink_inside(input, lambd, "softshrink")
    outside = where(input.data > lambd, input - lambd, input + lambd)
    return where(inside, 0.0, outside)


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0 (derivative 0 at +-lambd)."""
    _floating(input, "hardshrink")
    return where(_shrink_inside(input, lambd, "hardshrink"), 0.0, input)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), stable for any x."""
    _floating(input, "logsigmoid")
    return 0.0 - _softplus(-input)


def glu(input, dim=-1):
    """a * sigmoid(b), a and b the two halves of `input` along `dim`."""
    if input.ndim == 0:
        raise ShapeError("glu: does not support scalars because halving size must be even")
    n = input.shape[dim]
    if n % 2:
        raise ShapeError(f"glu: halving dimension must be even, but dimension {dim} is size {n} "
                         f"(input shape {input.shape})")
    a, b = input.narrow(dim, 0, n // 2), input.narrow(dim, n // 2, n // 2)
    return a * b.sigmoid()


# --- softmax family -------------------------------------------------------------------------
def _softmax_dim(input, dim):
    if dim is not None:
        return dim
    return 0 if input.ndim in (0, 1, 3) else 1      # PyTorch's legacy implicit choice


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(x) / sum(exp(x)) over dim (PyTorch's implicit dim when None)."""
    if dtype is not None:
        input = input.to(dtype)
    return _softmax(input, _softmax_dim(input, dim))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) over dim."""
    if dtype is not None:
        input = input.to(dtype)
    return _softmax(-input, _softmax_dim(input, dim))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) over dim, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    return _log_softmax(input, _softmax_dim(input, dim))


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) over dim, g Gumbel(0, 1) noise drawn from the default
    generator (-log of standard exponential draws, as PyTorch). With `hard`, the one-hot
    of each argmax, with the soft sample's gradient (straight-through)."""
    _floating(logits, "gumbel_softmax")
    draws = default_generator().exponential(size=logits.shape).astype(logits.dtype)
    soft = _softmax((logits - np.log(draws)) / tau, dim)
    if not hard:
        return soft
    index = np.expand_dims(soft.data.argmax(dim), dim)
    one_hot = np.zeros(soft.shape, soft.dtype)
    np.put_along_axis(one_hot, index, 1.0, dim)
    return Tensor(one_hot) - soft.detach() + soft       # PyTorch's order of the sums
