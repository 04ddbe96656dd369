"""Module hooks: a module's call with its hooks (``call``: forward pre-hooks and hooks
with PyTorch's options), their registration (``add``), and the backward hooks
(``register_full_backward_hook``, ``register_full_backward_pre_hook``) as PyTorch's
``BackwardHook``: one call of a hooked module passes its tensor arguments and its tensor
results through an identity node each,

    x ──► [inputs' node] ──► x' ──► forward ──► y ──► [outputs' node] ──► y'

The engine runs a node once all its consumers are done, with the gradients of all its
outputs: the outputs' node gives the pre-hooks ``grad_output`` (they may replace it), the
inputs' node gives the full hooks ``(grad_input, grad_output)`` (they may replace
grad_input). Each call has its own pair of nodes, so a module called twice in a graph
runs its hooks once per call. Both nodes pass Tensors, so under ``create_graph`` what a
hook computes is recorded.
"""
import warnings

import numpy as np

from autograd import graph
from autograd.errors import ArgumentError, GraphError
from autograd.function import _GradList, _OutputSelect
from autograd.graph import Node, RemovableHandle, _wrap
from autograd.state import current as _engine_state
from autograd.tensor import Tensor


def call(module, args, kwargs, everywhere, options):
    """``module.forward(*args, **kwargs)`` with the global hooks `everywhere` ({id:
    (the name of the module registry it belongs with, hook)}, `options` the global
    {option: {id: True}}) and then the module's, in PyTorch's order: forward pre-hooks,
    the backward hooks' node on the arguments, forward, forward hooks, the backward
    hooks' node on the result. If forward or a hook raises, the forward hooks registered
    with ``always_call`` that have not run yet run (their errors are warnings)."""
    d = module.__dict__

    def listed(kind):        # (snapshots: another thread may register meanwhile)
        return ([(k, h) for k, (of, h) in list(everywhere.items()) if of == kind]
                + list(d[kind].items()))
    hooks = [h for _, h in listed("_backward_hooks")]
    pre_hooks = [h for _, h in listed("_backward_pre_hooks")]
    forward_pre = listed("_forward_pre_hooks")
    forward = listed("_forward_hooks")
    pre_kwargs = d.get("_forward_pre_hooks_with_kwargs", ())
    post_kwargs, always = ({**options[k], **d.get(k, {})} for k in (
        "_forward_hooks_with_kwargs", "_forward_hooks_always_called"))
    called = set()
    out = None

    def forward_hook(key, hook):
        return hook(module, args, kwargs, out) if key in post_kwargs else hook(module, args, out)
    try:
        for key, hook in forward_pre:
            if key in pre_kwargs:
                result = hook(module, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise ArgumentError(f"forward pre-hook must return None or a tuple of "
                                            f"(new_args, new_kwargs), but got {result}")
                    args, kwargs = result
            else:
                result = hook(module, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward = None
        if hooks or pre_hooks:
            backward = BackwardHook(module, hooks, pre_hooks)
            args = backward.setup_input_hook(args)
        out = module.forward(*args, **kwargs)
        for key, hook in forward:
            called.add(key)
            result = forward_hook(key, hook)
            if result is not None:
                out = result
        if backward is not None:
            if not isinstance(out, (Tensor, tuple)):
                warnings.warn(f"For backward hooks to be called, module output should be a "
                              f"Tensor or a tuple of Tensors but received {type(out)} (a "
                              f"{type(module).__name__})", stacklevel=3)
            out = backward.setup_output_hook(out)
        return out
    except Exception:
        for key, hook in forward:
            if key in always and key not in called:
                try:
                    result = forward_hook(key, hook)
                    if result is not None:
                        out = result
                except Exception as e:
                    warnings.warn(f"module forward hook with ``always_call=True`` raised an "
                                  f"exception that was silenced as another error was raised "
                                  f"in forward: {e}", stacklevel=3)
        raise


def add(hooks, hook, prepend=False, options=()):
    """Register `hook` in `hooks` (last, or first if `prepend`), and in each of the
    `options` dicts; the handle removes it from all."""
    handle = RemovableHandle(hooks, extra_dict=list(options))
    for d in options:
        d[handle.id] = True
    if prepend:
        rest = dict(hooks)
        hooks.clear()
        hooks[handle.id] = hook
        hooks.update(rest)
    else:
        hooks[handle.id] = hook
    return handle


def option(module, name, flag):
    """[`module`'s dict of the ids of hooks with the option `name`] if `flag`, else []."""
    return [module.__dict__.setdefault(name, {})] if flag else []


class _HookNode(Node):
    """The identity on one call's tensor inputs (or outputs) that require grad: the
    gradients of its outputs (a _GradList, one slot each) go to its parents through
    `run`, which calls the hooks."""
    __slots__ = ("run",)
    arrays = False                   # Tensors in and out: hooks see Tensors
    name = "BackwardHookFunction"

    def backward(self, g):
        return self.run((g.data if isinstance(g, Tensor) else g).items)


class _Hooked(_OutputSelect):
    """Output k of a _HookNode: the tensor the module's forward (or its caller) gets."""
    __slots__ = ()
    name = "BackwardHookFunction"
    inplace_refusal = ("is an output of BackwardHookFunction (a module with backward hooks "
                       "passes its tensor inputs and outputs through it), which shares its "
                       "memory with the tensor given to or returned by the module and cannot "
                       "be modified in place, as in PyTorch; clone() it first")


def _pass_through(tensors, run):
    """`tensors` (each requiring grad) through one new _HookNode calling `run`: the new
    tensors on the same arrays."""
    node = _HookNode.__new__(_HookNode)
    node.run = run
    graph.record(node, np.empty(0), tuple(t._node for t in tensors))
    node.shape, node.dtype = (), None          # a tuple of outputs: see _GradList
    out = []
    for k, t in enumerate(tensors):
        select = _Hooked.__new__(_Hooked)
        select.index, select.count = k, len(tensors)
        out.append(graph.record(select, t.data, (node,)))
    return out


class BackwardHook:
    """The hooks of one call of `module` (PyTorch's torch.utils.hooks.BackwardHook):
    ``setup_input_hook`` on the arguments after the forward pre-hooks,
    ``setup_output_hook`` on the result after the forward hooks."""

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None   # set by the outputs' node, used (and cleared) by the inputs'
        self.inputs = None         # (position, shape, dtype) of each tensor argument
        self.n_inputs = 0
        self.input_grads = None    # the positions of those that require grad
        self.results = None        # (position, shape, dtype) of each tensor result
        self.n_outputs = 0
        self.outputs = None        # the positions of those that require grad

    def setup_input_hook(self, args):
        self.n_inputs = len(args)
        self.inputs = _tensors(args)
        args, self.input_grads = _apply(args, self._input_hook)
        return args

    def setup_output_hook(self, result):
        single = not isinstance(result, tuple)
        results = (result,) if single else result
        self.n_outputs = len(results)
        self.results = _tensors(results)
        results, self.outputs = _apply(results, self._output_hook)
        return results[0] if single else results

    def _output_hook(self, grads):
        """The outputs' node: the pre-hooks see grad_output (None for an output that is not
        a tensor, does not require grad or got no gradient) and may replace it."""
        self.grad_outputs = _spread(self.outputs, grads, self.n_outputs)
        for hook in self.pre_hooks:
            out = hook(self.module, self.grad_outputs)
            if out is not None:
                self.grad_outputs = self._check(out, self.grad_outputs, "pre-hook",
                                                "grad_output", self.results)
        local = self.grad_outputs
        if self.input_grads is None:
            # No input requires grad: the full hooks run now, with grad_input all None.
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients "
                          "(PyTorch's register_full_backward_hook does the same)",
                          stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                out = hook(self.module, grad_inputs, self.grad_outputs)
                if out is not None and not (isinstance(out, tuple)
                                            and all(g is None for g in out)):
                    raise GraphError(f"a backward hook of {type(self.module).__name__}: none "
                                     f"of its inputs requires grad, so the hook must return "
                                     f"None or a tuple of None")
            self.grad_outputs = None
        return tuple(local[i] for i in self.outputs)

    def _input_hook(self, grads):
        """The inputs' node: the full hooks see grad_input (zeros for a tensor input that
        got no gradient, as PyTorch's; None for other arguments) and may replace it."""
        given = dict(zip(self.input_grads, grads))
        grads = [None] * self.n_inputs
        for i, shape, dtype in self.inputs:
            g = given.get(i)
            grads[i] = g if g is not None else _wrap(np.zeros(shape, dtype), None)
        grads = tuple(grads)
        if self.grad_outputs is None:
            # reached without passing through the module's outputs (a double backward
            # through a tensor the forward saved): no hook, as PyTorch
            return tuple(grads[i] for i in self.input_grads)
        for hook in self.hooks:
            out = hook(self.module, grads, self.grad_outputs)
            if out is not None:
                grads = self._check(out, grads, "hook", "grad_input", self.inputs)
        self.grad_outputs = None
        return tuple(grads[i] for i in self.input_grads)

    def _check(self, out, old, kind, what, tensors):
        """A hook's returned tuple `out` replacing `old`: same length, each gradient of its
        tensor's shape and dtype (`tensors`: _tensors of the arguments or results)."""
        name = type(self.module).__name__
        if not isinstance(out, (tuple, list)):
            raise GraphError(f"a backward {kind} of {name} returned a {type(out).__name__}; "
                             f"return a tuple of {what} ({len(old)} entries) or None")
        if len(out) != len(old):
            raise GraphError(f"Backward {kind} returned an invalid number of {what}, got "
                             f"{len(out)}, but expected {len(old)} (a {name})")
        out = tuple(g if g is None or isinstance(g, Tensor) else _wrap(np.asarray(g), None)
                    for g in out)
        for i, shape, dtype in tensors:
            g = out[i]
            if g is not None and (g.data.shape != shape or g.data.dtype != dtype):
                raise GraphError(f"a backward {kind} of {name} changed {what}[{i}] from "
                                 f"shape {shape} ({dtype}) to shape {g.data.shape} "
                                 f"({g.data.dtype}); return gradients of the tensors' own "
                                 f"shapes and dtypes (or None)")
        return out


def _apply(args, run):
    """`args` with their tensors that require grad passed through one _HookNode, and
    the positions of those, or `args` and None if none does (or grad mode is off)."""
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a._node is not None]
    if not positions or not _engine_state().grad_enabled:
        return args, None
    new = list(args)
    for i, t in zip(positions, _pass_through([args[i] for i in positions], run)):
        new[i] = t
    return (tuple(new) if type(args) is tuple else type(args)(*new)), positions


def _tensors(args):
    """(position, shape, dtype) of each Tensor in `args`."""
    return [(i, a.data.shape, a.data.dtype) for i, a in enumerate(args) if isinstance(a, Tensor)]


def _spread(positions, values, size):
    """A tuple of `size` with values at `positions`, None elsewhere."""
    out = [None] * size
    for i, v in zip(positions, values):
        out[i] = v
    return tuple(out)
