"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``, and ``MLP`` built on Sequential."""
import operator
from collections import OrderedDict

from autograd.errors import ArgumentError, OutOfRangeError

from .activation import ReLU
from .dropout import Dropout
from .linear import Linear
from .module import Module


class _IndexedModules(Module):
    """Shared by Sequential and ModuleList: children in order, addressed by position and
    named "0", "1", ... (renumbered after a deletion or insertion, as in PyTorch)."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def _key(self, idx):
        keys = list(self._modules)
        idx = operator.index(idx)
        if not -len(keys) <= idx < len(keys):
            raise OutOfRangeError(f"index {idx} is out of range for {type(self).__name__} of "
                             f"length {len(keys)}")
        return keys[idx]

    def _renumber(self, modules):
        for name in list(self._modules):
            delattr(self, name)
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self._slice(list(self._modules.items())[idx])
        return self._modules[self._key(idx)]

    def __setitem__(self, idx, module):
        setattr(self, self._key(idx), module)

    def __delitem__(self, idx):
        mods = list(self._modules.values())
        del mods[idx if isinstance(idx, slice) else list(self._modules).index(self._key(idx))]
        self._renumber(mods)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules.values()))

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index, module):
        mods = list(self._modules.values())
        mods.insert(index, module)
        self._renumber(mods)

    def pop(self, idx=-1):
        m = self[idx]
        del self[idx]
        return m


class Sequential(_IndexedModules):
    """Modules applied in order: ``Sequential(a, b)(x) == b(a(x))``. Also takes one
    OrderedDict of named modules."""

    def __init__(self, *args):
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            Module.__init__(self)
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            super().__init__(args)

    def _slice(self, items):
        return Sequential(OrderedDict(items))

    def __add__(self, other):
        """A Sequential of self's modules then other's (numbered anew), as PyTorch."""
        if not isinstance(other, Sequential):
            raise ArgumentError(f"add operator supports only objects of Sequential class, "
                                f"but {type(other).__name__} is given")
        return Sequential(*self, *other)

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ArgumentError(f"add operator supports only objects of Sequential class, "
                                f"but {type(other).__name__} is given")
        return self.extend(list(other))

    def __mul__(self, count):
        """The modules `count` times over (the same modules, not copies), as PyTorch."""
        if not isinstance(count, int) or isinstance(count, bool):
            raise ArgumentError(f"unsupported operand type(s) for *: {type(self).__name__} "
                                f"and {type(count).__name__}")
        if count <= 0:
            raise ArgumentError(f"Non-positive multiplication factor {count} for "
                                f"{type(self).__name__}")
        return Sequential(*(list(self) * count))

    __rmul__ = __mul__

    def __imul__(self, count):
        repeated = self * count
        self._renumber(list(repeated))
        return self

    def forward(self, input):
        for m in self._modules.values():
            input = m(input)
        return input


class ModuleList(_IndexedModules):
    """A list of modules whose parameters belong to the owner."""

    def __init__(self, modules=None):
        super().__init__(modules or ())

    def _slice(self, items):
        return ModuleList([m for _, m in items])

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def _child_reprs(self):
        """As PyTorch 2.x: a run of children with the same repr is one line,
        "(0-2): 3 x Linear(...)"."""
        runs = []                        # [first index, last index, repr]
        for i, m in enumerate(self._modules.values()):
            text = repr(m)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        return [f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}"
                for a, b, text in runs]


class ModuleDict(Module):
    """A dict of modules whose parameters belong to the owner (insertion order kept)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        delattr(self, key)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules))

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def update(self, modules):
        items = modules.items() if hasattr(modules, "items") else modules
        for key, m in items:
            self[key] = m

    def pop(self, key):
        m = self._modules[key]
        del self[key]
        return m

    def clear(self):
        for key in list(self._modules):
            del self[key]


class MLP(Sequential):
    """Linear layers with an activation between them:
    ``MLP(784, [256, 128], 10)`` is ``Sequential(Linear(784, 256), ReLU(), Linear(256,
    128), ReLU(), Linear(128, 10))``, so state_dict keys are ``0.weight``, ``2.weight``...

    `activation` is a module class or factory called once per hidden layer (None for
    none); `norm_layer` (e.g. ``nn.BatchNorm1d``) is called with the width and goes
    before the activation; `dropout` > 0 adds Dropout after it."""

    def __init__(self, in_features, hidden_sizes, out_features, activation=ReLU, bias=True,
                 dropout=0.0, norm_layer=None, dtype=None):
        layers, width = [], in_features
        for h in hidden_sizes:
            layers.append(Linear(width, h, bias=bias, dtype=dtype))
            if norm_layer is not None:
                layers.append(norm_layer(h, dtype=dtype))
            if activation is not None:
                layers.append(activation())
            if dropout:
                layers.append(Dropout(dropout))
            width = h
        layers.append(Linear(width, out_features, bias=bias, dtype=dtype))
        super().__init__(*layers)
