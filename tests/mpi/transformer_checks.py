"""Tensor-parallel transformer checks, run on 2 and on 4 MPI ranks by
tests/test_parallel_transformer.py (harness: parallel_checks.main).

The model is examples/gpt.py's GPT in a small configuration, float64; references are the same model trained in one process on every rank.
"""
import json
import math
import os
import sys
import tempfile

import numpy as np
from mpi4py import MPI

import autograd as ag
import nn
import nn.functional as F
from nn.parallel import (DistributedDataParallel, Pipeline, ZeroRedundancyOptimizer,
                         get_optimizer_state_dict, init_device_mesh,
                         parallelize_transformer, set_optimizer_state_dict,
                         VocabParallelEmbedding, vocab_parallel_cross_entropy,
                         vocab_parallel_head)
from parallel_checks import CountingComm, assert_close, main

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from examples.gpt import GPT, GPTConfig  # noqa: E402

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


class TinyGPT(nn.Module):
    """examples/gpt.py's GPT (a small configuration), called as (idx, targets) -> loss."""

    def __init__(self, vocab=11, block=8, c=8, h=4, layers=2, dropout=0.0):
        super().__init__()
        self.gpt = GPT(GPTConfig(vocab_size=vocab, block_size=block, n_layer=layers,
                                 n_head=h, n_embd=c, dropout=dropout))

    def forward(self, idx, targets):
        return self.gpt(idx, targets)[1]


def gpt(seed, dropout=0.0):
    ag.manual_seed(seed)
    model = TinyGPT(dropout=dropout)
    with ag.no_grad():                       # larger weights than the default init, so
        for p in model.parameters():         # that every path carries signal
            p.data[...] = np.random.default_rng(seed + p.data.size).normal(
                0, 1 / math.sqrt(p.shape[-1]), p.shape)
    return model


def tokens(steps, batch=3, t=6, vocab=11, seed=0):
    rng = np.random.default_rng(seed)
    return (ag.tensor(rng.integers(0, vocab, (steps, batch, t))),
            ag.tensor(rng.integers(0, vocab, (steps, batch, t))))


def full_state(model):
    return {k: v.data.copy() for k, v in model.state_dict().items()}


def compare_states(actual, expected, what):
    assert sorted(actual) == sorted(expected), f"{what}: keys differ"
    for k in expected:
        assert_close(actual[k], expected[k], f"{what}: {k}")


def train(model, opt, xs, ys, steps):
    losses = []
    for k in range(steps):
        opt.zero_grad()
        loss = model(xs[k], ys[k])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


@check
def tp_gpt_matches_single_process(comm):
    """AdamW steps of the tensor-parallel GPT equal one process's (losses and every
    weight, gathered by state_dict); two allreduces per block in forward, two in
    backward, nothing else."""
    counting = CountingComm(comm)
    tp = parallelize_transformer(gpt(1), counting)
    ref = gpt(1)
    n_tp = sum(p.data.size for p in tp.parameters())
    n_ref = sum(p.data.size for p in ref.parameters())
    assert n_tp < n_ref or comm.Get_size() == 1, "the blocks were not split"
    compare_states(full_state(tp), full_state(ref), "after splitting")
    xs, ys = tokens(3)
    before = counting.calls["Iallreduce"]
    loss = tp(xs[0], ys[0])
    forward_calls = counting.calls["Iallreduce"] - before
    loss.backward()
    backward_calls = counting.calls["Iallreduce"] - before - forward_calls
    assert (forward_calls, backward_calls) == (4, 4), \
        f"{forward_calls} allreduces in forward, {backward_calls} in backward (expected 4, 4)"
    if comm.Get_size() > 1:
        import viz
        labels = sorted(n.comm for n in viz.walk(loss).nodes if n.comm)
        nbytes = 3 * 6 * 8 * 8                 # (B, T, C) float64 at each sub-block
        assert labels == [f"allreduce over {comm.Get_size()} ranks · {nbytes / 1024:.1f} KB"] * 4 \
            + [f"backward: allreduce over {comm.Get_size()} ranks · {nbytes / 1024:.1f} KB"] * 4, \
            labels
    tp.zero_grad()
    # eps=1e-6: the key bias's gradient is 0 in exact arithmetic (softmax ignores a
    # shift common to all keys); Adam divides its rounding noise (~1e-18) by eps,
    # which at the default 1e-8 alone moves it by ~1e-12 in either run.
    opt = nn.optim.AdamW(tp.parameters(), lr=0.01, eps=1e-6)
    ref_opt = nn.optim.AdamW(ref.parameters(), lr=0.01, eps=1e-6)
    losses, ref_losses = train(tp, opt, xs, ys, 3), train(ref, ref_opt, xs, ys, 3)
    assert_close(losses, ref_losses, "losses")
    compare_states(full_state(tp), full_state(ref), "after 3 AdamW steps")


@check
def tp_dropout_matches_single_process(comm):
    """With dropout (embeddings, attention weights, residual branches) the
    tensor-parallel GPT draws the masks of one process with the same seed: 3 AdamW
    steps equal the one-process run; the residual stream, held whole by every rank,
    is bit-identical across the ranks after 12 steps; ranks seeded apart are an
    ArgumentError at the first forward, not a silent drift."""
    import autograd.errors
    kw = dict(lr=0.01, eps=1e-6)
    xs, ys = tokens(12, seed=5)
    ref = gpt(12, dropout=0.3)
    tp = parallelize_transformer(gpt(12, dropout=0.3), comm)
    ag.manual_seed(40)
    expected = train(ref, nn.optim.AdamW(ref.parameters(), **kw), xs, ys, 3)
    ag.manual_seed(40)
    opt = nn.optim.AdamW(tp.parameters(), **kw)
    assert_close(train(tp, opt, xs, ys, 3), expected, "losses with dropout")
    compare_states(full_state(tp), full_state(ref), "weights after 3 steps with dropout")
    train(tp, opt, xs[3:], ys[3:], 9)
    stream = []
    handle = tp.gpt.transformer.h[1].register_forward_hook(
        lambda m, args, out: stream.append(out.data.copy()))
    tp(xs[0], ys[0])
    handle.remove()
    whole = [stream[0], tp.gpt.transformer.wte.weight.data]       # replicated, both
    for r, other in enumerate(comm.allgather(whole)):
        assert all(np.array_equal(a, b) for a, b in zip(other, whole)), \
            f"the replicated residual stream or embedding of rank {r} differs from this " \
            f"rank's after 12 steps"
    fresh = parallelize_transformer(gpt(13, dropout=0.3), comm)
    ag.manual_seed(41 + comm.Get_rank())
    try:
        fresh(xs[0], ys[0])
    except autograd.errors.ArgumentError as e:
        assert "differs from rank 0's" in str(e), e
    else:
        raise AssertionError("ranks seeded apart trained without an error")


@check
def tp_ranks_fed_different_batches_is_an_error(comm):
    """Each rank of a tensor-parallel group given its own batch (the data split over
    every process) is an ArgumentError at the first forward, on every rank, naming
    the ranks; the same batch everywhere trains."""
    import autograd.errors
    xs, ys = tokens(2, seed=16)
    model = parallelize_transformer(gpt(17), comm)
    model(xs[0], ys[0])
    fresh = parallelize_transformer(gpt(17), comm)
    k = comm.Get_rank() % 2
    try:
        fresh(xs[k], ys[k])
    except autograd.errors.ArgumentError as e:
        assert "ColumnParallelLinear: the first input" in str(e) and "differs on rank(s) 1" \
            in str(e), e
    else:
        raise AssertionError("ranks with different batches trained without an error")


@check
def tp_checkpoint_moves_between_world_sizes(comm):
    """Model and AdamW state written by the tensor-parallel GPT on all ranks (whole
    weights, whole optimizer buffers) resume in one process, on all ranks and on half
    of them; every resumed run equals the uninterrupted one-process run."""
    r, n = comm.Get_rank(), comm.Get_size()
    xs, ys = tokens(4, seed=2)
    kw = dict(lr=0.01, eps=1e-6)
    ref = gpt(3)
    ref_opt = nn.optim.AdamW(ref.parameters(), **kw)
    tp = parallelize_transformer(gpt(3), comm)
    tp_opt = nn.optim.AdamW(tp.parameters(), **kw)
    train(tp, tp_opt, xs, ys, 2)
    train(ref, ref_opt, xs, ys, 2)
    folder = comm.bcast(tempfile.mkdtemp() if r == 0 else None)
    path = os.path.join(folder, "tp.ckpt")
    state = {"model": tp.state_dict(),                       # collectives: every rank
             "optimizer": get_optimizer_state_dict(tp, tp_opt)}
    if r == 0:
        nn.save(state, path)
    comm.Barrier()
    compare_states({k: np.asarray(v) for k, v in nn.load(path)["model"].items()},
                   full_state(ref), f"{n} ranks -> checkpoint")
    expected = train(ref, ref_opt, xs[2:], ys[2:], 2)
    expected_state = full_state(ref)
    half = comm.Split(r * 2 // n)               # two groups of n/2 ranks (1 rank if n=2)
    for sub in (None, comm, half):
        size = 1 if sub is None else sub.Get_size()
        model = gpt(98) if size == 1 else parallelize_transformer(gpt(98), sub)
        opt = nn.optim.AdamW(model.parameters(), **kw)
        saved = nn.load(path)
        model.load_state_dict(saved["model"])
        if size == 1:
            opt.load_state_dict(saved["optimizer"])
        else:
            set_optimizer_state_dict(model, opt, saved["optimizer"])
        resumed = train(model, opt, xs[2:], ys[2:], 2)
        assert_close(resumed, expected, f"{n} ranks -> {size}: losses after resuming")
        compare_states(full_state(model), expected_state, f"{n} ranks -> {size}: weights")
    half.Free()
    comm.Barrier()
    if r == 0:
        os.remove(path)
        os.rmdir(folder)


@check
def zero_matches_single_process(comm):
    """DDP + ZeroRedundancyOptimizer(AdamW) on every rank's shard equals AdamW on the
    whole batch in one process; each rank keeps about 1/N of the state; the state,
    consolidated on rank 0, is the plain optimizer's and resumes on one process and on
    ZeRO over half of the ranks."""
    r, n = comm.Get_rank(), comm.Get_size()
    local = 2
    xs, ys = tokens(4, batch=local * n, seed=4)
    mine = slice(r * local, (r + 1) * local)
    model, ref = gpt(5), gpt(5)
    ddp = DistributedDataParallel(model, comm=comm)
    kw = dict(lr=0.01, eps=1e-6, weight_decay=0.1)
    zero = ZeroRedundancyOptimizer(ddp.parameters(), nn.optim.AdamW, comm=comm, **kw)
    ref_opt = nn.optim.AdamW(ref.parameters(), **kw)
    for k in range(2):
        zero.zero_grad()
        ddp(xs[k][mine], ys[k][mine]).backward()
        zero.step()
    train(ref, ref_opt, xs, ys, 2)
    compare_states(full_state(model), full_state(ref), "after 2 steps")
    sizes = comm.allgather(sum(a.nbytes for s in zero.state.values() for a in s.values()
                               if isinstance(a, np.ndarray)))
    whole = sum(a.nbytes for s in ref_opt.state.values() for a in s.values()
                if isinstance(a, np.ndarray))
    assert sum(sizes) == whole and max(sizes) < whole / n * 1.5 + 1e3, \
        f"state bytes per rank {sizes}, plain optimizer {whole}"
    zero.consolidate_state_dict(to=0)
    saved = comm.bcast(zero.state_dict() if r == 0 else None)
    expected_sd = ref_opt.state_dict()
    assert sorted(saved["state"]) == sorted(expected_sd["state"])
    for i, st in expected_sd["state"].items():
        for key, value in st.items():
            assert_close(np.asarray(saved["state"][i][key]), np.asarray(value),
                         f"consolidated state {i}.{key}")
    checkpoint = {k: v.data.copy() for k, v in model.state_dict().items()}
    expected = train(ref, ref_opt, xs[2:], ys[2:], 2)
    plain = gpt(97)
    plain.load_state_dict(checkpoint)
    plain_opt = nn.optim.AdamW(plain.parameters(), **kw)
    plain_opt.load_state_dict(saved)
    assert_close(train(plain, plain_opt, xs[2:], ys[2:], 2), expected,
                 f"ZeRO on {n} ranks -> plain AdamW: losses after resuming")
    half = comm.Split(r * 2 // n)
    h, hn = half.Get_rank(), half.Get_size()
    model = gpt(96)
    model.load_state_dict(checkpoint)
    ddp = DistributedDataParallel(model, comm=half)
    zero = ZeroRedundancyOptimizer(ddp.parameters(), nn.optim.AdamW, comm=half, **kw)
    zero.load_state_dict(saved)
    part = slice(h * (local * n // hn), (h + 1) * (local * n // hn))
    losses = []
    for k in range(2, 4):
        zero.zero_grad()
        loss = ddp(xs[k][part], ys[k][part])
        loss.backward()
        zero.step()
        losses.append(half.allreduce(loss.item()) / hn)
    assert_close(losses, expected, f"ZeRO on {n} ranks -> ZeRO on {hn}: losses")
    compare_states(full_state(model), full_state(ref), f"ZeRO on {hn} ranks after resuming")
    half.Free()


@check
def dp_tp_mesh_with_no_sync(comm):
    """Data x tensor parallel on a DeviceMesh (2 x 1 and 1 x 2 on 2 ranks, 2 x 2 on 4):
    DDP over the "dp" communicator around the GPT split over "tp", gradients
    accumulated over two micro-batches (the first under no_sync), AdamW: equal to one
    process on the whole batch."""
    n = comm.Get_size()
    for shape in ([(2, 1), (1, 2)] if n == 2 else [(n // 2, 2)]):
        mesh = init_device_mesh("cpu", shape, ("dp", "tp"), comm=comm)
        dp, tp = mesh["dp"], mesh["tp"]
        model = parallelize_transformer(gpt(6), tp) if tp.Get_size() > 1 else gpt(6)
        ddp = DistributedDataParallel(model, comm=dp)
        ref = gpt(6)
        opt = nn.optim.AdamW(ddp.parameters(), lr=0.01, eps=1e-6)
        ref_opt = nn.optim.AdamW(ref.parameters(), lr=0.01, eps=1e-6)
        local, d = 2, dp.Get_rank()
        xs, ys = tokens(4, batch=local * dp.Get_size(), seed=9)
        mine = slice(d * local, (d + 1) * local)
        for step in range(2):
            opt.zero_grad()
            ref_opt.zero_grad()
            for micro in (0, 1):
                k = 2 * step + micro
                if micro == 0:
                    with ddp.no_sync():
                        (ddp(xs[k][mine], ys[k][mine]) / 2).backward()
                else:
                    (ddp(xs[k][mine], ys[k][mine]) / 2).backward()
                (ref(xs[k], ys[k]) / 2).backward()
            opt.step()
            ref_opt.step()
        compare_states(full_state(model), full_state(ref), f"mesh {shape} after 2 steps")
        dp.Free()
        tp.Free()


@check
def vocab_parallel_embedding_head_and_loss(comm):
    """Embedding, tied head and cross-entropy split over the vocabulary give the
    unsplit loss, the gradient of the shared matrix and of the input, over AdamW
    steps; the state dict holds the whole matrix."""
    rng = np.random.default_rng(10)
    v, c, n = 13, 5, 7                   # 13: uneven parts on 2 and on 4 ranks
    full = rng.standard_normal((v, c))
    emb = VocabParallelEmbedding(v, c, comm, weight=full.copy())
    head = vocab_parallel_head(emb)
    ref = nn.Embedding(v, c)
    ref.weight.data[...] = full
    opt = nn.optim.AdamW(emb.parameters(), lr=0.05)
    ref_opt = nn.optim.AdamW(ref.parameters(), lr=0.05)
    for k in range(4):
        idx = ag.tensor(rng.integers(0, v, n))
        target = ag.tensor(rng.integers(0, v, n))
        if k == 1:
            target.data[[0, 3]] = -100                   # ignore_index: left out
        if k == 3:
            target.data[:] = -100           # all left out: NaN loss, zero gradients
        opt.zero_grad()
        h = emb(idx).tanh()
        loss = vocab_parallel_cross_entropy(head(h), target, comm)
        loss.backward()
        ref_opt.zero_grad()
        hr = ref(idx).tanh()
        expected = F.cross_entropy(hr @ ref.weight.transpose(0, 1), target)
        expected.backward()
        if k == 3:
            assert np.isnan(loss.data) and np.isnan(expected.data), (loss, expected)
            assert not emb.full(emb.weight.grad.data).any(), "all ignored: a gradient"
        else:
            assert_close(loss.data, expected.data, f"step {k}: loss")
        assert_close(emb.full(emb.weight.grad.data), ref.weight.grad.data,
                     f"step {k}: gradient of the tied matrix")
        opt.step()
        ref_opt.step()
    assert_close(emb.state_dict()["weight"].data, ref.weight.data, "state_dict after 4 steps")


def full_gradients(model):
    """{name: the whole gradient} of a possibly split model (split ones gathered)."""
    from nn.parallel.checkpoint import _split_parameters
    split = _split_parameters(model)
    return {name: (split[id(p)][0](p.grad.data) if id(p) in split else p.grad.data.copy())
            for name, p in model.named_parameters()}


@check
def tp_gpt_with_vocabulary_split_matches_single_process(comm):
    """examples/gpt_parallel.py's ParallelGPT with --tp (every rank): attention, MLP,
    token embedding and tied head split, the loss from the logit slices; 11 words
    split 6/5 on 2 ranks, 3/3/3/2 on 4. Loss and every gradient of the first step,
    then the weights after 3 AdamW steps, equal one process's."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "examples"))
    from examples.gpt_parallel import ParallelGPT
    n = comm.Get_size()
    ref = gpt(14).gpt
    par = ParallelGPT(gpt(14).gpt, tp=n)
    assert isinstance(par.gpt.transformer.wte, VocabParallelEmbedding)
    assert par.gpt.lm_head.weight is par.gpt.transformer.wte.weight
    xs, ys = tokens(3, seed=15)
    kw = dict(lr=0.01, eps=1e-6)
    opt = nn.optim.AdamW(par.params, **kw)
    ref_opt = nn.optim.AdamW(ref.parameters(), **kw)
    for k in range(3):
        opt.zero_grad()
        loss = par.train_step(xs[k], ys[k])
        ref_opt.zero_grad()
        expected = ref(xs[k], ys[k])[1]
        expected.backward()
        assert_close(loss, expected.item(), f"step {k}: loss")
        if k == 0:
            grads, ref_grads = full_gradients(par.gpt), full_gradients(ref)
            compare_states(grads, ref_grads, "gradients of the first step")
        opt.step()
        ref_opt.step()
    compare_states(full_state(par.gpt), full_state(ref), "weights after 3 AdamW steps")
    assert_close(par.loss(xs[0], ys[0]), ref(xs[0], ys[0])[1].item(), "eval loss")


def pipeline_stages(seed):
    ag.manual_seed(seed)
    return [nn.Sequential(nn.Linear(8, 12), nn.Tanh()), nn.Sequential(nn.Linear(12, 10), nn.Tanh()),
            nn.Linear(10, 9), nn.Sequential(nn.Tanh(), nn.Linear(9, 3))]


@check
def pipeline_loss_weight_with_ignored_targets(comm):
    """Cross-entropy with ignored targets (ignore_index -100) through 1F1B: micro-batches
    of 3, 2 and 2 samples with 2, 0 and 1 targets counted. With loss_weight counting
    them, loss and gradients equal the whole batch's mean over the counted targets."""
    rng = np.random.default_rng(18)
    x = ag.tensor(rng.standard_normal((7, 8)))
    y = ag.tensor(np.array([0, -100, 2, -100, -100, 1, -100]))
    pipe = Pipeline(pipeline_stages(19), chunks=3, comm=comm, schedule="1f1b",
                    loss_fn=F.cross_entropy, loss_weight=lambda t: (t.data != -100).sum())
    model = nn.Sequential(*pipeline_stages(19))
    start, stop = pipe.stage_range
    local_ref = [p for m in list(model)[start:stop] for p in m.parameters()]
    loss = pipe.step(x, y)
    expected = F.cross_entropy(model(x), y)
    expected.backward()
    if pipe.is_last:
        assert_close(loss.data, expected.data, "loss")
    for i, (p, q) in enumerate(zip(pipe.parameters(), local_ref)):
        assert_close(p.grad.data, q.grad.data, f"gradient {i}")
    pipe.synchronize()


@check
def pipeline_schedules_match_single_process(comm):
    """Pipeline.step with GPipe and with 1F1B (7 samples in 3 micro-batches of unequal
    size, then 9 in 8) gives the whole batch's loss and every gradient of one process,
    over SGD steps. With 16 micro-batches, rank 0 holds the activations of at most
    world_size of them under 1F1B, of all 16 under GPipe: its peak memory (tracemalloc)
    is lower."""
    import tracemalloc
    rng = np.random.default_rng(8)
    ref = nn.Sequential(*pipeline_stages(11))
    for schedule in ("gpipe", "1f1b"):
        for chunks, batch in ((3, 7), (8, 9)):
            pipe = Pipeline(pipeline_stages(11), chunks=chunks, comm=comm, schedule=schedule,
                            loss_fn=F.cross_entropy)
            model = nn.Sequential(*pipeline_stages(11))
            start, stop = pipe.stage_range
            local_ref = [p for m in list(model)[start:stop] for p in m.parameters()]
            opt, ref_opt = (nn.optim.SGD(pipe.parameters(), lr=0.5),
                            nn.optim.SGD(model.parameters(), lr=0.5))
            for k in range(2):
                x = ag.tensor(rng.standard_normal((batch, 8)))
                y = ag.tensor(rng.integers(0, 3, batch))
                x, y = comm.bcast((x, y))
                opt.zero_grad()
                loss = pipe.step(x, y)
                ref_opt.zero_grad()
                expected = F.cross_entropy(model(x), y)
                expected.backward()
                what = f"{schedule}, {chunks} micro-batches, step {k}"
                if pipe.is_last:
                    assert_close(loss.data, expected.data, f"{what}: loss")
                else:
                    assert loss is None
                for i, (p, q) in enumerate(zip(pipe.parameters(), local_ref)):
                    assert_close(p.grad.data, q.grad.data, f"{what}: gradient {i}")
                opt.step()
                ref_opt.step()
            pipe.synchronize()
    peaks = {}
    wide = [nn.Sequential(nn.Linear(64, 64), nn.Tanh()) for _ in range(comm.Get_size())]
    x = ag.tensor(rng.standard_normal((2048, 64)))
    y = ag.tensor(rng.standard_normal((2048, 64)))
    for schedule in ("gpipe", "1f1b"):
        pipe = Pipeline(wide, chunks=16, comm=comm, schedule=schedule, loss_fn=F.mse_loss)
        pipe.step(x, y)                           # warm the optimizer-free caches
        comm.Barrier()
        tracemalloc.start()
        pipe.step(x, y)
        peaks[schedule] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        pipe.synchronize()
        comm.Barrier()
    if comm.Get_rank() == 0:
        print(f"FIGURE pipeline_peak_bytes_rank0 {json.dumps(peaks)}", flush=True)
        assert peaks["1f1b"] < 0.6 * peaks["gpipe"], f"peak bytes on rank 0: {peaks}"


if __name__ == "__main__":
    main(CHECKS)
