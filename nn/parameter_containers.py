"""``ParameterList`` and ``ParameterDict``: parameters held by position ("0", "1", ...)
or by name, registered on the container (so ``named_parameters()`` and state dicts give
PyTorch's keys). A plain Tensor put in is wrapped in a Parameter, as PyTorch does."""
import operator
from collections import OrderedDict
from collections.abc import Mapping

from autograd.errors import OutOfRangeError
from autograd.tensor import Tensor

from .module import Module
from .parameter import Parameter


def _as_parameter(value):
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ParameterList(Module):
    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def _index(self, idx):
        idx = operator.index(idx)
        if not -self._size <= idx < self._size:
            raise OutOfRangeError(f"index {idx} is out of range for ParameterList of length "
                                  f"{self._size}")
        return idx % self._size

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(self._size)[idx]])
        return getattr(self, str(self._index(idx)))

    def __setitem__(self, idx, param):
        setattr(self, str(self._index(idx)), _as_parameter(param))

    def __len__(self):
        return self._size

    def __iter__(self):
        return iter([self[i] for i in range(self._size)])

    def __iadd__(self, parameters):
        return self.extend(parameters)

    def append(self, value):
        self._size += 1
        setattr(self, str(self._size - 1), _as_parameter(value))
        return self

    def extend(self, values):
        for v in values:
            self.append(v)
        return self

    def extra_repr(self):
        return "\n".join(f"({i}): Parameter containing: [{p.dtype} of size {p.shape}]"
                         for i, p in enumerate(self))


class ParameterDict(Module):
    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key):
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key, value):
        self._keys[key] = None
        setattr(self, key, _as_parameter(value))

    def __delitem__(self, key):
        del self._keys[key]
        delattr(self, key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def keys(self):
        return list(self._keys)

    def values(self):
        return [self[k] for k in self._keys]

    def items(self):
        return [(k, self[k]) for k in self._keys]

    def get(self, key, default=None):
        return self[key] if key in self else default

    def pop(self, key):
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        """Removes and returns the (key, parameter) pair set last."""
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def setdefault(self, key, default=None):
        """self[key], after setting it to `default` if `key` is not in the dict."""
        if key not in self:
            self[key] = default
        return self[key]

    def fromkeys(self, keys, default=None):
        """A new ParameterDict with every key of `keys` set to `default` (a Tensor is
        wrapped in a Parameter per key, sharing its memory, as PyTorch)."""
        return ParameterDict((k, default) for k in keys)

    def copy(self):
        """A new ParameterDict holding the same parameters, in the same order."""
        return ParameterDict(OrderedDict(self.items()))

    def __reversed__(self):
        return reversed(list(self._keys))

    def __or__(self, other):
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other):       # dict | ParameterDict: a copy of the dict, updated
        out = other.copy()
        out.update(self.items())
        return out

    def __ior__(self, other):
        self.update(other)
        return self

    def clear(self):
        for key in list(self._keys):
            del self[key]

    def update(self, parameters):
        """Sets each (key, parameter) of a mapping or of an iterable of pairs. A plain
        mapping's keys are taken in sorted order, an OrderedDict's or a ParameterDict's in
        theirs, as PyTorch's (so the parameters' order, which optimizers' state follows,
        is PyTorch's)."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            items = parameters.items()
        elif isinstance(parameters, Mapping):
            items = sorted(parameters.items())
        else:
            items = parameters
        for key, value in items:
            self[key] = value

    def extra_repr(self):
        return "\n".join(f"({k}): Parameter containing: [{p.dtype} of size {p.shape}]"
                         for k, p in self.items())
