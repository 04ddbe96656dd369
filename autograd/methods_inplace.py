"""PyTorch's in-place forms of the elementwise ops (``x.exp_()``, ``x.atan2_(y)``,
``x.eq_(0)``, ...) and its random fills (``x.uniform_()``, ``x.normal_()``, ...).

Each in-place form is one row of a table: its name and the out-of-place op it writes
back (methods._inplace does the writing and its checks: a leaf that requires grad, a
buffer shared with the graph, the version check of what an older graph saved). The
result must fit self's dtype as in PyTorch (same kind: an int tensor's sqrt_ raises),
but for the comparisons and logical ops, whose True/False is written as 1/0 in self's
dtype. The random fills draw from autograd's default generator (``manual_seed``; under
ag.compile its draws are redrawn on each replay) or a ``generator=``, in float64 cast
to self's dtype, as nn.init's.
"""
import functools
import inspect

import numpy as np

from . import (composites, einsum, extras, functions as F, methods_more,  # noqa: F401
               products, scans, special, views)                                # (their ops)
from .creation import default_generator
from .errors import ArgumentError, DtypeError, GraphError
from .graph import AccumulateGrad
from .graph import _wrap
from .methods import _inplace
from .public import FUNCTIONS, METHODS, public
from .state import current
from .tensor import Tensor

# The in-place forms x.NAME_(...) = NAME(x, ...) ...
_MATH = """abs neg exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square reciprocal sin cos
    tan asin acos atan sinh cosh tanh asinh acosh atanh arcsin arccos arctan arcsinh arccosh
    arctanh sigmoid relu floor ceil round trunc frac sign sgn erf erfc erfinv logit nan_to_num
    deg2rad rad2deg sinc atan2 arctan2 hypot copysign lerp xlogy heaviside addmm baddbmm
    cumsum cumprod renorm lgamma digamma polygamma mvlgamma i0 igamma igammac""".split()
# ... and of the other ops with one (their arguments are not all self-shaped floats)
_MORE = """addcmul addcdiv addmv addr addbmm ldexp nextafter masked_scatter gcd lcm
    bitwise_left_shift bitwise_right_shift""".split()
# ... whose bool result is written as 1/0 in self's dtype, with a zero gradient
_TESTS = "eq ne lt le gt ge logical_and logical_or logical_xor logical_not".split()
# ... and PyTorch's other names for some of them
_ALIASES = {"absolute_": "abs", "negative_": "neg", "fix_": "trunc", "clip_": "clamp",
            "multiply_": "mul", "subtract_": "sub", "divide_": "div", "true_divide_": "div",
            "not_equal_": "ne", "less_": "lt", "less_equal_": "le", "greater_": "gt",
            "greater_equal_": "ge"}
_BITWISE = {"bitwise_and_": lambda a, b: a & b, "bitwise_or_": lambda a, b: a | b,
            "bitwise_xor_": lambda a, b: a ^ b, "bitwise_not_": lambda a: ~a}


def _form(name, fn, test):
    if test:      # where(False, old, new): the old values get an exact zero gradient
        def compute(x, args, kwargs):
            return F.where(False, x, _wrap(fn(x, *args, **kwargs).data, None))
    else:
        def compute(x, args, kwargs):
            return fn(x, *args, **kwargs)

    @functools.wraps(fn)                   # fn's signature, for the stubs
    def method(self, *args, **kwargs):
        return _inplace(self, name, lambda: compute(self._alias(), args, kwargs),
                        "unsafe" if test else "same_kind")
    method.__name__ = method.__qualname__ = name
    method.__module__ = __name__
    method.__signature__ = _as_method(fn)
    what = fn.__name__ if fn.__name__ != "<lambda>" else name[:-1]
    call = ", ".join(p.name for p in method.__signature__.parameters.values())
    method.__doc__ = (f"In place: self = {what}({call}), written in self's dtype "
                      + ("as 1 or 0 (no gradient flows through)." if test else
                         "(an error if the result's dtype cannot be cast to it, as PyTorch's; "
                         "see ``Tensor.add_`` for the other checks)."))
    method.__annotations__ = {**getattr(fn, "__annotations__", {}), "return": Tensor}
    del method.__wrapped__                 # help() and the stubs show self, not fn's input
    public(method, function=False, method=True)


def _as_method(fn):
    """fn's signature with its first parameter named self."""
    sig = inspect.signature(fn)
    first, *rest = sig.parameters.values()
    return sig.replace(parameters=[first.replace(name="self"), *rest],
                       return_annotation=Tensor)


for _name in _MATH + _MORE:
    _form(_name + "_", METHODS.get(_name, FUNCTIONS[_name]), False)    # x.polygamma_(n)
for _name in _TESTS:
    _form(_name + "_", FUNCTIONS[_name], True)
for _name, _op in _ALIASES.items():
    _form(_name, FUNCTIONS[_op], _op in _TESTS)
for _name, _fn in _BITWISE.items():
    _form(_name, _fn, False)


# --- shape changes ------------------------------------------------------------------------
# x.NAME_(...) makes x the view NAME(x, ...): x takes the view's array and node, the values
# are not written (so no version check fires), as PyTorch's in-place shape changes
_SHAPES = "squeeze unsqueeze t transpose swapdims swapaxes as_strided".split()


def _shape_form(name, fn):
    @functools.wraps(fn)
    def method(self, *args, **kwargs):
        node = self._node
        if node is not None and type(node) is not AccumulateGrad and not current().grad_enabled:
            raise GraphError(f"{name}: this tensor of shape {self.data.shape} is part of a "
                             f"graph, and its shape cannot change in place under no_grad "
                             f"(the graph would see the new shape); use x = x.{name[:-1]}(...)")
        if current().grad_enabled and type(node) is AccumulateGrad:
            raise GraphError(f"{name}: a leaf tensor that requires grad (shape "
                             f"{self.data.shape}) cannot change its shape in place outside "
                             f"`with no_grad():`, as in PyTorch; use x = x.{name[:-1]}(...)")
        view = fn(self._alias(), *args, **kwargs)
        views.reshaped(self, view)
        self.data = view.data
        if view._node is not None:
            self._node = view._node
        return self
    method.__name__ = method.__qualname__ = name
    method.__module__ = __name__
    method.__doc__ = (f"In place: self becomes ``{name[:-1]}(self, ...)``, a view of the same "
                      f"memory with the new shape, as PyTorch's (refused on a leaf that "
                      f"requires grad outside no_grad).")
    del method.__wrapped__
    method.__signature__ = _as_method(fn)
    method.__annotations__ = {"return": Tensor}
    public(method, function=False, method=True)


for _name in _SHAPES:
    _shape_form(_name + "_", FUNCTIONS[_name] if _name in FUNCTIONS else METHODS[_name])
public(METHODS["as_strided_"])                   # torch.as_strided_ too


# --- random fills -------------------------------------------------------------------------
_KINDS = {"f": "floating-point", "fiu": "integer or floating-point",
          "fiub": "bool, integer or floating-point"}


def _fill(name, kinds="f"):
    """Make the in-place fill `name` from `draw(rng, shape, dtype, *args)` (which checks its
    arguments and returns the values): refused on a leaf that requires grad outside
    no_grad, on a dtype the fill does not take (as PyTorch's), the values cast to self's
    dtype; the old values get an exact zero gradient."""
    def make(draw):
        def method(self, *args, generator=None, **kwargs):
            dt = self.data.dtype
            if dt.kind not in kinds:
                raise DtypeError(f"{name}: not defined for a tensor of dtype {dt} (shape "
                                 f"{self.data.shape}); it takes {_KINDS[kinds]} tensors, "
                                 f"as PyTorch's")
            rng = default_generator() if generator is None else generator
            return _inplace(self, name, lambda: F.where(False, self._alias(), _wrap(
                np.asarray(draw(rng, self.data.shape, dt, *args, **kwargs)).astype(dt), None)),
                "unsafe")
        sig = inspect.signature(draw)
        params = list(sig.parameters.values())[3:]
        method.__signature__ = sig.replace(parameters=[
            inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *params,
            inspect.Parameter("generator", inspect.Parameter.KEYWORD_ONLY, default=None)],
            return_annotation=Tensor)
        method.__name__ = method.__qualname__ = name
        method.__doc__ = draw.__doc__ + (" In place, from autograd's default generator or "
                                         "`generator`; returns self.")
        method.__annotations__ = {"return": Tensor}
        return public(method, function=False, method=True)
    return make


def _need(ok, name, message):
    if not ok:
        raise ArgumentError(f"{name}: {message}")


@_fill("uniform_")
def uniform_(rng, shape, dtype, from_=0.0, to=1.0):
    """Fill with values drawn uniformly from [from_, to)."""
    _need(from_ <= to, "uniform_", f"expects a [from, to) range, but found from={from_} > to={to}")
    values = (from_ + (to - from_) * rng.random(shape)).astype(dtype)
    # the cast to float32 can round a draw up to `to`
    return np.minimum(values, np.nextafter(dtype.type(to), dtype.type(from_))) if from_ < to \
        else values


@_fill("normal_")
def normal_(rng, shape, dtype, mean=0.0, std=1.0):
    """Fill with values drawn from N(mean, std^2)."""
    _need(std >= 0, "normal_", f"expects std >= 0.0, but found std={std}")
    return rng.normal(mean, std, shape)


@_fill("log_normal_")
def log_normal_(rng, shape, dtype, mean=1.0, std=2.0):
    """Fill with exp(N(mean, std^2)) draws."""
    _need(std > 0, "log_normal_", f"expects std > 0.0, but found std={std}")
    return rng.lognormal(mean, std, shape)


@_fill("exponential_")
def exponential_(rng, shape, dtype, lambd=1.0):
    """Fill with draws from the exponential distribution of rate `lambd` (mean 1/lambd)."""
    _need(lambd > 0, "exponential_", f"expects lambda > 0.0, but found lambda={lambd}")
    return rng.exponential(1.0 / lambd, shape)


@_fill("cauchy_")
def cauchy_(rng, shape, dtype, median=0.0, sigma=1.0):
    """Fill with draws from the Cauchy distribution median + sigma * tan(pi * (U - 1/2))."""
    _need(sigma > 0, "cauchy_", f"expects sigma > 0.0, but found sigma={sigma}")
    return median + sigma * rng.standard_cauchy(shape)


@_fill("geometric_", "fiu")
def geometric_(rng, shape, dtype, p):
    """Fill with the number of Bernoulli(p) trials up to the first success (1, 2, ...)."""
    _need(0 < p < 1, "geometric_", f"expects p to be in (0, 1), but got p={p}")
    return rng.geometric(p, shape)


@_fill("bernoulli_", "fiub")
def bernoulli_(rng, shape, dtype, p=0.5):
    """Fill with 1 with probability `p` (a number or a tensor broadcast to self) and 0
    otherwise."""
    p = np.asarray(p.data if isinstance(p, Tensor) else p, np.float64)
    _need(bool(np.all((p >= 0) & (p <= 1))), "bernoulli_",
          f"expects p to be in [0, 1], but got p={p if p.ndim == 0 else 'a tensor'}")
    return rng.random(shape) < p


class _Unset:
    """random_'s default `to`: random_(to) and random_(from_, None) are told apart by it."""
    def __repr__(self):
        return "..."


_TO = _Unset()


@_fill("random_", "fiub")
def random_(rng, shape, dtype, from_=None, to=_TO):
    """Fill with integers drawn uniformly: random_() from [0, 2^mantissa] for a float
    dtype and [0, max] for an integer one, random_(to) from [0, to), random_(from_, to)
    from [from_, to) (to=None: up to the dtype's top, included)."""
    top = 2 ** np.finfo(dtype).nmant if dtype.kind == "f" else 1 if dtype.kind == "b" else \
        int(np.iinfo(dtype).max)
    if to is _TO:
        low, high = (0, top + 1) if from_ is None else (0, from_)
    else:
        low, high = (0 if from_ is None else from_), (top + 1 if to is None else to)
    _need(low < high, "random_", f"expects 'from' to be less than 'to', but got from={low} "
                                 f">= to={high}")
    return rng.integers(low, high - 1, shape, endpoint=True)
