"""Parameter initialisation (PyTorch's ``nn.init``): each function fills a tensor in place,
outside the graph, and returns it.

Random draws come from autograd's seeded generator (``autograd.manual_seed``) unless a
numpy ``Generator`` is passed. Values are drawn in float64 and then cast, so one seed
gives the same initial values in float32 and float64 models.
"""
import math

import numpy as np

from autograd import graph
from autograd.creation import default_generator
from autograd.errors import ArgumentError

from .normal_quantile import truncated_normal

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh,
    sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope default 0.01), 3/4
    for selu."""
    if nonlinearity in _LINEAR:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ArgumentError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ArgumentError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ArgumentError(f"fan in and fan out can not be computed for a tensor with fewer "
                         f"than 2 dimensions (shape {tensor.shape})")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ArgumentError(f"mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    """Write `values` into the tensor's buffer (a write the version checks see)."""
    np.copyto(tensor.data, values, casting="unsafe")
    graph.mark_modified(tensor.data)
    return tensor


def _rng(generator):
    return default_generator() if generator is None else generator


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b)."""
    return _fill(tensor, _rng(generator).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2)."""
    return _fill(tensor, _rng(generator).normal(mean, std, tensor.shape))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std^2) conditioned on [a, b], by the inverse CDF (as PyTorch),
    computed in log space so that any interval works, far in a tail too (a = 8 std
    above the mean): a fixed number of passes, no rejection loop."""
    if not a < b or not std > 0 or not math.isfinite(mean) or not math.isfinite(std):
        raise ArgumentError(f"trunc_normal_: need a < b, std > 0 and a finite mean, got "
                            f"mean={mean}, std={std}, a={a}, b={b} (tensor of shape "
                            f"{tuple(tensor.shape)})")
    return _fill(tensor, truncated_normal(_rng(generator), float(mean), float(std), float(a),
                                          float(b), tensor.shape))


def constant_(tensor, val):
    return _fill(tensor, val)


def zeros_(tensor):
    return _fill(tensor, 0)


def ones_(tensor):
    return _fill(tensor, 1)


def eye_(tensor):
    """Fill a 2-d tensor with the identity matrix (ones on the main diagonal)."""
    if tensor.ndim != 2:
        raise ArgumentError(f"eye_: only tensors with 2 dimensions are supported, got shape "
                            f"{tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups=1):
    """Fill a 3-, 4- or 5-d convolution weight (out, in, *kernel) with the Dirac delta: a
    convolution with it passes its input through. With `groups`, each of the groups of
    out // groups output channels keeps its first min(out // groups, in) input channels,
    one each, at the kernel's centre (s // 2 along each dim)."""
    shape = tuple(tensor.shape)
    if len(shape) not in (3, 4, 5):
        raise ArgumentError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, "
                            f"got shape {shape}")
    if not isinstance(groups, int) or groups <= 0 or shape[0] % groups:
        raise ArgumentError(f"dirac_: dim 0 must be divisible by groups, a positive int; got "
                            f"groups={groups!r} for the tensor of shape {shape}")
    per = shape[0] // groups
    g, d = np.divmod(np.arange(groups * min(per, shape[1])), min(per, shape[1]) or 1)
    values = np.zeros(shape)
    values[(g * per + d, d) + tuple(s // 2 for s in shape[2:])] = 1
    return _fill(tensor, values)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound) with bound = gain * sqrt(3 / fan) (He et al., 2015)."""
    fan = _fan(tensor, mode)
    if fan == 0:
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan)."""
    fan = _fan(tensor, mode)
    if fan == 0:
        return tensor
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan), generator)


def orthogonal_(tensor, gain=1, generator=None):
    """Fill with a (semi-)orthogonal matrix times `gain` (Saxe et al., 2013): the Q of a QR
    decomposition of a standard normal (rows, cols) matrix, cols = the product of the
    trailing dims, transposed first when rows < cols so that Q is the tall factor; each
    column of Q is multiplied by the sign of R's diagonal, which makes the result
    uniformly (Haar) distributed. Needs at least 2 dims."""
    if tensor.ndim < 2:
        raise ArgumentError(f"orthogonal_: only tensors with 2 or more dimensions are "
                         f"supported, got shape {tensor.shape}")
    if tensor.data.size == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.data.size // rows
    flat = _rng(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(tensor.shape))


def default_init_(weight, bias):
    """PyTorch's default for Linear and Conv: weight kaiming_uniform_(a=sqrt(5)), i.e.
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)
