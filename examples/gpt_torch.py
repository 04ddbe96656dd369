"""examples/gpt.py's GPT written in PyTorch (nanoGPT's code and parameter names), for the
parity test (tests/test_gpt_parity.py) and the speed benchmark
(benchmarks/transformer_step.py). Dropout is left out (both use dropout 0).

    tm = torch_gpt(torch, config, gradgraph_model)   # the same weights
"""
import numpy as np


def torch_gpt(torch, cfg, model=None):
    """A torch.nn.Module GPT for `cfg` (a GPTConfig), with `model`'s weights if given
    (its dtype then too). forward(idx, targets) -> (logits, mean cross-entropy)."""
    tnn, tF = torch.nn, torch.nn.functional

    class Attention(tnn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = tnn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=cfg.bias)
            self.c_proj = tnn.Linear(cfg.n_embd, cfg.n_embd, bias=cfg.bias)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.c_attn(x).split(c, dim=2)
            q, k, v = (z.view(b, t, cfg.n_head, c // cfg.n_head).transpose(1, 2)
                       for z in (q, k, v))
            y = tF.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))

    class Mlp(tnn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc = tnn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=cfg.bias)
            self.gelu = tnn.GELU()
            self.c_proj = tnn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=cfg.bias)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(tnn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = tnn.LayerNorm(cfg.n_embd, bias=cfg.bias)
            self.attn = Attention()
            self.ln_2 = tnn.LayerNorm(cfg.n_embd, bias=cfg.bias)
            self.mlp = Mlp()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class Gpt(tnn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = tnn.ModuleDict(dict(
                wte=tnn.Embedding(cfg.vocab_size, cfg.n_embd),
                wpe=tnn.Embedding(cfg.block_size, cfg.n_embd),
                h=tnn.ModuleList([Block() for _ in range(cfg.n_layer)]),
                ln_f=tnn.LayerNorm(cfg.n_embd, bias=cfg.bias)))
            self.lm_head = tnn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
            self.lm_head.weight = self.transformer.wte.weight          # weight tying

        def forward(self, idx, targets):
            tr = self.transformer
            x = tr.wte(idx) + tr.wpe(torch.arange(idx.shape[1]))
            for block in tr.h:
                x = block(x)
            logits = self.lm_head(tr.ln_f(x))
            return logits, tF.cross_entropy(logits.flatten(0, 1), targets.flatten())

    tm = Gpt()
    if model is not None:
        dtype = model.lm_head.weight.data.dtype
        tm = tm.to(torch.float64 if dtype == np.float64 else torch.float32)
        result = tm.load_state_dict({k: torch.from_numpy(np.array(v.data))
                                     for k, v in model.state_dict().items()})
        if result.missing_keys or result.unexpected_keys:
            raise KeyError(f"torch_gpt: state_dict mismatch: {result}")
    return tm


def main(argv=None):
    """The same GPT in both libraries with the same weights: prints the largest
    difference of their logits and losses on a random batch, in float64."""
    import argparse
    import os
    import sys
    ap = argparse.ArgumentParser(
        description="examples/gpt.py's GPT in PyTorch (importable: torch_gpt). Run alone, "
                    "it compares the two on a random batch with the same weights (needs "
                    "torch).")
    ap.add_argument("--n-layer", type=int, default=2, help="(default: %(default)s)")
    ap.add_argument("--n-embd", type=int, default=32, help="(default: %(default)s)")
    ap.add_argument("--seed", type=int, default=0, help="(default: %(default)s)")
    args = ap.parse_args(argv)
    try:
        import torch
    except ImportError:
        ap.exit(1, "gpt_torch.py: PyTorch is not installed (pip install torch)\n")
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [here, os.path.dirname(here)]
    import autograd as ag
    from gpt import GPT, GPTConfig
    cfg = GPTConfig(block_size=16, vocab_size=50, n_layer=args.n_layer, n_head=4,
                    n_embd=args.n_embd)
    ag.manual_seed(args.seed)
    model = GPT(cfg).double()
    tm = torch_gpt(torch, cfg, model)
    rng = np.random.default_rng(args.seed)
    idx = rng.integers(0, cfg.vocab_size, (3, cfg.block_size))
    tgt = rng.integers(0, cfg.vocab_size, (3, cfg.block_size))
    logits, loss = model(ag.tensor(idx), ag.tensor(tgt))
    tlogits, tloss = tm(torch.from_numpy(idx), torch.from_numpy(tgt))
    diff = float(np.abs(logits.detach().data - tlogits.detach().numpy()).max())
    print(f"max |logits difference| {diff:.3g}; loss {loss.item():.10f} (gradgraph), "
          f"{tloss.item():.10f} (PyTorch)")
    return diff


if __name__ == "__main__":
    main()
