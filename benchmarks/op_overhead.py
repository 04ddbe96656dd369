"""Per-op overhead: a chain of 1,000 elementwise ops on a 16-element float64 vector.

The ops cycle mul-by-scalar, add-scalar, tanh; one sample is forward + backward of
the whole chain, reported in microseconds per op. The floor is the same forward ops
plus their hand-written backward in bare numpy (no graph). Target: <= 2.0x the floor.
"""
try:
    from . import common
except ImportError:
    import common

import numpy as np

N_OPS = 1000
SIZE = 16


def numpy_floor(x0):
    def step():
        y = x0
        saved = []
        for i in range(N_OPS):
            k = i % 3
            if k == 0:
                y = y * 1.001
            elif k == 1:
                y = y + 0.01
            else:
                y = np.tanh(y)
                saved.append(y)
        g = np.ones_like(y)
        for i in reversed(range(N_OPS)):
            k = i % 3
            if k == 0:
                g = g * 1.001
            elif k == 2:
                t = saved.pop()
                g = g * (1.0 - t * t)
        return g
    return step


def gradgraph_chain(x0):
    import autograd as ag
    seed = ag.tensor(np.ones(SIZE))

    def step():
        x = ag.tensor(x0, requires_grad=True)
        y = x
        for i in range(N_OPS):
            k = i % 3
            if k == 0:
                y = y * 1.001
            elif k == 1:
                y = y + 0.01
            else:
                y = y.tanh()
        y.backward(seed)
        return x.grad
    return step


def torch_chain(torch, x0):
    seed = torch.ones(SIZE, dtype=torch.float64)

    def step():
        x = torch.tensor(x0, requires_grad=True)
        y = x
        for i in range(N_OPS):
            k = i % 3
            if k == 0:
                y = y * 1.001
            elif k == 1:
                y = y + 0.01
            else:
                y = y.tanh()
        y.backward(seed)
        return x.grad
    return step


# Run by HIPS autograd's interpreter (its package is also named `autograd`).
HIPS_SOURCE = '''
import autograd.numpy as anp
from autograd import grad

def chain(x):
    y = x
    for i in range(N_OPS):
        k = i % 3
        if k == 0:
            y = y * 1.001
        elif k == 1:
            y = y + 0.01
        else:
            y = anp.tanh(y)
    return anp.sum(y)

gchain = grad(chain)
x0 = np.linspace(-1.0, 1.0, SIZE)
VARIANTS = {"numpy floor": numpy_floor(x0), "HIPS autograd": lambda: gchain(x0)}
'''


def run():
    x0 = np.linspace(-1.0, 1.0, SIZE)
    variants = {"numpy floor": numpy_floor(x0), "gradgraph": gradgraph_chain(x0)}
    np.testing.assert_allclose(variants["gradgraph"]().data, variants["numpy floor"](),
                               rtol=1e-12)
    torch = common.torch_or_none()
    if torch is not None:
        variants["PyTorch"] = torch_chain(torch, x0)
    samples = common.interleaved(variants, rounds=7 if common.QUICK else 21)
    scale = 1e6 / N_OPS
    rows = common.rows_from("op chain (1000 ops, 16 x f64)", samples, "numpy floor", scale,
                            "us/op", targets={"gradgraph": [("numpy floor", 2.0)]})
    rows += common.hips_rows("op chain (1000 ops, 16 x f64)", "HIPS_SOURCE", __file__,
                             "numpy floor", scale, "us/op")
    return rows


if __name__ == "__main__":
    common.main_with(run)
