"""Train an MLP and a small CNN on the UCI handwritten digits (1,797 8x8 images, bundled
with nn.datasets: no network needed).

    python examples/train_digits.py                       # both models
    python examples/train_digits.py --model cnn --epochs 20
    python examples/train_digits.py --model mlp --resume  # continue from the checkpoint
    python examples/train_digits.py --quick               # a short run

The 80/20 train/test split is fixed (seed 0); initialisation and shuffling follow
--seed. Each epoch prints the loss, train and test accuracy and samples/s, then saves
a checkpoint (model, optimizer, scheduler, data loader and random-generator state) with
nn.save; --resume continues from it and gives the same weights as an uninterrupted run.
At the end the graph of one batch and its gradient flow are drawn into --out (.dot
files always; .svg as well where Graphviz's `dot` program is installed).
"""
import argparse
import os
import sys
import time
import warnings

# The matrices here are small, so BLAS threads bring nothing but contention: on a busy
# 2-core machine a (1024, 32) @ (32, 144) product took 17 ms with OpenBLAS's threads and
# 0.27 ms without. Set these variables yourself to override.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import nn  # noqa: E402
from nn.data import DataLoader, TensorDataset, random_split  # noqa: E402
from nn.datasets import load_digits  # noqa: E402
from nn.optim.lr_scheduler import CosineAnnealingLR  # noqa: E402

# epochs, Adam's learning rate, batch size; epochs with --quick
CONFIGS = {"mlp": dict(epochs=20, lr=3e-3, batch_size=32, quick_epochs=10),
           "cnn": dict(epochs=15, lr=1e-2, batch_size=64, quick_epochs=7)}


def build(kind):
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.MLP(64, [128, 64], 10))
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),     # 16 x 4 x 4
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # 32 x 2 x 2
        nn.Flatten(), nn.Linear(32 * 2 * 2, 10))


def digits_split():
    """(train, test) Subsets of (image (1, 8, 8) in [0, 1], label); the split is fixed."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    return random_split(TensorDataset(images, digits.target), [0.8, 0.2], seed=0)


@ag.no_grad()
def accuracy(model, dataset):
    model.eval()
    correct = sum(int((model(x).data.argmax(1) == y.data).sum())
                  for x, y in DataLoader(dataset, batch_size=512))
    return correct / len(dataset)


def checkpoint_path(args, kind):
    if args.checkpoint is None:
        return os.path.join(args.out, f"digits-{kind}.ckpt")
    if args.model != "both":
        return args.checkpoint
    root, ext = os.path.splitext(args.checkpoint)
    return f"{root}-{kind}{ext}"


def train(kind, args, train_set, test_set):
    cfg = CONFIGS[kind]
    epochs = args.epochs or (cfg["quick_epochs"] if args.quick else cfg["epochs"])
    ag.manual_seed(args.seed)
    model = build(kind)
    loader = DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True)
    opt = nn.optim.Adam(model.parameters(), lr=cfg["lr"])
    sched = CosineAnnealingLR(opt, T_max=epochs * len(loader))     # stepped every batch
    loss_fn = nn.CrossEntropyLoss()
    path = checkpoint_path(args, kind)
    start = 0
    if args.resume:
        if not os.path.exists(path):
            sys.exit(f"--resume: no checkpoint at {path}")
        state = nn.load(path)
        if state["model_kind"] != kind:
            sys.exit(f"--resume: {path} holds a {state['model_kind']} model, not a {kind}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        loader.load_state_dict(state["loader"])
        ag.default_generator().bit_generator.state = state["rng"]
        start = state["epoch"]
        print(f"[{kind}] resumed from {path} after epoch {start}")
    n_params = sum(p.numel() for p in model.parameters())
    print(f"[{kind}] {n_params:,} parameters, {len(train_set)} train / {len(test_set)} test "
          f"images, {epochs} epochs")

    def train_step(x, y):
        logits = model(x)
        loss = loss_fn(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        return loss, logits
    if args.compile:        # the same results, bit for bit; the first epoch runs eagerly
        train_step = ag.compile(train_step, warmup=len(loader))
    timing = {"eager": [0.0, 0], "compiled": [0.0, 0]}

    for epoch in range(start, epochs):
        model.train()
        total_loss, correct, seen = 0.0, 0, 0
        tic = time.perf_counter()
        for x, y in loader:
            t0, replays = time.perf_counter(), getattr(train_step, "replays", 0)
            loss, logits = train_step(x, y)
            replayed = getattr(train_step, "replays", 0) > replays
            warm = seen >= 5 * cfg["batch_size"] or epoch > start    # skip the first steps
            if warm and (replayed or not args.compile or epoch == start):   # not a trace
                timing["compiled" if replayed else "eager"][0] += time.perf_counter() - t0
                timing["compiled" if replayed else "eager"][1] += len(y)
            total_loss += loss.item() * len(y)
            correct += int((logits.data.argmax(1) == y.data).sum())
            seen += len(y)
        rate = seen / (time.perf_counter() - tic)
        test_acc = accuracy(model, test_set)
        print(f"[{kind}] epoch {epoch + 1:2d}/{epochs}  loss {total_loss / seen:.4f}  "
              f"train {correct / seen:7.2%}  test {test_acc:7.2%}  {rate:8,.0f} samples/s",
              flush=True)
        nn.save({"model_kind": kind, "epoch": epoch + 1, "model": model.state_dict(),
                 "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                 "loader": loader.state_dict(),
                 "rng": ag.default_generator().bit_generator.state}, path)
    test_acc = accuracy(model, test_set)
    print(f"[{kind}] test accuracy {test_acc:.2%}; checkpoint {path}")
    speeds = {m: n / t for m, (t, n) in timing.items() if n}
    print(f"[{kind}] training step: " + ", ".join(f"{m} {v:,.0f} samples/s"
                                                  for m, v in speeds.items())
          + (f" ({speeds['compiled'] / speeds['eager']:.2f}x)" if len(speeds) == 2 else ""))
    draw_pictures(kind, model, loss_fn, test_set, args.out)
    return test_acc


def draw_pictures(kind, model, loss_fn, test_set, out):
    """The graph of one small batch, grouped by module, and its gradient flow. Drawing
    must not stop the example: without Graphviz's `dot` only the .dot files are written."""
    try:
        import viz
        x, y = next(iter(DataLoader(test_set, batch_size=4)))
        model.train()
        loss = loss_fn(model(x), y)
        written = viz.save(viz.draw_graph(loss, params=model, group_by="module", collapse=True),
                           os.path.join(out, f"{kind}-graph.svg"))
        model.zero_grad()
        with viz.record_gradient_flow():
            loss.backward()
        written += viz.save(viz.draw_gradient_flow(loss, model, group_by="module"),
                            os.path.join(out, f"{kind}-gradient-flow.svg"))
        print(f"[{kind}] pictures: {', '.join(written)}")
    except Exception as e:          # a picture is a bonus; the training result stands
        print(f"[{kind}] could not draw the pictures: {type(e).__name__}: {e}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=["mlp", "cnn", "both"], default="both")
    ap.add_argument("--epochs", type=int, default=None,
                    help="default: mlp %(mlp)d, cnn %(cnn)d" % {k: c["epochs"]
                                                                for k, c in CONFIGS.items()})
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--checkpoint", default=None, metavar="PATH",
                    help="checkpoint file (default: OUT/digits-MODEL.ckpt; with --model both "
                         "the model name is added to PATH)")
    ap.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    ap.add_argument("--out", default="runs/digits", metavar="DIR",
                    help="directory for checkpoints and pictures (default: %(default)s)")
    ap.add_argument("--quick", action="store_true", help="a few epochs only")
    ap.add_argument("--compile", action="store_true", help="ag.compile the training step "
                    "(the first epoch runs eagerly; both speeds are printed)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    warnings.simplefilter("ignore", UserWarning)     # e.g. "Graphviz is not installed"

    tic = time.perf_counter()
    train_set, test_set = digits_split()
    kinds = ["mlp", "cnn"] if args.model == "both" else [args.model]
    results = {kind: train(kind, args, train_set, test_set) for kind in kinds}
    print("final test accuracy: " + ", ".join(f"{k} {a:.2%}" for k, a in results.items())
          + f"  ({time.perf_counter() - tic:.1f} s)")
    return results


if __name__ == "__main__":
    main()
