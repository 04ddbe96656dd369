"""The factorizations and what is derived from them, forward + backward of a loss that
uses every output, on a batch of 16 float64 matrices 64 x 64: eigh (V diag(exp L) V^T),
svd (U diag(exp S) Vh), qr (sum of Q and R), pinv, matrix_exp (of A / 10), det;
gradgraph and PyTorch (both on numpy's / PyTorch's own LAPACK).
"""
try:
    from . import common
except ImportError:
    import common

import numpy as np

SHAPE = (16, 64, 64)


def _loss(lib, name, x):
    linalg = lib.linalg
    if name == "eigh":
        vals, vecs = linalg.eigh(x + x.mT)
        return ((vecs * vals.exp()[..., None, :]) @ vecs.mT).sum()
    if name == "svd":
        u, s, vh = linalg.svd(x, full_matrices=False)
        return ((u * s.exp()[..., None, :]) @ vh).sum()
    if name == "qr":
        q, r = linalg.qr(x)
        return q.sum() + r.sum()
    if name == "matrix_exp":
        return linalg.matrix_exp(x * 0.1).sum()
    return getattr(linalg, name)(x).sum()


def variants(name):
    import autograd as ag
    a = np.random.default_rng(0).standard_normal(SHAPE)

    def run(lib):
        def step():
            x = lib.tensor(a, requires_grad=True)
            _loss(lib, name, x).backward()
        return step
    out = {"gradgraph": run(ag)}
    torch = common.torch_or_none()
    if torch is not None:
        out["PyTorch"] = run(torch)
    return out


def run():
    rows = []
    for name in ("eigh", "svd", "qr", "pinv", "matrix_exp", "det"):
        samples = common.interleaved(variants(name), rounds=5 if common.QUICK else 11,
                                     target=0.1)
        rows += common.rows_from(f"linalg.{name} fwd+bwd float64 {SHAPE}", samples,
                                 "gradgraph", 1e3, "ms")
    return rows


if __name__ == "__main__":
    common.main_with(run)
