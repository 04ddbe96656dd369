"""Where the GPT step's time goes (benchmarks/transformer_step.py's step: B=16, T=64,
C=128, 4 layers, float32), piece by piece, in gradgraph and in PyTorch.

    python benchmarks/transformer_profile.py          # BENCH_THREADS=1 for one thread

Three columns of figures per piece (linear layers, attention core, splitting and
merging the heads, GELU, LayerNorm, residual adds, embedding, cross-entropy, AdamW):
- gradgraph inside the real step: a timer wraps every op node's forward and backward
  (a call made inside another op's counts for the outer one), the engine's
  broadcast-undoing sums, zero_grad and the optimizer step;
- gradgraph and PyTorch alone: the piece's forward + backward at the step's shapes
  (fresh leaves, a fixed output gradient), times its calls per step.
Each figure is the minimum over STEPS runs (on a shared machine the least disturbed),
and so are the steps (no timers); "rest" is the step minus the pieces (the engine's
walk, module calls, Python, and for the pieces alone the cache misses of the real
step). At one thread the clock is the thread's CPU time, which other processes on a
shared machine disturb far less than wall-clock time. The gap share is the piece's
gradgraph minus PyTorch time (alone) over the difference of the step times.
"""
try:
    from . import common
except ImportError:
    import common

import collections
import sys
import time

# One thread (BENCH_THREADS=1): BLAS and PyTorch run on the calling thread, so the
# thread's CPU time measures the work and not the waits for a core that other processes
# cause on a shared machine. With more threads, wall-clock time.
clock = time.thread_time if common.THREADS == 1 else time.perf_counter

STEPS = 8 if common.QUICK else 25

PIECES = ["linear (matmul + bias)", "attention core", "heads split/merge", "GELU", "LayerNorm",
          "broadcast sums (engine)", "residual adds", "embedding", "cross-entropy", "AdamW",
          "zero_grad"]


def _gg_piece(cls, scope):
    scope = scope or ""
    if "ln_" in scope:
        return "LayerNorm"
    if cls in ("Linear",) or (cls == "Reshape" and scope.split(".")[-1] in
                              ("c_attn", "c_proj", "c_fc", "lm_head")):
        return "linear (matmul + bias)"
    if cls in ("Gelu", "GeluSlope"):
        return "GELU"
    if scope.endswith("attn"):
        if cls in ("Attention", "AttentionWeights", "MatMul", "Softmax", "Where", "MulScalar"):
            return "attention core"
        return "heads split/merge"
    if scope in ("transformer.wte", "transformer.wpe"):
        return "embedding"
    if cls in ("LogSoftmax", "NegLogLikelihood") or (cls == "Reshape" and not scope):
        return "cross-entropy"
    if cls == "Add":
        return "residual adds" if scope.startswith("transformer.h") else "embedding"
    return f"other ({cls})"


def gradgraph_profile(steps):
    """{piece: (forward ms, backward ms)} and the step's ms, minima over `steps`."""
    import transformer_step as ts
    ts._gpt()
    import autograd as ag
    import nn  # noqa: F401  (its primitives must exist before they are wrapped)
    from autograd import engine, graph, state
    acc = collections.defaultdict(float)
    depth = [0]

    def wrap(cls, meth):
        f = vars(cls)[meth]

        def timed(self, *a, **k):
            if depth[0]:
                return f(self, *a, **k)
            scope = state.current().scope if meth == "forward" else self.scope
            depth[0] = 1
            t0 = clock()
            try:
                return f(self, *a, **k)
            finally:
                acc[(_gg_piece(cls.__name__, scope), meth == "backward")] += \
                    clock() - t0
                depth[0] = 0
        setattr(cls, meth, timed)

    def subclasses(c):
        for s in c.__subclasses__():
            yield s
            yield from subclasses(s)
    classes = set(subclasses(graph.Node))
    originals = [(c, m, vars(c)[m]) for c in classes for m in ("forward", "backward")
                 if m in vars(c)]
    undo_sum = engine.sum_to_shape

    def sum_to_shape(*a):
        if depth[0]:
            return undo_sum(*a)
        depth[0] = 1
        t0 = clock()
        try:
            return undo_sum(*a)
        finally:
            acc[("broadcast sums (engine)", True)] += clock() - t0
            depth[0] = 0
    try:
        for c, m, _ in originals:
            wrap(c, m)
        engine.sum_to_shape = sum_to_shape
        model, opt = ts._model(0)
        x, y = (ag.tensor(a) for a in ts.problem())

        def step():
            t0 = clock()
            opt.zero_grad()
            t1 = clock()
            _, loss = model(x, y)
            loss.backward()
            t2 = clock()
            opt.step()
            t3 = clock()
            acc[("zero_grad", False)] += t1 - t0
            acc[("AdamW", True)] += t3 - t2
        return _minima(step, acc, steps)
    finally:
        for c, m, f in originals:
            setattr(c, m, f)
        engine.sum_to_shape = undo_sum


def _minima(step, acc, steps):
    for _ in range(3):
        step()
    per_step, totals = [], []
    for _ in range(steps):
        common.settle()
        acc.clear()
        t0 = clock()
        step()
        totals.append(clock() - t0)
        per_step.append(dict(acc))
    keys = set().union(*per_step)
    pieces = collections.defaultdict(lambda: [0.0, 0.0])
    for key in keys:
        pieces[key[0]][key[1]] = 1e3 * min(p.get(key, 0.0) for p in per_step)
    return dict(pieces), 1e3 * min(totals)


# --- the same pieces in isolation, gradgraph and PyTorch alike ---------------------------

def _isolated(fn, reps):
    """Minimum over `reps` calls of fn() (after two warm-up calls), in ms."""
    fn()
    fn()
    best = float("inf")
    for _ in range(reps):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return 1e3 * best


def _fwd_bwd(lib, fn, arrays, grad_of):
    """A call of fn(*leaves) and its backward with a fixed gradient; `lib` is autograd
    or torch; the leaves of `arrays` at the positions in `grad_of` require grad."""
    import numpy as np
    rng = np.random.default_rng(1)
    if lib.__name__ == "torch":
        leaves = [lib.from_numpy(a.copy()).requires_grad_(i in grad_of) for i, a in
                  enumerate(arrays)]
        wrap = lib.from_numpy
    else:
        leaves = [lib.tensor(a.copy(), requires_grad=i in grad_of) for i, a in enumerate(arrays)]
        wrap = lib.tensor
    out = fn(*leaves)
    g = wrap(rng.standard_normal(out.shape).astype(np.float32)) if out.ndim else None

    def run():
        for t in leaves:
            t.grad = None
        y = fn(*leaves)
        y.backward(g) if g is not None else y.backward()
    return run


def isolated_pieces(lib, reps):
    """{piece: ms per step} for gradgraph (lib = autograd) or PyTorch (lib = torch): each
    piece's forward + backward at the step's shapes, times its calls per step."""
    import numpy as np
    import transformer_step as ts
    torch = lib.__name__ == "torch"
    if torch:
        F = lib.nn.functional
    else:
        import nn.functional as F
    B, T, C, H, V, LAYERS = ts.B, ts.T, ts.C, ts.HEADS, ts.VOCAB, ts.LAYERS
    rng = np.random.default_rng(0)

    def r(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(np.float32)
    out = collections.defaultdict(float)

    def add(piece, calls, fn, arrays, grad_of=None):
        grad_of = range(len(arrays)) if grad_of is None else grad_of
        out[piece] += calls * _isolated(_fwd_bwd(lib, fn, arrays, set(grad_of)), reps)
    for n_in, n_out, calls, bias in ((C, 3 * C, LAYERS, True), (C, C, LAYERS, True),
                                     (C, 4 * C, LAYERS, True), (4 * C, C, LAYERS, True),
                                     (C, V, 1, False)):
        arrays = [r(B, T, n_in), r(n_out, n_in, scale=0.02)] + ([r(n_out)] if bias else [])
        add("linear (matmul + bias)", calls, F.linear, arrays)

    def split_heads(qkv):
        q, k, v = qkv.split(C, dim=2) if torch else (qkv[..., :C], qkv[..., C:2 * C],
                                                     qkv[..., 2 * C:])
        return [a.reshape(B, T, H, C // H).transpose(1, 2) for a in (q, k, v)]

    def heads_only(qkv):
        q, k, v = split_heads(qkv)
        return (q + k + v).transpose(1, 2).reshape(B, T, C)
    sdpa = F.scaled_dot_product_attention
    add("attention core", LAYERS, lambda q, k, v: sdpa(q, k, v, is_causal=True),
        [r(B, H, T, C // H) for _ in range(3)])
    add("heads split/merge", LAYERS, heads_only, [r(B, T, 3 * C)])
    add("GELU", LAYERS, F.gelu, [r(B, T, 4 * C)])
    add("LayerNorm", 2 * LAYERS + 1, lambda x, w, b: F.layer_norm(x, (C,), w, b),
        [r(B, T, C), r(C), r(C)])
    add("residual adds", 2 * LAYERS, lambda a, b: a + b, [r(B, T, C), r(B, T, C)])
    idx = rng.integers(0, V, (B, T))
    tidx = lib.from_numpy(idx) if torch else idx
    pos = lib.arange(T) if torch else np.arange(T)
    add("embedding", 1, lambda wte, wpe: F.embedding(tidx, wte) + F.embedding(pos, wpe),
        [r(V, C, scale=0.02), r(T, C, scale=0.02)])
    targets = rng.integers(0, V, B * T)
    ttargets = lib.from_numpy(targets) if torch else lib.tensor(targets)
    add("cross-entropy", 1, lambda z: F.cross_entropy(z, ttargets), [r(B * T, V)])
    out["AdamW"] = _isolated(_adamw(lib, r), reps)
    return dict(out)


def _adamw(lib, r):
    """AdamW steps over parameters of the GPT's shapes (gradients set once)."""
    import transformer_step as ts
    C, V = ts.C, ts.VOCAB
    shapes = [(V, C), (ts.T, C)] + [(3 * C, C), (3 * C,), (C, C), (C,), (4 * C, C), (4 * C,),
                                    (C, 4 * C), (C,), (C,), (C,), (C,), (C,)] * ts.LAYERS
    shapes += [(C,), (C,)]
    if lib.__name__ == "torch":
        params = [lib.from_numpy(r(*s)).requires_grad_() for s in shapes]
        for p in params:
            p.grad = lib.from_numpy(r(*p.shape))
    else:
        params = [lib.tensor(r(*s), requires_grad=True) for s in shapes]
        for p in params:
            p.grad = lib.tensor(r(*p.shape))
    decay = [p for p in params if p.ndim >= 2]
    rest = [p for p in params if p.ndim < 2]
    groups = [{"params": decay, "weight_decay": ts.WD}, {"params": rest, "weight_decay": 0.0}]
    if lib.__name__ == "torch":
        opt = lib.optim.AdamW(groups, lr=ts.LR, betas=(0.9, 0.95), eps=1e-8)
    else:
        import nn
        opt = nn.optim.AdamW(groups, lr=ts.LR, betas=(0.9, 0.95), eps=1e-8)
    return opt.step


def step_time(step, steps):
    """The step's minimum time over `steps` calls (ms), no timers."""
    return _isolated(step, steps)


def table(in_step, gg_step, gg_alone, th_alone, th_step):
    """Markdown rows: piece, gradgraph in the step (fwd, bwd, total), gradgraph and
    PyTorch alone, the piece's share of the difference of the step times."""
    gap = gg_step - th_step
    lines = ["| piece | gradgraph in the step: fwd | bwd | total | gradgraph alone | "
             "PyTorch alone | share of the gap |", "|---|---|---|---|---|---|---|"]
    names = PIECES + sorted(k for k in in_step if k not in PIECES)
    sums = [0.0, 0.0, 0.0]
    for name in names:
        f, b = in_step.get(name, (0.0, 0.0))
        a, t = gg_alone.get(name, 0.0), th_alone.get(name, 0.0)
        sums = [sums[0] + f + b, sums[1] + a, sums[2] + t]
        lines.append(f"| {name} | {f:.2f} | {b:.2f} | {f + b:.2f} | {a:.2f} | {t:.2f} | "
                     f"{100 * (a - t) / gap:+.0f}% |")
    rest = (gg_step - sums[0], gg_step - sums[1], th_step - sums[2])
    lines.append(f"| rest (engine, modules, Python) | | | {rest[0]:.2f} | {rest[1]:.2f} | "
                 f"{rest[2]:.2f} | {100 * (rest[1] - rest[2]) / gap:+.0f}% |")
    lines.append(f"| **step** | | | | **{gg_step:.1f}** | **{th_step:.1f}** | "
                 f"{gg_step / th_step:.2f}x |")
    return "\n".join(lines)


def main():
    import transformer_step as ts
    import autograd as ag
    for line in common.machine_info():
        print(line)
    torch = common.torch_or_none()
    in_step, _ = gradgraph_profile(STEPS)
    idx, targets = ts.problem()
    gg_step = step_time(ts.gradgraph_step(idx, targets)[0], STEPS)
    gg_alone = isolated_pieces(ag, STEPS)
    if torch is not None:
        th_step = step_time(ts.torch_step(torch, ts._model(0)[0], idx, targets), STEPS)
        th_alone = isolated_pieces(torch, STEPS)
    else:
        th_step, th_alone = float("nan"), {}
    print(f"minimum over {STEPS} runs, {'thread CPU' if clock is time.thread_time else 'wall-clock'}"
          f" time, ms per step")
    print(table(in_step, gg_step, gg_alone, th_alone, th_step))


if __name__ == "__main__":
    sys.path.insert(0, common._ROOT + "/benchmarks")
    main()
