"""Gradient-check tests for a layer written in numpy: copy this file next to your code.

    pytest examples/test_my_layer.py

With gradgraph installed, the ``gradcheck`` and ``check_grads`` fixtures come from its
pytest plugin; the functions themselves are in ``autograd.testing``.
"""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autograd.testing import assert_backward_matches, check_grads  # noqa: E402


# --- the code under test: a layer with a hand-written backward pass -----------------
def forward(x, w, b):
    return 1 / (1 + np.exp(-(x @ w + b)))


def backward(x, y, a, w, b):           # gradients of 0.5 * ||a - y||^2
    dL_dz = (a - y) * a * (1 - a)
    return x.T @ dL_dz, dL_dz.sum(axis=0), dL_dz @ w.T


# --- the tests ------------------------------------------------------------------------
@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return dict(x=rng.standard_normal((8, 4)), w=rng.standard_normal((4, 3)),
                b=rng.standard_normal(3), y=rng.uniform(0, 1, (8, 3)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_backward_matches_autodiff(data, dtype):
    x, w, b, y = (data[k].astype(dtype) for k in ("x", "w", "b", "y"))
    assert_backward_matches(
        forward,
        lambda x, w, b: backward(x, y, forward(x, w, b), w, b),
        {"x": x, "w": w, "b": b},
        loss=lambda a: 0.5 * np.sum((a - y) ** 2),
        wrt=("w", "b", "x"),
        output_name="a")


def test_forward_derivatives_to_second_order(data):
    check_grads(forward, (data["x"], data["w"], data["b"]), order=2)


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="Run these gradient-check tests with pytest "
                                             "(the same as `pytest examples/test_my_layer.py`).")
    ap.add_argument("pytest_args", nargs="*", help="more arguments for pytest, e.g. -v or "
                                                   "-k second (put them after --)")
    sys.exit(pytest.main([__file__, "-p", "no:cacheprovider"] + ap.parse_args().pytest_args))
