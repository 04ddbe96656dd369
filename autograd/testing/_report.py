"""Failure messages in the style of a good pytest diff: what differs, its shape, the
worst elements with both values and their ratio."""
import numpy as np

# Default tolerances per dtype of the values under test (torch.testing's for
# assert_close; the other checks take theirs from here too).
TOLERANCES = {np.dtype(np.float64): (1e-7, 1e-7), np.dtype(np.float32): (1.3e-6, 1e-5)}


def tolerances(dtype, rtol=None, atol=None):
    """(rtol, atol): the given ones, or the defaults for `dtype` (float64 if not float)."""
    dtype = np.dtype(dtype)
    default = TOLERANCES.get(dtype, TOLERANCES[np.dtype(np.float64)])
    return (default[0] if rtol is None else rtol), (default[1] if atol is None else atol)


def as_array(x):
    """The values of a Tensor, an ndarray or a number, as an ndarray (never detaching
    anything: a Tensor's .data is read, its graph is left alone)."""
    data = getattr(x, "data", None)
    if data is not None and not isinstance(x, np.ndarray):
        return np.asarray(data)
    return np.asarray(x)


def mismatches(actual, expected, rtol, atol):
    """Boolean mask of the elements where |actual - expected| > atol + rtol * |expected|
    (NaN equal to NaN, infinities equal to themselves)."""
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.abs(actual - expected) <= atol + rtol * np.abs(expected)
        close |= (actual == expected) | (np.isnan(actual) & np.isnan(expected))
    return ~close


def _fmt(v):
    return f"{v:.6g}" if np.isfinite(v) else str(v)


def worst_table(actual, expected, rtol, atol, count=5, names=("yours", "expected")):
    """The `count` worst elements, one line each: index, both values, their ratio."""
    with np.errstate(divide="ignore", invalid="ignore"):
        err = np.abs(actual - expected) / (atol + rtol * np.abs(expected))
    err = np.where(np.isnan(err), np.inf, err)
    bad = mismatches(actual, expected, rtol, atol)
    order = np.argsort(-np.where(bad, err, -1).reshape(-1), kind="stable")[:count]
    rows = [("index", names[0], names[1], "ratio")]
    for flat in order:
        if not bad.reshape(-1)[flat]:
            break
        idx = np.unravel_index(flat, actual.shape) if actual.ndim else ()
        a, e = float(actual.reshape(-1)[flat]), float(expected.reshape(-1)[flat])
        ratio = _fmt(a / e) if e != 0 else ("—" if a != 0 else "1")
        rows.append((str(tuple(int(i) for i in idx)), _fmt(a), _fmt(e), ratio))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join("    " + "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                                          for i, (c, w) in enumerate(zip(r, widths))).rstrip()
                      for r in rows)


def describe_mismatch(actual, expected, rtol, atol, names=("yours", "expected")):
    """'3 of 12 elements differ (max abs diff 0.5 at (1, 2); rtol=..., atol=...)' and the
    table of the worst ones."""
    bad = mismatches(actual, expected, rtol, atol)
    n_bad = int(bad.sum())
    with np.errstate(invalid="ignore"):
        diff = np.where(bad, np.abs(actual - expected), 0.0)
    diff = np.where(np.isnan(diff), np.inf, diff)
    at = np.unravel_index(int(np.argmax(diff)), actual.shape) if actual.ndim else ()
    head = (f"{n_bad} of {actual.size} elements differ (largest difference "
            f"{_fmt(float(diff.max()))} at {tuple(int(i) for i in at)}; rtol={rtol:g}, "
            f"atol={atol:g})")
    return head + "\n" + worst_table(actual, expected, rtol, atol, names=names)
