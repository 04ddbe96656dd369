"""micrograd's picture of a neuron: o = tanh(x1*w1 + x2*w2 + b), with the data and the
gradient of every value on its node.

    python examples/scalar_expression.py              # writes scalar_expression.svg (+ .dot)
    python examples/scalar_expression.py out/neuron.png

Every intermediate tensor is named (the dict passed as ``params``), so each node shows
its name, its value and its gradient. Gradients of intermediate tensors are kept by
running the backward inside ``viz.record_gradient_flow()``.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import viz  # noqa: E402


def neuron():
    ag.set_default_dtype("float64")
    x1, x2 = ag.tensor(2.0, requires_grad=True), ag.tensor(0.0, requires_grad=True)
    w1, w2 = ag.tensor(-3.0, requires_grad=True), ag.tensor(1.0, requires_grad=True)
    b = ag.tensor(6.8813735870195432, requires_grad=True)
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = n.tanh()
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2,
                   x1w1x2w2=x1w1x2w2, n=n, o=o)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", nargs="?", default="scalar_expression.svg",
                    help="picture to write: .svg, .png or .pdf (with Graphviz) or .dot "
                         "(default: %(default)s; the .dot is written next to it)")
    ap.add_argument("--rankdir", default="LR", choices=("LR", "TB", "RL", "BT"),
                    help="direction of the graph (default: %(default)s)")
    args = ap.parse_args(argv)
    o, names = neuron()
    with viz.record_gradient_flow():
        o.backward()
    graph = viz.draw_graph(o, names, rankdir=args.rankdir, show_values=True,
                           title="o = tanh(x1·w1 + x2·w2 + b)")
    written = viz.save(graph, args.path)
    print(f"o = {o.item():.4f}; dL/dw1 = {names['w1'].grad.item():.4f}, "
          f"dL/dx1 = {names['x1'].grad.item():.4f}")
    print("wrote " + ", ".join(written))


if __name__ == "__main__":
    main()
