"""Reverse-mode backpropagation over the recorded graph.

Two iterative passes, no recursion: count for each node how many consumers it has
(its dependencies), then walk from the roots, handing a node's gradient to its
parents and processing a parent once all its consumers are done. That visits nodes in
topological order in time linear in the graph's size, whatever its depth.
"""

import numpy as np

from . import graph, versions
from .errors import AnomalyError, GraphError, ShapeError
from .graph import apply1
from .node import AccumulateGrad, NOTHING as _NOTHING, RAN as _RAN
from .tensor import Tensor, _wrap
from .state import current
from .ops import Cast, Copy, Sum, Reshape, _is_basic
from .ownership import (SOLE_FIRST_LEAF_GRAD, SOLE_IN_ENGINE_LOOP, SOLE_LEAF_GRAD,
                        SOLE_PENDING, SOLE_VIEW_BASE)
from . import ownership

_refcount = ownership.refcount           # a module global: cheaper than the attribute


def sum_to_shape(g, shape):
    """Sum the broadcast dimensions of gradient `g` (an array or a Tensor) away so that
    it has `shape`. This is the one place where broadcasting is undone."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape)
                                      if n == 1 and g.shape[i + lead] != 1)
    if lead < 0 or any(g.shape[i + lead] not in (n, 1) for i, n in enumerate(shape) if n != 1):
        raise ShapeError(f"backward: a gradient of shape {g.shape} cannot be reduced to the "
                         f"input's shape {shape}")
    out = apply1(Sum, g, axes, False) if axes else g
    return out if out.shape == shape else apply1(Reshape, out, shape)


def run_backward(roots, grads, retain_graph=False, create_graph=False, inputs=None,
                 accumulate=True):
    """Backpropagate `grads` (Tensors) from the nodes `roots`.

    With ``accumulate=True`` leaf gradients are added into ``.grad`` (only those of
    `inputs` if given). Returns {node: gradient Tensor} for the nodes in `inputs`.

    A first-order backward passes bare arrays from rule to rule (see graph.Primitive);
    with `create_graph` the gradients are Tensors and the rules' ops are recorded."""
    deps = _count_consumers(roots)
    arrays = not create_graph
    pending, ready = _seed(roots, grads, deps, arrays)
    state = current()                  # this thread's switches
    prev_mode = state.grad_enabled
    state.grad_enabled = create_graph      # in this thread only: rules record iff create_graph
    try:
        if arrays and inputs is None and state.stats_hook is None and not state.anomaly:
            _walk(ready, deps, pending, retain_graph, accumulate, state)
            return None
        return _walk_observed(ready, deps, pending, arrays, retain_graph, accumulate, state,
                              set(inputs) if inputs is not None else None)
    finally:
        state.donated = None
        state.grad_enabled = prev_mode


def _count_consumers(roots):
    """{node: how many consumers it has} over the graph below `roots` (iterative DFS)."""
    deps = {}                # node -> consumers not yet processed
    stack = []
    push = stack.append
    for r in roots:
        if r not in deps:
            deps[r] = 0
            push(r)
    pop = stack.pop
    count = deps.get
    while stack:
        for p in pop().parents:
            if p is not None:
                n = count(p)
                if n is None:
                    deps[p] = 1
                    push(p)
                else:
                    deps[p] = n + 1
    return deps


def _seed(roots, grads, deps, arrays):
    """The walk's start: `pending` (node -> gradient so far, while some of its consumers
    are still to run) and `ready` ((node, its whole gradient or None) for nodes whose
    consumers are all done), with the roots' gradients in them."""
    if len(roots) == 1:      # the usual case: a root has no consumer in its own graph
        return {}, [(roots[0], grads[0].data if arrays else grads[0])]
    pending = {}
    for r, g in zip(roots, grads):
        if arrays:
            g = g.data
        pending[r] = pending[r] + g if r in pending else g
    return pending, [(r, pending.pop(r, None)) for r in dict.fromkeys(roots) if deps[r] == 0]


def _walk(ready, deps, pending, retain_graph, accumulate, state):
    """The common path: a first-order backward (arrays) with nothing observed. Takes a
    node whose consumers are all done, runs its rule, sends the gradients on.

    Two shortcuts do inline what _call_rule and _send do for the usual node (a plain op
    whose saved buffers are intact; one parent, of which it is the last consumer, and a
    gradient already of its shape). Measured (callgrind, benchmarks/instructions.py):
    calling _call_rule for every node costs 620 instructions per op of the op chain
    (+2.1%), calling _send for every node 1,700 (+5.9%)."""
    pop = ready.pop
    push = ready.append
    epoch = versions._epoch
    leaf_type = AccumulateGrad
    while ready:
        node, g = pop()
        parents = node.parents
        if g is None:                          # no gradient reached it: pass on nothing
            _send(parents, (None,) * len(parents), True, deps, pending, push, True)
            continue
        rule = None
        if node.meta is not None:
            g, rule = _hooks(node, g, True)
        if type(node) is leaf_type:
            if accumulate:
                _accumulate(node, g, True)
            continue
        if (pending and node.adds_into_parent and rule is None
                and _add_into_pending(node, g, deps, pending, push, retain_graph, epoch)):
            continue
        if (rule is None and node.arrays and not node.reuses_grad_buffer
                and node.saved is not None and node.epoch >= epoch):
            grads = node.backward(g)           # a plain op: _call_rule's last case
            if not retain_graph:
                # free what the op saved (one that saved nothing may run again: node.RAN)
                node.saved = _RAN if node.saved is _NOTHING or node.saved is _RAN else None
        else:
            grads = _call_rule(node, g, rule, True, retain_graph, epoch, state)
        # Drop the gradients as soon as they are handed on: _accumulate, _add and
        # _call_rule reuse a buffer only when no other reference to it exists.
        g = None
        same = rule is None and node.same_shape
        if len(parents) == 1:
            p = parents[0]
            if (same and p is not None and deps[p] == 1 and grads[0] is not None
                    and (not pending or p not in pending)):
                push((p, grads[0]))            # its last consumer: _send's first case
                grads = None
                continue
        _send(parents, grads, same, deps, pending, push, True)
        grads = None


def _walk_observed(ready, deps, pending, arrays, retain_graph, accumulate, state, wanted):
    """_walk with the per-node extras, and the walk of create_graph (Tensors): the
    statistics hook (viz.record_gradient_flow) sees every gradient, the gradients of
    the nodes in `wanted` (backward's or grad's `inputs`) are captured and returned as
    {node: Tensor}, and under detect_anomaly every rule's gradients are checked."""
    pop = ready.pop
    push = ready.append
    epoch = versions._epoch
    stats = state.stats_hook
    anomaly = state.anomaly
    captured = {} if wanted is not None else None
    while ready:
        node, g = pop()
        if g is None:
            _send(node.parents, (None,) * len(node.parents), True, deps, pending, push,
                  arrays)
            continue
        rule = None
        if node.meta is not None:
            g, rule = _hooks(node, g, arrays)
        if stats is not None:
            stats(node, g if arrays else g.data)
        if wanted is not None and node in wanted:
            captured[node] = _wrap(g, None) if arrays else g
        if type(node) is AccumulateGrad:
            if accumulate and (wanted is None or node in wanted):
                _accumulate(node, g, arrays)
            continue
        grads = _call_rule(node, g, rule, arrays, retain_graph, epoch, state)
        g = None
        if anomaly:
            _check_anomaly(node, grads)
        _send(node.parents, grads, rule is None and node.same_shape, deps, pending, push,
              arrays)
        grads = None
    return captured


def _call_rule(node, g, rule, arrays, retain_graph, epoch, state):
    """Run op node `node`'s backward on its output's gradient `g`; returns the gradients
    of its inputs (one per parent, None where there is none). Every op node runs, also
    one without inputs (an MPI receive)."""
    if node.saved is None:
        raise GraphError(
            f"{node.name}: trying to backward through this op a second time, but the "
            f"buffers it saved were freed by the first backward. Pass retain_graph=True "
            f"to the first backward() if you need to backward twice{node._created()}.")
    if node.epoch < epoch:
        node.check_versions()
    if rule is not None:                   # override_backward(); no cost measured when unused
        grads = rule(node, g, *node.meta["forward"])
    elif not arrays:                       # create_graph: Tensors in and out, recorded
        grads = node.backward(g)
    elif not node.arrays:                  # a custom Function's rule: Tensors in and out
        grads = _tensor_backward(node, g)
    elif node.reuses_grad_buffer and _refcount(g) <= SOLE_IN_ENGINE_LOOP:
        # Proof ownership.SOLE_IN_ENGINE_LOOP: nothing but the walk holds g, so the rule
        # may write into it (ownership.owns_buffer).
        state.donated = g
        grads = node.backward(g)
        state.donated = None
    else:
        grads = node.backward(g)
    if not retain_graph:
        # free what the op saved (one that saved nothing may run again: node.RAN)
        node.saved = _RAN if node.saved is _NOTHING or node.saved is _RAN else None
    return grads


def _send(parents, grads, same, deps, pending, push, arrays):
    """Hand each parent its gradient: reduced to the parent's shape and dtype (unless
    `same`: the op's flag says they already match), summed with what it got from other
    consumers (fan-in), and pushed on the ready list with the last consumer's."""
    # one-input nodes (most of them): a literal pair is cheaper than a zip
    edges = ((parents[0], grads[0]),) if len(parents) == 1 else zip(parents, grads)
    for p, gp in edges:
        if p is None:
            continue
        n = deps[p] - 1
        if gp is not None:
            if arrays:
                if not same and (gp.shape != p.shape or gp.dtype is not p.dtype):
                    gp = _to_input(gp, p)
            elif gp.data.shape != p.shape or gp.data.dtype is not p.dtype:
                gp = _to_input(gp, p)
            old = pending.get(p) if pending else None
            if old is not None:
                gp = _add(old, gp) if arrays else old + gp
            elif n == 0:                   # its last consumer: skip the dict
                push((p, gp))
                continue
            if n:
                pending[p] = gp
                deps[p] = n
            else:
                del pending[p]
                push((p, gp))
        elif n:
            deps[p] = n
        else:
            push((p, pending.pop(p, None)))


def _tensor_backward(node, g):
    """Run a rule that takes and returns Tensors (a custom Function's) in a first-order
    backward: g wrapped, the gradients unwrapped (a _GradList passes as it is)."""
    if isinstance(g, (np.ndarray, np.generic)):     # also ag.compile's traced arrays
        g = _wrap(g, None)
    return tuple(gp if gp is None or isinstance(gp, np.ndarray) else gp.data
                 for gp in node.backward(g))


def _to_input(gp, p):
    """Gradient `gp` reduced to the shape and cast to the dtype of input node `p`."""
    if gp.shape != p.shape:
        gp = sum_to_shape(gp, p.shape)
    if gp.dtype != p.dtype:
        gp = apply1(Cast, gp, p.dtype)
    return gp


def _add(old, gp):
    """The sum of two gradient arrays for the same node (same shape and dtype): into
    `old`'s buffer when only the pending dict holds it and the memory is its own."""
    # Proof ownership.SOLE_PENDING (relies on _send holding `old` in one local).
    if (type(old) is np.ndarray and _refcount(old) <= SOLE_PENDING and old.base is None
            and old.flags.writeable):
        np.add(old, gp, out=old)
        return old
    return old + gp


def _add_into_pending(node, g, deps, pending, push, retain_graph, epoch):
    """A basic-index getitem's backward (zeros of its parent's shape with g at the
    index) done as an add of g into the slice of the parent's pending gradient, when the
    parent has one that only the pending dict holds: no parent-sized zeros and no
    parent-sized add per slice (q, k, v taken from one projection; unbind, split,
    chunk). True if done; False leaves the node to the usual path (unchanged)."""
    p = node.parents[0]
    if p is None or node.saved is None or node.epoch < epoch:
        return False                       # _call_rule raises or checks versions
    old = pending.get(p)
    if old is None or not _is_basic(node.index):
        return False
    if not _add_at(old, node.index, g):
        return False
    old = None
    if not retain_graph:
        # free what the op saved (one that saved nothing may run again: node.RAN)
        node.saved = _RAN if node.saved is _NOTHING or node.saved is _RAN else None
    n = deps[p] - 1
    if n:
        deps[p] = n
    else:
        push((p, pending.pop(p)))
    return True


def _add_at(old, index, g):
    """old[index] += g in place, when only the pending dict holds `old` and the memory
    is its own; False (nothing written) otherwise."""
    # Proof ownership.SOLE_PENDING (relies on _add_into_pending holding `old` in one
    # local, as _send does for _add).
    if not (type(old) is np.ndarray and _refcount(old) <= SOLE_PENDING
            and old.flags.writeable and type(g) is np.ndarray and old.dtype == g.dtype):
        return type(old) is not np.ndarray and _traced_add_at(old, index, g)
    base = old.base
    # getitem's zeros laid out as its parent (ops/shapes.py's _zeros) are a transpose of a fresh
    # array: proof ownership.SOLE_VIEW_BASE, nothing else views that array.
    if base is not None and (type(base) is not np.ndarray or base.base is not None
                             or _refcount(base) > SOLE_VIEW_BASE):
        return False
    base = None
    part = old[index]
    if type(part) is not np.ndarray or part.shape != g.shape:
        return False                       # a single element: a scalar, not a view
    np.add(part, g, out=part)
    return True


def _traced_add_at(old, index, g):
    """_add_at on ag.compile's traced arrays, so that a traced step takes eager's path
    (the other one adds zeros around the slice, and -0.0 + 0.0 is 0.0). The records of
    the trace hold every plain buffer, so the proof is a count of the traced array
    (the pending dict, the `old` of _add_into_pending, _add_at and here, getrefcount's
    argument: SOLE_PENDING + 1) and the array's own word that no other traced array
    sees its buffer (TraceArray.alone)."""
    if _refcount(old) > SOLE_PENDING + 1:
        return False
    alone = getattr(old, "alone", None)
    if (alone is None or not alone() or not old.flags.writeable
            or not isinstance(g, np.ndarray) or old.dtype != g.dtype):
        return False
    alone = None
    part = old[index]
    if part.shape != g.shape or (part.ndim == 0 and Ellipsis not in (
            index if type(index) is tuple else (index,))):
        return False                       # eager's part: a scalar, not a view
    np.add(part, g, out=part)
    return True


def _accumulate(node, g, arrays):
    """Add gradient `g` into the leaf's .grad: in place where that is provably safe."""
    leaf = node.leaf()
    if leaf is not None:
        old = leaf.grad
        if old is None:
            if not arrays:
                leaf.grad = apply1(Copy, g)        # its own buffer (PyTorch clones too)
            else:
                # Keep the array itself only if nothing else can see it (a view holds its
                # base; a Tensor its array): proof ownership.SOLE_FIRST_LEAF_GRAD.
                owned = (type(g) is np.ndarray and _refcount(g) <= SOLE_FIRST_LEAF_GRAD
                         and g.base is None)
                if owned:
                    flags = g.flags
                    owned = flags.writeable and flags.c_contiguous
                leaf.grad = _wrap(g if owned else np.array(g, copy=True), None)
        elif old.data.shape != leaf.data.shape or (old.data.dtype is not leaf.data.dtype
                                                    and old.data.dtype != leaf.data.dtype):
            raise GraphError(f"backward: the .grad set on a leaf of shape {leaf.data.shape} "
                             f"and dtype {leaf.data.dtype} has shape {old.data.shape} and "
                             f"dtype {old.data.dtype}, so the gradient cannot accumulate into "
                             f"it (PyTorch refuses such a .grad); set .grad to None or to a "
                             f"tensor of the leaf's shape and dtype")
        elif not arrays or old._node is not None:
            leaf.grad = old + g
        else:
            arr = old.data
            if type(arr) is np.ndarray and arr.flags.writeable:
                np.add(arr, g, out=arr)
                # Proof ownership.SOLE_LEAF_GRAD: another holder (a graph that saved
                # the array, a view) must see the write as one.
                if _refcount(arr) > SOLE_LEAF_GRAD:
                    graph.mark_modified(arr, "gradient accumulation into .grad")
            elif isinstance(arr, np.ndarray) and arr.flags.writeable:
                # ag.compile's traced array: the same write into the same .grad, and a
                # mark (a count cannot tell who else holds a traced buffer; a mark no
                # graph saved is never read)
                np.add(arr, g, out=arr)
                graph.mark_modified(arr, "gradient accumulation into .grad")
            else:                                  # a read-only buffer
                leaf.grad = _wrap(arr + g, None)
    meta = node.meta
    if meta is not None and "post_hooks" in meta and leaf is not None:
        for hook in list(meta["post_hooks"].values()):
            hook(leaf)


def _hooks(node, g, arrays):
    """What a node's `meta` asks for before its rule runs: its tensor hooks and
    retain_grad (they see the gradient as a Tensor; a hook may replace it), and an
    override_backward() rule. Returns (the gradient, the rule or None)."""
    meta = node.meta
    if arrays:
        g = _wrap(g, None)
    for hook in list(meta.get("hooks", {}).values()):
        out = hook(g)
        if out is not None:
            if not isinstance(out, Tensor):
                out = _wrap(np.asarray(out), None)
            if out.data.shape != node.shape or out.data.dtype != node.dtype:
                raise GraphError(
                    f"{node.name}: a tensor hook changed its gradient from shape "
                    f"{node.shape} ({node.dtype}) to shape {out.data.shape} "
                    f"({out.data.dtype}); a hook must return a gradient of the tensor's "
                    f"own shape and dtype (or None)")
            g = out
    retain = meta.get("retain")
    if retain is not None:
        t = retain()
        if t is not None:
            t.grad = g if t.grad is None else t.grad + g
    return g.data if arrays else g, meta.get("backward")


def _check_anomaly(node, grads):
    for i, gp in enumerate(grads):
        arr = gp.data if isinstance(gp, Tensor) else gp
        if (isinstance(arr, (np.ndarray, np.generic)) and arr.dtype.kind == "f"
                and not np.isfinite(arr).all()):
            line = node.meta.get("line", "?") if node.meta else "?"
            raise AnomalyError(
                f"{node.name}Backward produced {graph._describe_nonfinite(arr)} in the "
                f"gradient of its input {i} (shape {arr.shape}, {arr.dtype}); the forward op "
                f"was created at {line}")
