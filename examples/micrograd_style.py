"""A scalar-level MLP, micrograd style: every weight is a 0-d Tensor and every neuron
computes ``relu(sum(w_i * x_i) + b)`` one multiply-add at a time, so the graph has a
node per scalar operation. It learns the two-moons dataset (generated with numpy)
with a max-margin (hinge) loss and plain SGD, as in micrograd's demo.

    python examples/micrograd_style.py            # 50 points, 60 steps: 100% accuracy
    python examples/micrograd_style.py --samples 100 --steps 100    # micrograd's demo
    python examples/micrograd_style.py --quick    # a short run
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
from nn import optim  # noqa: E402
from nn.optim.lr_scheduler import LambdaLR  # noqa: E402


def make_moons(n, noise=0.1, seed=0):
    """Two interleaving half circles in 2-D; labels -1 and +1 (as sklearn's make_moons)."""
    rng = np.random.default_rng(seed)
    n_out = n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n - n_out)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    x += rng.normal(scale=noise, size=x.shape)
    y = np.concatenate([-np.ones(n_out), np.ones(n - n_out)])
    perm = rng.permutation(n)
    return x[perm], y[perm]


class Neuron:
    def __init__(self, n_in, rng, nonlin=True):
        self.w = [ag.tensor(rng.uniform(-1, 1), dtype="float64", requires_grad=True)
                  for _ in range(n_in)]
        self.b = ag.tensor(0.0, dtype="float64", requires_grad=True)
        self.nonlin = nonlin

    def __call__(self, x):
        act = self.b
        for wi, xi in zip(self.w, x):
            act = act + wi * xi
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, n_in, n_out, rng, nonlin=True):
        self.neurons = [Neuron(n_in, rng, nonlin) for _ in range(n_out)]

    def __call__(self, x):
        return [n(x) for n in self.neurons]

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP:
    def __init__(self, n_in, sizes, rng):
        dims = [n_in] + sizes
        self.layers = [Layer(dims[i], dims[i + 1], rng, nonlin=i != len(sizes) - 1)
                       for i in range(len(sizes))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x[0]

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


def hinge_loss(model, xs, ys, alpha=1e-4):
    """Mean max-margin loss max(0, 1 - y * score) plus alpha * the squared weights."""
    losses = [(1 - yi * model(x)).relu() for x, yi in zip(xs.tolist(), ys.tolist())]
    data_loss = sum(losses[1:], losses[0]) * (1.0 / len(losses))
    reg = sum((p * p for p in model.parameters()), ag.tensor(0.0, dtype="float64"))
    return data_loss + alpha * reg


@ag.no_grad()
def accuracy(model, xs, ys):
    return np.mean([(yi > 0) == (model(x).item() > 0) for x, yi in zip(xs.tolist(), ys)])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=50)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch-size", type=int, default=None,
                    help="points per step, drawn at random (default: all of them)")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--quick", action="store_true", help="a short run: 30 points, 25 steps")
    args = ap.parse_args(argv)
    if args.quick:
        args.samples, args.steps = 30, 25

    xs, ys = make_moons(args.samples, noise=0.1, seed=args.seed)
    model = MLP(2, [16, 16, 1], np.random.default_rng(args.seed))
    params = model.parameters()
    opt = optim.SGD(params, lr=1.0)
    sched = LambdaLR(opt, lambda k: 1.0 - 0.9 * k / args.steps)
    rng = np.random.default_rng(args.seed)
    print(f"scalar MLP 2-16-16-1: {len(params)} scalar parameters, {args.samples} points")
    start = time.perf_counter()
    for k in range(args.steps):
        batch = (slice(None) if args.batch_size is None
                 else rng.choice(args.samples, args.batch_size, replace=False))
        loss = hinge_loss(model, xs[batch], ys[batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if k % 10 == 0 or k == args.steps - 1:
            print(f"step {k:3d}  loss {loss.item():.4f}  accuracy {accuracy(model, xs, ys):.1%}  "
                  f"lr {sched.get_last_lr()[0]:.3f}  {time.perf_counter() - start:.1f}s",
                  flush=True)
    acc = accuracy(model, xs, ys)
    print(f"final accuracy {acc:.1%}")
    return acc


if __name__ == "__main__":
    main()
