"""Timing helpers shared by the benchmarks: interleaved repeated runs, medians, spread.

Every benchmark times its variants (gradgraph, hand-written numpy, PyTorch, ...) in
the same process, round-robin: round r runs each variant once, in an order rotated
every round, so a burst of noise from another process hits all of them alike. A
ratio is taken per round (variant time / baseline time in that same round) and its
median reported, which cancels slow drift far better than a ratio of two medians.
"""
import os
import platform
import statistics
import sys
import time

import numpy as np

# Run from a checkout without installing: `python benchmarks/run_all.py`.
# (Not in the HIPS autograd subprocess, whose `autograd` our package would shadow.)
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path and not os.environ.get("_BENCH_FOREIGN"):
    sys.path.insert(0, _ROOT)

QUICK = bool(os.environ.get("BENCH_QUICK"))
# BENCH_THREADS=n limits BLAS (and PyTorch) to n threads, for every variant alike.
THREADS = int(os.environ.get("BENCH_THREADS") or 0) or None
if THREADS:
    try:
        from threadpoolctl import threadpool_limits
        _limits = threadpool_limits(THREADS)
    except ImportError:
        raise SystemExit("BENCH_THREADS needs threadpoolctl (pip install threadpoolctl)")


class Stats:
    """Median and spread of a list of samples (seconds, or a ratio)."""

    def __init__(self, samples):
        self.samples = sorted(samples)
        self.median = statistics.median(self.samples)
        n = len(self.samples)
        self.lo = self.samples[n // 4]
        self.hi = self.samples[(3 * n) // 4]

    @property
    def spread(self):
        """Interquartile range relative to the median (0.05 means +-2.5%)."""
        return (self.hi - self.lo) / self.median if self.median else 0.0

    def __repr__(self):
        return f"{self.median:.4g} (IQR {100 * self.spread:.0f}%)"


# BENCH_CLOCK=thread times with the calling thread's CPU time instead of wall-clock
# time: at one thread (BENCH_THREADS=1: OpenBLAS and PyTorch then compute on the calling
# thread) it counts the work and not the waits for a core that other processes on a
# shared machine cause. Meaningless with more threads (their work is not counted).
CLOCK = time.thread_time if os.environ.get("BENCH_CLOCK") == "thread" else time.perf_counter
if CLOCK is time.thread_time and THREADS != 1:
    raise SystemExit("BENCH_CLOCK=thread needs BENCH_THREADS=1")


def time_calls(fn, number):
    """Seconds per call of `fn()` over `number` calls. The cycle collector stays on, as
    in a user's loop: what it costs (gradgraph's graphs have no cycles) is counted."""
    t0 = CLOCK()
    for _ in range(number):
        fn()
    return (CLOCK() - t0) / number


def calibrate(fn, target=0.02):
    """Calls of `fn` that take about `target` seconds (at least 1)."""
    fn()
    n = 1
    while True:
        t = time_calls(fn, n) * n
        if t >= target / 4 or n >= 1 << 20:
            return max(1, int(n * target / max(t, 1e-9)))
        n *= 4


def settle():
    """Let the previous variant's idle threads go to sleep before the next one runs.

    OpenBLAS's and PyTorch's (OpenMP) worker threads spin for up to ~0.1 s after each
    call before they sleep. On a 2-core machine, a PyTorch step started while OpenBLAS's
    threads still spin runs 2x slower (and a numpy step after PyTorch's, up to 40x),
    which would measure the interleaving rather than the libraries. Forcing passive
    waits instead (OMP_WAIT_POLICY=PASSIVE) slows PyTorch's own step by 1.3-1.7x."""
    if (THREADS or os.cpu_count() or 1) > 1:
        time.sleep(0.3)


def interleaved(variants, rounds=15, number=None, target=0.02, setup=None, threaded=True):
    """Time each of `variants` ({name: fn}) `rounds` times, interleaved.

    `number` calls per sample (calibrated from the slowest variant to about `target`
    seconds if None). `setup(name)` (optional) runs untimed before each sample, after
    settle() unless the variants start no threads (`threaded=False`).
    Returns {name: [seconds per call, one per round]}."""
    names = list(variants)
    for name in names:               # warm up caches, allocators, BLAS threads
        if setup:
            setup(name)
        variants[name]()
    if number is None:
        number = min(calibrate(variants[n], target) for n in names)
    samples = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for name in order:
            if threaded:
                settle()
            if setup:
                setup(name)
            if threaded:
                variants[name]()     # wake the thread pools: the sample times steady state
            samples[name].append(time_calls(variants[name], number))
    return samples


def ratios(samples, name, base):
    """Per-round ratios samples[name] / samples[base] as Stats."""
    return Stats([a / b for a, b in zip(samples[name], samples[base])])


class Row:
    """One line of the results table."""

    def __init__(self, workload, variant, value, unit, spread=None, ratio=None,
                 vs=None, target=None, note=""):
        self.workload, self.variant, self.value, self.unit = workload, variant, value, unit
        self.spread, self.ratio, self.vs, self.target, self.note = spread, ratio, vs, target, note

    @property
    def status(self):
        if self.target is None or self.ratio is None:
            return ""
        return "ok" if self.ratio <= self.target else "MISS"

    def cells(self):
        value = f"{self.value:,.0f}" if abs(self.value) >= 1e4 else f"{self.value:.4g}"
        return [self.workload, self.variant, f"{value} {self.unit}",
                f"{100 * self.spread:.0f}%" if self.spread is not None else "",
                f"{self.ratio:.2f}x {self.vs}" if self.ratio is not None else "",
                f"<= {self.target}x" if self.target is not None else "",
                self.status or self.note]


def rows_from(workload, samples, base, scale, unit, targets=None, labels=None):
    """Rows for every variant in `samples`: median*scale, spread, ratio to `base`.

    `targets` maps variant -> [(other variant, limit)] checked on per-round ratios."""
    targets = targets or {}
    labels = labels or {}
    out = []
    for name, s in samples.items():
        st = Stats(s)
        checks = targets.get(name) or ([(base, None)] if name != base and base in samples else [])
        first = True
        for other, limit in checks:
            if other not in samples:
                continue
            r = ratios(samples, name, other)
            out.append(Row(workload if first else "", labels.get(name, name) if first else "",
                           st.median * scale, unit, st.spread if first else None,
                           r.median, labels.get(other, other), limit))
            first = False
        if first:
            out.append(Row(workload, labels.get(name, name), st.median * scale, unit, st.spread))
    return out


def print_table(rows, file=sys.stdout):
    headers = ["workload", "variant", "median", "IQR", "ratio", "target", "status"]
    cells = [headers] + [r.cells() for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(headers))]
    line = "  ".join("-" * w for w in widths)
    for i, c in enumerate(cells):
        print("  ".join(x.ljust(w) for x, w in zip(c, widths)).rstrip(), file=file)
        if i == 0:
            print(line, file=file)
    file.flush()


def optional(module):
    """Import `module` or return None (baselines are optional)."""
    try:
        return __import__(module)
    except ImportError:
        return None


def torch_or_none():
    """PyTorch if installed, on as many threads as BLAS gets."""
    torch = optional("torch")
    if torch is not None:
        torch.set_num_threads(THREADS or os.cpu_count() or 1)
    return torch


_HIPS_DRIVER = """
import importlib.util, json, sys
import common
spec = importlib.util.spec_from_file_location("bench", sys.argv[1])
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)
exec(getattr(bench, sys.argv[2]), vars(bench))
print(json.dumps(common.interleaved(bench.VARIANTS, rounds=int(sys.argv[3]))))
"""


def hips_rows(workload, source_name, bench_file, base, scale, unit, rounds=None):
    """Rows for HIPS autograd, timed in its own interpreter next to `base` there.

    Its PyPI package is also called `autograd`, so it cannot share a process with
    gradgraph: set HIPS_AUTOGRAD_PYTHON to a Python that has it installed. The
    benchmark module's `source_name` attribute is code defining VARIANTS (`base` and
    "HIPS autograd") in the module's namespace."""
    python = os.environ.get("HIPS_AUTOGRAD_PYTHON")
    if not python:
        return [Row(workload, "HIPS autograd", float("nan"), unit,
                    note="skipped: set HIPS_AUTOGRAD_PYTHON")]
    import json
    import subprocess
    rounds = rounds or (5 if QUICK else 11)
    env = dict(os.environ, _BENCH_FOREIGN="1")
    if env.pop("BENCH_THREADS", None):       # threadpoolctl may not be installed there
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(THREADS)
    proc = subprocess.run([python, "-c", _HIPS_DRIVER, os.path.abspath(bench_file),
                           source_name, str(rounds)],
                          cwd=os.path.dirname(os.path.abspath(__file__)), env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return [Row(workload, "HIPS autograd", float("nan"), unit, note=f"failed: {last}")]
    samples = json.loads(proc.stdout.strip().splitlines()[-1])
    return rows_from(workload, {"HIPS autograd": samples["HIPS autograd"], base: samples[base]},
                     base, scale, unit)[:1]


def machine_info():
    """A few lines describing the machine and the versions that shape the figures."""
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    lines = [f"cpu: {cpu}, {os.cpu_count()} logical cores; {platform.system()} "
             f"{platform.release()}",
             f"python {platform.python_version()}, numpy {np.__version__}"]
    tpc = optional("threadpoolctl")
    if tpc is not None:
        for info in tpc.threadpool_info():
            if info.get("user_api") == "blas":
                lines.append(f"BLAS: {info.get('internal_api')} {info.get('version')} "
                             f"({info.get('architecture')} kernels, {info.get('num_threads')} "
                             f"threads)")
    torch = torch_or_none()
    if torch is not None:
        lines.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    mg = optional("micrograd")
    if mg is not None:
        lines.append("micrograd installed")
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS",
                "OPENBLAS_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT",
                "BENCH_THREADS"):
        if os.environ.get(var):
            lines.append(f"{var}={os.environ[var]}")
    return lines


def main_with(run):
    """Standard `__main__` body: print the machine and one benchmark's table."""
    for line in machine_info():
        print(line)
    print_table(run())
