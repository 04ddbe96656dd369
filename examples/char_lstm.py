"""Train a character-level LSTM with truncated backpropagation through time on the text
that examples/char_gpt.py uses (Python's own pydoc topics, read at run time).

    python examples/char_lstm.py                 # 500 steps, a 2-layer LSTM of 256
    python examples/char_lstm.py --compile       # the same run under ag.compile
    python examples/char_lstm.py --quick         # a small model for a few steps

The training text is cut into --batch-size streams read side by side, --bptt
characters per step; the LSTM's (h, c) at the end of one step is the next step's
initial state, detached (gradients stop at the step's first character). With
--compile, the step is traced once and replayed, the carried (h, c) passed from replay
to replay; the losses are the eager run's bit for bit. Printed: the loss every
--log-interval steps, the speed of eager and compiled steps, the validation loss
against the unigram baseline, and a sample.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import autograd as ag  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

from char_gpt import CharData, load_text  # noqa: E402


class CharLSTM(nn.Module):
    """Embedding -> LSTM (batch first, dropout between layers) -> Linear to the
    vocabulary; `state` holds the (h, c) carried from call to call (None: zeros)."""

    def __init__(self, vocab, embed, hidden, layers, dropout):
        super().__init__()
        self.emb = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, dropout=dropout * (layers > 1),
                            batch_first=True)
        self.head = nn.Linear(hidden, vocab)
        self.state = None

    def forward(self, idx):
        state = None if self.state is None else tuple(s.detach() for s in self.state)
        out, self.state = self.lstm(self.emb(idx), state)
        return self.head(out)


def streams(ids, batch_size):
    """The ids cut into batch_size equal streams, one per row."""
    n = len(ids) // batch_size
    return ids[:n * batch_size].reshape(batch_size, n)


def make_train_step(model, opt, vocab, grad_clip):
    def train_step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt.step()
        return loss
    return train_step


@ag.no_grad()
def validation_loss(model, data, args):
    """Mean cross-entropy over the validation text read as streams (at most 20 chunks)."""
    model.eval()
    saved, model.state = model.state, None
    val, losses = streams(data.val, args.batch_size), []
    for i in range(0, min(val.shape[1] - 1, 20 * args.bptt), args.bptt):
        x, y = val[:, i:i + args.bptt], val[:, i + 1:i + 1 + args.bptt]
        x = x[:, :y.shape[1]]
        logits = model(ag.tensor(x))
        losses.append(F.cross_entropy(logits.reshape(-1, len(data.vocab)),
                                      ag.tensor(y.reshape(-1))).item())
    model.state = saved
    model.train()
    return float(np.mean(losses))


@ag.no_grad()
def sample(model, data, prompt, length, temperature, rng):
    model.eval()
    model.state = None
    ids = [data.stoi.get(c, 0) for c in prompt]
    logits = model(ag.tensor(np.array([ids], np.int64)))[0, -1]
    for _ in range(length):
        p = F.softmax(logits / temperature, -1).data.astype(np.float64)
        ids.append(int(rng.choice(len(p), p=p / p.sum())))
        logits = model(ag.tensor(np.array([[ids[-1]]], np.int64)))[0, -1]
    return data.decode(ids)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--iters", type=int, default=None, help="training steps (default 500; "
                    "--quick: 60)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--bptt", type=int, default=None, help="characters per step "
                    "(default 64; --quick: 32)")
    ap.add_argument("--hidden", type=int, default=None, help="default 256; --quick: 64")
    ap.add_argument("--layers", type=int, default=None, help="default 2; --quick: 1")
    ap.add_argument("--embed", type=int, default=64)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--log-interval", type=int, default=None, help="default 50; --quick: 10")
    ap.add_argument("--sample-len", type=int, default=200)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--prompt", default="The ")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None, help="BLAS threads")
    ap.add_argument("--compile", action="store_true", help="ag.compile the training step "
                    "(the first --log-interval steps run eagerly; both speeds are printed)")
    ap.add_argument("--quick", action="store_true", help="a small model for a few steps")
    args = ap.parse_args(argv)
    defaults = (dict(iters=60, bptt=32, hidden=64, layers=1, log_interval=10) if args.quick
                else dict(iters=500, bptt=64, hidden=256, layers=2, log_interval=50))
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        ag.set_num_threads(args.threads)
    text, source = load_text()
    data = CharData(text)
    ag.manual_seed(args.seed)
    vocab = len(data.vocab)
    model = CharLSTM(vocab, args.embed, args.hidden, args.layers, args.dropout)
    opt = nn.optim.Adam(model.parameters(), lr=args.lr)
    train = streams(data.train, args.batch_size)
    print(f"text: {source}, {len(text):,} characters, vocabulary {vocab}; "
          f"{args.batch_size} streams of {train.shape[1]:,}")
    print(f"model: {sum(p.numel() for p in model.parameters()):,} parameters (LSTM of "
          f"{args.layers} layer(s), {args.hidden} wide); unigram baseline: val loss "
          f"{data.unigram_loss():.4f}")
    train_step = make_train_step(model, opt, vocab, args.grad_clip)
    if args.compile:
        train_step = ag.compile(train_step, warmup=args.log_interval)
    timing = {"eager": [0.0, 0], "compiled": [0.0, 0]}
    pos, tokens = 0, args.batch_size * args.bptt
    for step in range(args.iters):
        if pos + args.bptt + 1 > train.shape[1]:
            pos, model.state = 0, None
        x = ag.tensor(train[:, pos:pos + args.bptt])
        y = ag.tensor(train[:, pos + 1:pos + 1 + args.bptt])
        pos += args.bptt
        t0 = time.perf_counter()
        loss = train_step(x, y)
        mode = "compiled" if args.compile and getattr(train_step, "replays", 0) else "eager"
        if not args.compile or step != args.log_interval:       # not the trace
            timing[mode][0] += time.perf_counter() - t0
            timing[mode][1] += 1
        if (step + 1) % args.log_interval == 0 or step == 0:
            print(f"step {step + 1:5d}/{args.iters}  loss {loss.item():.4f}", flush=True)
    speeds = {m: n * tokens / t for m, (t, n) in timing.items() if n}
    print("training speed: " + ", ".join(f"{m} {v:,.0f} tokens/s" for m, v in speeds.items())
          + (f" ({speeds['compiled'] / speeds['eager']:.2f}x)" if len(speeds) == 2 else ""))
    val = validation_loss(model, data, args)
    print(f"final: val loss {val:.4f} (unigram baseline {data.unigram_loss():.4f})")
    print(f"sample (temperature {args.temperature}):")
    print(sample(model, data, args.prompt, args.sample_len, args.temperature,
                 np.random.default_rng(args.seed)))
    return val


if __name__ == "__main__":
    main()
