"""Keep freed array memory in the process instead of returning it to the OS each step.

glibc's malloc serves blocks above its mmap threshold (128 KB at start, raised
dynamically up to 32 MB) with fresh mmap'd pages and gives them back on free; it also
trims the top of the heap once more than its trim threshold is free. A training step
makes and frees the same large temporaries every iteration, so every step pays for
mapping and zero-filling its pages again: a GPT step (benchmarks/transformer_step.py)
took ~14,000 minor page faults per step. Raising both thresholds makes freed blocks go
back to malloc's free lists, where the next step finds them: 4 page faults per step.
Peak memory is unchanged (the same blocks are live at the peak); what changes is that
up to TRIM_THRESHOLD of freed memory stays mapped after the peak.

Applied once, when autograd is imported, only on Linux with glibc, and not if the user
has configured malloc (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ / MALLOC_TOP_PAD_
or GLIBC_TUNABLES) or set GRADGRAPH_MALLOC=default.
"""
import ctypes
import os
import platform
import sys

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20      # glibc's maximum on 64-bit: larger arrays still mmap'd
TRIM_THRESHOLD = 256 << 20     # free memory kept at the top of the heap before trimming
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                  "GLIBC_TUNABLES")

applied = False                # True once the thresholds were set in this process


def keep_freed_memory():
    """Raise glibc's mmap and trim thresholds (see the module docstring). Returns True
    if they were set, False where it does not apply (not glibc, user settings, opt-out)."""
    global applied
    if applied:
        return True
    if (sys.platform != "linux" or platform.libc_ver()[0] != "glibc"
            or os.environ.get("GRADGRAPH_MALLOC") == "default"
            or any(os.environ.get(v) for v in _USER_SETTINGS)):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    # mallopt returns 1 on success; a refused value leaves glibc's default in place.
    applied = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                   & mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return applied
