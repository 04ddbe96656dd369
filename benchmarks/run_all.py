"""Run every benchmark and print one table.

    python benchmarks/run_all.py                 # everything (about 10 minutes)
    python benchmarks/run_all.py --quick         # fewer rounds and sizes (~2 minutes)
    python benchmarks/run_all.py --threads 1     # BLAS and PyTorch on one thread
    python benchmarks/run_all.py --only mlp_step op_overhead

Baselines are used where installed: PyTorch and micrograd (`pip install -e .[bench]`),
HIPS autograd through HIPS_AUTOGRAD_PYTHON (see README.md). Results and the machine
they were measured on are in benchmarks/README.md.
"""
import argparse
import os
import sys
import time

BENCHMARKS = ["op_overhead", "mlp_step", "scalar_mlp", "deep_chain", "memory", "digits_e2e",
              "checkpoint_memory"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds and sizes")
    ap.add_argument("--threads", type=int, default=None,
                    help="limit BLAS and PyTorch to this many threads (every variant alike)")
    ap.add_argument("--only", nargs="+", choices=BENCHMARKS, default=BENCHMARKS)
    args = ap.parse_args(argv)
    # Read by common at import: set them first (and inherited by child processes).
    if args.quick:
        os.environ["BENCH_QUICK"] = "1"
    if args.threads:
        os.environ["BENCH_THREADS"] = str(args.threads)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import common

    for line in common.machine_info():
        print(line)
    rows = []
    t0 = time.perf_counter()
    for name in args.only:
        tic = time.perf_counter()
        rows += __import__(name).run()
        print(f"  {name}: {time.perf_counter() - tic:.0f} s", file=sys.stderr, flush=True)
    print()
    common.print_table(rows)
    print(f"\n{time.perf_counter() - t0:.0f} s in all")


if __name__ == "__main__":
    main()
