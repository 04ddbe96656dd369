"""Recording: running an op on Tensors, and the base class of the primitives.

``apply1``/``apply2``/``applyn`` run a primitive's forward and, when an input requires
grad and grad mode is on, record its node and attach it to the output Tensor;
``record`` does the same for a node built by hand. ``Primitive`` is the base of the
ops in ops/ and ops_nn.py: its ``inputs()``/``output()`` give a backward rule what
its op saved, as arrays or as Tensors (see its docstring).

The node types and the buffers' versions live below this module (node.py,
versions.py; it re-exports their names, which nn and viz use as ``graph.X``), the
Tensor type below it too (tensor.py): a rule run under ``create_graph`` makes Tensors.
"""
import numpy as np

from . import versions
from .errors import (AnomalyError, GraphError, IntegerOverflowError, describe,  # noqa: F401
                     user_frame)
from .node import AccumulateGrad, CROSS, Node, RemovableHandle  # noqa: F401  (graph.X)
from .ownership import owns_buffer  # noqa: F401  (the ops' rules: proofs in ownership.py)
from .state import current, is_grad_enabled, peek  # noqa: F401  (is_grad_enabled: public)
from .tensor import Tensor as _Tensor, _wrap, array0d
from .versions import (base_of, keep_originals, mark_all_modified,  # noqa: F401  (graph.X)
                       mark_modified, new_epoch, other_views, register_view)

_ndarray = np.ndarray


class Primitive(Node):
    """A primitive op: ``forward`` (arrays in, array out) and ``backward`` (the output's
    gradient in, one gradient or None per input out) side by side.

    A rule is written once and runs in two modes. In a first-order backward it gets
    and returns bare arrays: no Tensor is made, nothing is recorded, and each numpy
    call costs what it costs in numpy. Under ``create_graph=True`` the same rule gets
    and returns Tensors, so its ops are recorded and give higher-order gradients. So a
    rule uses only what both kinds share (operators, ``.reshape``, ``.T``, ``.mT``,
    indexing), ``apply1``/``apply2`` for any other primitive (they run the bare
    forward on arrays), and ``inputs()``/``output()`` for what its op saved."""

    __slots__ = ()
    # A primitive whose public function is nothing more than its forward on one Tensor
    # names it: functions/elementwise.py makes autograd.<function> (and Tensor.<function> if
    # `method`) with this class's docstring; `floating` computes bool and integer
    # inputs in the default float dtype, as PyTorch. Other ops' public functions are
    # written out and declared with public.public.
    function = None
    method = False
    floating = True

    def output(self, array):
        """The op's output `array` as a backward rule needs it: the array itself in a
        first-order backward, a Tensor attached to this node under create_graph."""
        return _wrap(array, self) if (peek() or current()).grad_enabled else array

    def inputs(self):
        """The inputs saved by apply (``saves_inputs``) as a backward rule needs them:
        the arrays in a first-order backward, under create_graph Tensors attached to the
        inputs' nodes (so the rule's own ops are recorded against them)."""
        saved = self.saved
        if not (peek() or current()).grad_enabled:
            return saved
        return tuple(s if p is None or s is None else _wrap(s, p)
                     for s, p in zip(saved, self.parents))


def _attach_rule(node, out, inputs, rules):
    """Give `node` this thread's override of its op's backward rule (`rules`: op class ->
    rule), if there is one, with the forward's input and output arrays the rule may need."""
    rule = rules.get(type(node))
    if rule is not None:
        meta = node._meta()
        meta["backward"] = rule
        meta["forward"] = (tuple(i.data if isinstance(i, _Tensor) else i for i in inputs), out)


_new = object.__new__


def _stamp(node, data, parents):
    """Fill in a recorded node's structure: its parents and what outlives `saved`."""
    node.parents = parents
    node.shape = data.shape
    node.dtype = data.dtype
    node.scope = current().scope
    node.epoch = versions._epoch
    node.meta = None


def _record(node, out, parents):
    _stamp(node, out, parents)
    return _wrap(out, node)


def record(node, out, parents=()):
    """Record `node` (an instance of a Node subclass) as the op that made the array `out`
    from the nodes `parents` (a tuple; None for an input that needs no gradient), and
    return the output Tensor. This is the supported way to create a node whose forward
    does not run through apply1/apply2, e.g. a communication op whose output arrives
    from another process (nn.parallel's Recv, which has no parents). Set the node's own
    fields and `saved` (``()`` if it keeps nothing) first; the engine calls
    ``node.backward(g)`` with the complete gradient of `out` and sends what it returns,
    one gradient per parent, to `parents`."""
    if not isinstance(node, Node):
        raise GraphError(f"record: expected a Node, got {type(node).__name__}")
    if not hasattr(node, "saved"):
        node.saved = ()
    return _record(node, out, tuple(parents))


def apply1(cls, x, *args):
    """Run op `cls` on Tensor `x` (plus non-tensor args); record it if needed. On an
    array (a first-order backward rule, see Node) it runs the bare forward."""
    node = cls()
    if type(x) is not _Tensor and not isinstance(x, _Tensor):
        return node.forward(x, *args)
    xn = x._node
    xd = x.data
    if type(xd) is not _ndarray:
        _not_an_array(node, xd)
    out = _new(_Tensor)
    out.grad = None
    s = peek() or current()
    if xn is None or not s.grad_enabled:
        data = node.forward(xd, *args)
        out.data = data if type(data) is _ndarray else array0d(data)
        out._node = None
        return out
    node.saved = (xd,) if cls.saves_inputs else ()
    data = node.forward(xd, *args)
    if type(data) is not _ndarray:         # a numpy scalar: a 0-d array (array0d)
        data = array0d(data)
    out.data = data
    if s.debug:
        return _record_debug(node, data, (xn,), (x,))
    node.parents = (xn,)                   # _stamp, inlined: -420 instructions per op
    if cls.same_shape:                     # the input's shape tuple: no new object
        node.shape = xn.shape
        node.dtype = xn.dtype
    else:
        node.shape = data.shape
        node.dtype = data.dtype
    node.scope = s.scope
    node.epoch = versions._epoch
    node.meta = None
    out._node = node
    return out


def apply2(cls, a, b, *args):
    """Run binary op `cls`; `b` may be a Tensor, an ndarray or a Python number. With an
    array `a` (a first-order backward rule) it runs the bare forward."""
    node = cls()
    if type(a) is not _Tensor and not isinstance(a, _Tensor):
        return node.forward(a, b, *args)
    an = a._node
    ad = a.data
    if type(b) is _Tensor or isinstance(b, _Tensor):
        bn = b._node
        bd = b.data
        if type(bd) is not _ndarray:
            _not_an_array(node, bd)
    else:
        bn = None
        bd = b
    if type(ad) is not _ndarray:
        _not_an_array(node, ad)
    out = _new(_Tensor)
    out.grad = None
    s = peek() or current()
    if (an is None and bn is None) or not s.grad_enabled:
        try:
            data = node.forward(ad, bd, *args)
        except OverflowError as e:      # numpy's, for a number beyond an integer dtype
            raise _overflow(cls, e, ad, bd) from None
        out.data = data if type(data) is _ndarray else array0d(data)
        out._node = None
        return out
    node.saved = ()
    data = node.forward(ad, bd, *args)
    if type(data) is not _ndarray:
        data = array0d(data)
    out.data = data
    save = cls.saves_inputs
    if save:
        # CROSS: the gradient of each input needs only the other input (mul, matmul),
        # so keep an input only if the other one needs a gradient.
        node.saved = ((ad if bn is not None else None, bd if an is not None else None)
                      if save is CROSS else (ad, bd))
    if s.debug:
        return _record_debug(node, data, (an, bn), (a, b))
    node.parents = (an, bn)                # _stamp, inlined: -420 instructions per op
    node.shape = data.shape
    node.dtype = data.dtype
    node.scope = s.scope
    node.epoch = versions._epoch
    node.meta = None
    out._node = node
    return out


def _overflow(cls, e, a, b):
    """The error for a number beyond the integer dtype of a binary op's tensor (numpy's
    OverflowError named neither the op nor the tensor)."""
    return IntegerOverflowError(
        f"{cls.__name__}: {e} (operands {describe(a, b)}); convert the tensor to a wider "
        f"integer dtype (x.long()) or bring the number into range")


def applyn(cls, tensors, *args):
    """Run an op over a sequence of Tensors (cat, where's operands, ...)."""
    node = cls()
    arrays = [t.data for t in tensors]
    for a in arrays:
        if type(a) is not _ndarray:
            _not_an_array(node, a)
    node.saved = tuple(arrays) if cls.saves_inputs else ()
    out = node.forward(arrays, *args)
    parents = tuple([t._node for t in tensors])
    s = current()
    if not s.grad_enabled or parents.count(None) == len(parents):
        return _wrap(out, None)
    if s.debug:
        return _record_debug(node, out, parents, tuple(tensors))
    return _record(node, out, parents)


def _not_an_array(node, data):
    """Refuse an input whose .data is a Tensor (apply1/apply2/applyn test `type(data) is
    not ndarray` first: +240 instructions per op on benchmarks/instructions.py op_chain,
    0.8%, where a property on Tensor.data costs 11% of the chain's time). An ndarray
    subclass (ag.compile's traced arrays) passes."""
    if not isinstance(data, _Tensor):
        return
    raise GraphError(
        f"{node.name}: an input's .data is a Tensor ({describe(data.data)}), not a numpy "
        f"array: `t.data = other` on a plain Tensor stores `other` itself (only a Parameter "
        f"takes its array). Assign `t.data = other.data`, or write `with no_grad(): "
        f"t.copy_(other)`")


def _record_debug(node, out, parents, inputs):
    """_record's slow path: attach overridden backward rules; keep the user's line; under
    anomaly mode check the values."""
    tensor = _record(node, out, parents)
    s = current()
    if s.backward_rules:
        _attach_rule(node, out, inputs, s.backward_rules)
        if not (s.lines or s.anomaly):
            return tensor
    line = node._meta()["line"] = user_frame()
    if s.anomaly and out.dtype.kind == "f" and not np.isfinite(out).all():
        raise AnomalyError(
            f"{node.name}: forward produced {_describe_nonfinite(out)} in an output of shape "
            f"{out.shape} ({out.dtype}); inputs: {_input_stats(inputs)} (at {line})")
    return tensor


def _input_stats(items):
    """Summaries of arrays: shape, dtype, min, max, NaN/Inf counts."""
    parts = []
    for item in items:
        arr = item.data if isinstance(item, _Tensor) else item
        if isinstance(arr, np.ndarray) and arr.dtype.kind == "f" and arr.size:
            finite = arr[np.isfinite(arr)]
            rng = (f"min {finite.min():.4g}, max {finite.max():.4g}" if finite.size
                   else "no finite values")
            parts.append(f"{arr.shape} {arr.dtype} [{rng}; {_describe_nonfinite(arr)}]")
        elif isinstance(arr, (int, float)):
            parts.append(repr(arr))
    return "; ".join(parts) if parts else "(none)"


def _describe_nonfinite(arr):
    n_nan = int(np.isnan(arr).sum())
    n_inf = int(np.isinf(arr).sum())
    return f"{n_nan} NaN and {n_inf} Inf values"
