"""``capture``: every named module's output (and gradient) for one forward (+backward),
like TransformerLens's ``run_with_cache``."""
import contextlib
import fnmatch

import numpy as np

import autograd as ag
from autograd.errors import ArgumentError
from autograd.versions import structure_changed

from . import _common as C


class ActivationCache(dict):
    """``name -> Tensor`` (the module's output; a tuple of Tensors where the module
    returns a tuple, e.g. attention output and weights), ``grads``: ``name ->``
    d(explained output)/d(module output) when a gradient was asked for, and
    ``attentions``: ``name ->`` (N, heads, L, S) weights of each attention module when
    asked for. The Tensors are detached copies: the cache keeps no graph alive."""

    def __init__(self):
        super().__init__()
        self.grads = {}
        self.attentions = {}

    def __repr__(self):
        items = ", ".join(f"{k}: {_shape(v)}" for k, v in self.items())
        return f"ActivationCache({items}; grads for {len(self.grads)})"


def _shape(v):
    return tuple(_shape(x) for x in v) if isinstance(v, tuple) else tuple(v.shape)


def _selected(model, names):
    mods = [(n, m) for n, m in model.named_modules() if n]
    if names is None:
        return mods
    if callable(names):
        return [(n, m) for n, m in mods if names(n)]
    if isinstance(names, str):
        names = [names]
    picked = [(n, m) for n, m in mods if any(fnmatch.fnmatchcase(n, p) for p in names)]
    missing = [p for p in names if not any(fnmatch.fnmatchcase(n, p) for n, _ in mods)]
    if missing:
        raise ArgumentError(f"capture: no module matches {missing}; the model has "
                            f"{[n for n, _ in mods][:20]}")
    return picked


def _is_attention(module):
    """A module with nn.MultiheadAttention's call (need_weights, average_attn_weights)."""
    code = getattr(type(module).forward, "__code__", None)
    return code is not None and {"need_weights", "average_attn_weights"} <= set(
        code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])


def _per_head(module, name, store):
    """Make `module` compute per-head weights whatever its caller asks for, keep them in
    store[name] and hand the caller what it asked for. Returns the undo function."""
    forward = type(module).forward

    def wrapped(*args, **kwargs):
        need = kwargs.pop("need_weights", True)
        average = kwargs.pop("average_attn_weights", True)
        if not need and not _draws_random(module):
            # the caller's own (fused) path gives its output; the weights path rounds
            # differently in the last bits, so it runs a second time, without a graph
            out = forward(module, *args, need_weights=False, **kwargs)[0]
            with ag.no_grad():
                store[name] = forward(module, *args, need_weights=True,
                                      average_attn_weights=False, **kwargs)[1]
            return out, None
        out, weights = forward(module, *args, need_weights=True, average_attn_weights=False,
                               **kwargs)
        store[name] = weights
        if not need:
            return out, None
        return out, (weights.mean(-3) if average else weights)

    module.__dict__["forward"] = wrapped
    structure_changed()                 # a compiled step calling it traces again

    def undo():
        module.__dict__.pop("forward", None)
        structure_changed()
    return undo


def _draws_random(module):
    """True when `module` applies dropout now: a second call would advance the generator."""
    return module.training and getattr(module, "dropout", 0.0) > 0.0


def capture(model, *inputs, names=None, target=None, additional_forward_args=None,
            attention=False):
    """Run ``model(*inputs, *additional_forward_args)`` once and return ``(output, cache)``.

    `names`: which submodules to record: None (all), a list of names or glob patterns
    ("blocks.*.attn"), or a callable ``name -> bool``. With a `target` (an index, one per
    sample, a tuple index or a callable, as the attribution methods take it) the
    explained output is backpropagated and ``cache.grads[name]`` holds the gradient of
    each recorded output; parameter ``.grad`` stays untouched. A module that runs several
    times in the forward is recorded as ``name``, ``name#1``, ``name#2``...
    ``attention=True``: every recorded module with nn.MultiheadAttention's call keeps its
    per-head weights in ``cache.attentions[name]`` (N, heads, L, S), also where its
    caller passes ``need_weights=False`` (as the transformer layers do); what the caller
    receives is unchanged, bit for bit, except for a module in training mode with
    dropout: its output then comes from the weights path (equal up to rounding), so
    that the random stream is drawn once."""
    if not hasattr(model, "named_modules"):
        raise ArgumentError(f"capture: the model must be a Module, got {type(model).__name__}")
    mods = _selected(model, names)
    live = {}

    def hook_for(name):
        def hook(module, args, output):
            key, i = name, 1
            while key in live:
                key, i = f"{name}#{i}", i + 1
            live[key] = output
        return hook

    cache = ActivationCache()
    args = C.format_args(additional_forward_args)
    heads = {}
    with C.model_guard(model), contextlib.ExitStack() as undo:
        for name, m in mods:
            undo.callback(m.register_forward_hook(hook_for(name)).remove)
            if attention and _is_attention(m):
                undo.callback(_per_head(m, name, heads))
        if target is None:
            with ag.no_grad():
                out = model(*inputs, *args)
        else:
            # float inputs become leaves that require grad, so that every module output
            # (an Identity's too) is in the graph
            inputs = [ag.from_numpy(x.data).requires_grad_()
                      if isinstance(x, ag.Tensor) and x.dtype.kind == "f" else x for x in inputs]
            with ag.enable_grad():
                out = model(*inputs, *args)
                n = out.shape[0]
                sel = C.Target(target, n, "capture").select(out, "capture")
                wanted = [(k, t) for k, v in live.items()
                          for t in (v if isinstance(v, tuple) else (v,))
                          if isinstance(t, ag.Tensor) and t.requires_grad]
                grads = ag.grad(sel.sum(), [t for _, t in wanted], allow_unused=True,
                                materialize_grads=True) if wanted else ()
                for (k, t), g in zip(wanted, grads):
                    g = _detached(g)
                    prev = cache.grads.get(k)
                    cache.grads[k] = g if prev is None else (*_as_tuple(prev), g)
    for k, v in live.items():
        cache[k] = (tuple(_detached(t) for t in v) if isinstance(v, tuple) else _detached(v))
    cache.attentions.update((k, _detached(w)) for k, w in heads.items())
    return _detached(out), cache


def _as_tuple(v):
    return v if isinstance(v, tuple) else (v,)


def _detached(t):
    return ag.from_numpy(np.array(t.data)) if isinstance(t, ag.Tensor) else t
