"""Graph nodes: what one recorded op leaves behind.

A ``Node`` is one recorded op. It holds its parents' nodes (never its own output
tensor, so graphs are freed by reference counting alone), whatever its op saved for
backward in ``saved`` (set to None once backward has used it, to ``RAN`` if it saved
nothing: PyTorch runs such an op's backward again), and a little
structure that outlives it for pictures and error messages: output ``shape``/``dtype``,
module ``scope`` and the in-place ``epoch`` it was created in. A leaf that requires
grad owns an ``AccumulateGrad`` node that points back to it weakly. The primitives'
base class, whose rules also run under ``create_graph``, is ``graph.Primitive``.
"""
import itertools
import weakref

import numpy as np

from .errors import GraphError
from .versions import _modified, base_of


class _Ran(tuple):
    __slots__ = ()


NOTHING = ()            # `saved` of an op that kept nothing (the empty tuple is one object)
RAN = _Ran()            # `saved` of such an op once a backward ran through it (the
                        # engine's release: a later backward may run it again)


class Node:
    """One recorded op: subclasses define ``backward`` (the output's gradient in, one
    gradient or None per input out). The primitives subclass ``graph.Primitive``, whose
    rules run on arrays or Tensors; custom nodes (a ``Function``'s, nn.parallel's
    communication) subclass Node and are recorded with ``graph.record``."""

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
    # True for ops whose rule, for a basic `self.index`, is zeros of the parent's shape
    # with the gradient at the index (getitem): the engine may add the gradient into the
    # slice of the parent's pending gradient instead (engine._add_into_pending).
    adds_into_parent = False
    # Why the tensor this node made cannot be written in place, or None (an output of
    # the identity that module backward hooks put around a call: nn/hooks.py).
    inplace_refusal = None

    @property
    def name(self):
        return type(self).__name__

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
            arr = item if isinstance(item, np.ndarray) else getattr(item, "data", None)
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

    def __init__(self, hooks, extra_dict=()):
        self.hooks = hooks
        self.id = next(RemovableHandle._ids)
        # dicts of the hook's options (a module's with_kwargs, always_call), emptied too
        self.extra_dicts = extra_dict if isinstance(extra_dict, (list, tuple)) else [extra_dict]

    def remove(self):
        self.hooks.pop(self.id, None)
        for d in self.extra_dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


CROSS = "cross"
