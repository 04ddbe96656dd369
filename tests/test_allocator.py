"""autograd.allocator: freed arrays stay in the process (few page faults per step)."""
import os
import platform
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LOOP = """
import resource, numpy as np
import autograd as ag
from autograd import allocator
x = np.ones((512, 1024), np.float32)              # 2 MB: above glibc's initial threshold
for _ in range(3):
    y = x * 2.0; z = y + x; del y, z
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    y = x * 2.0; z = y + x; del y, z
print(allocator.applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc = pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc",
                           reason="the thresholds are glibc's")


def _run(**env):
    full = dict(os.environ, PYTHONPATH=ROOT, **env)
    for var in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                "GLIBC_TUNABLES", "GRADGRAPH_MALLOC"):
        if var not in env:
            full.pop(var, None)
    out = subprocess.run([sys.executable, "-c", LOOP], env=full, capture_output=True,
                         text=True, check=True).stdout.split()
    return out[0] == "True", int(out[1])


@glibc
def test_freed_arrays_are_reused_without_page_faults():
    applied, faults = _run()
    assert applied
    assert faults < 50               # 100 arrays of 2 MB: ~51,000 faults without it


@glibc
def test_opt_out_and_user_settings_leave_malloc_alone():
    applied, faults = _run(GRADGRAPH_MALLOC="default")
    assert not applied and faults > 10_000     # the default behaviour, measured
    assert not _run(MALLOC_TRIM_THRESHOLD_="1000000")[0]
