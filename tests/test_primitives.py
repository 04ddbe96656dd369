"""The primitive list comes from the code, and the docs carry no hand-written count."""
import os
import re

from autograd import ops, ops_nn
from autograd.primitives import main, primitives

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_primitives_are_the_op_classes_with_a_backward_rule():
    found = {cls for _, cls in primitives()}
    assert {ops.Add, ops.GetItem, ops.MatMul, ops_nn.Linear} <= found
    assert ops.SubScalar not in found            # inherits AddScalar's rule
    assert all("backward" in vars(cls) for cls in found)


def test_the_ops_package_exports_every_primitive_of_its_files():
    """ops.X names every primitive (functions/elementwise.py makes the public functions
    from the package's names: one left out would silently have none); a private base
    class (ops/special.py's _Unary) is none."""
    from autograd.graph import Primitive
    from autograd.ops import elementwise, reductions, shapes, special, transcendental
    for module in (elementwise, special, transcendental, shapes, reductions):
        for name, cls in vars(module).items():
            if isinstance(cls, type) and issubclass(cls, Primitive) and \
                    cls.__module__ == module.__name__ and not name.startswith("_"):
                assert getattr(ops, name, None) is cls, f"export {name} in autograd/ops/__init__.py"


def test_the_listing_counts_what_it_lists(capsys):
    main()
    lines = capsys.readouterr().out.splitlines()
    totals = [ln for ln in lines if re.match(r"\d+ primitives in", ln)]
    counts = [int(ln.split()[0]) for ln in totals]
    assert len(totals) == 10         # ops/ (5 files), ops_nn.py, ops_losses.py, linalg/ (3 files)
    assert sum(counts) == len(primitives()) == len(lines) - len(totals)


def test_docs_do_not_count_primitives_by_hand():
    for name in ("README.md", "ARCHITECTURE.md"):
        with open(os.path.join(ROOT, name)) as f:
            text = f.read()
        assert not re.search(r"\b\d+ primitives\b", text), name


def test_the_public_listing_lists_every_declared_op(capsys):
    from autograd import public
    main(["--public"])
    lines = capsys.readouterr().out.splitlines()
    names = {ln.split()[0] for ln in lines[:-1]}
    assert names == set(public.FUNCTIONS) | set(public.METHODS)
    assert any(ln.startswith("exp ") and "function/method" in ln
               and "functions/elementwise.py" in ln for ln in lines)
