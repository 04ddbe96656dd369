"""The examples run, learn, save checkpoints, resume and draw (short runs, subprocesses)."""
import pathlib
import re
import subprocess
import sys

import numpy as np

from nn.serialization import load

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def _run(script, *args, timeout=240):
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def test_train_digits_quick(tmp_path):
    out = _run("train_digits.py", "--quick", "--model", "both", "--out", tmp_path)
    final = re.search(r"final test accuracy: mlp ([\d.]+)%, cnn ([\d.]+)%", out)
    assert final, out
    mlp, cnn = float(final.group(1)), float(final.group(2))
    assert mlp >= 96.0 and cnn >= 96.0, out
    epochs = re.findall(r"\[(mlp|cnn)\] epoch +(\d+)/(\d+) +loss ([\d.]+) +train +([\d.]+)% "
                        r"+test +([\d.]+)% +([\d,]+) samples/s", out)
    assert [e[0] for e in epochs].count("mlp") == 10 and [e[0] for e in epochs].count("cnn") == 7
    losses = [float(e[3]) for e in epochs if e[0] == "cnn"]
    assert losses[-1] < losses[0] / 3

    state = load(tmp_path / "digits-cnn.ckpt")
    assert state["epoch"] == 7 and state["model_kind"] == "cnn"
    assert state["model"]["0.weight"].shape == (16, 1, 3, 3)
    assert state["optimizer"]["state"][0]["step"] == 7 * 23          # 1438 images / 64
    for kind in ("mlp", "cnn"):
        for picture in ("graph", "gradient-flow"):
            dot = (tmp_path / f"{kind}-{picture}.dot").read_text()
            assert dot.startswith("digraph") and "weight" in dot


def test_train_digits_resume(tmp_path):
    ckpt = tmp_path / "mlp.ckpt"
    _run("train_digits.py", "--model", "mlp", "--epochs", "2", "--checkpoint", ckpt,
         "--out", tmp_path)
    before = load(ckpt)
    out = _run("train_digits.py", "--model", "mlp", "--epochs", "3", "--checkpoint", ckpt,
               "--out", tmp_path, "--resume")
    assert f"resumed from {ckpt} after epoch 2" in out
    assert "epoch  3/3" in out and "epoch  1/3" not in out and "epoch  2/3" not in out
    after = load(ckpt)
    assert after["epoch"] == 3
    assert after["optimizer"]["state"][0]["step"] == before["optimizer"]["state"][0]["step"] + 45
    assert not np.array_equal(after["model"]["1.0.weight"], before["model"]["1.0.weight"])


def test_micrograd_style_quick():
    out = _run("micrograd_style.py", "--quick")
    assert "337 scalar parameters" in out
    acc = float(re.search(r"final accuracy ([\d.]+)%", out).group(1))
    assert acc >= 90.0, out
