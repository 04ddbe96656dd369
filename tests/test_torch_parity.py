"""Values and gradients equal PyTorch's, where PyTorch is installed (an extra check:
the numerical gradient checks in test_op_gradients.py are the primary ones)."""
import numpy as np
import pytest

import autograd as ag
from torch_compare import run_case

torch = pytest.importorskip("torch")

# each case: (name, fn(lib, *inputs), shapes, positive inputs?)
CASES = [
    ("add_broadcast", lambda L, a, b: a + b, [(2, 1, 5), (3, 1)], False),
    ("sub_div", lambda L, a, b: (a - b) / (b * b + 1), [(3, 4), (4,)], False),
    ("pow", lambda L, a: a ** 2.5, [(3, 4)], True),
    ("exp_log", lambda L, a: L.log(L.exp(a) + 1), [(3, 4)], False),
    ("trig", lambda L, a: L.sin(a) * L.cos(a), [(5,)], False),
    ("tanh_sigmoid_relu", lambda L, a: L.tanh(a) + L.sigmoid(a) + L.relu(a), [(3, 4)], False),
    ("abs_sqrt", lambda L, a: L.sqrt(L.abs(a) + 0.1), [(6,)], False),
    ("maximum_minimum", lambda L, a, b: L.maximum(a, b) * L.minimum(a, b), [(4,), (4,)], False),
    ("clamp", lambda L, a: L.clamp(a, -0.5, 0.5), [(3, 4)], False),
    ("sum_mean", lambda L, a: a.sum(dim=1, keepdim=True) * a.mean(dim=0), [(3, 4)], False),
    ("var_std", lambda L, a: a.var(dim=0) + a.std(dim=1).sum(), [(3, 4)], False),
    ("var_biased", lambda L, a: a.var(dim=1, unbiased=False), [(3, 4)], False),
    ("amax_amin", lambda L, a: L.amax(a, dim=1) - L.amin(a, dim=0).sum(), [(3, 4)], False),
    ("logsumexp", lambda L, a: L.logsumexp(a, dim=1), [(3, 4)], False),
    ("softmax", lambda L, a: L.softmax(a, dim=-1), [(3, 4)], False),
    ("log_softmax", lambda L, a: L.log_softmax(a, dim=0), [(3, 4)], False),
    ("reshape_permute", lambda L, a: a.reshape(2, 6).T.permute(1, 0) * 2, [(3, 4)], False),
    ("squeeze_unsqueeze", lambda L, a: a.unsqueeze(0).squeeze(), [(3, 1, 4)], False),
    ("expand", lambda L, a: a.expand(2, 3, 4) * 1.5, [(3, 1)], False),
    ("index_repeat", lambda L, a: a[[0, 2, 0]], [(3, 4)], False),
    ("index_mask_slice", lambda L, a: a[1:, None, ..., ::2], [(3, 4)], False),
    ("cat_stack", lambda L, a, b: L.cat([a, b], dim=0).reshape(2, 4) * L.stack([b, a], 0),
     [(4,), (4,)], False),
    ("matmul_batched", lambda L, a, b: L.matmul(a, b), [(2, 1, 3, 4), (3, 4, 2)], False),
    ("matmul_vec", lambda L, a, b: a @ b, [(4,), (4, 3)], False),
    ("where", lambda L, a, b: L.where(a > 0, a, b), [(3, 4), (4,)], False),
    ("remainder", lambda L, a, b: (a * 3) % b + L.remainder(a, -b), [(3, 4), (4,)], True),
    ("fmod", lambda L, a, b: L.fmod(a * 3, b) + (-a).fmod(b * 0.3), [(2, 1, 5), (3, 1)], True),
    ("clamp_min_max", lambda L, a, b: L.clamp_min(a, b) + a.clamp_max(0.1), [(3, 4), (4,)],
     False),
]


@pytest.mark.parametrize("name,fn,shapes,positive", CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch(name, fn, shapes, positive):
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(0.5, 2.0, s) if positive else rng.standard_normal(s) for s in shapes]
    ours, our_grads = run_case(ag, fn, arrays)
    ref, ref_grads = run_case(torch, fn, arrays)
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    for g, r in zip(our_grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-10, atol=1e-12)
