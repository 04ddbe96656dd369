"""What every attribution method shares: Captum's argument conventions (inputs as a
Tensor or a tuple of Tensors, baselines, targets, additional forward arguments),
running the model over many rows in chunks, and leaving the model as it was found.

Inside, inputs are tuples of numpy arrays whose first axis is the sample; methods build
larger batches from them (steps x samples, samples x noise draws, ...) and expand the
per-sample arguments to match with `expand`.
"""
import contextlib
import warnings

import numpy as np

import autograd as ag
from autograd.errors import ArgumentError, ShapeError
from autograd.versions import structure_changed

# |delta| above this fraction of |F(x) - F(baseline)| (plus a small absolute floor)
# makes a method that returns a convergence delta warn.
DELTA_WARN_RELATIVE = 0.05


class ConvergenceWarning(UserWarning):
    """An attribution's sum is far from F(x) - F(baseline) (completeness not reached)."""


def format_inputs(inputs, name, allow_int=False):
    """(tuple of float arrays, was_tuple) from a Tensor, an array or a tuple of them."""
    was_tuple = isinstance(inputs, (tuple, list))
    items = tuple(inputs) if was_tuple else (inputs,)
    if not items:
        raise ArgumentError(f"{name}: inputs is an empty tuple")
    arrays = []
    for i, item in enumerate(items):
        arr = item.data if isinstance(item, ag.Tensor) else np.asarray(item)
        if arr.dtype.kind != "f" and not allow_int:
            raise ArgumentError(
                f"{name}: input {i} has dtype {arr.dtype}; attributions need float inputs "
                f"(for token ids use LayerIntegratedGradients on the embedding layer)")
        if arr.ndim == 0:
            raise ShapeError(f"{name}: input {i} is 0-d; the first axis must be the sample")
        arrays.append(arr)
    n = arrays[0].shape[0]
    for i, arr in enumerate(arrays):
        if arr.shape[0] != n:
            raise ShapeError(f"{name}: input {i} has {arr.shape[0]} samples (shape "
                             f"{arr.shape}) but input 0 has {n}")
    return tuple(arrays), was_tuple


def format_output(arrays, was_tuple):
    out = tuple(ag.from_numpy(np.ascontiguousarray(a)) for a in arrays)
    return out if was_tuple else out[0]


def format_baselines(baselines, inputs, name):
    """One array per input with the input's shape: None is zeros, a number fills, an
    array of the input's shape or of shape (1, ...) is broadcast over the samples."""
    if not isinstance(baselines, (tuple, list)):
        baselines = (baselines,) * len(inputs) if baselines is None else (baselines,)
    if len(baselines) != len(inputs):
        raise ArgumentError(f"{name}: {len(baselines)} baselines for {len(inputs)} inputs")
    out = []
    for i, (b, x) in enumerate(zip(baselines, inputs)):
        if b is None:
            out.append(np.zeros_like(x))
            continue
        arr = b.data if isinstance(b, ag.Tensor) else np.asarray(b)
        if arr.ndim and arr.shape != x.shape and arr.shape != (1,) + x.shape[1:]:
            raise ShapeError(f"{name}: baseline {i} has shape {arr.shape}; expected a number, "
                             f"{x.shape} or {(1,) + x.shape[1:]} for an input of shape {x.shape}")
        out.append(np.broadcast_to(arr.astype(x.dtype, copy=False), x.shape).copy())
    return tuple(out)


def format_args(args):
    if args is None:
        return ()
    return tuple(args) if isinstance(args, tuple) else (args,)


class Target:
    """A normalised target: None (the output has one value per sample), a callable
    ``out -> (rows,)``, or an int array (rows, k) of indices into each row's output."""

    def __init__(self, target, n, name):
        self.fn = None
        self.index = None
        if target is None:
            return
        if callable(target) and not isinstance(target, ag.Tensor):
            self.fn = target
            return
        if isinstance(target, ag.Tensor):
            target = target.data
        if isinstance(target, (int, np.integer)) or (isinstance(target, np.ndarray)
                                                      and target.size == 1):
            idx = np.full((n, 1), int(np.asarray(target).reshape(-1)[0]))
        elif isinstance(target, tuple):
            idx = np.tile(np.asarray(target, dtype=np.int64)[None], (n, 1))
        else:
            idx = np.asarray(target, dtype=np.int64)
            if idx.ndim == 1:
                idx = idx[:, None]
            if idx.shape[0] != n:
                raise ShapeError(f"{name}: target gives {idx.shape[0]} indices for {n} samples")
        self.index = idx

    def expand(self, k, how):
        """The target for a batch holding each sample k times ("tile": k copies of the
        whole batch one after the other; "repeat": each sample k times in a row)."""
        t = Target.__new__(Target)
        t.fn = self.fn
        t.index = (None if self.index is None else
                   np.tile(self.index, (k, 1)) if how == "tile" else np.repeat(self.index, k, 0))
        return t

    def rows(self, start, stop):
        t = Target.__new__(Target)
        t.fn = self.fn
        t.index = None if self.index is None else self.index[start:stop]
        return t

    def select(self, out, name):
        """The (rows,) Tensor of the model's output that is explained."""
        if not isinstance(out, ag.Tensor):
            raise ArgumentError(f"{name}: the forward function returned {type(out).__name__}, "
                                f"not a Tensor")
        rows = out.shape[0] if out.ndim else 0
        if self.fn is not None:
            sel = self.fn(out)
            if sel.shape != (rows,):
                raise ShapeError(f"{name}: the target callable returned shape {sel.shape}; "
                                 f"expected ({rows},) (one value per row of the output)")
            return sel
        if self.index is None:
            if out.ndim == 0 or out[0].numel() != 1:
                raise ArgumentError(
                    f"{name}: the output has shape {out.shape}; give a target (an index, one "
                    f"per sample, a tuple index or a callable) to pick one value per sample")
            return out.reshape(rows)
        k = self.index.shape[1]
        if out.ndim != k + 1:
            raise ShapeError(f"{name}: a target of {k} index(es) per sample does not fit an "
                             f"output of shape {out.shape}")
        return out[(np.arange(rows),) + tuple(self.index[:, j] for j in range(k))]


def expand(arrays, k, how):
    """Arrays (samples first) holding each sample k times ("tile" or "repeat")."""
    if how == "tile":
        return tuple(np.concatenate([a] * k) if k > 1 else a for a in arrays)
    return tuple(np.repeat(a, k, axis=0) if k > 1 else a for a in arrays)


def expand_args(args, n, k, how):
    """Additional forward args: Tensors and arrays with n samples are expanded as the
    inputs; anything else passes unchanged."""
    out = []
    for a in args:
        arr = a.data if isinstance(a, ag.Tensor) else a
        if isinstance(arr, np.ndarray) and arr.ndim and arr.shape[0] == n and k > 1:
            e = expand((arr,), k, how)[0]
            out.append(ag.from_numpy(e) if isinstance(a, ag.Tensor) else e)
        else:
            out.append(a)
    return tuple(out)


def _slice_args(args, rows, start, stop):
    out = []
    for a in args:
        arr = a.data if isinstance(a, ag.Tensor) else a
        if isinstance(arr, np.ndarray) and arr.ndim and arr.shape[0] == rows:
            s = arr[start:stop]
            out.append(ag.from_numpy(s) if isinstance(a, ag.Tensor) else s)
        else:
            out.append(a)
    return tuple(out)


def chunks(rows, internal_batch_size):
    if internal_batch_size is None:
        return [(0, rows)]
    if internal_batch_size < 1:
        raise ArgumentError(f"internal_batch_size must be >= 1, got {internal_batch_size}")
    return [(s, min(s + internal_batch_size, rows)) for s in range(0, rows, internal_batch_size)]


def run_forward(forward_func, arrays, target, args, name, internal_batch_size=None):
    """The explained output value of every row, as a float64 array (no graph)."""
    rows = arrays[0].shape[0]
    out = []
    with ag.no_grad():
        for s, e in chunks(rows, internal_batch_size):
            xs = [ag.from_numpy(a[s:e]) for a in arrays]
            y = forward_func(*xs, *_slice_args(args, rows, s, e))
            out.append(np.asarray(target.rows(s, e).select(y, name).data, dtype=np.float64))
    return np.concatenate(out)


def gradients(forward_func, arrays, target, args, name, internal_batch_size=None,
              with_outputs=False):
    """d(explained output of each row)/d(inputs), row by row, as arrays of the inputs'
    shapes (and the outputs when asked). Rows are independent, so the chunking by
    internal_batch_size changes nothing but memory."""
    rows = arrays[0].shape[0]
    grads = [[] for _ in arrays]
    outs = []
    with ag.enable_grad():
        for s, e in chunks(rows, internal_batch_size):
            xs = [ag.from_numpy(np.ascontiguousarray(a[s:e])).requires_grad_()
                  for a in arrays]
            y = forward_func(*xs, *_slice_args(args, rows, s, e))
            sel = target.rows(s, e).select(y, name)
            gs = ag.grad(sel.sum(), xs, allow_unused=True)
            for acc, g, x in zip(grads, gs, xs):
                acc.append(np.zeros_like(x.data) if g is None else g.data)
            if with_outputs:
                outs.append(np.asarray(sel.data, dtype=np.float64))
    grads = tuple(np.concatenate(g) if len(g) > 1 else g[0] for g in grads)
    return (grads, np.concatenate(outs)) if with_outputs else grads


def per_sample_sum(arrays):
    """Σ over every axis but the first, over all inputs: (samples,) float64."""
    return sum(a.reshape(a.shape[0], -1).sum(axis=1, dtype=np.float64) for a in arrays)


def convergence_delta(attributions, f_inputs, f_baselines, name, warn=True):
    """Σ attributions - (F(x) - F(baseline)) per sample; warns when it is large."""
    diff = f_inputs - f_baselines
    delta = per_sample_sum(attributions) - diff
    if not warn:
        return ag.from_numpy(delta)
    scale = np.maximum(np.abs(diff), 1e-6 * max(1.0, float(np.abs(f_inputs).max(initial=0))))
    bad = np.abs(delta) > DELTA_WARN_RELATIVE * scale
    if bad.any():
        i = int(np.argmax(np.abs(delta) / scale))
        warnings.warn(
            f"{name}: the attributions of {int(bad.sum())} of {len(delta)} samples do not add "
            f"up to F(x) - F(baseline) (sample {i}: sum {delta[i] + diff[i]:.6g}, expected "
            f"{diff[i]:.6g}); use more steps or another integration method",
            ConvergenceWarning, stacklevel=3)
    return ag.from_numpy(delta)


@contextlib.contextmanager
def model_guard(*funcs):
    """Leave every Module among `funcs` (and their submodules) as it was: train/eval
    flags and the parameters' .grad objects are restored on exit, also on error."""
    modules = []
    for f in funcs:
        target = getattr(f, "__self__", f)             # a bound method's module
        if hasattr(target, "named_modules") and hasattr(target, "parameters"):
            modules.append(target)
    state = [(m, m.training) for root in modules for _, m in root.named_modules()]
    grads = [(p, p.grad) for root in modules for p in root.parameters()]
    try:
        yield
    finally:
        for m, training in state:
            if m.training != training:
                m.__dict__["training"] = training
                structure_changed()
        for p, g in grads:
            if p.grad is not g:
                p.grad = g


@contextlib.contextmanager
def hooks_removed(handles):
    """Remove every handle appended to `handles`, whatever happens inside."""
    try:
        yield handles
    finally:
        for h in handles:
            h.remove()
        handles.clear()
