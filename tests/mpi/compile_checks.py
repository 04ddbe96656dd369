"""ag.compile of steps that communicate, on 2 MPI ranks: a replay would not communicate
(its numpy calls would reuse what the trace received), so such a step runs eagerly with
one warning naming the operation; eager and compiled runs agree bit for bit on every
rank. Run by tests/test_compile_reads.py under mpiexec -n 2."""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import autograd as ag  # noqa: E402
from nn import optim  # noqa: E402
from nn.parallel import (ColumnParallelLinear, RowParallelLinear,  # noqa: E402
                         VocabParallelEmbedding, vocab_parallel_cross_entropy,
                         vocab_parallel_head)
from compile_twins import assert_same_runs, run, watched  # noqa: E402
from parallel_checks import main  # noqa: E402

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def _data(rank_free_seed, n, vocab):
    rng = np.random.default_rng(rank_free_seed)
    return rng.integers(0, vocab, n), rng.integers(0, vocab, n)


@check
def vocab_parallel_loss_with_ignored_targets(comm):
    """The max of the logits and the sums over ranks were the trace's on every replay
    (a wrong loss on each rank, silently); ignored targets at some steps."""
    v, c, n = 11, 6, 8

    def build():
        emb = VocabParallelEmbedding(v, c, comm)
        head = vocab_parallel_head(emb, comm)
        opt = optim.Adam(emb.parameters(), lr=1e-2)

        def step(idx, target):
            opt.zero_grad()
            loss = vocab_parallel_cross_entropy(head(emb(idx).tanh()), target, comm,
                                                ignore_index=-1)
            loss.backward()
            opt.step()
            return loss
        return step, watched(emb, opt)

    def args(i, env):
        idx, target = _data(i, n, v)
        if i % 3 == 1:
            target[: i % 4 + 1] = -1
        return ag.tensor(idx), ag.tensor(target)
    eager, compiled = run(build, False, 7, args), run(build, True, 7, args)
    assert_same_runs(eager, compiled, warns="MPI communication inside the step")


@check
def tensor_parallel_mlp(comm):
    def build():
        ag.manual_seed(1)
        up, down = ColumnParallelLinear(6, 8, comm=comm), RowParallelLinear(8, 6, comm=comm)
        opt = optim.SGD(list(up.parameters()) + list(down.parameters()), lr=0.1,
                        momentum=0.9)

        def step(x):
            opt.zero_grad()
            loss = (down(up(x).tanh()) ** 2).mean()
            loss.backward()
            opt.step()
            return loss
        return step, watched(up, down, opt)

    def args(i, env):
        return (ag.tensor(np.random.default_rng(i).standard_normal((4, 6))),)
    eager, compiled = run(build, False, 6, args), run(build, True, 6, args)
    assert_same_runs(eager, compiled, warns="MPI communication inside the step")


if __name__ == "__main__":
    main(CHECKS)
