"""What is wrong with a hand-written gradient, said only where it is cheap and certain.

Every diagnosis is a hypothesis that is checked exactly (to the comparison's
tolerance) before it is said: yours is the expected gradient reshaped, transposed, or
summed over broadcast axes; a constant multiple of it (-1: the sign); or the gradient
you get when the gradient at the forward's output is multiplied elementwise by a known
quantity (a, 1-a, a(1-a), 1-a^2, a^2, dL/da, an input), i.e. a factor is missing or extra
somewhere between the loss and the input, times a constant. Nothing is said otherwise.
"""
import numpy as np

from ._report import mismatches


def _close(actual, expected, rtol, atol):
    return actual.shape == expected.shape and not mismatches(actual, expected, rtol, atol).any()


def _fit(y, p):
    """The constant c minimising |y - c p|, or None if p is zero."""
    pp = float(np.sum(p * p))
    return float(np.sum(y * p)) / pp if pp > 0 else None


def _constant(c, rtol):
    """'-1 (sign)', '2', '0.5', '0.731': a fitted constant as a reader wants it."""
    for nice in (-1.0, 2.0, 0.5, -2.0, -0.5, 3.0, 1 / 3, 4.0, 0.25, 10.0, 0.1):
        if abs(c - nice) <= 10 * rtol * abs(nice):
            return "-1 (sign)" if nice == -1 else f"{nice:g}"
    return f"{c:.6g}"


def broadcast_axes(small, big):
    """The axes of shape `big` that summing reduces to shape `small`, or None if `small`
    does not broadcast to `big`."""
    lead = len(big) - len(small)
    if lead < 0 or any(s not in (b, 1) for s, b in zip(small, big[lead:])):
        return None
    return tuple(range(lead)) + tuple(lead + i for i, (s, b) in enumerate(zip(small, big[lead:]))
                                      if s == 1 and b != 1)


def _informative(e, atol):
    return int(np.sum(np.abs(e) > atol))


def diagnose(yours, expected, rtol, atol, vjp=None, quantities=()):
    """A one-line diagnosis of how `yours` differs from `expected`, or None.

    `vjp(phi)`, if given, returns this input's gradient when the gradient at the
    forward's output is multiplied by the array `phi` (of the output's shape);
    `quantities` are (label, array of the output's shape) candidates for `phi`."""
    y, e = np.asarray(yours, np.float64), np.asarray(expected, np.float64)
    if y.shape != e.shape:
        return _wrong_shape(y, e, rtol, atol, vjp, quantities)
    return _same_shape(y, e, rtol, atol, vjp, quantities)


def _wrong_shape(y, e, rtol, atol, vjp, quantities):
    head = f"wrong shape (expected {e.shape}, got {y.shape})"
    if y.size == e.size and _close(y.reshape(e.shape), e, rtol, atol):
        return head + ": the right values in the wrong shape (a reshape or keepdims slip)"
    if y.ndim >= 2 and np.swapaxes(y, -1, -2).shape == e.shape and \
            _close(np.swapaxes(y, -1, -2), e, rtol, atol):
        return head + ": transposed"
    axes = broadcast_axes(e.shape, y.shape)
    if axes:
        summed = y.sum(axis=axes).reshape(e.shape)
        where = f"summed over axis {axes[0]}" if len(axes) == 1 else f"summed over axes {axes}"
        if _close(summed, e, rtol, atol):
            return (head + f": a broadcast where a sum was meant ({where}, yours is the "
                    f"expected gradient)")
        inner = _same_shape(summed, e, rtol, atol, vjp, quantities)
        if inner:
            return head + f": a broadcast where a sum was meant; {where}, yours is {inner}"
    return head


def _same_shape(y, e, rtol, atol, vjp, quantities):
    if _informative(e, atol) == 0:
        return "non-zero where the expected gradient is zero everywhere"
    if not np.any(np.abs(y) > atol):
        return "zero everywhere, where the expected gradient is not"
    if y.ndim >= 2 and y.shape[-1] == y.shape[-2] and \
            _close(np.swapaxes(y, -1, -2), e, rtol, atol) and not _close(y, e, rtol, atol):
        return "transposed (yours is the expected gradient with its last two axes swapped)"
    if _informative(e, atol) >= 2:
        c = _fit(y, e)
        if c is not None and _close(y, c * e, rtol, atol):
            return f"off by a constant factor {_constant(c, rtol)}"
    if vjp is None:
        return None
    for label, q in quantities:
        q = np.asarray(q, np.float64)
        if not np.all(np.isfinite(q)) or np.ptp(q) <= 1e-6 * (np.max(np.abs(q)) + 1e-300):
            continue                              # not varying: a constant factor above
        hypotheses = [("extra", q)]
        if np.min(np.abs(q)) > 1e-8 * np.max(np.abs(q)):
            hypotheses.insert(0, ("missing", 1.0 / q))
        for kind, phi in hypotheses:
            p = np.asarray(vjp(phi), np.float64)
            if p.shape != e.shape or _informative(p, atol) < 2:
                continue
            c = _fit(y, p)
            if c is None or not _close(y, c * p, rtol, atol):
                continue
            what = (f"a factor {label} is missing (the expected gradient has it)"
                    if kind == "missing" else f"yours has an extra factor {label}")
            constant = "" if abs(c - 1) <= 10 * rtol else \
                f"a constant factor {_constant(c, rtol)} and by "
            return f"off by {constant}a factor that varies as {label}: {what}"
    return None
