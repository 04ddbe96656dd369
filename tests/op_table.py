"""The table of differentiable ops that drives the gradient, dtype and fuzz tests.
(Their values and derivatives at kinks and special values, where a numerical check
cannot work, are the cases of special_values.py, compared with PyTorch.)

Each entry: a name, a function of Tensors, and the input specs: a shape and a domain
("real", "positive" or "unit" = (-0.9, 0.9)). Binary ops are listed once per
broadcasting shape pair; reductions once per dim/keepdim variant.
"""
import numpy as np

import autograd as ag
import nn.functional as F
from nn.utils.orthogonal_maps import _Orthogonal
from nn.utils.parametrizations import _weight_norm

BROADCAST_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 5), (3, 1)), ((), (2, 3)),
                   ((4, 1), ())]
REDUCE_DIMS = [dict(), dict(dim=0), dict(dim=1, keepdim=True), dict(dim=(0, 2)),
               dict(dim=-1, keepdim=False)]


_SDPA_KEEP = np.array([[True, False, True, True, False], [False] * 5, [True] * 5])
_SDPA_KEEP_ALIVE = np.array([[True, False, True, True, False], [False, True, False, False, False],
                             [True] * 5])      # no empty row: the fused Attention node


_SIGNS = np.array([[1.0, -1.0, -1.0, 1.0], [-1.0, 1.0, 1.0, 1.0], [1.0, -1.0, 1.0, -1.0]])


def _signs(a):
    """A +-1 target of a's dtype (a float64 one would promote a float32 loss)."""
    return _SIGNS.astype(a.dtype)


_UNPOOL = np.array([[[[0, 7], [10, 19]], [[6, 3], [15, 13]]]])
_FRACTIONAL = np.array([[[0.3, 0.8, 0.5], [0.9, 0.1, 0.4]], [[0.6, 0.2, 0.7], [0.0, 0.5, 0.99]]])
_BAGS = np.array([[1, 5, 2], [0, 3, 3], [4, 4, 1]])
_LABELS = np.array([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 0, 1, 2]])
_ROWS = np.random.default_rng(7).integers(-5, 5, (8, 5))     # >= 32 indices, repeated
_SCATTER = ag.tensor([[0, 2, 0], [3, 3, 3], [1, 0, 2]])     # repeated in each row
_SCATTER_DISTINCT = ag.tensor([[0, 2, 1], [3, 1, 0], [1, 0, 2]])
_ALONG = ag.tensor([[2, 0]])      # broadcast over the rows


def _wc(a):
    """`a` (..., n, n) made well-conditioned: I + 0.3 a, of a's dtype."""
    return a * 0.3 + ag.eye(a.shape[-1], dtype=a.dtype)


def _sym(a):
    """a + a^T: the symmetric matrix whose lower and upper triangles eigh reads alike."""
    return a + a.mT


def _spd(a):
    """a a^T + I: symmetric positive-definite, of a's dtype."""
    return a @ a.mT + ag.eye(a.shape[-1], dtype=a.dtype)


def _qr_product(q, r):
    return q @ r.sin()


def _svd_exp(a, full_matrices):
    """U diag(exp S) Vh over the first k vectors: basis-independent."""
    u, s, vh = ag.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    return (u[..., :k] * s.exp()[..., None, :]) @ vh[..., :k, :]


def _eigh_exp(a, uplo):
    """V diag(exp L) V^T: the exponential of a symmetric matrix, from eigh's triangle."""
    vals, vecs = ag.linalg.eigh(_sym(a), UPLO=uplo)
    return (vecs * vals.exp()[..., None, :]) @ vecs.mT


def _lstm_step(x, h, c, w):
    from nn.functional_rnn import lstm_cell
    h2, c2 = lstm_cell(x, (h, c), w, None)
    return h2 * c2.exp()


def _gru_step(x, h, w, b):
    from nn.functional_rnn import gru_cell
    return gru_cell(x, h, w, b) * h.exp()


class OpInfo:
    def __init__(self, name, fn, shapes, domains=None, second_order=True):
        self.name = name
        self.fn = fn
        self.shapes = shapes
        self.domains = domains or ["real"] * len(shapes)
        self.second_order = second_order

    def inputs(self, dtype=np.float64, seed=0):
        rng = np.random.default_rng(seed)
        out = []
        for shape, dom in zip(self.shapes, self.domains):
            if dom == "positive":
                a = rng.uniform(0.5, 2.0, shape)
            elif dom == "unit":
                a = rng.uniform(-0.9, 0.9, shape)
            elif dom == "distinct":   # no ties, away from kinks
                a = rng.permutation(np.arange(int(np.prod(shape)))).reshape(shape) * 0.37 - 1.3
                a = a + rng.uniform(-0.05, 0.05, shape)
            else:
                a = rng.standard_normal(shape)
                a = np.where(np.abs(a) < 0.1, a + 0.3, a)   # keep away from kinks at 0
            out.append(ag.tensor(np.asarray(a, dtype=dtype), requires_grad=True))
        return out

    def __repr__(self):
        return f"{self.name}{self.shapes}"


def _binary(name, fn, domains=("real", "real"), pairs=BROADCAST_PAIRS, **kw):
    return [OpInfo(name, fn, list(p), list(domains), **kw) for p in pairs]


def _reduce(name, fn, shape=(2, 3, 4), domain="real", **kw):
    return [OpInfo(f"{name}{d}", lambda x, d=d: fn(x, **d), [shape], [domain], **kw)
            for d in REDUCE_DIMS]


def _slices_fan_in(a):
    """One non-leaf parent sliced several times (chunk's three, an overlapping slice, a
    reversed strided one) plus a whole-tensor consumer: the engine adds the slices'
    gradients into the parent's pending gradient (engine._add_into_pending)."""
    u = a * a.exp()
    q, k, v = u.chunk(3, dim=1)
    return q * k + v.exp() + u[1:3, 2:4].sum() * u[::-1, ::3] + u.sum(1, keepdim=True)


def _setitem(a, index, value):
    y = a * 1.0
    y[index] = value
    return y


OPS = [
    *_binary("add", lambda a, b: a + b),
    *_binary("sub", lambda a, b: a - b),
    *_binary("mul", lambda a, b: a * b),
    *_binary("div", lambda a, b: a / b, ("real", "positive")),
    *_binary("pow_tensor", lambda a, b: a ** b, ("positive", "real")),
    *_binary("maximum", ag.maximum, ("distinct", "distinct")),
    *_binary("minimum", ag.minimum, ("distinct", "distinct")),
    *_binary("where", lambda a, b: ag.where(a.data > 0, a, b)),
    OpInfo("add_scalar", lambda a: a + 2.5, [(3, 4)]),
    OpInfo("sub_scalar", lambda a: a - 2.5, [(3, 4)]),
    OpInfo("int_scalars", lambda a: (2 + a * 3 - 1) / 2, [(3, 4)]),
    OpInfo("scalars_0d", lambda a: (a * 1.5 + 2.0 - 0.5) / 4.0, [()]),
    OpInfo("rsub_scalar", lambda a: 2.5 - a, [(3, 4)]),
    OpInfo("mul_scalar", lambda a: 3.0 * a, [(3, 4)]),
    OpInfo("div_scalar", lambda a: a / 3.0, [(3, 4)]),
    OpInfo("rdiv_scalar", lambda a: 2.0 / a, [(3, 4)], ["positive"]),
    OpInfo("rpow_scalar", lambda a: 2.0 ** a, [(3, 4)]),
    OpInfo("neg", lambda a: -a, [(3, 4)]),
    OpInfo("pow2", lambda a: a ** 2, [(3, 4)]),
    OpInfo("pow3", lambda a: a ** 3, [(3, 4)]),
    OpInfo("pow_frac", lambda a: a ** 1.5, [(3, 4)], ["positive"]),
    OpInfo("pow_neg", lambda a: a ** -2, [(3, 4)], ["positive"]),
    OpInfo("pow_half", lambda a: a ** 0.5, [(3, 4)], ["positive"]),
    OpInfo("pow_zero", lambda a: a ** 0 * a.sin(), [(3, 4)]),
    OpInfo("abs", ag.abs, [(3, 4)]),
    OpInfo("sign", ag.sign, [(3, 4)]),
    OpInfo("sign_times_x", lambda a: ag.sign(a) * a ** 3, [(3, 4)]),
    OpInfo("exp", ag.exp, [(3, 4)]),
    OpInfo("log", ag.log, [(3, 4)], ["positive"]),
    OpInfo("sqrt", ag.sqrt, [(3, 4)], ["positive"]),
    OpInfo("rsqrt", ag.rsqrt, [(3, 4)], ["positive"]),
    OpInfo("sin", ag.sin, [(3, 4)]),
    OpInfo("cos", ag.cos, [(3, 4)]),
    OpInfo("tanh", ag.tanh, [(3, 4)]),
    OpInfo("sigmoid", ag.sigmoid, [(3, 4)]),
    OpInfo("relu", ag.relu, [(3, 4)]),
    OpInfo("relu_inplace", lambda a: F.relu(a * 1.0, inplace=True) * a, [(3, 4)]),
    OpInfo("softplus", ag.softplus, [(3, 4)]),
    OpInfo("clamp", lambda a: ag.clamp(a, -0.5, 0.5), [(3, 4)], ["distinct"]),
    OpInfo("clamp_min", lambda a: a.clamp(min=0.0), [(3, 4)]),
    OpInfo("clamp_min_fn", lambda a: ag.clamp_min(a, 0.2) + a.clamp_max(-0.2), [(3, 4)]),
    *_binary("clamp_min_tensor", lambda a, b: a.clamp_min(b), ("distinct", "distinct"),
             [((3, 4), (3, 4)), ((3, 4), (4,))]),
    *_binary("remainder", lambda a, b: a % b, ("real", "positive")),
    *_binary("remainder_neg", ag.remainder, ("real", "real"), [((3, 4), (3, 4)), ((3, 4), (4,))]),
    *_binary("fmod", ag.fmod, ("real", "real"), [((3, 4), (3, 4)), ((2, 1, 5), (3, 1))]),
    OpInfo("rounding_times_x", lambda a: (ag.floor(a) + a.ceil() + a.trunc() + a.round()) * a
           + ag.round(a, decimals=1) * a.sin() + (a // 0.3) * a, [(3, 4)], ["distinct"]),
    OpInfo("frac", lambda a: ag.frac(a * 3) * a, [(3, 4)], ["distinct"]),
    OpInfo("log1p", ag.log1p, [(3, 4)], ["positive"]),
    OpInfo("log1p_near_zero", lambda a: (a * 1e-3).log1p(), [(3, 4)]),
    OpInfo("expm1", ag.expm1, [(3, 4)]),
    OpInfo("remainder_scalar", lambda a: a % 0.7 + 2.5 % a + a.fmod(-0.6), [(3, 4)],
           ["positive"]),
    OpInfo("gelu", F.gelu, [(3, 4)]),
    OpInfo("gelu_3d_wide", lambda a: F.gelu(a * 3.0), [(2, 3, 5)]),
    OpInfo("layer_norm", lambda a, w, b: F.layer_norm(a, (4,), w, b), [(2, 3, 4), (4,), (4,)]),
    # one LSTM step's fused gates and state update (ops_nn.LstmCell): h' and c' both used
    OpInfo("lstm_cell", lambda x, h, c, w: _lstm_step(x, h, c, w), [(3, 8), (3, 2), (3, 2), (8, 2)]),
    OpInfo("lstm_cell_unbatched", lambda x, h, c, w: _lstm_step(x, h, c, w),
           [(8,), (2,), (2,), (8, 2)]),
    OpInfo("gru_cell", lambda x, h, w, b: _gru_step(x, h, w, b), [(3, 6), (3, 2), (6, 2), (6,)]),
    OpInfo("gru_cell_unbatched", lambda x, h, w, b: _gru_step(x, h, w, b),
           [(6,), (2,), (6, 2), (6,)]),
    OpInfo("layer_norm_2d", lambda a: F.layer_norm(a, (3, 4), eps=0.1), [(2, 3, 4)]),
    *_reduce("sum", ag.sum),
    *_reduce("mean", ag.mean),
    *_reduce("var", ag.var),
    *_reduce("std", ag.std),
    *_reduce("amax", ag.amax, domain="distinct"),
    *_reduce("amin", ag.amin, domain="distinct"),
    OpInfo("max_all", lambda a: a.max(), [(3, 4)], ["distinct"]),
    OpInfo("min_all", lambda a: a.min(), [(3, 4)], ["distinct"]),
    OpInfo("max_dim", lambda a: a.max(dim=1).values, [(3, 4)], ["distinct"]),
    OpInfo("var_biased", lambda a: a.var(dim=1, unbiased=False), [(3, 4)]),
    OpInfo("logsumexp", lambda a: ag.logsumexp(a, dim=1), [(3, 4)]),
    OpInfo("logsumexp_keep", lambda a: ag.logsumexp(a, dim=(0, 2), keepdim=True), [(2, 3, 4)]),
    OpInfo("softmax", lambda a: ag.softmax(a, dim=1), [(3, 4)]),
    OpInfo("softmax0", lambda a: ag.softmax(a, dim=0), [(2, 3, 4)]),
    OpInfo("log_softmax", lambda a: ag.log_softmax(a, dim=-1), [(3, 4)]),
    OpInfo("softmax_last_3d", lambda a: ag.softmax(a, dim=-1), [(2, 3, 4)]),
    # >= 2048 elements in rows of 9: the row_max (odd halving) and row_sum (matmul) paths
    OpInfo("softmax_long_rows", lambda a: ag.softmax(a, dim=-1), [(256, 9)]),
    OpInfo("log_softmax_long_rows", lambda a: ag.log_softmax(a, dim=1), [(256, 9)]),
    OpInfo("sum_long_rows", lambda a: (a * a).sum(dim=-1), [(4, 64, 9)]),
    OpInfo("layer_norm_long_rows", lambda a, w, b: F.layer_norm(a, (9,), w, b),
           [(256, 9), (9,), (9,)]),
    OpInfo("norm", lambda a: a.norm(), [(3, 4)]),
    OpInfo("norm_p3_dim", lambda a: a.norm(p=3, dim=1), [(3, 4)]),
    OpInfo("norm_inf", lambda a: a.norm(p=float("inf"), dim=0, keepdim=True), [(3, 4)],
           ["distinct"]),
    OpInfo("norm_p_half", lambda a: a.norm(p=0.5), [(3, 4)]),
    OpInfo("reshape", lambda a: a.reshape(4, 3) * a.reshape(4, 3), [(3, 4)]),
    OpInfo("view_neg1", lambda a: a.view(-1, 2).exp(), [(3, 4)]),
    OpInfo("flatten", lambda a: a.flatten(1).sin(), [(2, 3, 4)]),
    OpInfo("squeeze", lambda a: a.squeeze().sin(), [(3, 1, 4)]),
    OpInfo("unsqueeze", lambda a: a.unsqueeze(1).sin(), [(3, 4)]),
    OpInfo("transpose", lambda a: a.transpose(0, 2) * 2.0, [(2, 3, 4)]),
    OpInfo("permute", lambda a: a.permute(1, 2, 0).sin(), [(2, 3, 4)]),
    OpInfo("T", lambda a: a.T.exp(), [(3, 4)]),
    OpInfo("expand", lambda a: a.expand(2, 3, 4).sin(), [(3, 1)]),
    OpInfo("getitem_basic", lambda a: a[1:, ::2].sin(), [(3, 4)]),
    OpInfo("getitem_none_ellipsis", lambda a: a[None, ..., 1].exp(), [(2, 3, 4)]),
    OpInfo("getitem_int", lambda a: a[1] * a[2], [(3, 4)]),
    OpInfo("getitem_array_repeat", lambda a: a[[0, 2, 0, 0]].sin(), [(3, 4)]),
    OpInfo("getitem_many_rows", lambda a: a[_ROWS].sin(), [(5, 3)]),  # sorted-sum backward
    OpInfo("getitem_pairs", lambda a: a[np.array([0, 1, 1]), np.array([3, 0, 0])].exp(),
           [(3, 4)]),
    OpInfo("getitem_mask", lambda a: a[a.data > 0].exp(), [(3, 4)]),
    OpInfo("getitem_fan_in", _slices_fan_in, [(4, 6)]),
    OpInfo("setitem_repeat", lambda a, b: _setitem(a, ([2, 0, -2, 0],), b), [(4, 3), (4, 3)]),
    OpInfo("setitem_pairs", lambda a, b: _setitem(a, ([0, 1, 0], [2, 2, 2]), b), [(3, 4), (3,)]),
    OpInfo("cat", lambda a, b: ag.cat([a, b, a], dim=1).sin(), [(3, 2), (3, 4)]),
    OpInfo("stack", lambda a, b: ag.stack([a, b], dim=1).sin(), [(3, 4), (3, 4)]),
    OpInfo("split", lambda a: a.split(2, dim=1)[1].exp(), [(3, 5)]),
    OpInfo("gather", lambda a: a.gather(1, np.array([[0, 0], [3, 1], [2, 2]])) * 2.0,
           [(3, 4)]),
    OpInfo("masked_fill", lambda a: a.masked_fill(a.data > 0.5, 0.0).sin(), [(3, 4)]),
    OpInfo("flip", lambda a: a.flip((0, 1)) * a, [(3, 4)]),
    OpInfo("fliplr_flipud", lambda a: ag.fliplr(a) * a.flipud(), [(3, 4)]),
    OpInfo("repeat", lambda a: a.repeat(2, 1, 3).sin(), [(3, 2)]),
    OpInfo("cumsum", lambda a: a.cumsum(1).sin(), [(3, 4)]),
    OpInfo("cumsum0", lambda a: a.cumsum(0) * a.cumsum(-1), [(2, 3, 2)]),
    OpInfo("min_dim", lambda a: a.min(dim=0, keepdim=True).values, [(3, 4)], ["distinct"]),
    OpInfo("clone_contiguous", lambda a: a.T.contiguous().view(12).sin() + a.clone().sum(),
           [(3, 4)]),
    OpInfo("mm_t", lambda a, b: a.mm(b.t()), [(3, 4), (5, 4)]),
    OpInfo("matmul_2d", ag.matmul, [(3, 4), (4, 5)]),
    OpInfo("matmul_vec_mat", ag.matmul, [(4,), (4, 5)]),
    OpInfo("matmul_mat_vec", ag.matmul, [(3, 4), (4,)]),
    OpInfo("matmul_vec_vec", ag.matmul, [(4,), (4,)]),
    OpInfo("matmul_batched", ag.matmul, [(2, 3, 4), (2, 4, 5)]),
    OpInfo("matmul_broadcast_batch", ag.matmul, [(2, 1, 3, 4), (3, 4, 2)]),
    OpInfo("matmul_batch_mat", ag.matmul, [(2, 3, 4), (4, 2)]),
    # --- transformer building blocks (issue 12) ---
    OpInfo("tril", lambda a: a.tril().sin(), [(2, 3, 4)]),
    OpInfo("triu_diag", lambda a: ag.triu(a, 1) * a + a.tril(-1), [(4, 3)]),
    OpInfo("masked_fill_", lambda a: (a * 2).masked_fill_(a.data > 0.5, -1.0).sin(), [(3, 4)]),
    OpInfo("sdpa", F.scaled_dot_product_attention, [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
    OpInfo("sdpa_causal_scale", lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, is_causal=True, scale=0.3), [(2, 4, 3), (2, 4, 3), (2, 4, 2)]),
    OpInfo("sdpa_causal_4d", lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, is_causal=True), [(2, 2, 4, 3), (2, 2, 4, 3), (2, 2, 4, 2)]),
    OpInfo("sdpa_bool_mask", lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=_SDPA_KEEP_ALIVE), [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
    OpInfo("sdpa_bool_mask_dead_row", lambda q, k, v: F.scaled_dot_product_attention(
        q, k, v, attn_mask=_SDPA_KEEP), [(2, 3, 4), (2, 5, 4), (2, 5, 3)]),
    OpInfo("sdpa_float_mask_broadcast", lambda q, k, v, m: F.scaled_dot_product_attention(
        q, k, v, attn_mask=m), [(2, 3, 4), (5, 4), (5, 3), (5,)]),
    OpInfo("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-3),
           [(2, 4, 3), (4,), (4,)]),
    OpInfo("instance_norm", lambda x: F.instance_norm(x, eps=1e-3), [(2, 3, 2, 2)]),
    OpInfo("normalize", lambda x: F.normalize(x), [(3, 4)]),
    OpInfo("normalize_p3_eps", lambda x: F.normalize(x, p=3, dim=0, eps=0.5), [(3, 4)]),
    OpInfo("rms_norm", lambda x, w: F.rms_norm(x, (4,), w, eps=1e-6), [(3, 4), (4,)]),
    OpInfo("rms_norm_2d", lambda x: F.rms_norm(x, (3, 4)), [(2, 3, 4)]),
    OpInfo("topk", lambda a: a.topk(2, dim=1).values.sin(), [(3, 4)], ["distinct"]),
    OpInfo("topk_smallest", lambda a: ag.topk(a, 3, dim=0, largest=False)[0] * a[:3],
           [(4, 2)], ["distinct"]),
    OpInfo("sort", lambda a: a.sort(dim=-1, descending=True).values * a, [(3, 4)], ["distinct"]),
    OpInfo("sort0", lambda a: ag.sort(a, 0)[0].exp(), [(3, 2)], ["distinct"]),
    OpInfo("einsum_bmm", lambda a, b: ag.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 5)]),
    OpInfo("einsum_attention", lambda q, k: ag.einsum("bhqd,bhkd->bhqk", q, k),
           [(2, 2, 3, 4), (2, 2, 5, 4)]),
    OpInfo("einsum_broadcast_ellipsis", lambda a, b: ag.einsum("...ij,...j->...i", a, b),
           [(2, 1, 3, 4), (3, 4)]),
    OpInfo("einsum_diag_sum_implicit", lambda a, b: ag.einsum("iij,jk", a, b),
           [(3, 3, 4), (4, 2)]),
    OpInfo("einsum_outer_three", lambda a, b, c: ag.einsum("i,j,ij->j", a, b, c),
           [(3,), (4,), (3, 4)]),
    OpInfo("baddbmm", lambda x, a, b: ag.baddbmm(x, a, b, beta=0.5, alpha=2.0),
           [(3, 4), (2, 3, 5), (2, 5, 4)]),
    OpInfo("baddbmm_beta0", lambda x, a, b: x.baddbmm(a, b, beta=0) * x, [(2, 3, 4), (2, 3, 2),
                                                                       (2, 2, 4)]),
    OpInfo("index_select_repeat", lambda a: a.index_select(1, ag.tensor([3, 0, 3])).sin(),
           [(2, 4)]),
    OpInfo("repeat_interleave", lambda a: a.repeat_interleave(2, dim=0).sin(), [(3, 2)]),
    OpInfo("repeat_interleave_counts", lambda a: ag.repeat_interleave(a, ag.tensor([2, 0, 1]),
                                                                       dim=1).exp(), [(2, 3)]),
    OpInfo("repeat_interleave_flat", lambda a: a.repeat_interleave(3) * 2.0, [(2, 2)]),
    OpInfo("unbind", lambda a: a.unbind(1)[0] * a.unbind(1)[2], [(3, 4)]),
    OpInfo("unflatten", lambda a: a.unflatten(1, (2, -1)).sin().sum(2), [(3, 6)]),
    OpInfo("narrow_select", lambda a: a.narrow(1, 1, 2) * a.select(0, -1)[1:3], [(3, 4)]),
    # --- nn.functional's activations (nn/functional_activation.py) ---
    OpInfo("softplus_beta_threshold", lambda a: F.softplus(a, 2.0, 1.5), [(3, 4)]),
    OpInfo("elu", lambda a: F.elu(a, 0.7), [(3, 4)]),
    OpInfo("selu", F.selu, [(3, 4)]),
    OpInfo("celu", lambda a: F.celu(a, 1.3), [(3, 4)]),
    OpInfo("hardtanh", lambda a: F.hardtanh(a, -0.8, 0.9), [(3, 4)], ["distinct"]),
    OpInfo("relu6", lambda a: F.relu6(a * 4.0), [(3, 4)], ["distinct"]),
    OpInfo("leaky_relu", lambda a: F.leaky_relu(a, 0.2), [(3, 4)]),
    OpInfo("threshold", lambda a: F.threshold(a, 0.3, -2.0), [(3, 4)], ["distinct"]),
    OpInfo("prelu_channels", F.prelu, [(2, 3, 4), (3,)]),
    OpInfo("prelu_one_weight", F.prelu, [(3, 4), (1,)]),
    OpInfo("glu", F.glu, [(3, 4)]),
    OpInfo("glu_dim0", lambda a: F.glu(a, 0), [(4, 3)]),
    OpInfo("hardsigmoid", lambda a: F.hardsigmoid(a * 3.0), [(3, 4)], ["distinct"]),
    OpInfo("hardswish", lambda a: F.hardswish(a * 3.0), [(3, 4)], ["distinct"]),
    OpInfo("silu", F.silu, [(3, 4)]),
    OpInfo("mish", F.mish, [(3, 4)]),
    OpInfo("softsign", F.softsign, [(3, 4)]),
    OpInfo("tanhshrink", F.tanhshrink, [(3, 4)]),
    OpInfo("softshrink", lambda a: F.softshrink(a, 0.4), [(3, 4)], ["distinct"]),
    OpInfo("hardshrink", lambda a: F.hardshrink(a, 0.4), [(3, 4)], ["distinct"]),
    OpInfo("logsigmoid", F.logsigmoid, [(3, 4)]),
    OpInfo("softmin", lambda a: F.softmin(a, 1), [(3, 4)]),
    OpInfo("gumbel_softmax", lambda a: _seeded(F.gumbel_softmax, a, tau=0.5), [(3, 4)]),
    OpInfo("inplace_activations", lambda a: _inplace_chain(a), [(3, 4)]),
    # --- distances and the margin / likelihood losses (nn/distance.py, nn/losses_extra.py) ---
    *_binary("cosine_similarity", lambda a, b: F.cosine_similarity(a, b, dim=-1),
             pairs=[((3, 4), (3, 4)), ((3, 4), (4,))]),
    *_binary("pairwise_distance", F.pairwise_distance, pairs=[((3, 4), (3, 4)), ((3, 4), (4,))]),
    OpInfo("pairwise_distance_p3", lambda a, b: F.pairwise_distance(a, b, 3.0, keepdim=True),
           [(3, 4), (3, 4)]),
    OpInfo("poisson_nll_full", lambda a, t: F.poisson_nll_loss(a, t * 3.0, full=True,
                                                               reduction="none"),
           [(3, 4), (3, 4)], ["real", "positive"]),
    OpInfo("poisson_nll_rates", lambda a, t: F.poisson_nll_loss(a, t, log_input=False),
           [(3, 4), (3, 4)], ["positive", "positive"]),
    OpInfo("gaussian_nll", lambda a, t, v: F.gaussian_nll_loss(a, t, v, full=True),
           [(3, 4), (3, 4), (3,)], ["real", "real", "positive"]),
    OpInfo("margin_ranking", lambda a, b: F.margin_ranking_loss(a, b, _signs(a), 0.3,
                                                                reduction="sum"),
           [(3, 4), (3, 4)], ["distinct", "distinct"]),
    OpInfo("hinge_embedding", lambda a: F.hinge_embedding_loss(a, _signs(a), 0.5), [(3, 4)],
           ["distinct"]),
    OpInfo("soft_margin", lambda a: F.soft_margin_loss(a, _signs(a)), [(3, 4)]),
    OpInfo("multilabel_soft_margin", lambda a, w: F.multilabel_soft_margin_loss(
        a, (_signs(a) + 1.0) / 2.0, w, reduction="none"), [(3, 4), (4,)]),
    OpInfo("multi_margin_p2", lambda a, w: F.multi_margin_loss(a, ag.tensor([1, 0, 3]), 2, 0.8,
                                                               w), [(3, 4), (4,)],
           ["distinct", "positive"]),
    OpInfo("multi_margin", lambda a: F.multi_margin_loss(a, ag.tensor([1, 0, 3])), [(3, 4)],
           ["distinct"]),
    OpInfo("cosine_embedding", lambda a, b: F.cosine_embedding_loss(a, b, _signs(a)[:, 0], -0.3),
           [(3, 4), (3, 4)]),
    OpInfo("triplet_margin_swap", lambda a, p, n: F.triplet_margin_loss(a, p, n, 1.5, swap=True),
           [(3, 4), (3, 4), (3, 4)]),
    # --- 1-d conv and pooling, adaptive pooling, pixel shuffle, interpolate (nn/functional_spatial)
    OpInfo("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1),
           [(2, 3, 7), (4, 3, 3), (4,)]),
    OpInfo("conv1d_same_groups", lambda x, w: F.conv1d(x, w, padding="same", groups=2,
                                                       dilation=2), [(2, 4, 6), (2, 2, 3)]),
    OpInfo("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1), [(2, 3, 7)], ["distinct"]),
    OpInfo("avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1, ceil_mode=True,
                                                count_include_pad=False), [(2, 3, 8)]),
    OpInfo("adaptive_avg_pool1d", lambda x: F.adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
    OpInfo("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 4)), [(2, 3, 5)]),
    OpInfo("adaptive_max_pool2d", lambda x: F.adaptive_max_pool2d(x, (2, 3)), [(1, 4, 5)],
           ["distinct"]),
    OpInfo("pixel_shuffle_unshuffle", lambda x: F.pixel_unshuffle(F.pixel_shuffle(x, 2).sin(), 2),
           [(1, 8, 2, 3)]),
    OpInfo("interpolate_nearest", lambda x: F.interpolate(x, scale_factor=1.6), [(1, 2, 3, 4)]),
    OpInfo("interpolate_bilinear", lambda x: F.interpolate(x, size=(5, 3), mode="bilinear"),
           [(1, 2, 3, 4)]),
    OpInfo("interpolate_bilinear_corners", lambda x: F.interpolate(
        x, scale_factor=(1.5, 2), mode="bilinear", align_corners=True), [(2, 1, 3, 2)]),
    OpInfo("interpolate_linear", lambda x: F.interpolate(x, size=7, mode="linear"), [(2, 3, 4)]),
    OpInfo("interpolate_nearest_exact", lambda x: F.interpolate(
        x, scale_factor=(0.6, 1.7), mode="nearest-exact"), [(1, 2, 5, 3)]),
    OpInfo("interpolate_area", lambda x: F.interpolate(x, size=(2, 5), mode="area").sin(),
           [(1, 2, 5, 3)]),
    OpInfo("interpolate_bicubic", lambda x: F.interpolate(x, size=(5, 2), mode="bicubic").sin(),
           [(1, 2, 3, 4)]),
    OpInfo("interpolate_bicubic_corners", lambda x: F.interpolate(
        x, scale_factor=1.5, mode="bicubic", align_corners=True) ** 2, [(2, 1, 3, 2)]),
    OpInfo("interpolate_trilinear", lambda x: F.interpolate(
        x, size=(3, 2, 4), mode="trilinear").sin(), [(1, 1, 2, 3, 2)]),
    # --- bilinear and the draws of nn/functional_dropout.py, seeded afresh per call ---
    OpInfo("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(
        x, w, b, stride=(2, 1), padding=1, output_padding=(1, 0), groups=2, dilation=(1, 2)),
        [(2, 4, 3, 3), (4, 1, 3, 2), (2,)]),
    OpInfo("conv_transpose3d", lambda x, w: F.conv_transpose3d(x, w, stride=(2, 1, 1),
                                                                padding=(1, 0, 0)),
           [(1, 2, 2, 2, 2), (2, 1, 3, 2, 2)]),
    OpInfo("conv_transpose1d", lambda x, w: F.conv_transpose1d(x, w, stride=2), [(2, 3, 4),
                                                                               (3, 2, 3)]),
    OpInfo("lp_pool2d", lambda x: F.lp_pool2d(x, 2.5, 2, 1), [(1, 2, 3, 4)], ["positive"]),
    OpInfo("lp_pool1d", lambda x: F.lp_pool1d(x, 2, 3), [(2, 2, 6)], ["positive"]),
    OpInfo("max_unpool2d", lambda x: F.max_unpool2d(x, ag.tensor(_UNPOOL), 2, output_size=(4, 5)),
           [(1, 2, 2, 2)]),
    OpInfo("max_unpool3d", lambda x: F.max_unpool3d(x, ag.tensor(_UNPOOL[:, :, None]), 2,
                                                     output_size=(2, 4, 5)), [(1, 2, 1, 2, 2)]),
    OpInfo("fractional_max_pool2d", lambda x: F.fractional_max_pool2d(
        x, 2, (3, 2), _random_samples=ag.tensor(_FRACTIONAL[..., :2])), [(2, 2, 5, 4)],
        ["distinct"]),
    OpInfo("fractional_max_pool3d", lambda x: F.fractional_max_pool3d(
        x[0], (2, 1, 2), output_ratio=0.6, _random_samples=ag.tensor(_FRACTIONAL[:1])),
        [(1, 2, 4, 3, 5)], ["distinct"]),
    OpInfo("channel_shuffle", lambda x: F.channel_shuffle(x, 3).sin(), [(2, 6, 2)]),
    OpInfo("local_response_norm", lambda x: F.local_response_norm(x, 3, 0.5, 0.6, 1.5),
           [(2, 4, 3)]),
    OpInfo("pdist", lambda x: F.pdist(x), [(4, 3)]),
    OpInfo("pdist_p3", lambda x: F.pdist(x, 3), [(4, 3)]),
    OpInfo("multilabel_margin", lambda x: F.multilabel_margin_loss(x, ag.tensor(_LABELS)),
           [(3, 4)], ["distinct"]),
    OpInfo("triplet_with_distance", lambda a, p, n: F.triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda u, v: ((u - v) ** 2).sum(-1), swap=True),
        [(3, 4), (3, 4), (3, 4)]),
    OpInfo("embedding_bag_max", lambda w: F.embedding_bag(ag.tensor(_BAGS), w, mode="max"),
           [(6, 3)], ["distinct"]),
    OpInfo("embedding_bag_sum_weighted", lambda w, p: F.embedding_bag(
        ag.tensor(_BAGS.reshape(-1)), w, ag.tensor([0, 2, 2, 5]), mode="sum",
        per_sample_weights=p, padding_idx=0), [(6, 3), (9,)]),
    OpInfo("conv3d", lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=1, groups=2),
           [(1, 2, 3, 3, 2), (2, 1, 2, 2, 2), (2,)]),
    OpInfo("max_pool3d", lambda x: F.max_pool3d(x, 2, 1, 1), [(1, 2, 2, 3, 2)], ["distinct"]),
    OpInfo("avg_pool3d", lambda x: F.avg_pool3d(x, 2, 1, 1, count_include_pad=False),
           [(1, 2, 2, 3, 2)]),
    OpInfo("adaptive_pool3d", lambda x: F.adaptive_avg_pool3d(x, (1, 2, 3)) *
           F.adaptive_max_pool3d(x, (1, 2, 3)), [(1, 2, 2, 3, 4)], ["distinct"]),
    OpInfo("affine_grid_sample", lambda x, t: F.grid_sample(
        x, F.affine_grid(t, (2, 2, 3, 4), align_corners=False), align_corners=False),
        [(2, 2, 3, 3), (2, 2, 3)], ["real", "unit"]),
    OpInfo("grid_sample_border_corners", lambda x, g: F.grid_sample(
        x, g, padding_mode="border", align_corners=True), [(1, 2, 3, 4), (1, 2, 3, 2)],
        ["real", "unit"]),
    OpInfo("grid_sample_reflection", lambda x, g: F.grid_sample(
        x, g * 2.5, padding_mode="reflection"), [(1, 2, 3, 4), (1, 2, 3, 2)], ["real", "unit"]),
    OpInfo("grid_sample_bicubic_reflection", lambda x, g: F.grid_sample(
        x, g * 2.5, mode="bicubic", padding_mode="reflection", align_corners=True),
        [(1, 2, 3, 4), (1, 2, 3, 2)], ["real", "unit"]),
    OpInfo("affine_grid_sample_3d_reflection_corners", lambda x, t: F.grid_sample(
        x, F.affine_grid(t * 2.0, (1, 2, 2, 3, 2), align_corners=True),
        padding_mode="reflection", align_corners=True), [(1, 2, 3, 2, 3), (1, 3, 4)],
        ["real", "unit"]),
    OpInfo("weight_norm", lambda v, g: _weight_norm(v, g, 1), [(3, 4, 2), (1, 4, 1)]),
    OpInfo("weight_norm_whole", lambda v, g: _weight_norm(v, g, -1), [(2, 3), ()]),
    OpInfo("spectral_norm_eval", lambda w: _spectral_norm_eval(w, 1), [(2, 3, 2)]),
    OpInfo("orthogonal_cayley_tall", lambda x: _Orthogonal(x, "cayley", use_trivialization=False)(
        x), [(4, 3)]),
    OpInfo("orthogonal_matrix_exp_wide", lambda x: _Orthogonal(
        x, "matrix_exp", use_trivialization=False)(x), [(2, 3)]),
    OpInfo("householder_product", ag.linalg.householder_product, [(2, 4, 3), (2, 3)]),
    OpInfo("householder_product_short_tau", ag.linalg.householder_product, [(5, 3), (2,)]),
    OpInfo("ctc_loss", lambda x: F.ctc_loss(x.log_softmax(2), ag.tensor([[1, 2, 2], [3, 0, 0]]),
                                            ag.tensor([5, 4]), ag.tensor([3, 1])), [(5, 2, 4)]),
    OpInfo("bilinear", F.bilinear, [(2, 3, 4), (2, 3, 5), (6, 4, 5), (6,)]),
    OpInfo("dropout2d_seeded", lambda a: _seeded(F.dropout2d, a, 0.4), [(2, 3, 2, 2)]),
    OpInfo("feature_alpha_dropout_seeded", lambda a: _seeded(F.feature_alpha_dropout, a, 0.3,
                                                             True), [(2, 3, 4)]),
    OpInfo("rrelu_training_seeded", lambda a: _seeded(F.rrelu, a, 0.1, 0.4, True), [(3, 4)]),
    # --- scatter and index writes, diagonals, layout (scattering.py, layout.py) ---
    OpInfo("scatter_add_repeat", lambda a, s: ag.scatter_add(a, 1, _SCATTER, s).sin(),
           [(3, 4), (3, 3)]),
    OpInfo("scatter_add_dim0_method", lambda a, s: a.scatter_add(-2, _SCATTER[:2], s) * a,
           [(4, 3), (2, 3)]),
    OpInfo("scatter_distinct", lambda a, s: ag.scatter(a, 1, _SCATTER_DISTINCT, s).sin(),
           [(3, 4), (3, 3)]),
    OpInfo("scatter_repeat_last_wins", lambda a, s: a.scatter(1, _SCATTER, s) * a,
           [(3, 4), (3, 3)]),
    OpInfo("scatter_value", lambda a: a.scatter(0, _SCATTER[:1], 0.5) * a, [(3, 4)]),
    OpInfo("index_add_repeat", lambda a, s: ag.index_add(a, 0, [2, 0, 2], s, alpha=1.5) * a,
           [(3, 2), (3, 2)]),
    OpInfo("index_put_distinct", lambda a, v: ag.index_put(a, (_SCATTER_DISTINCT[0],), v).sin(),
           [(3, 4), (4,)]),
    OpInfo("index_put_accumulate_repeat", lambda a, v: a.index_put(
        (_SCATTER[1], ag.tensor([0, 2, 0])), v, accumulate=True) * a, [(4, 3), (3,)]),
    OpInfo("index_put_mask_broadcast", lambda a, v: a.index_put(
        (ag.tensor([True, False, True]),), v) * v, [(3, 2), (2,)]),
    OpInfo("index_put_", lambda a, v: (a * 1).index_put_((_SCATTER_DISTINCT[:2, :2],), v).exp(),
           [(4, 3), (1, 3)]),
    OpInfo("index_copy", lambda a, s: a.index_copy(1, ag.tensor([3, 0]), s).sin(),
           [(2, 4), (2, 2)]),
    OpInfo("index_fill_tensor_value", lambda a, v: a.index_fill(-1, [1, -1], v) * a,
           [(2, 3), ()]),
    OpInfo("scatter_add_", lambda a, s: (a * 1).scatter_add_(0, _SCATTER[:2], s).exp(),
           [(4, 3), (2, 3)]),
    OpInfo("index_add_", lambda a, s: (a * 2).index_add_(1, ag.tensor([0, 0]), s) * a,
           [(2, 3), (2, 2)]),
    OpInfo("scatter_reduce_sum_exclusive", lambda a, s: ag.scatter_reduce(
        a, 1, _SCATTER, s, "sum", include_self=False).sin(), [(3, 4), (3, 3)]),
    OpInfo("scatter_reduce_prod", lambda a, s: a.scatter_reduce(1, _SCATTER, s, "prod") * a,
           [(3, 4), (3, 3)]),
    OpInfo("scatter_reduce_prod_exclusive", lambda a, s: ag.scatter_reduce(
        a, 0, _SCATTER[:2], s, "prod", include_self=False).sin(), [(4, 3), (2, 3)]),
    OpInfo("scatter_reduce_mean", lambda a, s: a.scatter_reduce(-2, _SCATTER[:2], s, "mean").exp(),
           [(4, 3), (2, 3)]),
    OpInfo("scatter_reduce_amax", lambda a, s: ag.scatter_reduce(a, 1, _SCATTER, s, "amax") * a,
           [(3, 4), (3, 3)], ["distinct", "distinct"]),
    OpInfo("scatter_reduce_amin_", lambda a, s: (a * 1).scatter_reduce_(
        0, _SCATTER[:2], s, "amin", include_self=False).sin(), [(4, 3), (2, 3)],
           ["distinct", "distinct"]),
    OpInfo("index_reduce_prod", lambda a, s: ag.index_reduce(a, 0, [2, 0, 2], s, "prod") * a,
           [(3, 2), (3, 2)]),
    OpInfo("index_reduce_mean_", lambda a, s: (a * 2).index_reduce_(
        1, ag.tensor([0, 0]), s, "mean", include_self=False).exp(), [(2, 3), (2, 2)]),
    OpInfo("index_reduce_amax", lambda a, s: a.index_reduce(-1, ag.tensor([1, 1, 0]), s, "amax"),
           [(2, 3), (2, 3)], ["distinct", "distinct"]),
    OpInfo("take", lambda a: ag.take(a, ag.tensor([[0, -1], [5, 0]])).sin(), [(2, 3)]),
    OpInfo("take_along_dim_broadcast", lambda a: a.take_along_dim(_ALONG, 1).exp(),
           [(3, 4)]),
    OpInfo("take_along_dim_flat", lambda a: ag.take_along_dim(a, ag.tensor([3, 3, 0])) * 2.0,
           [(2, 2)]),
    OpInfo("take_along_dim_negative", lambda a: a.take_along_dim(ag.tensor([[-1], [-4]]), 1) * a,
           [(2, 3)]),
    OpInfo("put_", lambda a, s: (a * 1).put_(ag.tensor([[4, -1], [0, 2]]), s).exp(),
           [(2, 3), (2, 2)]),
    OpInfo("put_accumulate", lambda a, s: a.put(ag.tensor([1, 1, -5]), s, accumulate=True) * a,
           [(2, 3), (3,)]),
    OpInfo("as_strided_overlapping", lambda a: (a * 1).as_strided((4, 3), (2, 1), 1).sin(),
           [(3, 4)]),
    OpInfo("as_strided_before_a_slice", lambda a: ag.as_strided(a[1:] * a[1:], (2, 3), (1, 2), 0)
           * a[:2, :3], [(3, 4)]),
    OpInfo("as_strided_of_expanded", lambda a: a.expand(3, 4).as_strided((2, 3), (0, 1), 1).exp(),
           [(4,)]),
    OpInfo("as_strided_", lambda a: (a * 2).as_strided_((3, 2), (1, 1), 4) * a[0, :2], [(3, 4)]),
    OpInfo("fill_diagonal_", lambda a: (a * 2).fill_diagonal_(0.5).sin() * a, [(3, 3)]),
    OpInfo("fill_diagonal_wrap", lambda a: (a * 1).fill_diagonal_(-1.0, wrap=True).exp(),
           [(7, 2)]),
    OpInfo("diagonal_offset", lambda a: a.diagonal(1, -1, 0).sin(), [(2, 3, 4)]),
    OpInfo("diagonal_below", lambda a: ag.diagonal(a, -1) * 2.0, [(4, 3)]),
    OpInfo("diagonal_view", lambda a: a.diagonal(1, 1, 2) * a.diagonal(-1, 0, 1).sum(), [(3, 4, 4)]),
    OpInfo("unfold_overlapping", lambda a: a.unfold(1, 3, 1).sin(), [(2, 5, 3)]),
    OpInfo("unfold_gaps_negative_dim", lambda a: a.unfold(-2, 2, 3) * a.unfold(-2, 2, 3), [(7, 2)]),
    OpInfo("unfold_of_unfold", lambda a: a.T.unfold(0, 2, 1).unfold(1, 2, 1).exp(), [(3, 4)]),
    OpInfo("unfold_0d", lambda a: a.unfold(0, 1, 1) ** 3, [()]),
    OpInfo("diag_1d_2d", lambda a, b: ag.diag(a, -1) + b.diag(), [(3,), (4, 4)]),
    OpInfo("diag_embed", lambda a: ag.diag_embed(a, 1, 0, 2).sin(), [(2, 3)]),
    OpInfo("trace", lambda a: ag.trace(a * a), [(3, 4)]),
    OpInfo("roll", lambda a: a.roll((1, -5), (0, 2)) * a, [(2, 3, 4)]),
    OpInfo("roll_flat", lambda a: ag.roll(a, 4).sin(), [(2, 3)]),
    OpInfo("tile", lambda a: ag.tile(a, (2, 1, 3)).sin(), [(3, 2)]),
    OpInfo("rot90", lambda a: ag.rot90(a) + a.rot90(-1, (1, 0)) + ag.rot90(a, 2).sin(),
           [(3, 3)]),
    OpInfo("movedim", lambda a: ag.movedim(a, (0, -1), (2, 0)).sin(), [(2, 3, 4)]),
    OpInfo("moveaxis_swapaxes", lambda a: a.moveaxis(1, 0) * a.swapaxes(0, 1) + a.swapdims(1, 0),
           [(3, 3)]),
    OpInfo("broadcast_to", lambda a: ag.broadcast_to(a, (2, 3, 4)).sin(), [(3, 1)]),
    OpInfo("hstack_vstack_dstack", lambda a, b: ag.hstack([a, b]).sum() * ag.vstack([a, b])
           + ag.dstack([a, b]).sum(2).sum(), [(2, 3), (2, 3)]),
    OpInfo("meshgrid_xy", lambda a, b: ag.meshgrid(a, b, indexing="xy")[0] * ag.meshgrid(a, b)[1].T,
           [(3,), (4,)]),
    OpInfo("block_diag", lambda a, b, c: ag.block_diag(a, b, c).sin(), [(2, 3), (2,), ()]),
    OpInfo("cartesian_prod", lambda a, b: ag.cartesian_prod(a, b).exp(), [(3,), (2,)]),
    # --- products and distances (products.py) ---
    OpInfo("dot_vdot", lambda a, b: ag.dot(a, b) * a.vdot(b), [(4,), (4,)]),
    OpInfo("mv", lambda a, v: a.mv(v).sin(), [(3, 4), (4,)]),
    OpInfo("outer_ger", lambda a, b: a.outer(b) * ag.ger(a, b), [(3,), (2,)]),
    OpInfo("inner", lambda a, b: ag.inner(a, b).sin(), [(2, 3, 4), (5, 4)]),
    OpInfo("tensordot", lambda a, b: ag.tensordot(a, b, ([0, 2], [2, 0])), [(2, 3, 4), (4, 5, 2)]),
    OpInfo("tensordot_int", lambda a, b: ag.tensordot(a, b, 1).exp(), [(2, 3), (3, 2)]),
    OpInfo("cross", lambda a, b: ag.cross(a, b, dim=0), [(3, 4), (3, 1)]),
    OpInfo("cross_default_dim", lambda a, b: a.cross(b).sin(), [(2, 3), (2, 3)]),
    OpInfo("kron", lambda a, b: ag.kron(a, b).sin(), [(2, 3), (3,)]),
    OpInfo("addmm", lambda x, a, b: ag.addmm(x, a, b, beta=0.5, alpha=-2.0), [(4,), (3, 2), (2, 4)]),
    OpInfo("dist", lambda a, b: ag.dist(a, b) + a.dist(b, 3) + ag.dist(a, b, 1), [(3, 4), (4,)]),
    OpInfo("cdist", lambda a, b: ag.cdist(a, b), [(2, 3, 4), (5, 4)]),
    OpInfo("cdist_p1_inf", lambda a, b: ag.cdist(a, b, 1) * ag.cdist(a, b, float("inf")),
           [(3, 2), (4, 2)], ["distinct", "distinct"]),
    OpInfo("renorm", lambda a: a.renorm(2, 0, 1.5), [(3, 4)]),
    OpInfo("renorm_p1_last", lambda a: ag.renorm(a * 3, 1, -1, 2.0), [(2, 3, 2)]),
    # --- linalg (its gradients are written with inv / solve: second order included) ---
    OpInfo("linalg_inv", lambda a: ag.linalg.inv(_wc(a)), [(2, 3, 3)]),
    OpInfo("inverse_1x1", lambda a: a.inverse() * 0.5, [(1, 1)], ["positive"]),
    OpInfo("det", lambda a: ag.linalg.det(_wc(a)) + a.det(), [(2, 3, 3)]),
    OpInfo("slogdet", lambda a: ag.linalg.slogdet(_wc(a)).logabsdet * a.slogdet()[1],
           [(3, 3)]),
    OpInfo("logdet", lambda a: ag.logdet(_wc(a)), [(2, 1, 4, 4)]),
    OpInfo("solve", lambda a, b: ag.linalg.solve(_wc(a), b), [(2, 3, 3), (3, 2)]),
    OpInfo("solve_batch_b", lambda a, b: ag.linalg.solve(_wc(a), b), [(3, 3), (2, 3, 2)]),
    OpInfo("solve_vector", lambda a, b: ag.linalg.solve(_wc(a), b), [(2, 3, 3), (2, 3)]),
    OpInfo("cholesky", lambda a: ag.linalg.cholesky(a @ a.mT + ag.eye(3, dtype=a.dtype)),
           [(2, 3, 3)]),
    OpInfo("cholesky_upper", lambda a: ag.linalg.cholesky(_wc(a) @ _wc(a).mT, upper=True).exp(),
           [(4, 4)]),
    OpInfo("matrix_power", lambda a: ag.linalg.matrix_power(a, 5), [(2, 3, 3)]),
    OpInfo("matrix_power_neg", lambda a: ag.linalg.matrix_power(_wc(a), -2), [(2, 3, 3)]),
    OpInfo("matrix_norm", lambda a: ag.linalg.matrix_norm(a) + ag.linalg.matrix_norm(a, 1)
           + ag.linalg.matrix_norm(a, -np.inf, dim=(0, 2)).sum(), [(2, 3, 4)], ["distinct"]),
    OpInfo("vector_norm", lambda a: ag.linalg.vector_norm(a, 3, dim=-1), [(2, 3, 4)]),
    OpInfo("solve_right", lambda a, b: ag.linalg.solve(_wc(a), b, left=False),
           [(2, 3, 3), (2, 4, 3)]),
    # LU (linalg/lu.py): P L U of square, tall and wide matrices; lu_solve in every form
    OpInfo("lu", lambda a: ag.linalg.lu(a).L.sin() * ag.linalg.lu(a).U[..., :1, :1], [(2, 3, 3)]),
    OpInfo("lu_tall", lambda a: ag.linalg.lu(a).L * ag.linalg.lu(a).U.sum(), [(5, 3)]),
    OpInfo("lu_wide", lambda a: ag.linalg.lu(a).U * ag.linalg.lu(a).L.sum(), [(2, 3, 5)]),
    OpInfo("lu_factor", lambda a: ag.linalg.lu_factor(a).LU.exp(), [(2, 4, 4)]),
    OpInfo("lu_solve", lambda a, b: ag.linalg.lu_solve(*ag.linalg.lu_factor(_wc(a)), b),
           [(2, 3, 3), (3, 2)]),
    OpInfo("lu_solve_adjoint_right", lambda a, b: ag.linalg.lu_solve(
        *ag.linalg.lu_factor(_wc(a)), b, left=False, adjoint=True), [(3, 3), (2, 2, 3)]),
    OpInfo("cholesky_ex", lambda a: ag.linalg.cholesky_ex(a @ a.mT + ag.eye(3, dtype=a.dtype),
                                                           upper=True).L, [(2, 3, 3)]),
    OpInfo("inv_ex", lambda a: ag.linalg.inv_ex(_wc(a)).inverse, [(2, 3, 3)]),
    OpInfo("solve_ex", lambda a, b: ag.linalg.solve_ex(_wc(a), b).result, [(2, 3, 3), (3, 2)]),
    OpInfo("triangular_solve", lambda a, b: ag.triangular_solve(b, _wc(a), transpose=True)
           .solution, [(2, 3, 3), (3, 2)]),
    OpInfo("lu_solve_packed", lambda a, b: ag.lu_solve(b, _wc(a) * 0.5, ag.linalg.lu_factor(
        a.detach()).pivots), [(3, 3), (3, 2)]),
    # the factorizations (linalg/decomp.py); eigh's eigenvectors in basis-independent uses
    OpInfo("qr", lambda a: ag.linalg.qr(a).Q * ag.linalg.qr(a).R.sum(-2, keepdim=True),
           [(2, 4, 3)]),
    OpInfo("qr_r", lambda a: ag.linalg.qr(a).R.sin(), [(3, 3)]),
    OpInfo("qr_wide_complete", lambda a: _qr_product(*ag.linalg.qr(a, "complete")), [(2, 3, 5)]),
    OpInfo("qr_some", lambda a: a.qr()[0] * ag.qr(a, some=False).R[..., :1, 1:].exp(), [(3, 4)]),
    OpInfo("eigh", lambda a: ag.linalg.eigh(_sym(a)).eigenvectors.abs()
           * ag.linalg.eigh(_sym(a)).eigenvalues[..., None, :], [(2, 3, 3)]),
    OpInfo("eigh_upper_exp", lambda a: _eigh_exp(a, "U"), [(2, 1, 4, 4)]),
    OpInfo("eigvalsh", lambda a: ag.linalg.eigvalsh(_sym(a)).exp()
           + ag.linalg.eigvalsh(_sym(a), UPLO="U"), [(2, 3, 3)]),
    OpInfo("svd_tall", lambda a: _svd_exp(a, False), [(2, 4, 3)]),
    OpInfo("svd_wide_full", lambda a: _svd_exp(a, True), [(2, 1, 3, 5)]),
    OpInfo("svd_abs_vectors", lambda a: ag.linalg.svd(a)[0].abs().sum(-1, keepdim=True)
           * ag.linalg.svd(a, full_matrices=False).Vh.abs(), [(3, 4)]),
    OpInfo("svd_torch_v", lambda a: a.svd().V.abs() * ag.svd(a, some=False)[1][..., None, :],
           [(2, 3, 3)]),
    OpInfo("svdvals", lambda a: ag.linalg.svdvals(a).exp(), [(2, 5, 3)]),
    # derived from them (linalg/derived.py)
    OpInfo("det_singular", lambda a: ag.linalg.det(a[..., :1] * a[..., 1:2, :]
                                                   + a[..., 2:, None, 0] * a[..., 2:, :]),
           [(3, 3)]),
    OpInfo("pinv", lambda a: ag.linalg.pinv(a) + a.pinverse(), [(2, 4, 3)]),
    OpInfo("pinv_wide_hermitian", lambda a: ag.linalg.pinv(a) @ ag.linalg.pinv(
        _sym(a[..., :3]), hermitian=True), [(2, 3, 5)]),
    OpInfo("matrix_exp", lambda a: ag.linalg.matrix_exp(a) + (a * 3).matrix_exp(), [(2, 3, 3)]),
    OpInfo("lstsq", lambda a, b: ag.linalg.lstsq(a, b).solution, [(2, 5, 3), (5, 2)]),
    OpInfo("matrix_norm_svd", lambda a: ag.linalg.matrix_norm(a, "nuc")
           + ag.linalg.matrix_norm(a, 2) * ag.linalg.matrix_norm(a, -2, dim=(2, 0)).sum(),
           [(3, 4, 2)]),
    OpInfo("linalg_norm", lambda a: ag.linalg.norm(a) + ag.linalg.norm(a, dim=-1).sum()
           + ag.linalg.norm(a[0], "nuc") + ag.linalg.norm(a, 3, dim=(0,)).sum(), [(2, 3, 4)]),
    OpInfo("cond", lambda a: ag.linalg.cond(a) + ag.linalg.cond(a, -2) + ag.linalg.cond(a, "fro")
           + ag.linalg.cond(a, "nuc") + ag.linalg.cond(a, 1), [(2, 3, 3)], ["distinct"]),
    # solves and helpers (linalg/solvers.py)
    OpInfo("solve_triangular", lambda a, b: ag.linalg.solve_triangular(_wc(a), b, upper=True)
           + ag.linalg.solve_triangular(_wc(a), b, upper=False, unitriangular=True),
           [(2, 3, 3), (3, 2)]),
    OpInfo("solve_triangular_right", lambda a, b: ag.linalg.solve_triangular(
        _wc(a), b, upper=False, left=False), [(3, 3), (2, 4, 3)]),
    OpInfo("cholesky_solve", lambda b, a: ag.cholesky_solve(b, ag.linalg.cholesky(_spd(a)))
           + b.cholesky_solve(ag.linalg.cholesky(_spd(a), upper=True), True), [(2, 3, 2), (3, 3)]),
    OpInfo("cholesky_inverse", lambda a: ag.cholesky_inverse(_wc(a).tril())
           * _wc(a).triu().cholesky_inverse(upper=True), [(2, 3, 3)]),
    OpInfo("torch_cholesky", lambda a: ag.cholesky(_spd(a), True) + _spd(a).cholesky(), [(3, 3)]),
    OpInfo("tensorinv", lambda a: ag.linalg.tensorinv(_wc(a).reshape(2, 3, 6)), [(6, 6)]),
    OpInfo("tensorsolve", lambda a, b: ag.linalg.tensorsolve(_wc(a).reshape(6, 2, 3), b, dims=(0,)),
           [(6, 6), (2, 3)]),
    OpInfo("vecdot", lambda a, b: ag.linalg.vecdot(a, b, dim=0), [(3, 4), (3, 1)]),
    OpInfo("vander", lambda x: ag.linalg.vander(x, N=4), [(2, 3)]),
    OpInfo("chain_matmul", lambda a, b, c: ag.chain_matmul(a, b, c), [(2, 3), (3, 4), (4, 2)]),
    OpInfo("multi_dot", lambda a, b, c, d: ag.linalg.multi_dot([a, b, c, d]),
           [(4,), (4, 6), (6, 2), (2, 3)]),
    OpInfo("linalg_cross", lambda a, b: ag.linalg.cross(a, b), [(2, 4, 3), (4, 3)]),
]


def _spectral_norm_eval(w, dim):
    """nn.utils.parametrizations' spectral norm of w in eval mode, from fixed unit
    vectors u, v (no power iteration)."""
    from nn.utils.parametrizations import _SpectralNorm
    sn = _SpectralNorm(w.detach(), dim=dim).eval()
    for name, n in (("_u", sn._u.shape[0]), ("_v", sn._v.shape[0])):
        unit = np.cos(np.arange(1.0, n + 1.0))
        getattr(sn, name).data[...] = unit / np.linalg.norm(unit)
    return sn(w)


def _seeded(fn, *args, **kwargs):
    """fn drawing from the default generator seeded afresh: the same noise every call."""
    ag.manual_seed(5)
    return fn(*args, **kwargs)


def _inplace_chain(a):
    """The inplace=True forms written into an intermediate, one after the other."""
    h = a * 1.5
    F.elu(h, 0.5, inplace=True)
    F.leaky_relu(F.selu(h, inplace=True), 0.1, inplace=True)
    F.hardtanh(h, -0.9, 2.0, inplace=True)
    return F.silu(F.mish(h, inplace=True), inplace=True) * a


# --- elementwise math: ops/special.py, the erf family, functions/special.py --------------
_FLOATS_TO_FIX = np.array([np.inf, 1.0, np.nan, -np.inf])
_AT_ZERO = np.array([0.0, 1.0, 1.0, 0.0])
_ORDERS = np.array([0.5, 1.5, 3.0, 7.0])


def _const(a, like):
    """A constant tensor of `a` in `like`'s dtype."""
    return ag.tensor(np.asarray(a, like.data.dtype))
OPS += [
    OpInfo("tan", ag.tan, [(3, 4)], ["unit"]),
    OpInfo("asin", ag.asin, [(3, 4)], ["unit"]),
    OpInfo("acos", lambda a: a.acos(), [(3, 4)], ["unit"]),
    OpInfo("atan", ag.arctan, [(3, 4)]),
    OpInfo("sinh", ag.sinh, [(3, 4)]),
    OpInfo("cosh", lambda a: a.cosh(), [(3, 4)]),
    OpInfo("asinh", ag.asinh, [(3, 4)]),
    OpInfo("acosh", lambda a: ag.acosh(a + 0.6), [(3, 4)], ["positive"]),
    OpInfo("atanh", ag.atanh, [(3, 4)], ["unit"]),
    OpInfo("log2", ag.log2, [(3, 4)], ["positive"]),
    OpInfo("log10", lambda a: a.log10(), [(3, 4)], ["positive"]),
    OpInfo("exp2", ag.exp2, [(3, 4)]),
    OpInfo("erf", ag.erf, [(3, 4)]),
    OpInfo("erfc", lambda a: ag.erfc(a * 3.0), [(3, 4)]),
    OpInfo("erfinv", ag.erfinv, [(3, 4)], ["unit"]),
    OpInfo("logit", lambda a: ag.logit(a * 0.5 + 0.5), [(3, 4)], ["unit"]),
    OpInfo("logit_eps", lambda a: (a * 0.6 + 0.5).logit(eps=0.2), [(3, 4)], ["distinct"]),
    OpInfo("sinc", ag.sinc, [(3, 4)]),
    OpInfo("sinc_at_0", lambda a: ag.sinc(a * ag.tensor(np.array([0.0, 1.0, 1.0, 0.0], a.data.dtype))),
           [(3, 4)]),
    OpInfo("deg2rad_rad2deg", lambda a: ag.deg2rad(a) * a.rad2deg(), [(3, 4)]),
    OpInfo("sgn", lambda a: ag.sgn(a) * a.exp(), [(3, 4)]),
    OpInfo("nan_to_num", lambda a: ag.nan_to_num(a + _FLOATS_TO_FIX.astype(a.data.dtype), 1.0, 2.0, -3.0) * a,
           [(3, 4)]),
    OpInfo("div_rounding", lambda a: (ag.div(a, 0.3, rounding_mode="trunc")
                                      + a.div(0.3, rounding_mode="floor") + ag.div(a, 0.3)) * a,
           [(3, 4)], ["distinct"]),
    OpInfo("heaviside", lambda a, v: ag.heaviside(ag.relu(a).detach(), v) * a, [(3, 4), (4,)]),
    OpInfo("lerp_scalar", lambda a, b: ag.lerp(a, b, 0.3) * a.lerp(b, 0.8), [(3, 4), (4,)]),
    *_binary("lerp_tensor", lambda a, b: ag.lerp(a, b, ag.sigmoid(b) * 1.4 - 0.2)),
    *_binary("atan2", ag.atan2),
    *_binary("hypot", ag.hypot),
    *_binary("logaddexp", ag.logaddexp),
    *_binary("logaddexp2", lambda a, b: a.logaddexp2(b)),
    *_binary("xlogy", ag.xlogy, ("real", "positive")),
    *_binary("xlogy_zeros", lambda a, b: ag.xlogy(ag.relu(a), b), ("real", "positive")),
    *_binary("copysign", ag.copysign),
    *_binary("fmax", ag.fmax, ("distinct", "distinct")),
    *_binary("fmin", lambda a, b: a.fmin(b), ("distinct", "distinct")),
]

# --- ops/transcendental.py (SciPy's values) and autograd/special.py ----------------------
_S = ag.special
OPS += [
    OpInfo("lgamma", ag.lgamma, [(3, 4)]),
    OpInfo("lgamma_negative", lambda a: (a * 0.3 - 1.5).lgamma(), [(3, 4)], ["unit"]),
    OpInfo("digamma", lambda a: a.digamma(), [(3, 4)], ["positive"]),
    OpInfo("digamma_negative", lambda a: ag.digamma(a * 0.3 - 2.5), [(3, 4)], ["unit"]),
    # within 0.3 of digamma's negative root -0.504, where ops/transcendental sums its own
    # series: lgamma's gradient there is that series, digamma's is polygamma(1)
    OpInfo("digamma_near_its_root", lambda a: ag.digamma(a * 0.3 - 0.504), [(3, 4)], ["unit"]),
    OpInfo("lgamma_near_digammas_root", lambda a: ag.lgamma(a * 0.3 - 0.504), [(3, 4)],
           ["unit"]),
    OpInfo("polygamma1", lambda a: ag.polygamma(1, a), [(3, 4)], ["positive"]),
    OpInfo("polygamma3", lambda a: a.polygamma(3), [(3, 4)], ["positive"]),
    OpInfo("polygamma2_negative", lambda a: _S.polygamma(2, a * 0.3 - 0.5), [(3, 4)], ["unit"]),
    OpInfo("mvlgamma", lambda a: ag.mvlgamma(a + 1.0, 3), [(3, 4)], ["positive"]),
    OpInfo("multigammaln_0d", lambda a: _S.multigammaln(a + 1.0, 1), [()], ["positive"]),
    OpInfo("i0", ag.i0, [(3, 4)]),
    OpInfo("i0e", _S.i0e, [(3, 4)]),
    OpInfo("i1", _S.i1, [(3, 4)]),
    OpInfo("i1e", lambda a: _S.i1e(a * 3.0), [(3, 4)]),
    OpInfo("i1_i1e_at_0", lambda a: _S.i1(a * _AT_ZERO.astype(a.data.dtype))
           + _S.i1e(a * _AT_ZERO.astype(a.data.dtype)), [(3, 4)]),
    OpInfo("bessel_j0", lambda a: _S.bessel_j0(a * 3.0), [(3, 4)]),
    OpInfo("bessel_j1", lambda a: _S.bessel_j1(a * 3.0), [(3, 4)]),
    OpInfo("bessel_j1_at_0", lambda a: _S.bessel_j1(a * _AT_ZERO.astype(a.data.dtype)), [(3, 4)]),
    OpInfo("erfcx", lambda a: _S.erfcx(a * 2.0), [(3, 4)], ["unit"]),
    OpInfo("erfcx_large", lambda a: _S.erfcx(a * 10.0), [(3, 4)], ["positive"]),
    OpInfo("log_ndtr", lambda a: _S.log_ndtr(a * 4.0), [(3, 4)]),
    OpInfo("ndtr", lambda a: _S.ndtr(a * 2.0), [(3, 4)]),
    OpInfo("ndtri", lambda a: _S.ndtri(a * 0.5 + 0.5), [(3, 4)], ["unit"]),
    OpInfo("entr", _S.entr, [(3, 4)], ["positive"]),
    *_binary("xlog1py", _S.xlog1py, ("real", "positive")),
    *_binary("xlog1py_zeros", lambda a, b: _S.xlog1py(ag.relu(a), b), ("real", "positive")),
    # zeta has no derivative in x, gammainc/gammaincc none in a: those are constants here
    OpInfo("zeta_q", lambda q: _S.zeta(_const(_ORDERS + 1.0, q), q + 0.5), [(3, 4)], ["positive"]),
    OpInfo("zeta_q_broadcast", lambda q: _S.zeta(_const(_ORDERS + 1.0, q).reshape(4, 1), q + 0.5),
           [(3,)], ["positive"]),
    OpInfo("igamma", lambda x: ag.igamma(_const(_ORDERS, x), x), [(3, 4)], ["positive"]),
    OpInfo("igammac", lambda x: ag.igammac(_const(_ORDERS, x).reshape(4, 1), x), [(2, 1, 3)],
           ["positive"]),
    OpInfo("gammaincc_0d", lambda x: _S.gammaincc(_const(1.5, x), x) * _S.gammainc(_const(2.5, x), x),
           [()], ["positive"]),
]

# --- reductions and scans: scans.py, sorting.py's order statistics, reductions.py ---------
_ZEROS = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
_NANS = np.array([[0.0, np.nan, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [np.nan, 0.0, np.nan, 0.0]])


def _masked(a, mask):
    return a * ag.tensor(mask.astype(a.data.dtype))


def _with_nans(a):
    return a + ag.tensor(_NANS.astype(a.data.dtype))


OPS += [
    OpInfo("prod", ag.prod, [(2, 3)]),
    OpInfo("prod_dim", lambda a: a.prod(1), [(2, 3, 4)]),
    OpInfo("prod_dim0_keepdim", lambda a: ag.prod(a, 0, keepdim=True), [(3, 5)]),
    OpInfo("prod_zeros", lambda a: ag.prod(_masked(a, _ZEROS), 1), [(3, 4)]),
    OpInfo("prod_zeros_all", lambda a: ag.prod(_masked(a, _ZEROS)[:2, :3]), [(3, 4)]),
    OpInfo("cumprod", lambda a: a.cumprod(1), [(3, 4)]),
    OpInfo("cumprod_dim0_zeros", lambda a: ag.cumprod(_masked(a, _ZEROS), 0), [(3, 4)]),
    OpInfo("cumprod_long_zeros", lambda a: ag.cumprod(_masked(a, _ZEROS).reshape(-1), 0),
           [(3, 4)]),
    OpInfo("logcumsumexp", lambda a: ag.logcumsumexp(a, -1), [(2, 3, 5)]),
    OpInfo("logcumsumexp0", lambda a: a.logcumsumexp(0), [(4, 2)]),
    OpInfo("cummax", lambda a: a.cummax(1).values, [(3, 5)], ["distinct"]),
    OpInfo("cummin", lambda a: ag.cummin(a, 0)[0], [(4, 3)], ["distinct"]),
    OpInfo("median_all", ag.median, [(3, 4)], ["distinct"]),
    OpInfo("median_dim", lambda a: a.median(1).values, [(3, 4)], ["distinct"]),
    OpInfo("median_keepdim", lambda a: ag.median(a, 0, keepdim=True)[0], [(3, 4)], ["distinct"]),
    OpInfo("nanmedian", lambda a: ag.nanmedian(_with_nans(a), 1).values, [(3, 4)], ["distinct"]),
    OpInfo("kthvalue", lambda a: a.kthvalue(2, 0).values, [(3, 4)], ["distinct"]),
    OpInfo("mode", lambda a: ag.mode(a, 1, keepdim=True).values, [(3, 4)], ["distinct"]),
    OpInfo("quantile", lambda a: ag.quantile(a, 0.3), [(3, 4)], ["distinct"]),
    OpInfo("quantile_dim_q", lambda a: a.quantile(ag.tensor(np.array([0.2, 0.5, 1.0], a.data.dtype)),
                                                  dim=1, keepdim=True), [(3, 4)], ["distinct"]),
    OpInfo("quantile_midpoint", lambda a: ag.quantile(a, 0.5, 0, interpolation="midpoint"),
           [(4, 3)], ["distinct"]),
    OpInfo("nanquantile", lambda a: ag.nanquantile(_with_nans(a), 0.4, 1), [(3, 4)],
           ["distinct"]),
    OpInfo("nansum", lambda a: ag.nansum(_with_nans(a), 0), [(3, 4)]),
    OpInfo("nanmean", lambda a: _with_nans(a).nanmean(1, keepdim=True), [(3, 4)]),
    OpInfo("aminmax", lambda a: ag.aminmax(a, dim=1).min * a.aminmax().max, [(3, 4)],
           ["distinct"]),
    OpInfo("diff", lambda a: ag.diff(a, 2, 0), [(4, 3)]),
    OpInfo("diff_prepend_append", lambda a, b: a.diff(dim=1, prepend=b, append=b).sin(),
           [(3, 4), (3, 1)]),
]
