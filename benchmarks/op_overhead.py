"""Per-op overhead: a chain of 1,000 elementwise ops on a 16-element float64 vector.

The ops cycle mul-by-scalar, add-scalar, tanh; one sample is forward + backward of
the whole chain, reported in microseconds per op. The floor is the same forward ops
plus their hand-written backward in bare numpy (no graph). Target: <= 2.0x the floor;
the same step under ag.compile ("compiled"): <= 1.0x the floor.
"""
try:
    from . import common
except ImportError:
    import common

import numpy as np

N_OPS = 1000
SIZE = 16


KINDS = [i % 3 for i in range(N_OPS)]       # 0: * 1.001, 1: + 0.01, 2: tanh


def numpy_floor(x0):
    """The chain's forward and its hand-written backward in bare numpy."""
    def step():
        y = x0
        saved = []
        for k in KINDS:
            if k == 2:
                y = np.tanh(y)
                saved.append(y)
            else:
                y = y * 1.001 if k == 0 else y + 0.01
        g = np.ones_like(y)
        for k in reversed(KINDS):
            if k == 0:
                g = g * 1.001
            elif k == 2:
                t = saved.pop()
                g = g * (1.0 - t * t)
        return g
    return step


def chain(y, n=N_OPS, tanh=None):
    """The op chain on `y`, for any library whose tensors have * and + (and .tanh(),
    unless `tanh` is given)."""
    for i in range(n):
        k = i % 3
        if k == 0:
            y = y * 1.001
        elif k == 1:
            y = y + 0.01
        else:
            y = tanh(y) if tanh else y.tanh()
    return y


def autodiff_chain(leaf, seed, n=N_OPS):
    """A step: a fresh leaf `leaf()`, the chain, backward from `seed`; the graph dies at
    the step's end, so freeing it is timed too."""
    def step():
        x = leaf()
        chain(x, n).backward(seed)
        return x.grad
    return step


def gradgraph_chain(x0, n=N_OPS):
    import autograd as ag
    return autodiff_chain(lambda: ag.tensor(x0, requires_grad=True),
                          ag.tensor(np.ones_like(x0)), n)


def compiled_chain(x0, n=N_OPS):
    """The gradgraph step under ag.compile: the leaf is made inside the step, so the
    replay is the chain's numpy calls (forward and backward) on fixed buffers."""
    import autograd as ag
    seed = ag.tensor(np.ones_like(x0))

    @ag.compile
    def grad_of_chain(x):
        x = x.detach().requires_grad_()
        chain(x, n).backward(seed)
        return x.grad
    xt = ag.tensor(x0)
    return lambda: grad_of_chain(xt)


def torch_chain(torch, x0):
    return autodiff_chain(lambda: torch.tensor(x0, requires_grad=True),
                          torch.ones(len(x0), dtype=torch.float64))


# Run by HIPS autograd's interpreter (its package is also named `autograd`).
HIPS_SOURCE = '''
import autograd.numpy as anp
from autograd import grad

def chain_sum(x):
    return anp.sum(chain(x, tanh=anp.tanh))

gchain = grad(chain_sum)
x0 = np.linspace(-1.0, 1.0, SIZE)
VARIANTS = {"numpy floor": numpy_floor(x0), "HIPS autograd": lambda: gchain(x0)}
'''


def run():
    x0 = np.linspace(-1.0, 1.0, SIZE)
    variants = {"numpy floor": numpy_floor(x0), "gradgraph": gradgraph_chain(x0),
                "compiled": compiled_chain(x0)}
    np.testing.assert_allclose(variants["gradgraph"]().data, variants["numpy floor"](),
                               rtol=1e-12)
    for _ in range(3):                      # warm-up, trace, replay: eager's bits
        assert np.array_equal(variants["compiled"]().data, variants["gradgraph"]().data)
    torch = common.torch_or_none()
    if torch is not None:
        variants["PyTorch"] = torch_chain(torch, x0)
    samples = common.interleaved(variants, rounds=7 if common.QUICK else 21, threaded=False)
    scale = 1e6 / N_OPS
    rows = common.rows_from("op chain (1000 ops, 16 x f64)", samples, "numpy floor", scale,
                            "us/op", targets={"gradgraph": [("numpy floor", 2.0)],
                                              "compiled": [("numpy floor", 1.0)]})
    rows += common.hips_rows("op chain (1000 ops, 16 x f64)", "HIPS_SOURCE", __file__,
                             "numpy floor", scale, "us/op")
    return rows


if __name__ == "__main__":
    common.main_with(run)
