"""Write docs/special_values.md: each op's value and derivative at its kinks and at
special values (±0, ±inf, NaN, ties, constants), computed by gradgraph from the table in
tests/special_values.py. tests/test_special_values.py checks that the page is what the
code gives (so it cannot drift) and that every entry equals PyTorch's.

    python docs/make_special_values.py
"""
import math
import os
import sys
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, "docs", "special_values.md")

HEADER = """# Kinks and special values

What gradgraph gives at the points where an op has a kink, a tie or a singularity, and
at ±0, ±inf and NaN: the value and the derivative of `sum(f(x))` (for a reduction, the
gradient vector). Every row of the first table equals PyTorch's
(`tests/test_special_values.py` checks each one against PyTorch, and that this page is
what the code gives; regenerate it with `python docs/make_special_values.py`); the second
lists the deliberate differences.

numpy's RuntimeWarnings ("divide by zero encountered in log", "invalid value encountered
in multiply") can appear where PyTorch is silent: the values are the same (`1 / 0` is
inf, `log(0)` is -inf), the warning is numpy's about its own arithmetic. gradgraph does
not silence them per op: `np.errstate` costs ~0.7 µs per use (measured on a 16-element
`log`: 0.47 µs plain, 1.14 µs inside `np.errstate`), a fifth of a recorded op (the op
chain: 3.5 µs per op, forward and backward), and changing numpy's global setting would
change the user's own numpy code. To silence them, wrap the step in
`with np.errstate(divide="ignore", invalid="ignore"):`.

| op | x | f(x) | d/dx | note |
|---|---|---|---|---|
"""


def _num(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "-0" if math.copysign(1.0, v) < 0 else "0"
    return f"{v:.6g}"


def _show(a):
    a = np.asarray(a, dtype=np.float64)
    return _num(a) if a.ndim == 0 else "[" + ", ".join(_num(v) for v in a.ravel()) + "]"


def evaluate(lib, case):
    """[(input, value, gradient)] of `case` in `lib` (autograd or torch), float64."""
    rows = []
    for point in (case.points if case.elementwise else [case.points]):
        x = lib.tensor(point, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            y = case.fn(lib, x)
            y.sum().backward()
        data = (lambda t: t.detach().numpy()) if hasattr(y, "detach") and hasattr(
            y, "numpy") and type(y).__module__.startswith("torch") else (lambda t: t.data)
        rows.append((np.asarray(point, np.float64), np.asarray(data(y), np.float64),
                     np.asarray(data(x.grad), np.float64)))
    return rows


DIFFERENCES_HEADER = """
## Deliberate differences from PyTorch

Points where gradgraph gives another number than PyTorch on purpose (each checked
against PyTorch, so a change on either side shows).

| op | x | quantity | gradgraph | PyTorch | why |
|---|---|---|---|---|---|
"""


def difference(lib, diff):
    """The quantity `diff` compares, computed by `lib` (autograd or torch), float64."""
    x = lib.tensor(diff.point, dtype=lib.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = diff.fn(lib, x)
    out = out.detach().numpy() if type(out).__module__.startswith("torch") else out.data
    return np.asarray(out, np.float64)


def render():
    sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]
    try:
        import autograd as ag
        from special_values import DIFFERENCES, SPECIAL_VALUES
    finally:
        del sys.path[:2]
    lines = [HEADER]
    for case in SPECIAL_VALUES:
        for i, (x, y, g) in enumerate(evaluate(ag, case)):
            note = case.note if i == 0 else ""
            lines.append(f"| `{case.name}` | {_show(x)} | {_show(y)} | {_show(g)} | {note} |\n")
    lines.append(DIFFERENCES_HEADER)
    for d in DIFFERENCES:
        lines.append(f"| `{d.name}` | {_show(d.point)} | {d.what} | "
                     f"{_show(difference(ag, d))} | {_show(d.torch)} | {d.why} |\n")
    return "".join(lines)


if __name__ == "__main__":
    with open(PAGE, "w") as f:
        f.write(render())
    print(f"wrote {PAGE}")
