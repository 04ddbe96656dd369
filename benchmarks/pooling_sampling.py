"""Forward + backward of the pooling and sampling ops against PyTorch's CPU kernels
(float32; BENCH_THREADS=1 for one thread each): fractional_max_pool2d, max_pool3d with
indices, grid_sample (bilinear with reflection padding, bilinear with zeros, bicubic)."""
try:
    from . import common
except ImportError:
    import common

import numpy as np


def variants(torch, ours, theirs, *arrays):
    """{name: fn}: each runs its op on fresh leaves of `arrays` and backpropagates the sum."""
    import autograd as ag
    out = {"gradgraph": lambda: ours(*(ag.tensor(a, requires_grad=True) for a in arrays))
           .sum().backward()}
    if torch is not None:
        out["PyTorch"] = lambda: theirs(*(torch.tensor(a, requires_grad=True) for a in arrays)
                                        ).sum().backward()
    return out


def workloads(torch):
    import autograd as ag
    import nn.functional as F
    tf = torch.nn.functional if torch is not None else None
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 16, 64, 64)).astype(np.float32)
    u = rng.random((8, 16, 2)).astype(np.float32)
    yield "fractional_max_pool2d 8x16x64x64 k3 -> 32x32", variants(
        torch, lambda t: F.fractional_max_pool2d(t, 3, (32, 32), _random_samples=ag.tensor(u)),
        lambda t: tf.fractional_max_pool2d(t, 3, (32, 32), _random_samples=torch.tensor(u)), x)
    v = rng.standard_normal((4, 8, 16, 32, 32)).astype(np.float32)
    yield "max_pool3d indices 4x8x16x32x32 k2", variants(
        torch, lambda t: F.max_pool3d(t, 2, return_indices=True)[0],
        lambda t: tf.max_pool3d(t, 2, return_indices=True)[0], v)
    img = rng.standard_normal((4, 8, 64, 64)).astype(np.float32)
    grid = (rng.random((4, 64, 64, 2)) * 2.4 - 1.2).astype(np.float32)
    for mode, pad in (("bilinear", "reflection"), ("bilinear", "zeros"), ("bicubic", "reflection")):
        yield f"grid_sample {mode} {pad} 4x8x64x64", variants(
            torch, lambda a, g, mode=mode, pad=pad: F.grid_sample(a, g, mode, pad, False),
            lambda a, g, mode=mode, pad=pad: tf.grid_sample(a, g, mode, pad, False), img, grid)


def run():
    rounds = 5 if common.QUICK else 15
    rows = []
    for name, fns in workloads(common.torch_or_none()):
        rows += common.rows_from(name, common.interleaved(fns, rounds=rounds), "PyTorch", 1e3,
                                 "ms")
    return rows


if __name__ == "__main__":
    common.main_with(run)
