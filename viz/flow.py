"""Gradient flow: the graph coloured by gradient norms, flags, and the parameter table.

Each node and each edge shows the gradient of the tensor it stands for (an op's output,
summed over all its consumers): colour and width follow log10 of its norm, from pale
yellow and thin (small) to dark purple and thick (large), on a scale spanning the
picture's own range. Flags (``stats.Thresholds``) mark NaN/Inf (red), exploding
(orange), mostly-zero gradients such as dead ReLU units (grey, dashed) and vanishing
ones (violet).
"""
import math

import numpy as np

from .dot import (MEMBERS_SHOWN, GraphStyle, cell, fmt_num, fmt_shape, html, member_name,
                  swatch, table)
from .stats import (EXPLODING, FLAG_ORDER, NONFINITE, VANISHING, ZERO, Thresholds, flags,
                    grad_stats)
from .walk import ELIDED, MODULE, named_tensors

# viridis at ten points, reversed: index 0 is the smallest gradient.
SCALE = ("#fde725", "#b5de2b", "#6ece58", "#35b779", "#1f9e89",
         "#26828e", "#31688e", "#3e4989", "#482878", "#440154")
FLAG_COLOURS = {NONFINITE: "#d62728", EXPLODING: "#ff7f0e", ZERO: "#7f7f7f",
                VANISHING: "#a6761d"}
FLAG_TEXT = {
    NONFINITE: "NaN/Inf: the gradient holds NaN or Inf",
    EXPLODING: "exploding: ‖g‖ > {exploding} × ‖g‖ at the root",
    ZERO: "zero: the gradient is 0 for ≥ {zero:.0%} of the units (dead ReLUs?) or for all",
    VANISHING: "vanishing: ‖g‖ < {vanishing} × ‖g‖ at the root",
}
UNRECORDED = "#bbbbbb"


def _rgb(hex_colour):
    return [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]


def scale_colour(t):
    """The colour at position t in [0, 1] of SCALE, interpolated."""
    x = min(max(t, 0.0), 1.0) * (len(SCALE) - 1)
    i = min(int(x), len(SCALE) - 2)
    f = x - i
    a, b = _rgb(SCALE[i]), _rgb(SCALE[i + 1])
    return "#" + "".join(f"{round(p + (q - p) * f):02x}" for p, q in zip(a, b))


def tint(hex_colour, amount=0.7):
    """`hex_colour` blended towards white by `amount` (for fills under black text)."""
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in _rgb(hex_colour))


class FlowStyle(GraphStyle):
    """GraphStyle that colours and sizes by gradient norm and shows flags."""

    def __init__(self, data, thresholds=None, values=False):
        super().__init__(values)
        self.thresholds = thresholds or Thresholds()
        self.recorded = data.recorded
        root = data.node(data.roots[0]) if data.roots else None
        self.reference = root.stats.norm if root is not None and root.stats else 1.0
        logs = [math.log10(s.norm) for s in self._all_stats(data)
                if s.norm > 0 and math.isfinite(s.norm)]
        lo, hi = (min(logs), max(logs)) if logs else (0.0, 0.0)
        if hi - lo < 1:
            lo, hi = (lo + hi) / 2 - 0.5, (lo + hi) / 2 + 0.5
        self.lo, self.hi = lo, hi

    @staticmethod
    def _all_stats(data):
        for n in data.nodes:
            if n.stats is not None:
                yield n.stats
            for m in n.members:
                if m.stats is not None:
                    yield m.stats

    def position(self, stats):
        if stats.norm <= 0 or not math.isfinite(stats.norm):
            return 0.0
        return (math.log10(stats.norm) - self.lo) / (self.hi - self.lo)

    def flags(self, n):
        """The flags of NodeData `n`'s gradient."""
        return flags(n.stats, self.reference, self.thresholds, n.indexed)

    def colours(self, n):
        if n.kind == ELIDED:
            return super().colours(n)
        if n.stats is None and not n.members:
            return "#ffffff", UNRECORDED, 1, True
        f = self.node_flags(n)
        t = self.position(n.stats) if n.stats is not None else 0.0
        if f and f[0] == VANISHING:         # pale as the scale says, with a flag's border
            return tint(scale_colour(t)), FLAG_COLOURS[VANISHING], 2, False
        if f:
            colour = FLAG_COLOURS[f[0]]
            return tint(colour, 0.8), colour, 3, f[0] == ZERO
        if n.stats is None:
            return "#ffffff", UNRECORDED, 1, True
        return tint(scale_colour(t)), scale_colour(t), 1 + round(2 * t), False

    def node_flags(self, n):
        """A node's flags; a module's include those of its parameters."""
        found = set(self.flags(n))
        for m in n.members:
            found.update(self.flags(m))
        return tuple(f for f in FLAG_ORDER if f in found)

    def rows(self, n):
        rows = super().rows(n)
        if n.kind == ELIDED:
            return rows
        rows += self.stat_rows(n, "at output " if n.kind == MODULE else "")
        if len(n.members) <= MEMBERS_SHOWN:
            for m in n.members:
                text = f"{html(member_name(n, m))}: " + (
                    f"‖g‖ {fmt_num(m.stats.norm)}" if m.stats else "no grad")
                f = self.flags(m)
                colour = FLAG_COLOURS[f[0]] if f else None
                rows.append(cell(text + (f" {', '.join(f).upper()}" if f else ""), size=9,
                                 colour=colour, align="left"))
        else:
            rows += self.member_summary(n.members)
        return rows

    def member_summary(self, members):
        """Rows for a module with many parameters: the range of their norms, and how
        many carry each flag."""
        norms = [m.stats.norm for m in members if m.stats is not None]
        rows = []
        if norms:
            rows.append(cell(f"parameters: ‖g‖ {fmt_num(min(norms))} … {fmt_num(max(norms))}",
                             size=9))
        counts = {}
        for m in members:
            for f in self.flags(m):
                counts[f] = counts.get(f, 0) + 1
        for f in FLAG_ORDER:
            if f in counts:
                rows.append(cell(f"{counts[f]} of {len(members)} {f.upper()}", size=9,
                                 bold=True, colour=FLAG_COLOURS[f]))
        return rows

    def stat_rows(self, n, where=""):
        s = n.stats
        if s is None:
            return [cell("gradient not recorded", size=8, colour=UNRECORDED)]
        text = f"‖g‖ {where}{fmt_num(s.norm)}"
        if s.zero_fraction > 0:
            text += f" · {s.zero_fraction:.0%} zero"
            # read only by indexing (a loss's pick): zeros by construction, no dead units
            if s.dead_fraction > 0 and s.dead_fraction != s.zero_fraction and not n.indexed:
                text += f" · {s.dead_fraction:.0%} dead"
        rows = [cell(text, size=9)]
        f = self.flags(n)
        if f:
            label = ", ".join(x.upper() if x != NONFINITE else f"{s.nonfinite} NaN/Inf"
                              for x in f)
            rows.append(cell(label, size=9, bold=True, colour=FLAG_COLOURS[f[0]]))
        return rows

    def edge(self, src, dst, carried, labelled):
        s = carried.stats
        label = f" label=<{fmt_shape(carried.shape)}>" if labelled else ""
        if s is None:
            return f'n{src} -> n{dst} [color="{UNRECORDED}" style=dashed{label}]'
        f = self.flags(carried)
        t = self.position(s)
        colour = FLAG_COLOURS[f[0]] if f and f[0] != VANISHING else scale_colour(t)
        width = 3 if f and f[0] in (NONFINITE, EXPLODING) else 0.6 + 4.4 * t
        style = " style=dashed" if f and f[0] == ZERO else ""
        return (f'n{src} -> n{dst} [color="{colour}" penwidth={width:.2f}{style}{label} '
                f'tooltip="‖g‖ {fmt_num(s.norm)}"]')

    def legend_rows(self, data):
        rows = [cell("gradient flow", bold=True, colspan=2)]
        rows.append(cell("colour and width: log10 ‖g‖ of the tensor (its gradient, summed "
                         "over its consumers)", size=9, colspan=2, align="left"))
        steps = 5
        bar = "".join(
            cell(fmt_num(10 ** (self.lo + (self.hi - self.lo) * k / (steps - 1))), size=8,
                 bgcolor=tint(scale_colour(k / (steps - 1)), 0.3),
                 colour="#ffffff" if k > steps // 2 else "#000000")
            for k in range(steps))
        rows.append(f'<td colspan="2"><table border="0" cellspacing="0" cellpadding="2">'
                    f'<tr>{bar}</tr></table></td>')
        t = self.thresholds
        for flag, text in FLAG_TEXT.items():
            rows.append(swatch(tint(FLAG_COLOURS[flag], 0.5)) +
                        cell(html(text.format(vanishing=fmt_num(t.vanishing),
                                              exploding=fmt_num(t.exploding), zero=t.zero)),
                             size=9, align="left"))
        rows.append(cell(f"‖g‖ at the root: {fmt_num(self.reference)}", size=9, colspan=2,
                         align="left"))
        if not self.recorded:
            rows.append(swatch("#ffffff") + cell(
                "dashed grey: gradient not recorded; run the backward inside "
                "viz.record_gradient_flow() to see it", size=9, align="left",
                colour="#777777"))
        return rows


# --- the per-parameter table ------------------------------------------------------------
def parameter_stats(params, thresholds=None, reference=1.0):
    """One dict per parameter: name, shape, norm (‖w‖), grad_norm (None without a grad),
    ratio (‖grad‖/‖w‖), zero_fraction (of the grad), nonfinite, flags."""
    thresholds = thresholds or Thresholds()
    rows = []
    for name, p in params:
        w = p.data
        norm = float(np.sqrt(np.vdot(w, w).real)) if w.size else 0.0
        s = grad_stats(p.grad.data, units=False) if p.grad is not None else None
        rows.append({
            "name": name, "shape": tuple(w.shape), "norm": norm,
            "grad_norm": s.norm if s else None,
            "ratio": (s.norm / norm if norm else math.inf) if s else None,
            "zero_fraction": s.zero_fraction if s else None,
            "nonfinite": s.nonfinite if s else 0,
            "flags": flags(s, reference, thresholds) if s else ()})
    return rows


_COLUMNS = ("name", "shape", "‖w‖", "‖grad‖", "‖grad‖/‖w‖", "zero", "flags")


def _cells(r):
    none = "-"
    return (r["name"], fmt_shape(r["shape"]), fmt_num(r["norm"]),
            fmt_num(r["grad_norm"]) if r["grad_norm"] is not None else "no grad",
            fmt_num(r["ratio"]) if r["ratio"] is not None else none,
            f"{r['zero_fraction']:.0%}" if r["zero_fraction"] is not None else none,
            ", ".join(r["flags"]))


def parameter_table(params, thresholds=None):
    """The per-parameter table as text: name, shape, ‖w‖, ‖grad‖, ‖grad‖/‖w‖, fraction of
    zero gradient entries, flags. `params`: a Module or {name: Tensor}."""
    return format_table(parameter_stats(named_tensors(params).items(), thresholds))


def format_table(rows):
    """The parameter table as aligned text."""
    lines = [_COLUMNS] + [_cells(r) for r in rows]
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(_COLUMNS))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)


def table_html(rows, limit=60):
    """The parameter table (its first `limit` rows) as an HTML-like table for DOT."""
    head = "".join(cell(c, bold=True, size=9) for c in _COLUMNS)
    body = [head]
    for r in rows[:limit]:
        colour = FLAG_COLOURS[r["flags"][0]] if r["flags"] else None
        body.append("".join(cell(html(c), size=9, colour=colour,
                                 align="left" if i == 0 else "right")
                            for i, c in enumerate(_cells(r))))
    if len(rows) > limit:
        body.append(cell(f"… {len(rows) - limit} more parameters", size=9,
                         colspan=len(_COLUMNS)))
    return table(body, "#ffffff", "#bbbbbb")
