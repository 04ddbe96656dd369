"""Memory: peak resident memory of 50 training steps at (B=512, H=1024), gradgraph against
the hand-written numpy step (target <= 1.3x), and resident memory after 1,000 and 5,000
steps at (B=128, H=256) with the cycle collector switched off (target: < 5 MB growth;
graphs must be freed by reference counting alone).

Each measurement runs in a fresh interpreter (peak RSS is per process); the steps are
the ones of mlp_step.py. Besides the whole-process peak, the table shows the peak above
the resident memory reached after building the model and the data ("step").
"""
try:
    from . import common
except ImportError:
    import common

import gc
import json
import os
import subprocess
import sys


def _status_mb(field):
    """A memory field of /proc/self/status in MB (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def rss_mb():
    return _status_mb("VmRSS")


def peak_mb():
    # Not getrusage's ru_maxrss: Linux carries it over from the parent through fork and
    # exec, so a child of a large process would report the parent's peak.
    return _status_mb("VmHWM")


def child(kind, what):
    import mlp_step
    b, h = (512, 1024) if what == "peak" else (128, 256)
    x, y, params = mlp_step.problem(b, h)
    step = (mlp_step.numpy_step(x, y, params) if kind == "numpy"
            else mlp_step.gradgraph_step(x, y, params)[0])
    result = {"setup": rss_mb()}
    if what == "peak":
        for _ in range(50):
            step()
        result["peak"] = peak_mb()
    else:
        gc.disable()                      # nothing may depend on the cycle collector
        for i in range(1, 5001):
            step()
            if i in (1000, 5000):
                result[str(i)] = rss_mb()
        result["garbage"] = gc.collect()  # objects only the collector could free
    print(json.dumps(result))


def measure(kind, what):
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", kind, what],
                          capture_output=True, text=True, env=env,
                          cwd=os.path.dirname(os.path.abspath(__file__)))
    if proc.returncode:
        raise RuntimeError(f"memory child {kind} {what} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run():
    rows = []
    peaks = {}
    for kind in ("numpy", "gradgraph"):
        peaks[kind] = [measure(kind, "peak") for _ in range(1 if common.QUICK else 3)]
    base = min(r["peak"] for r in peaks["numpy"])
    base_step = min(r["peak"] - r["setup"] for r in peaks["numpy"])
    for kind in ("numpy", "gradgraph"):
        peak = min(r["peak"] for r in peaks[kind])
        step = min(r["peak"] - r["setup"] for r in peaks[kind])
        is_gg = kind == "gradgraph"
        rows.append(common.Row("peak RSS, 50 steps B=512 H=1024", kind, peak, "MB",
                               ratio=peak / base if is_gg else None,
                               vs="numpy" if is_gg else None, target=1.3 if is_gg else None))
        rows.append(common.Row("", f"{kind} (step only)", step, "MB",
                               ratio=step / base_step if is_gg else None,
                               vs="numpy" if is_gg else None))
    growth = measure("gradgraph", "growth")
    delta = growth["5000"] - growth["1000"]
    rows.append(common.Row("RSS growth 1000->5000 steps B=128", "gradgraph", delta, "MB",
                           note=("ok" if delta < 5 else "MISS") + f" (< 5 MB; RSS "
                           f"{growth['5000']:.0f} MB, gc off, {growth['garbage']} cyclic "
                           f"objects left)"))
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        common.main_with(run)
