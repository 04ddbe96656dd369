"""One training step of a GPT, float32: zero_grad + forward + backward + AdamW.

B=16, T=64, C=128, 4 layers, 4 heads, vocabulary 100, exact GELU, no dropout; the model
is `examples/gpt.py`'s (pre-LayerNorm blocks, fused q/k/v projection, tied head).
Variants, timed interleaved in one process: gradgraph, the same step written by hand in
numpy (transformer_numpy.py), and PyTorch CPU with the same architecture, weights and
batch (nanoGPT's code: `F.scaled_dot_product_attention(...,
is_causal=True)`, `nn.GELU()`, `torch.optim.AdamW`). Each thread count (1 and 2, or
BENCH_THREADS) is its own set of interleaved rounds.
The same step under ag.compile ("compiled", traced once, replayed as straight numpy).
Targets: gradgraph <= 1.2x PyTorch at 1 thread, <= 1.5x at 2 threads; compiled <= 1.0x
PyTorch at 1 thread, its trace (compile time) under 2 s.

`python benchmarks/transformer_step.py --parts` times the pieces instead (erf, GELU,
LayerNorm, softmax, attention's batched matmuls), forward + backward, against PyTorch.
"""
try:
    from . import common
except ImportError:
    import common

import os
import sys

import numpy as np

B, T, C, LAYERS, HEADS, VOCAB = 16, 64, 128, 4, 4, 100
TARGETS = {1: 1.2, 2: 1.5}
COMPILED_TARGETS = {1: 1.0, 2: None}
LR, WD = 1e-3, 0.1


def _gpt():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if os.path.join(root, "examples") not in sys.path:
        sys.path.insert(0, os.path.join(root, "examples"))
    import gpt
    return gpt


def problem(seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, VOCAB, (B, T))
    targets = rng.integers(0, VOCAB, (B, T))
    return idx, targets


def _model(seed):
    """The GPT (seeded initialisation) and its AdamW."""
    import autograd as ag
    gpt = _gpt()
    ag.manual_seed(seed)
    model = gpt.GPT(gpt.GPTConfig(block_size=T, vocab_size=VOCAB, n_layer=LAYERS,
                                  n_head=HEADS, n_embd=C))
    return model, model.configure_optimizers(WD, LR)


def gradgraph_step(idx, targets, seed=0):
    import autograd as ag
    model, opt = _model(seed)
    return _step(model, opt, ag.tensor(idx), ag.tensor(targets)), model


def _step(model, opt, x, y):
    """The eager training step, the same code for gradgraph and PyTorch: zero_grad,
    forward (the model returns logits and loss), backward, optimizer step; the loss."""
    def step():
        opt.zero_grad()
        _, loss = model(x, y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def compiled_step(idx, targets, seed=0):
    """gradgraph_step's step under ag.compile (traced on the 2nd call, then replayed);
    also returns the seconds the trace took (tracing and planning)."""
    import time

    import autograd as ag
    model, opt = _model(seed)
    x, y = ag.tensor(idx), ag.tensor(targets)

    @ag.compile
    def train_step(x, y):
        opt.zero_grad()
        _, loss = model(x, y)
        loss.backward()
        opt.step()
        return loss

    def step():
        return train_step(x, y).item()
    step()
    t0 = time.perf_counter()
    step()
    return step, model, time.perf_counter() - t0


def torch_model(torch, model):
    """The same GPT in PyTorch (examples/gpt_torch.py), with `model`'s weights."""
    _gpt()
    from gpt_torch import torch_gpt
    return torch_gpt(torch, model.config, model)


def torch_optimizer(torch, tm):
    decay = [p for p in tm.parameters() if p.dim() >= 2]
    no_decay = [p for p in tm.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": WD},
                              {"params": no_decay, "weight_decay": 0.0}],
                             lr=LR, betas=(0.9, 0.95), eps=1e-8)


def torch_step(torch, model, idx, targets):
    tm = torch_model(torch, model)
    opt = torch_optimizer(torch, tm)
    return _step(tm, opt, torch.from_numpy(idx), torch.from_numpy(targets))


def numpy_params(model):
    """{name: float32 copy} of the model's parameters (the tied head counted once)."""
    return {name: np.array(t.data) for name, t in model.named_parameters()}


def check(torch, steps=3):
    """gradgraph's, the hand-written numpy step's and PyTorch's losses agree over a few
    steps, and gradgraph's and numpy's weights after them (float32)."""
    from transformer_numpy import numpy_step
    idx, targets = problem(1)
    gg, model = gradgraph_step(idx, targets)
    params = numpy_params(model)
    npstep = numpy_step(params, idx, targets, HEADS, lr=LR, weight_decay=WD)
    ts = torch_step(torch, model, idx, targets) if torch is not None else None
    for _ in range(steps):
        a, n = gg(), npstep()
        b = ts() if ts is not None else n
        if not (abs(a - n) <= 1e-4 * abs(n) and abs(a - b) <= 1e-4 * abs(b)):
            raise AssertionError(f"transformer step: losses differ: gradgraph {a}, numpy {n}, "
                                 f"PyTorch {b}")
    for name, t in model.named_parameters():
        # Adam turns float32 rounding in tiny gradients into updates of up to ~lr/10
        np.testing.assert_allclose(t.data, params[name], rtol=1e-3, atol=1e-4, err_msg=name)
    # compiled: eager's bits (its first two steps are the warm-up and the trace)
    cs, cmodel, _ = compiled_step(idx, targets)
    gg, model = gradgraph_step(idx, targets)
    eager = [gg() for _ in range(steps + 2)]
    assert eager[2:] == [cs() for _ in range(steps)], "transformer step: compiled != eager"
    for (name, p), q in zip(model.named_parameters(), cmodel.parameters()):
        assert np.array_equal(p.data, q.data), f"transformer step: compiled != eager ({name})"


def variants(torch):
    from transformer_numpy import numpy_step
    idx, targets = problem()
    gg, model = gradgraph_step(idx, targets)
    out = {"gradgraph": gg,
           "compiled": compiled_step(idx, targets)[0],
           "numpy": numpy_step(numpy_params(model), idx, targets, HEADS, lr=LR,
                               weight_decay=WD)}
    if torch is not None:
        out["PyTorch"] = torch_step(torch, gradgraph_step(idx, targets)[1], idx, targets)
    return out


def _thread_counts():
    return [common.THREADS] if common.THREADS else [1, 2]


def run():
    torch = common.torch_or_none()
    from threadpoolctl import threadpool_limits
    check(torch)
    rows = []
    for n in _thread_counts():
        with threadpool_limits(n):
            if torch is not None:
                torch.set_num_threads(n)
            samples = common.interleaved(variants(torch), rounds=5 if common.QUICK else 11,
                                         target=0.2)
        base = "PyTorch" if torch is not None else "numpy"
        per_round = [a / b for a, b in zip(samples["gradgraph"], samples[base])]
        print(f"{n} thread(s): gradgraph / {base} per round: "
              + " ".join(f"{r:.2f}" for r in per_round)
              + f"  (median {common.Stats(per_round).median:.2f}, IQR "
              f"{100 * common.Stats(per_round).spread:.0f}%)", file=sys.stderr, flush=True)
        rows += common.rows_from(f"GPT step, {n} thread{'s' * (n > 1)}", samples, base, 1e3,
                                 "ms", targets={"gradgraph": [("PyTorch", TARGETS[n]),
                                                              ("numpy", None)],
                                                "compiled": [("PyTorch", COMPILED_TARGETS[n]),
                                                             ("numpy", None)]})
    traces = sorted(compiled_step(*problem())[2] for _ in range(3))
    rows.append(common.Row("GPT step: compile time", "compiled", traces[1] * 1e3, "ms",
                           note="warm-up excluded; target < 2000 ms"))
    return rows


if __name__ == "__main__":
    if "--parts" in sys.argv:
        sys.argv.remove("--parts")
        import transformer_parts
        common.main_with(transformer_parts.run)
    else:
        common.main_with(run)
