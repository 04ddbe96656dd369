"""scatter and index writes, diagonals and layout functions, products and distances,
index-valued functions (scattering.py, layout.py, products.py, searching.py) compared
with PyTorch: values and gradients (float64), integer, bool, 0-d and empty inputs,
negative dims, repeated indices, and the refusals of bad input. Their numerical
gradient checks are op_table.py's."""
import numpy as np
import pytest

import autograd as ag
from torch_compare import run_case

torch = pytest.importorskip("torch")

I = lambda L, v: L.tensor(v)            # noqa: E731  an int64 index in either library

CASES = {
    "scatter_add_repeat": (lambda L, a, s: L.scatter_add(a, 1, I(L, [[0, 2, 0], [3, 3, 3]]), s),
                           [(2, 4), (2, 3)]),
    "scatter_add_0d": (lambda L, a, s: L.scatter_add(a, 0, I(L, 0), s), [(), ()]),
    "scatter_distinct": (lambda L, a, s: L.scatter(a, -1, I(L, [[2, 0], [1, 3]]), s),
                         [(2, 4), (2, 2)]),
    "scatter_value": (lambda L, a: a.scatter(0, I(L, [[1, 0, 1]]), 2.5), [(2, 3)]),
    "scatter_reduce_add": (lambda L, a, s: L.scatter(a, 0, I(L, [[1, 1]]), s, reduce="add")
                           if L is ag else L.scatter_add(a, 0, I(L, [[1, 1]]), s),
                           [(2, 2), (1, 2)]),
    "index_add_repeat": (lambda L, a, s: L.index_add(a, 1, I(L, [2, 0, 2]), s, alpha=-2.0),
                         [(2, 3), (2, 3)]),
    "index_add_0d": (lambda L, a, s: a.index_add(0, I(L, [0]), s), [(), ()]),
    "index_copy": (lambda L, a, s: L.index_copy(a, -2, I(L, [2, 0]), s), [(3, 2), (2, 2)]),
    "index_fill": (lambda L, a: a.index_fill(1, I(L, [0, -1]), -1.5), [(2, 3)]),
    # index_put with repeated indices: the last value wins, each gets that place's gradient
    "index_put_repeat": (lambda L, a, v: L.index_put(a, (I(L, [0, 0, 2]), I(L, [1, 1, -1])), v),
                         [(3, 4), (3,)]),
    "index_put_accumulate": (lambda L, a, v: a.index_put((I(L, [2, 0, 2, 2]),), v, True),
                             [(3, 2), (4, 2)]),
    "index_put_bool_broadcast": (lambda L, a, v: a.index_put((L.tensor([True, False, True]),), v),
                                 [(3, 4), (4,)]),
    "index_put_mask_and_int": (lambda L, a, v: L.index_put(
        a, (L.tensor([[True, False], [False, True]]), I(L, [0, 2])), v), [(2, 2, 3), (1,)]),
    "index_put_broadcast_indices": (lambda L, a, v: a.index_put(
        (I(L, [[0], [2]]), I(L, [1, 0, 1])), v, accumulate=True), [(3, 2, 2), (2,)]),
    # a uint8 index is a mask, as PyTorch's (deprecated, warned); not numpy's indices
    "index_put_uint8_mask": (lambda L, a, v: a.index_put((L.tensor([0, 1, 1], dtype=L.uint8),),
                                                         v, accumulate=True), [(3, 2), (2,)]),
    "index_put_0d_values": (lambda L, a, v: a.index_put([I(L, [1, 1])], v), [(2, 3), ()]),
    "index_fill_tensor": (lambda L, a, v: L.index_fill(a, 0, I(L, [1]), v), [(2, 3), ()]),
    "take": (lambda L, a: L.take(a, I(L, [[0, -1], [4, 4]])), [(2, 3)]),
    "take_along_dim": (lambda L, a: L.take_along_dim(a, I(L, [[2, 0]]), -1), [(3, 4)]),
    "take_along_dim_flat": (lambda L, a: a.take_along_dim(I(L, [[5, 5], [0, 1]])), [(2, 3)]),
    **{f"scatter_reduce_{r}_{inc}": (
        lambda L, a, s, r=r, inc=inc: L.scatter_reduce(a, 1, I(L, [[0, 2, 0, 1], [3, 3, 3, 0]]),
                                                       s, r, include_self=inc), [(2, 5), (2, 4)])
       for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)},
    **{f"scatter_reduce_{r}_ties_{inc}": (   # the input's and src's values tie at place 1
        lambda L, a, r=r, inc=inc: a.scatter_reduce(-1, I(L, [[1, 1, 0], [1, 1, 0]]),
                                                    a.index_select(1, I(L, [1, 1, 0])), r,
                                                    include_self=inc), [(2, 3)])
       for r in ("amax", "amin") for inc in (True, False)},
    **{f"scatter_reduce_prod_zeros_{inc}": (   # one zero, two zeros at a place, a zero self
        lambda L, a, s, inc=inc: (a * I(L, [0, 1, 1, 1, 0])).scatter_reduce(
            1, I(L, [[0, 2, 0, 1], [3, 3, 3, 0]]), s * I(L, [[0, 1, 1, 0], [1, 0, 0, 1]]),
            "prod", include_self=inc), [(2, 5), (2, 4)]) for inc in (True, False)},
    "scatter_reduce_0d": (lambda L, a, s: L.scatter_reduce(a, 0, I(L, 0), s, "prod"), [(), ()]),
    "scatter_reduce_dim0": (lambda L, a, s: a.scatter_reduce(0, I(L, [[2, 0], [2, 2]]), s,
                                                             "mean"), [(3, 4), (2, 2)]),
    **{f"index_reduce_{r}_{inc}": (
        lambda L, a, s, r=r, inc=inc: L.index_reduce(a, 1, I(L, [2, 0, 2]), s, r,
                                                     include_self=inc), [(2, 3, 2), (2, 3, 2)])
       for r in ("prod", "mean", "amax", "amin") for inc in (True, False)},
    "diagonal": (lambda L, a: L.diagonal(a, -1, 2, 0), [(4, 2, 3)]),
    "diagonal_method_wide": (lambda L, a: a.diagonal(2), [(3, 5)]),
    "diagonal_past_the_end": (lambda L, a: a.diagonal(7), [(3, 5)]),
    "diag": (lambda L, a, b: L.diag(a, 2).sum() * b.diag(-1), [(3,), (3, 3)]),
    "unfold_overlapping": (lambda L, a: a.unfold(1, 3, 1) * a.unfold(1, 3, 1), [(2, 5, 2)]),
    "unfold_gaps_negative_dim": (lambda L, a: a.unfold(-3, 2, 3), [(7, 2, 3)]),
    "unfold_transposed": (lambda L, a: a.T.unfold(0, 2, 1), [(3, 4)]),
    "unfold_of_unfold": (lambda L, a: a.unfold(0, 2, 1).unfold(1, 3, 2).exp(), [(4, 7)]),
    "unfold_0d": (lambda L, a: a.unfold(0, 1, 1) * a.unfold(-1, 1, 5), [()]),
    "diag_embed": (lambda L, a: L.diag_embed(a, -1, 2, 0), [(2, 3)]),
    "diag_embed_method": (lambda L, a: a.diag_embed(), [(2, 2, 3)]),
    "trace": (lambda L, a: L.trace(a) * a.trace(), [(3, 4)]),
    "roll": (lambda L, a: L.roll(a, (1, -7), (0, -1)), [(2, 3, 4)]),
    "roll_flat": (lambda L, a: a.roll(-2), [(2, 3)]),
    "tile": (lambda L, a: L.tile(a, (2,)) + a.tile((1, 1, 2))[0], [(2, 3)]),
    "rot90": (lambda L, a: L.rot90(a, 3, (-1, 0)) * a.rot90(1, (0, 2)).sum(), [(2, 3, 2)]),
    "movedim": (lambda L, a: L.movedim(a, (0, 1), (-1, 0)) + a.moveaxis(2, 0).sum(),
                [(2, 3, 4)]),
    "swapaxes": (lambda L, a: L.swapaxes(a, 0, -1) * a.swapdims(2, 0), [(2, 3, 2)]),
    "broadcast_to": (lambda L, a: L.broadcast_to(a, (2, -1, 3)), [(4, 1)]),
    "stacks": (lambda L, a, b, c: L.hstack([a, b]).sum() * L.vstack([b, c])
               + L.dstack([c, c]).sum(), [(), (3,), (3,)]),
    "meshgrid": (lambda L, a, b, c: L.meshgrid(a, b, c, indexing="ij")[2]
                 * L.meshgrid(a, b, c, indexing="xy")[0].transpose(0, 1)
                 + L.meshgrid([a, b, c], indexing="ij")[1], [(2,), (3,), (4,)]),
    "block_diag": (lambda L, a, b: L.block_diag(a, b, a), [(2, 3), (1,)]),
    "cartesian_prod": (lambda L, a, b, c: L.cartesian_prod(a, b, c), [(2,), (3,), (2,)]),
    # products and distances (products.py)
    "dot_vdot_mv": (lambda L, a, b, m: L.dot(a, b) * a.vdot(b) + m.mv(a), [(3,), (3,), (2, 3)]),
    "outer": (lambda L, a, b: a.outer(b) + L.ger(b, a).T, [(3,), (3,)]),
    "inner": (lambda L, a, b: L.inner(a, b) + a.inner(L.tensor(2.0, dtype=L.float64)).sum(),
              [(2, 4), (3, 4)]),
    "tensordot": (lambda L, a, b: L.tensordot(a, b, dims=([1, 0], [2, 0])), [(3, 2, 4), (3, 5, 2)]),
    "tensordot_0": (lambda L, a, b: L.tensordot(a, b, 0), [(2,), (3,)]),
    "cross": (lambda L, a, b: L.cross(a, b, dim=-1) + a.cross(b, 1), [(4, 3), (1, 3)]),
    "kron": (lambda L, a, b: L.kron(a, b) + a.kron(b), [(2, 2, 3), (3, 2)]),
    "addmm": (lambda L, x, a, b: L.addmm(x, a, b, beta=2.0, alpha=0.5) + x.addmm(a, b, beta=0),
              [(3, 1), (3, 2), (2, 4)]),
    "dist": (lambda L, a, b: L.dist(a, b) * a.dist(b, float("inf")) + L.dist(a, b, 1.5),
             [(3, 4), (4,)]),
    "cdist_p2": (lambda L, a, b: L.cdist(a, b), [(2, 3, 4), (1, 5, 4)]),
    "cdist_p1": (lambda L, a, b: L.cdist(a, b, p=1), [(3, 4), (5, 4)]),
    "cdist_pinf_p3": (lambda L, a, b: L.cdist(a, b, p=float("inf")) + L.cdist(a, b, p=3),
                      [(3, 4), (5, 4)]),
    "cdist_zero_distance": (lambda L, a, b: L.cdist(L.cat([a, b]), b), [(2, 3), (2, 3)]),
    "renorm": (lambda L, a: L.renorm(a, 2, 1, 1.0) + a.renorm(1, -2, 2.0), [(3, 4)]),
}


@pytest.mark.parametrize("name", CASES)
def test_values_and_gradients_match_pytorch(name):
    fn, shapes = CASES[name]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    ours, our_grads = run_case(ag, fn, arrays)
    ref, ref_grads = run_case(torch, fn, arrays)
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
    for g, r in zip(our_grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12)


def _outcome(lib, fn):
    """Each result's (dtype, shape, values as text: NaN equals NaN there)."""
    out, outs = fn(lib), []
    for o in out if isinstance(out, tuple) else (out,):
        outs += list(o) if isinstance(o, tuple) else [o]
    return [(str(o.dtype).split(".")[-1], tuple(o.shape), str(o.tolist())) for o in outs]


VALUES = {  # integer, bool, 0-d and empty inputs: values and dtypes
    **{f"scatter_reduce_int_{r}_{inc}": lambda L, r=r, inc=inc: I(L, [7, 5, 1, -4]).scatter_reduce(
        0, I(L, [0, 0, 1, 2, 1]), I(L, [-2, -3, 3, 4, 6]), r, include_self=inc)
       for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)},
    "scatter_reduce_empty_index": lambda L: L.ones(2).scatter_reduce(
        0, L.tensor([], dtype=L.int64), L.ones(2), "amax"),
    "scatter_reduce_special": lambda L: L.tensor([0.0, float("nan"), 1.0, -float("inf")]).scatter_reduce(
        0, I(L, [0, 0, 2, 2, 3]), L.tensor([float("nan"), 1.0, float("inf"), 2.0, -1.0]), "amax"),
    "scatter_reduce_inf_mean_prod": lambda L: (
        L.tensor([0.0, float("inf"), 1.0]).scatter_reduce(0, I(L, [0, 1, 1]),
                                                           L.tensor([float("inf"), 0.0, 2.0]), "prod"),
        L.tensor([0.0, -float("inf"), 1.0]).scatter_reduce(0, I(L, [1, 1, 2]),
                                                            L.tensor([float("inf"), 1.0, 2.0]), "mean",
                                                            include_self=False)),
    "index_reduce_int": lambda L: I(L, [[7, 5], [1, -4]]).index_reduce(
        1, I(L, [1, 1]), I(L, [[-3, 3], [4, 9]]), "mean"),
    "scatter_add_int_repeat": lambda L: L.scatter_add(L.zeros(4, dtype=L.int64), 0,
                                                      I(L, [1, 1, 3, 1]), I(L, [1, 2, 3, 4])),
    "scatter_add_src_larger": lambda L: L.zeros(2, 3).scatter_add(0, I(L, [[1, 0]]),
                                                                  L.ones(3, 3)),
    "scatter_add_empty_index": lambda L: L.ones(2, 2).scatter_add(
        0, L.tensor([], dtype=L.int64).reshape(0, 2), L.ones(2, 2)),
    "scatter_bool": lambda L: L.zeros(3, dtype=L.bool).scatter(0, I(L, [2]), True),
    "scatter_multiply": lambda L: L.scatter(L.full((3,), 2.0), 0, I(L, [0, 0, 2]),
                                            L.tensor([3.0, 4.0, 5.0]), reduce="multiply"),
    "index_add_int": lambda L: L.index_add(L.zeros(3, dtype=L.int32), 0, I(L, [2, 2]),
                                           L.tensor([5, 6], dtype=L.int32), alpha=2),
    "index_add_empty": lambda L: L.zeros(2, 0).index_add(0, I(L, [1, 1]), L.zeros(2, 0)),
    "index_fill_int": lambda L: L.index_fill(L.zeros(2, 3, dtype=L.int64), 1, I(L, 2), 7),
    "index_copy_0d": lambda L: L.index_copy(L.tensor(1.0), 0, I(L, [0]), L.tensor(5.0)),
    "take_empty": lambda L: L.take(L.arange(6), L.tensor([], dtype=L.int64)),
    "diagonal_int_empty": lambda L: L.diagonal(L.arange(6).reshape(2, 3), 3),
    "diag_bool": lambda L: L.diag(L.tensor([True, False])),
    "index_put_int_bool_empty": lambda L: (
        L.zeros(4, dtype=L.int64).index_put((I(L, [1, 1, 3]),), I(L, [5, 6, 7]), accumulate=True),
        L.zeros(3, dtype=L.bool).index_put((I(L, [2, -3]),), L.tensor(True)),
        L.ones(2, 2).index_put((L.tensor([], dtype=L.int64),), L.tensor(3.0)),
        L.ones(2, 0).index_put((I(L, [1]),), L.tensor(3.0), accumulate=True)),
    "index_put_special": lambda L: (
        L.tensor([1.0, float("nan"), float("inf")]).index_put((I(L, [0, 2]),),
                                                              L.tensor([-float("inf"), float("nan")])),
        L.tensor([1.0, float("inf")]).index_put((I(L, [1, 1, 0]),),
                                                L.tensor([-float("inf"), 1.0, -0.0]), True)),
    "unfold_int_bool_empty": lambda L: (
        L.arange(5).unfold(0, 0, 1), L.zeros(0, 3).unfold(1, 2, 1), L.zeros(0, 3).unfold(0, 0, 2),
        L.tensor([True, False, True]).unfold(0, 2, 1), L.tensor(4).unfold(0, 0, 1)),
    "trace_int": lambda L: L.trace(L.arange(9, dtype=L.int32).reshape(3, 3)),
    "roll_empty": lambda L: L.roll(L.zeros(0, 3), 2, 0),
    "roll_0d": lambda L: L.roll(L.tensor(3), 1),
    "tile_bool_0d": lambda L: L.tile(L.tensor(True), (2, 2)),
    "rot90_int": lambda L: L.rot90(L.arange(6).reshape(2, 3), 2),
    "movedim_0d": lambda L: L.movedim(L.tensor(2.0), (), ()),
    "atleast": lambda L: (L.atleast_1d(L.tensor(1)), L.atleast_2d(L.tensor([1, 2])),
                          L.atleast_3d(L.tensor([[1, 2]])), L.atleast_3d(L.tensor([1, 2]))),
    "hstack_int_bool": lambda L: L.hstack([L.tensor([1, 2]), L.tensor([True])]),
    "vstack_0d": lambda L: L.vstack([L.tensor(1.0), L.tensor(2.0)]),
    "meshgrid_0d": lambda L: L.meshgrid(L.tensor(1), L.tensor([2, 3]), indexing="ij"),
    "block_diag_int_float": lambda L: L.block_diag(L.tensor([[1, 2]]), L.tensor(3.5)),
    "cartesian_prod_one": lambda L: L.cartesian_prod(L.tensor([1, 2])),
    "dot_int": lambda L: L.dot(L.tensor([1, 2]), L.tensor([3, 4])),
    "dot_empty": lambda L: L.dot(L.zeros(0), L.zeros(0)),
    "outer_int_float": lambda L: L.outer(L.tensor([1, 2]), L.tensor([0.5])),
    "inner_0d": lambda L: L.inner(L.tensor(2), L.tensor([1, 2])),
    "cross_int": lambda L: L.cross(L.tensor([1, 0, 0]), L.tensor([0, 1, 0]), dim=0),
    "kron_int_0d": lambda L: L.kron(L.tensor([[1, 2]]), L.tensor(3)),
    "tensordot_empty": lambda L: L.tensordot(L.zeros(2, 0), L.zeros(0, 3), 1),
    "addmm_nan_beta0": lambda L: L.addmm(L.full((2, 2), float("nan")), L.ones(2, 1),
                                          L.ones(1, 2), beta=0),
    "cdist_empty": lambda L: L.cdist(L.zeros(0, 3), L.ones(2, 3)),
    "renorm_below": lambda L: L.renorm(L.tensor([[0.1, 0.2], [3.0, 4.0]]), 2, 0, 1.0),
    # index-valued functions (searching.py)
    "nonzero": lambda L: L.nonzero(L.tensor([[0, 1], [2, 0]])),
    "nonzero_tuple": lambda L: L.tensor([[0.0, 1.0], [-2.0, 0.0]]).nonzero(as_tuple=True),
    "nonzero_0d": lambda L: (L.nonzero(L.tensor(5)), L.nonzero(L.tensor(0.0), as_tuple=True)),
    "nonzero_empty": lambda L: L.nonzero(L.zeros(0, 3)),
    "argwhere_bool": lambda L: L.argwhere(L.tensor([True, False, True])),
    "searchsorted": lambda L: L.searchsorted(L.tensor([1.0, 2.0, 2.0, 3.0]),
                                             L.tensor([[2.0, 0.5], [3.5, float("nan")]])),
    "searchsorted_right_int32": lambda L: L.searchsorted(
        L.tensor([1, 2, 2, 3]), L.tensor([2, 0]), right=True, out_int32=True),
    "searchsorted_side_sorter": lambda L: L.searchsorted(
        L.tensor([3.0, 1.0, 2.0]), L.tensor([2.5, 2.0]), side="right", sorter=L.tensor([1, 2, 0])),
    "searchsorted_rows": lambda L: L.searchsorted(L.tensor([[1, 3, 5], [2, 4, 6]]),
                                                  L.tensor([[3, 0], [7, 4]])),
    "searchsorted_scalar": lambda L: L.searchsorted(L.tensor([1, 3, 5]), 4),
    "searchsorted_empty": lambda L: L.searchsorted(L.zeros(0), L.tensor([1.0])),
    "bucketize": lambda L: (L.bucketize(L.tensor([[1, 5], [3, 9]]), L.tensor([1, 3, 5, 7])),
                            L.bucketize(L.tensor([1.0, 5.0]), L.tensor([1.0, 3.0, 5.0]),
                                        right=True), L.bucketize(4, L.tensor([1, 3, 5, 7]))),
    "unique": lambda L: L.unique(L.tensor([3, 1, 3, 2, 1])),
    "unique_inverse_counts": lambda L: L.tensor([[3, 1], [3, 2]]).unique(
        return_inverse=True, return_counts=True),
    "unique_nan": lambda L: L.unique(L.tensor([1.0, float("nan"), float("nan"), 1.0]),
                                     return_counts=True),
    "unique_dim": lambda L: L.unique(L.tensor([[1, 2], [1, 2], [0, 5]]), dim=0,
                                     return_inverse=True, return_counts=True),
    "unique_neg_dim": lambda L: L.unique(L.tensor([[1, 2, 1], [3, 4, 3]]), dim=-1,
                                         return_inverse=True),
    "unique_consecutive": lambda L: L.unique_consecutive(L.tensor([1, 1, 2, 2, 3, 1, 1, 2]),
                                                         return_inverse=True, return_counts=True),
    "unique_consecutive_dim": lambda L: L.tensor([[1, 1, 2, 2], [3, 3, 3, 4]]).unique_consecutive(
        dim=-1, return_inverse=True, return_counts=True),
    "unique_consecutive_nan_2d_0d": lambda L: (
        L.unique_consecutive(L.tensor([[1.0, 1.0], [float("nan"), float("nan")]])),
        L.unique_consecutive(L.tensor(3), return_inverse=True)[1],
        L.unique_consecutive(L.zeros(0), return_counts=True)[1]),
    "unique_empty_bool_0d": lambda L: (L.unique(L.zeros(0)), L.unique(L.tensor([True, False])),
                                       L.unique(L.tensor(2.0), return_inverse=True)[1]),
}


@pytest.mark.parametrize("name", VALUES)
def test_values_of_integer_bool_0d_and_empty_inputs_match_pytorch(name):
    assert _outcome(ag, VALUES[name]) == _outcome(torch, VALUES[name])


def test_index_valued_results_carry_no_gradient():
    x = ag.tensor([[0.0, 1.5], [1.5, -2.0]], requires_grad=True)
    outs = (ag.nonzero(x), *ag.nonzero(x, as_tuple=True), *ag.unique(x, return_inverse=True),
            ag.searchsorted(ag.tensor([0.0, 1.0]), x), ag.bucketize(x, ag.tensor([0.0])))
    assert not any(o.requires_grad for o in outs)


# PyTorch's copies: a write into the result or into the input afterwards stays apart
COPIES = {
    "flip": lambda L, x: x.flip((0, 1)), "flip_method_int": lambda L, x: x.flip(-1),
    "fliplr": lambda L, x: L.fliplr(x), "flipud": lambda L, x: x.flipud(),
    "rot90_0": lambda L, x: L.rot90(x, 0), "rot90_1": lambda L, x: L.rot90(x),
    "rot90_2": lambda L, x: x.rot90(2), "rot90_3": lambda L, x: x.rot90(-1, (1, 0)),
    "roll_0": lambda L, x: x.roll(0, 1), "roll_full_turn": lambda L, x: L.roll(x, 4, -1),
    "roll_flat_0": lambda L, x: x.roll(12), "roll_moved": lambda L, x: x.roll((1, 2), (0, 1)),
    "tile_ones": lambda L, x: x.tile((1, 1)), "tile_size1_dim": lambda L, x: L.tile(x[:1], (3, 1)),
    "repeat_ones": lambda L, x: x.repeat(1, 1), "repeat_size1_dim": lambda L, x: x[:, :1].repeat(1, 5),
    "repeat_new_dim": lambda L, x: x.repeat(1, 1, 1), "diag": lambda L, x: L.diag(x),
}
# PyTorch's views: the writes are seen on both sides
VIEWS = {
    "diagonal": lambda L, x: x.diagonal(), "diagonal_offset": lambda L, x: L.diagonal(x, 1),
    "diagonal_below": lambda L, x: x.diagonal(-1), "T": lambda L, x: x.T,
    "transpose": lambda L, x: x.transpose(0, 1), "permute": lambda L, x: x.permute(1, 0),
    "narrow": lambda L, x: x.narrow(1, 1, 2), "unbind": lambda L, x: x.unbind(1)[2],
    "movedim": lambda L, x: L.movedim(x, 0, 1), "reshape": lambda L, x: x.reshape(4, 3),
    "unfold_apart": lambda L, x: x.unfold(1, 2, 2), "unfold_gaps": lambda L, x: x.unfold(0, 1, 2),
}


def _writes(L, make, write_into):
    """The values of input and result after a write into one of them (no grad)."""
    x = L.arange(12.0).reshape(3, 4)
    y = make(L, x)
    (y if write_into == "result" else x).mul_(-1.0)
    return x.tolist(), y.tolist()


@pytest.mark.parametrize("write_into", ["result", "input"])
@pytest.mark.parametrize("name", list(COPIES) + list(VIEWS))
def test_writes_into_results_reach_the_input_as_pytorch_views_and_copies(name, write_into):
    make = COPIES.get(name) or VIEWS[name]
    assert _writes(ag, make, write_into) == _writes(torch, make, write_into)


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize("write_into", ["view", "input"])
def test_a_write_through_a_view_spoils_the_saved_values_as_in_pytorch(name, write_into):
    # y saved x (or its view): the write through the other must raise at backward
    for L in (ag, torch):
        w = L.ones(3, 4, dtype=L.float64, requires_grad=True)
        x = L.arange(12.0, dtype=L.float64).reshape(3, 4)
        v = VIEWS[name](L, x)
        y = (w * x if write_into == "view" else w.flatten()[:v.numel()].reshape(v.shape) * v).sum()
        (v if write_into == "view" else x).mul_(2.0)
        with pytest.raises(RuntimeError if L is torch else ag.GraphError, match="modified"):
            y.backward()


def test_a_diagonal_no_view_can_give_refuses_writes():
    # dims not adjacent in memory: numpy's read-only view, so a write is refused, not lost
    x = ag.zeros(2, 3, 3)
    with pytest.raises(ag.GraphError, match="read-only"):
        x.diagonal(0, 0, 2).fill_(1.0)
    x.diagonal(5).fill_(1.0)        # empty: nothing to lose
    y = ag.zeros(3, 3)
    y.diagonal(0, 1, 0).fill_(1.0)  # dims 1, 0 are diagonal (0, 0, 1): a view, as PyTorch's
    assert y.tolist() == np.eye(3).tolist()


def test_overlapping_unfold_windows_are_a_read_only_view():
    # PyTorch writes into overlapping windows element by element, in an order it leaves
    # unspecified: refused here. Writes into the input are seen, and spoil saved windows.
    x = ag.arange(6.0)
    win = x.unfold(0, 3, 1)
    with pytest.raises(ag.GraphError, match="read-only"):
        win.mul_(2.0)
    x[2] = -1.0
    assert win.data.tolist() == [[0.0, 1.0, -1.0], [1.0, -1.0, 3.0], [-1.0, 3.0, 4.0],
                                 [3.0, 4.0, 5.0]]
    w = ag.ones(4, 3, requires_grad=True)
    loss = (w * x.unfold(0, 3, 1)).sum()
    x.add_(1.0)
    with pytest.raises(ag.GraphError, match="modified by add_"):
        loss.backward()


def test_a_write_into_the_input_spoils_overlapping_pool_windows():
    # max_pool2d's windows are the same strided view: its saved windows saw the write
    import nn.functional as F
    x = ag.tensor([[[[0.0, 3.0, 1.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]], requires_grad=True)
    a = x * 1.0
    y = F.max_pool2d(a, 2, 1)
    a.mul_(-1.0)
    with pytest.raises(ag.GraphError, match="modified by mul_"):
        y.sum().backward()


def test_repeated_indices_accumulate():
    # the classic silent bug: a fancy-index += keeps one of the repeated adds
    x = ag.zeros(3, requires_grad=True)
    src = ag.tensor([1.0, 2.0, 4.0, 8.0], requires_grad=True)
    out = ag.scatter_add(x, 0, ag.tensor([2, 2, 0, 2]), src)
    assert out.data.tolist() == [4.0, 0.0, 11.0]
    (out * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert src.grad.data.tolist() == [100.0, 100.0, 1.0, 100.0]
    y = ag.index_add(ag.zeros(2, 2), 0, ag.tensor([1, 1, 1]), ag.ones(3, 2))
    assert y.data.tolist() == [[0.0, 0.0], [3.0, 3.0]]


def test_many_repeated_indices_accumulate_as_pytorch():
    # >= 32 indices take the fast paths: add.at with a flat index (a 1-d getitem's
    # backward, scatter_add) and the sorted sums of rows (index_add along dim 0)
    rng = np.random.default_rng(2)
    idx = rng.integers(0, 7, (40, 6))
    rows = rng.integers(0, 7, 50)
    cases = [(lambda L, a, s: a[L.tensor(idx[:, 0])] * s, [(7,), (1,)]),
             (lambda L, a, s: L.scatter_add(a, 0, L.tensor(idx), s), [(7, 6), (40, 6)]),
             (lambda L, a, s: a.index_add(0, L.tensor(rows), s), [(7, 3), (50, 3)])]
    for fn, shapes in cases:
        arrays = [rng.standard_normal(shape) for shape in shapes]
        ours, our_grads = run_case(ag, fn, arrays)
        ref, ref_grads = run_case(torch, fn, arrays)
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)
        for g, r in zip(our_grads, ref_grads):
            np.testing.assert_allclose(g, r, rtol=1e-12, atol=1e-12)


def test_scatter_with_repeated_indices_keeps_the_last_write():
    # PyTorch leaves the choice unspecified; gradgraph's: the last in index's C order,
    # and the writes it overwrote get a zero gradient (their exact derivative)
    x = ag.zeros(2, 3, requires_grad=True)
    src = ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    out = ag.scatter(x, 1, ag.tensor([[0, 0, 2], [1, 1, 1]]), src)
    assert out.data.tolist() == [[2.0, 0.0, 3.0], [0.0, 6.0, 0.0]]
    out.sum().backward()
    assert src.grad.data.tolist() == [[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]
    assert x.grad.data.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]


INPLACE = {
    "scatter_": lambda L, a, s: (a * 1).scatter_(1, I(L, [[1], [0]]), s),
    "scatter_value_": lambda L, a, s: (a * s.sum()).scatter_(0, I(L, [[1, 0]]), 3.0),
    "scatter_add_": lambda L, a, s: (a * 1).scatter_add_(1, I(L, [[1], [1]]), s),
    "index_add_": lambda L, a, s: (a * 1).index_add_(1, I(L, [1]), s, alpha=3),
    "index_copy_": lambda L, a, s: (a * 1).index_copy_(1, I(L, [0]), s),
    "index_fill_": lambda L, a, s: (a * s.sum()).index_fill_(0, I(L, [1]), -2),
    "index_put_": lambda L, a, s: (a * 1).index_put_((I(L, [1, 1]), I(L, [0, 2])), s[:, 0]),
    "index_put_function_accumulate": lambda L, a, s: L.index_put_(
        a * 1, (I(L, [1, 1, 0]),), s[0] * 2.0, accumulate=True),
}


@pytest.mark.parametrize("name", INPLACE)
def test_in_place_forms_match_pytorch(name):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((2, 3)), rng.standard_normal((2, 1))]
    ours, our_grads = run_case(ag, INPLACE[name], arrays)
    ref, ref_grads = run_case(torch, INPLACE[name], arrays)
    np.testing.assert_allclose(ours, ref, rtol=1e-12)
    for g, r in zip(our_grads, ref_grads):
        np.testing.assert_allclose(g, r, rtol=1e-12)


def test_in_place_forms_refuse_a_leaf_that_requires_grad():
    x = ag.zeros(3, requires_grad=True)
    with pytest.raises(ag.GraphError, match="scatter_add_"):
        x.scatter_add_(0, ag.tensor([1]), ag.ones(1))


BAD = [
    (lambda: ag.scatter_add(ag.zeros(3), 0, ag.tensor([3]), ag.ones(1)), ag.OutOfRangeError,
     r"scatter_add: index values in \[3, 3\] are out of range \[0, 3\) for dim 0 of a tensor "
     r"of shape \(3,\)"),
    (lambda: ag.scatter(ag.zeros(3), 0, ag.tensor([-1]), ag.ones(1)), ag.OutOfRangeError,
     r"scatter: index values in \[-1, -1\]"),
    (lambda: ag.scatter_add(ag.zeros(3), 0, ag.tensor([1.0]), ag.ones(1)), ag.DtypeError,
     r"scatter_add: index must be an integer tensor, got float32 of shape \(1,\)"),
    (lambda: ag.scatter_add(ag.zeros(2, 2), 0, ag.tensor([[0, 1, 0]]), ag.ones(2, 2)),
     ag.ShapeError, r"scatter_add: index of shape \(1, 3\) must .* src \(shape \(2, 2\)\)"),
    (lambda: ag.scatter_add(ag.zeros(3), 0, ag.tensor([0]), ag.ones(1, dtype=ag.float64)),
     ag.DtypeError, r"scatter_add: src has dtype float64, the input float32"),
    (lambda: ag.scatter(ag.zeros(3), 0, ag.tensor([0]), ag.ones(1), reduce="max"),
     ag.ArgumentError, r"scatter: reduce must be"),
    (lambda: ag.scatter(ag.zeros(3, requires_grad=True), 0, ag.tensor([0]), ag.ones(1),
                        reduce="multiply"), ag.NotDifferentiableError, r"scatter: reduce="),
    (lambda: ag.index_add(ag.zeros(3, 2), 0, ag.tensor([0, 1]), ag.ones(3, 2)), ag.ShapeError,
     r"index_add: source of shape \(3, 2\) does not fit .* \(expected \(2, 2\)\)"),
    (lambda: ag.index_add(ag.zeros(3), 0, ag.tensor([-1]), ag.ones(1)), ag.OutOfRangeError,
     r"index_add: index values in \[-1, -1\] are out of range \[0, 3\)"),
    (lambda: ag.index_fill(ag.zeros(3), 0, ag.tensor([[0]]), 1.0), ag.ShapeError,
     r"index_fill: index must be 0-d or 1-d, got shape \(1, 1\)"),
    (lambda: ag.index_copy(ag.zeros(3), 1, ag.tensor([0]), ag.ones(1)), ag.OutOfRangeError,
     r"index_copy: dim 1 is out of range"),
    (lambda: ag.take(ag.zeros(2, 2), ag.tensor([4])), ag.OutOfRangeError,
     r"take: index values in \[4, 4\] are out of range \[-4, 4\)"),
    (lambda: ag.take_along_dim(ag.zeros(2, 3), ag.tensor([1]), 1), ag.ShapeError,
     r"take_along_dim: indices of shape \(1,\) must have as many dims as the input"),
    (lambda: ag.take_along_dim(ag.zeros(2, 3), ag.tensor([[0], [0], [0]]), 1), ag.ShapeError,
     r"take_along_dim: the input of shape \(2, 3\) and indices of shape \(3, 1\) do not"),
    (lambda: ag.diagonal(ag.zeros(3)), ag.ShapeError, r"diagonal: expected .* shape \(3,\)"),
    (lambda: ag.diagonal(ag.zeros(2, 2), 0, 1, -1), ag.ShapeError, r"diagonal: dim1 and dim2"),
    (lambda: ag.diag(ag.zeros(2, 2, 2)), ag.ShapeError, r"diag: expected a 1-d or 2-d"),
    (lambda: ag.zeros(3).index_put((ag.tensor([1.0]),), ag.ones(1)), ag.DtypeError,
     r"index_put: index tensors must be integer or bool, got float32 of shape \(1,\)"),
    (lambda: ag.zeros(3).index_put((ag.tensor([3]),), ag.ones(1)), ag.OutOfRangeError,
     r"index_put: index array\(1,\) is out of range for a tensor of shape \(3,\) \(float32\)"),
    (lambda: ag.zeros(3).index_put((ag.tensor([-4]),), ag.ones(1)), ag.OutOfRangeError,
     r"index_put: index .* out of range"),
    (lambda: ag.zeros(3).index_put((ag.tensor([1]),), ag.ones(1, dtype=ag.float64)),
     ag.DtypeError, r"index_put: values of dtype float64 \(shape \(1,\)\) do not match the "
     r"input of dtype float32 \(shape \(3,\)\)"),
    (lambda: ag.zeros(3).index_put((ag.tensor([1, 2]),), ag.ones(3)), ag.ShapeError,
     r"index_put: a value of shape \(3,\) cannot be assigned .*the indexed part has shape "
     r"\(2,\)"),
    (lambda: ag.zeros(3).index_put((ag.tensor([1]), ag.tensor([0])), ag.ones(1)), ag.ShapeError,
     r"index_put: 2 indices for a tensor of shape \(3,\) \(1 dims\)"),
    (lambda: ag.tensor(2.0).index_put((ag.tensor(True),), ag.ones(())), ag.ShapeError,
     r"index_put: 1 indices for a tensor of shape \(\)"),
    (lambda: ag.zeros(3, 2).index_put((ag.tensor([1, 2]), ag.tensor([0, 1, 1])), ag.ones(1)),
     ag.ShapeError, r"index_put: the index tensors of shapes \[\(2,\), \(3,\)\] do not broadcast"),
    (lambda: ag.zeros(2, 3).index_put((ag.tensor([True, True]), ag.tensor([0, 1, 2])), 1.0),
     ag.ShapeError, r"index_put: the index tensors of shapes \[\(2,\), \(3,\)\] do not broadcast"),
    (lambda: ag.zeros(3).index_put((ag.tensor([True]),), ag.ones(1)), ag.ShapeError,
     r"index_put: a bool index of shape \(1,\) does not match the dims 0.. of the tensor of "
     r"shape \(3,\)"),
    (lambda: ag.zeros(3).index_put(ag.tensor([1]), ag.ones(1)), ag.ArgumentError,
     r"index_put: indices must be a non-empty tuple of index tensors"),
    (lambda: ag.zeros(3).index_put((), ag.ones(1)), ag.ArgumentError, r"index_put: indices must"),
    (lambda: ag.zeros(3, requires_grad=True).index_put_((ag.tensor([1]),), ag.ones(1)),
     ag.GraphError, r"index_put_: a leaf tensor that requires grad"),
    (lambda: ag.zeros(2, 3).unfold(2, 1, 1), ag.OutOfRangeError,
     r"unfold: dim 2 is out of range for a tensor of shape \(2, 3\)"),
    (lambda: ag.zeros(2, 3).unfold(-1, 4, 1), ag.ShapeError,
     r"unfold: size 4 is larger than dim -1 of the tensor of shape \(2, 3\) \(3\)"),
    (lambda: ag.zeros(()).unfold(0, 2, 1), ag.ShapeError, r"unfold: size 2 is larger than dim 0"),
    (lambda: ag.zeros(3).unfold(0, -1, 1), ag.ArgumentError,
     r"unfold: size must be >= 0 and step > 0, got size -1 and step 1 \(tensor of shape \(3,\)\)"),
    (lambda: ag.zeros(3).unfold(0, 2, 0), ag.ArgumentError, r"unfold: .* got size 2 and step 0"),
    (lambda: ag.trace(ag.zeros(2)), ag.ShapeError, r"trace: expected a 2-d tensor"),
    (lambda: ag.roll(ag.zeros(2, 2), (1, 2), 0), ag.ShapeError, r"roll: 2 shifts for 1 dims"),
    (lambda: ag.rot90(ag.zeros(2, 2), 1, (0, 0)), ag.ShapeError, r"rot90: the two dims"),
    (lambda: ag.zeros(3).scatter_reduce(0, ag.tensor([0]), ag.ones(1), "max"), ag.ArgumentError,
     r"scatter_reduce: reduce must be one of \('sum', 'prod', 'mean', 'amax', 'amin'\)"),
    (lambda: ag.zeros(3).index_reduce(0, ag.tensor([0]), ag.ones(1), "sum"), ag.ArgumentError,
     r"index_reduce: reduce must be one of \('prod'"),
    (lambda: ag.zeros(3).index_reduce(0, ag.tensor([0, 1]), ag.ones(1), "prod"), ag.ShapeError,
     r"index_reduce: source of shape \(1,\) does not fit an index of 2 entries"),
    (lambda: ag.zeros(3).scatter_reduce(0, ag.tensor([3]), ag.ones(1), "amax"),
     ag.OutOfRangeError, r"scatter_reduce: index values in \[3, 3\] are out of range"),
    (lambda: ag.movedim(ag.zeros(2, 2), (0, 1), 0), ag.ShapeError, r"movedim: 2 source dims"),
    (lambda: ag.meshgrid(ag.zeros(2, 2)), ag.ShapeError, r"meshgrid: expected 0-d or 1-d"),
    (lambda: ag.meshgrid(ag.zeros(2), indexing="yx"), ag.ArgumentError, r"meshgrid: indexing"),
    (lambda: ag.block_diag(ag.zeros(1, 1, 1)), ag.ShapeError, r"block_diag: expected"),
    (lambda: ag.cartesian_prod(ag.zeros(2, 2)), ag.ShapeError, r"cartesian_prod: expected"),
    (lambda: ag.dot(ag.zeros(2), ag.zeros(3)), ag.ShapeError,
     r"dot: expected two 1-d tensors of one size, got \(2,\) float32 and \(3,\) float32"),
    (lambda: ag.dot(ag.zeros(2), ag.zeros(2, dtype=ag.float64)), ag.DtypeError,
     r"dot: expected both vectors to have the same dtype"),
    (lambda: ag.mv(ag.zeros(2, 3), ag.zeros(2)), ag.ShapeError, r"matmul: inner dimensions"),
    (lambda: ag.outer(ag.zeros(2, 2), ag.zeros(2)), ag.ShapeError, r"outer: expected two 1-d"),
    (lambda: ag.tensordot(ag.zeros(2, 3), ag.zeros(2, 3), 1), ag.ShapeError,
     r"tensordot: contracted dims \[1\] of a \(2, 3\) and \[0\] of b \(2, 3\) differ"),
    (lambda: ag.cross(ag.zeros(2, 4), ag.zeros(2, 4)), ag.ShapeError,
     r"cross: no dim of size 3 in the shape \(2, 4\)"),
    (lambda: ag.cross(ag.zeros(3, 4), ag.zeros(3, 4), dim=1), ag.ShapeError,
     r"cross: dim 1 must have size 3"),
    (lambda: ag.addmm(ag.zeros(3, 3), ag.zeros(2, 2), ag.zeros(2, 2)), ag.ShapeError,
     r"addmm: input of shape \(3, 3\) does not broadcast"),
    (lambda: ag.cdist(ag.zeros(2, 3), ag.zeros(2, 4)), ag.ShapeError, r"cdist: expected x1"),
    (lambda: ag.cdist(ag.zeros(2, 3, dtype=ag.int64), ag.zeros(2, 3)), ag.DtypeError,
     r"cdist: expected floating-point inputs, got \(2, 3\) int64"),
    (lambda: ag.renorm(ag.tensor([1, 2]), 2, 0, 1.0), ag.DtypeError, r"renorm: expected a"),
    (lambda: ag.searchsorted(ag.zeros(3), ag.zeros(2), right=True, side="left"),
     ag.ArgumentError, r"searchsorted: side must be 'left' or 'right' and agree with right"),
    (lambda: ag.searchsorted(ag.zeros(2, 3), ag.zeros(3, 1)), ag.ShapeError,
     r"searchsorted: the leading dims of the sorted sequence \(2, 3\) and of the input "
     r"\(3, 1\)"),
    (lambda: ag.searchsorted(ag.zeros(3), ag.zeros(2), sorter=ag.tensor([0.0, 1.0, 2.0])),
     ag.ShapeError, r"searchsorted: sorter must be integers .* got \(3,\) float32"),
    (lambda: ag.bucketize(ag.zeros(2), ag.zeros(2, 2)), ag.ShapeError,
     r"bucketize: boundaries must be 1-d, got shape \(2, 2\)"),
    (lambda: ag.unique(ag.zeros(2), dim=1), ag.OutOfRangeError, r"unique: dim 1 is out of range"),
]


@pytest.mark.parametrize("fn,error,message", BAD)
def test_bad_input_is_refused_naming_the_op_shapes_and_dtypes(fn, error, message):
    with pytest.raises(error, match=message):
        fn()


def test_compiled_step_with_the_new_ops_replays_bit_for_bit():
    # searchsorted and bucketize have fixed shapes: traced and replayed, as the writes,
    # diagonals and distances (nonzero and unique fall back: test_compile_fallbacks.py)
    from compile_twins import check_twins, mlp, watched
    from nn import optim
    import nn.functional as F

    def build():
        model = mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        bounds = ag.tensor([-0.5, 0.0, 0.5])

        def step(x, y):
            opt.zero_grad()
            z = model(x)
            bucket = ag.bucketize(x[:, 0].detach(), bounds, right=True)
            z = z.scatter_add(1, bucket.unsqueeze(1), z[:, :1]) + ag.roll(z, 1, 1)
            z = ag.index_add(z, 0, y, z * 0.5).index_fill(1, ag.tensor([4]), 0.25)
            z = z.index_put((ag.arange(8), y), z[:, 0] * 0.5, accumulate=True).index_put(
                (ag.tensor([1, 3, 1]),), z[0] * 2.0)
            shift = ag.searchsorted(bounds, x[:, 1].detach()).unsqueeze(1)
            loss = (F.cross_entropy(z + shift, y) + ag.cdist(z[:4], z[4:]).mean() * 0.1
                    + ag.diagonal(z.reshape(4, 10), 1).sum() * 0.01
                    + z.unfold(1, 3, 1).unfold(0, 2, 3).sin().mean())
            loss.backward()
            opt.step()
            return loss
        return step, watched(model, opt)
    check_twins(build)


# --- views of a reduction's 0-d result (once held as a numpy scalar) -------------------------
ZERO_D_VIEWS = {"view1": lambda s: s.view(1), "view0": lambda s: s.view(()),
                "view-1": lambda s: s.view(-1), "reshape": lambda s: s.reshape(1, 1),
                "unsqueeze": lambda s: s.unsqueeze(0), "flatten": lambda s: s.flatten(),
                "none": lambda s: s[None], "ellipsis": lambda s: s[...],
                "permute": lambda s: s.permute(()), "squeeze": lambda s: s.squeeze()}


@pytest.mark.parametrize("name", ZERO_D_VIEWS)
def test_a_view_of_a_0d_result_shares_its_memory_as_pytorchs(name):
    """x.sum() held a numpy scalar: its views were copies, so a write through one did
    not reach the sum (PyTorch's does), and view() refused it. It is a 0-d array."""
    torch = pytest.importorskip("torch")
    got = []
    for t in (ag.tensor, torch.tensor):
        s = t([1.0, 2.0]).sum()
        v = ZERO_D_VIEWS[name](s)
        v.add_(5)
        got.append((s.item(), tuple(v.shape)))
    assert got[0] == got[1] and got[0][0] == 8.0


def test_numpy_of_a_0d_result_shares_its_memory():
    s = ag.tensor([1.0, 2.0]).sum()
    s.numpy()[()] = 9.0
    assert s.item() == 9.0 and s.numpy().shape == ()


def test_a_write_through_a_view_of_a_0d_graph_result_reaches_its_gradient():
    """As PyTorch's: s takes the write (CopySlices). Before, the write silently missed
    the sum (s stayed 5), and then it was refused."""
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    s = (x * x).sum()
    s.view(1).mul_(3)
    s.backward()
    assert s.item() == 15.0 and x.grad.tolist() == [6.0, 12.0]


ELEMENT_WRITES = {"fill": lambda x: x[1].fill_(7), "add": lambda x: x[0, 1].add_(10),
                  "chained": lambda x: x[1][0].mul_(3), "negative": lambda x: x[-1, -1].zero_(),
                  "numpy-int": lambda x: x[np.int64(1), np.int32(1)].sub_(1)}


@pytest.mark.parametrize("name", ELEMENT_WRITES)
def test_an_in_place_write_to_one_element_reaches_the_tensor_as_pytorchs(name):
    """x[1] was numpy's scalar, a copy: x[1].fill_(7) silently left x unchanged. An
    element is a 0-d view, as PyTorch's."""
    torch = pytest.importorskip("torch")
    got = []
    for t in (ag.tensor, torch.tensor):
        x = t([[1.0, 2.0], [3.0, 4.0]]) if name != "fill" else t([1.0, 2.0, 3.0])
        ELEMENT_WRITES[name](x)
        got.append(x.tolist())
    assert got[0] == got[1]


def test_an_element_is_a_0d_view_and_its_gradient_flows():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    e = x[1]
    assert e.shape == () and np.shares_memory(e.data, x.data)
    (e * 3).backward()
    assert x.grad.tolist() == [0.0, 3.0, 0.0]
    x.grad = None
    y = x * 2
    y[1].mul_(y[0])                     # a view of a graph tensor: y takes the write
    y.sum().backward()
    assert y.tolist() == [2.0, 8.0, 6.0] and x.grad.tolist() == [10.0, 4.0, 2.0]


def test_detach_and_empty_index_of_a_0d_result_share_its_memory():
    s = ag.tensor([1.0, 2.0]).sum()
    s.detach().add_(5)
    s[()].add_(1)                           # numpy's s[()] is a scalar: a copy
    assert s.item() == 9.0
