"""Random draws of a split tensor that equal one process's draws of the whole tensor.

Under tensor parallelism an activation is either replicated (the same on every rank of
the group: the residual stream) or split (each rank holds a slice: the heads of
attention). Dropout on a replicated activation must draw the same mask on every rank,
else the copies drift apart silently; dropout on a split one must draw a different
mask per slice, each distributed as one process's. gradgraph does both from the one
default generator, as PyTorch's DTensor does (its offset-based RNG tracker) rather
than with Megatron's second generator per rank: every rank of the group keeps the same
generator state, draws a replicated mask whole, and for a split one draws only its
slice of the whole mask, at the offsets where one process would draw it, then leaves
the generator where the whole draw would have. So the masks are those of one process
with the same seed, and the model's training run equals the one-process run.

The skip is PCG64's ``advance`` (numpy's default bit generator; one 64-bit step per
float64), so a rank draws 1/p of the numbers. With another bit generator the whole
tensor is drawn and sliced: the same values, at the cost of the whole draw.
"""
import pickle

import numpy as np

from autograd.creation import default_generator
from autograd.errors import ArgumentError

from .comm import allgather_object

_SKIPPABLE = (np.random.PCG64, np.random.PCG64DXSM)


def random_part(shape, axis, rank, parts, generator=None):
    """Slice `rank` of `parts` equal slices along `axis` of ``generator.random(shape)``
    (float64 uniforms in [0, 1); `shape` is the whole tensor's), drawing only that
    slice; the generator (default: autograd's) ends as after the whole draw."""
    shape = tuple(int(s) for s in shape)
    if not 0 <= axis < len(shape) or shape[axis] % parts or not 0 <= rank < parts:
        raise ArgumentError(f"random_part: slice {rank} of {parts} along dim {axis} of shape "
                            f"{shape} (the dim must be divisible by {parts})")
    gen = default_generator() if generator is None else generator
    n = shape[axis]
    part = n // parts
    local = shape[:axis] + (part,) + shape[axis + 1:]
    bits = getattr(gen, "bit_generator", None) if isinstance(gen, np.random.Generator) \
        else None
    if parts == 1 or type(bits) not in _SKIPPABLE:
        whole = gen.random(shape)
        return np.ascontiguousarray(whole[(slice(None),) * axis
                                          + (slice(rank * part, (rank + 1) * part),)])
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    start = bits.state
    out = np.empty((outer, part * inner))
    pos = 0
    for o in range(outer):
        begin = (o * n + rank * part) * inner
        bits.advance(begin - pos)
        gen.random(out=out[o])
        pos = begin + part * inner
    bits.advance(outer * n * inner - pos)
    end = bits.state
    # advance() drops the spare 32-bit half a 32-bit draw may have left; a whole
    # float64 draw keeps it, so put it back
    end["has_uint32"], end["uinteger"] = start["has_uint32"], start["uinteger"]
    bits.state = end
    return out.reshape(local)


def dropout_part(input, p, training, axis, comm):
    """``F.dropout`` of `input`, this rank's slice along `axis` of a tensor split
    evenly over the ranks of `comm` in rank order, with this slice of the mask one
    process would draw for the whole tensor (see the module's docstring)."""
    if not 0.0 <= p <= 1.0:
        raise ArgumentError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    dtype = input.data.dtype
    if p == 1.0:                                  # F.dropout draws nothing either
        return input * np.zeros(input.shape, dtype)
    parts = comm.Get_size()
    shape = list(input.shape)
    shape[axis] *= parts
    mask = (random_part(shape, axis, comm.Get_rank(), parts) >= p).astype(dtype)
    mask *= dtype.type(1.0 / (1.0 - p))
    return input * mask


def check_same_generator(comm, what):
    """Raise ArgumentError naming `what` unless autograd's default generator has the
    same state on every rank of `comm` (one allgather). Replicated dropout masks are
    equal across the ranks only then."""
    gen = default_generator()
    if not isinstance(gen, np.random.Generator) or comm.Get_size() == 1:
        return
    # pickled: MT19937's state holds an array, which == would not compare as a whole
    states = allgather_object(pickle.dumps(gen.bit_generator.state), comm,
                              f"{what}: the random generator's state")
    differ = [r for r, s in enumerate(states) if s != states[0]]
    if differ:
        raise ArgumentError(f"{what}: autograd's random generator on rank(s) "
                            f"{', '.join(map(str, differ))} differs from rank 0's, so the "
                            f"dropout masks of the activations every rank holds whole "
                            f"would differ and the ranks' copies drift apart; seed every "
                            f"rank of the tensor-parallel group alike (ag.manual_seed(seed) "
                            f"with the same seed) before the first training forward")
