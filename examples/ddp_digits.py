"""Data-parallel training of the digits MLP over MPI: each process trains a replica on
its shard of every batch, and gradients are averaged during backward.

    mpiexec -n 4 python examples/ddp_digits.py
    mpiexec -n 2 python examples/ddp_digits.py --epochs 5 --checkpoint runs/ddp.ckpt

The model, split and optimizer are those of examples/train_digits.py; --batch-size is
per process, so the global batch is N times larger. Every rank starts from its own
random initialisation on purpose: DistributedDataParallel broadcasts rank 0's. Rank 0
prints the loss averaged over all ranks, the test accuracy and samples/s, and saves the
checkpoint; every rank ends with the same weights.
"""
import argparse
import os
import sys
import time

from mpi4py import MPI

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from nn.data import DataLoader  # noqa: E402
from nn.parallel import (DistributedDataParallel, DistributedSampler, get_comm,  # noqa: E402
                         save_on_main)
from train_digits import accuracy, build, digits_split  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch-size", type=int, default=32, help="per process")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--checkpoint", default=None, metavar="PATH",
                    help="save the trained weights here (rank 0 writes it)")
    args = ap.parse_args(argv)

    comm = get_comm()
    rank, size = comm.Get_rank(), comm.Get_size()
    train_set, test_set = digits_split()
    ag.manual_seed(args.seed + rank)                 # replaced by rank 0's weights below
    model = build("mlp")
    ddp = DistributedDataParallel(model)
    sampler = DistributedSampler(train_set, seed=args.seed)
    loader = DataLoader(train_set, batch_size=args.batch_size, sampler=sampler)
    opt = nn.optim.Adam(ddp.parameters(), lr=args.lr)
    if rank == 0:
        print(f"{size} process(es), {len(sampler)} samples each per epoch, global batch "
              f"{args.batch_size * size}, {ddp.num_buckets} gradient bucket(s)")

    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        model.train()
        total, count, start = 0.0, 0, time.perf_counter()
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(ddp(x), y)
            loss.backward()                          # returns with averaged gradients
            opt.step()
            total += loss.item() * len(y)
            count += len(y)
        elapsed = time.perf_counter() - start
        total, count = comm.allreduce(total), comm.allreduce(count)
        elapsed = comm.allreduce(elapsed, op=MPI.MAX)
        if rank == 0:
            print(f"epoch {epoch + 1:2d}  loss {total / count:.4f}  test accuracy "
                  f"{accuracy(model, test_set):.3f}  {count / elapsed:,.0f} samples/s")

    if args.checkpoint:
        save_on_main(nn.save, model.state_dict(), args.checkpoint)
        if rank == 0:
            print(f"saved {args.checkpoint}")


if __name__ == "__main__":
    main()
