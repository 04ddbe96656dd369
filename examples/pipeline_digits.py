"""Pipeline-parallel training of the digits MLP over MPI: consecutive layers on
consecutive processes, a GPipe schedule over micro-batches.

    mpiexec -n 2 python examples/pipeline_digits.py
    mpiexec -n 2 python examples/pipeline_digits.py --chunks 8 --graph runs/pipeline.svg

The model and split are those of examples/train_digits.py, its layers (Flatten,
Linear, ReLU, Linear, ReLU, Linear) spread over the processes as evenly as they go.
Rank 0 reads the batches; activations go forward and gradients come back through the
send/recv nodes of the autograd graph, so ``backward()`` on the last rank's loss
drives backward on every rank. The last rank prints the loss and test accuracy.
--graph draws one step's graph with one cluster per rank (.dot always; .svg where
Graphviz's `dot` program is installed).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
import viz  # noqa: E402
from nn.data import DataLoader  # noqa: E402
from nn.parallel import Pipeline, get_comm  # noqa: E402
from nn.parallel.picture import draw_pipeline  # noqa: E402
from train_digits import build, digits_split  # noqa: E402


def layers(model):
    """The digits MLP as a flat list of layers (the pipeline's stages)."""
    flatten, mlp = model
    return [flatten, *mlp]


@ag.no_grad()
def accuracy(pipe, dataset):
    """Test accuracy, on the last rank (None elsewhere)."""
    x, y = next(iter(DataLoader(dataset, batch_size=len(dataset))))
    out = pipe(x)
    return float((out.data.argmax(1) == y.data).mean()) if pipe.is_last else None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--chunks", type=int, default=4, help="micro-batches per batch")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--graph", default=None, metavar="PATH",
                    help="draw one step's graph across the ranks (.dot or .svg)")
    args = ap.parse_args(argv)

    comm = get_comm()
    train_set, test_set = digits_split()
    ag.manual_seed(args.seed)
    pipe = Pipeline(layers(build("mlp")), chunks=args.chunks, comm=comm)
    # Every rank iterates the same batches (same seed): rank 0 feeds the inputs, the
    # last rank the labels.
    loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, seed=args.seed)
    params = list(pipe.parameters())
    opt = nn.optim.Adam(params, lr=args.lr) if params else None    # a ReLU-only rank
    print(f"rank {pipe.rank}: stages {pipe.stage_range[0]}..{pipe.stage_range[1] - 1} "
          f"({sum(p.numel() for p in params)} parameters)", flush=True)

    for epoch in range(args.epochs):
        total, count, start = 0.0, 0, time.perf_counter()
        for x, y in loader:
            if opt:
                opt.zero_grad()
            out = pipe(x)
            # The last rank has the output; the others a token whose backward waits for
            # the gradients of what they sent.
            loss = F.cross_entropy(out, y) if pipe.is_last else out
            loss.backward()
            if opt:
                opt.step()
            total += loss.item() * len(y)
            count += len(y)
        acc = accuracy(pipe, test_set)
        if pipe.is_last:
            print(f"epoch {epoch + 1:2d}  loss {total / count:.4f}  test accuracy {acc:.3f}  "
                  f"{count / (time.perf_counter() - start):,.0f} samples/s", flush=True)

    if args.graph:
        x, y = next(iter(loader))
        out = pipe(x)
        loss = F.cross_entropy(out, y) if pipe.is_last else out
        picture = draw_pipeline(pipe, loss, title="digits MLP, one cluster per rank")
        loss.backward()
        if picture is not None:
            print("wrote", ", ".join(viz.save(picture, args.graph)))
    pipe.synchronize()


if __name__ == "__main__":
    main()
