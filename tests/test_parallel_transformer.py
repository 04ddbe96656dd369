"""Tensor-parallel transformer (and its combinations) on 2 and 4 MPI ranks.

The checks live in tests/mpi/transformer_checks.py (one mpiexec launch per world
size; 4 ranks oversubscribe a 2-core machine). Every check compares with the same
model trained in one process, in float64, to 1e-12 relative.
"""
import json
import os

import pytest

from nn.parallel.launch import run
from test_parallel import ROOT, needs_mpi


def _launch(n):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    proc = run(n, os.path.join(ROOT, "tests/mpi/transformer_checks.py"), timeout=120, env=env)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULTS ")]
    assert proc.returncode == 0 and lines, \
        f"exit {proc.returncode}\nstdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1][len("RESULTS "):])


@pytest.fixture(scope="module", params=[2, 4], ids=["2ranks", "4ranks"])
def checks(request):
    return _launch(request.param)


CHECKS = ["tp_gpt_matches_single_process", "tp_checkpoint_moves_between_world_sizes",
          "zero_matches_single_process", "pipeline_schedules_match_single_process",
          "dp_tp_mesh_with_no_sync"]


@needs_mpi
@pytest.mark.parametrize("name", CHECKS)
def test_transformer_parallel(checks, name):
    assert name in checks, f"check {name} did not run"
    assert checks[name] == "ok", checks[name]
