"""Vanishing gradients, seen: a deep sigmoid network with a poor initialisation beside
a ReLU network of the same shape with Kaiming initialisation, both trained on the
bundled digits (8x8 images, 10 classes).

    python examples/gradient_flow.py              # writes into the current directory
    python examples/gradient_flow.py docs --steps 200

Writes
  gradient_flow.png       both networks in one picture, one node per layer, coloured
                          and sized by log10 of the gradient norm (one shared scale);
                          layers whose gradient is < 1e-7 of the loss's are flagged
  grad_norms_sigmoid.svg  per-layer gradient norms over training (layers x steps)
  grad_norms_relu.svg
and prints the per-parameter table of the sigmoid network.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import viz  # noqa: E402
from nn.datasets import load_digits  # noqa: E402

DEPTH, WIDTH = 10, 64


class Layer(nn.Module):
    """Linear then an activation: one node per layer in the collapsed picture."""

    def __init__(self, n_in, n_out, act):
        super().__init__()
        self.fc = nn.Linear(n_in, n_out)
        self.act = act

    def forward(self, x):
        return self.act(self.fc(x))


def sigmoid_net():
    """Sigmoid layers initialised N(0, 0.05^2): each layer shrinks the gradient ~20x."""
    layers = [Layer(64 if i == 0 else WIDTH, WIDTH, nn.Sigmoid()) for i in range(DEPTH)]
    for layer in layers:
        nn.init.normal_(layer.fc.weight, std=0.05)
        nn.init.zeros_(layer.fc.bias)
    return nn.Sequential(*layers, nn.Linear(WIDTH, 10))


def relu_net():
    layers = [Layer(64 if i == 0 else WIDTH, WIDTH, nn.ReLU()) for i in range(DEPTH)]
    for layer in layers:
        nn.init.kaiming_normal_(layer.fc.weight, nonlinearity="relu")
        nn.init.zeros_(layer.fc.bias)
    return nn.Sequential(*layers, nn.Linear(WIDTH, 10))


class Pair(nn.Module):
    """Both networks under one root, so their module names do not collide in a picture."""

    def __init__(self):
        super().__init__()
        self.sigmoid = sigmoid_net()
        self.relu = relu_net()

    def forward(self, x):
        return self.sigmoid(x), self.relu(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default=".", help="output directory")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=64)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    ag.manual_seed(0)
    x_all, y_all = load_digits(return_X_y=True)
    x_all = ((x_all - x_all.mean(0)) / (x_all.std(0) + 1e-6)).astype(np.float32)
    model = Pair()
    opt = nn.optim.SGD(model.parameters(), lr=0.05)
    recorders = {name: viz.GradientRecorder(getattr(model, name), every=5)
                 for name in ("sigmoid", "relu")}
    rng = np.random.default_rng(0)
    for step in range(args.steps):
        idx = rng.integers(0, len(x_all), args.batch)
        x, y = ag.tensor(x_all[idx]), ag.tensor(y_all[idx])
        out_sigmoid, out_relu = model(x)
        loss_sigmoid = nn.functional.cross_entropy(out_sigmoid, y)
        loss_relu = nn.functional.cross_entropy(out_relu, y)
        opt.zero_grad()
        last = step == args.steps - 1
        with viz.record_gradient_flow(last):        # record only the step we draw
            (loss_sigmoid + loss_relu).backward()
        for rec in recorders.values():
            rec.step()
        if not last:
            opt.step()
    print(f"after {args.steps} steps: loss sigmoid {loss_sigmoid.item():.3f}, "
          f"relu {loss_relu.item():.3f}")

    graph = viz.draw_gradient_flow(
        [loss_sigmoid, loss_relu], model, collapse=True, depth=2, table=False,
        title=f"gradient flow after {args.steps} steps: sigmoid, N(0, 0.05²) init (left) "
              f"vs ReLU, Kaiming init (right)")
    written = viz.save(graph, os.path.join(args.out, "gradient_flow.png"))
    for name, rec in recorders.items():
        written.append(rec.save(os.path.join(args.out, f"grad_norms_{name}.svg")))
    print(viz.parameter_table(model.sigmoid))
    print("wrote " + ", ".join(written))


if __name__ == "__main__":
    main()
