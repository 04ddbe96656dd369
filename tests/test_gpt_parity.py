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
from gpt_torch import torch_gpt  # noqa: E402

torch = pytest.importorskip("torch")
CFG = GPTConfig(block_size=8, vocab_size=11, n_layer=2, n_head=2, n_embd=12, dropout=0.0)


def schedule(step, warmup=5, total=20):
    if step < warmup:
        return (step + 1) / warmup
    return 0.1 + 0.45 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


def models():
    ag.manual_seed(0)
    model = GPT(CFG).double()
    return model, torch_gpt(torch, CFG, model)       # raises unless every name matches


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
