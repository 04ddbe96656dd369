"""Gradient-check a backward pass written by hand in numpy.

A sigmoid layer trained by hand, with three bugs in its backward pass (a wrong sign, a
missing factor a of sigmoid' = a(1-a), sigmoid' missing altogether). `autograd.testing.
assert_backward_matches` differentiates the unmodified numpy forward with gradgraph,
compares, and says what is wrong with each gradient; the corrected backward passes.

    python examples/check_handwritten_backprop.py
    python examples/check_handwritten_backprop.py --batch 100 --features 20 --outputs 5
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from autograd.testing import assert_backward_matches  # noqa: E402


def forward(x, w, b):
    return 1 / (1 + np.exp(-(x @ w + b)))


def backward_buggy(x, y, a, w, b):    # hand-derived, for loss = 0.5 * ||a - y||^2
    dL_da = y - a                      # sign is wrong
    dL_dw = x.T @ (dL_da * (1 - a))    # missing the factor a of sigmoid'
    dL_db = dL_da.sum(axis=0)          # also missing sigmoid'
    return dL_dw, dL_db


def backward_fixed(x, y, a, w, b):
    dL_dz = (a - y) * a * (1 - a)      # dL/da times sigmoid'(z) = a (1 - a)
    return x.T @ dL_dz, dL_dz.sum(axis=0)


def check(backward, x, y, w, b):
    """assert_backward_matches on the layer: `backward` gets the inputs and the targets."""
    assert_backward_matches(
        forward,
        lambda x, w, b: backward(x, y, forward(x, w, b), w, b),
        {"x": x, "w": w, "b": b},
        loss=lambda a: 0.5 * np.sum((a - y) ** 2),
        wrt=("w", "b"),
        output_name="a")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--features", type=int, default=4)
    ap.add_argument("--outputs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal((args.batch, args.features))
    w = rng.standard_normal((args.features, args.outputs))
    b = rng.standard_normal(args.outputs)
    y = rng.uniform(0, 1, (args.batch, args.outputs))

    print("The buggy backward:\n")
    try:
        check(backward_buggy, x, y, w, b)
    except AssertionError as err:
        print(err)
    else:
        raise SystemExit("the buggy backward passed the check: that is a bug in the check")
    print("\nThe corrected backward:")
    check(backward_fixed, x, y, w, b)
    print("passes: dL/dw and dL/db equal gradgraph's gradient of the numpy forward")


if __name__ == "__main__":
    main()
