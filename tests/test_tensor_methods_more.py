"""torch.Tensor's metadata methods, its other names for ops gradgraph has and the small
composites of autograd/methods_more.py and autograd/composites.py, against PyTorch:
values, dtypes, shapes, errors, and gradients in float64."""
import numpy as np
import pytest

import autograd as ag
from torch_compare import run_case

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _both(array):
    """The same data as a gradgraph and a torch tensor."""
    return ag.tensor(array), torch.tensor(array)


# --- metadata: (name, call) on tensors made by (name, make(lib, tensor)) -------------------
LAYOUTS = {
    "contiguous": lambda lib, x: x,
    "transposed": lambda lib, x: x.transpose(0, 1),
    "sliced": lambda lib, x: x[1:, ::2],
    "row": lambda lib, x: x[1],
    "expanded": lambda lib, x: x[:1].expand(5, 4),
    "narrowed": lambda lib, x: x.narrow(1, 1, 2),
    "unsqueezed": lambda lib, x: x.unsqueeze(1),
    "0-d": lambda lib, x: x[1, 2],
    "flipped_dims": lambda lib, x: x.reshape(2, 2, 5).permute(2, 0, 1),
    "size_1_strides": lambda lib, x: x.reshape(5, 1, 4).transpose(1, 2),
    "empty": lambda lib, x: x[:0],
}
METADATA = {
    "is_floating_point": lambda x: x.is_floating_point(),
    "is_complex": lambda x: x.is_complex(),
    "is_signed": lambda x: x.is_signed(),
    "element_size": lambda x: x.element_size(),
    "itemsize": lambda x: x.itemsize,
    "nbytes": lambda x: x.nbytes,
    "nelement": lambda x: x.nelement(),
    "ndimension": lambda x: x.ndimension(),
    "stride": lambda x: tuple(x.stride()),
    "stride_dims": lambda x: tuple(x.stride(d) for d in range(-x.dim(), x.dim())),
    "storage_offset": lambda x: x.storage_offset(),
    "is_same_size": lambda x: (x.is_same_size(x), x.is_same_size(x.reshape(-1))),
    "is_cpu": lambda x: x.is_cpu,
    "get_device": lambda x: x.get_device(),
    "dim_order": lambda x: tuple(x.dim_order()),
    "is_contiguous": lambda x: x.is_contiguous(),
    "conj_bits": lambda x: (x.is_conj(), x.is_neg(), x.is_sparse, x.is_quantized, x.is_meta),
}
DTYPES = ["float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_metadata_is_pytorchs(layout, dtype):
    a, t = _both(np.arange(20).reshape(5, 4).astype(dtype))
    a, t = LAYOUTS[layout](ag, a), LAYOUTS[layout](torch, t)
    for name, call in METADATA.items():
        assert call(a) == call(t), (name, call(a), call(t))


def test_data_ptr_counts_the_offset_of_a_view():
    x = ag.randn(4, 5, dtype=ag.float64)
    assert x[1, 2:].data_ptr() - x.data_ptr() == 7 * 8
    assert x.t().data_ptr() == x.data_ptr() and x.clone().data_ptr() != x.data_ptr()
    assert x[2].const_data_ptr() == x[2].data_ptr() == x.data_ptr() + 2 * 5 * 8
    s = x.sum()                                    # a 0-d result: the address stays
    assert s.data_ptr() == s.data_ptr() and s.storage_offset() == 0 and s.item() == x.sum().item()


@pytest.mark.parametrize("values", [[3.0], [0.0], [[-0.0]], [True], [False], [7], [], [1, 2],
                                    [[0, 0]]])
def test_is_nonzero_is_pytorchs(values):
    a, t = _both(np.array(values))
    try:
        expected = t.is_nonzero()
    except RuntimeError as e:
        with pytest.raises(ag.ShapeError, match=str(e)[:26]):
            a.is_nonzero()
    else:
        assert a.is_nonzero() is expected


def test_stride_of_a_bad_dim_is_refused_as_pytorch():
    for x, dim in ((ag.zeros(2, 3), 2), (ag.zeros(2, 3), -3), (ag.tensor(1.0), 0)):
        with pytest.raises(ag.OutOfRangeError, match="stride"):
            x.stride(dim)
        with pytest.raises(IndexError):
            torch.zeros(x.shape).stride(dim)


def test_new_empty_strided_has_the_asked_layout():
    x = ag.zeros(2, dtype=ag.int32)
    for size, stride in (((2, 3), (1, 2)), ((2, 3), (3, 1)), ((4,), (0,)), ((0, 3), (3, 1))):
        y = x.new_empty_strided(size, stride, dtype=ag.float64)
        t = torch.zeros(2).new_empty_strided(size, stride, dtype=torch.float64)
        assert (y.shape, y.stride(), y.dtype) == (tuple(t.shape), t.stride(), np.float64)
    assert x.new_empty_strided((3,), (1,), requires_grad=False).dtype == np.int32
    with pytest.raises(ag.ArgumentError, match="new_empty_strided"):
        x.new_empty_strided((2, 3), (1,))


@pytest.mark.parametrize("name, dtype", [("byte", np.uint8), ("char", np.int8),
                                         ("short", np.int16), ("half", np.float16)])
def test_casts_are_pytorchs(name, dtype):
    values = np.array([-3.7, 0.0, 2.5, 100.2])
    a, t = _both(values)
    if name != "byte":                      # (a negative float to uint8 is undefined in C)
        assert getattr(a, name)().tolist() == getattr(t, name)().tolist()
    assert getattr(a, name)().dtype == dtype
    x = ag.tensor(values, requires_grad=True)
    assert x.half().requires_grad and not x.byte().requires_grad
    with pytest.raises(ag.DtypeError, match="bfloat16"):
        x.bfloat16()


# --- values and dtypes: (name, arrays, call(lib, *tensors)) --------------------------------
F64 = RNG.standard_normal((3, 4))
I32 = np.array([[12, -18, 7, 0], [5, 40, -9, 3], [1, 2, 3, 4]], np.int32)
SHIFT = np.array([[0, 1, 31, 32], [40, -1, 3, 2], [1, 2, 3, 4]], np.int32)
BOOL = F64 > 0
SPECIAL = np.array([-np.inf, -1.5, -0.0, 0.0, 2.0, np.inf, np.nan])
VALUES = [
    ("multiply", [F64, I32], lambda lib, a, b: a.multiply(b)),
    ("true_divide", [I32, I32 + 100], lambda lib, a, b: lib.true_divide(a, b)),
    ("greater", [F64, F64[:1]], lambda lib, a, b: a.greater(b)),
    ("greater_equal", [F64, F64[:1]], lambda lib, a, b: lib.greater_equal(a, b)),
    ("less", [I32, F64], lambda lib, a, b: a.less(b)),
    ("less_equal", [F64, F64[:1]], lambda lib, a, b: a.less_equal(b)),
    ("not_equal", [I32, I32[:1]], lambda lib, a, b: lib.not_equal(a, b)),
    ("logical_and", [F64, BOOL], lambda lib, a, b: a.logical_and(b)),
    ("logical_or", [I32, BOOL], lambda lib, a, b: a.logical_or(b)),
    ("logical_xor", [F64, I32], lambda lib, a, b: a.logical_xor(b)),
    ("logical_not", [I32], lambda lib, a: a.logical_not()),
    ("bitwise_and", [I32, I32[::-1].copy()], lambda lib, a, b: a.bitwise_and(b)),
    ("bitwise_or", [BOOL, BOOL[::-1].copy()], lambda lib, a, b: lib.bitwise_or(a, b)),
    ("bitwise_xor", [I32, I32[:1]], lambda lib, a, b: a.bitwise_xor(b)),
    ("bitwise_not", [I32], lambda lib, a: a.bitwise_not()),
    ("bitwise_not_bool", [BOOL], lambda lib, a: lib.bitwise_not(a)),
    ("left_shift", [I32, SHIFT], lambda lib, a, b: a.bitwise_left_shift(b)),
    ("right_shift", [I32, SHIFT], lambda lib, a, b: lib.bitwise_right_shift(a, b)),
    ("left_shift_int64", [I32.astype(np.int64), SHIFT.astype(np.int64) * 2],
     lambda lib, a, b: a.bitwise_left_shift(b)),
    ("gcd", [I32, I32[::-1].copy()], lambda lib, a, b: a.gcd(b)),
    ("lcm", [I32, I32[:1]], lambda lib, a, b: lib.lcm(a, b)),
    ("absolute_int", [I32], lambda lib, a: a.absolute()),
    ("fix_int", [I32], lambda lib, a: lib.fix(a)),
    ("negative_int", [I32], lambda lib, a: a.negative()),
    ("positive_int", [I32], lambda lib, a: lib.positive(a)),
    ("float_power_int", [I32, I32 % 3], lambda lib, a, b: a.float_power(b)),
    ("float_power_number", [I32], lambda lib, a: lib.float_power(a, 2)),
    ("ldexp_int", [I32, SHIFT % 5], lambda lib, a, b: a.ldexp(b)),
    ("signbit", [SPECIAL], lambda lib, a: a.signbit()),
    ("signbit_int", [I32], lambda lib, a: lib.signbit(a)),
    ("nextafter", [SPECIAL, SPECIAL[::-1].copy()], lambda lib, a, b: a.nextafter(b)),
    ("nextafter_f32", [SPECIAL.astype(np.float32), np.zeros(7, np.float32)],
     lambda lib, a, b: lib.nextafter(a, b)),
    ("angle", [SPECIAL], lambda lib, a: a.angle()),
    ("angle_int", [I32], lambda lib, a: lib.angle(a)),
    ("isreal", [F64], lambda lib, a: a.isreal()),
    ("conj", [I32], lambda lib, a: a.conj().resolve_conj().resolve_neg()),
    ("real", [F64], lambda lib, a: a.real),
    ("histc", [F64.astype(np.float32)], lambda lib, a: a.histc(7)),
    ("histc_range", [np.array([0.0, 1, 2, 3, 0.1, 0.2999999, -1, 5, 3.0000001])],
     lambda lib, a: lib.histc(a, 10, 0, 3)),
    ("histc_equal", [np.full(4, 2.5)], lambda lib, a: a.histc(4)),
    ("histc_empty", [np.zeros(0)], lambda lib, a: a.histc(3)),
    ("bincount", [np.array([0, 3, 3, 1, 7])], lambda lib, a: a.bincount()),
    ("bincount_min", [np.array([0, 3, 3])], lambda lib, a: lib.bincount(a, minlength=6)),
    ("bincount_empty", [np.zeros(0, np.int64)], lambda lib, a: a.bincount()),
    ("bincount_f32", [np.array([0, 3, 3]), np.array([0.5, 1, 2], np.float32)],
     lambda lib, a, w: a.bincount(w)),
    ("bincount_int_weights", [np.array([0, 3, 3]), np.array([5, 1, 2])],
     lambda lib, a, w: a.bincount(w)),
    ("cov_int", [I32], lambda lib, a: a.cov()),
    ("corrcoef_int", [I32], lambda lib, a: lib.corrcoef(a)),
    ("masked_select_bool", [BOOL, BOOL[::-1].copy()], lambda lib, a, m: a.masked_select(m)),
    ("ravel_int", [I32], lambda lib, a: a.t().ravel()),
    ("diagflat_bool", [BOOL[:2, :2].copy()], lambda lib, a: a.diagflat(-1)),
    ("addmv_beta_0", [np.full(3, np.nan), F64, F64[1]],
     lambda lib, i, m, v: i.addmv(m, v, beta=0)),
    ("addr_int", [I32, I32[:, 0], I32[1]], lambda lib, i, a, b: lib.addr(i, a, b)),
    ("addcmul_int", [I32, I32[:1], I32], lambda lib, i, a, b: i.addcmul(a, b, value=2)),
    ("matrix_power_0", [F64[:3, :3]], lambda lib, a: a.matrix_power(0)),
    ("matrix_power_int", [I32[:3, :3]], lambda lib, a: a.matrix_power(3)),
    ("matrix_power_empty", [np.zeros((0, 2, 2))], lambda lib, a: a.matrix_power(3)),
    ("frexp_exponent", [SPECIAL.astype(np.float32)], lambda lib, a: a.frexp()[1]),
    ("frexp_mantissa_f32", [np.array([3e38, 1e-45, 7.0], np.float32)],
     lambda lib, a: lib.frexp(a)[0]),
    ("nonzero_static", [I32 % 3], lambda lib, a: a.nonzero_static(size=9)),
    ("nonzero_static_cut", [BOOL], lambda lib, a: lib.nonzero_static(a, size=2, fill_value=7)),
    ("nonzero_static_0d", [np.array(2.0)], lambda lib, a: a.nonzero_static(size=2)),
    ("put_int", [I32, I32[0]], lambda lib, a, s: a.put(lib.tensor([3, 2, 1, 0]), s)),
    ("masked_scatter_int", [I32, I32 * 7], lambda lib, a, s: a.masked_scatter(lib.tensor(MASK), s)),
    ("slice_scatter_cast", [I32, F64[:, 1:3]],
     lambda lib, a, s: a.slice_scatter(s, 1, 1, 3)),
]


@pytest.mark.parametrize("name, arrays, call", VALUES, ids=[c[0] for c in VALUES])
def test_values_and_dtypes_are_pytorchs(name, arrays, call):
    ours = call(ag, *[ag.tensor(a) for a in arrays])
    theirs = call(torch, *[torch.tensor(a) for a in arrays])
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.data, theirs.numpy())


# --- gradients in float64: (name, arrays, call(lib, *tensors) -> a tensor) ------------------
def _cat(lib, parts):
    return lib.cat([p.reshape(-1) for p in parts])


MASK = RNG.standard_normal((3, 4)) > 0
GRADIENTS = [
    ("view_as", [F64], lambda lib, a: a.view_as(lib.zeros(2, 6)) * 2),
    ("reshape_as", [F64], lambda lib, a: a.t().reshape_as(lib.zeros(12))),
    ("ravel", [F64], lambda lib, a: a.t().ravel() ** 2),
    ("positive", [F64], lambda lib, a: a.positive() * 3),
    ("negative", [F64], lambda lib, a: lib.negative(a)),
    ("subtract", [F64, F64[:1]], lambda lib, a, b: a.subtract(b, alpha=2.5)),
    ("subtract_number", [F64], lambda lib, a: lib.subtract(a, 2)),
    ("multiply", [F64, F64[:, :1]], lambda lib, a, b: a.multiply(b)),
    ("true_divide", [F64, F64[:1] + 3], lambda lib, a, b: a.true_divide(b)),
    ("absolute", [F64], lambda lib, a: a.absolute()),
    ("fix", [F64 * 3], lambda lib, a: a.fix() + a),
    ("float_power", [np.abs(F64) + 0.1, F64[:1]], lambda lib, a, b: a.float_power(b)),
    ("float_power_number", [F64], lambda lib, a: lib.float_power(a, 3)),
    ("ldexp", [F64, F64[:1]], lambda lib, a, b: a.ldexp(b)),
    ("angle", [SPECIAL], lambda lib, a: a.angle()),
    ("masked_select", [F64], lambda lib, a: a.masked_select(lib.tensor(MASK)) ** 2),
    ("masked_select_broadcast", [F64[:1]], lambda lib, a: lib.masked_select(a, lib.tensor(MASK))),
    ("tensor_split", [F64], lambda lib, a: _cat(lib, a.tensor_split(3, 1))),
    ("tensor_split_indices", [F64], lambda lib, a: _cat(lib, a.tensor_split([-1, 10, 1], 1))),
    ("tensor_split_tensor", [F64], lambda lib, a: _cat(lib, lib.tensor_split(
        a, lib.tensor([2]), dim=-1))),
    ("hsplit", [F64], lambda lib, a: _cat(lib, [p * i for i, p in enumerate(a.hsplit(2))])),
    ("vsplit", [F64], lambda lib, a: _cat(lib, [p * i for i, p in enumerate(a.vsplit([1]))])),
    ("dsplit", [F64.reshape(1, 3, 4)],
     lambda lib, a: _cat(lib, [p * i for i, p in enumerate(lib.dsplit(a, 2))])),
    ("split_with_sizes", [F64],
     lambda lib, a: _cat(lib, [p * i for i, p in enumerate(a.split_with_sizes([1, 0, 3], 1))])),
    ("diagflat", [F64[:2]], lambda lib, a: a.diagflat(1)),
    ("diagflat_0d", [F64[0, 0]], lambda lib, a: lib.diagflat(a)),
    ("sum_to_size", [F64], lambda lib, a: a.sum_to_size(1, 4)),
    ("sum_to_size_lead", [F64.reshape(3, 1, 4)], lambda lib, a: a.sum_to_size(4)),
    ("sum_to_size_same", [F64], lambda lib, a: a.sum_to_size((3, 4)) * 2),
    ("H", [F64], lambda lib, a: a.H),
    ("mH", [F64.reshape(3, 2, 2)], lambda lib, a: a.mH),
    ("adjoint", [F64.reshape(3, 2, 2)], lambda lib, a: lib.adjoint(a)),
    ("conj", [F64], lambda lib, a: a.conj() * a.resolve_conj()),
    ("narrow_copy", [F64], lambda lib, a: a.narrow_copy(1, 1, 2)),
    ("slice_scatter", [F64, F64[:, :2]], lambda lib, a, s: a.slice_scatter(s, 1, 1, None, 2)),
    ("slice_scatter_rows", [F64, F64[:1] * 2],
     lambda lib, a, s: lib.slice_scatter(a, s, start=-1)),
    ("select_scatter", [F64, F64[:, 0]], lambda lib, a, s: a.select_scatter(s, 1, -1)),
    ("diagonal_scatter", [F64, F64[0, :3]], lambda lib, a, s: a.diagonal_scatter(s)),
    ("diagonal_scatter_offset", [F64.reshape(3, 2, 2), F64[:, :1]],
     lambda lib, a, s: lib.diagonal_scatter(a, s, -1, 1, 2)),
    ("cov", [F64], lambda lib, a: a.cov()),
    ("cov_1d", [F64[0]], lambda lib, a: lib.cov(a, correction=0)),
    ("cov_weights", [F64], lambda lib, a: a.cov(
        fweights=lib.tensor([1, 2, 0, 3]), aweights=lib.tensor([0.5, 1.0, 2.0, 1.5],
                                                               dtype=lib.float64))),
    ("cov_fweights", [F64], lambda lib, a: a.cov(correction=2, fweights=lib.tensor([1, 2, 1, 3]))),
    ("corrcoef", [F64], lambda lib, a: a.corrcoef()),
    ("corrcoef_1d", [F64[0]], lambda lib, a: lib.corrcoef(a)),
    ("addmv", [F64[0, :3], F64, F64[1]], lambda lib, i, m, v: i.addmv(m, v, beta=0.5, alpha=2)),
    ("addmv_broadcast", [F64[0, :1], F64, F64[1]], lambda lib, i, m, v: lib.addmv(i, m, v)),
    ("addr", [F64, F64[:, 0], F64[1]], lambda lib, i, a, b: i.addr(a, b, alpha=-1.5)),
    ("addbmm", [F64[:2, :2], F64.reshape(3, 2, 2), F64.reshape(3, 2, 2) + 1],
     lambda lib, i, a, b: i.addbmm(a, b, beta=2)),
    ("addcmul", [F64, F64[:1], F64[:, :1]], lambda lib, i, a, b: i.addcmul(a, b, value=0.5)),
    ("addcdiv", [F64, F64[:1], F64[:, :1] + 3],
     lambda lib, i, a, b: lib.addcdiv(i, a, b, value=-2)),
    ("matrix_power", [F64[:3, :3]], lambda lib, a: a.matrix_power(5)),
    ("matrix_power_batch", [F64.reshape(3, 2, 2)], lambda lib, a: lib.matrix_power(a, 2)),
    ("matrix_power_1", [F64[:3, :3]], lambda lib, a: a.matrix_power(1) * 2),
    ("frexp", [np.array([1.7e308, 5e-324, -0.0, 3.0, np.inf, np.nan, -6.5, 1e-310])],
     lambda lib, a: a.frexp()[0] * a.frexp()[1]),
    ("frexp_plain", [F64 * 100], lambda lib, a: lib.frexp(a)[0]),
    ("masked_scatter", [F64, F64 * 2], lambda lib, a, s: a.masked_scatter(lib.tensor(MASK), s)),
    ("masked_scatter_broadcast", [F64[0], F64.reshape(-1)],
     lambda lib, a, s: lib.masked_scatter(a, lib.tensor(MASK), s)),
    ("put", [F64, F64[0, :3]], lambda lib, a, s: a.put(lib.tensor([-1, 0, 5]), s)),
    ("put_accumulate", [F64, F64[:2]],
     lambda lib, a, s: lib.put(a, lib.tensor([[1, 1, 2, -12], [0, 1, 1, 3]]), s, True)),
    ("unsafe_split", [F64], lambda lib, a: _cat(lib, [p * i for i, p in enumerate(
        a.unsafe_split(2, 1))])),
    ("unsafe_chunk", [F64], lambda lib, a: _cat(lib, [p * i for i, p in enumerate(
        lib.unsafe_chunk(a, 2))])),
    ("unsafe_split_with_sizes", [F64], lambda lib, a: _cat(lib, [p * i for i, p in enumerate(
        a.unsafe_split_with_sizes([2, 1]))])),
]


@pytest.mark.parametrize("name, arrays, call", GRADIENTS, ids=[c[0] for c in GRADIENTS])
def test_values_and_gradients_match_pytorch(name, arrays, call):
    with np.errstate(invalid="ignore"):
        ours, our_grads = run_case(ag, call, arrays)
    theirs, their_grads = run_case(torch, call, arrays)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    for g, h in zip(our_grads, their_grads):
        np.testing.assert_allclose(g, h, rtol=1e-10, atol=1e-12)


GRADCHECKED = {"cov_weights", "corrcoef", "slice_scatter", "ldexp", "masked_select_broadcast",
               "addbmm", "matrix_power", "frexp_plain"}


@pytest.mark.parametrize("name, arrays, call", [c for c in GRADIENTS if c[0] in GRADCHECKED],
                         ids=sorted(GRADCHECKED, key=[c[0] for c in GRADIENTS].index))
def test_composites_pass_gradcheck(name, arrays, call):
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    assert ag.gradcheck(lambda *t: call(ag, *t), xs)
    assert ag.gradgradcheck(lambda *t: call(ag, *t), xs)


# --- refusals: (call(lib), gradgraph's error, PyTorch's) -----------------------------------
ERRORS = [
    (lambda lib: lib.zeros(2, dtype=lib.bool).positive(), ag.DtypeError),
    (lambda lib: lib.ones(2).bitwise_and(lib.ones(2)), ag.DtypeError),
    (lambda lib: lib.ones(2).gcd(lib.ones(2, dtype=lib.int64)), ag.DtypeError),
    (lambda lib: lib.ones(2, dtype=lib.bool).bitwise_left_shift(lib.ones(2, dtype=lib.bool)),
     ag.DtypeError),
    (lambda lib: lib.ones(2, dtype=lib.int64).nextafter(lib.ones(2, dtype=lib.int64)),
     ag.DtypeError),
    (lambda lib: lib.ones(2).masked_select(lib.ones(2, dtype=lib.int64)), ag.DtypeError),
    (lambda lib: lib.ones(2).masked_select(lib.ones(3, dtype=lib.bool)), ag.ShapeError),
    (lambda lib: lib.ones(5).tensor_split(0), ag.ArgumentError),
    (lambda lib: lib.tensor(1.0).tensor_split(2), ag.ShapeError),
    (lambda lib: lib.ones(2, 5).hsplit(2), ag.ShapeError),
    (lambda lib: lib.ones(5).vsplit(5), ag.ShapeError),
    (lambda lib: lib.ones(5, 2).dsplit(1), ag.ShapeError),
    (lambda lib: lib.ones(5).split_with_sizes([2, 2]), ag.ShapeError),
    (lambda lib: lib.ones(2, 3).sum_to_size(3, 3), ag.ShapeError),
    (lambda lib: lib.ones(2, 3).sum_to_size(1, 2, 3, 1), ag.ShapeError),
    (lambda lib: lib.ones(2, 3, 4).H, ag.ShapeError),
    (lambda lib: lib.ones(3).mH, ag.ShapeError),
    (lambda lib: lib.ones(3).adjoint(), ag.ShapeError),
    (lambda lib: lib.ones(3, 4).slice_scatter(lib.ones(3, 1), 1, 0, 2), ag.ShapeError),
    (lambda lib: lib.ones(3, 4).select_scatter(lib.ones(3), 1, 4), ag.OutOfRangeError),
    (lambda lib: lib.ones(3, 4).diagonal_scatter(lib.ones(2)), ag.ShapeError),
    (lambda lib: lib.ones(3, 4).diagonal_scatter(lib.ones(3), 0, 1, 1), ag.ArgumentError),
    (lambda lib: lib.ones(2, 2, 2).cov(), ag.ShapeError),
    (lambda lib: lib.ones(2, 3).cov(fweights=lib.ones(3)), ag.ShapeError),
    (lambda lib: lib.ones(2, 3).cov(fweights=lib.tensor([1, -1, 1])), ag.ArgumentError),
    (lambda lib: lib.ones(2, 3).cov(aweights=lib.ones(2)), ag.ShapeError),
    (lambda lib: lib.ones(3, dtype=lib.int64).histc(), ag.DtypeError),
    (lambda lib: lib.ones(3).histc(3, 2, 1), ag.ArgumentError),
    (lambda lib: lib.tensor([1.0, float("inf")]).histc(), ag.ArgumentError),
    (lambda lib: lib.ones(3).bincount(), ag.ShapeError),
    (lambda lib: lib.tensor([[1, 2]]).bincount(), ag.ShapeError),
    (lambda lib: lib.tensor([1, -2]).bincount(), ag.ArgumentError),
    (lambda lib: lib.tensor([1, 2]).bincount(minlength=-1), ag.ArgumentError),
    (lambda lib: lib.tensor([1, 2]).bincount(lib.ones(3)), ag.ShapeError),
    (lambda lib: lib.ones(3).is_nonzero(), ag.ShapeError),
    (lambda lib: lib.ones(3).addmv(lib.ones(3, 2), lib.ones(2, 1)), ag.ShapeError),
    (lambda lib: lib.ones(2).addmv(lib.ones(3, 2), lib.ones(2)), ag.ShapeError),
    (lambda lib: lib.ones(3, 3).addr(lib.ones(3, 1), lib.ones(3)), ag.ShapeError),
    (lambda lib: lib.ones(2, 2).addbmm(lib.ones(2, 2), lib.ones(2, 2)), ag.ShapeError),
    (lambda lib: lib.ones(2).addcdiv(lib.ones(2, dtype=lib.int64), lib.ones(2, dtype=lib.int64)),
     ag.DtypeError),
    (lambda lib: lib.ones(2, 3).matrix_power(2), ag.ShapeError),
    (lambda lib: lib.ones(3).matrix_power(2), ag.ShapeError),
    (lambda lib: lib.ones(2, dtype=lib.int64).frexp(), ag.DtypeError),
    (lambda lib: lib.ones(3).masked_scatter(lib.ones(3, dtype=lib.bool), lib.ones(2)),
     ag.ShapeError),
    (lambda lib: lib.ones(3).masked_scatter(lib.ones(3, dtype=lib.bool),
                                            lib.ones(3, dtype=lib.int64)), ag.DtypeError),
    (lambda lib: lib.ones(3).masked_scatter(lib.ones(3), lib.ones(3)), ag.DtypeError),
    (lambda lib: lib.ones(3).masked_scatter(lib.ones(2, dtype=lib.bool), lib.ones(3)),
     ag.ShapeError),
    (lambda lib: lib.ones(3).put(lib.tensor([3]), lib.ones(1)), ag.OutOfRangeError),
    (lambda lib: lib.ones(3).put(lib.tensor([-4]), lib.ones(1)), ag.OutOfRangeError),
    (lambda lib: lib.ones(3).put(lib.tensor([1, 2]), lib.ones(1)), ag.ShapeError),
    (lambda lib: lib.ones(3).put(lib.tensor([1.0]), lib.ones(1)), ag.DtypeError),
]


def test_is_set_to_is_pytorchs():
    for lib in (ag, torch):
        x = lib.zeros(3, 4)
        assert x.is_set_to(x) and x.is_set_to(x[:]) and not x.is_set_to(x[1:])
        assert not x.is_set_to(x.t()) and not x.is_set_to(x.clone())
        assert not x.is_set_to(x.reshape(12)) and not x.is_shared() and not x.is_pinned()


@pytest.mark.parametrize("call, error", ERRORS, ids=range(len(ERRORS)))
def test_bad_input_is_refused_as_pytorch(call, error):
    with pytest.raises((RuntimeError, ValueError, TypeError, IndexError)):
        call(torch)
    with pytest.raises(error):
        call(ag)


def test_methods_and_functions_are_the_declared_ones():
    for name in ("multiply", "greater", "bitwise_and", "gcd", "ravel", "tensor_split", "hsplit",
                 "cov", "corrcoef", "histc", "bincount", "slice_scatter", "masked_select",
                 "float_power", "signbit", "adjoint", "diagflat", "narrow_copy"):
        assert callable(getattr(ag, name)) and callable(getattr(ag.Tensor, name)), name
    for name in ("view_as", "reshape_as", "sum_to_size", "stride", "logical_and"):
        assert callable(getattr(ag.Tensor, name)), name
