"""Where the GPT step's time goes (benchmarks/transformer_step.py's step: B=16, T=64,
C=128, 4 layers, float32), piece by piece, in gradgraph and in PyTorch, measured inside
the real step.

    python benchmarks/transformer_profile.py          # BENCH_THREADS=1 for one thread

gradgraph: a timer wraps every op node's forward and backward (a call made inside
another op's counts for the outer one), the engine's broadcast-undoing sums, zero_grad
and the optimizer step. PyTorch: torch.profiler, the CPU time of each top-level event
(an aten op of the forward such as `aten::layer_norm`, an
`evaluate_function: XBackward0` of the backward, the optimizer's step). Each piece is
the minimum over STEPS steps (on a shared machine the least disturbed one), and so is
the step; "rest" is the step minus the pieces (the engine's walk, module calls,
Python). At one thread the clock is the thread's CPU time (PyTorch's profiler times,
wall-clock, are scaled to it), which other processes on a shared machine disturb far
less than wall-clock time. Timers and the profiler add a few us per op call. The gap share is the piece's gradgraph
minus PyTorch time over the difference of the step times.
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


_TORCH_FORWARD = {"aten::linear": "linear (matmul + bias)",
                  "aten::scaled_dot_product_attention": "attention core",
                  "aten::gelu": "GELU", "aten::layer_norm": "LayerNorm",
                  "aten::add": "residual adds", "aten::embedding": "embedding",
                  "aten::cross_entropy_loss": "cross-entropy"}
_TORCH_BACKWARD = {"AddmmBackward0": "linear (matmul + bias)", "MmBackward0": "linear (matmul + bias)",
                   "TBackward0": "linear (matmul + bias)",
                   "GeluBackward0": "GELU", "NativeLayerNormBackward0": "LayerNorm",
                   "AddBackward0": "residual adds", "EmbeddingBackward0": "embedding",
                   "LogSoftmaxBackward0": "cross-entropy", "NllLossBackward0": "cross-entropy"}


def _torch_piece(name):
    if name.startswith("Optimizer.step"):
        return "AdamW", True
    if name.startswith("Optimizer.zero_grad"):
        return "zero_grad", False
    prefix = "autograd::engine::evaluate_function: "
    if name.startswith(prefix):
        op = name[len(prefix):]
        if "ScaledDotProduct" in op:
            return "attention core", True
        if op in _TORCH_BACKWARD:
            return _TORCH_BACKWARD[op], True
        if "AccumulateGrad" in op:
            return "rest", True
        return "heads split/merge", True          # Split, View, Transpose, UnsafeView
    if name in _TORCH_FORWARD:
        return _TORCH_FORWARD[name], False
    if name in ("aten::split", "aten::view", "aten::transpose", "aten::reshape",
                "aten::contiguous", "aten::flatten"):
        return "heads split/merge", False
    return "rest", False


def torch_profile(torch, steps):
    import transformer_step as ts
    from torch.profiler import ProfilerActivity, profile
    model, _ = ts._model(0)
    step = ts.torch_step(torch, model, *ts.problem())
    acc = collections.defaultdict(float)
    totals = []

    def profiled():
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            t0 = clock()
            step()
            total = clock() - t0
        events = [e for e in prof.events() if e.cpu_parent is None]
        # the profiler's times are wall-clock: scaled to the step's own clock
        scale = total / max(1e-9, sum(e.cpu_time_total for e in events) / 1e6)
        for e in events:
            acc[_torch_piece(e.name)] += scale * e.cpu_time_total / 1e6
        totals.append(1e3 * total)
    pieces, _ = _minima(profiled, acc, steps)
    return pieces, min(totals[-steps:])


def table(gg, gg_step, th, th_step):
    """Markdown rows: piece, gradgraph fwd/bwd/total, PyTorch fwd/bwd/total, gap share."""
    gap = gg_step - th_step
    lines = ["| piece | gradgraph fwd | bwd | total | PyTorch fwd | bwd | total | share of gap |",
             "|---|---|---|---|---|---|---|---|"]
    names = PIECES + sorted(k for k in gg if k not in PIECES)
    shown = []
    for name in names:
        a, b = gg.get(name, (0.0, 0.0)), th.get(name, (0.0, 0.0))
        shown.append((name, a, b))
    rest_gg = gg_step - sum(sum(a) for _, a, _ in shown)
    rest_th = th_step - sum(sum(b) for n, _, b in shown)
    shown.append(("rest (engine, modules, Python)", (rest_gg, 0.0), (rest_th, 0.0)))
    for name, a, b in shown:
        share = (sum(a) - sum(b)) / gap if gap else 0.0
        lines.append(f"| {name} | {a[0]:.2f} | {a[1]:.2f} | {sum(a):.2f} | {b[0]:.2f} | "
                     f"{b[1]:.2f} | {sum(b):.2f} | {100 * share:+.0f}% |")
    lines.append(f"| **step** | | | **{gg_step:.1f}** | | | **{th_step:.1f}** | "
                 f"{gg_step / th_step:.2f}x |")
    return "\n".join(lines)


def main():
    for line in common.machine_info():
        print(line)
    torch = common.torch_or_none()
    gg, gg_step = gradgraph_profile(STEPS)
    th, th_step = (torch_profile(torch, STEPS) if torch is not None else ({}, float("nan")))
    th = {k: v for k, v in th.items() if k != "rest"}
    print(f"step: minimum of {STEPS}, gradgraph with its timers on, PyTorch under its "
          f"profiler; {'thread CPU' if clock is time.thread_time else 'wall-clock'} time")
    print(table(gg, gg_step, th, th_step))


if __name__ == "__main__":
    sys.path.insert(0, common._ROOT + "/benchmarks")
    main()
