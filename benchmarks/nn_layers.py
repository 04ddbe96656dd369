"""nn layer costs behind the choices in nn/ and autograd/ops_nn.py.

1. Linear forward + backward (float32): the fused ``ops_nn.Linear`` primitive against
   the composite x @ w.T + b (permute, matmul, add) and the same maths in bare numpy.
   Instructions per call (valgrind): 261k fused / 387k composite / 125k numpy at
   (16, 64->64); 1.19M / 1.34M / 0.86M at (16, 784->64); 5.42M / 5.55M at (128, 256->256).
2. ``Module.__call__`` (scope bookkeeping, hooks check) against calling
   ``F.linear`` directly: the module overhead on a B=16 Linear forward. Measured by
   instruction count (valgrind): 84.3k against 77.8k instructions per call, +8%.
3. cross-entropy forward + backward at (B=16, C=10) against the hand-written numpy
   (log-softmax, pick, mean; softmax - onehot).
4. Conv2d forward + backward on a digits-sized batch (64 x 16 x 8 x 8, 3x3, 32 out).
"""
try:
    from . import common
except ImportError:
    import common

import numpy as np


def linear_variants(b, n_in, n_out):
    import autograd as ag
    from autograd import ops
    from autograd.graph import apply1, apply2
    import nn.functional as F
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((b, n_in), np.float32))
    w = ag.tensor(rng.standard_normal((n_out, n_in), np.float32), requires_grad=True)
    bias = ag.tensor(rng.standard_normal(n_out, np.float32), requires_grad=True)
    g = ag.tensor(np.ones((b, n_out), np.float32))

    def fused():
        w.grad = bias.grad = None
        F.linear(x, w, bias).backward(g)

    def composite():
        w.grad = bias.grad = None
        wt = apply1(ops.Permute, w, (1, 0))
        apply2(ops.Add, apply2(ops.MatMul, x, wt), bias).backward(g)

    xd, wd, bd, gd = x.data, w.data, bias.data, g.data

    def numpy():
        y = xd @ wd.T
        y += bd
        return gd.T @ xd, gd.sum(0)

    return {"numpy": numpy, "gradgraph fused": fused, "gradgraph composite": composite}


def call_variants():
    import autograd as ag
    import nn
    import nn.functional as F
    layer = nn.Linear(64, 64)
    x = ag.randn(16, 64)
    w, b = layer.weight, layer.bias
    return {"F.linear": lambda: F.linear(x, w, b), "Linear module": lambda: layer(x)}


def ce_variants(b=16, c=10):
    import autograd as ag
    import nn.functional as F
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((b, c)).astype(np.float32)
    target = rng.integers(0, c, b)

    def gradgraph():
        x = ag.tensor(logits, requires_grad=True)
        F.cross_entropy(x, ag.tensor(target)).backward()
        return x.grad

    def numpy():
        z = logits - logits.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        loss = -logp[np.arange(b), target].mean()
        g = np.exp(logp)
        g[np.arange(b), target] -= 1
        return loss, g / b

    return {"numpy": numpy, "gradgraph": gradgraph}


def conv_variants(torch):
    import autograd as ag
    import nn.functional as F
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 16, 8, 8)).astype(np.float32)
    w = rng.standard_normal((32, 16, 3, 3)).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    xa = ag.tensor(x, requires_grad=True)
    wa, ba = ag.tensor(w, requires_grad=True), ag.tensor(b, requires_grad=True)

    def gradgraph():
        xa.grad = wa.grad = ba.grad = None
        F.conv2d(xa, wa, ba, padding=1).sum().backward()

    variants = {"gradgraph": gradgraph}
    if torch is not None:
        xt = torch.tensor(x, requires_grad=True)
        wt, bt = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)

        def pytorch():
            xt.grad = wt.grad = bt.grad = None
            torch.nn.functional.conv2d(xt, wt, bt, padding=1).sum().backward()
        variants["PyTorch"] = pytorch
    return variants


def run():
    rounds = 7 if common.QUICK else 21
    rows = []
    for shape in [(16, 64, 64), (16, 784, 64), (128, 256, 256)]:
        samples = common.interleaved(linear_variants(*shape), rounds=rounds)
        rows += common.rows_from(f"Linear fwd+bwd B={shape[0]} {shape[1]}->{shape[2]}",
                                 samples, "numpy", 1e6, "us",
                                 targets={"gradgraph fused": [("gradgraph composite", None),
                                                              ("numpy", None)]})
    samples = common.interleaved(call_variants(), rounds=rounds)
    rows += common.rows_from("Linear forward B=16 64->64", samples, "F.linear", 1e6, "us")
    samples = common.interleaved(ce_variants(), rounds=rounds)
    rows += common.rows_from("cross_entropy fwd+bwd B=16 C=10", samples, "numpy", 1e6, "us")
    torch = common.torch_or_none()
    samples = common.interleaved(conv_variants(torch), rounds=rounds)
    rows += common.rows_from("conv2d fwd+bwd 64x16x8x8, 3x3->32", samples, "gradgraph",
                             1e3, "ms")
    return rows


if __name__ == "__main__":
    common.main_with(run)
