"""The kinks-and-special-values table (tests/special_values.py): every entry's value and
derivative equal PyTorch's, and docs/special_values.md is what the code gives."""
import importlib.util
import os

import numpy as np
import pytest

from special_values import DIFFERENCES, SPECIAL_VALUES

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _page_module():
    spec = importlib.util.spec_from_file_location(
        "make_special_values", os.path.join(ROOT, "docs", "make_special_values.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PAGE = _page_module()


def _same(ours, ref, what):
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=0, err_msg=what)
    zero = (ours == 0) & (ref == 0)         # and the same sign of zero
    np.testing.assert_array_equal(np.signbit(ours[zero]), np.signbit(ref[zero]), err_msg=what)


@pytest.mark.parametrize("case", SPECIAL_VALUES, ids=repr)
def test_special_values_match_pytorch(case):
    torch = pytest.importorskip("torch")
    import autograd as ag
    for (x, y, g), (_, ty, tg) in zip(PAGE.evaluate(ag, case), PAGE.evaluate(torch, case)):
        _same(y, ty, f"{case.name} at {x}: value")
        _same(g, tg, f"{case.name} at {x}: derivative")


@pytest.mark.parametrize("diff", DIFFERENCES, ids=lambda d: f"{d.name}: {d.what}")
def test_deliberate_differences_are_what_pytorch_gives(diff):
    """PyTorch gives what the page says it gives, and gradgraph something else."""
    torch = pytest.importorskip("torch")
    import autograd as ag
    ours, theirs = PAGE.difference(ag, diff), PAGE.difference(torch, diff)
    _same(theirs, np.asarray(diff.torch, np.float64), f"{diff.name}: PyTorch's {diff.what}")
    zero = (ours == 0) & (theirs == 0)
    assert not (np.allclose(ours, theirs, rtol=1e-12, atol=0, equal_nan=True)
                and np.array_equal(np.signbit(ours[zero]), np.signbit(theirs[zero]))), diff.name


def test_the_page_is_what_the_code_gives():
    with open(os.path.join(ROOT, "docs", "special_values.md")) as f:
        committed = f.read()
    assert committed == PAGE.render(), ("docs/special_values.md is out of date: run "
                                        "python docs/make_special_values.py")


def test_every_listed_op_has_its_points():
    names = " ".join(c.name for c in SPECIAL_VALUES)
    for op in ("relu", "abs", "clamp", "maximum", "minimum", "amax", "max(", "sign", "sqrt",
               "log", "** 0", "0 ** y", "norm", "std", "softplus", "where", "softmax",
               "log_softmax", "gelu", "layer_norm"):
        assert op in names, op
