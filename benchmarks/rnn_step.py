"""One training step of an LSTM language model, float32: zero_grad + forward + backward
+ SGD step, against PyTorch's CPU ``nn.LSTM`` (its fused ATen kernels) with the same
weights and batch, at one thread by default (BENCH_THREADS to change it).

The model: Embedding(V, I) -> LSTM(I, H, batch_first) -> Linear(H, V), cross-entropy on
next tokens, T time steps, batch B. Variants timed interleaved in one process:
gradgraph (eager), gradgraph under ag.compile (traced once, replayed), PyTorch. Two
sizes: a small one where per-op overhead dominates and a larger one where the matmuls
do. Before timing, the three are checked to give the same losses over a few steps.

    BENCH_THREADS=1 python benchmarks/rnn_step.py
    BENCH_THREADS=1 BENCH_QUICK=1 python benchmarks/rnn_step.py   # fewer rounds
"""
try:
    from . import common
except ImportError:
    import common

import sys

import numpy as np

SIZES = {"small": dict(T=32, B=8, I=16, H=32, V=40),
         "medium": dict(T=32, B=32, I=64, H=256, V=80)}
LR = 0.1


def problem(size, seed=0):
    s = SIZES[size]
    return np.random.default_rng(seed).integers(0, s["V"], (s["B"], s["T"] + 1))


def gradgraph_model(size, seed=0):
    import autograd as ag
    import nn
    s = SIZES[size]
    ag.manual_seed(seed)
    model = nn.ModuleDict({"emb": nn.Embedding(s["V"], s["I"]),
                           "lstm": nn.LSTM(s["I"], s["H"], batch_first=True),
                           "head": nn.Linear(s["H"], s["V"])})
    return model


def _forward(F, model, seq, vocab):
    out, _ = model["lstm"](model["emb"](seq[:, :-1]))
    logits = model["head"](out)
    return F.cross_entropy(logits.reshape(-1, vocab), seq[:, 1:].reshape(-1))


def gradgraph_step(size, compiled=False, seed=0):
    import autograd as ag
    import nn.functional as F
    from nn import optim
    model = gradgraph_model(size, seed)
    opt = optim.SGD(model.parameters(), lr=LR)
    seq, vocab = ag.tensor(problem(size)), SIZES[size]["V"]

    def train_step(seq):
        opt.zero_grad()
        loss = _forward(F, model, seq, vocab)
        loss.backward()
        opt.step()
        return loss
    f = ag.compile(train_step) if compiled else train_step
    return lambda: f(seq).item()


def torch_step(torch, size, seed=0):
    model = gradgraph_model(size, seed)
    s = SIZES[size]
    tm = torch.nn.ModuleDict({"emb": torch.nn.Embedding(s["V"], s["I"]),
                              "lstm": torch.nn.LSTM(s["I"], s["H"], batch_first=True),
                              "head": torch.nn.Linear(s["H"], s["V"])})
    tm.load_state_dict({k: torch.from_numpy(v.data.copy()) for k, v in
                        model.state_dict().items()})
    opt = torch.optim.SGD(tm.parameters(), lr=LR)
    seq = torch.from_numpy(problem(size))

    def step():
        opt.zero_grad()
        loss = _forward(torch.nn.functional, tm, seq, s["V"])
        loss.backward()
        opt.step()
        return loss.item()
    return step


def check(torch, size, steps=4):
    """Eager and compiled gradgraph give the same losses bit for bit, PyTorch's within
    float32 rounding."""
    eager, compiled = gradgraph_step(size), gradgraph_step(size, compiled=True)
    ref = torch_step(torch, size) if torch is not None else None
    for i in range(steps):
        a, b = eager(), compiled()
        c = ref() if ref is not None else a
        if a != b or abs(a - c) > 1e-4 * abs(c):
            raise AssertionError(f"rnn step ({size}), step {i}: losses differ: eager {a}, "
                                 f"compiled {b}, PyTorch {c}")


def run():
    torch = common.torch_or_none()
    threads = common.THREADS or 1
    from threadpoolctl import threadpool_limits
    rows = []
    with threadpool_limits(threads):
        if torch is not None:
            torch.set_num_threads(threads)
        for size in SIZES:
            check(torch, size)
            variants = {"gradgraph": gradgraph_step(size),
                        "compiled": gradgraph_step(size, compiled=True)}
            if torch is not None:
                variants["PyTorch"] = torch_step(torch, size)
            for v in variants.values():        # the compiled step's warm-up and trace
                v(), v()
            samples = common.interleaved(variants, rounds=5 if common.QUICK else 15,
                                         target=0.2)
            s = SIZES[size]
            label = (f"LSTM LM step {size} (T={s['T']} B={s['B']} I={s['I']} H={s['H']}), "
                     f"{threads} thread{'s' * (threads > 1)}")
            base = "PyTorch" if torch is not None else "gradgraph"
            rows += common.rows_from(label, samples, base, 1e3, "ms")
            if torch is not None:
                per = common.ratios(samples, "gradgraph", "PyTorch")
                print(f"{size}: gradgraph / PyTorch per round: "
                      + " ".join(f"{r:.2f}" for r in per.samples), file=sys.stderr, flush=True)
    return rows


if __name__ == "__main__":
    common.main_with(run)
