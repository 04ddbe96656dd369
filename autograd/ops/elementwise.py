"""The elementwise primitives: arithmetic (with the scalar forms that record one input),
powers, exp and log, sin and cos, the activations, sign and abs, maximum/minimum,
where, and the dtype cast and contiguous copy. Each output element depends on the
inputs' elements at its own position only (after broadcasting)."""
import numpy as np

from ..errors import DtypeError
from ..graph import CROSS, Primitive, _wrap, apply1, apply2, owns_buffer
from ..state import any_or_tracing


class Add(Primitive):
    __slots__ = ()

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Primitive):
    __slots__ = ()

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.parents[1] is not None else None)


class RSub(Primitive):
    """``c - x`` for a constant c: one op instead of ``(-x) + c``."""
    __slots__ = ()
    same_shape = True

    def forward(self, x, c):
        return c - x

    def backward(self, g):
        return -g,


class AddScalar(Primitive):
    """x + c (and c + x) for a Python number c and a float x: one input, nothing saved,
    the input's shape: cheaper to record and to run backward than Add with a constant."""
    __slots__ = ()
    same_shape = True
    name = "Add"

    def forward(self, x, c):
        return x + c

    def backward(self, g):
        return g,


class SubScalar(AddScalar):
    """x - c for a Python number c and a float x."""
    __slots__ = ()
    name = "Sub"

    def forward(self, x, c):
        return x - c


class MulScalar(Primitive):
    """x * c (and c * x) for a Python number c and a float x."""
    __slots__ = ("c",)
    same_shape = True
    name = "Mul"

    def forward(self, x, c):
        self.c = c
        return x * c

    def backward(self, g):
        return g * self.c,


class DivScalar(Primitive):
    """x / c for a Python number c and a float x."""
    __slots__ = ("c",)
    same_shape = True
    name = "Div"

    def forward(self, x, c):
        self.c = c
        return x / c

    def backward(self, g):
        return g / self.c,


class Mul(Primitive):
    __slots__ = ()
    saves_inputs = CROSS

    def forward(self, a, b):
        return a * b

    def backward(self, g):
        a, b = self.inputs()
        pa, pb = self.parents
        return (g * b if pa is not None else None), (g * a if pb is not None else None)


class Div(Primitive):
    __slots__ = ()
    saves_inputs = True

    def forward(self, a, b):
        return a / b

    def backward(self, g):
        a, b = self.inputs()
        ga = g / b
        return ga, (-ga * a / b if self.parents[1] is not None else None)


class Pow(Primitive):
    """x ** c for a constant exponent c (a Python number)."""
    __slots__ = ("c",)
    same_shape = True
    saves_inputs = True

    def forward(self, x, c):
        self.c = c
        if type(x) is not np.ndarray:
            x = np.asarray(x)   # a numpy scalar's ** is C's pow: (-inf) ** 0.5 = inf, not NaN
        if c == -0.5 and x.dtype.kind == "f":
            return 1 / np.sqrt(x)   # PyTorch's rsqrt: NaN at -inf, -inf at -0 (pow: 0, inf)
        if (c == 3 or c == -2) and x.dtype.kind == "f":
            # PyTorch's x * x * x and 1 / (x * x), bit for bit; numpy's ** calls C's pow
            # for these: 2^20 float32, 53 ms against 2.4 ms
            return x * x * x if c == 3 else 1 / (x * x)
        return x ** c

    def backward(self, g):
        x, c = self.inputs()[0], self.c
        if c == 0:      # d/dx x^0 = 0 everywhere, also at x = 0 (not 0 * x^-1 = NaN)
            return apply2(Where, g, g.dtype.type(0), np.zeros(g.shape, bool)),
        if c == 0.5:    # 1 / (2 sqrt x): -inf at -0, as PyTorch (x^-0.5 / 2 gives +inf)
            return g * 0.5 / apply1(Pow, x, 0.5),
        return (g * (apply1(Pow, x, c - 1) * c) if c != 2 else g * (x * 2.0)),


class PowT(Primitive):
    """a ** b with a Tensor exponent. d/db = a^b log a is taken as 0 where a == 0
    (the limit PyTorch also uses), and is NaN for a < 0 as log a is; d/da is 0 where
    b == 0."""
    __slots__ = ()
    saves_inputs = True

    def forward(self, a, b):
        if a.dtype.kind == "b":     # numpy's bool ** bool is int8
            raise DtypeError(f"pow: bool operands (shapes {np.shape(a)} and {np.shape(b)}) "
                             f"are not supported, as in PyTorch; convert one to an integer "
                             f"dtype (x.long())")
        if a.dtype.kind in "iu" and np.min(b, initial=0) < 0:
            # integers to negative integer powers, as PyTorch: 1 ** -n = 1,
            # (-1) ** -n = (-1) ** n, and 0 for any other base (1 / a^n truncated)
            neg = np.less(b, 0)
            out = np.power(a, np.where(neg, -b, b))
            return np.where(neg, np.where(np.abs(a) == 1, out, 0), out).astype(out.dtype)
        return np.power(a, b)

    def backward(self, g):
        a, b = self.inputs()
        pa, pb = self.parents
        ga = None
        if pa is not None:
            # 0 where b == 0 (x^0 is constant), not 0 * 0^-1 = NaN at a == 0, as PyTorch
            b_nonzero = np.asarray(self.saved[1]) != 0
            slope = b * a ** (apply2(Where, b, 1.0, b_nonzero) - 1.0)
            ga = apply2(Where, g * slope, g.dtype.type(0), b_nonzero)
        if pb is None:
            return ga, None
        # 0 where a == 0 and b >= 0 (the limit), else a^b log a (-inf * inf at 0^-1)
        nonzero = self.saved[0] != 0
        log_a = apply2(Where, apply1(Log, apply2(Where, a, 1.0, nonzero)), -np.inf, nonzero)
        keep = nonzero | (np.asarray(self.saved[1]) < 0)
        return ga, g * (a ** b) * apply2(Where, log_a, 0.0, keep)


class Exp(Primitive):
    """e^x; d/dx e^x = e^x (its output, which it saves)."""
    __slots__ = ()
    function = "exp"  # autograd.exp and Tensor.exp
    method = True
    same_shape = True

    def forward(self, x):
        self.saved = y = np.exp(x)
        return y

    def backward(self, g):
        return g * self.output(self.saved),


class Log(Primitive):
    """Natural logarithm; d/dx log x = 1/x."""
    __slots__ = ()
    function = "log"  # autograd.log and Tensor.log
    method = True
    same_shape = True
    saves_inputs = True

    def forward(self, x):
        return np.log(x)

    def backward(self, g):
        return g / self.inputs()[0],


class Expm1(Primitive):
    """e^x - 1, exact for small x (where exp(x) - 1 loses every digit); d/dx = e^x,
    its output plus 1."""
    __slots__ = ()
    function = "expm1"  # autograd.expm1 and Tensor.expm1
    method = True
    same_shape = True

    def forward(self, x):
        self.saved = y = np.expm1(x)
        return y

    def backward(self, g):
        return g * (self.output(self.saved) + 1.0),


class Log1p(Primitive):
    """log(1 + x), exact for small x; d/dx = 1 / (1 + x)."""
    __slots__ = ()
    function = "log1p"  # autograd.log1p and Tensor.log1p
    method = True
    same_shape = True
    saves_inputs = True

    def forward(self, x):
        return np.log1p(x)

    def backward(self, g):
        return g / (self.inputs()[0] + 1.0),


class Sin(Primitive):
    """Sine; d/dx sin x = cos x."""
    __slots__ = ()
    function = "sin"  # autograd.sin and Tensor.sin
    method = True
    same_shape = True
    saves_inputs = True

    def forward(self, x):
        return np.sin(x)

    def backward(self, g):
        return g * apply1(Cos, self.inputs()[0]),


class Cos(Primitive):
    """Cosine; d/dx cos x = -sin x."""
    __slots__ = ()
    function = "cos"  # autograd.cos and Tensor.cos
    method = True
    same_shape = True
    saves_inputs = True

    def forward(self, x):
        return np.cos(x)

    def backward(self, g):
        return -(g * apply1(Sin, self.inputs()[0])),


class Tanh(Primitive):
    """Hyperbolic tangent; d/dx tanh x = 1 - tanh(x)^2 (from its saved output)."""
    __slots__ = ()
    function = "tanh"  # autograd.tanh and Tensor.tanh
    method = True
    same_shape = True

    def forward(self, x):
        self.saved = y = np.tanh(x)
        return y

    def backward(self, g):
        y = self.output(self.saved)
        return g * (1.0 - y * y),


class Sigmoid(Primitive):
    """1 / (1 + e^-x), computed without overflow for any x."""
    __slots__ = ()
    function = "sigmoid"  # autograd.sigmoid and Tensor.sigmoid
    method = True
    same_shape = True

    def forward(self, x):
        self.saved = y = sigmoid(x)
        return y

    def backward(self, g):
        y = self.output(self.saved)
        return g * (y * (1.0 - y)),


def sigmoid(x):
    """1 / (1 + e^-|x|) for x >= 0, else e^-|x| / (1 + e^-|x|), for an array: 6 passes
    (one division of the chosen numerator), the values of the two divisions' where."""
    z = np.exp(-np.abs(x))
    y = select(np.asarray(x >= 0), z.dtype.type(1), z)    # an array, also for a 0-d x
    y /= 1.0 + z
    return y.astype(x.dtype, copy=False)


class Softplus(Primitive):
    """log(1 + e^x), stable for any x; d/dx = sigmoid(x) (0.5 at 0, as PyTorch: a
    composite of relu and abs would give their kinks' 0 there, and 0 as its second
    derivative)."""
    __slots__ = ()
    function = "softplus"  # autograd.softplus and Tensor.softplus
    method = True
    same_shape = True
    saves_inputs = True

    def forward(self, x):
        # max(x, 0) + log1p(e^-|x|): numpy's SIMD exp and its log1p, 5 passes; (2^20
        # float32: 2.2 ms against 22 ms for np.logaddexp(x, 0), the same formula whose
        # scalar loop calls C's exp and log1p per element: within 3 ulps of it)
        z = np.abs(x, np.empty(x.shape, x.dtype))        # an array, also for a 0-d x
        np.negative(z, z)
        np.exp(z, z)
        np.log1p(z, z)
        return np.add(np.maximum(x, 0), z, z)

    def backward(self, g):
        return g * apply1(Sigmoid, self.inputs()[0]),


_INT_VIEW = {np.dtype(f): np.dtype(i) for f, i in (("f2", "i2"), ("f4", "i4"), ("f8", "i8"))}


class Relu(Primitive):
    """max(x, 0). Saves its output (which the next op usually keeps anyway) rather than
    a mask: one pass and no bool array in forward, the mask made only in backward."""
    __slots__ = ()
    function = "relu"  # autograd.relu and Tensor.relu
    method = True
    floating = False  # an integer input keeps its dtype
    same_shape = True
    reuses_grad_buffer = True

    def forward(self, x, out=None):
        # (0, x): relu(-0) = -0, as PyTorch. out=x: relu(x, inplace=True) (methods._inplace)
        self.saved = y = np.maximum(0, x) if out is None else np.maximum(0, x, out=out)
        return y

    def backward(self, g):
        # Selects, not multiplies (as PyTorch): an inf or NaN gradient where x <= 0 gives
        # 0, not inf * 0 = NaN. The output is 0 where x <= 0, else x or NaN: "!= 0" lets
        # a NaN input pass its gradient, as in PyTorch. The mask is a constant (relu'' = 0).
        ints = _INT_VIEW.get(g.dtype) if isinstance(g, np.ndarray) else None   # traced too
        if ints is not None:
            # First order: the gradient's bits times the bool mask, an integer product
            # (no inf * 0), so a select without np.where / putmask / copyto(where=), which
            # branch per element on a random mask (10x slower at 512 x 1024). Into g's own
            # buffer when the engine says no one else sees it (-4% of an MLP step at
            # B=512, H=1024: one B x H array less to allocate and fill).
            if owns_buffer(g):
                bits = g.view(ints)
                np.multiply(bits, self.saved != 0, out=bits)
                return g,
            return np.multiply(g.view(ints), self.saved != 0).view(g.dtype),
        return apply2(Where, g, g.dtype.type(0), self.saved != 0),


class Sign(Primitive):
    """sign(x): -1, 0 or 1; 0 at ±0 and at NaN (as PyTorch). Its gradient is zeros made
    fresh, with no graph (PyTorch's zeros_like): zeros computed from g would carry g's
    graph into a second derivative and meet an infinite factor there (sign(x) * x at
    x = inf: 0 * inf = NaN)."""
    __slots__ = ()
    same_shape = True

    def forward(self, x):
        s = np.sign(x)
        return np.asarray(np.nan_to_num(s, nan=0.0) if s.dtype.kind == "f" else s)  # (0-d)

    def backward(self, g):
        if isinstance(g, (np.ndarray, np.generic)):     # (a first-order 0-d gradient
            return np.zeros_like(g),                    # may be a numpy scalar)
        return _wrap(np.zeros_like(g.data), None),


class Abs(Primitive):
    """|x|; d/dx = sign(x): 0 at 0, and 0 at NaN (as PyTorch, whose sign(NaN) is 0)."""
    __slots__ = ()
    function = "abs"  # autograd.abs and Tensor.abs
    method = True
    floating = False  # an integer input keeps its dtype
    same_shape = True

    def forward(self, x):
        self.saved = np.nan_to_num(np.sign(x), nan=0.0)
        return np.abs(x)

    def backward(self, g):
        return g * self.saved,


class Maximum(Primitive):
    """Elementwise max; at ties each input gets half the gradient (as PyTorch)."""
    __slots__ = ()

    def forward(self, a, b):
        self.saved = (a, b)
        return np.maximum(a, b)

    def backward(self, g):
        # a gets g, 0 where a loses (selected, as PyTorch: an inf gradient gives 0, not
        # inf * 0), g / 2 at a tie; b the same. A NaN on either side neither loses nor
        # ties, so both get the whole gradient (PyTorch's rule).
        a, b = self.saved
        tie = a == b
        if any_or_tracing(tie):
            g = g * (1.0 - tie * np.asarray(0.5, g.dtype))
        pa, pb = self.parents
        zero = g.dtype.type(0)
        return (apply2(Where, g, zero, ~(a < b)) if pa is not None else None,
                apply2(Where, g, zero, ~(a > b)) if pb is not None else None)


class Minimum(Maximum):
    __slots__ = ()

    def forward(self, a, b):
        self.saved = (b, a)        # min(a, b): Maximum's weights with the inputs swapped
        return np.minimum(a, b)


class Remainder(Primitive):
    """a mod b with the sign of b (Python's %, torch.remainder), exact: fmod(a, b), plus b
    where the two differ in sign (a zero keeps a's sign, as PyTorch's kernel); d/da = 1,
    d/db = -floor(a / b) (PyTorch's floor division: numpy's floor_divide, exact)."""
    __slots__ = ()
    saves_inputs = True
    quotient = staticmethod(np.floor_divide)

    def forward(self, a, b):
        r = np.fmod(a, b)
        return np.where((r != 0) & ((r < 0) != (b < 0)), r + b, r)

    def backward(self, g):
        a, b = self.saved                       # arrays: the quotient is a constant
        return g, (g * -self.quotient(a, b) if self.parents[1] is not None else None)


class Fmod(Remainder):
    """a mod b with the sign of a (C's fmod, torch.fmod); d/da = 1, d/db = -trunc(a / b)."""
    __slots__ = ()

    @staticmethod
    def quotient(a, b):
        return np.trunc(a / b)

    def forward(self, a, b):
        return np.fmod(a, b)


class Where(Primitive):
    """where(cond, a, b); the unselected input gets exact zeros."""
    __slots__ = ("cond",)

    def forward(self, a, b, cond):
        self.cond = cond
        return select(cond, a, b)

    def backward(self, g):
        pa, pb = self.parents
        zero = g.dtype.type(0)
        return (apply2(Where, g, zero, self.cond) if pa is not None else None,
                apply2(Where, g, zero, ~self.cond) if pb is not None else None)


def select(cond, a, b):
    """np.where(cond, a, b). For a large bool cond and float operands of one dtype, in
    integer arithmetic on their bits, (a - b) * cond + b wrapping around: the same bits,
    and no branch per element on a random mask (2^20 float32 4.2 -> 0.5 ms, float64 4.3
    -> 1.7 ms; below 2^16 elements np.where is as fast)."""
    ints = _INT_VIEW.get(getattr(a, "dtype", None))
    if (ints is None or type(cond) is not np.ndarray or cond.dtype != np.bool_
            or cond.size < 1 << 16 or getattr(b, "dtype", None) != a.dtype
            or not isinstance(a, (np.ndarray, np.generic))
            or not isinstance(b, (np.ndarray, np.generic))):
        return np.where(cond, a, b)
    bits = b.view(ints)
    with np.errstate(over="ignore"):
        t = np.subtract(a.view(ints), bits)
        t = np.multiply(t, cond, out=t if t.shape == cond.shape else None)
        t = np.add(t, bits, out=t)
    return t.view(a.dtype)


class Copy(Primitive):
    """A C-contiguous copy (clone, contiguous): the gradient passes unchanged."""
    __slots__ = ()
    same_shape = True

    def forward(self, x):
        return np.array(x, order="C", copy=True)

    def backward(self, g):
        return g,


class Cast(Primitive):
    __slots__ = ()

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, g):
        return apply1(Cast, g, self.parents[0].dtype),
