"""Tensor ops as functions and methods: thin wrappers over the primitives in ops/,
and the composite ops built from them (their gradients come for free). Reductions are
in reductions.py.

Every function here is also a Tensor method (``x.exp()``, ``x.sum(dim=1)``) and a
module-level function (``autograd.exp(x)``), with PyTorch's names and ``dim`` /
``keepdim`` semantics.

By theme: ``elementwise.py`` (arithmetic, exp/log/... made from the primitives that name
their function, clamp, where), ``shapes.py`` (reshape, views, cat/stack/split,
getitem), ``matmul.py``, ``comparisons.py`` (no gradient), ``rounding.py`` (floor ...
floor_divide: zero gradient); ``arguments.py`` reads the
arguments they share (a Tensor operand, ``dim``). The package re-exports what other
modules use as ``functions.X``; ``autograd.X`` and the methods come from the
declarations (public.py), not from this list.
"""
from .arguments import _axes, _t  # noqa: F401
from .elementwise import (_elementwise, abs, add, clamp, cos, div, exp, log,  # noqa: F401
                          maximum, minimum, mul, neg, pow, reciprocal, relu, rsqrt, sigmoid,
                          sign, sin, softplus, sqrt, square, sub, tanh, where, remainder,
                          fmod, expm1, log1p)
from .shapes import (_index, _show_index, cat, chunk, expand, expand_as,  # noqa: F401
                     flatten, getitem, permute, reshape, split, squeeze, stack, transpose,
                     unsqueeze, view)
from .matmul import matmul, outer  # noqa: F401
from .comparisons import allclose, eq, ge, gt, le, lt, ne  # noqa: F401
from .rounding import constant_of, floor_divide  # noqa: F401
