"""affine_grid and grid_sample against PyTorch, 2-d and 3-d (values and the gradients of
theta, input and grid, float32 and float64, each mode (bicubic in 2-d), padding mode and
align_corners, points on the edges and reflected several times), and the deprecated
aliases (upsample*, *_with_indices)."""
import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from torch_compare import assert_functional_matches

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
THETA = RNG.standard_normal((2, 2, 3)) * 0.6
IMG = RNG.standard_normal((2, 3, 6, 7))
GRID = RNG.uniform(-1.3, 1.3, (2, 4, 5, 2))          # some points outside the image
VOL = RNG.standard_normal((2, 3, 4, 5, 6))
GRID3 = RNG.uniform(-2.5, 2.5, (2, 3, 4, 5, 3))       # some reflected more than once
EDGES = np.array([-1.0, 1.0, 0.0, -3.0, 3.0, -0.5, 0.5, 1.25, -1.25, 2.0, -2.0, 1 / 3])
ON_EDGES = np.stack(np.meshgrid(EDGES, EDGES[::-1]), -1)[None]   # (1, 12, 12, 2)
PADDING_MODES = ["zeros", "border", "reflection"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_pytorch(align_corners, dtype):
    assert_functional_matches(torch, "affine_grid", [THETA], (),
                              {"size": (2, 3, 5, 4), "align_corners": align_corners}, dtype)


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_3d_matches_pytorch(align_corners):
    assert_functional_matches(torch, "affine_grid", [RNG.standard_normal((2, 3, 4))], (),
                              {"size": (2, 3, 4, 5, 6), "align_corners": align_corners})


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("padding_mode", PADDING_MODES)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("dims, mode", [(2, "bilinear"), (2, "nearest"), (2, "bicubic"),
                                        (3, "bilinear"), (3, "nearest")])
def test_grid_sample_matches_pytorch(dims, mode, padding_mode, align_corners, dtype):
    assert_functional_matches(torch, "grid_sample", [IMG, GRID] if dims == 2 else [VOL, GRID3],
                              (), {"mode": mode, "padding_mode": padding_mode,
                                   "align_corners": align_corners}, dtype,
                              1e-11 if dtype == np.float64 else 1e-4)


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", PADDING_MODES)
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_on_the_edges_matches_pytorch(mode, padding_mode, align_corners):
    # a point clipped to an edge gets no grid gradient (PyTorch's; clamp's gave it one)
    assert_functional_matches(torch, "grid_sample", [IMG[:1], ON_EDGES], (),
                              {"mode": mode, "padding_mode": padding_mode,
                               "align_corners": align_corners})
    one = IMG[:1, :, :1]                       # a single row: reflection about one centre
    assert_functional_matches(torch, "grid_sample", [one, ON_EDGES], (),
                              {"mode": mode, "padding_mode": padding_mode,
                               "align_corners": align_corners})


def test_spatial_transformer_composite_matches_pytorch():
    # the gradient reaches theta through the grid
    def run(lib, fn):
        theta = lib.tensor(THETA, requires_grad=True)
        x = lib.tensor(IMG, requires_grad=True)
        out = fn.grid_sample(x, fn.affine_grid(theta, (2, 3, 4, 5), align_corners=False),
                             align_corners=False)
        (out * out).sum().backward()
        data = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
        return [data(out), data(theta.grad), data(x.grad)]
    for o, t in zip(run(ag, F), run(torch, TF)):
        np.testing.assert_allclose(o, t, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("name, kw", [("upsample", {"scale_factor": 2, "mode": "bilinear"}),
                                      ("upsample_nearest", {"size": (9, 4)}),
                                      ("upsample_bilinear", {"scale_factor": 1.5}),
                                      ("max_pool2d_with_indices", {"kernel_size": 2}),
                                      ("adaptive_max_pool2d_with_indices", {"output_size": 3})])
def test_deprecated_aliases_match_pytorch(name, kw):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = getattr(F, name)(ag.tensor(IMG), **kw), getattr(TF, name)(
            torch.tensor(IMG), **kw)
    for o, t in zip(ours if isinstance(ours, tuple) else [ours],
                    theirs if isinstance(theirs, tuple) else [theirs]):
        np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-12)
    out, idx = F.max_pool1d_with_indices(ag.tensor(IMG[0]), 3)
    ref, ref_idx = TF.max_pool1d_with_indices(torch.tensor(IMG[0]), 3)
    np.testing.assert_array_equal(idx.data, ref_idx.numpy())
    out, idx = F.adaptive_max_pool1d_with_indices(ag.tensor(IMG[0]), 4)
    np.testing.assert_array_equal(idx.data, TF.adaptive_max_pool1d_with_indices(
        torch.tensor(IMG[0]), 4)[1].numpy())


def test_errors():
    with pytest.raises(ag.ShapeError, match=r"affine_grid: expected theta of shape \(N, 2, 3\)"):
        F.affine_grid(ag.ones(2, 3, 3), (2, 1, 4, 4))
    with pytest.raises(ag.ShapeError, match=r"grid_sample: expected input \(N, C, H, W\) and "
                                            r"grid \(N, Ho, Wo, 2\), .* got shapes "
                                            r"\(2, 3, 6, 7\) and \(2, 3, 3\)"):
        F.grid_sample(ag.tensor(IMG), ag.ones(2, 3, 3))
    with pytest.raises(ag.ShapeError, match=r"grid_sample: .* got shapes \(2, 3, 4, 5, 6\) "
                                            r"and \(2, 4, 5, 2\)"):
        F.grid_sample(ag.tensor(VOL), ag.tensor(GRID))
    with pytest.raises(ag.DtypeError, match=r"grid_sample: input \(shape \(2, 3, 6, 7\), dtype "
                                            r"float32\) and grid \(shape \(2, 4, 5, 2\), dtype "
                                            r"float64\) must have the same floating dtype"):
        F.grid_sample(ag.tensor(IMG.astype(np.float32)), ag.tensor(GRID))
    with pytest.raises(ag.ShapeError, match=r"grid_sample: mode 'bicubic' takes a 4-d input "
                                            r"only, got shape \(2, 3, 4, 5, 6\)"):
        F.grid_sample(ag.tensor(VOL), ag.tensor(GRID3), mode="bicubic")
    with pytest.raises(ag.ArgumentError, match="grid_sample: mode must be 'bilinear', 'nearest' "
                                               "or 'bicubic', got 'area'"):
        F.grid_sample(ag.tensor(IMG), ag.tensor(GRID), mode="area")
    with pytest.raises(ag.ArgumentError, match="grid_sample: padding_mode must be 'zeros', "
                                               "'border' or 'reflection', got 'wrap'"):
        F.grid_sample(ag.tensor(IMG), ag.tensor(GRID), padding_mode="wrap")
    with pytest.raises(ag.ShapeError, match=r"affine_grid: .* got theta of shape \(2, 2, 3\) "
                                            r"and size \(2, 1, 4, 4, 4\)"):
        F.affine_grid(ag.ones(2, 2, 3), (2, 1, 4, 4, 4))
