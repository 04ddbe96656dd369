"""The optimizer tests' allocation measure: the bytes one step allocates at its peak,
after two warm-up steps (the first makes the state and the workspace)."""
import tracemalloc

import numpy as np

import autograd as ag


def step_peak(make, shapes):
    """Peak bytes of the third step of optimizer `make(params)` over float32 parameters of
    `shapes` holding random gradients."""
    rng = np.random.default_rng(0)
    params = [ag.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
              for s in shapes]
    for p in params:
        p.grad = ag.tensor(rng.standard_normal(p.shape).astype(np.float32))
    opt = make(params)
    opt.step()
    opt.step()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        opt.step()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
