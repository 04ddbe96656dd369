"""numpy's dispatch protocols for Tensor: numpy code differentiates as written.

``np.exp(t)``, ``np.dot(t, w)``, ``np.sum(t, axis=0)``, ``arr * t``... on Tensors call
gradgraph's own ops (``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` land
here), so they record into the graph and return Tensors. Three kinds of numpy function:

- those with a gradgraph counterpart (the tables ``UFUNCS`` here and
  ``numpy_functions.FUNCTIONS``): recorded, with gradients of any order;
- those whose result carries no gradient (shapes, indices, comparisons, predicates):
  run on the data, so they work on any tensor;
- all others: on tensors that do not require grad they run on the data and return what
  numpy returns; given a tensor that requires grad they raise ``NotDifferentiableError``
  naming the function, never a silently detached result.

``out=`` writes follow gradgraph's in-place rules (as ``t.copy_(result)``: refused for
a leaf that requires grad, version-checked at backward); an ndarray ``out`` cannot take
a result that requires grad.
"""

import numpy as np

from . import functions as F
from . import graph
from . import numpy_functions as NF
from . import numpy_array_api, numpy_shapes  # noqa: F401  (they register their functions)
from .errors import ArgumentError, NotDifferentiableError, describe
from .graph import _wrap
from .methods import _inplace
from .numpy_functions import Unsupported, _zero_gradient  # noqa: F401  (Unsupported: public)
from .tensor import Tensor

__all__ = ["array_ufunc", "array_function", "UFUNCS", "NO_GRADIENT_UFUNCS"]


def _name(func):
    module = getattr(func, "__module__", None) or "numpy"
    return f"{module}.{func.__name__}" if module.startswith("numpy") else f"numpy.{func.__name__}"


def _tensors(obj):
    """The Tensors in `obj`, looking into lists and tuples (np.concatenate's argument)."""
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _tensors(item)


def _data(obj):
    """`obj` with every Tensor replaced by its array (lists and tuples looked into)."""
    if isinstance(obj, Tensor):
        return obj.data
    if isinstance(obj, (list, tuple)) and any(True for _ in _tensors(obj)):
        return type(obj)(_data(item) for item in obj)
    return obj


def refuse(name, args, why="gradgraph has no gradient for it"):
    """Raise NotDifferentiableError for numpy function `name` called on `args`."""
    ts = [t for t in _tensors(list(args)) if t._node is not None]
    got = describe(*[t.data for t in ts]) if ts else "tensors"
    raise NotDifferentiableError(
        f"{name}: cannot differentiate this numpy function ({why}); it was called on a "
        f"tensor that requires grad ({got}), so its result would silently lose the "
        f"gradient. Call it on t.detach() if no gradient should flow, or write it with "
        f"gradgraph's ops (or a custom autograd.Function)")


def run_on_data(fn, name, args, kwargs, needs_grad_free=True,
                why="gradgraph has no gradient for it"):
    """Run numpy's own `fn` on the tensors' arrays. With `needs_grad_free`, refuse if a
    tensor requires grad (the result could not carry its gradient)."""
    if needs_grad_free and any(t._node is not None
                               for t in _tensors(list(args) + list(kwargs.values()))):
        refuse(name, list(args) + list(kwargs.values()), why)
    out = kwargs.get("out")
    result = fn(*_data(list(args)), **{k: _data(v) for k, v in kwargs.items()})
    for t in _tensors(out):
        graph.mark_modified(t.data, f"{name}(out=...)")
    if isinstance(out, Tensor):
        return out
    if isinstance(out, tuple) and len(out) == 1 and isinstance(out[0], Tensor):
        return out[0]
    return result


def write_out(name, out, compute):
    """Write `compute()`'s result into `out` (a Tensor: gradgraph's in-place rules; an
    ndarray: only a result that needs no gradient) and return `out`."""
    if isinstance(out, tuple):
        if len(out) != 1:
            raise ArgumentError(f"{name}: expected one out= array, got {len(out)}")
        out = out[0]
    if isinstance(out, Tensor):
        return _inplace(out, f"{name}(out=...)", compute)
    result = compute()
    if isinstance(result, Tensor):
        if result._node is not None:
            raise NotDifferentiableError(
                f"{name}: out= is a numpy array (shape {np.shape(out)}), which cannot hold a "
                f"result that requires grad ({describe(result.data)}); pass a Tensor as out=, "
                f"or drop out=")
        result = result.data
    np.copyto(out, result, casting="same_kind")
    return out


# --- ufuncs -------------------------------------------------------------------------------
def _operator(method, reflected):
    """np.add(a, b) as `a + b` (or `b.__radd__(a)`): the operators' dtype rules exactly."""
    def fn(a, b):
        if isinstance(a, Tensor):
            return getattr(Tensor, method)(a, b)
        return getattr(Tensor, reflected)(b, a)
    return fn


def _no_gradient(ufunc):
    """A comparison or predicate: a bool Tensor without gradient, as gradgraph's own."""
    def fn(*args):
        return _wrap(np.asarray(ufunc(*[_data(a) for a in args])), None)
    return fn


def _heaviside(x, values):
    """np.heaviside(x, values): values, a number or an array, taken in x's dtype."""
    x = F._t(x, values if isinstance(values, Tensor) else None)
    if not isinstance(values, Tensor) or values.data.dtype != x.data.dtype:
        values = F._t(values, x).to(x.data.dtype)
    return F.heaviside(x, values)


def _positive(x):
    return x.clone()


UFUNCS = {
    np.add: _operator("__add__", "__radd__"),
    np.subtract: _operator("__sub__", "__rsub__"),
    np.multiply: _operator("__mul__", "__rmul__"),
    np.true_divide: _operator("__truediv__", "__rtruediv__"),
    np.power: _operator("__pow__", "__rpow__"),
    np.matmul: _operator("__matmul__", "__rmatmul__"),
    np.floor_divide: _operator("__floordiv__", "__rfloordiv__"),
    np.fmod: F.fmod,
    np.maximum: F.maximum,
    np.minimum: F.minimum,
    np.logaddexp: F.logaddexp,
    np.logaddexp2: F.logaddexp2,
    np.arctan2: F.atan2,
    np.hypot: F.hypot,
    np.copysign: F.copysign,
    np.fmax: F.fmax,
    np.fmin: F.fmin,
    np.heaviside: _heaviside,
    np.vecdot: lambda a, b: UFUNCS[np.multiply](a, b).sum(-1),
    np.negative: lambda x: -x,
    np.positive: _positive,
    np.conjugate: _positive,           # real tensors: a copy
    np.exp: F.exp,
    np.exp2: F.exp2,
    np.log: F.log,
    np.log1p: F.log1p,
    np.expm1: F.expm1,
    np.log2: F.log2,
    np.log10: F.log10,
    np.sqrt: F.sqrt,
    np.square: F.square,
    np.reciprocal: F.reciprocal,
    np.sin: F.sin,
    np.cos: F.cos,
    np.tan: F.tan,
    np.arcsin: F.asin,
    np.arccos: F.acos,
    np.arctan: F.atan,
    np.sinh: F.sinh,
    np.cosh: F.cosh,
    np.arcsinh: F.asinh,
    np.arccosh: F.acosh,
    np.arctanh: F.atanh,
    np.deg2rad: F.deg2rad,
    np.radians: F.deg2rad,
    np.rad2deg: F.rad2deg,
    np.degrees: F.rad2deg,
    np.tanh: F.tanh,
    np.absolute: F.abs,
    np.fabs: F.abs,
    np.sign: _zero_gradient(np.sign),  # numpy's values (sign(NaN) is NaN), gradient zero
    np.floor: _zero_gradient(np.floor),
    np.ceil: _zero_gradient(np.ceil),
    np.trunc: _zero_gradient(np.trunc),
    np.rint: _zero_gradient(np.rint),
}
NO_GRADIENT_UFUNCS = (np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
                      np.not_equal, np.isnan, np.isinf, np.isfinite, np.signbit,
                      np.logical_and, np.logical_or, np.logical_xor, np.logical_not)
UFUNCS.update((u, _no_gradient(u)) for u in NO_GRADIENT_UFUNCS)

_REDUCE = {np.add: "sum", np.maximum: "amax", np.minimum: "amin"}
_NO_VALUE = np._NoValue
_METHOD_ARGS = {"reduce": ("axis", "keepdims", "initial"), "accumulate": ("axis",),
                "outer": ()}


def _ufunc_method(ufunc, method, inputs, kw):
    """ufunc.reduce / .accumulate / .outer for the ufuncs that map onto gradgraph ops,
    or None."""
    if method == "reduce" and ufunc in _REDUCE:
        x, = inputs
        axis = kw.get("axis", 0)
        fn = {np.add: NF.np_sum, np.maximum: NF.np_amax, np.minimum: NF.np_amin}[ufunc]
        return fn(x, axis, keepdims=kw.get("keepdims", False),
                  initial=kw.get("initial", _NO_VALUE))
    if method == "accumulate" and ufunc is np.add:
        x, = inputs
        return NF.np_cumsum(x, kw.get("axis", 0))
    if method == "outer" and ufunc in UFUNCS and ufunc.nin == 2 and ufunc is not np.matmul:
        a, b = inputs
        nb = np.ndim(b.data if isinstance(b, Tensor) else b)
        a = a.reshape(a.shape + (1,) * nb) if isinstance(a, Tensor) else \
            np.reshape(a, np.shape(a) + (1,) * nb)
        return UFUNCS[ufunc](a, b)
    return None


def _defaults_only(kwargs, allowed=()):
    """True if every keyword is one gradgraph implements (`allowed`) or numpy's default."""
    return all(k in allowed or k == "casting" and v == "same_kind" or
               k == "order" and v in ("K", "C") or k == "subok" and v is True or
               k == "where" and v is True or k == "dtype" and v is None
               for k, v in kwargs.items())


def array_ufunc(ufunc, method, inputs, kwargs):
    """Tensor.__array_ufunc__: run `ufunc` (or its `method`) with gradgraph's ops.

    >>> import autograd as ag
    >>> x = ag.tensor([1.0, 2.0], requires_grad=True)
    >>> np.exp(x) * np.ones(2)
    tensor([2.7183, 7.3891], dtype=float64, grad_fn=<MulBackward>)
    >>> np.add.reduce(x)
    tensor(3., grad_fn=<SumBackward>)
    """
    name = _name(ufunc) + ("" if method == "__call__" else f".{method}")
    out = kwargs.get("out")
    result = None
    if method == "__call__":
        impl = UFUNCS.get(ufunc)
        dtype = kwargs.get("dtype")
        if impl is not None and _defaults_only(kwargs, ("out", "dtype")):
            def compute():
                r = impl(*inputs)
                return r.to(dtype) if dtype is not None and isinstance(r, Tensor) else r
            return compute() if out is None else write_out(name, out, compute)
    elif out is None and _defaults_only(kwargs, _METHOD_ARGS.get(method, ())):
        result = _ufunc_method(ufunc, method, inputs, kwargs)
    if result is not None:
        return result
    why = "gradgraph has no gradient for it"
    if (ufunc in UFUNCS and method == "__call__") or (method != "__call__" and result is None
                                                      and _ufunc_method_known(ufunc, method)):
        given = sorted(k for k in kwargs if k != "out" or method != "__call__")
        why = f"the arguments {given} are not implemented"
    return run_on_data(getattr(ufunc, method), name, inputs, kwargs, why=why)


def _ufunc_method_known(ufunc, method):
    return (method == "reduce" and ufunc in _REDUCE or method == "accumulate" and ufunc is np.add
            or method == "outer" and ufunc in UFUNCS and ufunc.nin == 2)


def array_function(func, types, args, kwargs):
    """Tensor.__array_function__: run numpy function `func` with gradgraph's ops.

    >>> import autograd as ag
    >>> x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> np.dot(x[0], x[0]), np.sum(x, axis=0)
    (tensor(5., grad_fn=<ReshapeBackward>), tensor([4., 6.], grad_fn=<SumBackward>))
    >>> np.ptp(x)
    Traceback (most recent call last):
    ...
    autograd.errors.NotDifferentiableError: numpy.ptp: cannot differentiate this numpy ...
    >>> float(np.ptp(x.detach()))
    3.0
    """
    name = _name(func)
    impl = NF.FUNCTIONS.get(func)
    if impl is not None:
        out = kwargs.get("out")
        kw = {k: v for k, v in kwargs.items() if k != "out"}
        try:
            if out is None:
                return impl(*args, **kw)
            return write_out(name, out, lambda: impl(*args, **kw))
        except Unsupported as e:
            return run_on_data(func, name, args, kwargs, why=str(e))
    if func in NF.NO_GRADIENT:
        return run_on_data(func, name, args, kwargs, needs_grad_free=False)
    return run_on_data(func, name, args, kwargs)


def _tensor_array_ufunc(self, ufunc, method, *inputs, **kwargs):
    return array_ufunc(ufunc, method, inputs, kwargs)


def _tensor_array_function(self, func, types, args, kwargs):
    return array_function(func, types, args, kwargs)


# numpy calls on Tensors record: numpy looks these up on the class of its arguments.
Tensor.__array_ufunc__ = _tensor_array_ufunc
Tensor.__array_function__ = _tensor_array_function
