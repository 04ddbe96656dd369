"""Graph nodes, grad mode and the recording of ops.

A ``Node`` is one recorded op. It holds its parents' nodes (never its own output
tensor, so graphs are freed by reference counting alone), whatever its op saved for
backward in ``saved`` (set to None once backward has used it), and a little
structure that outlives it for pictures and error messages: output ``shape``/``dtype``,
module ``scope`` and the in-place ``epoch`` it was created in. A leaf that requires
grad owns an ``AccumulateGrad`` node that points back to it weakly.
"""
import itertools
import os
import sys
import threading
import weakref

import numpy as np

from .errors import GraphError
from .ownership import owns_buffer  # noqa: F401  (the ops' rules: proofs in ownership.py)
from .state import current, is_grad_enabled, peek  # noqa: F401  (is_grad_enabled: public)

# The switches (grad mode, scope, anomaly, ...) are per thread, in state.py. What stays
# here is process-wide on purpose: facts about buffers, which every thread shares.
_epoch = 0               # bumped by every in-place write; see check_versions()
_modified = {}           # id(base buffer) -> (epoch, op name) of the last in-place write
_epoch_lock = threading.Lock()


def base_of(array):
    """The array that owns the memory `array` views (numpy collapses view chains)."""
    base = array.base
    return array if base is None or not isinstance(base, np.ndarray) else base


def mark_modified(array, op="an in-place op"):
    """Record an in-place write to `array` (and so to every view of its buffer)."""
    global _epoch
    with _epoch_lock:                    # threads may write buffers at the same time
        _epoch += 1
        _modified[id(base_of(array))] = (_epoch, op)


def mark_all_modified(arrays, op="an in-place op"):
    """mark_modified for several arrays written together (an optimizer step)."""
    global _epoch
    with _epoch_lock:
        _epoch += 1
        stamp = (_epoch, op)
        for array in arrays:
            _modified[id(base_of(array))] = stamp


def new_epoch():
    """Start a new epoch without a write: the nodes recorded from now on carry it (an
    in-place op tells the nodes it makes from older ones, see keep_originals)."""
    global _epoch
    with _epoch_lock:
        _epoch += 1
        return _epoch


def keep_originals(node, array, epoch):
    """Before `array` is overwritten in place: nodes of `epoch` reachable from `node` (the
    ones the in-place op just recorded) that saved `array`'s buffer get a copy instead."""
    base = base_of(array)
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if n is None or n.epoch != epoch or id(n) in seen:
            continue
        seen.add(id(n))
        stack.extend(n.parents)
        saved = n.saved
        if type(saved) is tuple:
            if any(type(a) is np.ndarray and base_of(a) is base for a in saved):
                n.saved = tuple(a.copy() if type(a) is np.ndarray and base_of(a) is base else a
                                for a in saved)
        elif type(saved) is np.ndarray and base_of(saved) is base:
            n.saved = saved.copy()


_views = {}              # id(base buffer) -> WeakSet of live graph tensors viewing it
_views_limit = [4096]


def register_view(t):
    """Note that Tensor `t` (made by a recorded view op) sees another array's memory."""
    arr = t.data
    if isinstance(arr, np.ndarray) and arr.base is not None:
        key = id(base_of(arr))
        views = _views.get(key)
        if views is None:
            if len(_views) > _views_limit[0]:     # forget buffers whose views all died;
                for k, v in list(_views.items()):   # a snapshot: other threads add
                    if not v:
                        _views.pop(k, None)
                _views_limit[0] = max(4096, 2 * len(_views))   # amortised O(1) per view
            views = _views[key] = weakref.WeakSet()
        views.add(t)


def other_views(arr, tensor):
    """The live graph tensors other than `tensor` that view `arr`'s buffer."""
    views = _views.get(id(base_of(arr))) if isinstance(arr, np.ndarray) else None
    return [v for v in views if v is not tensor] if views else []


def _attach_rule(node, out, inputs, rules):
    """Give `node` this thread's override of its op's backward rule (`rules`: op class ->
    rule), if there is one, with the forward's input and output arrays the rule may need."""
    rule = rules.get(type(node))
    if rule is not None:
        meta = node._meta()
        meta["backward"] = rule
        meta["forward"] = (tuple(i.data if isinstance(i, _Tensor) else i for i in inputs), out)


def user_frame():
    """'file.py:LINE' of the innermost caller outside gradgraph's own packages."""
    f = sys._getframe(1)
    while f is not None:
        name = f.f_code.co_filename
        own = _own_files.get(name)
        if own is None:
            own = _own_files[name] = os.path.realpath(name).startswith(_OWN_DIRS)
        if not own:
            return f"{os.path.basename(name)}:{f.f_lineno}"
        f = f.f_back
    return "?"


# gradgraph's own packages by their real directories (autograd and its siblings nn and
# viz), not by names in a path: a user's folder called nn/ holds user code.
_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
_OWN_DIRS = tuple(os.path.join(_ROOT, package) + os.sep for package in ("autograd", "nn", "viz"))
_own_files = {}          # co_filename -> whether it is in _OWN_DIRS


class Node:
    """One recorded op: subclasses define ``forward`` (arrays in, array out) and
    ``backward`` (the output's gradient in, one gradient or None per input out).

    A rule is written once and runs in two modes. In a first-order backward it gets
    and returns bare arrays: no Tensor is made, nothing is recorded, and each numpy
    call costs what it costs in numpy. Under ``create_graph=True`` the same rule gets
    and returns Tensors, so its ops are recorded and give higher-order gradients. So a
    rule uses only what both kinds share (operators, ``.reshape``, ``.T``, ``.mT``,
    indexing), ``apply1``/``apply2`` for any other primitive (they run the bare
    forward on arrays), and ``inputs()``/``output()`` for what its op saved."""

    __slots__ = ("parents", "saved", "shape", "dtype", "scope", "epoch", "meta", "grad_stats")
    # `grad_stats` is left unset (free to record) until gradient-flow recording writes a
    # few numbers about the gradient that reached the node; read it with getattr(n, ..., None).
    # What apply() keeps in `saved`: False nothing (forward may set it), True the input
    # arrays, CROSS (binary ops) each input only if the other one needs a gradient.
    saves_inputs = False
    # False for nodes whose backward takes and returns Tensors in every mode (custom
    # Functions): the engine wraps and unwraps around them in a first-order backward.
    arrays = True
    # True for ops whose backward may write into its gradient's buffer (owns_buffer).
    reuses_grad_buffer = False
    # True for one-input ops whose output has the input's shape and dtype, and whose
    # rule returns a gradient of the output's: the engine skips its shape/dtype check
    # (test_op_gradients checks the claim for every such op).
    same_shape = False
    # True for ops that read chosen elements of their input (getitem, the class pick of
    # nll_loss): their backward is sparse, so an input read only by such ops gets a
    # gradient that is mostly zero by design (the gradient-flow picture uses this).
    indexing = False

    @property
    def name(self):
        return type(self).__name__

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

    @property
    def next_functions(self):
        return tuple((p, 0) for p in self.parents)

    def check_versions(self):
        """Raise if a buffer this node saved was written in place after it was saved."""
        saved = self.saved
        if saved is None:
            return
        items = saved if isinstance(saved, tuple) else (saved,)
        for item in items:
            arr = item.data if isinstance(item, _Tensor) else item
            if isinstance(arr, np.ndarray):
                when, op = _modified.get(id(base_of(arr)), (-1, None))
                if when > self.epoch:
                    raise GraphError(
                        f"{self.name}: a tensor of shape {arr.shape} ({arr.dtype}) that this op "
                        f"saved for backward was modified by {op} after it was saved (saved at "
                        f"version {self.epoch}, modified at version {when}){self._created()}. "
                        f"Use an out-of-place op (e.g. `x = x * 2` instead of `x *= 2`), or "
                        f".clone() the tensor before modifying it.")

    def _created(self):
        meta = self.meta
        line = meta.get("line") if meta else None
        if line:
            return f"; the {self.name} op was created at {line}"
        return ("; call autograd.record_creation_lines() (or use detect_anomaly()) to see the "
                "line that created the op")

    def register_hook(self, fn):
        hooks = self._meta().setdefault("hooks", {})
        handle = RemovableHandle(hooks)
        hooks[handle.id] = fn
        return handle

    def _meta(self):
        if self.meta is None:
            self.meta = {}
        return self.meta

    def __repr__(self):
        return f"<{self.name}Backward>"


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: backward adds into ``leaf.grad``."""

    __slots__ = ("leaf",)

    def __init__(self, tensor):
        self.parents = ()
        self.saved = ()
        self.shape = tensor.data.shape
        self.dtype = tensor.data.dtype
        self.scope = None
        self.epoch = 0
        self.meta = None
        self.leaf = weakref.ref(tensor)

    def check_versions(self):
        pass

    def __repr__(self):
        return "<AccumulateGrad>"


class RemovableHandle:
    """Returned by ``register_hook``: ``handle.remove()`` unregisters the hook."""

    _ids = itertools.count(1)            # next() is atomic: ids stay unique across threads

    def __init__(self, hooks):
        self.hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


CROSS = "cross"

# --- recording -----------------------------------------------------------------------
# The Tensor class is bound here by tensor.py at import time (no import cycle).
_Tensor = None
_new = object.__new__


def _wrap(data, node):
    t = _new(_Tensor)
    t.data = data
    t.grad = None
    t._node = node
    return t


def _stamp(node, data, parents):
    """Fill in a recorded node's structure: its parents and what outlives `saved`."""
    node.parents = parents
    node.shape = data.shape
    node.dtype = data.dtype
    node.scope = current().scope
    node.epoch = _epoch
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
    out = _new(_Tensor)
    out.grad = None
    s = peek() or current()
    if xn is None or not s.grad_enabled:
        out.data = node.forward(x.data, *args)
        out._node = None
        return out
    node.saved = (x.data,) if cls.saves_inputs else ()
    out.data = data = node.forward(x.data, *args)
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
    node.epoch = _epoch
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
    if type(b) is _Tensor or isinstance(b, _Tensor):
        bn = b._node
        bd = b.data
    else:
        bn = None
        bd = b
    out = _new(_Tensor)
    out.grad = None
    s = peek() or current()
    if (an is None and bn is None) or not s.grad_enabled:
        out.data = node.forward(a.data, bd, *args)
        out._node = None
        return out
    node.saved = ()
    out.data = data = node.forward(a.data, bd, *args)
    save = cls.saves_inputs
    if save:
        # CROSS: the gradient of each input needs only the other input (mul, matmul),
        # so keep an input only if the other one needs a gradient.
        node.saved = ((a.data if bn is not None else None, bd if an is not None else None)
                      if save is CROSS else (a.data, bd))
    if s.debug:
        return _record_debug(node, data, (an, bn), (a, b))
    node.parents = (an, bn)                # _stamp, inlined: -420 instructions per op
    node.shape = data.shape
    node.dtype = data.dtype
    node.scope = s.scope
    node.epoch = _epoch
    node.meta = None
    out._node = node
    return out


def applyn(cls, tensors, *args):
    """Run an op over a sequence of Tensors (cat, where's operands, ...)."""
    node = cls()
    arrays = [t.data for t in tensors]
    node.saved = tuple(arrays) if cls.saves_inputs else ()
    out = node.forward(arrays, *args)
    parents = tuple([t._node for t in tensors])
    s = current()
    if not s.grad_enabled or parents.count(None) == len(parents):
        return _wrap(out, None)
    if s.debug:
        return _record_debug(node, out, parents, tuple(tensors))
    return _record(node, out, parents)


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
        from .errors import AnomalyError
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
