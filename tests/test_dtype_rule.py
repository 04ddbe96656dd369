"""One dtype rule for every entry point: the result dtype and value of each binary op,
called as an operator (reflected when a number comes first), as a module function and as
a method, for every pair of operand kinds (Python and numpy numbers, 0-d and n-d tensors
of bool / int32 / int64 / float32 / float64), equal PyTorch's; so do the float ops on
bool and integer tensors."""
import numpy as np
import pytest

import autograd as ag
from autograd.dtypes import promote_types, result_type

torch = pytest.importorskip("torch")

DTYPES = ["bool", "int32", "int64", "float32", "float64"]
NUMBERS = [True, 3, 2.5, np.float64(2.5), np.float32(2.5), np.int64(3), np.int32(3),
           np.bool_(True)]
# A numpy bool is taken as a Python bool (bool, or the tensor's dtype); PyTorch 2.13 treats
# it as a float (int32 tensor * np.bool_(True) is float32 there): not copied.
TORCH_QUIRKS = (np.bool_,)


def _values(dtype, ndim):
    v = [True, False, True] if dtype == "bool" else [1, 2, 3]
    return v if ndim else v[1]


KINDS = [("num", x) for x in NUMBERS] + [(f"{d}-{n}d", (d, n)) for n in (0, 1) for d in DTYPES]


def _make(lib, kind):
    name, spec = kind
    if name == "num":
        return spec
    dtype, ndim = spec
    return lib.tensor(_values(dtype, ndim), dtype=getattr(lib, dtype if dtype != "bool" else
                                                          ("bool_" if lib is ag else "bool")))


def _torch_dtype(t):
    return str(t.dtype).replace("torch.", "")


OPS = {
    "add": (lambda a, b: a + b, "add"),
    "sub": (lambda a, b: a - b, "sub"),
    "mul": (lambda a, b: a * b, "mul"),
    "div": (lambda a, b: a / b, "div"),
    "pow": (lambda a, b: a ** b, "pow"),
    "maximum": (None, "maximum"),
    "eq": (lambda a, b: a == b, "eq"),
    "lt": (lambda a, b: a < b, "lt"),
}


def _entries(op, a, b, lib):
    """(entry name, thunk) for each way of calling op on (a, b) in `lib`."""
    operator, name = OPS[op]
    is_tensor = isinstance(a, (ag.Tensor, torch.Tensor))
    out = []
    if operator is not None:
        out.append(("operator", lambda: operator(a, b)))
    out.append(("function", lambda: getattr(lib, name)(a, b)))
    if is_tensor:
        out.append(("method", lambda: getattr(a, name)(b)))
    return out


def _run(thunk):
    try:
        return thunk(), None
    except Exception as e:            # noqa: BLE001  (PyTorch refusing is a result too)
        return None, e


@pytest.fixture(params=["float32", "float64"])
def default_dtype(request):
    """Both default float dtypes, in gradgraph and in PyTorch."""
    ag.set_default_dtype(request.param)
    before = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, request.param))
    yield request.param
    torch.set_default_dtype(before)


def binary_matrix(op):
    """(checked, failures) of `op` over every pair of operand kinds and entry point."""
    checked, failures = 0, []
    for ka in KINDS:
        for kb in KINDS:
            if ka[0] == "num" and kb[0] == "num":
                continue
            if isinstance(ka[1], TORCH_QUIRKS) or isinstance(kb[1], TORCH_QUIRKS):
                continue
            a, b = _make(ag, ka), _make(ag, kb)
            ta, tb = _make(torch, ka), _make(torch, kb)
            ours_by_entry = dict(_entries(op, a, b, ag))
            for entry, tthunk in _entries(op, ta, tb, torch):
                ref, terr = _run(tthunk)
                got, err = _run(ours_by_entry[entry])
                label = f"{op} {entry}: {ka[0]}:{ka[1]!r} , {kb[0]}:{kb[1]!r}"
                if terr is not None:
                    continue          # PyTorch refuses (bool - bool, maximum(t, 2.5)...)
                checked += 1
                if err is not None:
                    failures.append(f"{label}: raised {type(err).__name__}: {err}")
                elif str(got.dtype) != _torch_dtype(ref):
                    failures.append(f"{label}: dtype {got.dtype}, torch {_torch_dtype(ref)}")
                elif not np.allclose(got.data, ref.numpy(), rtol=1e-6, equal_nan=True) or \
                        got.shape != tuple(ref.shape):
                    failures.append(f"{label}: {got.data!r} != torch {ref.numpy()!r}")
    return checked, failures


@pytest.mark.parametrize("op", list(OPS))
def test_binary_ops_match_pytorch_for_every_operand_kind_and_entry_point(op, default_dtype):
    checked, failures = binary_matrix(op)
    assert not failures, f"{len(failures)} of {checked} differ:\n" + "\n".join(failures[:20])
    assert checked > (150 if op == "maximum" else 250)


FLOAT_OPS = ["sqrt", "rsqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid", "reciprocal"]
KEEP_OPS = ["abs", "relu", "square", "sign", "neg"]


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_unary_ops_on_every_dtype_match_pytorch(default):
    ag.set_default_dtype(default)
    torch_default = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    try:
        failures, checked = [], 0
        for name, spec in KINDS[len(NUMBERS):]:
            for op in FLOAT_OPS + KEEP_OPS:
                a, ta = _make(ag, (name, spec)), _make(torch, (name, spec))
                for entry, ours, theirs in (("method", lambda: getattr(a, op)(),
                                             lambda: getattr(ta, op)()),
                                            ("function", lambda: getattr(ag, op)(a),
                                             lambda: getattr(torch, op)(ta))):
                    ref, terr = _run(theirs)
                    got, err = _run(ours)
                    label = f"{op} {entry} {name}"
                    if terr is not None:
                        assert err is not None, f"{label}: torch raises {terr}, we give {got}"
                        continue
                    checked += 1
                    if err is not None:
                        failures.append(f"{label}: raised {err}")
                    elif str(got.dtype) != _torch_dtype(ref) or \
                            not np.allclose(got.data, ref.numpy(), rtol=1e-6, equal_nan=True):
                        failures.append(f"{label}: {got!r} != torch {ref!r}")
        assert not failures, "\n".join(failures[:20])
        assert checked >= 250
    finally:
        torch.set_default_dtype(torch_default)


@pytest.mark.parametrize("default", ["float32", "float64"])
def test_python_float_with_int_tensor_gives_the_default_float(default):
    ag.set_default_dtype(default)
    i = ag.tensor([1, 2, 3])
    for got in (ag.mul(0.5, i), 0.5 * i, i * 0.5, i.mul(0.5), ag.sub(2.5, i), 2.5 - i,
                ag.div(1, i), i / 2, ag.pow(i, 0.5), 2.0 ** i, ag.maximum(i, ag.tensor(0.5)),
                ag.where(i.data > 1, i, 0.5)):
        assert got.dtype == np.dtype(default)
    np.testing.assert_allclose(ag.mul(0.5, i).data, [0.5, 1.0, 1.5])
    np.testing.assert_allclose(ag.sub(2.5, i).data, [1.5, 0.5, -0.5])


def test_the_rule_itself():
    f32, f64, i32, i64, b = (np.dtype(d) for d in ("float32", "float64", "int32", "int64", "bool"))
    assert promote_types(i64, f32) == f32 and promote_types(b, i32) == i32
    nd = {d: ag.zeros(2, dtype=d) for d in ("float32", "float64")}
    assert result_type(nd["float32"], ag.tensor(1.0, dtype=ag.float64)) == f32
    assert result_type(ag.tensor([1], dtype=ag.int32), ag.tensor(1.0, dtype=ag.float64)) == f64
    assert result_type(ag.tensor([1], dtype=ag.int32), 3) == i32
    assert result_type(ag.tensor([True]), 3) == i64
    assert result_type(ag.tensor([True]), True) == b
    assert result_type(ag.tensor([1]), floating=True) == f32
    assert result_type(ag.tensor(1, dtype=ag.int32), ag.tensor(1)) == i64


def test_integer_powers():
    np.testing.assert_array_equal((2 ** ag.tensor([-1, 0, 3])).data, [0, 1, 8])
    np.testing.assert_array_equal((ag.tensor([1, -1, 2, -1]) ** ag.tensor([-2, -3, -1, 2])).data,
                                  [1, -1, 0, 1])
    assert (2 ** ag.tensor([-1])).dtype == np.int64
    with pytest.raises(ag.ArgumentError, match=r"pow: integers to negative.*\(3,\).*int64"):
        ag.tensor([1, 2, 3]) ** -1
    with pytest.raises(ag.ShapeError, match="do not broadcast"):
        ag.tensor([1.0, 2.0]) ** ag.tensor([1.0, 2.0, 3.0])


def test_softmax_of_integers_is_refused_or_cast():
    i = ag.tensor([[1, 2], [3, 5]])
    with pytest.raises(ag.DtypeError, match=r"softmax.*int64.*\(2, 2\)"):
        ag.softmax(i, dim=1)
    with pytest.raises(ag.DtypeError, match="log_softmax"):
        i.log_softmax(dim=0)
    out = ag.softmax(i, dim=1, dtype=ag.float64)
    ref = torch.softmax(torch.tensor([[1, 2], [3, 5]]), dim=1, dtype=torch.float64)
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-12)
