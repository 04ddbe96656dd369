"""The GPT step of transformer_step.py written by hand in numpy: forward, backward and
AdamW, with no graph. It is the floor for a numpy-based step: what gradgraph adds on
top of it is the cost of the graph (nodes, the engine, module calls) and of the passes
its ops make that a hand-written step folds together.

Written as a careful person would: in-place updates where they are safe, one matmul per
product (numpy's stacked matmul for the attention), the causal mask as an additive
-inf matrix, the backward of softmax and LayerNorm in closed form. The exact GELU uses
gradgraph's numpy kernel (`autograd.ops_nn.gelu_and_slope`, value and slope in one
blocked pass), so that both sides pay the same for erf.
"""
import math

import numpy as np

from autograd.ops_nn import gelu_and_slope


def _layer_norm(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    var = np.square(xc).mean(-1, keepdims=True)
    rstd = 1.0 / np.sqrt(var + np.float32(eps))
    xc *= rstd                                   # xhat
    y = xc * w
    y += b
    return y, (xc, rstd, w)


def _layer_norm_back(g, cache, grads, wname, bname):
    xhat, rstd, w = cache
    grads[wname] += (g * xhat).reshape(-1, xhat.shape[-1]).sum(0)
    grads[bname] += g.reshape(-1, g.shape[-1]).sum(0)
    gx = g * w
    n = xhat.shape[-1]
    m1 = gx.mean(-1, keepdims=True)
    m2 = (gx * xhat).mean(-1, keepdims=True)
    gx -= m1
    gx -= xhat * m2
    gx *= rstd
    return gx


def numpy_step(params, idx, targets, n_head, lr=1e-3, betas=(0.9, 0.95), eps=1e-8,
               weight_decay=0.1):
    """A step function over `params` ({name: float32 array}, nanoGPT's names, the head
    tied to transformer.wte.weight), updated in place by AdamW (decay on 2-d weights)."""
    p = params
    layers = sorted({int(k.split(".")[2]) for k in p if k.startswith("transformer.h.")})
    b_, t_ = idx.shape
    c = p["transformer.wte.weight"].shape[1]
    hd = c // n_head
    scale = np.float32(1.0 / math.sqrt(hd))
    mask = np.triu(np.full((t_, t_), -np.inf, np.float32), 1)
    rows = np.arange(b_ * t_)
    flat_targets = targets.reshape(-1)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v2 = {k: np.zeros_like(v) for k, v in p.items()}
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    count = [0]

    def linear(x, name):
        y = x @ p[name + ".weight"].T
        y += p[name + ".bias"]
        return y

    def linear_back(g, x, name):
        g2, x2 = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
        grads[name + ".weight"] += g2.T @ x2
        grads[name + ".bias"] += g2.sum(0)
        return g @ p[name + ".weight"]

    def step():
        for g in grads.values():
            g.fill(0)
        # ---- forward
        x = p["transformer.wte.weight"][idx] + p["transformer.wpe.weight"][:t_]
        caches = []
        for i in layers:
            pre = f"transformer.h.{i}."
            h1, ln1 = _layer_norm(x, p[pre + "ln_1.weight"], p[pre + "ln_1.bias"])
            qkv = linear(h1, pre + "attn.c_attn").reshape(b_, t_, 3, n_head, hd)
            q, k, v = (qkv[:, :, j].transpose(0, 2, 1, 3) for j in range(3))
            att = (q @ k.transpose(0, 1, 3, 2))
            att *= scale
            att += mask
            att -= att.max(-1, keepdims=True)
            np.exp(att, out=att)
            att /= att.sum(-1, keepdims=True)
            y = (att @ v).transpose(0, 2, 1, 3).reshape(b_, t_, c)
            x1 = x + linear(y, pre + "attn.c_proj")
            h2, ln2 = _layer_norm(x1, p[pre + "ln_2.weight"], p[pre + "ln_2.bias"])
            fc = linear(h2, pre + "mlp.c_fc")
            act, slope = gelu_and_slope(fc)
            x = x1 + linear(act, pre + "mlp.c_proj")
            caches.append((h1, ln1, q, k, v, att, y, h2, ln2, act, slope))
        hf, lnf = _layer_norm(x, p["transformer.ln_f.weight"], p["transformer.ln_f.bias"])
        wte = p["transformer.wte.weight"]
        logits = hf.reshape(-1, c) @ wte.T
        logits -= logits.max(-1, keepdims=True)
        e = np.exp(logits)
        s = e.sum(-1, keepdims=True)
        loss = float(np.log(s[:, 0]).mean() - logits[rows, flat_targets].mean())
        # ---- backward
        e /= s
        e[rows, flat_targets] -= 1
        e /= np.float32(len(rows))                  # d loss / d logits
        grads["transformer.wte.weight"] += e.T @ hf.reshape(-1, c)
        gx = _layer_norm_back((e @ wte).reshape(b_, t_, c), lnf, grads,
                              "transformer.ln_f.weight", "transformer.ln_f.bias")
        for i, cache in zip(reversed(layers), reversed(caches)):
            pre = f"transformer.h.{i}."
            h1, ln1, q, k, v, att, y, h2, ln2, act, slope = cache
            ga = linear_back(gx, act, pre + "mlp.c_proj")
            ga *= slope
            gh2 = linear_back(ga, h2, pre + "mlp.c_fc")
            gx1 = gx + _layer_norm_back(gh2, ln2, grads, pre + "ln_2.weight", pre + "ln_2.bias")
            gy = linear_back(gx1, y, pre + "attn.c_proj")
            gy = gy.reshape(b_, t_, n_head, hd).transpose(0, 2, 1, 3)
            gv = att.transpose(0, 1, 3, 2) @ gy
            gatt = gy @ v.transpose(0, 1, 3, 2)
            gatt -= (gatt * att).sum(-1, keepdims=True)
            gatt *= att
            gatt *= scale
            gq = gatt @ k
            gk = gatt.transpose(0, 1, 3, 2) @ q
            gqkv = np.stack([gq, gk, gv], axis=2).transpose(0, 3, 2, 1, 4).reshape(b_, t_, 3 * c)
            gh1 = linear_back(gqkv, h1, pre + "attn.c_attn")
            gx = gx1 + _layer_norm_back(gh1, ln1, grads, pre + "ln_1.weight", pre + "ln_1.bias")
        np.add.at(grads["transformer.wte.weight"], idx, gx)
        grads["transformer.wpe.weight"][:t_] += gx.sum(0)
        # ---- AdamW
        count[0] += 1
        t = count[0]
        b1, b2 = betas
        for name, w in p.items():
            g, mm, vv = grads[name], m[name], v2[name]
            if w.ndim >= 2:
                w *= np.float32(1 - lr * weight_decay)
            mm += (g - mm) * np.float32(1 - b1)
            vv *= np.float32(b2)
            vv += np.square(g) * np.float32(1 - b2)
            denom = np.sqrt(vv)
            denom /= np.float32(math.sqrt(1 - b2 ** t))
            denom += np.float32(eps)
            w -= (mm / denom) * np.float32(lr / (1 - b1 ** t))
        return loss
    return step
