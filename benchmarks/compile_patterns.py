"""ag.compile on training steps that used to retrace on every call or run eagerly, each against
the same step run eagerly: gradient accumulation (an Adam step every 4th call by a flag), a
GAN generator step freezing the discriminator, activation checkpointing with dropout inside,
and a step returning ``loss.item()``. MLP 784-64-64-10 (the GAN 64-64-784 and 784-64-1),
batch 16, float32: small, so that the per-op Python a replay skips shows. One sample is 4
calls (a whole accumulation cycle); the table gives the time per call and compiled / eager
per round.
"""
try:
    from . import common
except ImportError:
    import common

import numpy as np

B, H = 16, 64


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((B, 784)).astype(np.float32), rng.integers(0, 10, B),
            rng.standard_normal((B, 64)).astype(np.float32))


def _steps():
    """{name: (build() -> (step, args of call i))}."""
    import autograd as ag
    import nn
    import nn.functional as F
    from nn import optim
    from nn.utils.checkpoint import checkpoint
    x, y, z = _data()
    x, y, z = ag.tensor(x), ag.tensor(y), ag.tensor(z)

    def mlp(*extra):
        return nn.Sequential(nn.Linear(784, H), nn.ReLU(), *extra, nn.Linear(H, H), nn.ReLU(),
                             nn.Linear(H, 10))

    def accumulation():
        model = mlp()
        opt = optim.Adam(model.parameters(), lr=1e-3)

        def step(x, y, update):
            (F.cross_entropy(model(x), y) / 4).backward()
            if update:
                opt.step()
                opt.zero_grad()
        return step, lambda i: (x, y, i % 4 == 3)

    def gan():
        gen = nn.Sequential(nn.Linear(64, H), nn.ReLU(), nn.Linear(H, 784))
        disc = nn.Sequential(nn.Linear(784, H), nn.ReLU(), nn.Linear(H, 1))
        opt = optim.Adam(gen.parameters(), lr=1e-3)

        def step(z):
            for p in disc.parameters():
                p.requires_grad_(False)
            opt.zero_grad()
            loss = -disc(gen(z)).mean()
            loss.backward()
            opt.step()
            for p in disc.parameters():
                p.requires_grad_(True)
            return loss
        return step, lambda i: (z,)

    def checkpointed():
        first, last = nn.Linear(784, H), nn.Linear(H, 10)
        block = nn.Sequential(nn.Linear(H, H), nn.ReLU(), nn.Dropout(0.1), nn.Linear(H, H),
                              nn.ReLU())
        params = [p for m in (first, block, last) for p in m.parameters()]
        opt = optim.SGD(params, lr=0.01, momentum=0.9)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(last(checkpoint(block, first(x), use_reentrant=False)), y)
            loss.backward()
            opt.step()
            return loss
        return step, lambda i: (x, y)

    def item():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def step(x, y):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss.item()
        return step, lambda i: (x, y)
    return {"accumulation (Adam every 4th call)": accumulation, "GAN step freezing D": gan,
            "checkpoint with dropout": checkpointed, "return loss.item()": item}


def run():
    import warnings
    import autograd as ag
    rows = []
    for workload, build in _steps().items():
        variants, compiled = {}, {}
        for name in ("eager", "compiled"):
            ag.manual_seed(0)
            step, args = build()
            f = ag.compile(step) if name == "compiled" else step
            if name == "compiled":
                compiled["f"] = f

            def cycle(f=f, args=args):
                for i in range(4):
                    f(*args(i))
            variants[name] = cycle
        with warnings.catch_warnings():
            warnings.simplefilter("error")          # a fallback would fail the benchmark
            samples = common.interleaved(variants, rounds=5 if common.QUICK else 15)
        f = compiled["f"]
        note = f"{f.traces} traces, {f.replays} replays"
        rows += common.rows_from(workload, samples, "eager", 1e3 / 4, "ms/call")
        rows[-1].note = note
    return rows


if __name__ == "__main__":
    common.main_with(run)
