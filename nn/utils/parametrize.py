"""``nn.utils.parametrize``, as PyTorch's: a parameter or buffer computed by modules from
the tensors stored in its place.

    register_parametrization(layer, "weight", Symmetric())
    layer.weight          # Symmetric()(layer.parametrizations.weight.original)

The module's class becomes a subclass ``Parametrized<Class>`` with a property of that
name: reading it calls the parametrizations in order on ``original`` (or, when the
first's ``right_inverse`` returns several tensors, on ``original0``, ``original1``, ...);
assigning to it stores ``right_inverse`` of the value. The stored tensors live in
``module.parametrizations[name]`` (a ``ParametrizationList``), so their state-dict keys
are PyTorch's (``parametrizations.weight.original0``). Inside ``cached()`` each
parametrized tensor is computed once.
"""
import copy
from contextlib import contextmanager

from autograd import no_grad
from autograd.errors import ArgumentError, DtypeError, GraphError, ShapeError
from autograd.tensor import Tensor

from ..containers import ModuleDict, ModuleList
from ..parameter import Parameter

_cache_enabled = 0
_cache = {}


@contextmanager
def cached():
    """Within it, each parametrized tensor is computed once, at its first read."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _register_parameter_or_buffer(module, name, t):
    if isinstance(t, Parameter):
        module.register_parameter(name, t)
    else:
        module.register_buffer(name, t)


def _set_original(original, value, what):
    """original's array replaced by value's (PyTorch's set_: the same tensor object)."""
    if value.dtype != original.dtype:
        raise DtypeError(f"{what}: right_inverse returned a tensor of dtype {value.dtype}, "
                         f"but the tensor it stores is {original.dtype}")
    original.data = value.data


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, in order, and the tensor(s) they start from
    (``original``, or ``original0``, ``original1``, ... when the first parametrization's
    ``right_inverse`` gives several)."""

    def __init__(self, modules, original, unsafe=False):
        if not modules:
            raise ArgumentError("ParametrizationList requires one or more modules")
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original.shape, original.dtype
        new = original
        with no_grad():
            for module in reversed(self):      # none, or NotImplementedError: the identity
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, tuple, list)):
            raise ArgumentError(f"'right_inverse' must return a Tensor or a Sequence of tensors "
                                f"(list, tuple...), got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            with no_grad():
                _set_original(original, new, "register_parametrization")
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, t in enumerate(new):
                if not isinstance(t, Tensor):
                    raise ArgumentError(f"'right_inverse' must return a Tensor or a Sequence "
                                        f"of tensors, got element {i} of type "
                                        f"{type(t).__name__}")
                t = t.detach()
                if isinstance(original, Parameter):
                    t = Parameter(t, original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", t)
        if not unsafe:
            z = self()
            if not isinstance(z, Tensor) or z.shape != original_shape or \
                    z.dtype != original_dtype:
                raise ShapeError(f"register_parametrization: a parametrization may not change "
                                 f"the shape or dtype of the tensor (unless unsafe=True): "
                                 f"{original_shape} {original_dtype} became "
                                 f"{getattr(z, 'shape', None)} {getattr(z, 'dtype', None)}")

    def right_inverse(self, value):
        """Store the tensor(s) from which the parametrizations compute `value`."""
        with no_grad():
            for module in reversed(self):
                if not hasattr(module, "right_inverse"):
                    raise ArgumentError(f"parametrization {type(module).__name__} does not "
                                        f"implement right_inverse")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ArgumentError(f"`right_inverse` should return a tensor, got "
                                        f"{type(value).__name__}")
                if value.shape != self.original.shape:
                    raise ShapeError(f"right_inverse: a tensor of shape {value.shape} for "
                                     f"original of shape {self.original.shape}")
                _set_original(self.original, value, "right_inverse")
            else:
                if not isinstance(value, (tuple, list)) or len(value) != self.ntensors:
                    raise ArgumentError(f"'right_inverse' must return a sequence of "
                                        f"{self.ntensors} tensors")
                for i, t in enumerate(value):
                    _set_original(getattr(self, f"original{i}"), t, "right_inverse")

    def forward(self):
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _getstate(self):
    raise GraphError(f"Serialization of parametrized modules ({type(self).__name__}) is only "
                     f"supported through state_dict(): save model.state_dict() and load it "
                     f"into a model parametrized the same way")


def _deepcopy(self, memo):
    if id(self) not in memo:
        cls = self.__class__                   # its own class: removing a property from one
        cls = type(cls.__name__, cls.__bases__, dict(cls.__dict__))    # leaves the other's
        replica = memo[id(self)] = cls.__new__(cls)
        replica.__dict__.update(copy.deepcopy(self.__dict__, memo))
        replica.__dict__["_scope_token"] = -1              # named afresh at its next call
    return memo[id(self)]


def _inject_new_class(module):
    """The module's class becomes a subclass of it that pickles only via state_dict()
    (its class is made here, as PyTorch's) but copies."""
    cls = module.__class__
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,),
                            {"__getstate__": _getstate, "__deepcopy__": _deepcopy})


def _inject_property(module, tensor_name):
    def get_parametrized(self):
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), tensor_name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def set_original(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def is_parametrized(module, tensor_name=None):
    """Whether `module` has a parametrization (on `tensor_name`, if given)."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return len(parametrizations) > 0 if tensor_name is None else tensor_name in parametrizations


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Make `module.<tensor_name>` the output of `parametrization` (a Module whose forward
    takes the stored tensor(s); with ``right_inverse``, what is stored is right_inverse of
    the current value); a second call on the same name appends to its list."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        parametrizations = module.parametrizations[tensor_name]
        if not unsafe and not parametrizations.unsafe:
            before = getattr(module, tensor_name)
            after = parametrization(before)
            if not isinstance(after, Tensor) or after.shape != before.shape or \
                    after.dtype != before.dtype:
                raise ShapeError(f"register_parametrization: a parametrization may not change "
                                 f"the shape or dtype of {tensor_name} ({before.shape} "
                                 f"{before.dtype}) unless unsafe=True")
        parametrizations.append(parametrization)
        parametrizations.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ArgumentError(f"Module '{module}' does not have a parameter, a buffer, or a "
                            f"parametrized element with name '{tensor_name}'")
    return module


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo register_parametrization on `tensor_name`: the tensor becomes a parameter (or
    buffer) again, holding its current parametrized value (or, with
    ``leave_parametrized=False``, the stored original)."""
    if not is_parametrized(module, tensor_name):
        raise ArgumentError(f"Module {module} does not have a parametrization on "
                            f"{tensor_name}")
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                t = getattr(module, tensor_name)
                _set_original(original, t, "remove_parametrizations")
    elif leave_parametrized:
        t = getattr(module, tensor_name)
        original = Parameter(t.detach(), t.requires_grad) if t.requires_grad else t.detach()
    else:
        raise ArgumentError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                            "that is parametrized in terms of a sequence of tensors.")
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module):
    """The module's class before any parametrization."""
    return module.__class__.__bases__[0] if is_parametrized(module) else type(module)


__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "type_before_parametrizations"]
