"""Instruction counts (valgrind) of the op chain, the small MLP step (eager, compiled and
written by hand in numpy) and the deep chain: deterministic, immune to the machine's
load, for A/B decisions on the engine's and the compiled replay's hot paths.

    python benchmarks/instructions.py                       # needs valgrind on PATH
    python benchmarks/instructions.py op_chain deep_chain   # only these workloads
    python benchmarks/instructions.py mlp_compiled mlp_numpy
    python benchmarks/instructions.py -j1 mlp_compiled@512 mlp_numpy@512   # one valgrind
    python benchmarks/instructions.py mlp_compiled mlp_replay   # the wrapper = the difference

Each workload runs in a fresh interpreter under ``valgrind --tool=callgrind`` twice,
with `n` and `2n` steps after the same warm-up; the difference divided by `n` is the
cost of one step, so start-up and imports cancel. That is done three times, with the
type version tags shifted (SHIFTS, below), and the median is printed with the three
figures. The cycle collector stays on; objects alive before the steps are frozen
(gc.freeze) so that when a full collection happens to fall does not move the figure by a
few percent. The counts run two at a time (valgrind's counts do not depend on load;
``-j1``: one at a time). ``mlp_compiled@128`` and ``@512`` are the MLP step at
B=128 H=256 and B=512 H=1024 (BLAS's instructions are counted too); ``mlp_replay`` is
the compiled step's program called alone (mlp_step.replay_step), so ``mlp_compiled``
minus it is what the per-call wrapper costs.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = r'''
import sys
kind, n, shift = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(shift):        # use up `shift` type version tags (see SHIFTS)
    getattr(type("_Shift", (), {{}}), "_tag", None)
sys.path[:0] = [{root!r}, {here!r}]
import gc
import numpy as np
if kind == "op_chain":
    import op_overhead
    step = op_overhead.gradgraph_chain(np.linspace(-1, 1, op_overhead.SIZE))
elif kind == "gan_compiled":
    import gan_alternation
    step = gan_alternation.pair()
elif kind == "deep_chain":
    import deep_chain, op_overhead
    step = op_overhead.gradgraph_chain(np.linspace(-1, 1, op_overhead.SIZE),
                                       deep_chain.DEPTHS[0])
else:
    import mlp_step
    kind, _, b = kind.partition("@")
    b, h = ({{"": 16}}.get(b) or int(b)), {{"": 64, "128": 256, "512": 1024}}[b]
    if kind == "mlp_numpy":
        step = mlp_step.numpy_step(*mlp_step.problem(b, h))
    else:
        make = {{"mlp_compiled": mlp_step.compiled_step, "mlp_replay": mlp_step.replay_step,
                "mlp_step": mlp_step.gradgraph_step}}[kind]
        step, _ = make(*mlp_step.problem(b, h))
for _ in range(3):
    step()
gc.collect()
gc.freeze()       # the collector stays on; what was alive before is not rescanned
for _ in range(n):
    step()
'''

WORKLOADS = {"op_chain": (10, "per 1,000-op chain, forward + backward"),
             "mlp_step": (20, "per MLP step, B=16 H=64"),
             "mlp_compiled": (20, "per MLP step under ag.compile, B=16 H=64"),
             "mlp_numpy": (20, "per MLP step written by hand in numpy, B=16 H=64"),
             "mlp_replay": (20, "per MLP step, the compiled program alone, B=16 H=64"),
             "mlp_compiled@128": (4, "per MLP step under ag.compile, B=128 H=256"),
             "mlp_numpy@128": (4, "per MLP step written by hand in numpy, B=128 H=256"),
             "mlp_replay@128": (4, "per MLP step, the compiled program alone, B=128 H=256"),
             "mlp_compiled@512": (1, "per MLP step under ag.compile, B=512 H=1024"),
             "mlp_numpy@512": (1, "per MLP step written by hand in numpy, B=512 H=1024"),
             "deep_chain": (2, "per 10^4-op chain (deep_chain.py's first depth)"),
             "gan_compiled": (4, "per GAN D+G pair under ag.compile (gan_alternation.py)")}


# CPython 3.11 caches type attribute look-ups (methods, class attributes read through an
# instance) in one 4096-slot table indexed by the type's version tag and the name's hash.
# Tags are handed out in the order types are first looked up, so an unrelated change
# (one more class, an import moved) can make two hot look-ups share a slot and miss on
# every call: measured +7% on the 10^4-op deep chain of one commit, from the tags alone
# (the same code with other tags gave the usual figure). Each workload is therefore
# counted with the tags shifted by each of these amounts, and the median is reported.
SHIFTS = (0, 101, 1999)


def count(kind, n, shift=0):
    """Instructions of a fresh interpreter running `n` steps of `kind` (plus warm-up),
    after using up `shift` type version tags."""
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "child.py")
        with open(script, "w") as f:
            f.write(CHILD.format(root=ROOT, here=HERE))
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONHASHSEED="0")
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.out",
             sys.executable, script, kind, str(n), str(shift)],
            env=env, capture_output=True, text=True, check=True)
        return int(re.search(r"Collected : (\d+)", out.stderr).group(1))


def per_step(kind, n, shifts=SHIFTS, pool=None):
    """Instructions per step of `kind`, one figure per tag shift."""
    pool = pool or ThreadPoolExecutor(1)
    runs = {(shift, m): pool.submit(count, kind, m, shift) for shift in shifts
            for m in (n, 2 * n)}
    return [(runs[shift, 2 * n].result() - runs[shift, n].result()) / n for shift in shifts]


def main(kinds=None, jobs=2):
    unknown = set(kinds or ()) - set(WORKLOADS)
    if unknown:
        sys.exit(f"unknown workload(s) {sorted(unknown)}; choose from {list(WORKLOADS)}")
    with ThreadPoolExecutor(jobs) as pool:    # valgrind's counts do not depend on load
        for kind, (n, what) in WORKLOADS.items():
            if kinds and kind not in kinds:
                continue
            each = per_step(kind, n, SHIFTS, pool)
            shown = ", ".join(f"{c:,.0f}" for c in each)
            print(f"{kind:10s} {statistics.median(each):14,.0f} instructions {what} "
                  f"(median; tag shifts {SHIFTS}: {shown})", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    jobs = [a for a in args if a.startswith("-j")]
    main([a for a in args if a not in jobs], int(jobs[-1][2:]) if jobs else 2)
