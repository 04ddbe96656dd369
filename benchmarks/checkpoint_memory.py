"""Activation checkpointing: peak memory and step time of a 12-layer transformer
encoder (pre-LN, B=16, T=64, C=128, 4 heads, FFN 512, dropout 0.1, float32), each layer
run plainly or through ``nn.utils.checkpoint``.

Peak memory: each variant runs 3 training steps (forward, backward, SGD) in a fresh
interpreter, and the table gives the peak resident memory above the memory reached
after building the model and the data (VmHWM - VmRSS at setup, Linux), the best of a
few runs. Step time: both variants interleaved in this process (common.interleaved);
checkpointing runs each layer's forward twice, so it is expected to be slower.
"""
try:
    from . import common
except ImportError:
    import common

import json
import os
import subprocess
import sys

LAYERS, B, T, C, HEADS, FF = 12, 16, 64, 128, 4, 512


def build():
    import autograd as ag
    import nn
    ag.manual_seed(0)
    layers = nn.ModuleList([nn.TransformerEncoderLayer(C, HEADS, FF, dropout=0.1,
                                                       batch_first=True, norm_first=True)
                            for _ in range(LAYERS)])
    x = ag.randn(B, T, C)
    mask = nn.Transformer.generate_square_subsequent_mask(T)
    opt = nn.optim.SGD(layers.parameters(), lr=1e-3)
    return layers, x, mask, opt


def step_fn(layers, x, mask, opt, checkpointed):
    from nn.utils.checkpoint import checkpoint

    def step():
        opt.zero_grad()
        h = x
        for layer in layers:
            if checkpointed:
                h = checkpoint(layer, h, mask, use_reentrant=False)
            else:
                h = layer(h, mask)
        (h * h).mean().backward()
        opt.step()
    return step


def child(variant):
    from memory import peak_mb, rss_mb
    layers, x, mask, opt = build()
    step = step_fn(layers, x, mask, opt, variant == "checkpoint")
    setup = rss_mb()
    for _ in range(3):
        step()
    print(json.dumps({"setup": setup, "peak": peak_mb()}))


def measure(variant):
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", variant],
                          capture_output=True, text=True,
                          cwd=os.path.dirname(os.path.abspath(__file__)))
    if proc.returncode:
        raise RuntimeError(f"checkpoint_memory child {variant} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run():
    variants = ("plain", "checkpoint")
    runs = {v: [] for v in variants}
    for _ in range(1 if common.QUICK else 3):
        for v in variants:                        # alternate, so drift hits both alike
            runs[v].append(measure(v))
    step = {v: min(r["peak"] - r["setup"] for r in runs[v]) for v in variants}
    desc = f"peak above setup, {LAYERS} layers B={B} T={T} C={C}"
    rows = [common.Row(desc, "plain", step["plain"], "MB"),
            common.Row("", "checkpoint", step["checkpoint"], "MB",
                       ratio=step["checkpoint"] / step["plain"], vs="plain")]
    layers, x, mask, opt = build()
    samples = common.interleaved({v: step_fn(layers, x, mask, opt, v == "checkpoint")
                                  for v in variants}, rounds=3 if common.QUICK else 7, number=1)
    rows += common.rows_from("step time (fwd+bwd+SGD)", samples, "plain", 1e3, "ms")
    return rows


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        common.main_with(run)
