"""Instruction counts (valgrind) of the op chain, the small MLP step and the deep chain:
deterministic, immune to the machine's load, for A/B decisions on the engine's hot path.

    python benchmarks/instructions.py                       # needs valgrind on PATH
    python benchmarks/instructions.py op_chain deep_chain   # only these workloads

Each workload runs in a fresh interpreter under ``valgrind --tool=callgrind`` twice,
with `n` and `2n` steps after the same warm-up; the difference divided by `n` is the
cost of one step, so start-up and imports cancel. Prints instructions per step. The
cycle collector stays on; objects alive before the steps are frozen (gc.freeze) so that
when a full collection happens to fall does not move the figure by a few percent.
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = r'''
import sys
sys.path[:0] = [{root!r}, {here!r}]
import gc
import numpy as np
kind, n = sys.argv[1], int(sys.argv[2])
if kind == "op_chain":
    import op_overhead
    step = op_overhead.gradgraph_chain(np.linspace(-1, 1, op_overhead.SIZE))
elif kind == "deep_chain":
    import deep_chain, op_overhead
    step = op_overhead.gradgraph_chain(np.linspace(-1, 1, op_overhead.SIZE),
                                       deep_chain.DEPTHS[0])
else:
    import mlp_step
    x, y, params = mlp_step.problem(16, 64)
    step, _ = mlp_step.gradgraph_step(x, y, params)
for _ in range(3):
    step()
gc.collect()
gc.freeze()       # the collector stays on; what was alive before is not rescanned
for _ in range(n):
    step()
'''

WORKLOADS = {"op_chain": (10, "per 1,000-op chain, forward + backward"),
             "mlp_step": (20, "per MLP step, B=16 H=64"),
             "deep_chain": (2, "per 10^4-op chain (deep_chain.py's first depth)")}


def count(kind, n):
    """Instructions of a fresh interpreter running `n` steps of `kind` (plus warm-up)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "child.py")
        with open(script, "w") as f:
            f.write(CHILD.format(root=ROOT, here=HERE))
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out",
             sys.executable, script, kind, str(n)],
            env=env, capture_output=True, text=True, check=True)
        return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


def per_step(kind, n):
    return (count(kind, 2 * n) - count(kind, n)) / n


def main(kinds=None):
    unknown = set(kinds or ()) - set(WORKLOADS)
    if unknown:
        sys.exit(f"unknown workload(s) {sorted(unknown)}; choose from {list(WORKLOADS)}")
    for kind, (n, what) in WORKLOADS.items():
        if kinds and kind not in kinds:
            continue
        print(f"{kind:10s} {per_step(kind, n):14,.0f} instructions {what}")


if __name__ == "__main__":
    main(sys.argv[1:])
