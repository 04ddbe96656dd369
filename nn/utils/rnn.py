"""Sequences of different lengths for the recurrent layers, as ``torch.nn.utils.rnn``:
``PackedSequence`` (the time steps' rows, longest sequences first, one after the other),
``pack_padded_sequence``, ``pad_packed_sequence``, ``pad_sequence`` and
``pack_sequence``. Built from getitem, cat, stack and index_select: gradients flow
through packing and padding."""
from typing import NamedTuple

import numpy as np

import autograd as ag
from autograd.errors import ArgumentError, ShapeError
from autograd.tensor import Tensor


class PackedSequence(NamedTuple):
    """data (sum of lengths, *): step t's rows for the batch_sizes[t] sequences still
    running, in the order sorted_indices gives (longest first); batch_sizes an int64
    tensor; unsorted_indices undo the sort (None when the input was sorted)."""
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor = None
    unsorted_indices: Tensor = None


def _lengths(lengths):
    out = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    if out.ndim != 1 or out.size == 0 or out.dtype.kind not in "iu":
        raise ArgumentError(f"pack_padded_sequence: lengths must be a 1-d list or tensor of "
                            f"integers, got {lengths!r}")
    return out.astype(np.int64)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the
    given lengths; with enforce_sorted they must be in decreasing order."""
    lengths = _lengths(lengths)
    if batch_first:
        input = input.transpose(0, 1)
    if len(lengths) != input.shape[1]:
        raise ShapeError(f"pack_padded_sequence: {len(lengths)} lengths for a batch of "
                         f"{input.shape[1]} (input of shape {tuple(input.shape)})")
    if lengths.min() <= 0 or lengths.max() > input.shape[0]:
        raise ArgumentError(f"pack_padded_sequence: lengths must be in [1, {input.shape[0]}] "
                            f"(the input's time steps), got {lengths.tolist()}")
    sorted_indices = unsorted_indices = None
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise ArgumentError(f"pack_padded_sequence: lengths {lengths.tolist()} are not "
                                f"sorted in decreasing order (pass enforce_sorted=False)")
    else:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        input = input.index_select(1, ag.tensor(order))
        sorted_indices = ag.tensor(order)
        unsorted_indices = ag.tensor(np.argsort(order, kind="stable"))
    batch_sizes = (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(1)
    data = ag.cat([input[t, :int(b)] for t, b in enumerate(batch_sizes)], 0)
    return PackedSequence(data, ag.tensor(batch_sizes.astype(np.int64)), sorted_indices,
                          unsorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """(padded (T, B, *) or (B, T, *), lengths int64 (B,)): the inverse of
    pack_padded_sequence, the batch in its original order; T is total_length if given."""
    data, sizes = sequence.data, sequence.batch_sizes.data
    steps, batch = len(sizes), int(sizes[0])
    if total_length is not None and total_length < steps:
        raise ArgumentError(f"pad_packed_sequence: total_length ({total_length}) is less than "
                            f"the longest sequence ({steps})")
    rows, start = [], 0
    for b in sizes.tolist():
        step = data[start:start + b]
        start += b
        if b < batch:
            pad = ag.full((batch - b,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
            step = ag.cat([step, pad], 0)
        rows.append(step)
    for _ in range(steps, total_length or steps):
        rows.append(ag.full((batch,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype))
    out = ag.stack(rows, 0)
    lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    if sequence.unsorted_indices is not None:
        out = out.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.data]
    return (out.transpose(0, 1) if batch_first else out), ag.tensor(lengths.astype(np.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors (L_i, *) into (max L, B, *) (or (B, max L, *)), padded after each
    sequence (or before it: padding_side="left")."""
    if padding_side not in ("right", "left"):
        raise ArgumentError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                            f"{padding_side!r}")
    longest = max(s.shape[0] for s in sequences)
    def padded(s):
        pad = ag.full((longest - s.shape[0],) + tuple(s.shape[1:]), padding_value, dtype=s.dtype)
        return ag.cat([s, pad] if padding_side == "right" else [pad, s], 0)
    rows = [s if s.shape[0] == longest else padded(s) for s in sequences]
    return ag.stack(rows, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences pad_sequence stacked: row i cut to lengths[i]."""
    rows = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [rows[i, :n] for i, n in enumerate(_lengths(lengths).tolist())]


def unpack_sequence(packed_sequences):
    """The list of sequences pack_sequence packed, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence(pad_sequence(sequences), their lengths)."""
    return pack_padded_sequence(pad_sequence(sequences), [s.shape[0] for s in sequences],
                                enforce_sorted=enforce_sorted)
