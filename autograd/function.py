"""Custom differentiable ops: subclass ``Function`` with static ``forward(ctx, ...)``
and ``backward(ctx, *grad_outputs)``, then call ``MyOp.apply(...)`` (as in PyTorch)."""
import numpy as np

from . import graph, state
from .errors import GraphError, ShapeError
from .graph import Node, _wrap
from .tensor import Tensor


class FunctionCtx:
    """The `ctx` a custom Function's forward and backward share."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.to_save = ()
        self.non_differentiable = ()
        self.dirty = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        self.to_save = tensors

    def mark_non_differentiable(self, *tensors):
        """Outputs of forward that get no gradient: returned with requires_grad False, and
        backward receives zeros for them (None with set_materialize_grads(False))."""
        self.non_differentiable = tensors

    def mark_dirty(self, *tensors):
        """Inputs that forward modified in place and returns: the caller's input tensor
        itself comes back, its history now this op (as PyTorch's in-place ops)."""
        self.dirty = tensors

    def set_materialize_grads(self, value):
        """With False, backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = bool(value)


class _FunctionNode(Node):
    """The graph node of one call of a custom Function. With several outputs, each
    output tensor gets an _OutputSelect node whose parent is this one, and the
    gradients reaching this node are a _GradList, one slot per output."""
    # `saved` is (ctx, *saved tensors): the engine's `saved = None` frees both.
    # `saved_outputs`: (position in saved, output index) of each saved tensor that is an
    # output of forward. It is kept without history (holding it attached to this node
    # would be a reference cycle) and re-attached in backward, so that under create_graph
    # its uses record against this node, as PyTorch's saved outputs do.
    __slots__ = ("fn", "n_inputs", "tensor_positions", "outputs", "saved_outputs")
    arrays = False                   # the user's backward takes and returns Tensors

    @property
    def name(self):
        return self.fn.__name__

    def backward(self, g):
        ctx = self.saved[0]
        saved = list(self.saved[1:])
        for pos, k in self.saved_outputs:
            saved[pos] = self._attached_output(k, saved[pos])
        ctx.saved_tensors = tuple(saved)
        if self.outputs is None:
            grad_outputs = (g,)
        else:                            # unused outputs get zeros, as in PyTorch
            items = (g.data if isinstance(g, Tensor) else g).items
            zeros = ctx.materialize_grads
            grad_outputs = tuple(gi if gi is not None or not zeros
                                 else _wrap(np.zeros(shape, dtype), None)
                                 for gi, (shape, dtype) in zip(items, self.outputs))
        grads = self.fn.backward(ctx, *grad_outputs)   # grad mode as the engine set it
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != self.n_inputs:
            raise GraphError(f"{self.name}.backward returned {len(grads)} gradients, but "
                             f"forward took {self.n_inputs} inputs; return one per input "
                             f"(None for inputs that need none)")
        out = []
        for pos, parent in zip(self.tensor_positions, self.parents):
            gi = grads[pos]
            if gi is not None and not isinstance(gi, Tensor):
                gi = _wrap(np.asarray(gi), None)
            if gi is not None and parent is not None and gi.shape != parent.shape:
                try:
                    np.broadcast_shapes(gi.shape, parent.shape)
                    ok = len(gi.shape) >= len(parent.shape)
                except ValueError:
                    ok = False
                if not ok:
                    raise ShapeError(f"{self.name}.backward returned a gradient of shape "
                                     f"{gi.shape} for input {pos}, whose shape is {parent.shape}")
            out.append(gi)
        return tuple(out)

    def _attached_output(self, k, t):
        """Output `k` of forward (held as `t`, without history) attached to this node."""
        if self.outputs is None:
            return _wrap(t.data, self)
        select = _OutputSelect.__new__(_OutputSelect)
        select.index, select.count, select.saved = k, len(self.outputs), ()
        return graph._record(select, t.data, (self,))


class _GradList:
    """The gradients of a multi-output Function's outputs, merged slot by slot."""
    __slots__ = ("items",)
    shape, dtype = (), None           # so the engine's shape and dtype checks pass it through

    def __init__(self, items):
        self.items = items

    @property
    def data(self):
        return self

    def __add__(self, other):
        return _GradList([a if b is None else b if a is None else a + b
                          for a, b in zip(self.items, other.items)])


class _OutputSelect(Node):
    """Output k of a multi-output Function: hands its gradient to slot k."""
    __slots__ = ("index", "count")
    arrays = False

    @property
    def name(self):
        return "Output"

    def backward(self, g):
        items = [None] * self.count
        items[self.index] = g
        return (_GradList(items),)


class Function:
    """Base class of user-defined ops. ``forward`` gets the inputs as passed (Tensors
    unwrapped to Tensors without history) and returns a Tensor; ``backward`` gets
    the output's gradient and returns one gradient (or None) per forward input."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        parents = tuple(args[i]._node for i in positions)
        record = state.current().grad_enabled and any(p is not None for p in parents)
        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a._node is not None for a in args))
        detached = [a.detach() if isinstance(a, Tensor) else a for a in args]
        prev = state.set_grad_mode(False)
        try:
            out = cls.forward(ctx, *detached)
        finally:
            state.set_grad_mode(prev)
        multi = isinstance(out, (tuple, list))
        outs = [o if isinstance(o, Tensor) else Tensor(np.asarray(o))
                for o in (out if multi else (out,))]
        # mark_dirty: output k is input `dirty[k]` modified in place; the caller gets the
        # input's own tensor back (PyTorch returns the same object).
        dirty = _dirty_outputs(cls, ctx, detached, args, outs, record)
        skip = {id(t) for t in ctx.non_differentiable}
        if not record or all(id(o) in skip for o in outs):
            results = [dirty.get(k, o) for k, o in enumerate(outs)]
            if record:                     # every output non-differentiable
                for k, t in dirty.items():
                    t._node = None
            return tuple(results) if multi else results[0]
        node = _FunctionNode.__new__(_FunctionNode)
        node.fn, node.n_inputs = cls, len(args)
        node.tensor_positions = positions
        node.outputs = [(o.shape, o.dtype) for o in outs] if multi else None
        # saved tensors keep their history, so a backward that uses them records
        # correctly under create_graph; inputs are re-attached to their nodes (a dirty
        # input is an output now: saved as one).
        originals = {id(d): a for d, a in zip(detached, args)
                     if isinstance(a, Tensor) and id(d) not in ctx.dirty_ids}
        node.saved = (ctx,) + tuple(originals.get(id(t), t) for t in ctx.to_save)
        out_index = {id(o): k for k, o in enumerate(outs) if id(o) not in skip}
        node.saved_outputs = tuple((pos, out_index[id(t)]) for pos, t in enumerate(ctx.to_save)
                                   if id(t) in out_index and id(t) not in originals)
        if not multi:
            result = graph._record(node, outs[0].data, parents)
            return _rebind(dirty.get(0), result)
        graph._record(node, np.empty(0), parents)
        node.shape, node.dtype = (), None  # a tuple of outputs: see _GradList
        results = []
        for k, o in enumerate(outs):
            if id(o) in skip:              # mark_non_differentiable: no node, no gradient
                results.append(dirty.get(k, o))
                continue
            select = _OutputSelect.__new__(_OutputSelect)
            select.index, select.count, select.saved = k, len(outs), ()
            results.append(_rebind(dirty.get(k), graph._record(select, o.data, (node,))))
        return tuple(results)


def _dirty_outputs(cls, ctx, detached, args, outs, record):
    """{output index: the caller's input tensor} for the inputs forward marked dirty,
    after checking them as PyTorch does and noting the in-place write."""
    ctx.dirty_ids = {id(t) for t in ctx.dirty}
    if not ctx.dirty:
        return {}
    out_index = {id(o): k for k, o in enumerate(outs)}
    inputs = {id(d): a for d, a in zip(detached, args) if isinstance(a, Tensor)}
    dirty = {}
    for t in ctx.dirty:
        if id(t) not in inputs:
            raise GraphError(f"{cls.__name__}.forward: mark_dirty() was given a tensor of "
                             f"shape {t.shape} that is not one of forward's inputs")
        if id(t) not in out_index:
            raise GraphError(f"{cls.__name__}.forward: an input of shape {t.shape} marked "
                             f"dirty was not returned; return every tensor you mark_dirty()")
        a = inputs[id(t)]
        if record and type(a._node) is graph.AccumulateGrad:
            raise GraphError(f"{cls.__name__}: a leaf tensor that requires grad (shape "
                             f"{a.shape}) cannot be modified in place, since its gradient "
                             f"would be lost; pass a clone, or call it under no_grad()")
        if outs[out_index[id(t)]].data is not a.data:
            raise GraphError(f"{cls.__name__}.forward: the input of shape {a.shape} marked "
                             f"dirty was returned as a different array; return the input "
                             f"tensor itself after writing into it")
        graph.mark_modified(a.data, f"{cls.__name__} (mark_dirty)")
        dirty[out_index[id(t)]] = a
    return dirty


def _rebind(tensor, result):
    """`result` (a newly recorded output), or the dirty input `tensor` taking its node."""
    if tensor is None:
        return result
    tensor._node = result._node
    return tensor
