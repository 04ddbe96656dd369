"""Token attributions: a self-contained HTML page (green for positive, red for negative
spans) and the same as a matplotlib picture."""
import html as _html

import numpy as np

from autograd.errors import ShapeError

from .plot import _array, _axes

_GREEN, _RED = (46, 160, 67), (215, 48, 39)


def _colour(v):
    """rgba for a value in [-1, 1]: green for positive, red for negative."""
    r, g, b = _GREEN if v >= 0 else _RED
    return f"rgba({r},{g},{b},{min(abs(v), 1.0) * 0.85:.3f})"


def _scaled(attributions):
    a = _array(attributions).reshape(-1)
    top = np.abs(a).max()
    return a / top if top > 0 else a


def token_html(tokens, attributions, prediction=None, probability=None, delta=None,
               title="token attributions"):
    """A complete HTML document: each token on a background whose colour and strength
    follow its attribution (scaled by the largest magnitude), the exact value in a
    tooltip, and the prediction, its probability and the convergence delta when given.
    Whitespace tokens are shown visibly (␣, ⏎). Write it with ``open(p, "w").write``."""
    a = _array(attributions).reshape(-1)
    if len(a) != len(tokens):
        raise ShapeError(f"token_html: {len(tokens)} tokens but {len(a)} attributions")
    s = _scaled(a)
    spans = []
    for tok, v, raw in zip(tokens, s, a):
        text = str(tok).replace(" ", "␣").replace("\n", "⏎")
        spans.append(f'<span class="t" style="background:{_colour(v)}" '
                     f'title="{raw:+.6g}">{_html.escape(text)}</span>')
    facts = []
    if prediction is not None:
        facts.append(f"prediction: <b>{_html.escape(str(prediction))}</b>")
    if probability is not None:
        facts.append(f"probability: {float(probability):.4f}")
    if delta is not None:
        facts.append(f"convergence delta: {float(delta):.3g}")
    facts.append(f"sum of attributions: {float(a.sum()):+.6g}")
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{_html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
.t {{ font-family: monospace; font-size: 1.2em; padding: 2px 1px; border-radius: 3px;
      white-space: pre; }}
.key span {{ padding: 2px 6px; margin-right: 6px; }}
</style></head><body>
<h3>{_html.escape(title)}</h3>
<p>{' · '.join(facts)}</p>
<div>{''.join(spans)}</div>
<p class="key"><span style="background:{_colour(1.0)}">supports</span>
<span style="background:{_colour(-1.0)}">opposes</span> (strength: |attribution| / max)</p>
</body></html>
"""


def token_figure(tokens, attributions, prediction=None, probability=None, per_line=24,
                 ax=None):
    """The tokens as coloured boxes in lines of `per_line`, with the prediction in the
    title. Returns (fig, ax)."""
    s = _scaled(attributions)
    lines = max(1, -(-len(tokens) // per_line))
    fig, ax = _axes(ax, (0.34 * min(per_line, len(tokens)) + 0.6, 0.45 * lines + 0.6))
    for i, (tok, v) in enumerate(zip(tokens, s)):
        r, c = divmod(i, per_line)
        rgb = np.array(_GREEN if v >= 0 else _RED) / 255
        colour = 1 - min(abs(v), 1.0) * 0.85 * (1 - rgb)
        text = str(tok).replace(" ", "␣").replace("\n", "⏎")
        ax.text(c + 0.5, -r, text, ha="center", va="center", family="monospace", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.2", facecolor=colour, edgecolor="none"))
    ax.set_xlim(0, min(per_line, len(tokens)))
    ax.set_ylim(-lines + 0.5, 0.5)
    ax.axis("off")
    if prediction is not None:
        p = f" (p = {float(probability):.3f})" if probability is not None else ""
        ax.set_title(f"prediction {prediction!r}{p}", fontsize=9)
    return fig, ax
