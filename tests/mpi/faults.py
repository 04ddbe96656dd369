"""Failing jobs for tests/test_parallel.py: ``python faults.py SCENARIO`` on 2 ranks.

Each scenario must end the whole job with a non-zero exit and its error message,
never hang with one rank blocked in a collective or a receive.
"""
import sys

import numpy as np

import autograd as ag
import nn
import nn.functional as F
from nn.parallel import DistributedDataParallel, Pipeline, rank


def data(steps=4, batch=6):
    rng = np.random.default_rng(0)
    return (ag.tensor(rng.standard_normal((steps, batch, 8)), dtype="float32"),
            ag.tensor(rng.integers(0, 3, (steps, batch))))


def ddp_raise():
    """Rank 1 raises mid-training while rank 0 goes on into the gradient allreduce."""
    ddp = DistributedDataParallel(nn.MLP(8, [16], 3))
    opt = nn.optim.SGD(ddp.parameters(), lr=0.1)
    xs, ys = data()
    for k in range(4):
        opt.zero_grad()
        loss = F.cross_entropy(ddp(xs[k]), ys[k])
        if k == 2 and rank() == 1:
            raise RuntimeError("injected failure on rank 1 at step 2")
        loss.backward()
        opt.step()


def ddp_mismatch():
    """Rank 1 builds a wider hidden layer: DistributedDataParallel must say so."""
    DistributedDataParallel(nn.MLP(8, [16 + rank()], 3))


def pipeline_raise():
    """The last stage raises in its loss while rank 0 waits for its gradients."""
    pipe = Pipeline([nn.Linear(8, 16), nn.Sequential(nn.Tanh(), nn.Linear(16, 3))], chunks=2)
    xs, ys = data()
    for k in range(4):
        out = pipe(xs[k])
        if pipe.is_last and k == 1:
            raise ValueError("injected failure in the last stage at step 1")
        (F.cross_entropy(out, ys[k]) if pipe.is_last else out).backward()


def pipeline_mismatch():
    """Rank 0's stage sends 16 features, rank 1's stage expects 12."""
    pipe = Pipeline([nn.Linear(8, 16), nn.Linear(12, 3)], chunks=2)
    xs, _ = data()
    pipe(xs[0])


def raise_before_ddp():
    """Rank 1 fails before any DistributedDataParallel exists; rank 0 builds one."""
    if rank() == 1:
        raise KeyError("injected failure on rank 1 before the model is built")
    DistributedDataParallel(nn.MLP(8, [16], 3))


def _train(steps):
    ddp = DistributedDataParallel(nn.MLP(8, [16], 3))
    opt = nn.optim.SGD(ddp.parameters(), lr=0.1)
    xs, ys = data()
    for k in range(steps):
        opt.zero_grad()
        F.cross_entropy(ddp(xs[k]), ys[k]).backward()
        opt.step()
        yield k


def exit_mid_step():
    """Rank 1 calls sys.exit() between forward and backward of step 1."""
    ddp = DistributedDataParallel(nn.MLP(8, [16], 3))
    xs, ys = data()
    for k in range(3):
        loss = F.cross_entropy(ddp(xs[k]), ys[k])
        if k == 1 and rank() == 1:
            sys.exit(0)
        loss.backward()


def uneven_without_join():
    """Rank 1 has 3 batches, rank 0 has 4, and no join(): rank 1 ends, rank 0 waits."""
    for _ in _train(4 - rank()):
        pass


def collective_timeout():
    """Rank 1 does not end but never reaches the allreduce rank 0 waits in."""
    import time
    from nn.parallel import set_timeout
    set_timeout(2)
    for k in _train(2):
        if k == 0 and rank() == 1:
            time.sleep(20)


if __name__ == "__main__":
    globals()[sys.argv[1]]()
