"""The digits example end to end: examples/train_digits.py as a user runs it.

Runs the MLP and the CNN (full epochs) in a fresh interpreter each, and reports the
training throughput (median samples/s over the epochs, as the example prints it), the
wall time of the whole run (data, training, evaluation, checkpoints, pictures) and the
final test accuracy.
"""
try:
    from . import common
except ImportError:
    import common

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "examples", "train_digits.py")


def run_example(kind, quick):
    with tempfile.TemporaryDirectory() as out:
        args = [sys.executable, EXAMPLE, "--model", kind, "--out", out]
        t0 = time.perf_counter()
        proc = subprocess.run(args + (["--quick"] if quick else []), capture_output=True,
                              text=True)
        wall = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"train_digits.py --model {kind} failed:\n{proc.stderr[-2000:]}")
    rates = [float(r.replace(",", "")) for r in re.findall(r"([\d,]+) samples/s", proc.stdout)]
    acc = re.findall(r"test accuracy ([\d.]+)%", proc.stdout)
    return statistics.median(rates), wall, float(acc[-1]) if acc else float("nan")


def run():
    rows = []
    for kind in ("mlp", "cnn"):
        rate, wall, acc = run_example(kind, common.QUICK)
        rows.append(common.Row(f"digits example ({kind})", "gradgraph", rate, "samples/s",
                               note=f"{wall:.1f} s end to end, test accuracy {acc:.2f}%"))
    return rows


if __name__ == "__main__":
    common.main_with(run)
