"""Ops at their kinks and at special values (±0, ±inf, NaN, ties, constants): the value
and the derivative gradgraph gives, which must equal PyTorch's.

This table drives `tests/test_special_values.py` (each case against PyTorch) and
`docs/make_special_values.py`, which writes `docs/special_values.md` from the code; a
test checks that the committed page is what the code gives, so it cannot drift.

Each case: a name, a function of (library, x) where library is autograd or torch and x
a float64 tensor that requires grad, the input points, and whether the op is
elementwise (one row per point: value and d/dx there) or reduces x to one number (one
row: the value and the gradient vector). The derivative is of sum(f(x)).
"""
import math

import numpy as np

inf, nan = math.inf, math.nan
SIGNED = [-inf, -1.0, -0.0, 0.0, 1.0, inf, nan]


def _softplus(L, x):
    return L.softplus(x) if hasattr(L, "softplus") else L.nn.functional.softplus(x)


def _functional(L):
    if L.__name__ == "torch":
        return L.nn.functional
    import nn.functional
    return nn.functional


def _F(name, *args, **kwargs):
    """The nn.functional function `name` (gradgraph's or PyTorch's) on x, with args."""
    return lambda L, x: getattr(_functional(L), name)(x, *args, **kwargs)


def _prelu(L, x):
    return _functional(L).prelu(x, L.tensor([0.25], dtype=L.float64))


def _gelu(L, x):
    return _functional(L).gelu(x)


def _layer_norm(L, x):
    return _functional(L).layer_norm(x, x.shape)


class SpecialCase:
    def __init__(self, name, fn, points, elementwise=True, note=""):
        self.name, self.fn, self.points = name, fn, points
        self.elementwise, self.note = elementwise, note

    def __repr__(self):
        return self.name


SPECIAL_VALUES = [
    SpecialCase("relu(x)", lambda L, x: L.relu(x), SIGNED, note="relu'(0) = 0"),
    SpecialCase("abs(x)", lambda L, x: L.abs(x), SIGNED, note="abs'(0) = 0 = sign(0)"),
    SpecialCase("sign(x)", lambda L, x: L.sign(x), SIGNED, note="sign(NaN) = 0, as PyTorch"),
    SpecialCase("clamp(x, -1, 1)", lambda L, x: L.clamp(x, -1.0, 1.0),
                [-inf, -2.0, -1.0, 0.0, 1.0, 2.0, inf, nan],
                note="the gradient passes at both bounds; NaN stays NaN with gradient 0"),
    SpecialCase("clamp(x, 1, -1)", lambda L, x: L.clamp(x, 1.0, -1.0), [-2.0, 0.0, 2.0, nan],
                note="min > max: max wins"),
    SpecialCase("clamp(x, min=0)", lambda L, x: L.clamp(x, min=0.0), [-1.0, -0.0, 0.0, 1.0]),
    SpecialCase("clamp_min(x, 0)", lambda L, x: L.clamp_min(x, 0.0), [-inf, -0.0, 0.0, 1.0, nan]),
    SpecialCase("remainder(x, 2)", lambda L, x: L.remainder(x, 2.0),
                [-inf, -4.0, -3.5, -0.0, 0.0, 2.0, 3.5, inf, nan],
                note="the sign of the divisor; a zero keeps x's sign; d/dx = 1"),
    SpecialCase("remainder(x, -2)", lambda L, x: x % -2.0, [-3.5, -2.0, -0.0, 0.0, 3.5]),
    SpecialCase("remainder(-3.5, y)", lambda L, y: L.remainder(L.full_like(y, -3.5), y),
                [-inf, -2.0, -0.0, 0.0, 0.5, 2.0, inf, nan],
                note="d/dy = -floor(-3.5 / y); -3.5 mod inf = inf, as Python's"),
    SpecialCase("fmod(x, 2)", lambda L, x: L.fmod(x, 2.0), [-inf, -3.5, -0.0, 0.0, 3.5, inf, nan],
                note="the sign of x; d/dx = 1"),
    SpecialCase("fmod(3.5, y)", lambda L, y: L.fmod(L.full_like(y, 3.5), y),
                [-inf, -2.0, -0.0, 0.0, 0.5, 2.0, inf, nan], note="d/dy = -trunc(3.5 / y)"),
    SpecialCase("floor(x)", lambda L, x: L.floor(x), [-inf, -1.5, -0.0, 0.0, 0.5, inf, nan],
                note="the gradient is 0 everywhere (also at integers, inf and NaN)"),
    SpecialCase("round(x)", lambda L, x: L.round(x), [-2.5, -0.5, -0.0, 0.5, 1.5, 2.5, inf, nan],
                note="halves to even"),
    SpecialCase("frac(x)", lambda L, x: L.frac(x), [-inf, -1.5, -0.0, 0.0, 2.0, inf, nan],
                note="x - trunc(x): NaN at ±inf; d/dx = 1"),
    SpecialCase("log1p(x)", lambda L, x: L.log1p(x), [-2.0, -1.0, -0.0, 0.0, 1e-300, inf, nan]),
    SpecialCase("expm1(x)", lambda L, x: L.expm1(x), [-inf, -0.0, 0.0, 1e-300, 1000.0, inf, nan]),
    SpecialCase("maximum(x, 1)", lambda L, x: L.maximum(x, L.ones_like(x)),
                [0.0, 1.0, 2.0, inf, nan], note="a tie shares the gradient: 0.5 each"),
    SpecialCase("minimum(x, 1)", lambda L, x: L.minimum(x, L.ones_like(x)),
                [0.0, 1.0, 2.0, -inf, nan]),
    SpecialCase("amax(x)", lambda L, x: L.amax(x), [1.0, 3.0, 3.0, -inf], elementwise=False,
                note="ties share the gradient equally"),
    SpecialCase("max(x)", lambda L, x: x.max(), [2.0, 2.0, 0.0, 2.0], elementwise=False),
    SpecialCase("max(x, dim=0)", lambda L, x: x.max(dim=0)[0], [2.0, 2.0, 0.0],
                elementwise=False, note="the first maximum takes all the gradient"),
    SpecialCase("amin(x)", lambda L, x: L.amin(x), [1.0, -3.0, -3.0, inf], elementwise=False),
    SpecialCase("sqrt(x)", lambda L, x: L.sqrt(x), [-1.0, -0.0, 0.0, 4.0, inf, nan]),
    SpecialCase("log(x)", lambda L, x: L.log(x), [-1.0, -0.0, 0.0, 1.0, inf, nan]),
    SpecialCase("exp(x)", lambda L, x: L.exp(x), [-inf, -1000.0, 0.0, 1000.0, inf, nan]),
    SpecialCase("reciprocal(x)", lambda L, x: L.reciprocal(x), [-0.0, 0.0, -inf, inf]),
    SpecialCase("x ** 0", lambda L, x: x ** 0, [-1.0, 0.0, inf, nan],
                note="derivative 0 everywhere, 0 ** 0 = 1"),
    SpecialCase("x ** 1", lambda L, x: x ** 1, [-1.0, 0.0, inf]),
    SpecialCase("x ** 2", lambda L, x: x ** 2, [-inf, -0.0, 0.0, inf, nan]),
    SpecialCase("x ** 0.5", lambda L, x: x ** 0.5, [-1.0, 0.0, 4.0, inf]),
    SpecialCase("x ** 2.5", lambda L, x: x ** 2.5, [-1.0, 0.0, 4.0]),
    SpecialCase("x ** -1", lambda L, x: x ** -1, [-0.0, 0.0, 2.0, inf]),
    SpecialCase("0 ** y", lambda L, y: L.zeros_like(y) ** y, [-1.0, 0.0, 0.5, 2.0],
                note="d/dy at base 0 is 0 (a^y log a taken as 0)"),
    SpecialCase("2 ** y", lambda L, y: 2.0 ** y, [-inf, 0.0, inf, nan]),
    SpecialCase("sigmoid(x)", lambda L, x: L.sigmoid(x), [-inf, -1000.0, 0.0, 1000.0, inf, nan]),
    SpecialCase("tanh(x)", lambda L, x: L.tanh(x), [-inf, 0.0, inf, nan]),
    SpecialCase("softplus(x)", _softplus, [-inf, -1000.0, -0.0, 0.0, 1000.0, inf, nan],
                note="softplus'(0) = 1/2 = sigmoid(0)"),
    SpecialCase("where(x > 0, x, 0)", lambda L, x: L.where(x > 0, x, L.zeros_like(x)),
                [-1.0, 0.0, 1.0, inf, nan], note="the unselected side gets exact zeros"),
    SpecialCase("where(x > 0, sqrt(x), 0)",
                lambda L, x: L.where(x > 0, L.sqrt(x), L.zeros_like(x)), [-1.0, 0.0, 1.0],
                note="NaN or inf in the unselected branch still poisons the gradient (0 * inf), "
                     "as in every engine: use the double where (README)"),
    SpecialCase("norm(x)", lambda L, x: x.norm(), [0.0, 0.0], elementwise=False,
                note="the gradient at a zero norm is 0"),
    SpecialCase("norm(x) with inf", lambda L, x: x.norm(), [inf, 1.0], elementwise=False),
    SpecialCase("norm(x) with NaN", lambda L, x: x.norm(), [nan, 1.0], elementwise=False),
    SpecialCase("norm(x, 1)", lambda L, x: x.norm(p=1), [0.0, -0.0, 2.0], elementwise=False),
    SpecialCase("norm(x, inf)", lambda L, x: x.norm(p=inf), [-2.0, 2.0, 1.0],
                elementwise=False),
    SpecialCase("std(x), equal values", lambda L, x: x.std(), [2.0, 2.0, 2.0],
                elementwise=False, note="0 with gradient 0, not 0 * inf = NaN"),
    SpecialCase("var(x), equal values", lambda L, x: x.var(), [2.0, 2.0, 2.0],
                elementwise=False),
    SpecialCase("std(x), one value", lambda L, x: x.std(), [2.0], elementwise=False,
                note="n - 1 = 0 degrees of freedom: NaN"),
    SpecialCase("logsumexp(x)", lambda L, x: L.logsumexp(x, 0), [-inf, -inf],
                elementwise=False),
    SpecialCase("logsumexp(x) with inf", lambda L, x: L.logsumexp(x, 0), [inf, 1.0],
                elementwise=False),
    SpecialCase("softmax(x)", lambda L, x: L.softmax(x, 0)[0], [-inf, 0.0], elementwise=False),
    SpecialCase("softmax(x), ties", lambda L, x: L.softmax(x, 0)[0], [1.0, 1.0, -1.0],
                elementwise=False),
    SpecialCase("softmax(x) with inf", lambda L, x: L.softmax(x, 0)[1], [inf, 1.0],
                elementwise=False),
    SpecialCase("softmax(x) with NaN", lambda L, x: L.softmax(x, 0)[1], [nan, 1.0],
                elementwise=False),
    SpecialCase("log_softmax(x)", lambda L, x: L.log_softmax(x, 0)[1], [-inf, 0.0],
                elementwise=False),
    SpecialCase("gelu(x)", _gelu, [-inf, -40.0, -1.0, -0.0, 0.0, 1.0, 40.0, inf, nan],
                note="gelu'(0) = 1/2; at ±inf the derivative is NaN (inf * 0), as PyTorch"),
    # --- nn.functional's activations (nn/functional_activation.py) ---
    SpecialCase("softplus(x, beta=2, threshold=6)", _F("softplus", 2.0, 6.0),
                [-inf, -0.0, 0.0, 3.0, 3.5, inf, nan],
                note="x itself where beta x > threshold; at beta x = threshold the smooth form"),
    SpecialCase("elu(x)", _F("elu"), SIGNED, note="elu'(0) = alpha; NaN gets the gradient 1"),
    SpecialCase("selu(x)", _F("selu"), SIGNED, note="selu'(0) = alpha * scale"),
    SpecialCase("celu(x, 2)", _F("celu", 2.0), SIGNED),
    SpecialCase("hardtanh(x)", _F("hardtanh"), [-inf, -1.0, -0.5, -0.0, 0.0, 1.0, inf, nan],
                note="the derivative is 0 at both bounds (clamp's is 1)"),
    SpecialCase("relu6(x)", _F("relu6"), [-1.0, -0.0, 0.0, 6.0, 7.0, inf, nan],
                note="relu6'(0) = relu6'(6) = 0; relu6(-0) = -0"),
    SpecialCase("prelu(x, 0.25)", _prelu, SIGNED, note="the slope at 0 and NaN"),
    SpecialCase("leaky_relu(x)", _F("leaky_relu"), SIGNED,
                note="the slope at 0 and at NaN (the condition is x > 0)"),
    SpecialCase("threshold(x, 1, -5)", _F("threshold", 1.0, -5.0), [-inf, 1.0, 2.0, inf, nan],
                note="NaN stays NaN with gradient 1"),
    SpecialCase("hardsigmoid(x)", _F("hardsigmoid"), [-inf, -3.0, 3.0, inf, nan],
                note="the derivative is 0 at -3 and 3 and at NaN"),
    SpecialCase("hardswish(x)", _F("hardswish"), [-inf, -3.0, -1.0, -0.0, 0.0, 3.0, inf, nan],
                note="-inf * 0 = NaN; the derivative is 0 at -3, 1 at 3 and at NaN"),
    SpecialCase("silu(x)", _F("silu"), SIGNED, note="at ±inf the derivative is NaN (inf * 0)"),
    SpecialCase("mish(x)", _F("mish"), SIGNED),
    SpecialCase("softsign(x)", _F("softsign"), SIGNED, note="inf / inf = NaN at ±inf"),
    SpecialCase("tanhshrink(x)", _F("tanhshrink"), SIGNED),
    SpecialCase("softshrink(x)", _F("softshrink"), [-inf, -1.0, 0.0, 0.5, 1.0, inf, nan],
                note="the derivative is 0 at ±lambd; 0 is +0 (see the differences)"),
    SpecialCase("hardshrink(x)", _F("hardshrink"), [-inf, -0.5, -0.0, 0.0, 0.5, 1.0, inf, nan]),
    SpecialCase("logsigmoid(x)", _F("logsigmoid"), [-inf, -1000.0, -0.0, 0.0, 1000.0, inf, nan],
                note="logsigmoid(inf) = +0"),
    SpecialCase("softmin(x)", lambda L, x: _functional(L).softmin(x, 0)[0], [inf, 0.0],
                elementwise=False),
    SpecialCase("glu(x)", lambda L, x: _functional(L).glu(x), [inf, -inf, 0.0, nan],
                elementwise=False),
    SpecialCase("layer_norm(x), equal values", _layer_norm, [2.0, 2.0, 2.0],
                elementwise=False, note="var = 0: y = 0, the gradient 0 (eps keeps it finite)"),
    SpecialCase("layer_norm(x) with inf", _layer_norm, [inf, 1.0, 2.0], elementwise=False),
    SpecialCase("layer_norm(x) with NaN", _layer_norm, [nan, 1.0, 2.0], elementwise=False),
]

# --- elementwise math: ops/special.py, the erf family, functions/special.py --------------
_FUNCTION_POINTS = [-inf, -1.0, -0.0, 0.0, 0.5, 1.0, inf, nan]
SPECIAL_VALUES += [
    SpecialCase("tan(x)", lambda L, x: L.tan(x), [-inf, -0.0, 0.0, math.pi / 2, inf, nan]),
    SpecialCase("asin(x)", lambda L, x: L.asin(x), [-2.0, *_FUNCTION_POINTS],
                note="d/dx = inf at ±1, NaN beyond"),
    SpecialCase("acos(x)", lambda L, x: L.acos(x), [-2.0, *_FUNCTION_POINTS]),
    SpecialCase("atan(x)", lambda L, x: L.atan(x), _FUNCTION_POINTS),
    SpecialCase("sinh(x)", lambda L, x: L.sinh(x), [-1000.0, *_FUNCTION_POINTS]),
    SpecialCase("cosh(x)", lambda L, x: L.cosh(x), [-1000.0, *_FUNCTION_POINTS]),
    SpecialCase("asinh(x)", lambda L, x: L.asinh(x), [1e300, *_FUNCTION_POINTS]),
    SpecialCase("acosh(x)", lambda L, x: L.acosh(x), [0.5, 1.0, 2.0, 1e300, inf, nan]),
    SpecialCase("atanh(x)", lambda L, x: L.atanh(x), [-2.0, *_FUNCTION_POINTS]),
    SpecialCase("log2(x)", lambda L, x: L.log2(x), [-1.0, -0.0, 0.0, 1.0, 8.0, inf, nan],
                note="log2(8) = 3 exactly"),
    SpecialCase("log10(x)", lambda L, x: L.log10(x), [-1.0, -0.0, 0.0, 1.0, 1000.0, inf, nan]),
    SpecialCase("exp2(x)", lambda L, x: L.exp2(x), [-1075.0, 3.0, 1024.0, *_FUNCTION_POINTS]),
    SpecialCase("erf(x)", lambda L, x: L.erf(x), [-30.0, 3.0, 30.0, *_FUNCTION_POINTS]),
    SpecialCase("erfc(x)", lambda L, x: L.erfc(x), [5.0, 27.0, 30.0, *_FUNCTION_POINTS],
                note="to full relative precision where it is tiny"),
    SpecialCase("erfinv(x)", lambda L, x: L.erfinv(x), [-2.0, 0.9, -0.999, 2.0, *_FUNCTION_POINTS],
                note="±inf at ±1, NaN beyond"),
    SpecialCase("logit(x)", lambda L, x: L.logit(x), [-0.5, -0.0, 0.0, 0.25, 0.5, 1.0, 1.5, inf, nan],
                note="d/dx is NaN outside [0, 1]"),
    SpecialCase("logit(x, eps=0.25)", lambda L, x: L.logit(x, eps=0.25),
                [-0.5, 0.0, 0.25, 0.5, 0.75, 1.0, nan],
                note="clamped to [eps, 1 - eps]: d/dx = 0 outside, the bounds included"),
    SpecialCase("sinc(x)", lambda L, x: L.sinc(x), [-1.5, *_FUNCTION_POINTS],
                note="sinc(0) = 1, sinc'(0) = 0"),
    SpecialCase("deg2rad(x)", lambda L, x: L.deg2rad(x), [180.0, *_FUNCTION_POINTS]),
    SpecialCase("rad2deg(x)", lambda L, x: L.rad2deg(x), [math.pi, *_FUNCTION_POINTS]),
    SpecialCase("(sgn(x) + sign(x)) / 2", lambda L, x: (L.sgn(x) + L.sign(x)) * 0.5, SIGNED,
                note="sgn is sign for real tensors (PyTorch's gradient of sgn alone is a "
                     "ZeroTensor, which does not convert to numpy)"),
    SpecialCase("nan_to_num(x)", lambda L, x: L.nan_to_num(x), SIGNED,
                note="±inf to the largest finite values; the replaced elements get gradient 0"),
    SpecialCase("nan_to_num(x, 1, 2, -3)", lambda L, x: L.nan_to_num(x, 1.0, 2.0, -3.0), SIGNED),
    SpecialCase("div(x, 2, 'trunc')", lambda L, x: L.div(x, 2.0, rounding_mode="trunc"),
                [-inf, -3.5, -0.5, -0.0, 0.0, 0.5, 3.5, inf, nan], note="the gradient is 0"),
    SpecialCase("div(x, 2, 'floor')", lambda L, x: L.div(x, 2.0, rounding_mode="floor"),
                [-inf, -3.5, -0.5, -0.0, 0.0, 0.5, 3.5, inf, nan]),
    SpecialCase("div(x, 0, 'trunc')", lambda L, x: L.div(x, 0.0, rounding_mode="trunc"),
                [-1.0, -0.0, 0.0, 1.0, inf, nan]),
    SpecialCase("div(x, 0, 'floor')", lambda L, x: L.div(x, 0.0, rounding_mode="floor"),
                [-1.0, -0.0, 0.0, 1.0, inf, nan]),
    SpecialCase("fmax(x, 1)", lambda L, x: L.fmax(x, L.ones_like(x)), [-inf, 0.0, 1.0, 2.0, inf, nan],
                note="NaN loses to a number; a tie gives x all the gradient"),
    SpecialCase("fmax(x, NaN)", lambda L, x: L.fmax(x, L.full_like(x, nan)), [-1.0, 0.0, nan]),
    SpecialCase("fmax(x, 0), zeros", lambda L, x: L.fmax(x, L.zeros_like(x)), [-0.0, 0.0]),
    SpecialCase("fmax(1, y)", lambda L, y: L.fmax(L.ones_like(y), y), [0.0, 1.0, 2.0, nan]),
    SpecialCase("fmin(x, 1)", lambda L, x: L.fmin(x, L.ones_like(x)), [-inf, 0.0, 1.0, 2.0, inf, nan]),
    SpecialCase("fmin(1, y)", lambda L, y: L.fmin(L.ones_like(y), y), [0.0, 1.0, 2.0, nan]),
    SpecialCase("lerp(x, 2, 0.3)", lambda L, x: L.lerp(x, L.full_like(x, 2.0), 0.3),
                [-inf, -0.0, 0.0, 2.0, inf, nan]),
    SpecialCase("lerp(x, 2, 0.7)", lambda L, x: L.lerp(x, L.full_like(x, 2.0), 0.7),
                [-inf, -0.0, 0.0, 2.0, inf, nan]),
    SpecialCase("lerp(0, 1, w)", lambda L, w: L.lerp(L.zeros_like(w), L.ones_like(w), w),
                [-inf, -0.5, 0.0, 0.49, 0.5, 1.0, inf, nan], note="exact at w = 1"),
    SpecialCase("atan2(x, 1)", lambda L, x: L.atan2(x, L.ones_like(x)), _FUNCTION_POINTS),
    SpecialCase("atan2(1, x)", lambda L, x: L.atan2(L.ones_like(x), x), _FUNCTION_POINTS),
    SpecialCase("atan2(0, x)", lambda L, x: L.atan2(L.zeros_like(x), x), _FUNCTION_POINTS,
                note="NaN at the origin"),
    SpecialCase("atan2(x, x)", lambda L, x: L.atan2(x, x), _FUNCTION_POINTS),
    SpecialCase("hypot(x, 0)", lambda L, x: L.hypot(x, L.zeros_like(x)), [1e300, *_FUNCTION_POINTS],
                note="NaN at the origin"),
    SpecialCase("hypot(x, 1)", lambda L, x: L.hypot(x, L.ones_like(x)), _FUNCTION_POINTS),
    SpecialCase("logaddexp(x, 0)", lambda L, x: L.logaddexp(x, L.zeros_like(x)),
                [-1000.0, 1000.0, *_FUNCTION_POINTS]),
    SpecialCase("logaddexp(x, x)", lambda L, x: L.logaddexp(x, x), _FUNCTION_POINTS),
    SpecialCase("logaddexp2(x, 0)", lambda L, x: L.logaddexp2(x, L.zeros_like(x)),
                [-1000.0, 1000.0, *_FUNCTION_POINTS]),
    SpecialCase("xlogy(x, 2)", lambda L, x: L.xlogy(x, L.full_like(x, 2.0)), _FUNCTION_POINTS),
    SpecialCase("xlogy(x, 0)", lambda L, x: L.xlogy(x, L.zeros_like(x)), _FUNCTION_POINTS),
    SpecialCase("xlogy(x, NaN)", lambda L, x: L.xlogy(x, L.full_like(x, nan)), [-1.0, 0.0, 1.0]),
    SpecialCase("xlogy(2, y)", lambda L, y: L.xlogy(L.full_like(y, 2.0), y), _FUNCTION_POINTS),
    SpecialCase("xlogy(0, y)", lambda L, y: L.xlogy(L.zeros_like(y), y), [0.5, 1.0, 2.0, inf, nan],
                note="0 unless y is NaN"),
    SpecialCase("copysign(x, -1)", lambda L, x: L.copysign(x, -1.0), [-1.0, 2.0, 1e300]),
    SpecialCase("copysign(x, -0.0)", lambda L, x: L.copysign(x, L.full_like(x, -0.0)),
                [-1.0, 2.0]),
    SpecialCase("copysign(x, 1)", lambda L, x: L.copysign(x, 1.0), [-1.0, 0.0, 2.0]),
]

# --- reductions and scans: scans.py, sorting.py's order statistics, reductions.py ---------
SPECIAL_VALUES += [
    SpecialCase("prod(x), one zero", lambda L, x: L.prod(x), [2.0, 0.0, 3.0], elementwise=False,
                note="the zero gets the product of the others, the others 0"),
    SpecialCase("prod(x), two zeros", lambda L, x: L.prod(x), [0.0, -0.0, 3.0],
                elementwise=False, note="every gradient is 0"),
    SpecialCase("prod(x), zero and inf", lambda L, x: L.prod(x), [2.0, inf, 0.0],
                elementwise=False),
    SpecialCase("prod(x), zero and NaN", lambda L, x: L.prod(x), [2.0, nan, 0.0],
                elementwise=False),
    SpecialCase("prod(x, 0)", lambda L, x: L.prod(x, 0), [-2.0, 0.5, 4.0, -1.0, 3.0],
                elementwise=False),
    SpecialCase("cumprod(x), a zero", lambda L, x: L.cumprod(x, 0), [2.0, 0.0, 3.0, 4.0],
                elementwise=False, note="exact with zeros, as PyTorch"),
    SpecialCase("cumprod(x), zeros", lambda L, x: L.cumprod(x, 0), [0.0, 2.0, 0.0, 3.0, -1.0],
                elementwise=False),
    SpecialCase("logcumsumexp(x)", lambda L, x: L.logcumsumexp(x, 0), [-1000.0, 0.0, 1000.0, 1.0],
                elementwise=False, note="no overflow, no underflow of the early terms"),
    SpecialCase("logcumsumexp(x) with -inf", lambda L, x: L.logcumsumexp(x, 0), [0.0, -inf, 1.0],
                elementwise=False),
    SpecialCase("cummax(x)", lambda L, x: L.cummax(x, 0)[0], [1.0, 3.0, 2.0, 3.0, nan, 5.0],
                elementwise=False, note="ties: the latest; from a NaN on, NaN"),
    SpecialCase("cummin(x)", lambda L, x: L.cummin(x, 0)[0], [3.0, 1.0, 1.0, -inf, 2.0],
                elementwise=False),
    SpecialCase("median(x)", lambda L, x: L.median(x), [3.0, 1.0, 2.0, 2.0, 1.0, 3.0],
                elementwise=False, note="the lower middle value; ties: the first"),
    SpecialCase("median(x) with NaN", lambda L, x: L.median(x), [3.0, nan, 1.0], elementwise=False),
    SpecialCase("nanmedian(x)", lambda L, x: L.nanmedian(x), [3.0, nan, 1.0, 2.0],
                elementwise=False),
    SpecialCase("median(x, 0)", lambda L, x: L.median(x, 0)[0], [-inf, 2.0, inf], elementwise=False),
    SpecialCase("kthvalue(x, 2)", lambda L, x: L.kthvalue(x, 2)[0], [3.0, -0.0, inf, 1.0],
                elementwise=False),
    SpecialCase("mode(x)", lambda L, x: L.mode(x)[0], [2.0, 1.0, 2.0, 1.0, 3.0],
                elementwise=False, note="the smallest of the most frequent, its last index"),
    SpecialCase("quantile(x, 0.4)", lambda L, x: L.quantile(x, 0.4), [4.0, 1.0, 3.0, 2.0],
                elementwise=False, note="between ranks 1 and 2: PyTorch's lerp weights"),
    SpecialCase("quantile(x, 0.5), ties", lambda L, x: L.quantile(x, 0.5), [1.0, 2.0, 2.0, 5.0],
                elementwise=False),
    SpecialCase("quantile(x, 0.5, midpoint)", lambda L, x: L.quantile(
        x, 0.5, interpolation="midpoint"), [4.0, 1.0, 3.0, 2.0], elementwise=False),
    SpecialCase("quantile(x, 0.5, nearest)", lambda L, x: L.quantile(
        x, 0.5, interpolation="nearest"), [4.0, 1.0, 3.0, 2.0], elementwise=False,
        note="rank 1.5 rounds half to even: 2"),
    SpecialCase("quantile(x, 0.5) with inf", lambda L, x: L.quantile(x, 0.5), [inf, 1.0, -inf, 2.0],
                elementwise=False),
    SpecialCase("quantile(x, 0.5) with NaN", lambda L, x: L.quantile(x, 0.5), [nan, 1.0, 2.0],
                elementwise=False),
    SpecialCase("nanquantile(x, 0.5)", lambda L, x: L.nanquantile(x, 0.5), [nan, 1.0, 2.0, 4.0],
                elementwise=False),
    SpecialCase("nansum(x)", lambda L, x: L.nansum(x), [nan, 1.0, inf, -0.0], elementwise=False,
                note="NaN counts as 0, with gradient 0"),
    SpecialCase("nanmean(x)", lambda L, x: L.nanmean(x), [nan, 1.0, 4.0], elementwise=False),
    SpecialCase("aminmax(x)", lambda L, x: L.aminmax(x)[0] * 2 + L.aminmax(x)[1],
                [1.0, 3.0, 3.0, 1.0, -0.0], elementwise=False),
    SpecialCase("diff(x)", lambda L, x: L.diff(x) * L.diff(x), [1.0, inf, inf, nan, -0.0],
                elementwise=False),
]


# --- ops/transcendental.py and autograd/special.py: SciPy's values -----------------------
_GAMMA_POINTS = [-inf, -2.5, -2.0, -1.0, -0.5, -0.0, 0.0, 5e-324, 0.5, 1.0, 2.5, 30.0, 1e300,
                 inf, nan]
_BESSEL_POINTS = [-inf, -30.0, -1.0, -0.0, 0.0, 5e-324, 1e-300, 0.5, 1.0, 30.0, 800.0, inf, nan]


def _special(name, *args):
    """autograd.special's or torch.special's function `name` of x, then `args`."""
    return lambda L, x: getattr(L.special, name)(x, *args)


def _with(name, first):
    """torch.special-style binary `name` of the float64 number `first` and x."""
    return lambda L, x: getattr(L.special, name)(L.tensor(first, dtype=L.float64), x)


SPECIAL_VALUES += [
    SpecialCase("lgamma(x)", lambda L, x: L.lgamma(x), _GAMMA_POINTS,
                note="inf at the poles 0, -1, -2, ...; -log|x| below the smallest normal "
                     "(SciPy's gammaln gives inf there); d/dx = digamma"),
    SpecialCase("digamma(x)", lambda L, x: L.digamma(x), [-0.0, 0.0, 5e-324, 30.0, 1e300, inf, nan],
                note="-inf at +0, +inf at -0 (its derivative: see the differences)"),
    SpecialCase("polygamma(1, x)", lambda L, x: L.polygamma(1, x), [-inf, -0.0, 0.0, 5e-324, nan],
                note="NaN at -inf, where the poles pile up (SciPy's zeta(2, -inf) is inf)"),
    SpecialCase("polygamma(2, x)", lambda L, x: L.polygamma(2, x),
                [-inf, -2.5, -2.0, -0.0, 0.0, 0.5, 1.0, 30.0, nan]),
    SpecialCase("mvlgamma(x, 2)", lambda L, x: L.mvlgamma(x, 2),
                [-inf, -0.0, 0.0, 0.5, 1.0, 2.5, 30.0, inf, nan], note="d/dx = the digammas' sum"),
    SpecialCase("i0(x)", lambda L, x: L.i0(x), _BESSEL_POINTS, note="d/dx = i1"),
    SpecialCase("special.i0e(x)", _special("i0e"), _BESSEL_POINTS),
    SpecialCase("special.i1(x)", _special("i1"), _BESSEL_POINTS,
                note="d/dx = i0 - i1 / x, 1/2 where |x| <= eps, as PyTorch"),
    SpecialCase("special.i1e(x)", _special("i1e"), _BESSEL_POINTS),
    SpecialCase("special.erfcx(x)", _special("erfcx"), [-30.0, 30.0, 1e300, *_FUNCTION_POINTS],
                note="inf * 0 = NaN in the derivative at inf, as PyTorch's formula"),
    SpecialCase("special.ndtr(x)", _special("ndtr"), [-40.0, 40.0, *_FUNCTION_POINTS]),
    SpecialCase("special.log_ndtr(x)", _special("log_ndtr"), [-40.0, 40.0, *_FUNCTION_POINTS],
                note="accurate far in both tails"),
    SpecialCase("special.ndtri(p)", _special("ndtri"), [-0.5, 1e-300, 0.25, 1.5, *_FUNCTION_POINTS],
                note="±inf at 1 and 0, NaN outside [0, 1]"),
    SpecialCase("special.entr(x)", _special("entr"), [-1.0, -0.0, 0.0, 0.5, 1.0, inf, nan],
                note="-inf below 0; d/dx = -(1 + log x): inf at 0"),
    SpecialCase("special.xlog1py(x, 2)", _special("xlog1py", 2.0), SIGNED),
    SpecialCase("special.xlog1py(0, y)", _with("xlog1py", 0.0), [-2.0, -1.0, 0.0, inf, nan],
                note="0 unless y is NaN; d/dy = 0 / (1 + y)"),
    SpecialCase("special.xlog1py(2, y)", _with("xlog1py", 2.0), [-2.0, -1.0, -0.0, 0.0, inf, nan]),
    SpecialCase("special.gammainc(1.5, x)", _with("gammainc", 1.5), [-1.0, 0.0, 0.5, 30.0, inf, nan],
                note="only x gets a gradient, as PyTorch"),
    SpecialCase("special.gammaincc(0.5, x)", _with("gammaincc", 0.5), [-1.0, 0.0, 0.5, 30.0, inf, nan]),
]


class Difference:
    """A point where gradgraph differs from PyTorch on purpose: `fn(L, x)` returns the
    quantity compared (a value, gradient or second derivative, as an array), `torch` is
    what PyTorch gives (checked, so a change in PyTorch shows), `why` the reason."""
    def __init__(self, name, what, fn, point, torch, why):
        self.name, self.what, self.fn, self.point = name, what, fn, point
        self.torch, self.why = torch, why

    def __repr__(self):
        return self.name


def _grad(L, f, x, create_graph=False):
    grad = L.autograd.grad if L.__name__ == "torch" else L.grad
    return grad(f(x).sum(), x, create_graph=create_graph)[0]


def _second(f, v):
    """d/dx <f'(x), v>: a second derivative, contracted with v."""
    def second(L, x):
        g = _grad(L, f, x, create_graph=True)
        return _grad(L, lambda x: g * L.tensor(v, dtype=L.float64), x)
    return second


DIFFERENCES = [
    Difference("norm(x)", "second derivative . [1, -2]", _second(lambda x: x.norm(), [1.0, -2.0]),
               [0.0, 0.0], [nan, nan],
               "norm has a cone's apex at 0: its gradient there is 0 (both), and gradgraph's "
               "second derivative is that of the gradient it chose, 0, as for abs and relu "
               "at 0 (where PyTorch gives 0 too)"),
    Difference("std(x) * x", "second derivative . [1, -2, 0.5]",
               _second(lambda x: x.std() * x, [1.0, -2.0, 0.5]), [2.0, 2.0, 2.0],
               [nan, nan, nan],
               "std over equal values is norm's apex again (gradient 0 in both); 0, as above"),
    Difference("var(x) with inf", "gradient", lambda L, x: _grad(L, lambda x: x.var(), x),
               [inf, 1.0, 2.0], [nan, -inf, -inf],
               "var is NaN there (inf - inf); gradgraph's gradient, through the mean, is NaN "
               "throughout, PyTorch's formula 2 (x - mean) / (n - 1) gives -inf for the "
               "finite elements"),
    Difference("norm(x), tiny", "value", lambda L, x: x.norm(), [1e-200, 1e-200], 0.0,
               "PyTorch squares unscaled, so x^2 underflows (for one element it returns abs(x)); "
               "gradgraph rescales by a power of two, as LAPACK's nrm2"),
    Difference("norm(x), tiny", "gradient", lambda L, x: _grad(L, lambda x: x.norm(), x),
               [1e-200, -1e-200], [0.0, 0.0], "as above: the gradient x / norm(x)"),
    Difference("norm(x), huge", "value", lambda L, x: x.norm(), [1e200, 1e200], inf,
               "as above: x^2 overflows in PyTorch"),
    Difference("layer_norm(x)", "value", _layer_norm, [0.0, -0.0, 0.0], [0.0, 0.0, 0.0],
               "y = (x - mean) * rstd keeps the sign of x - mean = -0 - 0; PyTorch's kernel "
               "adds a shift, which makes it +0 (an add pass would cost a fifth of the forward)"),
    Difference("layer_norm(x), huge", "value", _layer_norm, [1e300, -1e300, 0.0],
               [0.0, 0.0, 0.0],
               "the variance overflows: gradgraph normalises such a row again from x divided "
               "by a power of two (exact, and layer_norm does not depend on x's scale but "
               "through eps); PyTorch gives 0, silently"),
    Difference("layer_norm(x), huge, float32", "value",
               lambda L, x: _layer_norm(L, x.float()), [1e20, 0.0, 0.0], [nan, nan, nan],
               "as above, in float32 (x^2 overflows from 1.8e19); PyTorch gives NaN"),
    Difference("gelu(x)", "second derivative", lambda L, x: _grad(
                   L, lambda x: _grad(L, lambda u: _gelu(L, u), x, create_graph=True), x),
               [40.0], [0.0],
               "phi(x) (2 - x^2) underflows: gradgraph keeps the sign of the true value, "
               "PyTorch gives +0"),
    Difference("hardsigmoid(x)", "derivative", lambda L, x: _grad(
                   L, lambda u: _functional(L).hardsigmoid(u), x),
               [0.0], [0.1666666716337204],
               "1/6 exactly; PyTorch's float64 backward multiplies by float32's 1/6"),
    Difference("softshrink(x)", "value", _F("softshrink"), [-0.5, -0.0], [-0.0, -0.0],
               "+0 between ±lambd, as PyTorch's vectorised loop gives (8 elements or more); "
               "its scalar loop, which takes short tensors and the tail, gives x * 0 = -0"),
    Difference("scaled_dot_product_attention, causal", "value of query 0",
               lambda L, x: _attention(L, x, "key 1")[0], [nan], [nan, nan],
               "key 1, NaN, is hidden from query 0: the fused op never reads a hidden score "
               "(it is set to -inf, not added to), as PyTorch's flash kernel (4-d inputs); "
               "PyTorch's math backend (3-d inputs) adds -inf, and NaN + -inf = NaN"),
    Difference("scaled_dot_product_attention, fully masked query", "gradient of query 1",
               lambda L, x: _attention(L, x, "value 2")[1], [nan], [nan, nan],
               "query 1 sees no key: its output is 0 and it passes no gradient, not even the "
               "NaN of a value it does not attend to (PyTorch: 0 * NaN)"),
]

DIFFERENCES += [
    Difference("copysign(x, -1)", "gradient", lambda L, x: _grad(L, lambda x: L.copysign(x, -1.0), x),
               [-0.0, 0.0, inf, nan], [0.0, 0.0, nan, nan],
               "gradgraph's copysign is |x| times the sign, so its derivative is abs's, times "
               "-1: -0 at 0 (PyTorch masks it to +0), -1 at inf and 0 at NaN (PyTorch's "
               "result / x gives NaN at both)"),
]

DIFFERENCES += [
    Difference("prod(x)", "gradient", lambda L, x: _grad(L, L.prod, x), [-2.0, 0.5, -0.0, 4.0, 1.0],
               [-0.0, 0.0, -4.0, 0.0, 0.0],
               "a zero gradient's sign: gradgraph's products of the other factors go through "
               "slices, whose adjoint adds them into zeros (-0 + 0 = +0); PyTorch multiplies "
               "the other factors directly"),
    Difference("nanmean(x), all NaN", "gradient", lambda L, x: _grad(L, L.nanmean, x),
               [nan, nan], [nan, nan],
               "the NaNs are replaced by 0 with a where, so they get gradient 0, also when "
               "the count is 0; PyTorch multiplies by the mask (1 / 0 * 0 = NaN)"),
]


def _attention(L, x, where):
    """Attention over 3 queries and keys of 2 features with `x` put at `where`: with
    "key 1", the causal output (3, 2); with "value 2", the gradient of q (3, 2) of the
    output's sum when a bool mask hides every key from query 1."""
    rng = np.random.default_rng(0)
    q, k, v = (L.tensor(rng.standard_normal((3, 2)), dtype=L.float64) for _ in range(3))
    mask = np.ones((3, 3), bool)
    if where == "key 1":
        k = L.cat([k[:1], L.cat([x, k[1, 1:]]).reshape(1, 2), k[2:]])
        return _functional(L).scaled_dot_product_attention(q, k, v, is_causal=True)
    mask[1] = False
    q.requires_grad_()
    v = L.cat([v[:2], L.cat([v[2, :1], x]).reshape(1, 2)])
    out = _functional(L).scaled_dot_product_attention(q, k, v, attn_mask=L.tensor(mask))
    return _grad(L, lambda q: out, q)


def _bce(L, p, t):
    """binary_cross_entropy(p, t) per element; a list is made a float64 tensor."""
    p, t = (L.tensor(v, dtype=L.float64) if isinstance(v, list) else v for v in (p, t))
    return _functional(L).binary_cross_entropy(p, t, reduction="none")


DIFFERENCES += [
    Difference("binary_cross_entropy(x, [0, 1])", "gradient",
               lambda L, x: _grad(L, lambda x: _bce(L, x, [0.0, 1.0]), x),
               [0.0, 1.0], [0.0, 0.0],
               "gradgraph's is the slope of its loss, -(t log p + (1 - t) log(1 - p)) with "
               "each log taken at max(., 1e-12) and clamped at -100: 1 / (1 - 0) = 1 at p = "
               "t = 0; PyTorch's (p - t) / max(p (1 - p), 1e-12) is 0 there (and 0.1 at "
               "p = 1e-13, t = 0, where the slope is 1)"),
    Difference("binary_cross_entropy([0, 1], x)", "gradient",
               lambda L, x: _grad(L, lambda x: _bce(L, [0.0, 1.0], x), x),
               [0.5, 0.5], [inf, -inf],
               "the derivative in the target of the clamped loss, max(log(1 - p), -100) - "
               "max(log p, -100), finite; PyTorch's log(1 - p) - log p is not clamped"),
]
DIFFERENCES += [
    Difference("kl_div([-1, -2], x)", "gradient",
               lambda L, x: _grad(L, lambda x: _functional(L).kl_div(
                   L.tensor([-1.0, -2.0], dtype=L.float64), x, reduction="none"), x),
               [0.0, 1.0], [nan, 3.0],
               "target log target is taken as 0 at target = 0 through a where, so the "
               "target's gradient there is -input (and no numpy warning for one-hot targets); "
               "PyTorch's xlogy(target, target) differentiates to target / target = NaN (the "
               "one-sided slope is -inf)"),
]
DIFFERENCES += [
    Difference("cross_entropy(x, [0], weight=[0, 0, 1])", "gradient",
               lambda L, x: _grad(L, lambda x: _functional(L).cross_entropy(
                   x.reshape(1, 3), L.tensor([0]), weight=L.tensor([0.0, 0.0, 1.0],
                                                                    dtype=L.float64)), x),
               [0.1, 0.5, 0.2], [nan, nan, nan],
               "the weighted mean divides by the targets' total weight, 0 here: the loss is "
               "NaN in both, and gradgraph sends no gradient, as PyTorch does when every "
               "target is ignored; PyTorch's 0 / 0 sends NaN into every parameter"),
]

DIFFERENCES += [
    Difference("digamma(x)", "derivative", lambda L, x: _grad(L, L.digamma, x), [-2.5, 1.0, -2.0],
               [9.53924664493752, 1.6449340676383375, 1.6451975368302367e+32],
               "the derivative is polygamma(1, x), SciPy's zeta(2, x), right to the last bits "
               "(pi^2/6 at 1) and inf at the poles; PyTorch's trigamma series is off by ~1e-10 "
               "relative and finite at the poles (polygamma(1, x) itself the same)"),
    Difference("polygamma(2, x)", "value", lambda L, x: L.polygamma(2, x), [inf], [nan],
               "the limit at +inf is 0 (-0 here, the sign of the approach), as SciPy; PyTorch "
               "gives NaN (also for the derivatives of polygamma(n, x) there)"),
    Difference("special.zeta(2, q)", "value",
               lambda L, q: L.special.zeta(L.tensor(2.0, dtype=L.float64), q), [inf], [nan],
               "the limit at q = inf is 0, as SciPy; PyTorch gives NaN"),
    Difference("special.bessel_j0(x)", "value", lambda L, x: L.special.bessel_j0(x), [3.0, 10.0],
               [-0.2600519549074645, -0.24593576441958856],
               "SciPy's j0 (Cephes) is right to the last bits; PyTorch's is off by ~1e-11 "
               "relative (and gives bessel_j0/j1 no derivative at all: gradgraph's are -j1 "
               "and j0 - j1 / x)"),
]
