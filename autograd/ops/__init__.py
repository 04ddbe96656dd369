"""The primitive ops: each op's forward (numpy) and its gradient, side by side.

These are the only ops that know a derivative. Everything else in gradgraph
(``mean``, ``var``, ``softmax``, ``cross_entropy``, ``layer_norm``...) is written
from them, so its gradient comes for free, to any order: every ``backward`` here is
written with ops that record when ``create_graph=True``.

Contract: ``forward`` takes arrays (and constants) and returns an array; it may put
what backward needs in ``self.saved``. ``backward(g)`` gets the output's gradient, of
the output's shape, and returns one gradient (or None) per input, each of the
*output's* shape or the input's: the engine sums broadcast dimensions away in one
place (``engine.sum_to_shape``). The gradients are bare arrays in a first-order
backward and Tensors under create_graph, one rule for both (see ``graph.Primitive``).
``self.parents[i] is None`` means input i needs none.
Sub and Div are primitives although they could be composites: one recorded op
instead of two halves the overhead of ``a - b`` and ``a / b`` (benchmarks/op_overhead.py).
Forwards call ndarray methods (``x.sum``, ``x.max``, ``x.reshape``, ``x.transpose``)
rather than the ``np.`` functions: the functions' Python wrappers cost 2-5x the
instructions of the methods on small arrays (valgrind, 16x10 float32).

The ops are in five files, by what they do to the elements: ``elementwise.py``
(arithmetic, powers, exp/log, activations, select, cast and copy), ``special.py`` (tan,
the inverse trigonometric and hyperbolic functions, log2/log10/exp2, logit, atan2, hypot,
logaddexp, xlogy, xlog1py), ``transcendental.py`` (lgamma, digamma, polygamma, the Bessel
functions, zeta, the incomplete gamma functions...: SciPy's values), ``shapes.py`` (views,
indexing and its adjoint, concatenation) and ``reductions.py`` (sums, max/min, cumsum,
matmul, softmax and log_softmax). This package exports every op, so ``ops.Relu`` names
a primitive wherever it is written (tests/test_primitives.py checks that none is left
out).
"""
from .elementwise import (Abs, Add, AddScalar, Cast, Copy, Cos, Div, DivScalar,  # noqa: F401
                          Exp, Expm1, Fmod, Log, Log1p, Maximum, Minimum, Mul, MulScalar,
                          Pow, PowT, Relu, Remainder, RSub, Sigmoid, Sign, Sin, Softplus,
                          Sub, SubScalar, Tanh, Where)
from .special import (Acos, Acosh, Asin, Asinh, Atan, Atan2, Atanh, Cosh,  # noqa: F401
                      Exp2, Hypot, Log2, Log10, LogAddExp, LogAddExp2, Logit, Sinh, Tan,
                      Xlog1py, Xlogy)
from .transcendental import (BesselJ0, BesselJ1, Digamma, Entr, Erfcx,  # noqa: F401
                             Gammainc, Gammaincc, I0, I0e, I1, I1e, Lgamma, LogNdtr, Ndtri,
                             Polygamma, Zeta)
from .shapes import (AsStrided, Cat, Expand, GetItem, IndexAdd, IndexPut, Permute,  # noqa: F401
                     Reshape, CopySlices, _is_basic)
from .reductions import (Amax, Amin, Cumsum, LogCumSumExp, LogSoftmax,  # noqa: F401
                         MatMul, ScatterAmax, Softmax, Sum, binary_exponent, power_of_two,
                         row_max, row_sum)
