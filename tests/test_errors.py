"""Errors that explain themselves: each names the op, the shapes and dtypes, and the
line of user code. One test per kind of bad input, asserting on the message."""
import numpy as np
import pytest

import autograd as ag
from autograd import DtypeError, GradgraphError, GraphError, OutOfRangeError, ShapeError

HERE = "test_errors.py:"


def leaf(*shape):
    return ag.randn(*shape, dtype="float64", requires_grad=True)


def test_error_hierarchy_is_importable_and_builtin_compatible():
    for cls, builtin in [(ShapeError, ValueError), (DtypeError, TypeError),
                         (GraphError, RuntimeError), (OutOfRangeError, IndexError),
                         (ag.ArgumentError, ValueError), (ag.ArgumentError, TypeError)]:
        assert issubclass(cls, GradgraphError) and issubclass(cls, builtin)


def test_every_error_raised_on_purpose_is_a_gradgraph_error():
    """No bare builtin exception is raised for bad input anywhere in the packages."""
    import pathlib
    import re
    root = pathlib.Path(ag.__file__).parent.parent
    bare = re.compile(r"raise (ValueError|TypeError|IndexError|RuntimeError|ImportError)\(")
    offenders = [f"{f.relative_to(root)}:{i}" for pkg in ("autograd", "nn", "viz")
                 for f in (root / pkg).rglob("*.py")
                 for i, line in enumerate(f.read_text().splitlines(), 1) if bare.search(line)]
    assert offenders == []


def test_bad_arguments_raise_argument_error():
    with pytest.raises(ag.ArgumentError, match="cat: expected a non-empty sequence"):
        ag.cat([])
    with pytest.raises(ag.ArgumentError, match="clamp: at least one of min and max"):
        ag.clamp(leaf(2))


def test_shapes_that_do_not_broadcast():
    with pytest.raises(ShapeError) as e:
        leaf(3, 4) * leaf(5)
    msg = str(e.value)
    assert "Mul" in msg and "(3, 4)" in msg and "(5,)" in msg and "float64" in msg
    assert HERE in msg


def test_matmul_inner_dimension_mismatch():
    with pytest.raises(ShapeError, match=r"matmul: inner dimensions differ: \(3, 4\) @ "
                                         r"\(5, 6\) \(4 != 5\).*float64.*test_errors.py:"):
        leaf(3, 4) @ leaf(5, 6)


def test_reshape_to_incompatible_size():
    with pytest.raises(ShapeError, match=r"reshape: cannot reshape a tensor of shape \(3, 4\) "
                                         r"\(12 elements\) to \(5, 2\)"):
        leaf(3, 4).reshape(5, 2)


def test_index_out_of_range():
    with pytest.raises(OutOfRangeError, match=r"getitem: index 7 is out of range for a tensor "
                                              r"of shape \(3, 4\)"):
        leaf(3, 4)[7]
    with pytest.raises(OutOfRangeError, match=r"sum: dim 2 is out of range.*\(3, 4\)"):
        leaf(3, 4).sum(dim=2)


def test_float_index_is_a_dtype_error():
    with pytest.raises(DtypeError, match="integer or bool, got float"):
        leaf(3)[np.array([0.5])]


def test_requires_grad_on_integer_tensor():
    with pytest.raises(DtypeError, match=r"floating-point.*shape \(2,\) and dtype int64"):
        ag.tensor([1, 2]).requires_grad_()


def test_backward_on_non_scalar_without_gradient():
    with pytest.raises(GraphError, match=r"only for scalar outputs.*shape \(3,\)"):
        (leaf(3) * 2).backward()


def test_gradient_of_the_wrong_shape():
    y = leaf(3) * 2
    with pytest.raises(ShapeError, match=r"gradient has shape \(2,\) but the output has "
                                         r"shape \(3,\)"):
        y.backward(ag.ones(2))


def test_backward_through_released_graph_names_the_op_and_line():
    x = leaf(3)
    with ag.record_creation_lines():
        y = (x.exp()).sum()
    y.backward()
    with pytest.raises(GraphError, match=r"Exp: trying to backward through this op a second "
                                         r"time.*retain_graph=True.*created at test_errors.py:"):
        y.backward()


def test_grad_of_unused_input():
    x, z = leaf(2), leaf(2)
    with pytest.raises(GraphError, match=r"input 1 \(shape \(2,\)\) was not used.*allow_unused"):
        ag.grad((x * 2).sum(), [x, z])


def test_backward_of_tensor_without_graph():
    with pytest.raises(GraphError, match=r"does not require grad and has no grad_fn"):
        ag.ones(3).sum().backward()


def test_where_shape_mismatch():
    with pytest.raises(ShapeError, match=r"where: condition \(3,\), x \(4,\)"):
        ag.where(np.ones(3, bool), leaf(4), 0.0)


def test_cat_and_stack_mismatch():
    with pytest.raises(ShapeError, match=r"cat: tensors of shapes \[\(2, 3\), \(2, 4\)\] "
                                         r"cannot be joined along dim 0"):
        ag.cat([leaf(2, 3), leaf(2, 4)], dim=0)
    with pytest.raises(ShapeError, match=r"stack: all tensors must have the same shape"):
        ag.stack([leaf(2), leaf(3)])


def test_set_default_dtype_rejects_integers():
    with pytest.raises(DtypeError, match="only float32 and float64"):
        ag.set_default_dtype("int32")
