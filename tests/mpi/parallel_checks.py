"""Checks of nn.parallel, run on 2 MPI ranks by tests/test_parallel.py.

Every check runs on every rank; its outcome ("ok" or the first rank's error) is
agreed with one allgather, and rank 0 prints one line ``RESULTS {json}``. References
are computed on each rank by the same model in one process, in float64.
"""
import copy
import json
import os
import shutil
import sys
import tempfile
import traceback

import numpy as np
from mpi4py import MPI

import autograd as ag
import nn
import nn.functional as F
from autograd.errors import GradgraphError
from nn.parallel import (ColumnParallelLinear, DistributedDataParallel, Pipeline,
                         RowParallelLinear, barrier, broadcast_object, rank, save_on_main,
                         set_timeout, world_size)

CHECKS = []
TOL = 1e-12
WORST = {}                   # check name -> the largest relative error it measured
CURRENT = [None]             # the check running


def check(fn):
    CHECKS.append(fn)
    return fn


def assert_close(actual, expected, what, tol=TOL):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(np.abs(expected).max(initial=0.0), 1e-300)
    err = np.abs(actual - expected).max(initial=0.0) / scale
    WORST[CURRENT[0]] = max(WORST.get(CURRENT[0], 0.0), float(err))
    assert err <= tol, f"{what}: relative error {err:.3g} > {tol:g}"


def mlp(seed, hidden=16, n_in=8, n_out=3):
    ag.manual_seed(seed)
    return nn.MLP(n_in, [hidden, hidden], n_out, activation=nn.Tanh, dtype="float64")


def batches(steps, batch, n_in=8, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    return (ag.tensor(rng.standard_normal((steps, batch, n_in))),
            ag.tensor(rng.integers(0, n_out, (steps, batch))))


def params_of(model):
    return [p.data.copy() for p in model.parameters()]


class CountingComm:
    """A communicator that counts the collectives DDP starts, delegating the rest."""

    def __init__(self, comm):
        self.comm = comm
        self.calls = {"Iallreduce": 0, "Allreduce": 0}
        self.grads_in = [0]          # gradients accumulated so far in this backward
        self.started = []            # grads_in when each Iallreduce started

    def Iallreduce(self, *args, **kwargs):
        self.calls["Iallreduce"] += 1
        self.started.append(self.grads_in[0])
        return self.comm.Iallreduce(*args, **kwargs)

    def Allreduce(self, *args, **kwargs):
        self.calls["Allreduce"] += 1
        return self.comm.Allreduce(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.comm, name)


# --- data parallel ---------------------------------------------------------------------
@check
def ddp_matches_single_process(comm):
    """k steps of DDP on 2 shards == k steps on the concatenated batch, for SGD with
    momentum and for Adam; parameters identical across ranks; rank 0's init wins."""
    r, n = comm.Get_rank(), comm.Get_size()
    steps, local = 3, 5
    xs, ys = batches(steps, local * n)
    for make_opt in (lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9),
                     lambda ps: nn.optim.Adam(ps, lr=0.01)):
        model = mlp(10 + r)                    # different init on each rank
        ddp = DistributedDataParallel(model, comm=comm)
        ref = mlp(10)                          # rank 0's init
        for p, q in zip(model.parameters(), ref.parameters()):
            assert np.array_equal(p.data, q.data), "parameters were not broadcast from rank 0"
        opt, ref_opt = make_opt(ddp.parameters()), make_opt(ref.parameters())
        mine = slice(r * local, (r + 1) * local)
        for k in range(steps):
            _step_with_reference(ddp, opt, ref, ref_opt, xs[k], ys[k], mine)
        everyone = comm.allgather(params_of(model))
        for (name, p), q in zip(model.named_parameters(), ref.parameters()):
            assert_close(p.data, q.data, f"{type(opt).__name__}: {name} after {steps} steps")
        for other in everyone[1:]:
            assert all(np.array_equal(a, b) for a, b in zip(everyone[0], other)), \
                "parameters differ across ranks"


@check
def sync_batchnorm_matches_single_process(comm):
    """A BatchNorm model converted by SyncBatchNorm.convert_sync_batchnorm, under DDP on 2
    shards, == the BatchNorm model on the whole batch for k SGD steps: loss, parameters,
    running statistics and the input's gradient (which reaches every rank from every
    rank's loss); in eval mode its outputs equal the reference's."""
    r, n = comm.Get_rank(), comm.Get_size()
    steps, local = 3, 4

    def model(seed):
        ag.manual_seed(seed)
        return nn.Sequential(nn.Linear(8, 6, dtype="float64"),
                             nn.BatchNorm1d(6, dtype="float64"), nn.Tanh(),
                             nn.Linear(6, 3, dtype="float64"),
                             nn.BatchNorm1d(3, momentum=None, dtype="float64"))
    xs, ys = batches(steps, local * n)
    sync = nn.SyncBatchNorm.convert_sync_batchnorm(model(20), comm)
    assert type(sync[1]).__name__ == "SyncBatchNorm"
    ddp = DistributedDataParallel(sync, comm=comm)
    ref = model(20)
    opt, ref_opt = (nn.optim.SGD(m.parameters(), lr=0.1) for m in (ddp, ref))
    mine = slice(r * local, (r + 1) * local)
    for k in range(steps):
        x, xr = (ag.tensor(xs[k].data, requires_grad=True) for _ in range(2))
        opt.zero_grad()
        loss = F.cross_entropy(ddp(x[mine]), ys[k][mine])
        loss.backward()
        opt.step()
        ref_opt.zero_grad()
        ref_loss = F.cross_entropy(ref(xr), ys[k])
        ref_loss.backward()
        ref_opt.step()
        total = comm.allreduce(loss.item()) / n
        assert_close(total, ref_loss.item(), f"the mean loss of step {k}")
        # this rank's input gradient is that of the sum of both ranks' losses: n times
        # the reference's, whose loss is their mean
        assert_close(x.grad.data[mine], n * xr.grad.data[mine], f"input gradient, step {k}")
    for (name, p), q in zip(sync.named_parameters(), ref.parameters()):
        assert_close(p.data, q.data, f"{name} after {steps} steps")
    for (name, b), q in zip(sync.named_buffers(), ref.buffers()):
        assert_close(b.data, q.data, f"{name} after {steps} steps")
    sync.eval(), ref.eval()
    assert_close(sync(xs[0][mine]).data, ref(xs[0]).data[mine], "eval outputs")


def _step_with_reference(ddp, opt, ref, ref_opt, x, y, mine):
    """One cross-entropy step of the DDP model on this rank's rows `mine` and one of the
    single-process reference on the whole batch."""
    opt.zero_grad()
    F.cross_entropy(ddp(x[mine]), y[mine]).backward()
    opt.step()
    ref_opt.zero_grad()
    F.cross_entropy(ref(x), y).backward()
    ref_opt.step()


@check
def ddp_after_double(comm):
    """DDP wrapped around a float32 model, then .double(): the gradient hooks stay
    (gradients are still averaged) and the buckets follow the new dtype (the average is
    float64-exact against one process on the whole batch)."""
    r, n = comm.Get_rank(), comm.Get_size()
    steps, local = 2, 4
    xs, ys = batches(steps, local * n, seed=5)
    ag.manual_seed(21)
    model = nn.MLP(8, [16], 3, activation=nn.Tanh, dtype="float32")
    ref = copy.deepcopy(model).double()
    ddp = DistributedDataParallel(model, comm=comm).double()
    assert all(p.dtype == np.float64 for p in model.parameters())
    opt, ref_opt = (nn.optim.SGD(m.parameters(), lr=0.5) for m in (ddp, ref))
    mine = slice(r * local, (r + 1) * local)
    for k in range(steps):
        _step_with_reference(ddp, opt, ref, ref_opt, xs[k], ys[k], mine)
    for (name, p), q in zip(model.named_parameters(), ref.parameters()):
        assert p.grad.dtype == np.float64, f"{name}: gradient {p.grad.dtype}"
        assert_close(p.data, q.data, f"{name} after {steps} steps")


@check
def ddp_bucketing(comm):
    """One Iallreduce per bucket per step, no other allreduce; buckets respect the cap;
    the first bucket starts while backward still has gradients to produce."""
    counting = CountingComm(comm)
    model = mlp(3, hidden=12)
    cap_mb = 1500 / 2 ** 20                   # 1500 bytes: several buckets
    ddp = DistributedDataParallel(model, comm=counting, bucket_cap_mb=cap_mb)
    n_params = len(list(model.parameters()))
    for p in model.parameters():              # runs after DDP's hook on each parameter
        p.register_post_accumulate_grad_hook(
            lambda _: counting.grads_in.__setitem__(0, counting.grads_in[0] + 1))
    assert ddp.num_buckets > 1, f"expected several buckets, got {ddp.num_buckets}"
    for b in ddp.reducer.buckets:
        assert len(b.params) == 1 or b.buffer.nbytes <= 1500, "a bucket exceeds the cap"
    assert sorted(id(p) for b in ddp.reducer.buckets for p in b.params) == \
        sorted(id(p) for p in model.parameters()), "buckets do not partition the parameters"
    xs, ys = batches(2, 4)
    for k in range(2):
        before = dict(counting.calls)
        counting.grads_in[0], counting.started = 0, []
        F.cross_entropy(ddp(xs[k]), ys[k]).backward()
        assert counting.started[0] < n_params - 1 and counting.started == sorted(
            counting.started), f"buckets started after {counting.started} of {n_params} " \
            f"gradients: not overlapped with backward"
        assert counting.calls["Iallreduce"] - before["Iallreduce"] == ddp.num_buckets, \
            f"{counting.calls['Iallreduce'] - before['Iallreduce']} Iallreduce calls in a " \
            f"step, {ddp.num_buckets} buckets"
        assert counting.calls["Allreduce"] == before["Allreduce"], "a blocking Allreduce ran"


@check
def ddp_no_sync_accumulates(comm):
    """Backward inside no_sync() stays local; the next backward averages the sum."""
    r, n = comm.Get_rank(), comm.Get_size()
    counting = CountingComm(comm)
    model = mlp(4)
    ddp = DistributedDataParallel(model, comm=counting)
    ref = mlp(4)
    xs, ys = batches(2, 3 * n, seed=1)
    mine = slice(r * 3, (r + 1) * 3)
    with ddp.no_sync():
        F.cross_entropy(ddp(xs[0][mine]), ys[0][mine]).backward()
    assert counting.calls["Iallreduce"] == 0, "no_sync() still communicated"
    F.cross_entropy(ddp(xs[1][mine]), ys[1][mine]).backward()
    for s in range(n):
        part = slice(s * 3, (s + 1) * 3)
        (F.cross_entropy(ref(xs[0][part]), ys[0][part]) / n).backward()
        (F.cross_entropy(ref(xs[1][part]), ys[1][part]) / n).backward()
    for (name, p), q in zip(model.named_parameters(), ref.parameters()):
        assert_close(p.grad.data, q.grad.data, f"accumulated gradient of {name}")


@check
def ddp_join_uneven_inputs(comm):
    """Rank s runs 2 + s steps inside join(): equal to one process that averages, at
    each step, the shards of the ranks still training (over the initial world size,
    or over those ranks); every rank ends with the same parameters.
    throw_on_early_termination raises on every rank instead."""
    r, n = comm.Get_rank(), comm.Get_size()
    local, steps = 3, [2 + s for s in range(n)]
    xs, ys = batches(max(steps), local * n, seed=7)
    shard = [slice(s * local, (s + 1) * local) for s in range(n)]
    for divide in (True, False):
        model, ref = mlp(20), mlp(20)
        ddp = DistributedDataParallel(model, comm=comm)
        opt = nn.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
        ref_opt = nn.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
        with ddp.join(divide_by_initial_world_size=divide):
            for k in range(steps[r]):
                opt.zero_grad()
                F.cross_entropy(ddp(xs[k][shard[r]]), ys[k][shard[r]]).backward()
                opt.step()
        for k in range(max(steps)):
            active = [s for s in range(n) if steps[s] > k]
            ref_opt.zero_grad()
            for s in active:
                (F.cross_entropy(ref(xs[k][shard[s]]), ys[k][shard[s]])
                 / (n if divide else len(active))).backward()
            ref_opt.step()
        for (name, p), q in zip(model.named_parameters(), ref.parameters()):
            assert_close(p.data, q.data, f"divide_by_initial_world_size={divide}: {name}")
    ddp = DistributedDataParallel(mlp(21), comm=comm)
    try:
        with ddp.join(throw_on_early_termination=True):
            for k in range(steps[r]):
                F.cross_entropy(ddp(xs[k][shard[r]]), ys[k][shard[r]]).backward()
    except GradgraphError as e:
        assert "rank(s) [0] ran out of inputs" in str(e), str(e)
    else:
        raise AssertionError("throw_on_early_termination did not raise")


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        ag.manual_seed(7)
        self.body = nn.Linear(8, 6, dtype="float64")
        self.used = nn.Linear(6, 3, dtype="float64")
        self.unused = nn.Linear(6, 3, dtype="float64")

    def forward(self, x):
        return self.used(self.body(x).tanh())


@check
def ddp_unused_parameters(comm):
    """An unused parameter is a clear error at the next forward, or fine with
    find_unused_parameters=True."""
    xs, ys = batches(2, 4, seed=2)
    ddp = DistributedDataParallel(TwoHeads(), comm=comm)
    F.cross_entropy(ddp(xs[0]), ys[0]).backward()
    try:
        ddp(xs[1])
    except GradgraphError as e:
        assert "unused.weight" in str(e) and "find_unused_parameters" in str(e), str(e)
    else:
        raise AssertionError("an unused parameter went unnoticed")
    ddp = DistributedDataParallel(TwoHeads(), comm=comm, find_unused_parameters=True)
    everyone = []
    for k in range(2):
        F.cross_entropy(ddp(xs[k]), ys[k]).backward()
        everyone = comm.allgather(ddp.module.used.weight.grad.data)
    assert np.array_equal(everyone[0], everyone[1]), "gradients not averaged"


@check
def ddp_buffers_broadcast(comm):
    r = comm.Get_rank()
    model = mlp(5)
    model.register_buffer("scale", ag.tensor(np.full(3, float(r))))
    DistributedDataParallel(model, comm=comm)
    assert np.array_equal(model.scale.data, np.zeros(3)), "buffer not broadcast from rank 0"


@check
def helpers(comm):
    assert rank() == comm.Get_rank() and world_size() == comm.Get_size()
    assert broadcast_object({"a": [1, 2]} if rank() == 0 else None) == {"a": [1, 2]}
    folder = broadcast_object(tempfile.mkdtemp() if rank() == 0 else None)
    path = os.path.join(folder, "model.ckpt")
    model = mlp(6)
    save_on_main(nn.save, model.state_dict(), path)
    loaded = nn.load(path)                      # every rank reads rank 0's file
    assert sorted(loaded) == sorted(model.state_dict())
    barrier()
    if rank() == 0:
        shutil.rmtree(folder)


# --- pipeline ------------------------------------------------------------------------
def stages(seed):
    ag.manual_seed(seed)
    return [nn.Sequential(nn.Linear(8, 12, dtype="float64"), nn.Tanh()),
            nn.Sequential(nn.Linear(12, 10, dtype="float64"), nn.Tanh()),
            nn.Linear(10, 9, dtype="float64"),
            nn.Sequential(nn.Tanh(), nn.Linear(9, 3, dtype="float64"))]


@check
def pipeline_matches_single_process(comm):
    """Outputs and every gradient equal the unsplit model's, over two optimizer steps,
    with micro-batches of unequal size (7 samples in 3 chunks)."""
    xs, ys = batches(2, 7, seed=3)
    pipe = Pipeline(stages(11), chunks=3, comm=comm)
    ref = nn.Sequential(*stages(11))
    start, stop = pipe.stage_range
    ref_local = [p for m in list(ref)[start:stop] for p in m.parameters()]
    assert len(ref_local) == len(list(pipe.parameters()))
    opt = nn.optim.SGD(pipe.parameters(), lr=0.5)
    ref_opt = nn.optim.SGD(ref.parameters(), lr=0.5)
    for k in range(2):
        opt.zero_grad()
        out = pipe(xs[k])
        loss = F.cross_entropy(out, ys[k]) if pipe.is_last else out
        loss.backward()
        ref_opt.zero_grad()
        expected = ref(xs[k])
        F.cross_entropy(expected, ys[k]).backward()
        if pipe.is_last:
            assert_close(out.data, expected.data, f"pipeline output, step {k}")
        else:
            assert out.shape == () and out.requires_grad
        for i, (p, q) in enumerate(zip(pipe.parameters(), ref_local)):
            assert_close(p.grad.data, q.grad.data, f"gradient {i} on rank {pipe.rank}, step {k}")
        opt.step()
        ref_opt.step()
    with ag.no_grad():
        out = pipe(xs[0])
        if pipe.is_last:
            assert_close(out.data, ref(xs[0]).data, "pipeline output under no_grad")
    pipe.synchronize()


@check
def pipeline_stage_without_parameters(comm):
    """A first stage with nothing to train (Flatten): rank 0's token is a leaf whose
    backward is a no-op, the next rank sends no gradient back, nothing hangs."""
    xs, ys = batches(2, 4, seed=6)
    ag.manual_seed(8)
    pipe = Pipeline([nn.Flatten(), nn.Linear(8, 3, dtype="float64")], chunks=2, comm=comm)
    ag.manual_seed(8)
    ref = nn.Sequential(nn.Flatten(), nn.Linear(8, 3, dtype="float64"))
    for k in range(2):
        out = pipe(xs[k])
        (F.cross_entropy(out, ys[k]) if pipe.is_last else out).backward()
    pipe.synchronize()
    for k in range(2):
        F.cross_entropy(ref(xs[k]), ys[k]).backward()
    if pipe.is_last:
        for p, q in zip(pipe.parameters(), ref.parameters()):
            assert_close(p.grad.data, q.grad.data, "gradient after two backward calls")
    else:
        assert not list(pipe.parameters())


@check
def pipeline_picture(comm):
    """Rank 0 gets one graph: every node in a rank's cluster, each Send linked to the
    Recv of the same micro-batch on the next rank, the DOT with one cluster per rank."""
    from nn.parallel.picture import draw_pipeline, pipeline_graph_data
    xs, ys = batches(1, 6, seed=5)
    pipe = Pipeline(stages(11), chunks=3, comm=comm)
    out = pipe(xs[0])
    root = F.cross_entropy(out, ys[0]) if pipe.is_last else out
    data = pipeline_graph_data(pipe, root)
    dot = draw_pipeline(pipe, root)
    root.backward()
    pipe.synchronize()
    if comm.Get_rank() != 0:
        assert data is None and dot is None
        return
    by_id = {n.id: n for n in data.nodes}
    assert {n.scope.split(".")[0] for n in data.nodes} == {"rank0", "rank1"}
    links = [(by_id[s], by_id[d]) for s, d in data.edges
             if by_id[s].scope.split(".")[0] != by_id[d].scope.split(".")[0]]
    assert len(links) == 3 and all(s.op == "Send" and d.op == "Recv" for s, d in links), links
    assert all(data.carried(s.id, d.id).shape == (2, 10) for s, d in links)
    assert all(s.comm == "send to rank 1 · 160 B (backward: recv)" and
               d.comm == "recv from rank 0 · 160 B (backward: send)" for s, d in links), \
        [(s.comm, d.comm) for s, d in links]
    assert dot.source.count("send to rank 1 · 160 B") == 3
    assert data.modules["rank1"] == "rank 1" and data.modules["rank1.stages.2"] == "Linear"
    assert dot.source.count("<b>rank0</b>") == 1 and dot.source.count("<b>rank1</b>") == 1


# --- tensor parallel -------------------------------------------------------------------
@check
def tensor_parallel_matches_single_process(comm):
    """Column -> tanh -> Row (one allreduce each way) and Column(gather) / Row(scatter)
    give the unsplit layers' outputs and gradients, for weights, biases and the input,
    and second-order gradients through the collectives."""
    r, n = comm.Get_rank(), comm.Get_size()
    ag.manual_seed(12)
    l1, l2 = nn.Linear(8, 6, dtype="float64"), nn.Linear(6, 4, dtype="float64")
    x_data = np.random.default_rng(4).standard_normal((5, 8))
    cols = slice(r * 6 // n, (r + 1) * 6 // n)
    for gather in (False, True):
        col = ColumnParallelLinear.from_linear(l1, comm=comm, gather_output=gather)
        row = RowParallelLinear.from_linear(l2, comm=comm, input_is_parallel=not gather)
        x = ag.tensor(x_data, requires_grad=True)
        y = row(col(x).tanh())
        (g,) = ag.grad((y ** 2).sum(), x, create_graph=True)
        ((y ** 2).sum() + (g ** 2).sum()).backward()
        for m in (l1, l2):
            m.zero_grad()
        xr = ag.tensor(x_data, requires_grad=True)
        yr = l2(l1(xr).tanh())
        (gr,) = ag.grad((yr ** 2).sum(), xr, create_graph=True)
        ((yr ** 2).sum() + (gr ** 2).sum()).backward()
        what = f"gather_output={gather}"
        assert_close(y.data, yr.data, f"{what}: output")
        assert_close(x.grad.data, xr.grad.data, f"{what}: input gradient")
        assert_close(col.weight.grad.data, l1.weight.grad.data[cols], f"{what}: column weight")
        assert_close(col.bias.grad.data, l1.bias.grad.data[cols], f"{what}: column bias")
        assert_close(row.weight.grad.data, l2.weight.grad.data[:, cols], f"{what}: row weight")
        assert_close(row.bias.grad.data, l2.bias.grad.data, f"{what}: row bias")
    ag.manual_seed(13)
    col = ColumnParallelLinear(8, 6, comm=comm, dtype="float64")
    ag.manual_seed(13)
    full = nn.Linear(8, 6, dtype="float64")
    assert np.array_equal(col.weight.data, full.weight.data[cols]), \
        "ColumnParallelLinear's init is not a slice of rank 0's Linear"


def main(checks=CHECKS):
    comm = MPI.COMM_WORLD
    ag.set_default_dtype("float64")
    set_timeout(20)        # a check that fails on one rank only ends the job, named
    only = set(sys.argv[1:])
    results = {}
    for fn in checks:
        if only and fn.__name__ not in only:
            continue
        CURRENT[0] = fn.__name__
        try:
            fn(comm)
            outcome = "ok"
        except Exception:
            outcome = f"rank {comm.Get_rank()}: {traceback.format_exc()}"
        results[fn.__name__] = next((o for o in comm.allgather(outcome) if o != "ok"), "ok")
    worst = comm.gather(WORST, root=0)
    if comm.Get_rank() == 0:
        print("WORST " + json.dumps({k: max(w.get(k, 0.0) for w in worst)
                                     for k in set().union(*worst)}), flush=True)
        print("RESULTS " + json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
