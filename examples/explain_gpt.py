"""Explain a character-level GPT's next-character prediction: which characters of the
context it depends on, and where every attention head looks.

    python examples/explain_gpt.py                    # train a small GPT briefly, explain
    python examples/explain_gpt.py --quick            # a tiny model, a few steps (tests)
    python examples/explain_gpt.py --checkpoint runs/char_gpt/ckpt.gg   # char_gpt.py's model
    python examples/explain_gpt.py --prompt "The while statement is used for repeated ex"

The model is examples/gpt.py's GPT on the text of examples/char_gpt.py. Written to --out:
- explain_gpt_tokens.html (and .png): Layer Integrated Gradients on the token embedding,
  summed over the embedding axis: one attribution per context character for the
  predicted next character (green: for it, red: against), with the prediction, its
  probability and the convergence delta; the baseline is the same context made of
  spaces, so a space gets no attribution;
- explain_gpt_attention.png: the attention weights of every layer and head over the last
  24 positions, recomputed from the captured q/k projections (checked against the
  model's own attention output).
"""
import argparse
import math
import os
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import viz.explain as ex  # noqa: E402
from viz.explain import plot, text  # noqa: E402  (matplotlib: the 'explain' extra)
from char_gpt import CharData, load_text, lr_factor  # noqa: E402
from gpt import GPT, GPTConfig  # noqa: E402

PROMPT = "The while statement is used for repeated execution as long as an expres"
SHOWN = 24


def train(data, args):
    ag.manual_seed(args.seed)
    config = GPTConfig(block_size=128, vocab_size=len(data.vocab), n_layer=2 if args.quick
                       else 3, n_head=4, n_embd=32 if args.quick else 96, dropout=0.0)
    model = GPT(config)
    iters = args.iters or (30 if args.quick else 600)
    opt = model.configure_optimizers(0.1, 3e-3)
    sched = nn.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, 30, iters, 0.1))
    rng = np.random.default_rng(args.seed)
    model.train()
    for step in range(iters):
        x, y = data.batch("train", 16, 64, rng)
        loss = model(x, y)[1]
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if (step + 1) % max(1, iters // 5) == 0:
            print(f"step {step + 1:4d}/{iters}  loss {loss.item():.3f}", flush=True)
    return model


def load(path):
    state = nn.load(path)
    model = GPT(GPTConfig(**state["config"]))
    model.load_state_dict(state["model"])
    return model, state["vocab"]


def attention_weights(model, ids):
    """(layers, heads, T, T) softmax(q k^T / sqrt(d) + causal mask) of sample 0, from the
    captured q/k/v projections; also the largest difference between att @ v and the
    attention output the model fed to c_proj."""
    blocks = model.transformer.h
    names = [f"transformer.h.{i}.attn.c_attn" for i in range(len(blocks))]
    _, cache = ex.capture(model, ids, names=names)
    worst, maps = 0.0, []
    for i, name in enumerate(names):
        qkv = cache[name].data[0]                     # (T, 3C)
        t, c3 = qkv.shape
        c, h = c3 // 3, model.config.n_head
        q, k, v = (qkv[:, j * c:(j + 1) * c].reshape(t, h, c // h).transpose(1, 0, 2)
                   for j in range(3))
        s = q @ k.transpose(0, 2, 1) / math.sqrt(c // h)
        s = np.where(np.triu(np.ones((t, t), bool), 1), -np.inf, s)
        w = np.exp(s - s.max(-1, keepdims=True))
        w /= w.sum(-1, keepdims=True)
        maps.append(w)
        y = ex.LayerActivation(model, blocks[i].attn.c_proj).attribute(
            ids, attribute_to_layer_input=True).data[0]
        worst = max(worst, float(np.abs((w @ v).transpose(1, 0, 2).reshape(t, c) - y).max()))
    return np.stack(maps), worst


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="runs/explain_gpt", metavar="DIR",
                    help="directory for the HTML and pictures (default: %(default)s)")
    ap.add_argument("--checkpoint", default=None, metavar="PATH",
                    help="a checkpoint written by char_gpt.py (default: train here)")
    ap.add_argument("--iters", type=int, default=None, help="training steps (default 600; "
                    "30 with --quick)")
    ap.add_argument("--prompt", default=PROMPT, help="the context (default: %(default)r)")
    ap.add_argument("--steps", type=int, default=None,
                    help="integration steps (default 50; 16 with --quick)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quick", action="store_true", help="a tiny model, a few steps (tests)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    tic = time.perf_counter()

    corpus, _ = load_text()
    if args.checkpoint:
        model, vocab = load(args.checkpoint)
        data = CharData(corpus, vocab)
    else:
        data = CharData(corpus)
        model = train(data, args)
    model = model.double().eval()
    missing = sorted(set(args.prompt) - set(data.vocab))
    if missing:
        sys.exit(f"--prompt: characters not in the model's vocabulary: {missing}")
    prompt = args.prompt[-model.config.block_size:]
    ids = ag.tensor([[data.stoi[ch] for ch in prompt]])

    def next_logits(idx):
        return model(idx)[0][:, -1, :]

    with ag.no_grad():
        probs = nn.functional.softmax(next_logits(ids), dim=-1).data[0]
    pred = int(probs.argmax())
    lig = ex.LayerIntegratedGradients(next_logits, model.transformer.wte)
    baseline = ag.full(ids.shape, data.stoi[" "], dtype=ag.int64)
    attr, delta = lig.attribute(ids, baselines=baseline, target=pred,
                                n_steps=args.steps or (16 if args.quick else 50),
                                internal_batch_size=64, return_convergence_delta=True)
    per_char = attr.data[0].sum(-1)
    print(f"context: {prompt!r}")
    print(f"predicted next character: {data.vocab[pred]!r} (p = {probs[pred]:.3f})")
    print(f"convergence delta {float(delta.data[0]):.2e} (logit change from the all-space "
          f"context {float(per_char.sum() - delta.data[0]):.3f})")
    top = np.argsort(-np.abs(per_char))[:8]
    print("largest attributions: " + ", ".join(
        f"{prompt[i]!r}@{i} {per_char[i]:+.3f}" for i in sorted(top)))
    page = text.token_html(list(prompt), per_char, prediction=repr(data.vocab[pred]),
                              probability=probs[pred], delta=float(delta.data[0]),
                              title="which characters the next-character prediction uses")
    with open(os.path.join(args.out, "explain_gpt_tokens.html"), "w", encoding="utf-8") as f:
        f.write(page)
    fig, _ = text.token_figure(list(prompt), per_char, prediction=data.vocab[pred],
                                  probability=probs[pred], per_line=36)
    fig.savefig(os.path.join(args.out, "explain_gpt_tokens.png"), dpi=110)

    maps, worst = attention_weights(model, ids)
    print(f"attention: {maps.shape[0]} layers x {maps.shape[1]} heads; recomputed weights "
          f"reproduce the model's attention output to {worst:.1e}")
    shown = maps[:, :, -SHOWN:, -SHOWN:]
    fig, _ = plot.attention_maps(shown, tokens=list(prompt[-SHOWN:]),
                                    layer_names=[f"block {i}" for i in range(len(maps))])
    fig.savefig(os.path.join(args.out, "explain_gpt_attention.png"), dpi=110)
    print(f"written to {args.out}: explain_gpt_tokens.html, explain_gpt_tokens.png, "
          f"explain_gpt_attention.png  ({time.perf_counter() - tic:.1f} s)")


if __name__ == "__main__":
    main()
