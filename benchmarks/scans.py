"""logcumsumexp at (256, 1024) along the last dim, float32 and float64, forward and
forward + backward: gradgraph's primitive (a running logaddexp in float64), the scan by
doubling of logaddexp it replaced (log2(n) steps of logaddexp, slices and cat, as
prod's and cumprod's scans still are) and PyTorch's.
"""
try:
    from . import common
except ImportError:
    import common

import numpy as np

SHAPE = (256, 1024)


def doubling_scan(ag, x):
    """The composite that logcumsumexp was before the primitive."""
    n, step = x.shape[-1], 1
    while step < n:
        x = ag.cat([x[..., :step], ag.logaddexp(x[..., step:], x[..., :n - step])], -1)
        step *= 2
    return x


def variants(dtype, backward):
    import autograd as ag
    x0 = np.random.default_rng(0).standard_normal(SHAPE).astype(dtype)
    g = np.linspace(-1.0, 1.0, x0.size).reshape(SHAPE).astype(dtype)

    def run(lib, fn):
        def step():
            x = lib.tensor(x0, requires_grad=backward)
            y = fn(x)
            if backward:
                y.backward(lib.tensor(g))
        return step
    out = {"gradgraph": run(ag, lambda x: ag.logcumsumexp(x, -1)),
           "doubling logaddexp": run(ag, lambda x: doubling_scan(ag, x))}
    torch = common.torch_or_none()
    if torch is not None:
        out["PyTorch"] = run(torch, lambda x: torch.logcumsumexp(x, -1))
    return out


def run():
    rows = []
    for dtype in (np.float32, np.float64):
        for backward in (False, True):
            samples = common.interleaved(variants(dtype, backward),
                                         rounds=5 if common.QUICK else 11, target=0.1)
            what = "fwd+bwd" if backward else "forward"
            rows += common.rows_from(f"logcumsumexp {what} {np.dtype(dtype).name} {SHAPE}",
                                     samples, "gradgraph", 1e3, "ms")
    return rows


if __name__ == "__main__":
    common.main_with(run)
