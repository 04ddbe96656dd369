"""Explain the digits CNN: which pixels each prediction depends on, how faithful each
method is, and whether it depends on what the model learned.

    python examples/explain_digits.py                 # train the CNN briefly, explain it
    python examples/explain_digits.py --quick         # fewer epochs, images and steps
    python examples/explain_digits.py --checkpoint runs/digits/digits-cnn.ckpt

It trains the CNN of train_digits.py (or loads its checkpoint) and writes into --out:
- explain_grid.png: Saliency, Integrated Gradients, SmoothGrad, DeepLift, Occlusion and
  Grad-CAM for a few test images (red: evidence for the predicted digit, blue: against);
- explain_deletion.png and a printed table: deletion and insertion curves of the
  predicted class's probability for each method against a random pixel order, and the
  areas under them (deletion: lower is better; insertion: higher is better);
- a printed table for the model-parameter-randomisation check of Adebayo et al. (2018):
  the rank correlation between the attributions of the trained model and of the same
  network with random weights (a method whose maps barely change fails the check);
- explain_graph.dot (and .png with Graphviz): the module graph coloured by each
  module's share of the layer conductance.
"""
import argparse
import os
import sys
import time
import warnings

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import viz  # noqa: E402
import viz.explain as ex  # noqa: E402
from nn.data import DataLoader  # noqa: E402
from train_digits import accuracy, build, digits_split  # noqa: E402


def train(train_set, epochs, seed):
    """The CNN of train_digits.py, trained with its settings (Adam, lr 1e-2, batch 64)."""
    ag.manual_seed(seed)
    model = build("cnn")
    loader = DataLoader(train_set, batch_size=64, shuffle=True)
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    sched = nn.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * len(loader))
    for _ in range(epochs):
        model.train()
        for x, y in loader:
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return model


def methods(model, quick):
    """name -> function(images, targets) -> attributions (N, 1, 8, 8)."""
    steps = 16 if quick else 50
    cam_layer = model[1]                       # the first conv's ReLU: 16 x 8 x 8

    def gradcam(x, t):
        cam = ex.LayerGradCam(model, cam_layer).attribute(x, target=t, relu_attributions=True)
        return ex.LayerGradCam.interpolate(cam, (8, 8), "bilinear")   # (a no-op here)

    return {
        "Saliency": lambda x, t: ex.Saliency(model).attribute(x, target=t, abs=True),
        "IntegratedGradients": lambda x, t: ex.IntegratedGradients(model).attribute(
            x, target=t, n_steps=steps),
        "SmoothGrad": lambda x, t: ex.NoiseTunnel(ex.Saliency(model)).attribute(
            x, nt_type="smoothgrad", nt_samples=8 if quick else 32, stdevs=0.15, target=t,
            abs=True),
        "DeepLift": lambda x, t: ex.DeepLift(model).attribute(x, target=t),
        "Occlusion": lambda x, t: ex.Occlusion(model).attribute(
            x, sliding_window_shapes=(1, 2, 2), strides=(1, 1, 1), target=t,
            perturbations_per_eval=16),
        "Grad-CAM": gradcam,
    }


def completeness(model, x, t, steps):
    _, d_ig = ex.IntegratedGradients(model).attribute(x, target=t, n_steps=steps,
                                                      return_convergence_delta=True)
    _, d_dl = ex.DeepLift(model).attribute(x, target=t, return_convergence_delta=True)
    with ag.no_grad():
        out = model(x).data[np.arange(len(t)), t] - model(ag.zeros_like(x)).data[
            np.arange(len(t)), t]
    print(f"completeness |sum of attributions - (F(x) - F(0))|, max over {len(t)} images "
          f"(|F(x) - F(0)| up to {np.abs(out).max():.3g}):")
    print(f"  IntegratedGradients ({steps} steps, gausslegendre)  {np.abs(d_ig.data).max():.2e}")
    print(f"  DeepLift (Rescale)                              {np.abs(d_dl.data).max():.2e}")


def probability(model):
    def prob(x):
        return nn.functional.softmax(model(x), dim=1)
    return prob


def faithfulness(model, x, t, funcs, n_steps, out):
    """Deletion / insertion AUC per method and for a random order."""
    prob = probability(model)
    curves, rows = {}, []
    ag.manual_seed(1)
    for name, fn in [*funcs.items(), ("random", None)]:
        attr = "random" if fn is None else fn(x, t)
        d = ex.deletion_curve(prob, x, attr, target=t, n_steps=n_steps)
        ag.manual_seed(1)
        i = ex.insertion_curve(prob, x, attr, target=t, n_steps=n_steps)
        curves[name] = d
        rows.append((name, float(d.auc.mean()), float(i.auc.mean())))
    print(f"\nfaithfulness on {len(t)} test images (probability of the predicted digit; "
          f"pixels set to 0 in order of attribution, {n_steps} steps):")
    print(f"  {'method':22s} {'deletion AUC':>13s} {'insertion AUC':>14s}   (deletion: lower is "
          f"better, insertion: higher)")
    rand = rows[-1]
    for name, dauc, iauc in rows:
        mark = "" if name == "random" else ("  beats random" if dauc < rand[1] and iauc > rand[2]
                                            else "  NOT better than random")
        print(f"  {name:22s} {dauc:13.3f} {iauc:14.3f}{mark}")
    try:
        from viz.explain import plot
        fig, _ = plot.curves(curves, ylabel="probability of the predicted digit")
        fig.savefig(os.path.join(out, "explain_deletion.png"), dpi=110)
    except ImportError as e:
        print(f"(no deletion picture: {e})")
    return rows


def rank(a):
    """Ranks with ties averaged (Spearman's convention), along the last axis."""
    order = np.argsort(a, axis=-1, kind="stable")
    ranks = np.empty(a.shape)
    np.put_along_axis(ranks, order, np.arange(a.shape[-1], dtype=np.float64)[None], axis=-1)
    for r, v in zip(ranks, a):                       # average the ranks of equal values
        vals, inv, counts = np.unique(v, return_inverse=True, return_counts=True)
        if (counts > 1).any():
            sums = np.bincount(inv, weights=r)
            r[:] = (sums / counts)[inv]
    return ranks


def spearman(a, b):
    """Per-row Spearman rank correlation of two (N, ...) arrays."""
    ra, rb = rank(a.reshape(len(a), -1)), rank(b.reshape(len(b), -1))
    ra -= ra.mean(1, keepdims=True)
    rb -= rb.mean(1, keepdims=True)
    den = np.sqrt((ra * ra).sum(1) * (rb * rb).sum(1))
    return np.where(den > 0, (ra * rb).sum(1) / np.where(den > 0, den, 1.0), 0.0)


def sanity_check(model, x, t, quick, seed):
    """Adebayo et al. (2018): attributions of the trained model vs the same network with
    freshly initialised (random) weights; a method that passes changes a lot."""
    ag.manual_seed(seed + 1000)
    random_model = build("cnn").double().eval()
    trained = methods(model, quick)
    randomised = methods(random_model, quick)
    print("\nsanity check (model-parameter randomisation, Adebayo et al. 2018): Spearman rank "
          "correlation of |attribution| between the trained and a randomly initialised model "
          f"(mean over {len(t)} images; near 1 = the map ignores the weights):")
    results = {}
    for name in trained:
        ag.manual_seed(2)
        a = np.abs(trained[name](x, t).data)
        ag.manual_seed(2)
        b = np.abs(randomised[name](x, t).data)
        rho = float(spearman(a, b).mean())
        results[name] = rho
        verdict = "FAILS: the map barely depends on the weights" if rho > 0.5 else "passes"
        print(f"  {name:22s} {rho:+.3f}   {verdict}")
    print("  (IG, DeepLift and Occlusion measure against the baseline 0: a pixel equal to it\n"
          "   gets 0 with any weights, so their maps keep the digit's outline; Adebayo et al.\n"
          "   found the same for input-multiplied methods)")
    return results


def graph_picture(model, x, t, out, quick):
    layers = ["0", "1", "2", "3", "4", "5", "7"]
    shares, _ = ex.conductance_shares(model, layers, x, target=t, n_steps=8 if quick else 32)
    print("\nlayer conductance share (Σ|conductance| of the layer's units / the sum over layers):")
    for name in layers:
        print(f"  {name} {type(dict(model.named_modules())[name]).__name__:10s} "
              f"{shares[name]:6.1%}")
    output = model(x[:2])
    graph = ex.draw_attribution_graph(output, model, shares, label="conductance share",
                                      title="digits CNN: share of the layer conductance")
    written = viz.save(graph, os.path.join(out, "explain_graph.png"))
    print("graph: " + ", ".join(written))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="runs/explain", metavar="DIR",
                    help="directory for the pictures (default: %(default)s)")
    ap.add_argument("--checkpoint", default=None, metavar="PATH",
                    help="a CNN checkpoint written by train_digits.py (default: train here)")
    ap.add_argument("--epochs", type=int, default=None, help="training epochs (default 12; "
                    "4 with --quick)")
    ap.add_argument("--images", type=int, default=None,
                    help="test images in the faithfulness and sanity tables (default 100; "
                         "24 with --quick)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="a short run (for tests)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    warnings.simplefilter("ignore", UserWarning)     # e.g. "Graphviz is not installed"
    tic = time.perf_counter()

    train_set, test_set = digits_split()
    if args.checkpoint:
        model = build("cnn")
        model.load_state_dict(nn.load(args.checkpoint)["model"])
    else:
        model = train(train_set, args.epochs or (4 if args.quick else 12), args.seed)
    print(f"digits CNN: test accuracy {accuracy(model, test_set):.2%}")
    model = model.double().eval()                    # float64: exact completeness checks

    n = args.images or (24 if args.quick else 100)
    x, _ = next(iter(DataLoader(test_set, batch_size=n)))
    x = x.double()
    with ag.no_grad():
        t = model(x).data.argmax(1)
    funcs = methods(model, args.quick)
    completeness(model, x, t, 16 if args.quick else 50)

    show = 6
    ag.manual_seed(0)
    maps = {name: fn(x[:show], t[:show]) for name, fn in funcs.items()}
    try:
        from viz.explain import plot
        fig, _ = plot.image_grid(x[:show], maps, titles=[f"predicted {d}" for d in t[:show]])
        fig.savefig(os.path.join(args.out, "explain_grid.png"), dpi=110)
    except ImportError as e:
        print(f"(no grid picture: {e})")

    faithfulness(model, x, t, funcs, 16, args.out)
    sanity_check(model, x, t, args.quick, args.seed)
    graph_picture(model, x[:8], t[:8], args.out, args.quick)
    print(f"pictures in {args.out}  ({time.perf_counter() - tic:.1f} s)")


if __name__ == "__main__":
    main()
