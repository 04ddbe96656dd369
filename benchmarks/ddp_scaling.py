"""Data-parallel scaling of the digits MLP: samples/s at 1 and 2 ranks, one BLAS thread
per rank, and how much of the gradient allreduce backward hides.

    python benchmarks/ddp_scaling.py                 # launches mpiexec itself
    python benchmarks/ddp_scaling.py --batch 128 --rounds 15

Weak scaling: every rank trains on `--batch` samples per step (Adam, float32), so the
2-rank job does twice the work per step. The 1-rank baseline is the plain model, no
DistributedDataParallel. Scaling efficiency = samples/s at 2 ranks / (2 x samples/s at
1 rank); target >= 85%.

Overlap, per bucket size: `allreduce` is the time of the same buckets reduced with
blocking Allreduce and nothing else running; `exposed` the time backward spends
waiting for the non-blocking ones at its end (that includes any imbalance between the
ranks); hidden = 1 - exposed / allreduce. One bucket (the default cap) can hide
nothing: it starts when the last gradient is in. Small buckets start while backward
is still running. Each figure is the median over rounds (IQR in brackets).
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
    """Runs on every rank; rank 0 prints one JSON line of medians."""
    import nn
    import nn.functional as F
    from mpi4py import MPI
    from nn.parallel import DistributedDataParallel, get_comm
    comm = get_comm()
    rank, size = comm.Get_rank(), comm.Get_size()
    result = {"ranks": size}
    configs = {"plain": None} if size == 1 else CAPS
    for name, cap in configs.items():
        model, xs, ys = model_and_data(args.batch, rank)
        net = model if cap is None else DistributedDataParallel(model, bucket_cap_mb=cap)
        opt = nn.optim.Adam(net.parameters(), lr=1e-3)
        state = {"k": 0}

        def step():
            k = state["k"] = (state["k"] + 1) % len(xs)
            opt.zero_grad()
            F.cross_entropy(net(xs[k]), ys[k]).backward()
            opt.step()

        for _ in range(args.warmup):
            step()
        rates, exposed = [], []
        for _ in range(args.rounds):
            waited = net.reducer.stats["wait_seconds"] if cap else 0.0
            comm.Barrier()
            t0 = time.perf_counter()
            for _ in range(args.steps):
                step()
            elapsed = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
            rates.append(size * args.batch * args.steps / elapsed)
            if cap:
                exposed.append((net.reducer.stats["wait_seconds"] - waited) / args.steps)
        entry = {"samples_per_s": _stats(rates)}
        if cap:
            buffers = [b.buffer for b in net.reducer.buckets]
            alone = []
            for _ in range(args.rounds):
                comm.Barrier()
                t0 = time.perf_counter()
                for _ in range(args.steps):
                    for buf in buffers:
                        comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
                alone.append((time.perf_counter() - t0) / args.steps)
            entry.update(buckets=len(buffers), allreduce_s=_stats(alone),
                         exposed_s=_stats([comm.allreduce(e, op=MPI.MAX) for e in exposed]))
        result[name] = entry
    if rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


def _stats(samples):
    s = Stats(samples)
    return [s.median, s.spread]


def launch(n, args):
    from nn.parallel.launch import run
    env = dict(os.environ)
    env.setdefault("PRTE_MCA_rmaps_default_mapping_policy", "core")   # one rank per core
    proc = run(n, os.path.abspath(__file__), "--worker", "--batch", args.batch,
               "--steps", args.steps, "--rounds", args.rounds, "--warmup", args.warmup,
               timeout=600, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
        sys.exit(f"mpiexec -n {n} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return json.loads(lines[-1][len("RESULT "):])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int, default=64, help="samples per rank per step")
    ap.add_argument("--steps", type=int, default=100, help="steps per round")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)

    one, two = launch(1, args), launch(2, args)
    base = one["plain"]["samples_per_s"][0]
    print(f"digits MLP 64-128-64-10, float32, Adam, {args.batch} samples per rank per step, "
          f"one BLAS thread per rank; {os.cpu_count()} cores\n")
    header = ("ranks", "buckets", "samples/s", "efficiency", "allreduce ms", "exposed ms",
              "hidden")
    rows = [("1", "-", _fmt(one["plain"]["samples_per_s"], "{:,.0f}"), "(base)", "", "", "")]
    for name in CAPS:
        e = two[name]
        rate, alone, exposed = e["samples_per_s"], e["allreduce_s"][0], e["exposed_s"][0]
        rows.append(("2", f"{e['buckets']} ({name})", _fmt(rate, "{:,.0f}"),
                     f"{100 * rate[0] / (2 * base):.0f}%",
                     f"{1e3 * alone:.3f}", f"{1e3 * exposed:.3f}",
                     f"{100 * max(0.0, 1 - exposed / alone):.0f}%" if alone else ""))
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for i, r in enumerate([header] + rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _fmt(stat, pattern):
    return f"{pattern.format(stat[0])} ({100 * stat[1]:.0f}%)"


if __name__ == "__main__":
    main()
