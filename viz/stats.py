"""Gradient statistics: what backward records on each node, and the flags read from them.

Recording is opt-in (``record_gradient_flow``): a backward under it stores a ``GradStats``
on every node it passes, the few numbers a picture needs about the gradient of that
node's output. They live on the node (``node.grad_stats``), so they outlive the release
of saved buffers and a plain ``loss.backward()`` can be drawn afterwards. It costs a few
numpy reductions per node: +22% on a 784-128-128-10 MLP training step at batch 16, +86%
on a chain of small ops (``benchmarks/viz_overhead.py``), so it is not always on. Leaves
are skipped: their gradient is ``.grad``.
"""
import math
from collections import namedtuple
from dataclasses import dataclass

import numpy as np

from autograd.graph import AccumulateGrad
from autograd.state import set_stats_hook, stats_hook

# zero_fraction: of the entries. dead_fraction: of the units (every position but the first,
# batch, axis: a feature, or a channel's pixel) whose gradient is zero for every sample:
# dead ReLU units show here, scattered zeros (max-pooling, a ReLU off for some samples)
# mostly do not.
# values: a copy of the gradient itself when it has at most VALUE_LIMIT elements.
GradStats = namedtuple("GradStats",
                       "norm max_abs zero_fraction dead_fraction nonfinite size values")

VALUE_LIMIT = 4


def grad_stats(array, units=True):
    """``GradStats`` of a gradient array: L2 norm and max |g| over its finite values (NaN,
    or Inf, if it has none: a NaN gradient never reads as zero), the fractions of zero entries and of dead units, the count of NaN/Inf, its size and (if
    tiny) its values. units=False (for parameters, whose axes are not samples x units)
    takes each entry as a unit."""
    a = np.asarray(array)
    n = a.size
    values = a.copy() if n <= VALUE_LIMIT else None
    if n == 0 or a.dtype.kind not in "fc":
        return GradStats(0.0, 0.0, 0.0, 0.0, 0, n, values)
    zero = 1.0 - int(np.count_nonzero(a)) / n
    dead = zero
    if zero and units and a.ndim >= 2:
        alive = (a != 0).any(axis=0)
        dead = 1.0 - int(np.count_nonzero(alive)) / alive.size
    ss = float(np.vdot(a, a))
    if np.isfinite(ss):
        return GradStats(ss ** 0.5, float(np.abs(a).max()), zero, dead, 0, n, values)
    finite = a[np.isfinite(a)].astype(np.float64)      # NaN/Inf, or float32 overflow
    if finite.size:
        norm = float(np.sqrt(np.vdot(finite, finite)))
        big = float(np.abs(finite).max())
    else:                 # nothing finite: the norm is NaN (or Inf), never a made-up 0
        norm = big = math.nan if np.isnan(a).any() else math.inf
    return GradStats(norm, big, zero, dead, n - finite.size, n, values)


def _record(node, g):
    if type(node) is not AccumulateGrad:      # a leaf's gradient is its .grad
        node.grad_stats = grad_stats(g)      # the engine hands over the array


class record_gradient_flow:
    """Record gradient statistics on every node during backward.

    As a context manager it records inside its block; called plainly it switches
    recording on (``record_gradient_flow(False)`` switches it off)::

        with viz.record_gradient_flow():
            loss.backward()
        viz.draw_gradient_flow(loss)
    """

    def __init__(self, enabled=True):
        self.prev = set_stats_hook(_record if enabled else None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        set_stats_hook(self.prev)


def is_recording():
    """True if backward records gradient statistics in this thread."""
    return stats_hook() is _record


@dataclass(frozen=True)
class Thresholds:
    """When a gradient is flagged. Norms are taken relative to the gradient at the root
    (1 for a scalar loss), so scaling the loss does not change the flags.

    vanishing: relative norm below this (and not exactly zero).
    exploding: relative norm above this.
    zero: fraction of dead units (``GradStats.dead_fraction``) at or above this.
    """
    vanishing: float = 1e-7
    exploding: float = 1e3
    zero: float = 0.5


# Flags, most serious first: a node shows all of its flags and is coloured by the first.
NONFINITE, EXPLODING, ZERO, VANISHING = "NaN/Inf", "exploding", "zero", "vanishing"
FLAG_ORDER = (NONFINITE, EXPLODING, ZERO, VANISHING)


def flags(stats, reference, thresholds, indexed=False):
    """The flags of `stats` (a GradStats) given the root's gradient norm `reference`.

    indexed: the gradient arrived only through indexing (``x[idx]``), so entries
    that were not picked are zero by construction: only an all-zero one is flagged."""
    if stats is None:
        return ()
    out = []
    if stats.nonfinite:
        out.append(NONFINITE)
        if not np.isfinite(stats.norm):      # nothing finite: no norm to read flags from
            return tuple(out)
    ref = reference if reference and np.isfinite(reference) else 1.0
    rel = stats.norm / ref
    if rel > thresholds.exploding:
        out.append(EXPLODING)
    if stats.size and (stats.norm == 0 or
                       stats.dead_fraction >= thresholds.zero and not indexed):
        out.append(ZERO)
    elif 0 < rel < thresholds.vanishing:
        out.append(VANISHING)
    return tuple(out)
