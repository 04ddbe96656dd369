"""The module-collapsed computation graph coloured by an attribution statistic per module
(e.g. each module's share of the layer conductance), on the gradient-flow picture's
colour scale (viridis, pale yellow for small to dark purple for large) and legend bar."""
import numpy as np

import autograd as ag
from autograd.errors import ArgumentError

from ..dot import GraphStyle, cell, digraph, dot_lines, fmt_num, html
from ..draw import graph_data
from ..flow import scale_colour, tint
from ..walk import MODULE
from .capture import capture
from .layer import LayerConductance

UNCOLOURED = ("#ffffff", "#bbbbbb")


class AttributionStyle(GraphStyle):
    """Colours MODULE nodes by `values[name]` on the linear range [lo, hi] of the values."""

    def __init__(self, values, label, percent):
        super().__init__(False)
        self.values, self.label, self.percent = values, label, percent
        finite = [v for v in values.values() if np.isfinite(v)]
        self.lo = min(0.0, min(finite)) if finite else 0.0
        self.hi = max(finite) if finite else 1.0
        if self.hi <= self.lo:
            self.hi = self.lo + 1.0

    def position(self, v):
        return (v - self.lo) / (self.hi - self.lo)

    def fmt(self, v):
        return f"{v:.1%}" if self.percent else fmt_num(v)

    def colours(self, n):
        v = self.values.get(n.name) if n.kind == MODULE else None
        if v is None:
            if n.kind == MODULE:
                return UNCOLOURED[0], UNCOLOURED[1], 1, True
            return super().colours(n)
        t = self.position(v)
        return tint(scale_colour(t)), scale_colour(t), 1 + round(2 * t), False

    def rows(self, n):
        rows = super().rows(n)
        v = self.values.get(n.name) if n.kind == MODULE else None
        if v is not None:
            rows.append(cell(f"{html(self.label)} {self.fmt(v)}", size=9, bold=True))
        return rows

    def legend_rows(self, data):
        rows = [cell(html(self.label), bold=True, colspan=2)]
        rows.append(cell("colour and width: the module's value (dashed: not measured)",
                         size=9, colspan=2, align="left"))
        steps = 5
        bar = "".join(
            cell(self.fmt(self.lo + (self.hi - self.lo) * k / (steps - 1)), size=8,
                 bgcolor=tint(scale_colour(k / (steps - 1)), 0.3),
                 colour="#ffffff" if k > steps // 2 else "#000000")
            for k in range(steps))
        rows.append(f'<td colspan="2"><table border="0" cellspacing="0" cellpadding="2">'
                    f'<tr>{bar}</tr></table></td>')
        return rows


def draw_attribution_graph(output, model, values, label="attribution share", percent=True,
                           depth=None, rankdir="TB", legend=True, title=None):
    """A graphviz.Digraph of the module-collapsed graph that produced `output` (run the
    model with grad on), each module named in `values` ({qualified name: number})
    coloured by its number; other modules dashed. Save with ``viz.save``."""
    if not isinstance(output, ag.Tensor) or output._node is None:
        raise ArgumentError("draw_attribution_graph: `output` must be a Tensor with a graph "
                            "(run the model with gradients enabled)")
    data = graph_data(output, model, collapse=True, depth=depth)
    style = AttributionStyle({k: float(v) for k, v in values.items()}, label, percent)
    return digraph(dot_lines(data, style, "module", depth, legend, title=title), rankdir)


def conductance_shares(model, layers, inputs, baselines=None, target=None, n_steps=20,
                       additional_forward_args=None, internal_batch_size=None):
    """{name: share}: for each named layer, Σ|conductance| of its units (summed over the
    samples) divided by that sum over all the given layers. A layer's conductances add
    up to F(x) - F(baseline) whatever the layer; the absolute sum says how much
    attribution passes through its units, cancellations included. Also returns the raw
    sums: (shares, sums)."""
    mods = dict(model.named_modules())
    sums = {}
    for name in layers:
        if name not in mods:
            raise ArgumentError(f"conductance_shares: no module named {name!r}")
        cond = LayerConductance(model, mods[name]).attribute(
            inputs, baselines=baselines, target=target, n_steps=n_steps,
            additional_forward_args=additional_forward_args,
            internal_batch_size=internal_batch_size)
        sums[name] = float(np.abs(cond.data).sum())
    total = sum(sums.values()) or 1.0
    return {k: v / total for k, v in sums.items()}, sums


STATISTICS = {
    "mean_abs": lambda a: float(np.abs(a).mean()),
    "std": lambda a: float(a.std()),
    "fraction_active": lambda a: float((a > 0).mean()),
    "max_abs": lambda a: float(np.abs(a).max()),
}


def activation_statistics(model, *inputs, names=None, statistic="mean_abs"):
    """{module name: statistic of its output} for one forward (``capture``): "mean_abs",
    "std", "fraction_active" (> 0: live ReLU units) or "max_abs", or a callable on the
    output array; for ``draw_attribution_graph(..., percent=False)``."""
    fn = statistic if callable(statistic) else STATISTICS.get(statistic)
    if fn is None:
        raise ArgumentError(f"activation_statistics: statistic must be one of "
                            f"{sorted(STATISTICS)} or a callable, got {statistic!r}")
    _, cache = capture(model, *inputs, names=names)
    return {k: fn(v.data) for k, v in cache.items() if isinstance(v, ag.Tensor)}
