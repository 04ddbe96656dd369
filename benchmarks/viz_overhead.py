"""What recording gradient-flow statistics costs, to decide whether it can be always on.

Workloads: a training step of a 784-128-128-10 ReLU MLP at batch 16 (forward,
cross-entropy, backward, SGD update), and forward + backward of a chain of 1,000
elementwise ops on 16 floats (where per-node costs show most). Variants: statistics
off (the default), the hook called but doing nothing, the norm alone (one reduction
per node), and what ``viz.record_gradient_flow()`` records (norm, max |g|, zero
entries, dead units, NaN/Inf).

Always-on needed < 5% on the MLP step; the full statistics cost several times that,
and even the norm alone is far from free on small ops, so recording is opt-in.

Times are CPU time of this process (``time.process_time``), interleaved round-robin,
with the ratio taken per round: on a shared machine, wall-clock samples of a
sub-millisecond step swing by more than the effect measured here. Run with
OPENBLAS_NUM_THREADS=1 so that CPU time is the step's own work.
"""
try:
    from . import common
except ImportError:
    import common

import statistics
import time

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


def op_chain():
    import autograd as ag
    x0 = np.linspace(-1.0, 1.0, 16)
    seed = ag.tensor(np.ones(16))

    def step():
        x = ag.tensor(x0, requires_grad=True)
        y = x
        for i in range(1000):
            y = y * 1.001 if i % 3 == 0 else (y + 0.01 if i % 3 == 1 else y.tanh())
        y.backward(seed)
    return step


def with_hook(step, hook):
    from autograd.state import set_stats_hook

    def run():
        prev = set_stats_hook(hook)
        try:
            step()
        finally:
            set_stats_hook(prev)
    return run


def norm_only(node, g):
    a = g.data
    node.grad_stats = float(np.vdot(a, a)) ** 0.5


def cpu_samples(variants, rounds, number):
    """{name: [CPU seconds per call, one per round]}, variants interleaved."""
    for fn in variants.values():
        fn()
    samples = {name: [] for name in variants}
    names = list(variants)
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            t = time.process_time()
            for _ in range(number):
                variants[name]()
            samples[name].append((time.process_time() - t) / number)
    return samples


def run():
    from viz.stats import _record
    rows = []
    for workload, step, number, scale, unit in (
            ("MLP 784-128-128-10 step, batch 16", mlp_step(), 100, 1e6, "us"),
            ("op chain (1000 ops, 16 x f64)", op_chain(), 2, 1e3, "us/op")):
        variants = {"stats off": with_hook(step, None),
                    "hook, no work": with_hook(step, lambda node, g: None),
                    "norm only": with_hook(step, norm_only),
                    "record_gradient_flow": with_hook(step, _record)}
        samples = cpu_samples(variants, 5 if common.QUICK else 15, number)
        base = samples["stats off"]
        for name, s in samples.items():
            ratio = statistics.median(a / b for a, b in zip(s, base))
            rows.append(common.Row(workload if name == "stats off" else "", name,
                                   statistics.median(s) * scale, unit,
                                   common.Stats(s).spread, ratio, "stats off",
                                   1.05 if name != "stats off" else None))
    return rows


if __name__ == "__main__":
    common.main_with(run)
