"""The ``Optimizer`` base: parameter groups, per-parameter state, state dicts.

Subclasses implement ``_update(group, params)``, which updates the parameters of one
group that have a gradient, in place on ``p.data`` with numpy ``out=`` arguments.
State buffers are plain ndarrays of the parameter's shape and dtype, made on the
first step; the temporaries an update needs come from a per-dtype workspace
(``scratch(p)``), so after the first step a step allocates no arrays.
"""
import functools

import numpy as np

from autograd import Tensor, enable_grad, no_grad
from autograd.jit import replayed, workspace
from autograd.graph import mark_all_modified, mark_modified
from autograd.errors import ArgumentError, ShapeError
from ..lazy import is_lazy


class _Required:
    """Marks a hyperparameter that has no default (PyTorch's ``required``)."""

    def __repr__(self):
        return "<required parameter>"


required = _Required()


class Optimizer:
    """Base class: ``Optimizer(params, defaults)``.

    `params` is an iterable of Tensors, of (name, Tensor) pairs (``named_parameters()``;
    the names go to the group's ``'param_names'``), or of dicts each with a ``'params'``
    list and hyperparameters that override `defaults` for that group. ``state[p]`` is a dict per
    parameter; ``state_dict()`` has PyTorch's layout (state keyed by integer parameter
    index, ``param_groups`` with ``'params'`` as index lists)."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        self._work = _Workspace()
        if isinstance(params, Tensor):
            raise ArgumentError(f"{type(self).__name__}: params must be an iterable of Tensors or "
                            f"dicts, but got a single Tensor of shape {params.shape}; pass "
                            f"[tensor] or model.parameters()")
        groups = list(params)
        if not groups:
            raise ArgumentError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group (a dict with ``'params'``); missing hyperparameters take the
        optimizer's defaults."""
        if not isinstance(param_group, dict):
            raise ArgumentError(f"add_param_group: a param group must be a dict, got "
                            f"{type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise ArgumentError("add_param_group: parameters must be an ordered collection (list "
                            "or tuple), not a set, so that the order is the same on every run")
        params = list(params) if params is not None else []
        named = [isinstance(p, tuple) for p in params]
        if any(named):                       # (name, tensor) pairs, as named_parameters()
            if not all(named):
                raise ArgumentError("add_param_group: give every parameter with a name "
                                    "(as named_parameters() does) or none of them")
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise ArgumentError(f"add_param_group: parameter {i} is a {type(p).__name__}, "
                                f"not a Tensor")
            if not p.is_leaf:
                raise ArgumentError(f"add_param_group: parameter {i} (shape {p.shape}) is not a "
                                 f"leaf tensor; optimize the tensors you created, not results "
                                 f"of ops on them")
            if is_lazy(p):
                raise ArgumentError(f"add_param_group: parameter {i} is an "
                                    f"{type(p).__name__} (a lazy module's): call the module "
                                    f"once (a dry run) before building the optimizer")
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ArgumentError(f"add_param_group: the group does not specify a value of "
                                 f"required hyperparameter '{name}'")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ArgumentError("add_param_group: some parameters appear more than once (in this "
                             "group or in another group)")
        self.param_groups.append(group)

    @replayed(idempotent=True)   # compile: a replay calls it (hook, see autograd/jit)
    def zero_grad(self, set_to_none=True):
        """Reset the gradients: drop them (default) or zero them in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g._node = None
                    g.data.fill(0)
                    mark_modified(g.data, "zero_grad")   # a graph may have saved it

    def _replay_key(self, closure=None):
        """For compile: None if a replay must call ``step`` as Python (a closure, or an
        ``_update`` not written with its ``_numbers`` and ``_branches``), else the
        branches each group's update takes (a list), which a replay of its numpy calls
        assumes. Such an ``_update`` passes numpy only numbers from ``_numbers`` (marked
        ``autograd.jit.numbers``; it may count steps) and changes no other Python state."""
        if closure is not None or not _inlinable(type(self)):
            return None
        return [self._branches(g) for g in self.param_groups]

    # compile: a replay runs the update's numpy calls, or calls step (hook, see autograd/jit)
    @replayed(inline=_replay_key)
    def step(self, closure=None):
        """Update every parameter that has a gradient. `closure`, if given, re-evaluates
        the model with gradients enabled and returns the loss, which step returns."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                params = [p for p in group["params"] if p.grad is not None]
                for p in params:
                    if p.grad.data.shape != p.data.shape:
                        _wrong_grad_shape(self, p)
                if params:
                    self._update(group, params)
                    _modified([p.data for p in params], f"{type(self).__name__}.step")
        return loss

    def _update(self, group, params):
        raise NotImplementedError

    # state entries kept as Python floats (PyTorch's 0-d tensors: NAdam's mu_product)
    _scalar_state = ()

    def _state_shape(self, key, shape):
        """The shape of state buffer `key` of a parameter of `shape` (its own shape;
        Adafactor's row and column factors have others)."""
        return shape

    @workspace              # compile: traced views while tracing (hook, see autograd/jit)
    def scratch(self, p, count=2):
        """`count` temporaries of `p`'s shape and dtype (contents undefined)."""
        return self._work.get(p.data, count)

    # --- state dicts -----------------------------------------------------------------
    def state_dict(self):
        """``{'state': {index: {name: value}}, 'param_groups': [{..., 'params': [index]}]}``.

        Arrays are the optimizer's own buffers (not copies), as in PyTorch; save them
        or deep-copy them before stepping again if you need a snapshot."""
        index = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a ``state_dict()`` of an optimizer over parameters of the same shapes,
        in the same groups. Buffers are copied (and cast to each parameter's dtype)."""
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ArgumentError(f"{name}.load_state_dict: the state dict has {len(saved_groups)} "
                             f"parameter groups, the optimizer {len(self.param_groups)}")
        by_index = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ArgumentError(f"{name}.load_state_dict: parameter group {i} has "
                                 f"{len(saved['params'])} parameters in the state dict and "
                                 f"{len(group['params'])} in the optimizer")
            by_index.update(zip(saved["params"], group["params"]))
        state = {}
        for key, values in state_dict["state"].items():
            p = by_index.get(int(key))
            if p is None:
                continue
            state[p] = {k: _restore(v, p, k, name, self._scalar_state,
                                    self._state_shape(k, p.data.shape))
                        for k, v in values.items()}
        self.state = state
        # keys the saved groups lack (an older checkpoint) keep the optimizer's values
        self.param_groups = [{**group, **{k: v for k, v in saved.items() if k != "params"},
                              "params": group["params"]}
                             for saved, group in zip(saved_groups, self.param_groups)]

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines + [")"])


def _wrong_grad_shape(opt, p):
    """Refuse a .grad of another shape than its parameter (one the user assigned): numpy
    would broadcast a (1,) or () gradient over the parameter silently, and PyTorch refuses
    the assignment."""
    name = type(opt).__name__
    i = next(i for i, q in enumerate(q for g in opt.param_groups for q in g["params"]) if q is p)
    raise ShapeError(f"{name}.step: parameter {i} has shape {p.data.shape} but its .grad has "
                     f"shape {p.grad.data.shape}; assign a gradient of the parameter's shape")


# compile: a replay bumps the versions too (hook, see autograd/jit)
_modified = replayed(effect=True)(mark_all_modified)


@functools.cache
def _inlinable(cls):
    """True if the class defining `cls`'s ``_update`` also defines ``_numbers`` and
    ``_branches`` (a subclass overriding ``_update`` alone is replayed as Python)."""
    owner = next(c for c in cls.__mro__ if "_update" in vars(c))
    return "_numbers" in vars(owner) and "_branches" in vars(owner)


def _restore(value, p, key, name, scalars, shape):
    """A state value from a state dict, as the optimizer keeps it: an int step, a float
    for a key in `scalars`, or an owned C-contiguous array of the parameter's dtype and
    the buffer's `shape`."""
    if isinstance(value, Tensor):
        value = value.data
    if key == "step":
        return int(value)
    if key in scalars:
        return float(value)
    if isinstance(value, np.ndarray):
        if value.shape != shape:
            raise ArgumentError(f"{name}.load_state_dict: state '{key}' has shape {value.shape} but "
                                f"its parameter of shape {p.data.shape} needs {shape}")
        return np.array(value, dtype=p.data.dtype, order="C", copy=True)
    return value


class _Workspace:
    """Scratch arrays for updates: per dtype, one flat buffer holding `count` parts (two
    for most updates), each as large as the largest parameter seen; views of it are
    cached per shape."""

    def __init__(self):
        self.flat = {}
        self.views = {}

    def get(self, a, count=2):
        key = (a.shape, a.dtype, count)
        views = self.views.get(key)
        if views is None:
            n = a.size
            flat = self.flat.get(a.dtype)
            if flat is None or flat.size < count * n:
                flat = self.flat[a.dtype] = np.empty(count * n, a.dtype)
                self.views = {k: v for k, v in self.views.items() if k[1] != a.dtype}
            views = self.views[key] = tuple(flat[i * n:(i + 1) * n].reshape(a.shape)
                                            for i in range(count))
        return views


def cpu_options(opt, foreach=None, fused=None, capturable=False, differentiable=False,
                keys=("foreach", "fused", "capturable", "differentiable")):
    """PyTorch's implementation switches, for its param groups. `foreach` and `fused`
    choose how PyTorch batches the update over tensors: gradgraph's step is the same
    maths whatever they say, so any value is accepted and kept. `capturable` (CUDA-graph
    capture) and `differentiable` (an update recorded by autograd) change what the step
    is, and gradgraph has neither: True is an error. Returns the switches named in
    `keys` (the ones PyTorch's optimizer keeps in its param groups) for the defaults."""
    for name, value in (("foreach", foreach), ("fused", fused)):
        if value not in (None, True, False):
            raise ArgumentError(f"{opt}: {name} must be None, True or False, got {value!r}")
    if capturable:
        raise ArgumentError(f"{opt}: capturable=True is for capturing the step in a CUDA graph; "
                            f"gradgraph runs on the CPU and has no graph capture: leave it False")
    if differentiable:
        raise ArgumentError(f"{opt}: differentiable=True (an update autograd can differentiate "
                            f"through) is not supported: gradgraph's step writes the parameters "
                            f"in place without recording; leave it False")
    switches = dict(foreach=foreach, fused=fused, capturable=False, differentiable=False)
    return {k: switches[k] for k in keys}


def check_hyperparameters(opt, **values):
    """Raise a ValueError naming the optimizer and value unless every value is >= 0."""
    for name, value in values.items():
        if not value >= 0.0:
            raise ArgumentError(f"{opt}: invalid {name} {value!r}; it must be >= 0")


def update_direction(p, t1, t2, maximize, weight_decay):
    """The gradient an update rule starts from: ``-grad`` if `maximize`, plus
    ``weight_decay * p`` (L2). Written into `t1` when it differs from ``p.grad``."""
    d = p.grad.data
    if maximize:
        d = np.negative(d, out=t1)
    if weight_decay:
        np.multiply(p.data, weight_decay, out=t2)
        d = np.add(d, t2, out=t1)
    return d


def floats(*values):
    """A ``_numbers`` result as floats: compile knows a number by its identity, and an int
    given by the user (``weight_decay=1``) is the same object for every parameter."""
    return tuple(float(v) for v in values)


def lerp_(avg, x, weight, tmp):
    """``avg <- avg + weight * (x - avg)`` in place (PyTorch's ``lerp_``)."""
    np.subtract(x, avg, out=tmp)
    tmp *= weight
    avg += tmp


def square_average_(avg, x, decay, weight, tmp):
    """``avg <- decay * avg + weight * x^2`` in place (`weight` is ``1 - decay``)."""
    avg *= decay
    np.multiply(x, weight, out=tmp)
    tmp *= x
    avg += tmp


def state_buffer(state, name, like):
    """``state[name]``, made as zeros shaped like `like` if absent."""
    buf = state.get(name)
    if buf is None:
        buf = state[name] = np.zeros_like(like)
    return buf
