"""Train a character-level GPT (examples/gpt.py) on text that ships with Python itself.

    python examples/char_gpt.py                  # the full run (~3,000 steps)
    python examples/char_gpt.py --quick          # a small model, under a minute
    python examples/char_gpt.py --resume         # continue from OUT/ckpt.gg
    python examples/char_gpt.py --stop-after 500 # ... and stop early, to --resume later
    python examples/char_gpt.py --help
    mpiexec -n 4 python examples/char_gpt.py --dp 2 --tp 2   # several processes:
                                                 # --tp/--dp/--pp, examples/gpt_parallel.py
                                                 # (--resume too: a shard per process)

The text is the documentation that `pydoc` shows for Python's keywords and topics
(``help("if")``, ``help("FORMATTING")``, ...): the ``pydoc_data.topics`` module of the
installed Python, ~465,000 characters of English prose with code on 3.11, read at run
time (no download). Where a Python build leaves that module out, the standard library's
own top-level ``*.py`` sources are used instead (sorted by name, first 500,000
characters). The topics are joined in sorted order; the first 90% of the characters are
the training set, the last 10% the validation set: the split is deterministic.

Training: AdamW with weight decay on the 2-d weights only, linear warmup then cosine
decay of the learning rate, gradient clipping, dropout. Every --eval-interval steps the
validation loss is measured (on the same fixed batches each time) and a checkpoint is
saved (model, optimizer, scheduler, step, random-generator states); --resume continues
from it and gives the same weights as an uninterrupted run. At the end: a text sample
(temperature, top-k), and the module-collapsed graph picture and gradient flow of one
small batch (.dot files; .svg too where Graphviz's `dot` is installed). The unigram
baseline printed first is the validation cross-entropy of the training set's character
frequencies: the loss to beat.
"""
import argparse
import math
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import autograd as ag  # noqa: E402
import nn  # noqa: E402
from nn.optim.lr_scheduler import LambdaLR  # noqa: E402

from gpt import GPT, GPTConfig  # noqa: E402


def load_text():
    """(text, description of where it came from)."""
    try:
        from pydoc_data.topics import topics
        return "".join(topics[k] for k in sorted(topics)), "pydoc_data.topics"
    except ImportError:
        pass
    import sysconfig
    root = sysconfig.get_paths()["stdlib"]
    parts, size = [], 0
    for name in sorted(os.listdir(root)):
        if name.endswith(".py") and size < 500_000:
            with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                parts.append(f.read())
            size += len(parts[-1])
    return "".join(parts)[:500_000], f"the standard library's *.py files in {root}"


class CharData:
    """The text as int64 token ids, split 90/10, and random (B, T) batches from it."""

    def __init__(self, text, vocab=None):
        self.vocab = vocab or "".join(sorted(set(text)))
        self.stoi = {c: i for i, c in enumerate(self.vocab)}
        ids = np.array([self.stoi[c] for c in text], np.int64)
        n = int(0.9 * len(ids))
        self.train, self.val = ids[:n], ids[n:]

    def batch(self, split, batch_size, block_size, rng):
        data = self.train if split == "train" else self.val
        start = rng.integers(0, len(data) - block_size - 1, batch_size)
        rows = start[:, None] + np.arange(block_size + 1)
        chunk = data[rows]
        return ag.tensor(chunk[:, :-1]), ag.tensor(chunk[:, 1:])

    def unigram_loss(self):
        """Validation cross-entropy (nats) of the training characters' frequencies
        (add-one smoothed)."""
        counts = np.bincount(self.train, minlength=len(self.vocab)) + 1.0
        logp = np.log(counts / counts.sum())
        return float(-logp[self.val].mean())

    def decode(self, ids):
        return "".join(self.vocab[i] for i in ids)


def lr_factor(step, warmup, total, min_ratio):
    """Linear warmup over `warmup` steps, then cosine decay to `min_ratio` at `total`."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return min_ratio + 0.5 * (1.0 - min_ratio) * (1.0 + math.cos(math.pi * progress))


@ag.no_grad()
def evaluate(model, data, args):
    """Mean loss over --eval-iters batches of each split, the same batches every call."""
    model.eval()
    out = {}
    for split in ("train", "val"):
        rng = np.random.default_rng(12345)
        losses = [model(*data.batch(split, args.batch_size, args.block_size, rng))[1].item()
                  for _ in range(args.eval_iters)]
        out[split] = float(np.mean(losses))
    model.train()
    return out


def save_checkpoint(path, step, model, opt, sched, rng, config, data):
    nn.save({"step": step, "config": vars(config).copy(), "vocab": data.vocab,
             "model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict(), "batch_rng": rng.bit_generator.state,
             "rng": ag.default_generator().bit_generator.state}, path)


def draw_pictures(model, data, out):
    """The module-collapsed graph of one small batch and its gradient flow."""
    try:
        import viz
        x, y = data.batch("val", 2, min(16, model.config.block_size), np.random.default_rng(0))
        model.zero_grad()
        loss = model(x, y)[1]
        written = viz.save(viz.draw_graph(loss, params=model, group_by="module", collapse=True),
                           os.path.join(out, "gpt-graph.svg"))
        with viz.record_gradient_flow():
            loss.backward()
        written += viz.save(viz.draw_gradient_flow(loss, model, group_by="module"),
                            os.path.join(out, "gpt-gradient-flow.svg"))
        model.zero_grad()
        print(f"pictures: {', '.join(written)}")
    except Exception as e:          # a picture is a bonus; the training result stands
        print(f"could not draw the pictures: {type(e).__name__}: {e}")


def make_train_step(model, opt, sched, grad_clip):
    """One training step on a batch (x, y): forward, backward, clipping, AdamW, the
    schedule; returns the loss. A plain function, so ag.compile can trace it."""
    def train_step(x, y):
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        if grad_clip:
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt.step()
        sched.step()
        return loss
    return train_step


def _clock(seconds):
    m, s = divmod(int(seconds), 60)
    return f"{m}m{s:02d}s" if m else f"{s}s"


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iters", type=int, default=None, help="training steps (default 3000; "
                    "--quick: 80)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--block-size", type=int, default=None, help="context length "
                    "(default 64; --quick: 32)")
    ap.add_argument("--n-layer", type=int, default=None, help="default 4; --quick: 2")
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=None, help="default 128; --quick: 64")
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    ap.add_argument("--min-lr-ratio", type=float, default=0.1,
                    help="final learning rate / peak (cosine decay)")
    ap.add_argument("--warmup", type=int, default=None, help="warmup steps (default 100; "
                    "--quick: 10)")
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--grad-clip", type=float, default=1.0, help="max gradient norm (0: off)")
    ap.add_argument("--eval-interval", type=int, default=None,
                    help="steps between validation and checkpoint (default 250; --quick: 40)")
    ap.add_argument("--eval-iters", type=int, default=None,
                    help="batches per evaluation (default 40; --quick: 4)")
    ap.add_argument("--log-interval", type=int, default=None, help="default 50; --quick: 10")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/char_gpt", metavar="DIR",
                    help="directory for the checkpoint and pictures (default: %(default)s)")
    ap.add_argument("--resume", action="store_true", help="continue from OUT/ckpt.gg (under "
                    "mpiexec: from each process's OUT/ckpt-rank{r}-of-{n}.gg)")
    ap.add_argument("--stop-after", type=int, default=None, metavar="N",
                    help="stop after N steps of this run, saving a checkpoint (continue "
                         "with --resume)")
    ap.add_argument("--sample-len", type=int, default=None, help="characters to sample at "
                    "the end (default 400; --quick: 120)")
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--top-k", type=int, default=20)
    ap.add_argument("--prompt", default="The ")
    ap.add_argument("--threads", type=int, default=None, help="BLAS threads")
    ap.add_argument("--no-pictures", action="store_true")
    ap.add_argument("--compile", action="store_true", help="ag.compile the training step "
                    "(the first --log-interval steps run eagerly; both speeds are printed)")
    ap.add_argument("--quick", action="store_true", help="a small model for a few steps")
    par = ap.add_argument_group("several processes (under mpiexec; examples/gpt_parallel.py)")
    par.add_argument("--tp", type=int, default=1, help="tensor-parallel processes")
    par.add_argument("--dp", type=int, default=1, help="data-parallel replicas")
    par.add_argument("--pp", type=int, default=1, help="pipeline stages (1F1B)")
    par.add_argument("--chunks", type=int, default=4, help="pipeline micro-batches")
    args = ap.parse_args(argv)
    quick = dict(iters=80, block_size=32, n_layer=2, n_embd=64, warmup=10, eval_interval=40,
                 eval_iters=4, log_interval=10, sample_len=120)
    full = dict(iters=3000, block_size=64, n_layer=4, n_embd=128, warmup=100,
                eval_interval=250, eval_iters=40, log_interval=50, sample_len=400)
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    warnings.simplefilter("ignore", UserWarning)     # e.g. "Graphviz is not installed"
    if args.threads:
        ag.set_num_threads(args.threads)
    text, source = load_text()
    data = CharData(text)
    ag.manual_seed(args.seed)
    config = GPTConfig(block_size=args.block_size, vocab_size=len(data.vocab),
                       n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd,
                       dropout=args.dropout)
    if args.tp * args.dp * args.pp > 1:
        import gpt_parallel
        return gpt_parallel.train(args, data, config)
    model = GPT(config)
    opt = model.configure_optimizers(args.weight_decay, args.lr)
    sched = LambdaLR(opt, lambda s: lr_factor(s, args.warmup, args.iters, args.min_lr_ratio))
    rng = np.random.default_rng(args.seed)
    path = os.path.join(args.out, "ckpt.gg")
    start = 0
    if args.resume:
        if not os.path.exists(path):
            sys.exit(f"--resume: no checkpoint at {path}")
        state = nn.load(path)
        if state["config"] != vars(config) or state["vocab"] != data.vocab:
            sys.exit(f"--resume: {path} holds a model of another configuration or vocabulary: "
                     f"{state['config']}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        rng.bit_generator.state = state["batch_rng"]
        ag.default_generator().bit_generator.state = state["rng"]
        start = state["step"]
        print(f"resumed from {path} at step {start}")
    print(f"text: {source}, {len(text):,} characters, vocabulary {len(data.vocab)}; "
          f"train {len(data.train):,} / val {len(data.val):,}")
    print(f"model: {model.num_parameters():,} parameters ({config.n_layer} layers, "
          f"{config.n_head} heads, {config.n_embd} wide, context {config.block_size})")
    print(f"unigram baseline: val loss {data.unigram_loss():.4f}")

    tokens = args.batch_size * args.block_size
    tic, done = time.perf_counter(), 0
    stop = args.iters if args.stop_after is None else min(args.iters, start + args.stop_after)
    train_step = make_train_step(model, opt, sched, args.grad_clip)
    if args.compile:        # the same results, bit for bit; eager for the first steps
        train_step = ag.compile(train_step, warmup=args.log_interval)
    timing = {"eager": [0.0, 0], "compiled": [0.0, 0]}
    for step in range(start, stop):
        x, y = data.batch("train", args.batch_size, args.block_size, rng)
        t0 = time.perf_counter()
        loss = train_step(x, y)
        mode = "compiled" if args.compile and getattr(train_step, "replays", 0) else "eager"
        if not args.compile or step - start != args.log_interval:    # not the trace
            timing[mode][0] += time.perf_counter() - t0
            timing[mode][1] += 1
        done += 1
        if (step + 1) % args.log_interval == 0 or step == start:
            elapsed = time.perf_counter() - tic
            rate = done * tokens / elapsed
            eta = (args.iters - step - 1) * elapsed / done
            print(f"step {step + 1:5d}/{args.iters}  loss {loss.item():.4f}  "
                  f"lr {sched.get_last_lr()[0]:.2e}  {rate:7,.0f} tokens/s  ETA {_clock(eta)}",
                  flush=True)
        if (step + 1) % args.eval_interval == 0 or step + 1 == stop:
            losses = evaluate(model, data, args)
            print(f"step {step + 1:5d}  train loss {losses['train']:.4f}  "
                  f"val loss {losses['val']:.4f}", flush=True)
            save_checkpoint(path, step + 1, model, opt, sched, rng, config, data)
    speeds = {m: n * tokens / t for m, (t, n) in timing.items() if n}
    print("training speed: " + ", ".join(f"{m} {v:,.0f} tokens/s" for m, v in speeds.items())
          + (f" ({speeds['compiled'] / speeds['eager']:.2f}x)" if len(speeds) == 2 else ""))
    losses = evaluate(model, data, args)
    print(f"final: train loss {losses['train']:.4f}  val loss {losses['val']:.4f}  "
          f"(unigram baseline {data.unigram_loss():.4f}); checkpoint {path}")
    prompt = np.array([[data.stoi.get(c, 0) for c in args.prompt]], np.int64)
    out = model.generate(prompt, args.sample_len, temperature=args.temperature,
                         top_k=args.top_k, generator=np.random.default_rng(args.seed))
    print(f"sample (temperature {args.temperature}, top-k {args.top_k}):")
    print(data.decode(out.data[0]))
    if not args.no_pictures:
        draw_pictures(model, data, args.out)
    return losses


if __name__ == "__main__":
    main()
