"""The primitive ops: the Node classes that carry a backward rule, listed from the code
(never counted by hand). ``python -m autograd.primitives`` prints them with their file
and the first line of their docstring."""
import inspect

from . import ops, ops_losses, ops_nn
from .graph import Node


def primitives():
    """The op classes of ``ops.py``, ``ops_nn.py`` and ``ops_losses.py`` that define their
    own ``backward``, in file order, as ``[(module name, class)]``."""
    out = []
    for module in (ops, ops_nn, ops_losses):
        for cls in vars(module).values():
            if (inspect.isclass(cls) and issubclass(cls, Node) and cls is not Node
                    and cls.__module__ == module.__name__ and "backward" in vars(cls)):
                out.append((module.__name__.rsplit(".", 1)[-1], cls))
    return out


def main():
    found = primitives()
    for module, cls in found:
        doc = (cls.__doc__ or "").strip().splitlines()
        print(f"{module}.py  {cls.__name__:18s} {doc[0] if doc else ''}")
    for module in ("ops", "ops_nn", "ops_losses"):
        print(f"{sum(m == module for m, _ in found)} primitives in {module}.py")


if __name__ == "__main__":
    main()
