"""Optimizer step costs: ``opt.step()`` against the same update written by hand in numpy.

Parameters of a 784-H-H-10 MLP in float32 at H = 64, 256, 1024 (the sizes of
mlp_step.py), gradients set once. The hand-written updates are the code one would
write in a numpy training loop (``w -= lr * g``, which allocates a temporary); the
optimizers write through preallocated buffers, so the ratio shows what the Python
bookkeeping (groups, state lookups, ``mark_modified``) costs. PyTorch's step is timed
too where it is installed. Adafactor and Muon (over the matrices only: Muon takes 2-d
parameters) have no hand-written twin: they are timed against PyTorch's step, whose
Muon runs its Newton-Schulz iteration in bfloat16; at H = 1024 its five iterations over
the 1024 x 784 matrix are ~19 GFLOP, so they are timed at H = 64 and 256 only.
"""
try:
    from . import common
except ImportError:
    import common

import numpy as np


def shapes(h):
    return [(h, 784), (h,), (h, h), (h,), (10, h), (10,)]


def variants(h, kind, torch):
    import autograd as ag
    from nn import optim
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes(h)]
    grads = [rng.standard_normal(s).astype(np.float32) * 0.01 for s in shapes(h)]
    params = [ag.tensor(a.copy(), requires_grad=True) for a in arrays]
    for p, g in zip(params, grads):
        p.grad = ag.tensor(g)
    opt = {"SGD": lambda: optim.SGD(params, lr=0.01),
           "SGD momentum": lambda: optim.SGD(params, lr=0.01, momentum=0.9),
           "Adam": lambda: optim.Adam(params, lr=1e-3)}[kind]()
    ws = [a.copy() for a in arrays]
    bufs = [np.zeros_like(a) for a in arrays]
    vs = [np.zeros_like(a) for a in arrays]
    step = [0]

    def numpy():
        if kind == "SGD":
            for w, g in zip(ws, grads):
                w -= 0.01 * g
        elif kind == "SGD momentum":
            for w, g, b in zip(ws, grads, bufs):
                b *= 0.9
                b += g
                w -= 0.01 * b
        else:
            step[0] += 1
            t = step[0]
            for w, g, m, v in zip(ws, grads, bufs, vs):
                m += 0.1 * (g - m)
                v *= 0.999
                v += 0.001 * g * g
                w -= (1e-3 / (1 - 0.9 ** t)) * m / (np.sqrt(v) / (1 - 0.999 ** t) ** 0.5 + 1e-8)

    out = {"numpy": numpy, "gradgraph": opt.step}
    if torch is not None:
        tparams = [torch.tensor(a, requires_grad=True) for a in arrays]
        for p, g in zip(tparams, grads):
            p.grad = torch.tensor(g)
        topt = {"SGD": lambda: torch.optim.SGD(tparams, lr=0.01),
                "SGD momentum": lambda: torch.optim.SGD(tparams, lr=0.01, momentum=0.9),
                "Adam": lambda: torch.optim.Adam(tparams, lr=1e-3)}[kind]()
        out["PyTorch"] = topt.step
    return out


def large_model_variants(h, kind, torch):
    import autograd as ag
    from nn import optim
    rng = np.random.default_rng(0)
    kept = [s for s in shapes(h) if kind != "Muon" or len(s) == 2]
    arrays = [rng.standard_normal(s).astype(np.float32) for s in kept]
    grads = [rng.standard_normal(s).astype(np.float32) * 0.01 for s in kept]
    params = [ag.tensor(a.copy(), requires_grad=True) for a in arrays]
    for p, g in zip(params, grads):
        p.grad = ag.tensor(g)
    out = {"gradgraph": getattr(optim, kind)(params, lr=1e-3).step}
    if torch is not None:
        tparams = [torch.tensor(a, requires_grad=True) for a in arrays]
        for p, g in zip(tparams, grads):
            p.grad = torch.tensor(g)
        out["PyTorch"] = getattr(torch.optim, kind)(tparams, lr=1e-3).step
    return out


def run():
    rounds = 7 if common.QUICK else 21
    torch = common.torch_or_none()
    rows = []
    for h in (64, 256, 1024):
        for kind in ("SGD", "SGD momentum", "Adam"):
            samples = common.interleaved(variants(h, kind, torch), rounds=rounds)
            rows += common.rows_from(f"{kind} step, 784-{h}-{h}-10", samples, "numpy", 1e6,
                                     "us")
        for kind in ("Adafactor", "Muon") if h < 1024 else ():   # Muon: ~19 GFLOP a step
            samples = common.interleaved(large_model_variants(h, kind, torch), rounds=rounds)
            rows += common.rows_from(f"{kind} step, 784-{h}-{h}-10", samples, "PyTorch", 1e6,
                                     "us")
    return rows


if __name__ == "__main__":
    common.main_with(run)
