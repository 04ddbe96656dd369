"""What the graph knows about buffers, shared by every thread: in-place versions and views.

Every in-place write bumps the epoch and notes it against the buffer's owner array
(``mark_modified``); a node records the epoch it was made in, and in backward a node
older than the current epoch checks what it saved (``Node.check_versions``). Recorded
views register their output (``register_view``) so that an in-place write into a
buffer another live graph tensor sees can be refused (``methods._inplace``).
"""
import threading
import weakref

import numpy as np

# The switches (grad mode, scope, anomaly, ...) are per thread, in state.py. What is
# here is process-wide on purpose: facts about buffers, which every thread shares.
_epoch = 0               # bumped by every in-place write; see check_versions()
_modified = {}           # id(base buffer) -> (epoch, op name) of the last in-place write
_epoch_lock = threading.Lock()


# Bumped after every change to what a module holds (an attribute, a registry entry, a
# hook, train/eval) and every ``p.data = ...`` on a Parameter (nn/module.py, nn/parameter.py):
# a compiled step that checked its modules at the present count skips that part of its
# check (jit/discover.py). Under a lock: a lost update could bring the count back to a
# value a check has seen.
structure = [0]
_structure_lock = threading.Lock()


def structure_changed():
    with _structure_lock:
        structure[0] += 1


def base_of(array):
    """The array that owns the memory `array` views (numpy collapses plain view chains,
    not those through as_strided, whose base is a wrapper object holding the array it was
    made from: the chain is followed to its end)."""
    while True:
        base = array.base
        if base is None:
            return array
        if not isinstance(base, np.ndarray):
            base = getattr(base, "base", None)
            if not isinstance(base, np.ndarray):
                return array
        array = base


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
        saved = n.saved          # isinstance: ag.compile's traced arrays are ndarrays too
        if type(saved) is tuple:
            if any(isinstance(a, np.ndarray) and base_of(a) is base for a in saved):
                n.saved = tuple(a.copy() if isinstance(a, np.ndarray) and base_of(a) is base
                                else a for a in saved)
        elif isinstance(saved, np.ndarray) and base_of(saved) is base:
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
