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


def exit_before_mesh():
    """Rank 1 calls sys.exit() before the DeviceMesh that rank 0 builds (its
    communicators are made by blocking MPI calls)."""
    from nn.parallel import init_device_mesh
    if rank() == 1:
        sys.exit(0)
    init_device_mesh("cpu", (1, 2), ("dp", "tp"))


def mesh_mismatch():
    """The ranks build meshes of different shapes."""
    from nn.parallel import init_device_mesh
    init_device_mesh("cpu", (1, 2) if rank() == 0 else (2, 1), ("dp", "tp"))


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


def _tp_gpt():
    import os
    from nn.parallel import parallelize_transformer
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    from examples.gpt import GPT, GPTConfig
    ag.manual_seed(0)
    gpt = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=4, n_embd=8))
    rng = np.random.default_rng(0)
    return (parallelize_transformer(gpt), ag.tensor(rng.integers(0, 11, (3, 3, 6))),
            ag.tensor(rng.integers(0, 11, (3, 3, 6))))


def tp_raise():
    """Tensor parallel: rank 1 raises in block 1's MLP at step 1, while rank 0 goes on
    into that MLP's allreduce."""
    gpt, xs, ys = _tp_gpt()

    def fail(module, args):
        if step[0] == 1 and rank() == 1:
            raise RuntimeError("injected failure on rank 1 in block 1's MLP at step 1")
    step = [0]
    gpt.transformer.h[1].mlp.register_forward_pre_hook(fail)
    for k in range(3):
        step[0] = k
        gpt(xs[k], ys[k])[1].backward()


def tp_exit_in_backward():
    """Tensor parallel: rank 1 calls sys.exit() inside backward (a gradient hook on
    block 1's input), while rank 0 goes on into the backward allreduces."""
    gpt, xs, ys = _tp_gpt()

    def leave(grad):
        if rank() == 1:
            sys.exit(0)

    def watch(module, args, out):
        out.register_hook(leave)
    gpt.transformer.h[1].register_forward_hook(watch)
    gpt(xs[0], ys[0])[1].backward()


def pipeline_1f1b_raise():
    """1F1B: the last stage raises in the loss of micro-batch 2, while rank 0 waits for
    the gradient of micro-batch 1 or sends the next activation."""
    calls = [0]

    def loss_fn(out, target):
        calls[0] += 1
        if calls[0] == 3:
            raise ValueError("injected failure in the loss of micro-batch 2")
        return F.cross_entropy(out, target)
    pipe = Pipeline([nn.Linear(8, 16), nn.Sequential(nn.Tanh(), nn.Linear(16, 3))], chunks=4,
                    schedule="1f1b", loss_fn=loss_fn)
    xs, ys = data(batch=8)
    for k in range(2):
        pipe.step(xs[k], ys[k])


def pipeline_1f1b_exit():
    """1F1B: rank 0 calls sys.exit() after its first step, while the last stage waits
    for the next step's activations."""
    pipe = Pipeline([nn.Linear(8, 16), nn.Sequential(nn.Tanh(), nn.Linear(16, 3))], chunks=4,
                    schedule="1f1b", loss_fn=F.cross_entropy)
    xs, ys = data(batch=8)
    for k in range(3):
        if k == 1 and rank() == 0:
            sys.exit(0)
        pipe.step(xs[k], ys[k])


if __name__ == "__main__":
    globals()[sys.argv[1]]()
