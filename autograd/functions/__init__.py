"""Tensor ops as functions and methods: thin wrappers over the primitives in ops/,
and the composite ops built from them (their gradients come for free). Reductions are
in reductions.py.

Every function here is also a Tensor method (``x.exp()``, ``x.sum(dim=1)``) and a
module-level function (``autograd.exp(x)``), with PyTorch's names and ``dim`` /
``keepdim`` semantics.

By theme: ``elementwise.py`` (arithmetic, exp/log/... made from the primitives that name
their function, clamp, where), ``shapes.py`` (reshape, views, cat/stack/split,
getitem), ``matmul.py``, ``comparisons.py`` (no gradient), ``rounding.py`` (floor ...
floor_divide, div's rounding modes: zero gradient), ``special.py`` (atan2, hypot, logit,
xlogy, sinc, lerp, fmax, nan_to_num, ... and the arc* aliases); ``arguments.py`` reads the
arguments they share (a Tensor operand, ``dim``). The package re-exports what other
modules use as ``functions.X``; ``autograd.X`` and the methods come from the
declarations (public.py), not from this list.
"""
from .arguments import _axes, _nonempty, _t  # noqa: F401
from .elementwise import (_elementwise, abs, add, clamp, cos, exp, log,  # noqa: F401
                          maximum, minimum, mul, neg, pow, reciprocal, relu, rsqrt, sigmoid,
                          sign, sin, softplus, sqrt, square, sub, tanh, where, remainder,
                          fmod, expm1, log1p)
from .shapes import (_index, _show_index, torch_order, cat, chunk, expand, expand_as,  # noqa: F401
                     flatten, getitem, permute, reshape, split, squeeze, stack, transpose,
                     unsqueeze, view)
from .matmul import matmul, outer  # noqa: F401
from .comparisons import allclose, eq, equal, ge, gt, isclose, le, lt, ne  # noqa: F401
from .rounding import constant_of, div, floor_divide  # noqa: F401
from .elementwise import (acos, acosh, asin, asinh, atan, atanh, cosh, exp2,  # noqa: F401
                          log2, log10, sinh, tan)
from .special import (atan2, copysign, deg2rad, fmax, fmin, heaviside, hypot,  # noqa: F401
                      logaddexp, logaddexp2, nan_to_num, rad2deg, sinc, xlogy)
