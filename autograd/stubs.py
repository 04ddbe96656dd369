"""Type stubs for static tools (mypy, Pyright/Pylance, jedi), generated from the
definitions. The Tensor methods and most ``autograd.<name>`` functions are bound at
import time from the declarations (public.py, methods.py), which a static tool cannot
see. ``python -m autograd.stubs`` writes ``autograd/tensor.pyi`` (the Tensor class as
the package binds it) and ``autograd/__init__.pyi`` (the package's names: the declared
functions written out, the others imported from their module); ``--check`` only says
whether they are up to date (tests/test_stubs.py makes the same comparison).

Each function keeps its signature (defaults shown as ``...``) and the first sentence of
its docstring. Its return type is its definition's annotation; without one, a declared
op (``@public``, or a primitive's ``function``) and an operator return a Tensor
(tests/test_stubs.py calls them to check), anything else ``Any``.
"""
import ast
import importlib
import inspect
import os
import re
import sys
import types
import typing

import numpy as np

from . import public
from .errors import ArgumentError
from .tensor import Tensor

HERE = os.path.dirname(os.path.abspath(__file__))
HEADER = ("# Generated from the definitions by `python -m autograd.stubs`; do not edit.\n"
          "# tests/test_stubs.py fails when it is out of date.\n")

# Python's operators: Tensor's return a Tensor (tests/test_stubs.py calls each)
OPERATORS = frozenset(
    f"__{prefix}{op}__" for op in ("add", "sub", "mul", "truediv", "pow", "matmul", "and",
                                   "or", "xor", "lshift", "rshift")
    for prefix in ("", "r", "i")) | frozenset(
    f"__{op}__" for op in ("neg", "pos", "abs", "invert", "getitem", "eq", "ne", "lt", "le",
                           "gt", "ge"))
_SKIP = {"__module__", "__doc__", "__slots__", "__weakref__", "__dict__", "__annotations__",
         "__qualname__"}
_BUILTINS = re.compile(r"(?<![\w.])(int|float|bool|str|bytes|complex|tuple|list|dict|set|"
                       r"type|object|slice)\b")
_KNOWN = {"Tensor", "None", "Any", "Iterator"}


def _type(t):
    """Annotation `t` (an object or a string) as stub text, or None if there is none.
    Builtins are written ``builtins.X`` (Tensor has methods named float, int, bool and
    type, and the package exports dtypes by those names), numpy as ``numpy``."""
    if t is inspect.Parameter.empty:
        return None
    if isinstance(t, str):
        text = _BUILTINS.sub(r"builtins.\1", t.replace("np.", "numpy."))
    elif t is None or t is type(None):
        text = "None"
    elif t is typing.Any:
        text = "Any"
    elif t is Ellipsis:
        text = "..."
    elif isinstance(t, types.UnionType):
        text = " | ".join(_type(a) for a in t.__args__)
    elif isinstance(t, types.GenericAlias):
        text = f"{_type(t.__origin__)}[{', '.join(_type(a) for a in t.__args__)}]"
    elif isinstance(t, type) and issubclass(t, Tensor):
        text = "Tensor"
    elif isinstance(t, type) and t.__module__ in ("builtins", "numpy"):
        text = f"{t.__module__}.{t.__name__}"
    else:
        text = repr(t)
    for name in re.findall(r"[A-Za-z_][\w.]*", text):
        if name not in _KNOWN and not name.startswith(("builtins.", "numpy.")):
            raise ArgumentError(f"stubs: cannot write the annotation {t!r} ({name}); use "
                             f"Tensor, builtins, numpy, Any or Iterator")
    return text


def _doc(obj):
    """The first sentence of `obj`'s own docstring (not one inherited from object), on one
    line; "" if it has none."""
    doc = obj.__doc__
    inherited = getattr(object, getattr(obj, "__name__", "") or "", None)
    if not doc or (inherited is not None and doc == inherited.__doc__):
        return ""
    paragraph = " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())
    sentence = re.split(r"(?<=\.)\s+(?=[A-Z`(])", paragraph)[0]
    return sentence.replace("\\", "\\\\").replace('"""', "'''")


def _signature(fn, method):
    """`fn`'s parameters as stub text, or None if Python cannot read them. Each is
    annotated (``Any`` where its definition says nothing), but a method's first one."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    out, star = [], False
    for i, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and not star:
            out.append("*")
        star = star or p.kind in (p.VAR_POSITIONAL, p.KEYWORD_ONLY)
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if not (method and i == 0):
            text += f": {_type(p.annotation) or 'Any'}"
        if p.default is not p.empty:
            text += " = ..."
        out.append(text)
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(params) or
                                            params[i + 1].kind is not p.POSITIONAL_ONLY):
            out.append("/")
    return ", ".join(out)


def _def(name, fn, tensor, indent="", method=False, doc=None):
    """The stub of function `fn` bound as `name`: a Tensor result if `tensor` and its
    definition has no return annotation."""
    params = _signature(fn, method)
    if params is None:
        params = ("self, " if method else "") + "*args: Any, **kwargs: Any"
        returns = "Any"
    else:
        returns = _type(inspect.signature(fn).return_annotation) or \
            ("Tensor" if tensor else "Any")
    ignore = "  # type: ignore[override]" if name in ("__eq__", "__ne__") else ""
    doc = _doc(fn) if doc is None else doc
    body = f'\n{indent}    """{doc}"""' if doc else " ..."
    return f"{indent}def {name}({params}) -> {returns}:{ignore}{body}\n"


def _declared():
    return {id(fn) for table in (public.FUNCTIONS, public.METHODS) for fn in table.values()}


def tensor_stub():
    """The text of tensor.pyi: tensor.py's functions, and the Tensor class as the package
    binds it (attributes, then properties, then methods, each by name)."""
    import autograd  # noqa: F401  (binds the methods)
    module = sys.modules["autograd.tensor"]        # (autograd.tensor is the function)
    declared = _declared()
    operators = {id(vars(Tensor)[n]) for n in OPERATORS if n in vars(Tensor)}
    out = [HEADER, "import builtins\nfrom typing import Any, Iterator\n\nimport numpy\n"]
    for name, fn in sorted(vars(module).items()):
        if inspect.isfunction(fn) and fn.__module__ == module.__name__:
            out.append(f"\n\n{_def(name, fn, False)}")
    out.append(f'\n\nclass Tensor:\n    """{_doc(Tensor)}"""\n\n')
    fields = inspect.get_annotations(Tensor)
    members = [(n, v) for n, v in sorted(vars(Tensor).items()) if n not in _SKIP]
    for name, value in members:
        if isinstance(value, types.MemberDescriptorType):
            out.append(f"    {name}: {_type(fields.get(name, 'Any'))}\n")
        elif not callable(value) and not isinstance(value, property):
            out.append(f"    {name}: {_type(type(value))}\n")
    for name, value in members:
        if isinstance(value, property):
            stub = _def(name, value.fget, False, "    ", True, _doc(value))
            out.append(f"\n    @property\n{stub}")
            if value.fset is not None:
                out.append(f"\n    @{name}.setter\n"
                           f"    def {name}(self, value: Any) -> None: ...\n")
    for name, value in members:
        if callable(value) and not isinstance(value, types.MemberDescriptorType):
            tensor = id(value) in declared or id(value) in operators
            out.append(f"\n{_def(name, value, tensor, '    ', True)}")
    return "".join(out)


def package_stub():
    """The text of __init__.pyi: the declared functions written out (a Tensor result
    unless their definition says otherwise), the package's other names imported from
    the module that defines them, its dtypes as variables."""
    import autograd
    declared = _declared()
    imports, dtypes, defs = [], [], []
    bound_by_import = _imported_by_init()
    for name, value in sorted(vars(autograd).items()):
        if name.startswith("_"):
            continue
        if id(value) in declared and public.FUNCTIONS.get(name) is value:
            defs.append(f"\n\n{_def(name, value, True)}")
        elif isinstance(value, types.ModuleType):
            if name in bound_by_import and value.__name__.startswith("autograd."):
                imports.append(("", name))
        elif isinstance(value, np.dtype):
            dtypes.append(f"{name}: numpy.dtype[Any]\n")
        else:
            imports.append((_home(name, value), name))
    lines = [f"from .{module} import {name} as {name}\n" for module, name in sorted(imports)]
    forms = importlib.import_module(autograd._NN_FORMS)       # what autograd.__getattr__ gives
    lines += [f"from {forms.__name__} import {name} as {name}\n" for name in forms.__all__]
    return "".join([HEADER, "import builtins\nfrom typing import Any\n\nimport numpy\n\n",
                    *lines, "\n", *dtypes, *defs])


def _imported_by_init():
    """The names autograd/__init__.py binds by an import statement."""
    with open(os.path.join(HERE, "__init__.py")) as f:
        tree = ast.parse(f.read())
    return {alias.asname or alias.name for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}


_ABSENT = object()      # (a name bound to None, autograd.newaxis, is not absent)


def _home(name, value):
    """The autograd module (relative name) that binds `value` as `name`: its own module
    if it binds it there, else the first that does."""
    modules = [getattr(value, "__module__", None)] + sorted(
        m for m in sys.modules if m.startswith("autograd."))
    for module in modules:
        if module and module.startswith("autograd.") and \
                vars(sys.modules[module]).get(name, _ABSENT) is value:
            return module[len("autograd."):]
    raise ArgumentError(f"stubs: autograd.{name} is bound in no autograd module")


STUBS = {"tensor.pyi": tensor_stub, "__init__.pyi": package_stub}


def stale():
    """The stub files whose text differs from what the definitions give now."""
    out = []
    for name, make in STUBS.items():
        path = os.path.join(HERE, name)
        old = open(path).read() if os.path.exists(path) else None
        if old != make():
            out.append(name)
    return out


def main(argv=()):
    if "--check" in argv:
        names = stale()
        print(f"out of date: {', '.join(names)}; run python -m autograd.stubs" if names
              else "the stubs are up to date")
        return 1 if names else 0
    for name, make in STUBS.items():
        with open(os.path.join(HERE, name), "w") as f:
            f.write(make())
        print(f"wrote autograd/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
