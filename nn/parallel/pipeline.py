"""Pipeline (model) parallelism: consecutive stages on consecutive ranks, GPipe schedule."""
import functools
import operator
from collections import OrderedDict

import numpy as np

from autograd import cat, chunk, is_grad_enabled
from autograd.errors import ArgumentError, ShapeError

from ..containers import Sequential
from ..module import Module
from .comm import check_same, get_comm
from .ops import recv, release_done, send, wait_all


def partition(n_stages, n_ranks):
    """[start, stop) stage ranges of each rank: consecutive, sizes differing by <= 1."""
    if n_stages < n_ranks:
        raise ArgumentError(f"Pipeline: {n_stages} stages cannot be spread over {n_ranks} ranks; "
                         f"give at least one stage per rank (or run on fewer ranks)")
    bounds = np.linspace(0, n_stages, n_ranks + 1).round().astype(int)
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))


class Pipeline(Module):
    """Run `stages` (a list of modules, or a ``Sequential``) as a pipeline over the
    ranks of `comm`: rank r holds the r-th consecutive group of stages and only their
    parameters (``pipe.parameters()`` is the local share: give it to the optimizer),
    as ``pipe.stages``, named by their index in the whole model (``stages.2.weight``).

    ``pipe(x)`` splits the batch `x` (read on rank 0, ignored elsewhere) into
    `chunks` micro-batches and runs a GPipe schedule: each rank computes micro-batch
    k as soon as it arrives and sends its activation on without waiting; backward runs
    micro-batches in reverse. On the last rank it returns the output of the whole
    batch (the micro-batch outputs concatenated); on the others, a 0-d *token* that
    stands for what was sent. Every rank calls ``backward()`` on what it has: the last
    rank on its loss, the others on their token, which blocks until the next rank's
    gradients arrive::

        out = pipe(x)
        loss = F.cross_entropy(out, y) if pipe.is_last else out
        loss.backward()
        opt.step()

    Send and receive are nodes of the autograd graph (``nn.parallel.ops``), so the
    gradients equal those of the unsplit model. Tags are micro-batch indices: do not
    use `comm` for other point-to-point traffic meanwhile (pass ``comm.Dup()``).

    ``pipe.step(x, target)`` runs forward and backward of a whole batch with
    `loss_fn` (``loss_fn(output, target)``, a mean over the micro-batch) and the
    `schedule`: ``"gpipe"`` (every forward, then every backward) or ``"1f1b"`` (after
    a warm-up of ``world_size - rank - 1`` forwards, one forward then one backward:
    rank r keeps the activations of at most ``world_size - r`` micro-batches instead
    of all `chunks`). Gradients accumulate into ``.grad`` as for the whole batch's
    mean loss; it returns that loss (a 0-d Tensor without graph) on the last rank,
    None elsewhere. `x` is read on rank 0, `target` on the last rank. Micro-batch k's
    loss counts in that mean with weight ``loss_weight(target_k)``, by default its
    number of samples; a loss that averages over a count of its own must say so, else
    the mean is wrong: cross-entropy with ignore_index -100 averages over the targets
    that are not -100, so ``loss_weight=lambda t: (t.data != -100).sum()``::

        pipe = Pipeline(stages, chunks=8, schedule="1f1b", loss_fn=F.cross_entropy)
        opt.zero_grad()
        loss = pipe.step(x, y)
        opt.step()"""

    def __init__(self, stages, chunks=1, comm=None, schedule="gpipe", loss_fn=None,
                 loss_weight=None):
        super().__init__()
        self.comm = get_comm(comm)
        stages = list(stages)
        if chunks < 1:
            raise ArgumentError(f"Pipeline: chunks must be >= 1, got {chunks}")
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        check_same(self.comm, [len(stages)], "Pipeline: the number of stages")
        start, stop = partition(len(stages), self.size)[self.rank]
        # named by their index in the whole model: parameters are "stages.2.weight"
        self.stages = Sequential(OrderedDict((str(i), stages[i]) for i in range(start, stop)))
        self.stage_range = (start, stop)
        self.chunks = chunks
        if schedule not in ("gpipe", "1f1b"):
            raise ArgumentError(f"Pipeline: schedule must be 'gpipe' or '1f1b', got "
                                f"{schedule!r}")
        self.schedule, self.loss_fn, self.loss_weight = schedule, loss_fn, loss_weight
        self.is_first = self.rank == 0
        self.is_last = self.rank == self.size - 1
        self._pending = []                 # (request, buffer) of sends in flight

    def forward(self, x=None):
        wait_all(self._pending)            # the previous step's sends
        comm, r, pending = self.comm, self.rank, self._pending
        if self.is_first:
            if x is None:
                raise ArgumentError("Pipeline: rank 0 needs the input batch")
            micro = chunk(x, self.chunks, dim=0)
            n = len(micro)
        outs, tokens, k = [], [], 0
        while k == 0 or k < n:
            if self.is_first:
                h = micro[k]
            else:
                h, n = recv(comm, r - 1, k, pending)
            y = self._run_stage(h)
            if self.is_last:
                outs.append(y)
            else:
                tokens.append(send(y, comm, r + 1, k, extra=n, pending=pending))
            k += 1
        if self.is_last:
            return outs[0] if len(outs) == 1 else cat(outs, 0)
        token = functools.reduce(operator.add, tokens)
        if not token.requires_grad and is_grad_enabled():
            # nothing here needs a gradient (no parameters before this point): a leaf
            # token, so that backward() on it is a no-op as on the other ranks
            token = token.detach().requires_grad_()
        return token

    def step(self, x=None, target=None):
        """Forward and backward of the batch `x` with `loss_fn` and the schedule (see
        the class doc); returns the batch's mean loss on the last rank, else None."""
        if self.loss_fn is None:
            raise ArgumentError("Pipeline.step needs a loss_fn: Pipeline(..., loss_fn=...)")
        if self.is_first and x is None:
            raise ArgumentError("Pipeline.step: rank 0 needs the input batch")
        if self.is_last and target is None:
            raise ArgumentError(f"Pipeline.step: the last rank ({self.rank}) needs the target")
        wait_all(self._pending)
        run = _Run(self, x, target)
        run.forward(0)
        n, warmup = run.n, min(self.size - self.rank - 1, run.n)
        if self.schedule == "gpipe":
            order = ["F"] * n + ["B"] * n
        else:
            order = ["F"] * warmup + ["F", "B"] * (n - warmup) + ["B"] * warmup
        for op in order[1:]:                  # the first forward is done
            run.forward(run.next_f) if op == "F" else run.backward(run.next_b)
            release_done(self._pending)       # sent activations need not stay alive
        return run.loss()

    def _run_stage(self, h):
        try:
            return self.stages(h)
        except ShapeError as e:
            if self.is_first:
                raise
            raise ShapeError(f"Pipeline: the stages on rank {self.rank} cannot take the "
                             f"activation of shape {h.shape} ({h.dtype}) received from rank "
                             f"{self.rank - 1}: {e}") from e

    def synchronize(self):
        """Wait for this rank's sends in flight (done by the next call anyway)."""
        wait_all(self._pending)

    def extra_repr(self):
        return (f"rank={self.rank}/{self.size}, stages={self.stage_range[0]}..."
                f"{self.stage_range[1] - 1}, chunks={self.chunks}")


class _Run:
    """The micro-batches of one ``Pipeline.step`` on this rank: forward(k) keeps what
    backward(k) needs (the last rank's loss, or the token of what was sent), and
    backward(k) drops it, so the activations held are those of the micro-batches
    between them."""

    def __init__(self, pipe, x, target):
        self.pipe = pipe
        self.micro = chunk(x, pipe.chunks, dim=0) if pipe.is_first else None
        self.targets = chunk(target, pipe.chunks, dim=0) if pipe.is_last else None
        self.weights = None
        if pipe.is_last:
            weigh = pipe.loss_weight or (lambda t: t.shape[0])
            weights = [float(weigh(t)) for t in self.targets]
            total = sum(weights)
            # all weights 0 (every target ignored): NaN, as the unsplit mean would be
            self.weights = [w / total if total else float("nan") for w in weights]
        self.n = len(self.micro) if pipe.is_first else None
        self.held = {}                    # micro-batch -> loss or token awaiting backward
        self.next_f = self.next_b = 0
        self.losses = []

    def forward(self, k):
        pipe = self.pipe
        if pipe.is_first:
            h = self.micro[k]
        else:
            h, self.n = recv(pipe.comm, pipe.rank - 1, k, pipe._pending)
        y = pipe._run_stage(h)
        if pipe.is_last:
            if self.weights[k] == 0:      # nothing counted here (its mean is NaN):
                loss = (y * 0.0).sum()        # a zero loss, whose backward still runs
            else:
                loss = pipe.loss_fn(y, self.targets[k]) * self.weights[k]
            self.losses.append(loss.detach())
            self.held[k] = loss
        else:
            self.held[k] = send(y, pipe.comm, pipe.rank + 1, k, extra=self.n,
                                pending=pipe._pending)
        self.next_f = k + 1

    def backward(self, k):
        out = self.held.pop(k)
        if out.requires_grad:             # else nothing before here needs a gradient
            out.backward()
        self.next_b = k + 1

    def loss(self):
        if not self.pipe.is_last:
            return None
        return functools.reduce(operator.add, self.losses)
