"""Gradient norms over training: per-layer norms every k steps and a layers × steps chart.

    rec = viz.GradientRecorder(model, every=10)
    for step in range(steps):
        ...; loss.backward(); rec.step(); opt.step()
    rec.save("grad_norms.svg")

The chart is SVG written here (no plotting library needed): a heatmap with one row per
layer and one column per recorded step, coloured by log10 of the layer's gradient norm
on the same scale as the gradient-flow pictures, and under it the same norms as lines.
PNG output uses matplotlib when it is installed.
"""
import math
import os
from xml.sax.saxutils import escape

import numpy as np

from autograd.errors import ArgumentError

from .dot import fmt_num
from .flow import FLAG_COLOURS, SCALE, scale_colour
from .stats import NONFINITE
from .walk import named_tensors

# Categorical colours for the lines (matplotlib's tab10).
LINE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


class GradientRecorder:
    """Log the gradient norm of each layer (the parameters of one module, joined by
    their dotted name's prefix) every `every` calls of ``step()``.

    params: a Module or {name: Tensor}. by="module" (default) or "parameter".
    ``steps`` lists the recorded step numbers, ``history`` maps each layer to its norms
    (None where a layer had no gradient; NaN where its gradient held NaN, drawn as such)."""

    def __init__(self, params, every=1, by="module"):
        if every < 1:
            raise ArgumentError(f"GradientRecorder: every must be >= 1, got {every}")
        if by not in ("module", "parameter"):
            raise ArgumentError(f"GradientRecorder: by must be 'module' or 'parameter', got {by!r}")
        self.params = named_tensors(params)
        if not self.params:
            raise ArgumentError("GradientRecorder: no parameters to record")
        self.every = every
        self.layers = {}
        for name in self.params:
            layer = name.rsplit(".", 1)[0] if by == "module" and "." in name else name
            self.layers.setdefault(layer, []).append(name)
        self.count = 0
        self.steps = []
        self.history = {layer: [] for layer in self.layers}

    def step(self):
        """Call once per training step, after backward: records every `every`-th call
        (the first one included). Returns True if it recorded."""
        self.count += 1
        if (self.count - 1) % self.every:
            return False
        self.steps.append(self.count - 1)
        for layer, names in self.layers.items():
            total, seen = 0.0, False
            for name in names:
                g = self.params[name].grad
                if g is not None:
                    a = g.data.astype(np.float64, copy=False)
                    total += float(np.vdot(a, a))
                    seen = True
            self.history[layer].append(math.sqrt(total) if seen else None)   # None: no grad
        return True

    def table(self):
        """The history as text: one row per layer, one column per recorded step."""
        head = ["layer"] + [str(s) for s in self.steps]
        rows = [head] + [[layer] + ["-" if v is None else fmt_num(v) for v in norms]
                         for layer, norms in self.history.items()]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        return "\n".join("  ".join(c.rjust(w) if i else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(r, widths))).rstrip()
                         for r in rows)

    def _range(self):
        logs = [math.log10(v) for norms in self.history.values() for v in norms
                if v is not None and v > 0 and math.isfinite(v)]
        lo, hi = (math.floor(min(logs)), math.ceil(max(logs))) if logs else (-1, 0)
        return (lo, hi) if hi > lo else (lo - 1, hi)

    def to_svg(self, title=None):
        """The chart as SVG text."""
        title = title or f"gradient norm per layer, every {self.every} steps"
        layers, steps = list(self.history), self.steps
        lo, hi = self._range()
        label_w = 8 + 7 * max(len(layer) for layer in layers)
        cw = max(2.0, min(28.0, 720.0 / max(len(steps), 1)))
        ch = 20
        left, top = label_w + 10, 40
        grid_w, grid_h = cw * max(len(steps), 1), ch * len(layers)
        plot_top, plot_h = top + grid_h + 50, max(180, 12 * len(layers))
        width = int(left + grid_w + 110)
        height = int(plot_top + plot_h + 50)
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
               f'font-family="Helvetica,Arial,sans-serif" font-size="11">',
               f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
               f'<text x="{left}" y="22" font-size="14" font-weight="bold">{escape(title)}'
               f'</text>']

        def position(v):
            return (math.log10(v) - lo) / (hi - lo)

        for r, layer in enumerate(layers):
            y = top + r * ch
            out.append(f'<text x="{left - 6}" y="{y + ch / 2 + 4}" text-anchor="end">'
                       f'{escape(layer)}</text>')
            for c, v in enumerate(self.history[layer]):
                if v is None:                      # no gradient at that step
                    colour = "#eeeeee"
                elif not math.isfinite(v):         # NaN or Inf
                    colour = FLAG_COLOURS[NONFINITE]
                else:
                    colour = scale_colour(position(v)) if v > 0 else "#cccccc"
                out.append(f'<rect x="{left + c * cw:.1f}" y="{y}" width="{cw:.1f}" '
                           f'height="{ch}" fill="{colour}"><title>{escape(layer)}, step '
                           f'{steps[c]}: {"no grad" if v is None else fmt_num(v)}</title></rect>')
        out += self._step_axis(left, top + grid_h, cw, "step")
        # colour bar: the scale as a gradient, a label at each decade
        bx = left + grid_w + 20
        stops = "".join(f'<stop offset="{k / (len(SCALE) - 1):.3f}" stop-color="{c}"/>'
                        for k, c in enumerate(SCALE))
        out.append(f'<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">{stops}'
                   f'</linearGradient></defs>')
        out.append(f'<rect x="{bx}" y="{top}" width="14" height="{grid_h}" fill="url(#scale)"/>')
        every = max(1, math.ceil((hi - lo + 1) / 12))
        for k in range(lo, hi + 1, every):
            y = top + grid_h - (k - lo) / (hi - lo) * grid_h
            out.append(f'<text x="{bx + 18}" y="{y + 4:.1f}">1e{k}</text>')
        out += self._lines(left, plot_top, grid_w, plot_h, lo, hi, cw)
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def _step_axis(self, left, y, cw, label):
        out = []
        n = len(self.steps)
        every = max(1, math.ceil(n / 10))
        for c in range(0, n, every):
            x = left + (c + 0.5) * cw
            out.append(f'<text x="{x:.1f}" y="{y + 14}" text-anchor="middle" '
                       f'font-size="9">{self.steps[c]}</text>')
        out.append(f'<text x="{left}" y="{y + 28}" font-size="10" fill="#555555">{label}'
                   f'</text>')
        return out

    def _lines(self, left, top, w, h, lo, hi, cw):
        """log10 norm against step, one line per layer, under the heatmap."""
        out = [f'<rect x="{left}" y="{top}" width="{w:.1f}" height="{h}" fill="none" '
               f'stroke="#999999"/>',
               f'<text x="{left}" y="{top - 8}" font-size="10" fill="#555555">log10 ‖grad‖'
               f'</text>']
        for k in range(lo, hi + 1):
            y = top + h - (k - lo) / (hi - lo) * h
            out.append(f'<line x1="{left}" x2="{left + w:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="#eeeeee"/>')
            out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" '
                       f'font-size="9">1e{k}</text>')
        labels = []
        for i, (layer, norms) in enumerate(self.history.items()):
            colour = LINE_COLOURS[i % len(LINE_COLOURS)]
            points = [(left + (c + 0.5) * cw, top + h - (math.log10(v) - lo) / (hi - lo) * h)
                      for c, v in enumerate(norms)
                      if v is not None and v > 0 and math.isfinite(v)]
            if points:
                out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                           f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}">'
                           f'<title>{escape(layer)}</title></polyline>')
                labels.append([points[-1][1], layer, colour])
        # each line named at its right end, labels pushed apart to stay legible
        labels.sort()
        for k in range(1, len(labels)):
            labels[k][0] = max(labels[k][0], labels[k - 1][0] + 11)
        for y, layer, colour in labels:
            out.append(f'<text x="{left + w + 6:.1f}" y="{y + 4:.1f}" fill="{colour}">'
                       f'{escape(layer)}</text>')
        out += self._step_axis(left, top + h, cw, "step")
        return out

    def save(self, path):
        """Write the chart to `path`: .svg always works, .png needs matplotlib."""
        path = os.fspath(path)
        ext = os.path.splitext(path)[1].lower()
        if ext == ".svg":
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.to_svg())
        elif ext == ".png":
            self._save_png(path)
        else:
            raise ArgumentError(f"GradientRecorder.save: use a .svg or .png path, got {path!r}")
        return path

    def _save_png(self, path):
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise ArgumentError("GradientRecorder.save: a .png needs matplotlib, which is not "
                               "installed (pip install matplotlib), or save as .svg") from None
        grid = np.log10(np.array([self.history[k] for k in self.history], dtype=float))
        fig, ax = plt.subplots(figsize=(8, 1 + 0.35 * len(self.history)))
        im = ax.imshow(grid, aspect="auto", cmap="viridis_r", interpolation="nearest")
        ax.set_yticks(range(len(self.history)), list(self.history))
        ax.set_xlabel("recorded step")
        fig.colorbar(im, ax=ax, label="log10 ‖grad‖")
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
