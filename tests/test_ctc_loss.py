"""ctc_loss and nn.CTCLoss against PyTorch: the loss of every reduction, padded and
concatenated targets, unequal input and target lengths, repeated labels, empty targets,
impossible alignments (inf, or 0 with zero_infinity), float32 and float64, and the
gradient of the logits through log_softmax. On log_probs directly gradgraph gives the
exact derivative; PyTorch's backward adds exp(log_probs) per step, which log_softmax's
backward cancels (checked)."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((7, 3, 5))
PADDED = np.array([[1, 2, 2], [3, 4, 0], [4, 0, 0]])
TARGET_LENGTHS = np.array([3, 2, 0])

CASES = [
    (PADDED, [7, 5, 3], {}),
    (PADDED, [7, 7, 7], {"reduction": "sum"}),
    (PADDED, [3, 6, 2], {"reduction": "none"}),                   # sample 0: impossible
    (PADDED, [3, 6, 2], {"reduction": "none", "zero_infinity": True}),
    (PADDED % 4, [4, 6, 7], {"blank": 4, "reduction": "mean", "zero_infinity": True}),
    (np.array([1, 2, 2, 3, 4]), [7, 5, 3], {"reduction": "none"}),   # concatenated
]


def _run(lib, fn, targets, input_lengths, kw, dtype):
    logits = lib.tensor(LOGITS.astype(dtype), requires_grad=True)
    lp = (logits.log_softmax(2) if lib is ag else logits.log_softmax(2))
    loss = fn(lp, lib.tensor(targets), lib.tensor(np.array(input_lengths)),
              lib.tensor(TARGET_LENGTHS), **kw)
    w = np.linspace(0.5, 1.5, loss.numel()).reshape(tuple(loss.shape)).astype(dtype)
    (loss * lib.tensor(w)).sum().backward()
    data = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
    return data(loss), data(logits.grad)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("targets, input_lengths, kw", CASES,
                         ids=[str(c[1]) + str(c[2]) for c in CASES])
def test_loss_and_logit_gradients_match_pytorch(targets, input_lengths, kw, dtype):
    (y, g), (ty, tg) = (_run(ag, F.ctc_loss, targets, input_lengths, kw, dtype),
                        _run(torch, TF.ctc_loss, targets, input_lengths, kw, dtype))
    tol = 1e-10 if dtype == np.float64 else 1e-4
    assert y.shape == ty.shape and y.dtype == ty.dtype
    np.testing.assert_allclose(y, ty, rtol=tol, atol=tol)
    finite = np.isfinite(ty).all()
    if finite:
        np.testing.assert_allclose(g, tg, rtol=tol, atol=tol)


def test_gradient_on_log_probs_is_the_exact_derivative():
    lp = ag.tensor(torch.tensor(LOGITS).log_softmax(2).numpy(), requires_grad=True)
    assert ag.gradcheck(lambda x: F.ctc_loss(x, ag.tensor(PADDED), ag.tensor(np.array([7, 5, 3])),
                                             ag.tensor(TARGET_LENGTHS), reduction="sum"), [lp])
    t = torch.tensor(lp.data, requires_grad=True)
    TF.ctc_loss(t, torch.tensor(PADDED), torch.tensor([7, 5, 3]), torch.tensor(TARGET_LENGTHS),
                reduction="sum").backward()
    F.ctc_loss(lp, ag.tensor(PADDED), ag.tensor(np.array([7, 5, 3])), ag.tensor(TARGET_LENGTHS),
               reduction="sum").backward()
    within = (np.arange(7)[:, None] < np.array([7, 5, 3]))[:, :, None]
    np.testing.assert_allclose(t.grad.numpy() - lp.grad.data, np.exp(lp.data) * within,
                               rtol=1e-10, atol=1e-12)


def test_module_and_unbatched_input():
    lp = torch.tensor(LOGITS[:, 0]).log_softmax(1).numpy()
    ours = nn.CTCLoss(blank=0, reduction="sum")(ag.tensor(lp), ag.tensor(PADDED[0]),
                                                ag.tensor(np.array([7])), ag.tensor(np.array([3])))
    theirs = torch.nn.CTCLoss(reduction="sum")(torch.tensor(lp), torch.tensor(PADDED[0]),
                                               torch.tensor([7]), torch.tensor([3]))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)


def test_errors():
    lp = ag.tensor(LOGITS)
    with pytest.raises(ag.ShapeError, match=r"ctc_loss: input_lengths \[7, 5\]"):
        F.ctc_loss(lp, ag.tensor(PADDED), ag.tensor(np.array([7, 5])), ag.tensor(TARGET_LENGTHS))
    with pytest.raises(ag.ArgumentError, match=r"ctc_loss: target values must be in \[0, 5\)"):
        F.ctc_loss(lp, ag.tensor(PADDED + 3), ag.tensor(np.array([7, 7, 7])),
                   ag.tensor(TARGET_LENGTHS))
    with pytest.raises(ag.ArgumentError, match="ctc_loss: input_lengths must be integers"):
        F.ctc_loss(lp, ag.tensor(PADDED), ag.tensor([7.0, 7.0, 7.0]), ag.tensor(TARGET_LENGTHS))
