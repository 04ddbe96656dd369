"""nn.parallel.rng in one process: a rank's slice of a draw equals the slice of the
whole draw, and leaves the generator where the whole draw does (the MPI checks of
tensor-parallel dropout are in tests/mpi/transformer_checks.py)."""
import pickle

import numpy as np
import pytest

import autograd as ag
import nn.functional as F
from autograd.errors import ArgumentError
from nn.parallel.rng import dropout_part, random_part


class Group:
    """Rank `rank` of a group of `size` (what dropout_part asks of a communicator)."""

    def __init__(self, rank, size):
        self.rank, self.size = rank, size

    def Get_rank(self):
        return self.rank

    def Get_size(self):
        return self.size


@pytest.mark.parametrize("bits", [np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937])
@pytest.mark.parametrize("shape, axis, parts", [((3, 4, 5, 5), 1, 2), ((3, 4, 5, 5), 1, 4),
                                                ((6, 7), 0, 3), ((2, 3, 8), 2, 2),
                                                ((4, 6), 1, 1)])
def test_random_part_is_the_slice_of_the_whole_draw(bits, shape, axis, parts):
    for rank in range(parts):
        whole_gen = np.random.Generator(bits(7))
        whole_gen.integers(0, 9, 3, dtype=np.int32)       # leaves a spare 32-bit half
        gen = np.random.Generator(bits(7))
        gen.integers(0, 9, 3, dtype=np.int32)
        whole = whole_gen.random(shape)
        n = shape[axis] // parts
        index = (slice(None),) * axis + (slice(rank * n, (rank + 1) * n),)
        assert np.array_equal(random_part(shape, axis, rank, parts, gen), whole[index])
        assert pickle.dumps(gen.bit_generator.state) == pickle.dumps(
            whole_gen.bit_generator.state)
        assert np.array_equal(gen.integers(0, 1 << 30, 5, dtype=np.int32),
                              whole_gen.integers(0, 1 << 30, 5, dtype=np.int32))


def test_random_part_errors():
    with pytest.raises(ArgumentError, match=r"random_part: slice 0 of 3 along dim 1 of shape "
                                            r"\(2, 4\)"):
        random_part((2, 4), 1, 0, 3)
    with pytest.raises(ArgumentError, match="slice 2 of 2"):
        random_part((2, 4), 1, 2, 2)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_parts_make_the_one_process_dropout(dtype):
    x = ag.tensor(np.random.default_rng(1).standard_normal((2, 6, 3, 3)).astype(dtype),
                  requires_grad=True)
    ag.manual_seed(3)
    expected = F.dropout(x, 0.4, True)
    after = ag.default_generator().random(4)
    parts = []
    for rank in range(3):
        ag.manual_seed(3)
        parts.append(dropout_part(x[:, 2 * rank:2 * rank + 2], 0.4, True, 1, Group(rank, 3)))
        assert np.array_equal(ag.default_generator().random(4), after)
    got = ag.cat(parts, 1)
    assert got.dtype == expected.dtype
    assert np.array_equal(got.data, expected.data)
    got.sum().backward()
    assert np.array_equal(x.grad.data, (expected.data != 0) / np.float32(0.6)
                          if dtype == "float32" else (expected.data != 0) / 0.6)
    assert dropout_part(x, 0.4, False, 1, Group(0, 3)) is x
    assert np.array_equal(dropout_part(x, 1.0, True, 1, Group(0, 3)).data, 0 * x.data)
    with pytest.raises(ArgumentError, match="between 0 and 1"):
        dropout_part(x, 1.5, True, 1, Group(0, 3))
