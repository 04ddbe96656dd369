"""The primitive ops: the Node classes that carry a backward rule, listed from the code
(never counted by hand). ``python -m autograd.primitives`` prints them with their file
and the first line of their docstring; ``--public`` prints the public functions and
Tensor methods instead, from their declarations (public.py)."""
import inspect
import sys

from . import ops_losses, ops_nn, public
from .linalg import basic as linalg_basic, decomp as linalg_decomp, derived as linalg_derived
from .graph import Node
from .ops import elementwise, reductions, shapes, special, transcendental

MODULES = (elementwise, special, transcendental, shapes, reductions, ops_nn, ops_losses,
           linalg_basic, linalg_decomp, linalg_derived)   # the files of primitives


def _file(module_name):
    """autograd.ops.shapes -> ops/shapes.py: a module's file, relative to the package."""
    return module_name.split(".", 1)[1].replace(".", "/") + ".py"


def primitives():
    """The op classes of ``ops/``, ``ops_nn.py`` and ``ops_losses.py`` that define their
    own ``backward``, in file order, as ``[(file, class)]``."""
    out = []
    for module in MODULES:
        for cls in vars(module).values():
            if (inspect.isclass(cls) and issubclass(cls, Node) and cls is not Node
                    and cls.__module__ == module.__name__ and "backward" in vars(cls)):
                out.append((_file(module.__name__), cls))
    return out


def public_ops():
    """[(name, "function"/"method"/"function/method", file, docstring's first line)]
    for every declared public op, by name."""
    out = []
    for name in sorted(set(public.FUNCTIONS) | set(public.METHODS)):
        fn = public.FUNCTIONS.get(name) or public.METHODS[name]
        kinds = "/".join(kind for kind, table in (("function", public.FUNCTIONS),
                                                  ("method", public.METHODS)) if name in table)
        doc = (fn.__doc__ or "").strip().splitlines()
        out.append((name, kinds, _file(fn.__module__), doc[0] if doc else ""))
    return out


def main(argv=()):
    if "--public" in argv:
        for name, kinds, module, doc in public_ops():
            print(f"{name:18s} {kinds:16s} {module:26s} {doc}")
        print(f"{len(public.FUNCTIONS)} public functions, {len(public.METHODS)} Tensor methods")
        return
    found = primitives()
    for module, cls in found:
        doc = (cls.__doc__ or "").strip().splitlines()
        print(f"{module:20s} {cls.__name__:18s} {doc[0] if doc else ''}")
    for module in MODULES:
        name = _file(module.__name__)
        print(f"{sum(m == name for m, _ in found)} primitives in {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
