"""``Module``: the bookkeeping behind every layer.

A Module registers what it is given in ``__setattr__``: a ``Parameter`` goes to
``_parameters``, a Module to ``_modules``, a tensor given to ``register_buffer`` to
``_buffers``. Each is also kept as a plain instance attribute, so ``self.weight`` in a
forward is an ordinary attribute read. ``named_parameters()``, ``state_dict()`` and the
module scopes that the graph records all use the same dotted names (``encoder.layers.1``).

Module scopes: while a module's forward runs, this thread's engine state
(``autograd.state.current().scope``) holds its qualified name and every recorded node
stores it (``node.scope``). The module called at
top level is the root and its scope is ``""``, as in ``named_modules()``; its
descendants get the names ``named_modules()`` gives them from that root, so
``dict(model.named_modules())[node.scope]`` is the module that made a node. Names are
assigned once per root (again only when the module tree changes or another root is
called); a module called from a forward without being registered under the root is
scoped as ``<caller scope>.<ClassName>``.
"""
from collections import namedtuple

import numpy as np

from autograd import devices as _device, graph
from autograd.jit import replayed
from autograd.state import current as _engine_state
from autograd.errors import ArgumentError, GradgraphError
from autograd.graph import AccumulateGrad, _wrap
from autograd.tensor import Tensor, _dtype
from autograd.versions import structure_changed

from . import hooks as _hooks
from .parameter import Buffer, Parameter


class StateDictError(GradgraphError, RuntimeError):
    """``load_state_dict``: a shape mismatch, or missing/unexpected keys in strict mode."""


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


# Scope naming state (see the module docstring). Module globals: the cheapest lookups.
_tree_version = 0      # bumped whenever any module gains, loses or replaces a submodule
_named_version = -1    # _tree_version when the last root named its tree
_token = 0             # id of the last naming pass; a module named by it carries it


class _Registry(dict):
    """A module's registry (parameters, buffers, submodules, hooks): a dict that bumps
    ``autograd.versions.structure`` after each change, made through the module or
    directly (``model._modules["fc"] = ...``), so that a compiled step sees it."""
    __slots__ = ()


def _changing(name):
    method = getattr(dict, name)

    def change(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        finally:
            structure_changed()
    change.__name__ = name
    return change


for _name in ("__setitem__", "__delitem__", "__ior__", "pop", "popitem", "clear", "update",
              "setdefault"):
    setattr(_Registry, _name, _changing(_name))
del _name
_REGISTRIES = ("_parameters", "_buffers", "_modules", "_forward_pre_hooks", "_forward_hooks",
               "_backward_pre_hooks", "_backward_hooks")
_MISSING = object()


def _tree_changed():
    global _tree_version
    _tree_version += 1


def _name_tree(root):
    global _token, _named_version
    _token += 1
    for name, m in root.named_modules():
        m.__dict__["_scope"] = name
        m.__dict__["_scope_token"] = _token
    _named_version = _tree_version


class Module:
    """Base class of all layers and models (PyTorch's ``nn.Module``)."""

    def __init__(self):
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = _Registry()
        d["_buffers"] = _Registry()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = _Registry()
        d["_forward_pre_hooks"] = _Registry()
        d["_forward_hooks"] = _Registry()
        d["_backward_pre_hooks"] = _Registry()
        d["_backward_hooks"] = _Registry()
        d["_scope"] = None
        d["_scope_token"] = -1

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define it in "
                                  f"the subclass")

    def __call__(self, *args, **kwargs):
        # Costs ~6.5k instructions, 8% of a Linear forward at B=16, 64->64
        # (benchmarks/nn_layers.py): the scope bookkeeping below and the hook checks.
        st = _engine_state()                    # this thread's: threads run their own roots
        outer = st.scope
        outer_token = st.scope_token
        if outer is None:                       # top-level call: this module is the root
            if (self._scope_token != _token or self._scope != ""
                    or _named_version != _tree_version):
                _name_tree(self)
            scope = ""
            st.scope_token = self._scope_token  # the naming pass that names this tree
        elif self._scope_token == outer_token:
            scope = self._scope
        else:
            scope = f"{outer}.{type(self).__name__}" if outer else type(self).__name__
        st.scope = scope
        d = self.__dict__       # one read of Module's slow attribute path (its __getattr__)
        try:
            if (d["_forward_pre_hooks"] or d["_forward_hooks"] or d["_backward_hooks"]
                    or d["_backward_pre_hooks"] or _global_hooks):
                out = _hooks.call(self, args, kwargs, _global_hooks, _global_hook_options)
            else:
                out = self.forward(*args, **kwargs)
        finally:
            st.scope = outer
            st.scope_token = outer_token
        return out

    # --- registration ----------------------------------------------------------------
    def __setattr__(self, name, value):
        same = self.__dict__.get(name, _MISSING) is value
        self._set(name, value)
        if not same:
            structure_changed()         # after the change: see autograd/versions.py

    def _set(self, name, value):
        d = self.__dict__
        params, modules, buffers = d.get("_parameters"), d.get("_modules"), d.get("_buffers")
        if isinstance(value, (Parameter, Module)) and params is None:
            raise AttributeError(f"cannot assign {type(value).__name__} '{name}' before "
                                 f"Module.__init__() is called; call super().__init__() first")
        if isinstance(value, Buffer):
            self.register_buffer(name, Tensor(value.data, requires_grad=value.requires_grad),
                                 value.persistent)
            return
        if isinstance(value, Parameter):
            if name not in params and isinstance(getattr(type(self), name, None), property):
                raise KeyError(f"attribute '{name}' already exists: {type(self).__name__}."
                               f"{name} is a property (a parametrized tensor: assign a plain "
                               f"tensor to store it, or remove the parametrization first)")
            self._forget(name, keep="_parameters")
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise ArgumentError(f"cannot assign '{type(value).__name__}' as parameter "
                                f"'{name}' (nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._forget(name, keep="_modules")
            modules[name] = value
            _tree_changed()
        elif modules is not None and name in modules:
            if value is not None:
                raise ArgumentError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (nn.Module or None expected)")
            modules[name] = None
            _tree_changed()
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise ArgumentError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)     # plain attribute (properties work)
            return
        d[name] = value

    def __getattr__(self, name):
        # Only reached when `name` is not an instance attribute: registries edited directly.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in d.get(registry, ()):
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if self._forget(name):
            self.__dict__.pop(name, None)
        else:
            object.__delattr__(self, name)
        structure_changed()

    def _forget(self, name, keep=None):
        """Remove `name` from the registries (but `keep`, so that re-assigning keeps its
        place in order); True if it was registered."""
        d = self.__dict__
        found = False
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep and name in d[registry]:
                del d[registry][name]
                found = True
                if registry == "_modules":
                    _tree_changed()
        d["_non_persistent_buffers"].discard(name)
        return found

    def _check_name(self, name, kind):
        if not isinstance(name, str):
            raise ArgumentError(f"{kind} name should be a string, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"{kind} name can't be empty or contain \".\", got {name!r}")
        registries = (self._parameters, self._buffers, self._modules)
        if hasattr(self, name) and not any(name in r for r in registries):
            raise KeyError(f"attribute '{name}' already exists")

    def _register(self, registry, kind, expected, name, value):
        if registry not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        self._check_name(name, kind)
        if name not in self.__dict__[registry] and hasattr(self, name):
            raise KeyError(f"attribute '{name}' already exists: {type(self).__name__} has it "
                           f"as another kind of member than a {kind} (delete it first, as "
                           f"PyTorch asks)")
        if value is not None and not isinstance(value, expected):
            raise ArgumentError(f"cannot assign '{type(value).__name__}' object to {kind} "
                            f"'{name}' ({expected.__name__} or None required)")
        self._forget(name, keep=registry)
        self.__dict__[name] = value
        self.__dict__[registry][name] = value      # (a _Registry: the change is counted)

    def register_parameter(self, name, param):
        """Add a Parameter (or None: a declared but absent parameter, e.g. no bias)."""
        self._register("_parameters", "parameter", Parameter, name, param)

    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is state but not a parameter (e.g. BatchNorm's
        ``running_mean``); it is in ``state_dict()`` unless ``persistent=False``."""
        self._register("_buffers", "buffer", Tensor, name, tensor)
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a child module (or None) under `name`."""
        self._register("_modules", "module", Module, name, module)
        _tree_changed()

    register_module = add_module

    # --- traversal -------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for this module and all below it, depth first, each once."""
        seen = set() if memo is None else memo
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop()
            if remove_duplicate:
                if id(m) in seen:
                    continue
                seen.add(id(m))
            yield name, m
            stack.extend(reversed([(f"{name}.{k}" if name else k, c)
                                   for k, c in m._modules.items() if c is not None]))

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        seen = set()
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                if recurse else [(prefix, self)])
        for mod_prefix, m in mods:
            for k, v in m.__dict__[registry].items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield (f"{mod_prefix}.{k}" if mod_prefix else k), v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) pairs; a parameter shared by two modules comes once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target):
        """The module at dotted path `target` ("" is self)."""
        m = self
        for part in target.split(".") if target else ():
            if part not in m._modules or m._modules[part] is None:
                raise AttributeError(f"{type(m).__name__} has no submodule '{part}' "
                                     f"(looking up '{target}')")
            m = m._modules[part]
        return m

    def set_submodule(self, target, module, strict=False):
        """Put `module` at dotted path `target` (``"encoder.0"``), replacing what is there;
        its parent must exist. With `strict`, the attribute must already be a submodule."""
        if not target:
            raise ArgumentError("set_submodule: cannot set the module itself (an empty "
                                "target)")
        if not isinstance(module, Module):
            raise ArgumentError(f"set_submodule: {type(module).__name__} is not a Module")
        parent, name = self._owner_and_name(target)
        if strict and name not in parent._modules:
            raise AttributeError(f"{type(parent).__name__} has no submodule '{name}' "
                                 f"(setting '{target}' with strict=True)")
        setattr(parent, name, module)

    def _owner_and_name(self, target):
        module_path, _, name = target.rpartition(".")
        return self.get_submodule(module_path), name

    def get_parameter(self, target):
        """The Parameter at dotted path `target` (``"encoder.0.weight"``); AttributeError
        if a module on the path is missing or the attribute is not a Parameter."""
        m, name = self._owner_and_name(target)
        if not isinstance(m._parameters.get(name), Parameter):
            raise AttributeError(f"{type(m).__name__} has no parameter '{name}' (looking up "
                                 f"'{target}')")
        return m._parameters[name]

    def get_buffer(self, target):
        """The buffer at dotted path `target` (``"bn.running_mean"``; None for a buffer
        registered as None); AttributeError if it is not a registered buffer."""
        m, name = self._owner_and_name(target)
        if name not in m._buffers:
            raise AttributeError(f"{type(m).__name__} has no buffer '{name}' (looking up "
                                 f"'{target}')")
        return m._buffers[name]

    def apply(self, fn):
        """Call ``fn(module)`` on every submodule (children first), then on self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # --- modes and gradients -----------------------------------------------------------
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ArgumentError("train(mode): mode is expected to be a bool")
        for m in self.modules():
            m.__dict__["training"] = mode
        structure_changed()
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    @replayed(idempotent=True)   # compile: a replay calls it (hook, see autograd/jit)
    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = p.grad.detach()
                p.grad.data[...] = 0
                graph.mark_modified(p.grad.data, "zero_grad")   # a graph may have saved it

    def to(self, *args, dtype=None, device=None, non_blocking=False, memory_format=None):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)`` as PyTorch:
        casts floating parameters and buffers in place (the Parameter objects stay the
        same, so optimizers keep them). The device must be the CPU (a no-op); another
        device raises ArgumentError. `memory_format` is a layout hint that changes no
        value, taken for PyTorch's signature."""
        dtype = _device.to_args(args, dtype, device, f"{type(self).__name__}.to")
        if dtype is None:
            return self
        dtype = _dtype(dtype)
        if dtype.kind != "f":
            raise ArgumentError(f"Module.to only accepts floating point dtypes, got {dtype}")
        for m in self.modules():
            for t in list(m._parameters.values()) + list(m._buffers.values()):
                if t is None or t.data.dtype.kind != "f" or t.data.dtype == dtype:
                    continue
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad = _wrap(t.grad.data.astype(dtype), None)
                if type(t._node) is AccumulateGrad:
                    # the same node, so its hooks (DDP's among them) stay; graphs made
                    # before the cast hand it gradients that the engine casts to it
                    t._node.dtype = t.data.dtype
        return self

    def type(self, dst_type):
        """Cast every parameter and buffer to `dst_type`, integer buffers too (a
        BatchNorm's num_batches_tracked becomes float, as in PyTorch); parameters must stay
        floating point."""
        dtype = _dtype(dst_type)
        if dtype.kind != "f" and next(self.parameters(), None) is not None:
            raise ArgumentError(f"{type(self).__name__}.type: parameters must be floating "
                                f"point, got {dtype}")
        if dtype.kind == "f":
            self.to(dtype)
        for m in self.modules():
            for b in m._buffers.values():
                if b is not None and b.data.dtype != dtype:
                    b.data = b.data.astype(dtype)
        return self

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    def cpu(self):
        return self

    def cuda(self, device=None):
        _device.check_device("cuda" if device is None else device, f"{type(self).__name__}.cuda")

    # --- hooks -----------------------------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args)`` before forward; a non-None return replaces the args (a
        value that is not a tuple is made one). With `with_kwargs`,
        ``hook(module, args, kwargs)``, returning None or ``(new_args, new_kwargs)``.
        `prepend`: run before the hooks registered so far."""
        return _hooks.add(self._forward_pre_hooks, hook, prepend,
                         _hooks.option(self, "_forward_pre_hooks_with_kwargs", with_kwargs))

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """``hook(module, args, output)`` after forward; a non-None return replaces the
        output. With `with_kwargs`, ``hook(module, args, kwargs, output)``; with
        `always_call`, it also runs when forward (or a hook before it) raises.
        `prepend`: run before the hooks registered so far."""
        return _hooks.add(self._forward_hooks, hook, prepend,
                         _hooks.option(self, "_forward_hooks_with_kwargs", with_kwargs)
                         + _hooks.option(self, "_forward_hooks_always_called", always_call))

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output)`` when the gradients of this module's outputs are
        known, before those of its inputs are computed; a tuple returned replaces
        grad_output. ``grad_output`` has one entry per output (None for one that is not
        a tensor, does not require grad or got no gradient). Each call of the module has
        its own (nn/hooks.py); its tensor inputs and outputs cannot be modified in
        place (GraphError). `prepend`: run before the hooks registered so far."""
        return _hooks.add(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output)`` when the gradients of this module's
        positional inputs are computed; a tuple returned replaces grad_input. Entries are
        None for arguments that are not tensors; a tensor input that got no gradient has
        zeros (PyTorch's). If no input requires grad, the hook runs with the gradients of
        the outputs, grad_input all None (with a warning), and must return None. As
        ``register_full_backward_pre_hook`` otherwise."""
        return _hooks.add(self._backward_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata)`` after ``state_dict()``
        has filled this module's entries (keys ``prefix + name``); it may replace them
        (a split layer writes its whole weight, as ``nn.parallel``'s do)."""
        return _hooks.add(self.__dict__.setdefault("_state_dict_hooks", _Registry()), hook)

    def register_state_dict_pre_hook(self, hook):
        """``hook(module, prefix, keep_vars)`` before ``state_dict()`` reads the module's
        tensors (it may bring them up to date)."""
        return _hooks.add(self.__dict__.setdefault("_state_dict_pre_hooks", _Registry()), hook)

    def register_load_state_dict_post_hook(self, hook):
        """``hook(module, incompatible_keys)`` after ``load_state_dict()`` has copied the
        values; it may change ``incompatible_keys.missing_keys`` / ``unexpected_keys`` in
        place (clearing them lets a strict load pass) and must return None."""
        return _hooks.add(self.__dict__.setdefault("_load_state_dict_post_hooks", _Registry()),
                          hook)

    def register_load_state_dict_pre_hook(self, hook):
        """``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before ``load_state_dict()`` checks and copies;
        `state_dict` is a copy the hook may change (a split layer takes its part of the
        whole weight); messages appended to `error_msgs` make the load fail."""
        return _hooks.add(self.__dict__.setdefault("_load_state_dict_pre_hooks", _Registry()), hook)

    def _hooked_modules(self, kind, prefix=""):
        """(key prefix, module, hooks) of the modules below with hooks of `kind`; `prefix`
        comes before every key prefix as given (PyTorch's state_dict(prefix='m.'))."""
        for mod_prefix, m in self.named_modules(remove_duplicate=False):
            hooks = m.__dict__.get(kind)
            if hooks:
                yield prefix + (f"{mod_prefix}." if mod_prefix else ""), m, list(hooks.values())

    # --- state -----------------------------------------------------------------------
    def _state_entries(self, prefix="", extra="get_extra_state"):
        """(key, tensor) for every parameter and persistent buffer, with PyTorch's keys;
        a module reachable by two paths is listed under both, as in PyTorch. A module
        whose class defines `extra` (get_extra_state, or set_extra_state when loading)
        adds (key of its "_extra_state", the module) after its own tensors."""
        for mod_prefix, m in self.named_modules(remove_duplicate=False):
            dot = prefix + (f"{mod_prefix}." if mod_prefix else "")
            for k, p in m._parameters.items():
                if p is not None:
                    yield dot + k, p
            for k, b in m._buffers.items():
                if b is not None and k not in m._non_persistent_buffers:
                    yield dot + k, b
            if getattr(type(m), extra) is not getattr(Module, extra):
                yield dot + "_extra_state", m

    def get_extra_state(self):
        """The state beyond parameters and buffers that state_dict() stores under
        "_extra_state" for a module whose class defines this (and set_extra_state)."""
        raise NotImplementedError(f"{type(self).__name__}.get_extra_state: define it (and "
                                  f"set_extra_state) to store extra state in state_dict()")

    def set_extra_state(self, state):
        """Restores what get_extra_state() returned, from load_state_dict()."""
        raise NotImplementedError(f"{type(self).__name__}.set_extra_state: define it to "
                                  f"load the \"_extra_state\" that get_extra_state() stored")

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """{dotted key: tensor} of parameters and persistent buffers. The tensors share
        memory with the module (detached unless `keep_vars`)."""
        out = {} if destination is None else destination
        for dot, m, hooks in self._hooked_modules("_state_dict_pre_hooks", prefix):
            for hook in hooks:
                hook(m, dot, keep_vars)
        for key, t in self._state_entries(prefix):
            out[key] = (t.get_extra_state() if isinstance(t, Module) else
                        t if keep_vars else _wrap(t.data, None))
        for dot, m, hooks in self._hooked_modules("_state_dict_hooks", prefix):
            for hook in hooks:
                hook(m, out, dot, {})
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values (ndarrays or Tensors) into the parameters and buffers in place;
        with ``assign=True`` make the state dict's arrays (their memory and dtype) the
        module's, as PyTorch (parameters stay Parameters with their requires_grad).

        Raises StateDictError naming the key and both shapes on a shape mismatch, and,
        if `strict`, listing missing and unexpected keys; nothing is copied then (with
        post hooks, which run after the copy and may clear those keys, the strict check
        comes after them, as in PyTorch).
        Returns ``IncompatibleKeys(missing_keys, unexpected_keys)``."""
        errors = []
        pre_hooked = list(self._hooked_modules("_load_state_dict_pre_hooks"))
        if pre_hooked:
            metadata = getattr(state_dict, "_metadata", None) or {}   # PyTorch's versions
            state_dict = dict(state_dict)
            for dot, m, hooks in pre_hooked:
                for hook in hooks:
                    hook(m, state_dict, dot, metadata.get(dot[:-1], {}), strict, [], [], errors)
        entries = dict(self._state_entries(extra="set_extra_state"))
        missing = [k for k in entries if k not in state_dict]
        unexpected = [k for k in state_dict if k not in entries]
        extras = {k: entries.pop(k) for k in [k for k, t in entries.items()
                                              if isinstance(t, Module)]}
        copies = []
        for key, target in entries.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            arr = value.data if isinstance(value, Tensor) else np.asarray(value)
            if arr.shape != target.data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{arr.shape} from checkpoint, the shape in current model is "
                              f"{target.data.shape}.")
            elif assign:
                copies.append((key, arr))
            elif not np.can_cast(arr.dtype, target.data.dtype, "same_kind"):
                errors.append(f"dtype mismatch for {key}: cannot copy {arr.dtype} from "
                              f"checkpoint into {target.data.dtype}.")
            else:
                copies.append((target, arr))
        post_hooked = list(self._hooked_modules("_load_state_dict_post_hooks"))
        # post hooks may clear the missing and unexpected keys: strict waits for them
        self._raise_load_errors(errors, strict and not post_hooked, missing, unexpected)
        for key, m in extras.items():
            if key in state_dict:
                m.set_extra_state(state_dict[key])
        for target, arr in copies:
            if assign:
                self._assign(target, arr)
            elif arr is not target.data:
                np.copyto(target.data, arr, casting="same_kind")
                graph.mark_modified(target.data)
        keys = IncompatibleKeys(missing, unexpected)
        if post_hooked:         # after the copy, and before the strict check (as PyTorch)
            for _, m, hooks in post_hooked:
                for hook in hooks:
                    if hook(m, keys) is not None:
                        raise ArgumentError("a load_state_dict post hook must return None "
                                            "(it may change incompatible_keys in place)")
            self._raise_load_errors([], strict, missing, unexpected)
        return keys

    def _raise_load_errors(self, errors, strict, missing, unexpected):
        if strict:
            if missing:
                errors.append("Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ".")
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ".")
        if errors:
            raise StateDictError(f"Error(s) in loading state_dict for {type(self).__name__}:"
                                 + "".join("\n\t" + e for e in errors))

    def _assign(self, key, arr):
        """load_state_dict(assign=True) of one entry: `arr` becomes the parameter's or
        buffer's array, in the tensor that the owning module (and any that shares it) holds."""
        owner, name = self._owner_and_name(key)
        old = owner._parameters.get(name)
        if old is not None:
            new = Parameter(_wrap(arr, None), requires_grad=old.requires_grad)
            for m in self.modules():
                for k, p in list(m._parameters.items()):
                    if p is old:
                        setattr(m, k, new)
        else:
            old = owner._buffers[name]
            new = _wrap(arr, None)
            for m in self.modules():
                for k, b in list(m._buffers.items()):
                    if b is old:
                        m.register_buffer(k, new, k not in m._non_persistent_buffers)

    # --- printing --------------------------------------------------------------------
    def extra_repr(self):
        """The text inside this module's parentheses in repr (set by subclasses)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [_indent(line, 2) for line in self._child_reprs()]
        if not children and len(lines) <= 1:
            return f"{self._get_name()}({''.join(lines)})"
        body = "\n  ".join(lines + children)
        return f"{self._get_name()}(\n  {body}\n)"

    def _child_reprs(self):
        """The line "(name): repr" of each child, which ``__repr__`` puts after extra_repr."""
        return [f"({k}): {m!r}" for k, m in self._modules.items()]

    def __setstate__(self, state):
        # copies and unpickled modules get fresh scope names at their next call
        d = self.__dict__
        d.update(state)
        for k in _REGISTRIES:           # a module pickled with plain dicts, or without
            if type(d.get(k)) is not _Registry:     # backward hooks
                d[k] = _Registry(d.get(k, ()))
        d["_scope_token"] = -1
        structure_changed()


# PyTorch's global hooks (register_module_*_hook below), which every module's call runs
# before its own: {handle id: (the module registry's name, hook)}, one dict so that
# Module.__call__ tests one global (four cost 2,700 instructions per benchmarks/
# instructions.py mlp_step, 0.14%); a _Registry, so a compiled step's check sees a change.
_global_hooks = _Registry()
_global_hook_options = {"_forward_hooks_with_kwargs": {}, "_forward_hooks_always_called": {}}


def register_module_forward_pre_hook(hook):
    """A forward pre-hook of every module, run before the module's own (see
    ``Module.register_forward_pre_hook``); PyTorch's global hook."""
    return _hooks.add(_global_hooks, ("_forward_pre_hooks", hook))


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """A forward hook of every module, run before the module's own (see
    ``Module.register_forward_hook``); PyTorch's global hook."""
    return _hooks.add(_global_hooks, ("_forward_hooks", hook), options=[
        _global_hook_options[k] for k, flag in (("_forward_hooks_with_kwargs", with_kwargs),
                                                ("_forward_hooks_always_called", always_call))
        if flag])


def register_module_full_backward_pre_hook(hook):
    """A backward pre-hook of every module, run before the module's own (see
    ``Module.register_full_backward_pre_hook``); PyTorch's global hook."""
    return _hooks.add(_global_hooks, ("_backward_pre_hooks", hook))


def register_module_full_backward_hook(hook):
    """A full backward hook of every module, run before the module's own (see
    ``Module.register_full_backward_hook``); PyTorch's global hook."""
    return _hooks.add(_global_hooks, ("_backward_hooks", hook))


def _indent(text, spaces):
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * spaces + line for line in lines[1:]])
