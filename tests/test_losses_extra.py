"""The margin, embedding and likelihood losses and the distances against PyTorch: values
and the gradients of every float input, in float32 and float64, for each reduction and
option; the modules; and the errors."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from torch_compare import assert_functional_matches

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
X, Y, Z = (RNG.standard_normal((6, 4)) for _ in range(3))
SIGNS = np.where(RNG.random(6) > 0.5, 1.0, -1.0)
SIGNS_2D = np.where(RNG.random((6, 4)) > 0.5, 1.0, -1.0)
COUNTS = RNG.poisson(2.0, (6, 4)).astype(np.float64)           # zeros and values > 1
CLASSES = np.array([0, 3, 1, 1, 2, 3])
POSITIVE = RNG.uniform(0.1, 2.0, (6, 4))
BITS = (RNG.random((6, 4)) > 0.5).astype(np.float64)
WEIGHT = RNG.uniform(0.5, 2.0, 4)

# name -> (function name, float inputs, constant inputs (arrays), keyword arguments).
# The constants follow the float inputs in the call; a constant named in `kw` is passed
# by keyword.
CASES = {
    "cosine_similarity": ("cosine_similarity", [X, Y], [], {}),
    "cosine_similarity_dim0_eps": ("cosine_similarity", [X, Y * 1e-5], [], {"dim": 0, "eps": 1e-3}),
    "cosine_similarity_broadcast": ("cosine_similarity", [X, Y[:1]], [], {"dim": -1}),
    "pairwise_distance": ("pairwise_distance", [X, Y], [], {}),
    "pairwise_distance_p1_keepdim": ("pairwise_distance", [X, Y], [], {"p": 1.0, "keepdim": True}),
    "pairwise_distance_p3_1d": ("pairwise_distance", [X[0], Y[0]], [], {"p": 3.0}),
    "poisson_nll": ("poisson_nll_loss", [X], [COUNTS], {}),
    "poisson_nll_full": ("poisson_nll_loss", [X], [COUNTS], {"full": True}),
    "poisson_nll_probabilities": ("poisson_nll_loss", [POSITIVE], [COUNTS],
                                  {"log_input": False, "eps": 1e-3}),
    "gaussian_nll": ("gaussian_nll_loss", [X, Y, POSITIVE], [], {}),
    "gaussian_nll_full_var_per_row": ("gaussian_nll_loss", [X, Y, POSITIVE[:, 0]], [],
                                      {"full": True}),
    "gaussian_nll_one_var_column": ("gaussian_nll_loss", [X, Y, POSITIVE[:, :1] * 1e-7], [],
                                    {"eps": 1e-6}),
    "margin_ranking": ("margin_ranking_loss", [X[:, 0], Y[:, 0]], [SIGNS], {}),
    "margin_ranking_margin": ("margin_ranking_loss", [X, Y], [SIGNS_2D], {"margin": 0.5}),
    "hinge_embedding": ("hinge_embedding_loss", [X], [SIGNS_2D], {}),
    "hinge_embedding_margin": ("hinge_embedding_loss", [X], [SIGNS_2D], {"margin": 0.3}),
    "cosine_embedding": ("cosine_embedding_loss", [X, Y], [SIGNS], {}),
    "cosine_embedding_margin": ("cosine_embedding_loss", [X, Y], [SIGNS], {"margin": -0.2}),
    "cosine_embedding_1d": ("cosine_embedding_loss", [X[0], Y[0]], [np.array(-1.0)],
                            {"margin": -0.5}),
    "triplet_margin": ("triplet_margin_loss", [X, Y, Z], [], {}),
    "triplet_margin_swap_p1": ("triplet_margin_loss", [X, Y, Z], [],
                               {"swap": True, "p": 1.0, "margin": 2.0}),
    "triplet_margin_1d": ("triplet_margin_loss", [X[0], Y[0], Z[0]], [], {"margin": 3.0}),
    "multi_margin": ("multi_margin_loss", [X], [CLASSES], {}),
    "multi_margin_p2_weight": ("multi_margin_loss", [X], [CLASSES],
                               {"p": 2, "margin": 0.7, "weight": WEIGHT}),
    "multi_margin_1d": ("multi_margin_loss", [X[0]], [np.array([2])], {}),
    "soft_margin": ("soft_margin_loss", [X], [SIGNS_2D], {}),
    "multilabel_soft_margin": ("multilabel_soft_margin_loss", [X], [BITS], {}),
    "multilabel_soft_margin_weight": ("multilabel_soft_margin_loss", [X], [BITS],
                                      {"weight": WEIGHT}),
}
LOSSES = [n for n, c in CASES.items() if c[0].endswith("loss")]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case, reduction", [  # a distance has no reduction
    (c, r) for c in CASES for r in ([None, "none", "sum"] if c in LOSSES else [None])])
def test_values_and_gradients_match_pytorch(case, reduction, dtype):
    fname, floats, constants, kw = CASES[case]
    kw = dict(kw, **({} if reduction is None else {"reduction": reduction}))
    assert_functional_matches(torch, fname, floats, constants, kw, dtype)


def test_margin_losses_at_the_margin_pass_the_gradient_as_pytorch():
    # clamp_min's bound passes the gradient; multi_margin's z > 0 test does not
    a, b = np.array([1.0, 0.0, 2.0]), np.array([1.0, 1.0, 0.0])
    for fn, args in (("margin_ranking_loss", ([1.0, -1.0, 1.0],)),
                     ("hinge_embedding_loss", None), ("multi_margin_loss", None)):
        ours = [ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)]
        theirs = [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
        if fn == "margin_ranking_loss":
            F.margin_ranking_loss(*ours, ag.tensor(args[0])).backward()
            TF.margin_ranking_loss(*theirs, torch.tensor(args[0])).backward()
        elif fn == "hinge_embedding_loss":
            F.hinge_embedding_loss(ours[0], ag.tensor([-1.0, -1.0, 1.0])).backward()
            TF.hinge_embedding_loss(theirs[0], torch.tensor([-1.0, -1.0, 1.0])).backward()
        else:
            F.multi_margin_loss(ours[0].reshape(1, 3), ag.tensor([2]), margin=1.0).backward()
            TF.multi_margin_loss(theirs[0].reshape(1, 3), torch.tensor([2]), margin=1.0).backward()
        for o, t in zip(ours, theirs):
            if t.grad is not None:
                np.testing.assert_array_equal(o.grad.data, t.grad.numpy())


MODULES = [
    ("CosineSimilarity", (0,), [X, Y], []), ("PairwiseDistance", (1.5, 1e-3, True), [X, Y], []),
    ("PoissonNLLLoss", (False, True), [POSITIVE], [COUNTS]),
    ("MarginRankingLoss", (0.2,), [X, Y], [SIGNS_2D]),
    ("HingeEmbeddingLoss", (0.5,), [X], [SIGNS_2D]),
    ("CosineEmbeddingLoss", (0.1,), [X, Y], [SIGNS]),
    ("TripletMarginLoss", (0.5, 3.0, 1e-6, True), [X, Y, Z], []),
    ("SoftMarginLoss", (), [X], [SIGNS_2D]),
    ("MultiLabelSoftMarginLoss", (), [X], [BITS]),
    ("MultiMarginLoss", (2, 0.5), [X], [CLASSES]),
]


@pytest.mark.parametrize("name, args, floats, constants", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_pytorch(name, args, floats, constants):
    outs = []
    for lib, mod in ((ag, nn), (torch, torch.nn)):
        xs = [lib.tensor(a, requires_grad=True) for a in floats]
        out = getattr(mod, name)(*args)(*xs, *(lib.tensor(c) for c in constants))
        out.sum().backward()
        outs.append([np.asarray(t.data if lib is ag else t.detach().numpy())
                     for t in [out] + [x.grad for x in xs]])
    for o, t in zip(*outs):
        np.testing.assert_allclose(o, t, rtol=1e-12, atol=1e-12)


def test_gaussian_nll_module_and_weighted_modules_keep_pytorchs_state():
    for lib, mod in ((ag, nn), (torch, torch.nn)):
        loss = mod.GaussianNLLLoss(full=True, eps=1e-3, reduction="sum")
        out = loss(lib.tensor(X), lib.tensor(Y), lib.tensor(POSITIVE))
        assert (loss.full, loss.eps, loss.reduction) == (True, 1e-3, "sum")
        assert abs(float(out.item()) - float(TF.gaussian_nll_loss(
            torch.tensor(X), torch.tensor(Y), torch.tensor(POSITIVE), True, 1e-3, "sum"))) < 1e-9
    w = np.array([1.0, 2.0, 3.0, 4.0])
    assert list(nn.MultiMarginLoss(weight=ag.tensor(w)).state_dict()) == list(
        torch.nn.MultiMarginLoss(weight=torch.tensor(w)).state_dict()) == ["weight"]
    assert list(nn.MultiLabelSoftMarginLoss(weight=ag.tensor(w)).state_dict()) == ["weight"]


def test_errors_name_the_op_and_the_shapes():
    x = ag.tensor(X)
    with pytest.raises(ag.ShapeError, match=r"margin_ranking_loss: .*\(6, 4\).*\(6,\)"):
        F.margin_ranking_loss(x, x, ag.tensor(SIGNS))
    with pytest.raises(ag.ShapeError, match=r"cosine_embedding_loss: target of shape \(4,\)"):
        F.cosine_embedding_loss(x, x, ag.ones(4))
    with pytest.raises(ag.ShapeError, match=r"cosine_embedding_loss: expected 1-d or 2-d"):
        F.cosine_embedding_loss(ag.ones(2, 2, 2), ag.ones(2, 2, 2), ag.ones(2))
    with pytest.raises(ag.ArgumentError, match="multi_margin_loss: only p == 1 and p == 2"):
        F.multi_margin_loss(x, ag.tensor(CLASSES), p=3)
    with pytest.raises(ag.OutOfRangeError, match=r"multi_margin_loss: .*\[0, 4\].*4 classes"):
        F.multi_margin_loss(x, ag.tensor(np.array([0, 4, 1, 1, 2, 3])))
    with pytest.raises(ag.ShapeError, match=r"multi_margin_loss: target of shape \(6,\) and "
                                            r"dtype float64"):
        F.multi_margin_loss(x, ag.tensor(SIGNS))
    with pytest.raises(ag.ArgumentError, match="gaussian_nll_loss: var has negative"):
        F.gaussian_nll_loss(x, x, ag.tensor(-POSITIVE))
    with pytest.raises(ag.ShapeError, match=r"gaussian_nll_loss: var of shape \(3, 4\)"):
        F.gaussian_nll_loss(x, x, ag.ones(3, 4))
    with pytest.raises(ag.ShapeError, match=r"cosine_similarity: x1 of shape \(6, 4\) and x2 "
                                            r"of shape \(3,\)"):
        F.cosine_similarity(x, ag.ones(3))
    with pytest.raises(ag.ShapeError, match=r"triplet_margin_loss: .*\(6, 4\), \(4,\)"):
        F.triplet_margin_loss(x, ag.ones(4), x)
    with pytest.raises(ag.ArgumentError, match="poisson_nll_loss: reduction"):
        F.poisson_nll_loss(x, x, reduction="avg")
