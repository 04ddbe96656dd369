"""A scalar graph: micrograd's MLP 2-16-16-1 on 0-d tensors, forward + backward per sample.

Every weight is a 0-d value and every neuron computes relu(sum(w_i * x_i) + b) one
multiply-add at a time (about 370 recorded ops per sample), the same code for every
library: gradgraph (float64 0-d Tensors), micrograd's Value, PyTorch 0-d tensors.
Target: gradgraph <= 2.0x micrograd.
"""
try:
    from . import common
except ImportError:
    import common

import numpy as np

SIZES = (2, 16, 16, 1)


def build(param, seed=0):
    """Layers of neurons [(weights, bias)], each value made by `param(float)`."""
    rng = np.random.default_rng(seed)
    return [[([param(float(rng.uniform(-1, 1))) for _ in range(n_in)], param(0.0))
             for _ in range(n_out)] for n_in, n_out in zip(SIZES, SIZES[1:])]


def forward(layers, x):
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        out = []
        for ws, b in layer:
            act = b
            for w, xi in zip(ws, x):
                act = act + w * xi
            out.append(act if last else act.relu())
        x = out
    return x[0]


def sample_step(layers, samples):
    """One sample per call, cycling through `samples`: squared error, backward."""
    state = {"i": 0}

    def step():
        (x, y) = samples[state["i"] % len(samples)]
        state["i"] += 1
        out = forward(layers, x)
        loss = (out - y) * (out - y)
        loss.backward()
        return loss
    return step


def problem(n=16, seed=1):
    rng = np.random.default_rng(seed)
    return [([float(a), float(b)], float(np.sign(a * b))) for a, b in rng.uniform(-1, 1, (n, 2))]


def variants():
    import autograd as ag
    samples = problem()
    out = {"gradgraph": sample_step(
        build(lambda v: ag.tensor(v, dtype="float64", requires_grad=True)), samples)}
    micrograd = common.optional("micrograd.engine")
    if micrograd is not None:
        from micrograd.engine import Value
        out["micrograd"] = sample_step(build(Value), samples)
    torch = common.torch_or_none()
    if torch is not None:
        out["PyTorch"] = sample_step(build(
            lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)), samples)
    return out


def run():
    vs = variants()
    samples = common.interleaved(vs, rounds=5 if common.QUICK else 15, target=0.05,
                                  threaded=False)
    base = "micrograd" if "micrograd" in vs else "gradgraph"
    rows = common.rows_from("scalar MLP 2-16-16-1 (per sample)", samples, base, 1e3, "ms",
                            targets={"gradgraph": [("micrograd", 2.0)]})
    if "micrograd" not in vs:
        rows.append(common.Row("scalar MLP 2-16-16-1 (per sample)", "micrograd", float("nan"),
                               "ms", note="skipped: pip install micrograd"))
    return rows


if __name__ == "__main__":
    common.main_with(run)
