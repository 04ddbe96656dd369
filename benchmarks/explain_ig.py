"""Integrated Gradients cost against the work it cannot avoid.

``IntegratedGradients(model).attribute(x, target=t, n_steps=50)`` over 32 digits images
(the CNN of examples/train_digits.py, float32) runs the model on 50 x 32 = 1,600
interpolated images. The baseline is that forward + backward done by hand: build the
1,600 images, run the model, pick each image's target logit, ``autograd.grad`` with
respect to the images. Target: IG <= 1.2x the baseline. The same pair in PyTorch and
Captum (same architecture, same weights) where they are installed.
"""
try:
    from . import common
except ImportError:
    import common

import os
import sys

import numpy as np

N, STEPS = 32, 50


def _models():
    sys.path.insert(0, os.path.join(common._ROOT, "examples"))
    import autograd as ag
    from train_digits import build
    ag.manual_seed(0)
    return build("cnn").eval()


def gradgraph_variants(model, x, t):
    import autograd as ag
    from viz.explain import IntegratedGradients
    from viz.explain.gradient import approximation

    sizes, alphas = approximation("gausslegendre", STEPS)
    ig = IntegratedGradients(model)
    targets = np.tile(t, STEPS)
    rows = np.arange(N * STEPS)

    def by_hand():
        points = np.concatenate([x * np.float32(a) for a in alphas])    # baseline 0
        xp = ag.from_numpy(points).requires_grad_()
        (g,) = ag.grad(model(xp)[rows, targets].sum(), xp)
        return g

    def integrated():
        return ig.attribute(ag.from_numpy(x), target=t, n_steps=STEPS)

    return {"by hand": by_hand, "IntegratedGradients": integrated}


def torch_variants(model, x, t):
    torch = common.torch_or_none()
    captum = common.optional("captum.attr")
    if torch is None or captum is None:
        return {}
    import captum.attr  # noqa: F811
    tn = torch.nn
    tm = tn.Sequential(tn.Conv2d(1, 16, 3, padding=1), tn.ReLU(), tn.MaxPool2d(2),
                       tn.Conv2d(16, 32, 3, padding=1), tn.ReLU(), tn.MaxPool2d(2),
                       tn.Flatten(), tn.Linear(128, 10)).eval()
    with torch.no_grad():
        for (_, p), (_, q) in zip(model.named_parameters(), tm.named_parameters()):
            q.copy_(torch.from_numpy(p.data))
    from viz.explain.gradient import approximation
    _, alphas = approximation("gausslegendre", STEPS)
    xt, tt = torch.from_numpy(x), torch.from_numpy(np.tile(t, STEPS))
    rows = torch.arange(N * STEPS)
    ig = captum.attr.IntegratedGradients(tm)

    def by_hand():
        points = torch.cat([xt * float(a) for a in alphas]).requires_grad_()
        (g,) = torch.autograd.grad(tm(points)[rows, tt].sum(), points)
        return g

    def integrated():
        return ig.attribute(xt, target=torch.from_numpy(t), n_steps=STEPS)

    return {"torch by hand": by_hand, "Captum IntegratedGradients": integrated}


def run():
    model = _models()
    rng = np.random.default_rng(0)
    from nn.datasets import load_digits
    images = (load_digits().images[:N] / 16.0).astype(np.float32)[:, None]
    x = np.ascontiguousarray(images)
    t = rng.integers(0, 10, N)
    variants = gradgraph_variants(model, x, t)
    variants.update(torch_variants(model, x, t))
    samples = common.interleaved(variants, rounds=5 if common.QUICK else 12, number=1)
    return common.rows_from(
        f"IG, {STEPS} steps x {N} digits (CNN)", samples, "by hand", 1e3, "ms",
        targets={"IntegratedGradients": [("by hand", 1.2)],
                 "Captum IntegratedGradients": [("torch by hand", None),
                                                ("IntegratedGradients", None)]})


if __name__ == "__main__":
    common.main_with(run)
