"""The type stubs (autograd/tensor.pyi, autograd/__init__.pyi) are generated from the
definitions and must match them: after adding or changing an op or a Tensor method, run

    python -m autograd.stubs

and commit the two files. The return types the generator assumes (a Tensor from a
declared op or an operator without an annotation) are checked by calling them here."""
import inspect
import re

import numpy as np
import pytest

import autograd as ag
from autograd import public, stubs
from autograd.errors import GradgraphError


def test_the_committed_stubs_are_up_to_date():
    assert not stubs.stale(), ("the type stubs are out of date with the definitions: run "
                               "`python -m autograd.stubs` and commit autograd/*.pyi")


def test_a_new_method_makes_the_stubs_stale(monkeypatch):
    def cube(x):
        """x ** 3."""
        return x * x * x
    monkeypatch.setattr(public, "METHODS", {**public.METHODS, "cube": cube})
    monkeypatch.setattr(ag.Tensor, "cube", cube, raising=False)
    assert "    def cube(x) -> Tensor:\n        \"\"\"x ** 3.\"\"\"\n" in stubs.tensor_stub()
    assert stubs.stale() == ["tensor.pyi"]


def test_annotations_are_written_for_the_stub_or_refused():
    def f(x: "np.ndarray", n: int = 2) -> "tuple[int, Tensor | None]":
        """Sums. More text."""
    assert stubs._def("f", f, True) == (
        "def f(x: numpy.ndarray, n: builtins.int = ...) -> "
        "builtins.tuple[builtins.int, Tensor | None]:\n    \"\"\"Sums.\"\"\"\n")

    def g(x) -> GradgraphError:
        """A type the stubs do not import."""
    with pytest.raises(ag.ArgumentError, match="cannot write the annotation"):
        stubs._def("g", g, True)


def _operand(name):
    """Operands for Tensor operator `name`: bool tensors for the logical ones, integer
    ones for the shifts."""
    if re.fullmatch(r"__[ri]?(and|or|xor)__|__invert__", name):
        return ag.tensor([[True, False], [True, True]]), ag.tensor([[False, True], [True, True]])
    if re.fullmatch(r"__[ri]?(lshift|rshift)__", name):
        return ag.tensor([[1, 2], [3, 4]]), ag.tensor([[0, 1], [2, 3]])
    return ag.tensor([[1.5, 2.0], [0.5, 3.0]]), ag.tensor([[2.0, 0.5], [1.0, 1.5]])


def test_every_operator_returns_a_tensor():
    called = []
    for name in sorted(stubs.OPERATORS & set(vars(ag.Tensor))):
        a, b = _operand(name)
        if name == "__getitem__":
            out = a[0]
        elif len(inspect.signature(vars(ag.Tensor)[name]).parameters) == 1:
            out = getattr(a, name)()
        else:
            out = getattr(a, name)(b)
        assert isinstance(out, ag.Tensor), f"Tensor.{name} gave a {type(out).__name__}"
        called.append(name)
    assert {"__add__", "__radd__", "__iadd__", "__matmul__", "__eq__", "__getitem__",
            "__invert__", "__neg__"} <= set(called)


def _returns(text, value):
    """Whether `value` has the stub's return type `text` (the forms the stubs use)."""
    return {"Tensor": lambda: isinstance(value, ag.Tensor),
            "builtins.bool": lambda: isinstance(value, bool),
            "builtins.int": lambda: isinstance(value, int),
            "builtins.tuple[Tensor, ...]": lambda: isinstance(value, tuple) and all(
                isinstance(v, ag.Tensor) for v in value),
            "builtins.tuple[builtins.int, ...]": lambda: isinstance(value, tuple) and all(
                isinstance(v, int) for v in value),
            "Any": lambda: True}[text]()


def test_declared_ops_return_what_their_stub_says():
    """Every declared method and function that needs only a tensor is called on one
    (those that need more cannot be called blind), and those annotated to return
    something else than a Tensor with the arguments they need."""
    text = stubs.tensor_stub() + stubs.package_stub()
    x = ag.tensor(np.linspace(0.5, 2.0, 12).reshape(3, 4))
    for kind, name, args in (("method", "split", (2,)), ("method", "chunk", (2,)),
                             ("method", "topk", (2,)), ("function", "allclose", (x, x))):
        indent = "    " if kind == "method" else ""
        returns = re.search(rf"^{indent}def {name}\(.*\) -> (.+):", text, re.M).group(1)
        out = getattr(x, name)(*args) if kind == "method" else getattr(ag, name)(*args)
        assert returns != "Tensor" and _returns(returns, out), (name, returns)
    checked = []
    for kind, table in (("method", public.METHODS), ("function", public.FUNCTIONS)):
        for name, fn in sorted(table.items()):
            params = list(inspect.signature(fn).parameters.values())
            if any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.KEYWORD_ONLY,
                                                       p.POSITIONAL_OR_KEYWORD)
                   for p in params[1:]):
                continue
            indent = "    " if kind == "method" else ""
            returns = re.search(rf"^{indent}def {re.escape(name)}\(.*\) -> (.+):", text, re.M)
            try:
                with np.errstate(divide="ignore", invalid="ignore"):   # (a blind call)
                    out = getattr(x, name)() if kind == "method" else fn(x)
            except GradgraphError:
                continue                    # needs an argument after all (a mask, ...)
            assert _returns(returns.group(1), out), f"{kind} {name}: {returns.group(1)}, " \
                                                     f"gave a {type(out).__name__}"
            checked.append(name)
    assert len(checked) > 80 and {"relu", "sum", "unbind", "is_contiguous", "max",
                                  "sort"} <= set(checked)
