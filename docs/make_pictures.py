"""Regenerate the pictures in docs/ (needs Graphviz's `dot`).

    python docs/make_pictures.py

Runs the two viz examples and draws three more pictures: a small digits classifier
grouped by module, a graph built to trip every gradient-flow flag, and the
module-collapsed picture of the 50,000-node network from benchmarks/viz_graph.py, and
a 12-layer GPT (examples/gpt.py) collapsed by module with its identical blocks folded.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import viz  # noqa: E402
from nn.datasets import load_digits  # noqa: E402


def digits_classifier(tmp):
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    x, y = load_digits(return_X_y=True)
    loss = nn.functional.cross_entropy(model(ag.tensor(x[:16] / 16, dtype="float32")),
                                       ag.tensor(y[:16]))
    viz.save(viz.draw_graph(loss, model, group_by="module", title="digits classifier"),
             os.path.join(tmp, "digits_graph.png"))


def flags(tmp):
    """A dead ReLU, a NaN, a vanishing and an exploding path in one graph."""
    rng = np.random.default_rng(0)
    p = {"dead.w": ag.tensor(rng.standard_normal((4, 3)), requires_grad=True),
         "nan.w": ag.tensor([-1.0, 2.0], requires_grad=True),
         "tiny.w": ag.tensor([1.0, 2.0, 3.0], requires_grad=True),
         "huge.w": ag.tensor([1.0, -1.0], requires_grad=True),
         "ok.w": ag.tensor([0.5, -0.5], requires_grad=True)}
    x = ag.tensor(rng.standard_normal((5, 4)))
    with np.errstate(invalid="ignore"):
        loss = (((x @ p["dead.w"]) - 100.0).relu().sum()
                + (p["nan.w"].log() * p["nan.w"]).sum()
                + (p["tiny.w"] * 1e-9).sum() + (p["huge.w"] * 1e5).sum()
                + (p["ok.w"] * p["ok.w"]).sum())
        with viz.record_gradient_flow():
            loss.backward()
    viz.save(viz.draw_gradient_flow(loss, p, title="every flag at once"),
             os.path.join(tmp, "flags.png"))


def big_network(tmp):
    from viz_graph import network
    loss, model = network()
    n = len(viz.walk(loss).nodes)
    viz.save(viz.draw_graph(loss, model, collapse=True, depth=2,
                            title=f"{n:,}-node network, one node per block"),
             os.path.join(tmp, "network_collapsed.png"))


def gpt(tmp):
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    from gpt import GPT, GPTConfig
    ag.manual_seed(0)
    model = GPT(GPTConfig(block_size=16, vocab_size=50, n_layer=12, n_head=4, n_embd=32))
    idx = ag.tensor(np.random.default_rng(0).integers(0, 50, (2, 16)))
    loss = model(idx, idx)[1]
    viz.save(viz.draw_graph(loss, model, collapse=True, fold_repeated=True,
                            title="12-layer GPT, one node per module, blocks folded"),
             os.path.join(tmp, "gpt_collapsed.png"))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        examples = os.path.join(ROOT, "examples")
        subprocess.run([sys.executable, os.path.join(examples, "scalar_expression.py"),
                        os.path.join(tmp, "scalar_expression.png")], check=True)
        subprocess.run([sys.executable, os.path.join(examples, "gradient_flow.py"), tmp],
                       check=True, stdout=subprocess.DEVNULL)
        digits_classifier(tmp)
        flags(tmp)
        big_network(tmp)
        gpt(tmp)
        for name in sorted(os.listdir(tmp)):
            if name.endswith((".png", ".svg")):
                shutil.copy(os.path.join(tmp, name), os.path.join(HERE, name))
                print(f"docs/{name}")


if __name__ == "__main__":
    main()
