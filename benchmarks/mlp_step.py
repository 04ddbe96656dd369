"""One training step of a 784-H-H-10 ReLU MLP, cross-entropy, SGD, float32.

Variants, timed interleaved in one process: gradgraph (nn.Sequential of nn.Linear and
nn.ReLU, F.cross_entropy, optim.SGD), the same step under ag.compile ("compiled") and
its program alone ("compiled replay": without the per-call wrapper), the same step
written by hand in numpy, and PyTorch CPU if installed (HIPS autograd in its own
interpreter, see README.md).
Targets: gradgraph <= 1.0x PyTorch at every size but the largest (1.1x there) and
<= 1.3x / 1.1x / - hand-written numpy; compiled <= 1.05x / 1.0x / 1.0x numpy and
<= 0.4x / 0.9x / - PyTorch.
"""
try:
    from . import common
except ImportError:
    import common

import numpy as np

SIZES = [(16, 64), (128, 256), (512, 1024)]
TARGETS = {(16, 64): [("PyTorch", 1.0), ("numpy", 1.3)],
           (128, 256): [("PyTorch", 1.0), ("numpy", 1.1)],
           (512, 1024): [("PyTorch", 1.1)]}
COMPILED_TARGETS = {(16, 64): [("numpy", 1.05), ("PyTorch", 0.4)],
                    (128, 256): [("numpy", 1.0), ("PyTorch", 0.9)],
                    (512, 1024): [("numpy", 1.0)]}
LR = 0.01


def problem(b, h, seed=0):
    """Inputs, labels and initial parameters [w1, b1, w2, b2, w3, b3] (PyTorch layout)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((b, 784), np.float32)
    y = rng.integers(0, 10, b)
    params = []
    for n_in, n_out in ((784, h), (h, h), (h, 10)):
        bound = 1.0 / np.sqrt(n_in)
        params.append(rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, n_out).astype(np.float32))
    return x, y, params


def numpy_step(x, y, params, lr=LR):
    """The step written by hand: forward, softmax - onehot, backward, in-place SGD."""
    w1, b1, w2, b2, w3, b3 = params
    rows = np.arange(len(y))

    def step():
        h1 = x @ w1.T
        h1 += b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ w2.T
        h2 += b2
        a2 = np.maximum(h2, 0)
        z = a2 @ w3.T
        z += b3
        z -= z.max(1, keepdims=True)
        e = np.exp(z)
        s = e.sum(1, keepdims=True)
        loss = np.log(s[:, 0]).mean() - z[rows, y].mean()
        gz = e / s
        gz[rows, y] -= 1
        gz /= len(y)
        ga2 = gz @ w3
        ga2 *= h2 > 0
        ga1 = ga2 @ w2
        ga1 *= h1 > 0
        for p, g in ((w3, gz.T @ a2), (b3, gz.sum(0)), (w2, ga2.T @ a1), (b2, ga2.sum(0)),
                     (w1, ga1.T @ x), (b1, ga1.sum(0))):
            g *= lr
            p -= g
        return loss
    return step


def _model(params, lr):
    """gradgraph's MLP holding `params`, and its SGD."""
    import nn
    h = params[0].shape[0]
    model = nn.Sequential(nn.Linear(784, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(),
                          nn.Linear(h, 10))
    for p, value in zip(model.parameters(), params):
        p.data[...] = value
    return model, nn.optim.SGD(model.parameters(), lr=lr)


def gradgraph_step(x, y, params, lr=LR):
    import autograd as ag
    import nn.functional as F
    model, opt = _model(params, lr)
    xt, yt = ag.tensor(x), ag.tensor(y)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()
    return step, model


def compiled_step(x, y, params, lr=LR):
    """The gradgraph step under ag.compile: traced once, replayed as straight numpy."""
    import autograd as ag
    import nn.functional as F
    model, opt = _model(params, lr)
    xt, yt = ag.tensor(x), ag.tensor(y)

    @ag.compile
    def train_step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    def step():
        return train_step(xt, yt).item()
    step.compiled = train_step
    return step, model


def replay_step(x, y, params, lr=LR):
    """The compiled step's program alone, called with the input arrays: no per-call
    wrapper (signature, state check, result Tensor). Compiled minus this is what the
    wrapper costs; at B=16 it is most of the compiled step's gap to numpy."""
    step, model = compiled_step(x, y, params, lr)
    for _ in range(3):                  # warm-up and trace
        step()
    (entry,) = [e for e in step.compiled.programs.values() if not isinstance(e, str)]
    run, arrays = entry.program.run, [x, y]

    def replay():
        if run(arrays) is not None:
            raise RuntimeError("the MLP step's replay failed a guard")
    return replay, model


def torch_step(torch, x, y, params, lr=LR):
    h = params[0].shape[0]
    tnn = torch.nn
    model = tnn.Sequential(tnn.Linear(784, h), tnn.ReLU(), tnn.Linear(h, h), tnn.ReLU(),
                           tnn.Linear(h, 10))
    with torch.no_grad():
        for p, value in zip(model.parameters(), params):
            p.copy_(torch.from_numpy(value))
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    ce = torch.nn.functional.cross_entropy

    def step():
        opt.zero_grad()
        loss = ce(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def check(b=16, h=64, steps=3):
    """gradgraph's and the numpy step's losses and weights agree over a few steps."""
    x, y, params = problem(b, h)
    ref = [p.copy() for p in params]
    np_step = numpy_step(x, y, ref)
    gg_step, model = gradgraph_step(x, y, [p.copy() for p in params])
    c_step, c_model = compiled_step(x, y, [p.copy() for p in params])
    for _ in range(steps):
        loss = gg_step()
        np.testing.assert_allclose(loss, np_step(), rtol=1e-4)
        assert c_step() == loss                  # compiled: eager's bits
    for p, q, r in zip(model.parameters(), c_model.parameters(), ref):
        np.testing.assert_allclose(p.data, r, rtol=1e-4, atol=1e-6)
        assert np.array_equal(p.data, q.data)
    r_step, r_model = replay_step(x, y, [p.copy() for p in params])   # 3 steps taken
    for _ in range(steps - 3):
        r_step()
    assert all(np.array_equal(p.data, q.data) for p, q in zip(c_model.parameters(),
                                                              r_model.parameters()))


def variants(b, h, torch):
    x, y, params = problem(b, h)
    out = {"numpy": numpy_step(x, y, [p.copy() for p in params]),
           "gradgraph": gradgraph_step(x, y, [p.copy() for p in params])[0],
           "compiled": compiled_step(x, y, [p.copy() for p in params])[0],
           "compiled replay": replay_step(x, y, [p.copy() for p in params])[0]}
    if torch is not None:
        out["PyTorch"] = torch_step(torch, x, y, [p.copy() for p in params])
    return out


HIPS_SOURCE = '''
import autograd.numpy as anp
from autograd import grad

def make(b, h):
    x, y, params = problem(b, h)
    rows = np.arange(b)

    def loss(ps):
        w1, b1, w2, b2, w3, b3 = ps
        a1 = anp.maximum(anp.dot(x, w1.T) + b1, 0.0)
        a2 = anp.maximum(anp.dot(a1, w2.T) + b2, 0.0)
        z = anp.dot(a2, w3.T) + b3
        z = z - anp.max(z, axis=1, keepdims=True)
        logp = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
        return -anp.mean(logp[rows, y])

    g = grad(loss)

    def step():
        for p, gp in zip(params, g(params)):
            p -= LR * gp
    return {"numpy": numpy_step(x, y, [p.copy() for p in params]), "HIPS autograd": step}

VARIANTS = make(*SIZE)
'''


def run(sizes=None):
    torch = common.torch_or_none()
    check()
    rows = []
    for b, h in sizes or (SIZES[:2] if common.QUICK else SIZES):
        vs = variants(b, h, torch)
        rounds = 5 if common.QUICK else (15 if b < 512 else 9)
        samples = common.interleaved(vs, rounds=rounds, target=0.05 if b < 512 else 0.2)
        name = f"MLP step B={b} H={h}"
        rows += common.rows_from(name, samples, "numpy", 1e3, "ms",
                                 targets={"gradgraph": TARGETS[(b, h)],
                                          "compiled": COMPILED_TARGETS[(b, h)]})
        rows += common.hips_rows(name, f"HIPS_SOURCE_{b}_{h}", __file__, "numpy", 1e3, "ms",
                                 rounds=5 if common.QUICK else 7)
    return rows


for _b, _h in SIZES:
    globals()[f"HIPS_SOURCE_{_b}_{_h}"] = f"SIZE = ({_b}, {_h})\n" + HIPS_SOURCE


if __name__ == "__main__":
    common.main_with(run)
