"""Deep graphs: chains of 10^4, 10^5 and 10^6 ops, forward + backward, time per op.

The ops cycle mul-by-scalar, add-scalar, tanh on a 16-element float64 vector (as in
op_overhead.py). The engine's topological sort and backward walk are iterative and
linear, so the time per op should stay flat: target time/op at 10^6 <= 1.3x at 10^4.
micrograd's recursive topological sort fails at about a thousand ops deep, so it has
no row here.
"""
try:
    from . import common, op_overhead
except ImportError:
    import common
    import op_overhead

import numpy as np

DEPTHS = (10 ** 4, 10 ** 5, 10 ** 6)


def run():
    depths = DEPTHS[:2] if common.QUICK else DEPTHS
    x0 = np.linspace(-1.0, 1.0, 16)
    variants = {n: op_overhead.gradgraph_chain(x0, n) for n in depths}
    # One call per sample, the depths interleaved round by round.
    samples = common.interleaved(variants, rounds=3 if common.QUICK else 5, number=1,
                                  threaded=False)
    per_op = {n: [t / n for t in samples[n]] for n in depths}
    first = depths[0]
    rows = []
    for n in depths:
        st = common.Stats(per_op[n])
        ratio = common.ratios(per_op, n, first).median if n != first else None
        rows.append(common.Row(f"deep chain {_power(n)} ops", "gradgraph", st.median * 1e6,
                               "us/op", st.spread, ratio, _power(first),
                               1.3 if n == 10 ** 6 else None))
    return rows


def _power(n):
    return f"10^{len(str(n)) - 1}"


if __name__ == "__main__":
    common.main_with(run)
