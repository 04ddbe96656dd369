"""A save killed mid-write leaves a hidden temporary file; the next save to the same
path removes it, and leaves alone what a live process is still writing or what belongs
to another file (issue 11, item 19)."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import nn
from nn import serialization

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

KILLED_WRITER = r'''
import sys, time
import numpy as np
import nn
from nn import serialization

def slow_write(fh, chunks):
    fh.write(b"x" * 100000)
    fh.flush()
    print("writing", flush=True)
    time.sleep(60)

serialization._write = slow_write
nn.save({"w": np.zeros(10)}, sys.argv[1])
'''


def temporaries(folder):
    return sorted(n for n in os.listdir(folder) if n.endswith(".tmp"))


def dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.skipif(os.name != "posix", reason="kill -9 and pid checks are POSIX")
def test_the_temporary_of_a_killed_save_is_removed_by_the_next_save(tmp_path):
    target = tmp_path / "model.ckpt"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])))
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)],
                            stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "writing"
        left = temporaries(tmp_path)
        assert len(left) == 1 and left[0].startswith(".model.ckpt.")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert temporaries(tmp_path) == left and not target.exists()   # what kill -9 leaves
    nn.save({"w": np.arange(3.0)}, target)
    assert temporaries(tmp_path) == []
    assert nn.load(target)["w"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.skipif(os.name != "posix", reason="pid checks are POSIX")
def test_only_abandoned_temporaries_of_the_same_target_are_removed(tmp_path):
    host = serialization._HOST
    names = {
        "dead": f".model.ckpt.{host}.{dead_pid()}.0123456789ab.tmp",
        "live": f".model.ckpt.{host}.{os.getppid()}.0123456789ab.tmp",  # our parent: alive
        "other_target": f".other.ckpt.{host}.{dead_pid()}.0123456789ab.tmp",
        "other_host_old": ".model.ckpt.elsewhere.12.0123456789ab.tmp",
        "other_host_new": ".model.ckpt.elsewhere.13.0123456789ab.tmp",
        "old_format_old": ".model.ckpt.abcdef012345.tmp",
        "old_format_new": ".model.ckpt.543210fedcba.tmp",
        "unrelated": ".model.ckpt.notes.txt",
    }
    for key, name in names.items():
        (tmp_path / name).write_bytes(b"partial")
        if key.endswith("_old"):
            stamp = time.time() - serialization.STALE_SECONDS - 60
            os.utime(tmp_path / name, (stamp, stamp))
    nn.save([1, 2], tmp_path / "model.ckpt")
    left = set(os.listdir(tmp_path))
    gone = {k for k, n in names.items() if n not in left}
    assert gone == {"dead", "other_host_old", "old_format_old"}
    assert "model.ckpt" in left and nn.load(tmp_path / "model.ckpt") == [1, 2]
