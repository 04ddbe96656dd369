"""How long pictures of big graphs take.

The network: 24 residual blocks, each a stack of Linear(8, 8) + Tanh layers, sized so
that the whole graph has about 50,000 nodes (ops and parameters). Rows: walking the
graph into plain data; walk + DOT text of the whole graph; the module-collapsed
picture (one node per block) as DOT and rendered to SVG by Graphviz's `dot`; and the
default picture (max_nodes=2000: the two ends and an elision marker) rendered by `dot`.
Targets: walk + DOT of 50,000 nodes and the rendered collapsed picture each in a few
seconds.
"""
try:
    from . import common
except ImportError:
    import common

import os
import shutil
import subprocess
import tempfile
import time

BLOCKS = 24
TARGET_NODES = 50_000


def network():
    import autograd as ag
    import nn

    layers = (TARGET_NODES // BLOCKS) // 4          # 4 nodes a layer: 2 ops, 2 parameters

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.mlp = nn.Sequential(*[m for _ in range(layers)
                                       for m in (nn.Linear(8, 8), nn.Tanh())])

        def forward(self, x):
            return x + self.mlp(x)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.Sequential(*[Block() for _ in range(BLOCKS)])
            self.head = nn.Linear(8, 1)

        def forward(self, x):
            return self.head(self.blocks(x))

    ag.manual_seed(0)
    model = Net()
    loss = model(ag.randn(4, 8)).pow(2).mean()
    return loss, model


def timed(fn, repeat=3):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def render_svg(source):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.dot")
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
        subprocess.run(["dot", "-Tsvg", "-o", os.path.join(tmp, "g.svg"), path], check=True)


def run():
    import viz
    loss, model = network()
    n = len(viz.walk(loss).nodes)
    rows = []

    def row(what, seconds, target=None, note=""):
        rows.append(common.Row(f"{n:,}-node network", what, seconds, "s",
                               note=note or (f"target < {target} s: "
                                             f"{'ok' if seconds < target else 'MISS'}"
                                             if target else "")))

    t, data = timed(lambda: viz.walk(loss, model))
    row("walk (plain data)", t)
    t, source = timed(lambda: viz.draw_graph(loss, model, max_nodes=None).source)
    row("walk + DOT text, every node", t, 5, )
    rows[-1].note += f" ({len(source) / 1e6:.1f} MB of DOT)"
    t, collapsed = timed(lambda: viz.draw_graph(loss, model, collapse=True, depth=2).source)
    row("collapsed picture (depth 2), DOT", t)
    if shutil.which("dot") is None:
        row("rendering by dot", float("nan"), note="skipped: Graphviz `dot` not installed")
        return rows
    t, _ = timed(lambda: render_svg(collapsed), repeat=1)
    row("collapsed picture, dot -Tsvg", t, 5)
    t, default = timed(lambda: viz.draw_graph(loss, model).source)
    row("default picture (max_nodes=2000), DOT", t)
    t, _ = timed(lambda: render_svg(default), repeat=1)
    row("default picture, dot -Tsvg", t)
    return rows


if __name__ == "__main__":
    common.main_with(run)
