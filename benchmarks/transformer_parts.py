"""The pieces of the GPT step (benchmarks/transformer_step.py), forward + backward at the
step's shapes, each against PyTorch (and against the composite it replaces, where a
fused primitive was made), interleaved in one process.

    python benchmarks/transformer_parts.py            # BENCH_THREADS=1 for one thread

Rows: exact GELU on (16, 64, 512); erf alone (forward: gradgraph's float64 Cody form,
SciPy's C ufunc, PyTorch); LayerNorm on (16, 64, 128); softmax over the last axis of
the attention scores (16, 4, 64, 64); causal attention (B=16, H=4, T=64, d=32), fused
and as the composite it replaces; the
attention's batched matmuls: numpy's stacked matmul, one BLAS call per (batch, head)
and PyTorch's; the token embedding's lookup and gradient.
"""
try:
    from . import common
except ImportError:
    import common

import math

import numpy as np

B, T, C, H = 16, 64, 128, 4


def embedding_variants(torch, rng):
    import nn.functional as F
    idx = rng.integers(0, 100, (B, T))
    w = rng.standard_normal((100, C)).astype(np.float32)
    out = {"gradgraph": _fwd_bwd(lambda w: F.embedding(idx, w), w)}
    if torch is not None:
        ti = torch.from_numpy(idx)
        out["PyTorch"] = _torch_fwd_bwd(torch, lambda w: torch.nn.functional.embedding(ti, w), w)
    return out


def _fwd_bwd(fn, *arrays, torch=None):
    """fn(*leaves) then its backward with a gradient of ones; the leaves are gradgraph
    Tensors, or PyTorch tensors if `torch` is given."""
    if torch is None:
        import autograd as ag
        leaves = [ag.tensor(a, requires_grad=True) for a in arrays]
        ones = lambda y: ag.tensor(np.ones(y.shape, y.data.dtype))  # noqa: E731
    else:
        leaves = [torch.from_numpy(a).requires_grad_() for a in arrays]
        ones = torch.ones_like
    g = None

    def run():
        nonlocal g
        for t in leaves:
            t.grad = None
        y = fn(*leaves)
        if g is None:
            g = ones(y)
        y.backward(g)
    return run


def _torch_fwd_bwd(torch, fn, *arrays):
    return _fwd_bwd(fn, *arrays, torch=torch)


def gelu_variants(torch, rng):
    import nn.functional as F
    x = rng.standard_normal((B, T, 4 * C), np.float32)
    half = math.sqrt(0.5)
    out = {"gradgraph": _fwd_bwd(F.gelu, x),
           "composite (erf)": _fwd_bwd(lambda a: a * (F.erf(a * half) + 1.0) * 0.5, x)}
    if torch is not None:
        out["PyTorch"] = _torch_fwd_bwd(torch, torch.nn.functional.gelu, x)
    return out


def erf_variants(torch, rng):
    from autograd.ops_nn import erf
    x = rng.standard_normal((B, T, 4 * C), np.float32)
    out = {"gradgraph (Cody, f64)": lambda: erf(x.astype(np.float64)).astype(np.float32)}
    sp = common.optional("scipy.special")
    if sp is not None:
        import scipy.special
        out["SciPy special.erf"] = lambda: scipy.special.erf(x)
    if torch is not None:
        xt = torch.from_numpy(x)
        out["PyTorch"] = lambda: torch.erf(xt)
    return out


def layer_norm_variants(torch, rng):
    import nn.functional as F
    x = rng.standard_normal((B, T, C), np.float32)
    w, b = np.ones(C, np.float32), np.zeros(C, np.float32)
    from autograd.ops_nn import Normalize
    out = {"gradgraph": _fwd_bwd(lambda a, w, b: F.layer_norm(a, (C,), w, b), x, w, b),
           "Normalize * w + b (3 nodes)": _fwd_bwd(
               lambda a, w, b: a._apply1(Normalize, (2,), 1e-5) * w + b, x, w, b),
           "composite": _fwd_bwd(lambda a, w, b: F._normalize(a, (2,), 1e-5)[0] * w + b,
                                 x, w, b)}
    if torch is not None:
        out["PyTorch"] = _torch_fwd_bwd(
            torch, lambda a, w, b: torch.nn.functional.layer_norm(a, (C,), w, b), x, w, b)
    return out


def softmax_variants(torch, rng):
    import nn.functional as F
    x = rng.standard_normal((B, H, T, T), np.float32)
    out = {"gradgraph": _fwd_bwd(lambda a: F.softmax(a, dim=-1), x),
           "composite exp(log_softmax)": _fwd_bwd(lambda a: F.log_softmax(a, dim=-1).exp(), x)}
    if torch is not None:
        out["PyTorch"] = _torch_fwd_bwd(torch, lambda a: torch.softmax(a, -1), x)
    return out


def attention_variants(torch, rng):
    import os
    import sys
    sys.path.insert(0, os.path.join(common._ROOT, "examples"))
    import gpt
    from nn.functional_attention import attend
    q, k, v = (rng.standard_normal((B, H, T, C // H), np.float32) for _ in range(3))
    keep = np.tri(T, T, dtype=bool)
    out = {"gradgraph": _fwd_bwd(gpt.causal_attention, q, k, v),
           # need_weights=True takes the composite (scale, matmul, where, softmax, matmul)
           "composite (5 nodes)": _fwd_bwd(lambda q, k, v: attend(
               q, k, v, keep, rows_alive=True, need_weights=True)[0], q, k, v)}
    if torch is not None:
        sdpa = torch.nn.functional.scaled_dot_product_attention
        out["PyTorch"] = _torch_fwd_bwd(torch, lambda q, k, v: sdpa(q, k, v, is_causal=True),
                                        q, k, v)
    return out


def bmm_variants(torch, rng):
    q, k = (rng.standard_normal((B, H, T, C // H), np.float32) for _ in range(2))
    kt = k.swapaxes(-1, -2)
    out_buf = np.empty((B, H, T, T), np.float32)

    def per_batch():
        for i in range(B):
            for j in range(H):
                np.matmul(q[i, j], kt[i, j], out=out_buf[i, j])
    out = {"numpy stacked matmul": lambda: q @ kt, "one BLAS call per (b, h)": per_batch}
    if torch is not None:
        qt, ktt = torch.from_numpy(q), torch.from_numpy(np.ascontiguousarray(kt))
        out["PyTorch"] = lambda: qt @ ktt
    return out


PARTS = [("GELU (16,64,512) fwd+bwd", gelu_variants, "PyTorch"),
         ("erf (16,64,512) fwd", erf_variants, "PyTorch"),
         ("LayerNorm (16,64,128) fwd+bwd", layer_norm_variants, "PyTorch"),
         ("softmax (16,4,64,64) fwd+bwd", softmax_variants, "PyTorch"),
         ("causal attention fwd+bwd", attention_variants, "PyTorch"),
         ("q @ k^T (16,4,64,32)", bmm_variants, "PyTorch"),
         ("embedding (16,64) of 100x128 fwd+bwd", embedding_variants, "PyTorch")]


def run():
    torch = common.torch_or_none()
    rng = np.random.default_rng(0)
    rows = []
    for name, make, base in PARTS:
        vs = make(torch, rng)
        samples = common.interleaved(vs, rounds=5 if common.QUICK else 9, target=0.05)
        rows += common.rows_from(name, samples, base if base in vs else next(iter(vs)),
                                 1e3, "ms")
    return rows


if __name__ == "__main__":
    common.main_with(run)
