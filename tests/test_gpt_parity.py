"""examples/gpt.py against the same GPT written in PyTorch (nanoGPT's layout), float64:
logits, loss, every gradient, and 20 steps of AdamW + gradient clipping + a warmup and
cosine schedule."""
import math
import pathlib
import sys

import numpy as np
import pytest

import autograd as ag
import nn
from nn.optim.lr_scheduler import LambdaLR

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "examples"))
from gpt import GPT, GPTConfig  # noqa: E402

torch = pytest.importorskip("torch")
CFG = GPTConfig(block_size=8, vocab_size=11, n_layer=2, n_head=2, n_embd=12, dropout=0.0)


def torch_gpt(cfg):
    tnn, tF = torch.nn, torch.nn.functional

    class Attention(tnn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = tnn.Linear(cfg.n_embd, 3 * cfg.n_embd)
            self.c_proj = tnn.Linear(cfg.n_embd, cfg.n_embd)

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
            self.c_fc, self.gelu = tnn.Linear(cfg.n_embd, 4 * cfg.n_embd), tnn.GELU()
            self.c_proj = tnn.Linear(4 * cfg.n_embd, cfg.n_embd)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(tnn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.attn = tnn.LayerNorm(cfg.n_embd), Attention()
            self.ln_2, self.mlp = tnn.LayerNorm(cfg.n_embd), Mlp()

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
                ln_f=tnn.LayerNorm(cfg.n_embd)))
            self.lm_head = tnn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
            self.lm_head.weight = self.transformer.wte.weight

        def forward(self, idx, targets):
            tr = self.transformer
            x = tr.wte(idx) + tr.wpe(torch.arange(idx.shape[1]))
            for block in tr.h:
                x = block(x)
            logits = self.lm_head(tr.ln_f(x))
            return logits, tF.cross_entropy(logits.flatten(0, 1), targets.flatten())

    return Gpt().double()


def schedule(step, warmup=5, total=20):
    if step < warmup:
        return (step + 1) / warmup
    return 0.1 + 0.45 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


def models():
    ag.manual_seed(0)
    model = GPT(CFG).double()
    ref = torch_gpt(CFG)
    missing = ref.load_state_dict({k: torch.from_numpy(np.array(v.data))
                                   for k, v in model.state_dict().items()})
    assert not missing.missing_keys and not missing.unexpected_keys
    return model, ref


def batch(seed):
    rng = np.random.default_rng(seed)
    idx, tgt = (rng.integers(0, CFG.vocab_size, (3, CFG.block_size)) for _ in range(2))
    return (ag.tensor(idx), ag.tensor(tgt)), (torch.from_numpy(idx), torch.from_numpy(tgt))


def test_logits_loss_and_every_gradient():
    model, ref = models()
    (x, y), (tx, ty) = batch(1)
    logits, loss = model(x, y)
    tlogits, tloss = ref(tx, ty)
    np.testing.assert_allclose(logits.detach().numpy(), tlogits.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    assert abs(loss.item() - tloss.item()) < 1e-12
    loss.backward()
    tloss.backward()
    tparams = dict(ref.named_parameters())
    names = [n for n, _ in model.named_parameters()]
    assert names == list(tparams)             # the same names, the tied head counted once
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tparams[name].grad.numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=name)


def test_twenty_adamw_steps_with_clipping_and_schedule():
    model, ref = models()
    opt = model.configure_optimizers(0.1, 3e-3, betas=(0.9, 0.95))
    decay = [p for p in ref.parameters() if p.dim() >= 2]
    topt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                              {"params": [p for p in ref.parameters() if p.dim() < 2],
                               "weight_decay": 0.0}], lr=3e-3, betas=(0.9, 0.95))
    sched, tsched = LambdaLR(opt, schedule), torch.optim.lr_scheduler.LambdaLR(topt, schedule)
    clipped = 0
    for step in range(20):
        (x, y), (tx, ty) = batch(100 + step)
        loss = model(x, y)[1]
        opt.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        tloss = ref(tx, ty)[1]
        topt.zero_grad()
        tloss.backward()
        tnorm = torch.nn.utils.clip_grad_norm_(ref.parameters(), 0.5)
        assert abs(norm.item() - tnorm.item()) < 1e-10 * tnorm.item()
        clipped += tnorm.item() > 0.5
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert abs(loss.item() - tloss.item()) < 1e-10
    assert clipped >= 5                       # the clipping was exercised
    for (name, p), (tname, tp) in zip(model.named_parameters(), ref.named_parameters()):
        np.testing.assert_allclose(p.data, tp.detach().numpy(), rtol=1e-9, atol=1e-11,
                                   err_msg=name)
