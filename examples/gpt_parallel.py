"""examples/gpt.py's GPT trained on several processes: --tp, --dp, --pp of char_gpt.py.

    mpiexec -n 2 python examples/char_gpt.py --quick --tp 2          # heads split over 2
    mpiexec -n 4 python examples/char_gpt.py --quick --dp 2 --tp 2   # 2 replicas x 2
    mpiexec -n 2 python examples/char_gpt.py --quick --pp 2          # blocks over 2 (1F1B)

The processes form a (pp, dp, tp) mesh (``nn.parallel.init_device_mesh``): tensor
parallel splits every attention and MLP over the "tp" ranks
(``parallelize_transformer``), and the vocabulary too: the token embedding by rows
(``VocabParallelEmbedding``, any vocabulary size), the tied head giving each rank the
logits of its own words and the loss computed from those parts
(``vocab_parallel_cross_entropy``); the pipeline puts [embeddings, block 0, ..., block n-1,
final LayerNorm + head] on the "pp" ranks in consecutive groups and runs 1F1B over
--chunks micro-batches; data parallel gives each "dp" replica its slice of every batch
(``DistributedDataParallel`` without a pipeline; with one, the gradients are averaged
after the pipeline's step). The head's weight is the token embedding's (tied): with a
pipeline they live on the first and the last stage, whose gradients are summed so the
two copies stay equal. Gradient clipping uses the norm of the whole model's gradient
(each split weight counted once). Every rank draws the same batches as one process
would, so with dropout 0 the losses are those of ``python examples/char_gpt.py``, up
to float32 rounding; with --tp alone, with dropout too (the ranks draw one process's
masks, ``nn.parallel.rng``).
"""
import math
import os

import numpy as np

import autograd as ag
import nn
import nn.functional as F
from nn.parallel import (ColumnParallelLinear, DistributedDataParallel, Pipeline,
                         RowParallelLinear, VocabParallelEmbedding, init_device_mesh,
                         parallelize_transformer, vocab_parallel_cross_entropy,
                         vocab_parallel_head)
from nn.parallel.comm import allgather_object, allreduce_sum, broadcast_object_on, mpi


def _sum(value, comm, what):
    """The sum of the float `value` over `comm` (through the watchdog: a rank that
    ends or fails while the others wait here ends the job, never hangs it)."""
    return float(allreduce_sum(np.array([value], np.float64), comm, what)[0])


class Embed(nn.Module):
    """The first pipeline stage: token + position embeddings (the GPT's own modules)."""

    def __init__(self, gpt):
        super().__init__()
        self.wte, self.wpe, self.drop = gpt.transformer.wte, gpt.transformer.wpe, \
            gpt.transformer.drop

    def forward(self, idx):
        pos = ag.tensor(np.arange(idx.shape[1], dtype=np.int64))
        return self.drop(self.wte(idx) + self.wpe(pos))


class Head(nn.Module):
    """The last pipeline stage: final LayerNorm and the output head."""

    def __init__(self, gpt):
        super().__init__()
        self.ln_f, self.lm_head = gpt.transformer.ln_f, gpt.lm_head

    def forward(self, x):
        return self.lm_head(self.ln_f(x))


def lm_loss(logits, targets, comm=None):
    """GPT's mean cross-entropy of logits (B, T, V) against targets (B, T) (-1: ignored);
    with `comm`, from each rank's slice of the vocabulary (B, T, V/p)."""
    flat, t = logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
    if comm is None:
        return F.cross_entropy(flat, t, ignore_index=-1)
    return vocab_parallel_cross_entropy(flat, t, comm, ignore_index=-1)


class ParallelGPT:
    """`gpt` (the same weights on every rank) split over a (pp, dp, tp) mesh."""

    def __init__(self, gpt, tp=1, dp=1, pp=1, chunks=4):
        world = mpi().COMM_WORLD
        if tp * dp * pp != world.Get_size():
            raise SystemExit(f"--tp {tp} x --dp {dp} x --pp {pp} = {tp * dp * pp} processes, "
                             f"but mpiexec started {world.Get_size()}")
        self.mesh = mesh = init_device_mesh("cpu", (pp, dp, tp), ("pp", "dp", "tp"))
        self.gpt, self.tp, self.dp, self.pp = gpt, tp, dp, pp
        self.rank = world.Get_rank()
        self.pp_rank, self.dp_rank, self.tp_rank = mesh.coordinate
        self.vocab_comm = None
        if tp > 1:
            parallelize_transformer(gpt, mesh["tp"])
            self.vocab_comm = mesh["tp"]
            wte = VocabParallelEmbedding.from_embedding(gpt.transformer.wte, mesh["tp"])
            gpt.transformer.wte = wte
            gpt.lm_head = vocab_parallel_head(wte)
        self.pipe = self.ddp = self.tied = None
        stages = [Embed(gpt), *gpt.transformer.h, Head(gpt)]
        self.net = nn.Sequential(*stages)
        if pp > 1:
            self.pipe = Pipeline(stages, chunks=chunks, comm=mesh["pp"], schedule="1f1b",
                                 loss_fn=self.lm_loss,      # a mean over targets != -1:
                                 loss_weight=lambda t: (t.data != -1).sum())
            self.params = list(self.pipe.parameters())
            ends = self.pipe.is_first or self.pipe.is_last
            self.tied = mesh["pp"].Split(0 if ends else mpi().UNDEFINED, self.pp_rank)
        else:
            self.params = list(gpt.parameters())
            if dp > 1:
                self.ddp = DistributedDataParallel(self.net, comm=mesh["dp"])
        split = {id(p) for m in gpt.modules()
                 for p in ((m.weight, m.bias) if isinstance(m, ColumnParallelLinear) else
                           (m.weight,) if isinstance(m, (RowParallelLinear,
                                                         VocabParallelEmbedding)) else ())
                 if p is not None}
        wte = gpt.transformer.wte.weight
        # (param, counted in the norm on this rank): a split weight on every tp rank, a
        # whole one on tp rank 0 only, the tied embedding on the first stage only
        self._norm_terms = [(p, (id(p) in split or self.tp_rank == 0)
                             and (p is not wte or self.pp_rank == 0)) for p in self.params]

    def optimizer(self, weight_decay, lr, betas=(0.9, 0.95), eps=1e-8):
        """AdamW over this rank's parameters, decay on the 2-d ones (GPT's groups)."""
        decay = [p for p in self.params if p.ndim >= 2]
        no_decay = [p for p in self.params if p.ndim < 2]
        groups = [g for g in ({"params": decay, "weight_decay": weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}) if g["params"]]
        return nn.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)

    def lm_loss(self, logits, targets):
        return lm_loss(logits, targets, self.vocab_comm)

    def _my_part(self, t):
        b = t.shape[0] // self.dp
        return t[self.dp_rank * b:(self.dp_rank + 1) * b]

    def train_step(self, x, y):
        """Forward and backward of the batch (x, y) (the whole batch, on every rank);
        returns the batch's mean loss (a float, on every rank)."""
        x, y = self._my_part(x), self._my_part(y)
        if self.pipe is None:
            loss = self.lm_loss((self.ddp or self.net)(x), y)
            loss.backward()
            value = loss.item()
        else:
            loss = self.pipe.step(x, y)
            self._sum_tied_gradient()
            if self.dp > 1:
                for p in self.params:
                    if p.grad is not None:
                        allreduce_sum(p.grad.data, self.mesh["dp"], "gradient average")
                        p.grad.data /= self.dp
            value = broadcast_object_on(loss.item() if self.pipe.is_last else None,
                                        self.mesh["pp"], "the loss", root=self.pp - 1)
        return _sum(value, self.mesh["dp"], "the replicas' losses") / self.dp

    def _sum_tied_gradient(self):
        if self.tied is None or self.tied == mpi().COMM_NULL:
            return
        g = self.gpt.transformer.wte.weight.grad
        if g is None:
            g = self.gpt.transformer.wte.weight.grad = ag.zeros_like(
                self.gpt.transformer.wte.weight)
        allreduce_sum(g.data, self.tied, "the tied embedding's gradient")

    def clip_grad_norm_(self, max_norm):
        """Scale every gradient by min(1, max_norm / total norm), the total over the
        whole model; returns the total norm."""
        local = sum(float((p.grad.data.astype(np.float64) ** 2).sum())
                    for p, counted in self._norm_terms if counted and p.grad is not None)
        total = math.sqrt(_sum(local, mpi().COMM_WORLD, "the gradient norm") / self.dp)
        scale = max_norm / (total + 1e-6)
        if scale < 1:
            for p in self.params:
                if p.grad is not None:
                    p.grad.data *= scale
        return total

    @ag.no_grad()
    def loss(self, x, y):
        """The mean loss of (x, y) without gradients (every rank computes it all)."""
        self.gpt.eval()
        try:
            if self.pipe is None:
                return self.lm_loss(self.net(x), y).item()
            out = self.pipe(x)
            self.pipe.synchronize()
            value = self.lm_loss(out, y).item() if self.pipe.is_last else None
            return broadcast_object_on(value, self.mesh["pp"], "the loss", root=self.pp - 1)
        finally:
            self.gpt.train()

    def state_dict(self):
        """The unsplit GPT's state dict (call on every rank): whole weights gathered
        over "tp", every stage's entries gathered over "pp"."""
        full = self.gpt.state_dict()
        if self.pipe is None:
            return full
        mine = {id(p) for p in self.params}
        local = {k: v.data for k, v in full.items()
                 if id(self.gpt.get_parameter(k)) in mine}
        merged = {}
        for part in allgather_object(local, self.mesh["pp"], "the stages' weights"):
            merged.update(part)
        return {k: ag.tensor(merged[k]) for k in full}


def shard_path(out, rank, world):
    """This rank's checkpoint file: each rank saves and resumes its own shard."""
    return os.path.join(out, f"ckpt-rank{rank}-of-{world}.gg")


def save_shard(path, step, par, opt, sched, rng, config, data):
    """This rank's part of the training state: its parameters as it holds them (split
    ones split), its optimizer, the schedule, the batch stream and its dropout stream.
    Every rank writes its own file (no collective)."""
    nn.save({"step": step, "layout": [par.pp, par.dp, par.tp, par.rank],
             "config": vars(config).copy(), "vocab": data.vocab,
             "model": {k: p.data for k, p in par.gpt.named_parameters()},
             "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
             "batch_rng": rng.bit_generator.state,
             "rng": ag.default_generator().bit_generator.state}, path)


def load_shard(path, par, opt, sched, rng, config, data):
    """Resume this rank from its shard; returns the step. Every rank checks that all
    of them found a shard of this layout at the same step (one allgather), so a
    missing or stale file is an error on every rank, not a hang or a silent mix."""
    problem, state = None, None
    layout = [par.pp, par.dp, par.tp, par.rank]
    if not os.path.exists(path):
        problem = f"no checkpoint at {path}"
    else:
        state = nn.load(path)
        if state["config"] != vars(config) or state["vocab"] != data.vocab:
            problem = f"{path} holds a model of another configuration or vocabulary"
        elif state["layout"] != layout:
            problem = (f"{path} was written by rank {state['layout'][3]} of pp x dp x tp = "
                       f"{' x '.join(map(str, state['layout'][:3]))}, not rank {par.rank} of "
                       f"{par.pp} x {par.dp} x {par.tp}")
    found = allgather_object((problem, None if state is None else state["step"]),
                             mpi().COMM_WORLD, "--resume: every rank's checkpoint")
    problems = [f"rank {r}: {p}" for r, (p, _) in enumerate(found) if p]
    steps = {s for _, s in found}
    if not problems and len(steps) > 1:
        problems = [f"the ranks' checkpoints are of different steps ({sorted(steps)}); "
                    f"an interrupted save? resume from an earlier copy"]
    if problems:
        raise SystemExit("--resume: " + "; ".join(problems))
    with ag.no_grad():
        for k, p in par.gpt.named_parameters():
            p.data[...] = state["model"][k]
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    rng.bit_generator.state = state["batch_rng"]
    ag.default_generator().bit_generator.state = state["rng"]
    return state["step"]


def train(args, data, config):
    """The training loop of char_gpt.py on several processes; rank 0 prints. Every
    --eval-interval steps (and at --stop-after) each rank saves its shard of the
    training state; --resume continues from the shards, exactly (same layout)."""
    from gpt import GPT
    from nn.optim.lr_scheduler import LambdaLR
    import char_gpt

    ag.manual_seed(args.seed)
    par = ParallelGPT(GPT(config), args.tp, args.dp, args.pp, args.chunks)
    if args.dp > 1 or args.pp > 1:
        # dropout: a stream of its own per replica and per pipeline stage (stages seeded
        # alike would drop the same units in different blocks), the same one on the
        # ranks of a tensor-parallel group (nn.parallel.rng: their masks are one
        # process's). With --tp alone, no reseeding: the masks are char_gpt.py's own.
        ag.manual_seed(args.seed + 1000 * (par.pp_rank * args.dp + par.dp_rank) + 1)
    if args.batch_size % args.dp:
        raise SystemExit(f"--batch-size {args.batch_size} must be divisible by --dp {args.dp}")
    opt = par.optimizer(args.weight_decay, args.lr)
    sched = LambdaLR(opt, lambda s: char_gpt.lr_factor(s, args.warmup, args.iters,
                                                       args.min_lr_ratio))
    rng = np.random.default_rng(args.seed)
    def log(message):
        if par.rank == 0:
            print(message, flush=True)

    world = args.tp * args.dp * args.pp
    path = shard_path(args.out, par.rank, world)
    start = 0
    if args.resume:
        start = load_shard(path, par, opt, sched, rng, config, data)
        log(f"resumed from {shard_path(args.out, '{r}', world)} at step {start}")
    log(f"parallel: {world} processes = pp {args.pp} x dp {args.dp} x tp {args.tp}")
    stop = args.iters if args.stop_after is None else min(args.iters, start + args.stop_after)
    val = float("nan")
    for step in range(start, stop):
        x, y = data.batch("train", args.batch_size, args.block_size, rng)
        opt.zero_grad()
        loss = par.train_step(x, y)
        if args.grad_clip:
            par.clip_grad_norm_(args.grad_clip)
        opt.step()
        sched.step()
        if (step + 1) % args.log_interval == 0 or step == start:
            log(f"step {step + 1:5d}/{args.iters}  loss {loss:.4f}  "
                f"lr {sched.get_last_lr()[0]:.2e}")
        if (step + 1) % args.eval_interval == 0 or step + 1 == stop:
            erng = np.random.default_rng(12345)
            val = np.mean([par.loss(*data.batch("val", args.batch_size, args.block_size, erng))
                           for _ in range(args.eval_iters)])
            log(f"step {step + 1:5d}  val loss {val:.4f}")
            save_shard(path, step + 1, par, opt, sched, rng, config, data)
    state = par.state_dict()
    if par.rank == 0:
        whole = os.path.join(args.out, "model-parallel.gg")
        nn.save(state, whole)
        log(f"final: val loss {val:.4f} (unigram baseline {data.unigram_loss():.4f}); "
            f"the unsplit model's weights in {whole}; each rank's training state in "
            f"{shard_path(args.out, '{r}', world)}")
    return {"val": float(val)}


if __name__ == "__main__":
    # this module holds the parallel training; its options (--tp, --dp, --pp, ...) are
    # char_gpt.py's, which calls it
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import char_gpt
    char_gpt.main()
