"""The public ops come from their declarations (autograd/public.py): autograd.<name> and
Tensor.<name> exist exactly where declared, each with a docstring, and no module binds
a declared name by hand."""
import os
import pydoc
import re

import pytest

import autograd as ag
from autograd import functions, ops, public
from autograd.errors import ArgumentError
from autograd.graph import Primitive

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_public_op_has_a_docstring():
    undocumented = sorted({name for table in (public.FUNCTIONS, public.METHODS)
                           for name, fn in table.items() if not (fn.__doc__ or "").strip()})
    assert not undocumented


def test_functions_and_methods_are_where_declared():
    for name, fn in public.FUNCTIONS.items():
        assert getattr(ag, name) is fn, name
    for name, fn in public.METHODS.items():
        assert getattr(ag.Tensor, name) is fn, name
    assert "view" in public.METHODS and "view" not in public.FUNCTIONS
    assert "stack" in public.FUNCTIONS and "stack" not in public.METHODS
    assert public.METHODS["clip"] is public.METHODS["clamp"] is ag.clip


def test_help_shows_every_method_with_its_docstring():
    text = pydoc.render_doc(ag.Tensor, renderer=pydoc.plaintext)
    for name, fn in public.METHODS.items():
        first = fn.__doc__.strip().splitlines()[0]
        assert re.search(rf"^ \|  {re.escape(name)}(\(| = )", text, re.M), name
        assert first[:40] in text, name


def test_a_primitive_that_names_its_function_gets_it():
    declared = [cls for cls in vars(ops).values()
                if isinstance(cls, type) and issubclass(cls, Primitive)
                and cls.__dict__.get("function")]
    assert {cls.function for cls in declared} >= {"exp", "log", "relu", "abs"}
    for cls in declared:
        fn = public.FUNCTIONS[cls.function]
        assert cls.__doc__.strip() in fn.__doc__
        assert (public.METHODS.get(cls.function) is fn) == cls.method
        assert fn(ag.tensor([0.5, 1.5])).grad_fn is None
        assert type(fn(ag.tensor([0.5], requires_grad=True)).grad_fn) is cls


def test_a_new_primitive_is_one_declaration(monkeypatch):
    monkeypatch.setattr(public, "FUNCTIONS", dict(public.FUNCTIONS))
    monkeypatch.setattr(public, "METHODS", dict(public.METHODS))

    class Cube(Primitive):
        """x^3; d/dx = 3 x^2."""
        __slots__ = ()
        function = "cube"
        method = True
        saves_inputs = True

        def forward(self, x):
            return x ** 3

        def backward(self, g):
            x, = self.inputs()
            return g * 3 * x * x,

    fn = functions._elementwise(Cube)
    assert public.FUNCTIONS["cube"] is public.METHODS["cube"] is fn
    x = ag.tensor([2.0], requires_grad=True)
    fn(x).backward()
    assert x.grad.tolist() == [12.0]


def test_a_name_declared_twice_is_refused(monkeypatch):
    monkeypatch.setattr(public, "FUNCTIONS", dict(public.FUNCTIONS))
    with pytest.raises(ArgumentError, match="exp is declared twice"):
        public.public(lambda x: x, name="exp")


def test_no_module_binds_a_declared_name_by_hand():
    declared = set(public.METHODS)
    bound = []
    for folder in ("autograd", "nn", "viz"):
        for path, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                if name.endswith(".py"):
                    text = open(os.path.join(path, name)).read()
                    for attr in re.findall(r"^Tensor\.(\w+) = ", text, re.M):
                        if attr in declared:
                            bound.append(f"{name}: Tensor.{attr}")
    assert not bound, f"declare these with public.public instead: {bound}"


def test_the_tensor_class_methods_have_docstrings():
    """The methods written in Tensor's class body and the ones methods.py binds with them."""
    from autograd import methods
    for cls in (ag.Tensor, methods._TensorMethods):
        for name, value in vars(cls).items():
            if name.startswith("_") or not (callable(value) or isinstance(value, property)):
                continue
            fn = value.fget if isinstance(value, property) else value
            if cls is ag.Tensor and getattr(fn, "__module__", None) != "autograd.tensor":
                continue                   # bound later by another module
            assert (fn.__doc__ or "").strip(), f"Tensor.{name}"


def test_every_public_tensor_attribute_is_documented():
    """Whatever module binds it: help(ag.Tensor) shows a docstring for every public method
    and property."""
    import inspect
    missing = []
    for name in dir(ag.Tensor):
        if name.startswith("_"):
            continue
        value = inspect.getattr_static(ag.Tensor, name)
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if not (callable(value) or isinstance(value, property)):
            continue
        if not (getattr(value, "__doc__", None) or "").strip():
            missing.append(name)
    assert not missing, f"Tensor methods without a docstring: {missing}"
