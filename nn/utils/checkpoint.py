"""Activation checkpointing: ``checkpoint(fn, *args)`` keeps only fn's inputs and
outputs, and runs fn's forward again during backward to get the rest.

    from nn.utils.checkpoint import checkpoint      # or nn.utils.checkpoint(fn, x)
    for block in model.blocks:
        x = checkpoint(block, x, use_reentrant=False)

How: fn runs once with recording on, only to learn which leaves that require grad (the
parameters fn reads) its outputs depend on; that graph is dropped at once, with the
activations it held. The result is one graph node whose inputs are fn's tensor
arguments and those leaves. Its backward restores the random generator's state (so
dropout draws the same masks), runs fn again with recording on, and takes the gradients
of that fresh graph with ``autograd.grad``. So gradients equal the plain run's, reach
``autograd.grad`` as well as ``.backward()``, and the peak memory of a deep stack drops
from all blocks' activations to one block's.

As in PyTorch: fn should be deterministic apart from autograd's generator (dropout,
init), and module state that fn changes (a BatchNorm's running statistics) changes twice.
``use_reentrant`` is accepted either way; both get this (non-reentrant) behaviour.
Double backward (``create_graph=True``) through a checkpoint raises.
"""
import sys
import types

from autograd.backprop import grad as _grad
from autograd.creation import default_generator
from autograd.errors import ArgumentError, GraphError
from autograd.function import Function
from autograd.grad_mode import enable_grad
from autograd.graph import AccumulateGrad
from autograd.state import is_grad_enabled
from autograd.tensor import Tensor


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default",
               debug=False, preserve_rng_state=True, **kwargs):
    """``function(*args, **kwargs)``, recomputed during backward instead of keeping its
    activations. Returns what function returns (a Tensor or a tuple of Tensors)."""
    if context_fn is not None:
        raise ArgumentError("checkpoint: context_fn is not supported")
    if determinism_check not in ("default", "none"):
        raise ArgumentError(f"checkpoint: determinism_check must be 'default' or 'none', got "
                            f"{determinism_check!r}")
    if not is_grad_enabled():
        return function(*args, **kwargs)
    rng_state = default_generator().bit_generator.state if preserve_rng_state else None
    inputs = [a.detach().requires_grad_(True) if _needs_grad(a) else a for a in args]
    with enable_grad():
        out = function(*inputs, **kwargs)
    if rng_state is not None and default_generator().bit_generator.state == rng_state:
        rng_state = None        # no draw: backward has no state to restore (ag.compile
        #                         replays a step whose other draws come between the two)
    outs = _outputs(out)
    out_type = type(out)
    mine = {id(t._node) for t in inputs if isinstance(t, Tensor) and t._node is not None}
    leaves = _leaves(outs, mine)
    if not leaves and not any(_needs_grad(a) for a in args):
        return _detach(out)                # nothing to differentiate: keep no graph at all
    spec = _Spec(function, kwargs, rng_state, [t.detach() for t in outs], len(args),
                 [_needs_grad(a) for a in args], determinism_check != "none")
    del out, outs, inputs
    result = CheckpointFunction.apply(spec, *args, *leaves)
    return out_type(result) if spec.multi and out_type is not tuple else result


def _needs_grad(a):
    return isinstance(a, Tensor) and a._node is not None


def _outputs(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    if not outs or not all(isinstance(t, Tensor) for t in outs):
        raise ArgumentError(f"checkpoint: the function must return a Tensor or a tuple of "
                            f"Tensors, got {type(out).__name__}")
    return tuple(outs)


def _detach(out):
    if isinstance(out, Tensor):
        return out.detach()
    return type(out)(t.detach() for t in out)


def _leaves(outs, skip):
    """The tensors behind the AccumulateGrad nodes that `outs` depend on (not those in
    `skip`), in graph order, each once. An iterative walk: no recursion on the graph."""
    seen, found, stack = set(), [], [t._node for t in outs if t._node is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is AccumulateGrad:
            leaf = node.leaf()
            if id(node) not in skip and leaf is not None:
                found.append(leaf)
            continue
        stack.extend(p for p in node.parents if p is not None)
    return found


class _Spec:
    """What the checkpoint node keeps instead of activations."""

    def __init__(self, function, kwargs, rng_state, outputs, n_args, needs_grad, check):
        self.function, self.kwargs, self.rng_state = function, kwargs, rng_state
        self.shapes = [(t.shape, t.dtype) for t in outputs]
        self.outputs = outputs
        self.multi = len(outputs) > 1
        self.n_args, self.needs_grad, self.check = n_args, needs_grad, check


class CheckpointFunction(Function):
    """The graph node of one checkpointed call (its name in pictures and grad_fn)."""
    @staticmethod
    def forward(ctx, spec, *tensors):
        ctx.spec = spec
        ctx.save_for_backward(*tensors)
        outputs, spec.outputs = spec.outputs, None
        return tuple(outputs) if spec.multi else outputs[0]

    @staticmethod
    def backward(ctx, *grad_outputs):
        spec = ctx.spec
        if is_grad_enabled():
            raise GraphError("checkpoint: double backward (create_graph=True) through a "
                             "checkpointed function is not supported; call the function "
                             "without checkpoint for higher-order gradients")
        saved = ctx.saved_tensors
        args, leaves = saved[:spec.n_args], saved[spec.n_args:]
        inputs = [a.detach().requires_grad_(True) if need else a
                  for a, need in zip(args, spec.needs_grad)]
        gen = default_generator()
        current = gen.bit_generator.state
        if spec.rng_state is not None:
            gen.bit_generator.state = spec.rng_state
        try:
            with enable_grad():
                outs = _outputs(spec.function(*inputs, **spec.kwargs))
        finally:
            gen.bit_generator.state = current
        if spec.check and [(t.shape, t.dtype) for t in outs] != spec.shapes:
            raise GraphError(f"checkpoint: recomputing the function gave outputs "
                             f"{[(t.shape, str(t.dtype)) for t in outs]}, the forward gave "
                             f"{[(s, str(d)) for s, d in spec.shapes]}; the function must do "
                             f"the same computation each time")
        targets = [t for t in inputs if _needs_grad(t)] + list(leaves)
        pairs = [(o, g) for o, g in zip(outs, grad_outputs) if o._node is not None]
        grads = iter(_grad([o for o, _ in pairs], targets, [g for _, g in pairs],
                           allow_unused=True) if pairs and targets else [None] * len(targets))
        result = [None]                                     # the spec
        result += [next(grads) if need else None for need in spec.needs_grad]
        result += [next(grads) for _ in leaves]
        return tuple(result)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run the modules (or functions) of `functions` in order, in `segments` checkpointed
    chunks (the last chunk runs plainly, as PyTorch)."""
    functions = list(functions.children()) if hasattr(functions, "children") and \
        not isinstance(functions, (list, tuple)) else list(functions)
    if not 1 <= segments <= len(functions):
        raise ArgumentError(f"checkpoint_sequential: segments must be in [1, "
                            f"{len(functions)}], got {segments}")
    size = len(functions) // segments
    end = 0
    for start in range(0, size * (segments - 1), size):
        end = start + size
        input = checkpoint(_run_chunk(functions[start:end]), input, use_reentrant=use_reentrant,
                           **kwargs)
    return _run_chunk(functions[end:])(input)


def _run_chunk(chunk):
    def run(x):
        for f in chunk:
            x = f(x)
        return x
    return run


class _CallableModule(types.ModuleType):
    """``nn.utils.checkpoint(fn, x)`` as well as ``nn.utils.checkpoint.checkpoint(fn, x)``."""

    def __call__(self, function, *args, **kwargs):
        return checkpoint(function, *args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
