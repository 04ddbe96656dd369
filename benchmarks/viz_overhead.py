"""What recording gradient-flow statistics costs during training.

One sample is a training step of a 784-128-128-10 ReLU MLP at batch 16 (forward,
cross-entropy, backward, SGD update). Variants: statistics off (the default), the hook
called but doing nothing, only the norm (one reduction per node), and what
``viz.record_gradient_flow()`` records (norm, max |g|, zeros, dead units, NaN/Inf).
The question was whether statistics could be always on: only if they cost < 5% of the
step. They do not (see the ratios), so they are opt-in.
"""
try:
    from . import common
except ImportError:
    import common

import numpy as np


def mlp_step():
    import autograd as ag
    import nn
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    opt = nn.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((16, 784)).astype(np.float32))
    y = ag.tensor(rng.integers(0, 10, 16))

    def step():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def with_hook(step, hook):
    from autograd import graph

    def run():
        prev, graph._hook_stats = graph._hook_stats, hook
        try:
            step()
        finally:
            graph._hook_stats = prev
    return run


def norm_only(node, g):
    a = g.data
    node.grad_stats = float(np.vdot(a, a)) ** 0.5


def run():
    from viz.stats import _record
    step = mlp_step()
    variants = {
        "stats off": with_hook(step, None),
        "hook, no work": with_hook(step, lambda node, g: None),
        "norm only": with_hook(step, norm_only),
        "record_gradient_flow": with_hook(step, _record),
    }
    samples = common.interleaved(variants, rounds=7 if common.QUICK else 21)
    return common.rows_from("MLP 784-128-128-10 step, batch 16", samples, "stats off",
                            1e6, "us", targets={"record_gradient_flow": [("stats off", 1.05)],
                                                "norm only": [("stats off", 1.05)]})


if __name__ == "__main__":
    common.main_with(run)
