"""``einsum`` and ``baddbmm`` as composites: einsum takes diagonals by indexing, sums
out letters no one else needs, and contracts the operands left to right, each pair as
one batched matrix product (batch letters, then free letters, then the contracted
ones), as PyTorch does without opt_einsum. Gradients come from getitem, sum, permute,
reshape and matmul."""
import math
import string

import numpy as np

from .errors import ArgumentError, ShapeError
from .functions import expand, matmul, permute, reshape
from .reductions import sum as _sum
from .public import public
from .tensor import Tensor


@public
def einsum(equation, *operands):
    """Einstein summation as ``torch.einsum``: ``einsum("bij,bjk->bik", a, b)``, also
    with a list of operands, implicit output (letters used once, in alphabetical order,
    after the ``...`` dims), ``...`` with broadcasting, repeated letters (diagonals)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands or not all(isinstance(t, Tensor) for t in operands):
        raise ArgumentError(f"einsum: expected one or more Tensors after the equation, got "
                            f"{[type(t).__name__ for t in operands]}")
    inputs, output = _parse(equation, operands)
    sizes = _sizes(equation, inputs, operands)
    terms = []
    for i, (t, letters) in enumerate(zip(operands, inputs)):
        t, letters = _diagonals(t, letters)
        needed = set(output).union(*(inputs[j] for j in range(len(inputs)) if j != i))
        terms.append(_sum_out(t, letters, needed))
    t, letters = terms[0]
    for k in range(1, len(terms)):
        needed = set(output).union(*(inputs[j] for j in range(k + 1, len(inputs))))
        t, letters = _contract(t, letters, *terms[k], needed, sizes)
    t, letters = _sum_out(t, letters, set(output))
    if letters != output:
        t = permute(t, [letters.index(c) for c in output])
    shape = tuple(sizes[c] for c in output)
    return t if t.shape == shape else expand(t, shape)


def _parse(equation, operands):
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(operands):
        raise ArgumentError(f"einsum: the equation {equation!r} has {len(inputs)} operands, "
                            f"got {len(operands)} tensors")
    free = iter(c for c in string.ascii_letters if c not in eq)
    ell_nd = max((t.ndim - len(s.replace("...", "")) for s, t in zip(inputs, operands)
                  if "..." in s), default=0)
    ell = "".join(next(free) for _ in range(max(ell_nd, 0)))
    out_inputs = []
    for s, t in zip(inputs, operands):
        if "..." in s:
            nd = t.ndim - len(s.replace("...", ""))
            s = s.replace("...", ell[len(ell) - nd:] if nd > 0 else "")
        if not all(c in string.ascii_letters for c in s) or len(s) != t.ndim:
            raise ShapeError(f"einsum: subscripts {s!r} in {equation!r} do not fit an operand "
                             f"of shape {t.shape} (one letter per dim, or '...')")
        out_inputs.append(s)
    if arrow:
        output = rhs.replace("...", ell)
        used = "".join(out_inputs)
        bad = [c for c in output if c not in used or output.count(c) > 1]
        if bad or not all(c in string.ascii_letters for c in output):
            raise ArgumentError(f"einsum: output subscripts {rhs!r} of {equation!r} must be "
                                f"distinct letters that appear in the inputs")
    else:
        used = "".join(out_inputs)
        output = ell + "".join(sorted(c for c in set(used) if used.count(c) == 1 and c not in ell))
    return out_inputs, output


def _sizes(equation, inputs, operands):
    sizes = {}
    for s, t in zip(inputs, operands):
        for c, n in zip(s, t.shape):
            if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                raise ShapeError(f"einsum: subscript {c!r} of {equation!r} has size {sizes[c]} "
                                 f"in one operand and {n} in another (shapes "
                                 f"{[tuple(o.shape) for o in operands]})")
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]  # a 1 broadcasts, to 0 too
    return sizes


def _diagonals(t, letters):
    """Take the diagonal of every repeated letter ("ii" -> "i")."""
    while len(set(letters)) < len(letters):
        c = next(c for c in letters if letters.count(c) > 1)
        dims = [i for i, d in enumerate(letters) if d == c]
        rest = [i for i in range(len(letters)) if i not in dims]
        t = permute(t, rest + dims)
        n = t.shape[-1]
        if any(t.shape[-k] != n for k in range(1, len(dims) + 1)):
            raise ShapeError(f"einsum: the diagonal of {c!r} needs equal sizes, got shape "
                             f"{t.shape}")
        ar = np.arange(n)
        t = t[(Ellipsis,) + (ar,) * len(dims)]
        letters = "".join(letters[i] for i in rest) + c
    return t, letters


def _sum_out(t, letters, needed):
    drop = [i for i, c in enumerate(letters) if c not in needed]
    if not drop:
        return t, letters
    return _sum(t, tuple(drop)), "".join(c for c in letters if c in needed)


def _contract(a, la, b, lb, needed, sizes):
    """The pairwise contraction as a batched matmul: (batch, left, contracted) @
    (batch, contracted, right)."""
    a, la = _sum_out(a, la, needed | set(lb))
    b, lb = _sum_out(b, lb, needed | set(la))
    batch = [c for c in la if c in lb and c in needed]
    summed = [c for c in la if c in lb and c not in needed]
    left = [c for c in la if c not in lb]
    right = [c for c in lb if c not in la]
    for c in summed:                    # a size-1 contracted dim meets a larger one
        if a.shape[la.index(c)] != b.shape[lb.index(c)]:
            a, b = _expand_to(a, la, c, sizes), _expand_to(b, lb, c, sizes)
    free = [a.shape[la.index(c)] for c in left] + [b.shape[lb.index(c)] for c in right]
    a = permute(a, [la.index(c) for c in batch + left + summed])
    b = permute(b, [lb.index(c) for c in batch + summed + right])
    nb = len(batch)
    k = math.prod(sizes[c] for c in summed)
    a = reshape(a, a.shape[:nb] + (math.prod(a.shape[nb:nb + len(left)]), k))
    b = reshape(b, b.shape[:nb] + (k, math.prod(b.shape[nb + len(summed):])))
    out = matmul(a, b)
    return reshape(out, out.shape[:nb] + tuple(free)), "".join(batch + left + right)


def _expand_to(t, letters, c, sizes):
    shape = list(t.shape)
    shape[letters.index(c)] = sizes[c]
    return expand(t, tuple(shape))


@public(method=True)
def baddbmm(input, batch1, batch2, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2) for (b, n, m) @ (b, m, p); with beta=0
    the input is ignored (its NaN and Inf do not propagate), as PyTorch."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise ShapeError(f"baddbmm: batch1 and batch2 must be 3-d, got {batch1.shape} and "
                         f"{batch2.shape}")
    return add_scaled_product("baddbmm", input, matmul(batch1, batch2), beta, alpha)


def add_scaled_product(op, input, prod, beta, alpha):
    """beta * input + alpha * prod (baddbmm's, addmm's), `input` broadcast to the
    product's shape; with beta=0 the input is ignored."""
    try:
        fits = np.broadcast_shapes(tuple(input.shape), prod.shape) == prod.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"{op}: input of shape {input.shape} does not broadcast to the "
                         f"product's shape {prod.shape}")
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        return prod
    return (input if beta == 1 else input * beta) + prod

