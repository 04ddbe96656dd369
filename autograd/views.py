"""In-place writes that views see, kept in the graph as PyTorch keeps them.

A view made by reshape/view, permute/transpose or basic indexing shares its tensor's
memory. It remembers the tensor whose memory it shows (its root, PyTorch's ``_base``) and
the view ops that lead there from the root (its chain); a view made with grad mode on is
registered with the buffer (versions.register_view). An in-place write, in grad mode:

- through a view gives the root a CopySlices node (named as PyTorch's): the root's
  gradient goes to its old node outside the view's region and to the written values
  inside it, so ``y = x * 2; y[0] *= 3`` and ``z = zeros(3); z[:1].copy_(w)`` put the
  write in y's and z's graphs;
- into a root, or through one of its views, gives every live view of the root a new
  node: its chain applied to the root's new node (PyTorch regenerates a view's grad_fn
  so), so ``v = y[0]; y.mul_(2); v.sum().backward()`` goes through the multiplication.

What cannot be kept in the graph is refused before anything is written, as PyTorch
refuses it: a write through a view of a leaf that requires grad, and a write in grad
mode through a view made under no_grad of a tensor in a graph; and, as before, memory
shared in a way no view records (an unfold window, an array held elsewhere).
"""
import numpy as np

from . import ops, ownership
from .errors import GraphError
from .graph import AccumulateGrad, other_views, record, register_view
from .ops.shapes import through
from .state import current, peek
from .versions import base_of

# The view ops a write can go through: their outputs are linked to their root. expand's
# outputs are read-only; unfold's windows overlap, so a write through one is ambiguous.
LINKED = (ops.Reshape, ops.Permute, ops.GetItem)


def link(out, x, cls, args):
    """Note that Tensor `out`, made from Tensor `x` by the view op ``cls(*args)``, shows
    x's memory (shapes._view calls this for every view op, recorded or not)."""
    od, xd = out.data, x.data
    ob = getattr(od, "base", None)
    if ob is None:
        return
    grad_mode = (peek() or current()).grad_enabled
    if cls not in LINKED:
        if grad_mode and out._node is None and xd.dtype.kind == "f":
            register_view(out)      # so that a write bringing x into a graph is refused
        return
    xb = xd.base
    if ob is not xd and ob is not xb and base_of(od) is not base_of(xd):
        return                                          # numpy made a copy
    up = getattr(x, "_view_of", None) if xb is not None else None
    out._view_of = ((x, ((cls, args),), grad_mode) if up is None     # (a view of a view
                    else (up[0], up[1] + ((cls, args),), grad_mode and up[2]))  # made
                                                                    # under no_grad is one)
    if grad_mode and out._node is None and xd.dtype.kind == "f":
        register_view(out)          # its root may join a graph later (a recorded view is
                                    # registered by shapes._view already; only a float
                                    # tensor can)


def base(t):
    """The tensor whose memory Tensor `t` shows, if t is a view (PyTorch's ``_base``)."""
    view = getattr(t, "_view_of", None)
    return None if view is None else view[0]


def plan(t, op_name):
    """What an in-place write into Tensor `t` in grad mode must do about views: None if
    none are involved (the plain write), else (root, t's chain from the root, the root's
    other live views, the error to raise if the write brings the root into a graph, or
    None) for joins() and rebase(). Raises, before anything is written, where the write cannot be
    kept in the graph."""
    arr = t.data
    if not isinstance(arr, np.ndarray):
        return None
    doubt = None
    view = getattr(t, "_view_of", None) if arr.base is not None else None
    if view is None:
        root, chain = t, ()
    else:
        root, chain, made_in_grad_mode = view
        rn = root._node
        if not made_in_grad_mode:
            doubt = (f"{op_name}: this view (shape {arr.shape}, {arr.dtype}) of a tensor "
                     f"(shape {root.data.shape}) was made under no_grad and is written in "
                     f"place with grad mode on, into the graph, which PyTorch forbids as "
                     f"ambiguous: make the view and write both inside no_grad (not "
                     f"recorded) or both outside (recorded)")
            if rn is not None:
                raise GraphError(doubt)
        if type(rn) is AccumulateGrad:
            raise GraphError(
                f"{op_name}: this view (shape {arr.shape}) of a leaf tensor that requires "
                f"grad (shape {root.data.shape}) cannot be written in place, since the "
                f"leaf's gradient would be lost. Do it inside `with no_grad():`, or work on "
                f"a copy: x = x.clone()")
    linked, loose = [], False
    for w in other_views(root.data, t):
        wv = getattr(w, "_view_of", None)
        if wv is not None and wv[0] is root:
            linked.append(w)
        elif w is not root and (wv is None or w._node is not None):
            loose = True        # an unfold window, an expanded tensor (a plain view of
                                # y.detach() sees the write, as PyTorch's: no graph to keep)
    if t._node is not None or root._node is not None:
        if loose or _foreign(root.data, linked if view is None else linked + [t]):
            _refuse(op_name, arr)
    if view is None and not linked and not loose:
        return None
    if loose:
        doubt = _refusal(op_name, arr)
    return (root, chain, linked, doubt)


def joins(plan, result, op_name):
    """Before the write of `result` (an op's result, with its node) planned by plan():
    raise if it brings into a graph a tensor whose memory something shares in a way no
    view records (its values would change under the graph unseen)."""
    if plan[3] is not None and result._node is not None:
        raise GraphError(plan[3])


def reshaped(t, view):
    """Before Tensor t takes, in place, the array of `view` (a view op's result on an
    alias of t: t.t_(), t.squeeze_(0)): a view's chain takes the op; a root's live views'
    chains start with the op's inverse, so that they still lead from t to their memory."""
    step = getattr(view, "_view_of", None)
    if view is t:
        return
    if step is None:            # an op no chain records (as_strided_): t and the views
        if t.data.base is not None:  # made from it are linked no more, so a write through
            t._view_of = None        # them in a graph is refused, not sent down old chains
        for w in other_views(t.data, t):
            if getattr(w, "_view_of", None) is not None and w._view_of[0] is t:
                w._view_of = None
        return
    (cls, args), = step[1]
    mine = getattr(t, "_view_of", None) if t.data.base is not None else None
    if mine is not None:
        t._view_of = (mine[0], mine[1] + ((cls, args),), mine[2])
        return
    undo = ((cls, (t.data.shape,)) if cls is ops.Reshape else
            (cls, (tuple(np.argsort(args[0]).tolist()),)),)
    for w in other_views(t.data, t):
        wv = getattr(w, "_view_of", None)
        if wv is not None and wv[0] is t:
            w._view_of = (t, undo + wv[1], wv[2])


def _foreign(arr, linked):
    """True if memory of `arr` (a root's array) may be seen by something no view records:
    arr is a view of an array held elsewhere (proof ownership.SOLE_VIEW_BASE, plus one
    reference per linked view whose array numpy based on that same array)."""
    b = arr.base
    if b is None:
        return False
    if type(arr) is not np.ndarray:
        sole = getattr(arr, "sole_view", None)      # an array ag.compile traces
        if sole is not None:
            return not sole()
    if not isinstance(b, np.ndarray) or b.base is not None:
        return True
    mine = sum(1 for w in linked if w.data.base is b)
    return ownership.refcount(b) > ownership.SOLE_VIEW_BASE + mine


def _refuse(op_name, arr):
    raise GraphError(_refusal(op_name, arr))


def _refusal(op_name, arr):
    return (f"{op_name}: this tensor of shape {arr.shape} ({arr.dtype}) is part of a graph "
            f"(or joins one by this write) and shares its memory in a way no view records "
            f"(an unfold window, an as_strided view, an expanded tensor, an array held "
            f"outside the graph), so an in-place write would change values the graph has "
            f"recorded. Write out of place, e.g. `y = y.clone(); y[...] = ...` or "
            f"`y = y * 2`")


def detour(t, plan):
    """Before view `t` is written in place: t takes a node seen through its chain from
    its root's, so the write's gradient reaches the root as PyTorch's CopySlices sends it
    (into the view's region of the root's gradient), not through t's own node, whose hooks
    belong to t's values before the write (the caller puts that node back if the write
    fails). A node with no hooks (no meta) is left: the same gradient, one getitem less."""
    root, chain = plan[:2]
    node = t._node
    if t is not root and node is not None and node.meta and root._node is not None:
        t._node = through(root._alias(), chain)._node


def rebase(t, result, plan, old):
    """After `result` (the op's out-of-place result, with its node) was written into
    Tensor t's memory (t's node was `old`): the root takes the write (itself if t is the
    root, a CopySlices node through t's chain if t is a view), then t and the root's other
    live views take nodes seen through their chains from the root's new node."""
    root, chain, linked = plan[:3]
    if t is root:
        root._node = result._node
        retained(t, old)
    else:
        before, written = root._node, result._node
        if before is not None or written is not None:
            node = ops.CopySlices()
            root._node = record(node, node.forward(root.data, chain),
                                (before, written))._node
            retained(root, before)
    for w in linked:
        before = w._node
        w._node = None if root._node is None else through(root._alias(), w._view_of[1])._node
        retained(w, before)
    if t is not root:
        t._node = None if root._node is None else through(root._alias(), chain)._node
        retained(t, old)


def retained(t, old):
    """Tensor t moved in place from node `old` to a new one: its retain_grad() moves with
    it, as PyTorch's, so t.grad is the gradient of t's new values."""
    meta = None if old is None else old.meta
    ref = meta.get("retain") if meta else None
    if ref is not None and ref() is t and t._node is not old:
        del meta["retain"]
        if t._node is not None:
            t._node._meta()["retain"] = ref
