"""The examples run, learn, save checkpoints, resume and draw (short runs, subprocesses)."""
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

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


def test_char_gpt_quick_learns_and_draws(tmp_path):
    out = _run("char_gpt.py", "--quick", "--iters", "60", "--eval-interval", "30",
               "--sample-len", "40", "--out", tmp_path)
    assert "text: pydoc_data.topics" in out or "standard library" in out
    base = float(re.search(r"unigram baseline: val loss ([\d.]+)", out).group(1))
    steps = re.findall(r"step +(\d+)/60 +loss ([\d.]+) +lr ([\d.e+-]+) +([\d,]+) tokens/s +ETA",
                       out)
    assert [int(s[0]) for s in steps] == [1, 10, 20, 30, 40, 50, 60]
    lrs = [float(s[2]) for s in steps]
    assert lrs[0] < lrs[1] and lrs[-1] < lrs[2]               # warmup, then cosine decay
    final = re.search(r"final: train loss ([\d.]+) +val loss ([\d.]+)", out)
    assert float(final.group(2)) < base < float(steps[0][1]), out
    sample = out.split("top-k 20):\n", 1)[1].split("\npictures")[0]
    assert sample.startswith("The ") and len(sample) >= 44
    state = load(tmp_path / "ckpt.gg")
    assert state["step"] == 60 and state["optimizer"]["state"][0]["step"] == 60
    assert state["model"]["lm_head.weight"] is not None
    dot = (tmp_path / "gpt-graph.dot").read_text()
    assert dot.startswith("digraph") and "transformer.h.1" in dot
    assert (tmp_path / "gpt-gradient-flow.dot").read_text().startswith("digraph")


def test_char_gpt_resume_equals_uninterrupted_run(tmp_path):
    common = ("--quick", "--iters", "30", "--eval-interval", "10", "--sample-len", "5",
              "--no-pictures")
    _run("char_gpt.py", *common, "--out", tmp_path / "a")
    _run("char_gpt.py", *common, "--stop-after", "20", "--out", tmp_path / "b")
    assert load(tmp_path / "b" / "ckpt.gg")["step"] == 20
    out = _run("char_gpt.py", *common, "--resume", "--out", tmp_path / "b")
    assert "resumed from" in out and "at step 20" in out
    assert re.findall(r"step +(\d+)/30", out)[0] == "21"
    a, b = load(tmp_path / "a" / "ckpt.gg"), load(tmp_path / "b" / "ckpt.gg")
    assert a["step"] == b["step"] == 30
    for name, value in a["model"].items():                    # dropout, batches, AdamW
        np.testing.assert_array_equal(value, b["model"][name], err_msg=name)


def test_char_lstm_quick_learns_compiled_as_eager():
    """The LSTM trained by truncated BPTT beats the unigram baseline; under --compile
    (replays carrying (h, c) from step to step) the losses are the eager run's."""
    args = ("--quick", "--iters", "40", "--sample-len", "20", "--threads", "1")
    runs = [_run("char_lstm.py", *args, *extra) for extra in ((), ("--compile",))]
    losses = [re.findall(r"step +\d+/40 +loss ([\d.]+)", out) for out in runs]
    assert len(losses[0]) == 5 and losses[0] == losses[1], runs
    final = [re.search(r"final: val loss ([\d.]+) \(unigram baseline ([\d.]+)\)", out)
             for out in runs]
    assert final[0].group(1) == final[1].group(1)
    assert float(final[0].group(1)) < float(final[0].group(2)) < float(losses[0][0]), runs[0]
    assert re.search(r"eager [\d,]+ tokens/s, compiled [\d,]+ tokens/s", runs[1]), runs[1]


def test_explain_digits_quick(tmp_path):
    out = _run("explain_digits.py", "--quick", "--out", tmp_path)
    acc = float(re.search(r"test accuracy ([\d.]+)%", out).group(1))
    assert acc >= 90.0, out
    assert float(re.search(r"DeepLift \(Rescale\) +([\d.e+-]+)", out).group(1)) < 1e-10, out
    aucs = dict((m, (float(d), float(i))) for m, d, i in
                re.findall(r"^  (\S+) +([\d.]+) +([\d.]+)", out, flags=re.M))
    assert set(aucs) >= {"Saliency", "IntegratedGradients", "SmoothGrad", "DeepLift",
                         "Occlusion", "Grad-CAM", "random"}, out
    for method in ("IntegratedGradients", "DeepLift", "Occlusion"):
        assert aucs[method][0] < aucs["random"][0] and aucs[method][1] > aucs["random"][1], out
    rhos = dict(re.findall(r"^  (\S+) +([+-][\d.]+) +(?:passes|FAILS)", out, flags=re.M))
    assert len(rhos) == 6 and "FAILS" in out and "passes" in out, out
    for name in ("explain_grid.png", "explain_deletion.png", "explain_graph.dot"):
        assert (tmp_path / name).stat().st_size > 1000, name
    assert "conductance share" in (tmp_path / "explain_graph.dot").read_text()


def test_explain_gpt_quick(tmp_path):
    out = _run("explain_gpt.py", "--quick", "--out", tmp_path)
    delta = float(re.search(r"convergence delta ([-\d.e+]+)", out).group(1))
    assert abs(delta) < 1e-6, out
    worst = float(re.search(r"reproduce the model's attention output to ([\d.e+-]+)", out).group(1))
    assert worst < 1e-10, out
    page = (tmp_path / "explain_gpt_tokens.html").read_text(encoding="utf-8")
    assert page.count('<span class="t"') == len("The while statement is used for repeated "
                                               "execution as long as an expres")
    assert "prediction:" in page and "convergence delta" in page
    for name in ("explain_gpt_tokens.png", "explain_gpt_attention.png"):
        assert (tmp_path / name).stat().st_size > 1000, name


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_every_example_takes_its_options_through_argparse(script):
    """--help prints a usage and exits 0 before any work (issue 11, item 21: an example
    took "--help" as its output path), and an unknown option is refused by argparse."""
    out = _run(script, "--help", timeout=120)
    assert out.startswith(f"usage: {script}") and "-h, --help" in out
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), "--no-such-option"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "unrecognized arguments: --no-such-option" in proc.stderr


def test_scalar_expression_writes_where_it_is_told(tmp_path):
    out = _run("scalar_expression.py", tmp_path / "neuron.dot", "--rankdir", "TB")
    assert "dL/dw1 = 1.0000" in out
    dot = (tmp_path / "neuron.dot").read_text()
    assert "rankdir=TB" in dot and not list(tmp_path.glob("--*"))
