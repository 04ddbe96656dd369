"""A GPT (decoder-only transformer) in gradgraph: the model only, importable.

    from examples.gpt import GPT, GPTConfig
    model = GPT(GPTConfig(vocab_size=100, block_size=64, n_layer=4, n_head=4, n_embd=128))
    logits, loss = model(idx, targets)        # idx, targets: int64 (B, T)

The layout and parameter names follow nanoGPT (``transformer.wte``, ``transformer.wpe``,
``transformer.h.<i>.ln_1``, ``.attn.c_attn``, ``.attn.c_proj``, ``.ln_2``,
``.mlp.c_fc``, ``.mlp.c_proj``, ``transformer.ln_f``, ``lm_head``), so a nanoGPT
state_dict of the same configuration loads with ``load_state_dict``:

- token + learned position embeddings, dropout;
- ``n_layer`` blocks ``x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))`` (pre-LayerNorm),
  causal multi-head self-attention (one fused q/k/v projection), a 4x GELU MLP (exact
  GELU), dropout on the attention weights and on each residual branch;
- a final LayerNorm and the output head, whose weight is the token embedding's (tied).

Initialisation as GPT-2: N(0, 0.02) for linear and embedding weights, zero biases, and
N(0, 0.02 / sqrt(2 n_layer)) for the projections that feed the residual stream.

Interface (stable: other code imports it): ``GPTConfig`` (a dataclass), ``GPT(config)``
with ``forward(idx, targets=None) -> (logits, loss or None)``,
``configure_optimizers(weight_decay, learning_rate, betas)`` (AdamW with decay on the
2-d weights only), ``generate(idx, max_new_tokens, temperature=1.0, top_k=None)``,
``num_parameters()``; and ``Block``, ``CausalSelfAttention``, ``MLP``.
"""
import math
from dataclasses import dataclass

import numpy as np

import autograd as ag
import nn
import nn.functional as F


@dataclass
class GPTConfig:
    block_size: int = 64        # longest context (number of positions)
    vocab_size: int = 100
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True           # biases in the Linear layers and LayerNorms


def causal_attention(q, k, v, dropout_p=0.0, training=False):
    """softmax(q k^T / sqrt(d) + causal mask) v for q, k, v of shape (B, H, T, d).
    Uses ``F.scaled_dot_product_attention`` when gradgraph has it."""
    sdpa = getattr(F, "scaled_dot_product_attention", None)
    if sdpa is not None:
        return sdpa(q, k, v, dropout_p=dropout_p if training else 0.0, is_causal=True)
    t = q.shape[-2]
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))
    att = ag.masked_fill(att, _future(t), -math.inf)
    att = F.softmax(att, dim=-1)
    att = F.dropout(att, dropout_p, training)
    return att @ v


_FUTURE = {}


def _future(t):
    """Bool (t, t): True above the diagonal (positions a query may not see)."""
    if t not in _FUTURE:
        _FUTURE[t] = np.triu(np.ones((t, t), bool), 1)
    return _FUTURE[t]


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(f"n_embd {config.n_embd} is not a multiple of n_head "
                             f"{config.n_head}")
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = nn.Dropout(config.dropout)
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout

    def forward(self, x):
        b, t, c = x.shape
        h = self.n_head
        # (B, T, 3C) -> (3, B, H, T, C/H): q, k, v as views of one projection.
        qkv = self.c_attn(x).reshape(b, t, 3, h, c // h).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        y = causal_attention(q, k, v, self.dropout, self.training)
        y = y.transpose(1, 2).reshape(b, t, c)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """x + attn(ln_1(x)), then + mlp(ln_2(.)): pre-LayerNorm residual block."""

    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),
            wpe=nn.Embedding(config.block_size, config.n_embd),
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.transformer.wte.weight        # weight tying
        with ag.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("c_proj.weight"):
                    nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * config.n_layer))
                elif p.ndim == 2:
                    nn.init.normal_(p, 0.0, 0.02)
                elif name.endswith(".bias"):
                    nn.init.zeros_(p)

    def num_parameters(self, non_embedding=True):
        """Parameters counted once (the tied head is the token embedding); without the
        position embedding if `non_embedding`, as nanoGPT reports."""
        n = sum(p.numel() for p in self.parameters())
        return n - self.transformer.wpe.weight.numel() if non_embedding else n

    def forward(self, idx, targets=None):
        """Logits (B, T, vocab) for token ids `idx` (B, T); with `targets` (B, T) also
        the mean cross-entropy (targets equal to -1 are ignored)."""
        b, t = idx.shape
        if t > self.config.block_size:
            raise ValueError(f"GPT: sequence of length {t} is longer than block_size "
                             f"{self.config.block_size}")
        tr = self.transformer
        pos = ag.tensor(np.arange(t, dtype=np.int64))
        x = tr.drop(tr.wte(idx) + tr.wpe(pos))
        for block in tr.h:
            x = block(x)
        logits = self.lm_head(tr.ln_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.reshape(b * t, -1), targets.reshape(b * t),
                               ignore_index=-1)
        return logits, loss

    def configure_optimizers(self, weight_decay, learning_rate, betas=(0.9, 0.95), eps=1e-8):
        """AdamW with two groups: weight decay on every parameter of 2 or more dims
        (matmul weights, embeddings), none on biases and LayerNorm weights."""
        params = dict(self.named_parameters())
        decay = [p for p in params.values() if p.ndim >= 2]
        no_decay = [p for p in params.values() if p.ndim < 2]
        groups = [{"params": decay, "weight_decay": weight_decay},
                  {"params": no_decay, "weight_decay": 0.0}]
        return nn.optim.AdamW(groups, lr=learning_rate, betas=betas, eps=eps)

    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, generator=None):
        """Extend `idx` (B, T) by `max_new_tokens` sampled tokens: logits of the last
        position / temperature, only the `top_k` largest kept, softmax, one draw.
        Draws from `generator` (a numpy Generator) or autograd's default generator."""
        rng = generator if generator is not None else ag.default_generator()
        out = np.array(idx.data if isinstance(idx, ag.Tensor) else idx, dtype=np.int64)
        was_training = self.training
        self.eval()
        try:
            with ag.no_grad():
                for _ in range(max_new_tokens):
                    ctx = ag.tensor(out[:, -self.config.block_size:])
                    logits = self(ctx)[0].data[:, -1, :].astype(np.float64)
                    out = np.concatenate([out, sample_next(logits, temperature, top_k, rng)],
                                         axis=1)
        finally:
            self.train(was_training)
        return ag.tensor(out)


def sample_next(logits, temperature, top_k, rng):
    """One token id per row of `logits` (B, V): softmax(logits / temperature) restricted
    to the `top_k` largest logits (ties at the k-th value kept). Returns (B, 1) int64."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    z = logits / temperature
    if top_k is not None and top_k < z.shape[-1]:
        kth = np.partition(z, -top_k, axis=-1)[:, -top_k:].min(axis=-1, keepdims=True)
        z = np.where(z < kth, -np.inf, z)
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    u = rng.random((len(p), 1))
    idx = (np.cumsum(p, axis=-1) < u).sum(axis=-1, keepdims=True)
    return np.minimum(idx, p.shape[-1] - 1).astype(np.int64)


def main(argv=None):
    """Build a GPT from the command line's config and run one forward pass on random
    tokens: prints the parameter count and the loss (about log(vocab_size) at init)."""
    import argparse
    ap = argparse.ArgumentParser(
        description="The GPT model of this file (importable: from gpt import GPT, GPTConfig). "
                    "Run alone, it builds one and prints its size and the loss of a random "
                    "batch; train it with examples/char_gpt.py.")
    defaults = GPTConfig()
    for name in ("block_size", "vocab_size", "n_layer", "n_head", "n_embd"):
        ap.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name),
                        help="(default: %(default)s)")
    ap.add_argument("--batch-size", type=int, default=4, help="(default: %(default)s)")
    ap.add_argument("--seed", type=int, default=0, help="(default: %(default)s)")
    args = ap.parse_args(argv)
    cfg = GPTConfig(block_size=args.block_size, vocab_size=args.vocab_size,
                    n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd)
    ag.manual_seed(args.seed)
    model = GPT(cfg)
    rng = np.random.default_rng(args.seed)
    idx = ag.tensor(rng.integers(0, cfg.vocab_size, (args.batch_size, cfg.block_size)))
    targets = ag.tensor(rng.integers(0, cfg.vocab_size, (args.batch_size, cfg.block_size)))
    with ag.no_grad():
        _, loss = model(idx, targets)
    n = sum(p.numel() for p in model.parameters())
    print(f"GPT {cfg}: {n:,} parameters; loss of a random batch {loss.item():.4f} "
          f"(log vocab_size = {math.log(cfg.vocab_size):.4f})")
    return loss.item()


if __name__ == "__main__":
    main()
