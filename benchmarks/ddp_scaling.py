"""Data-parallel scaling of the digits MLP and of a GPT step: samples/s at 1 and 2
ranks, one BLAS thread per rank, how much of the gradient allreduce backward hides, and
(GPT) the memory per rank with and without ZeroRedundancyOptimizer.

    python benchmarks/ddp_scaling.py                 # launches mpiexec itself
    python benchmarks/ddp_scaling.py --batch 128 --rounds 15
    python benchmarks/ddp_scaling.py --model transformer

The transformer step is examples/gpt.py's GPT (4 layers, 4 heads, 128 wide, context 64,
vocabulary 96, float32; ~0.8M parameters), --batch sequences per rank, AdamW. Memory
per rank: the bytes of the parameters, of their gradients and of the optimizer state
held on the rank (AdamW: two buffers per parameter).

Weak scaling: every rank trains on `--batch` samples per step (Adam, float32), so the
2-rank job does twice the work per step. The 1-rank baseline is the plain model, no
DistributedDataParallel. Scaling efficiency = samples/s at 2 ranks / (2 x samples/s at
1 rank); target >= 85%.

Each round launches 1 rank then 2 (alternating which goes first) and takes the
ratio within the round, so drift in the machine's load cancels (benchmarks/common.py).
Overlap, per bucket size: `allreduce` is the time per step of the same buckets
reduced with blocking Allreduce and nothing else running; `exposed` the time
backward waits at its end for the non-blocking ones (including any imbalance between
the ranks: the wait is also where the faster rank waits for the slower); `hidden` the
share of the allreduced bytes whose reduction had already completed when backward
ended. One bucket (the default cap) can hide nothing: it starts when the last
gradient is in. Small buckets start while backward is still running. Figures: median
over rounds (IQR in brackets); "best round" is the highest per-round efficiency, what
the code achieves when no other process takes the cores (on a shared machine every
synchronisation can cost the peer's time slice).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from common import Stats  # noqa: E402

CAPS = {"1 bucket": 25.0, "per layer": 0.03}     # bucket_cap_mb; 0.03 MB < one 128x64 layer
GPT_CONFIGS = {"25 MB buckets": (25.0, False), "25 MB buckets + ZeRO": (25.0, True)}
DEFAULTS = {"mlp": dict(batch=64, steps=100, warmup=30),
            "transformer": dict(batch=8, steps=6, warmup=2)}


def gpt_and_data(batch, rank):
    import autograd as ag
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "examples"))
    from gpt import GPT, GPTConfig
    ag.manual_seed(0)
    model = GPT(GPTConfig(block_size=64, vocab_size=96, n_layer=4, n_head=4, n_embd=128))
    rng = np.random.default_rng(rank)
    xs = [ag.tensor(rng.integers(0, 96, (batch, 64))) for _ in range(8)]
    ys = [ag.tensor(rng.integers(0, 96, (batch, 64))) for _ in range(8)]
    return model, xs, ys


def model_and_data(batch, rank):
    import autograd as ag
    import nn
    from nn.datasets import load_digits
    ag.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.MLP(64, [128, 64], 10))
    x, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(rank)
    idx = rng.integers(0, len(x), (64, batch))
    xs = [ag.tensor((x[i] / 16).astype(np.float32)) for i in idx]
    ys = [ag.tensor(y[i]) for i in idx]
    return model, xs, ys


def worker(args):
    """Runs on every rank; rank 0 prints one JSON line: per configuration, samples/s
    (median of the sub-rounds), and with DDP the buckets, the seconds per step of the
    blocking allreduces alone and the seconds per step backward waited (max over ranks)."""
    import nn
    import nn.functional as F
    from mpi4py import MPI
    from nn.parallel import DistributedDataParallel, ZeroRedundancyOptimizer, get_comm
    comm = get_comm()
    rank, size = comm.Get_rank(), comm.Get_size()
    result = {}
    gpt = args.model == "transformer"
    configs = ({"plain": (None, False)} if size == 1 else
               GPT_CONFIGS if gpt else {k: (v, False) for k, v in CAPS.items()})
    for name, (cap, zero) in configs.items():
        model, xs, ys = (gpt_and_data if gpt else model_and_data)(args.batch, rank)
        net = model if cap is None else DistributedDataParallel(model, bucket_cap_mb=cap)
        if zero:
            opt = ZeroRedundancyOptimizer(net.parameters(), nn.optim.AdamW, lr=1e-3)
        else:
            opt = (nn.optim.AdamW if gpt else nn.optim.Adam)(net.parameters(), lr=1e-3)

        def step(k):
            opt.zero_grad()
            x, y = xs[k % len(xs)], ys[k % len(xs)]
            (net(x, y)[1] if gpt else F.cross_entropy(net(x), y)).backward()
            opt.step()

        for k in range(args.warmup):
            step(k)
        rates, exposed, alone, hidden = [], [], [], []
        for _ in range(3):
            before = dict(net.reducer.stats) if cap else None
            comm.Barrier()
            t0 = time.perf_counter()
            for k in range(args.steps):
                step(k)
            elapsed = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
            rates.append(size * args.batch * args.steps / elapsed)
            if cap:
                now = net.reducer.stats
                own = (now["wait_seconds"] - before["wait_seconds"]) / args.steps
                exposed.append(comm.allreduce(own, op=MPI.MAX))
                early = now["done_early_bytes"] - before["done_early_bytes"]
                hidden.append(comm.allreduce(early / (now["bytes"] - before["bytes"])) / size)
                alone.append(_allreduce_alone(comm, net.reducer.buckets, args.steps))
        entry = result[name] = {"samples_per_s": float(np.median(rates))}
        if gpt:
            entry["memory"] = comm.allreduce(_memory(model, opt), op=MPI.MAX)
        if cap:
            entry.update(buckets=len(net.reducer.buckets), allreduce_s=float(np.median(alone)),
                         exposed_s=float(np.median(exposed)), hidden=float(np.median(hidden)))
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


def _memory(model, opt):
    """[parameter, gradient, optimizer-state bytes] on this rank."""
    params = list(model.parameters())
    state = sum(a.nbytes for s in opt.state.values() for a in s.values()
                if isinstance(a, np.ndarray))
    return [sum(p.data.nbytes for p in params),
            sum(p.grad.data.nbytes for p in params if p.grad is not None), state]


def _allreduce_alone(comm, buckets, steps):
    """Seconds per step of the buckets' allreduces, blocking, with nothing else running."""
    from mpi4py import MPI
    comm.Barrier()
    t0 = time.perf_counter()
    for _ in range(steps):
        for b in buckets:
            comm.Allreduce(MPI.IN_PLACE, b.buffer, op=MPI.SUM)
    return comm.allreduce(time.perf_counter() - t0, op=MPI.MAX) / steps


def launch(n, args):
    from nn.parallel.launch import run
    env = dict(os.environ)
    env.setdefault("PRTE_MCA_rmaps_default_mapping_policy", "core")   # one rank per core
    proc = run(n, os.path.abspath(__file__), "--worker", "--model", args.model, "--batch",
               args.batch, "--steps", args.steps, "--warmup", args.warmup, timeout=900,
               env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        sys.exit(f"mpiexec -n {n} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return json.loads(lines[-1][len("RESULT "):])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=sorted(DEFAULTS), default="mlp")
    ap.add_argument("--batch", type=int, default=None,
                    help="samples (sequences) per rank per step (mlp 64, transformer 8)")
    ap.add_argument("--steps", type=int, default=None,
                    help="steps per timed sub-round (mlp 100, transformer 6)")
    ap.add_argument("--rounds", type=int, default=7, help="launches of 1 and of 2 ranks")
    ap.add_argument("--warmup", type=int, default=None)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    for key, value in DEFAULTS[args.model].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.worker:
        return worker(args)

    runs = []
    for r in range(args.rounds):     # interleaved, order alternating: drift in the
        order = (1, 2) if r % 2 == 0 else (2, 1)    # machine's load hits both alike
        got = {n: launch(n, args) for n in order}
        runs.append((got[1], got[2]))
    base = Stats([one["plain"]["samples_per_s"] for one, _ in runs])
    what = ("GPT 4x128 (context 64, vocabulary 96), float32, AdamW" if args.model ==
            "transformer" else "digits MLP 64-128-64-10, float32, Adam")
    print(f"{what}, {args.batch} samples per rank per step, one BLAS thread per rank, "
          f"{os.cpu_count()} cores; median (IQR) of {args.rounds} launches each\n")
    header = ("ranks", "buckets", "samples/s", "efficiency", "best round", "allreduce ms",
              "exposed ms", "hidden")
    rows = [("1", "-", f"{base.median:,.0f} ({100 * base.spread:.0f}%)", "(base)", "", "", "",
             "")]
    names = list(runs[0][1])
    for name in names:
        entries = [two[name] for _, two in runs]
        rate = Stats([e["samples_per_s"] for e in entries])
        eff = Stats([two[name]["samples_per_s"] / (2 * one["plain"]["samples_per_s"])
                     for one, two in runs])
        alone = Stats([e["allreduce_s"] for e in entries]).median
        exposed = Stats([e["exposed_s"] for e in entries]).median
        hidden = Stats([e["hidden"] for e in entries])
        rows.append(("2", f"{entries[0]['buckets']} ({name})",
                     f"{rate.median:,.0f} ({100 * rate.spread:.0f}%)",
                     f"{100 * eff.median:.0f}% ({100 * eff.spread:.0f}%)",
                     f"{100 * eff.samples[-1]:.0f}%",
                     f"{1e3 * alone:.3f}", f"{1e3 * exposed:.3f}", f"{100 * hidden.median:.0f}%"))
    _table(header, rows)
    if args.model == "transformer":
        print("\nmemory per rank (MB; the largest over the ranks, last launch)\n")
        mb = lambda b: f"{b / 2 ** 20:.2f}"          # noqa: E731
        one, two = runs[-1]
        rows = [("1", "plain AdamW", *map(mb, one["plain"]["memory"]))]
        rows += [("2", name, *map(mb, two[name]["memory"])) for name in names]
        _table(("ranks", "optimizer", "parameters", "gradients", "optimizer state"), rows)


def _table(header, rows):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for i, r in enumerate([header] + rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
