"""Deep graphs: chains of 10^4, 10^5 and 10^6 ops, forward + backward, time per op.

The ops cycle mul-by-scalar, add-scalar, tanh on a 16-element float64 vector (as in
op_overhead.py). The engine's topological sort and backward walk are iterative and
linear, so the time per op should stay flat: target time/op at 10^6 <= 1.3x at 10^4.
Every sample runs the same number of ops (one 10^6 chain, ten 10^5 chains or a hundred
10^4 chains), so each depth gets the same work and the same exposure to the machine's
noise; samples of the depths are interleaved.
micrograd's recursive topological sort fails at about a thousand ops deep, so it has
no row here.

The target rows run with the cycle collector on, as a user's program does. A second
set runs each sample with it off: the difference is CPython's collector, whose full
collections scan every live node and start only once the graph outgrows the rest of
the heap (none in a 10^4-op step, several in a 10^6-op one); the engine's own work is
what the collector-off rows show.
"""
import gc

try:
    from . import common, op_overhead
except ImportError:
    import common
    import op_overhead

import numpy as np

DEPTHS = (10 ** 4, 10 ** 5, 10 ** 6)


def repeated(step, times):
    """`step` (one chain: forward, backward, graph freed) `times` times in a row."""
    def run():
        for _ in range(times):
            step()
    return run


def collector_off(step):
    def run():
        gc.disable()
        try:
            return step()
        finally:
            gc.enable()
    return run


def run():
    depths = DEPTHS[:2] if common.QUICK else DEPTHS
    x0 = np.linspace(-1.0, 1.0, 16)
    total = depths[-1]          # ops per sample at every depth: equal work, equal exposure
    variants = {}
    for n in depths:
        variants[n] = repeated(op_overhead.gradgraph_chain(x0, n), total // n)
        variants[(n, "off")] = collector_off(variants[n])
    # One call per sample, the depths interleaved round by round.
    samples = common.interleaved(variants, rounds=3, number=1, threaded=False)
    per_op = {k: [t / total for t in v] for k, v in samples.items()}
    first = depths[0]
    rows = []
    for off in (False, True):
        for n in depths:
            key, base = ((n, "off"), (first, "off")) if off else (n, first)
            st = common.Stats(per_op[key])
            ratio = common.ratios(per_op, key, base).median if n != first else None
            rows.append(common.Row(f"deep chain {_power(n)} ops", "gradgraph" +
                                   (" (gc off)" if off else ""), st.median * 1e6, "us/op",
                                   st.spread, ratio, _power(first),
                                   1.3 if n == 10 ** 6 and not off else None))
    return rows


def _power(n):
    return f"10^{len(str(n)) - 1}"


if __name__ == "__main__":
    common.main_with(run)
