"""assert_backward_matches: a hand-written backward pass against gradgraph's gradient of
the same numpy forward (through the numpy dispatch) and against central differences."""
import numpy as np

from ..backprop import grad
from ..errors import ArgumentError, NotDifferentiableError
from ..grad_mode import no_grad
from ..graph import _wrap
from ..tensor import Tensor
from ._report import as_array, describe_mismatch, mismatches
from .diagnose import diagnose

# rtol per dtype of the hand-written gradient; atol = rtol * the largest expected |value|.
RTOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-4}
_NUMERIC_EPS, _NUMERIC_RTOL, _NUMERIC_SAMPLES = 1e-6, 1e-4, 100


def _named(inputs):
    if isinstance(inputs, dict):
        return list(inputs), list(inputs.values())
    values = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
    return [f"input {i}" for i in range(len(values))], values


def _is_float(v):
    return np.asarray(as_array(v)).dtype.kind == "f"


def _wrt(wrt, names, values):
    if wrt is None:
        return [i for i, v in enumerate(values) if _is_float(v)]
    items = [wrt] if isinstance(wrt, (str, int)) else list(wrt)
    out = []
    for w in items:
        if isinstance(w, str):
            if w not in names:
                raise ArgumentError(f"assert_backward_matches: wrt={w!r} is not one of the inputs "
                                 f"{names}")
            out.append(names.index(w))
        else:
            out.append(int(w))
    return out


def _hand_gradients(backward, values, names, wrt):
    got = backward(*values)
    if isinstance(got, dict):
        return [got[names[i]] for i in wrt]
    got = list(got) if isinstance(got, (tuple, list)) else [got]
    if len(got) != len(wrt):
        raise AssertionError(f"assert_backward_matches: backward returned {len(got)} "
                             f"gradients for {len(wrt)} inputs "
                             f"({', '.join(names[i] for i in wrt)})")
    return got


def _scalar(value, what):
    if not isinstance(value, Tensor) or value.data.size != 1:
        raise AssertionError(f"assert_backward_matches: {what} must be a scalar Tensor when "
                             f"given Tensors, got {type(value).__name__} of shape "
                             f"{np.shape(as_array(value))}")
    return value.reshape(())


def _tensors(values, wrt, requires_grad):
    out = []
    for i, v in enumerate(values):
        if _is_float(v):
            t = _wrap(np.array(as_array(v), np.float64), None)
            out.append(t.requires_grad_(True) if requires_grad and i in wrt else t)
        elif isinstance(v, np.ndarray) and v.dtype.kind in "iub":
            out.append(_wrap(v, None))
        else:
            out.append(v)
    return out


def _evaluate(forward, loss, values, wrt):
    """loss(forward(values)) as a float (no graph), for central differences."""
    with no_grad():
        out = forward(*_tensors(values, wrt, False))
        value = loss(out) if loss is not None else out
    return float(np.asarray(as_array(value)).reshape(()))


def _numerical(forward, loss, values, wrt, samples, rng):
    """Central differences of the loss at up to `samples` elements of each input in wrt:
    {input index: (flat indices, derivatives)}."""
    base = [np.array(as_array(v), np.float64) if _is_float(v) else v for v in values]
    result = {}
    for i in wrt:
        x = base[i]
        flat = x.reshape(-1)
        picks = np.arange(flat.size) if flat.size <= samples else \
            np.sort(rng.choice(flat.size, samples, replace=False))
        ds = []
        for j in picks:
            orig = flat[j]
            h = _NUMERIC_EPS * max(1.0, abs(orig))
            flat[j] = orig + h
            plus = _evaluate(forward, loss, base, wrt)
            flat[j] = orig - h
            minus = _evaluate(forward, loss, base, wrt)
            flat[j] = orig
            ds.append((plus - minus) / (2 * h))
        result[i] = (picks, np.array(ds))
    return result


def _reference(forward, loss, values, wrt):
    """gradgraph's gradients of the loss (float64), the forward's output, the loss's
    gradient at it, and vjp(phi) per input; raises NotDifferentiableError."""
    ts = _tensors(values, wrt, True)
    out = forward(*ts)
    value = _scalar(loss(out) if loss is not None else out, "the loss" if loss else
                    "the forward's output (pass loss= for a non-scalar output)")
    if value._node is None:
        raise AssertionError("assert_backward_matches: the loss does not depend on the inputs "
                             "in wrt (no graph was recorded)")
    targets = [ts[i] for i in wrt]
    ref = grad(value, targets, retain_graph=True, allow_unused=True, materialize_grads=True)
    if loss is None or not isinstance(out, Tensor) or out._node is None:
        return [g.data for g in ref], None, None
    (g_out,) = grad(value, out, retain_graph=True)

    def vjp(k):
        def fn(phi):
            (p,) = grad(out, [targets[k]], _wrap(g_out.data * phi, None), retain_graph=True,
                        allow_unused=True, materialize_grads=True)
            return p.data
        return fn
    return [g.data for g in ref], (out.data, g_out.data), vjp


def _quantities(output, output_name, names, values):
    a, g = output
    n = output_name
    qs = [(n, a), (f"(1−{n})", 1 - a), (f"{n}·(1−{n})", a * (1 - a)),
          (f"(1−{n}²)", 1 - a * a),
          (f"{n}²", a * a), (f"dL/d{n}", g)]
    qs += [(name, np.asarray(as_array(v), np.float64)) for name, v in zip(names, values)
           if _is_float(v) and np.shape(as_array(v)) == a.shape]
    return qs


def assert_backward_matches(forward, backward, inputs, *, loss=None, wrt=None,
                            output_name="out", rtol=None, atol=None):
    """Assert that a hand-written `backward` gives the gradient of ``loss(forward(...))``.

    `inputs` is a dict name -> array (or a sequence: input 0, 1, ...); `forward(*inputs)`
    is numpy code (run on float64 Tensors through the numpy dispatch to get gradgraph's
    gradient; on arrays too, for central differences); `loss(out)` makes the scalar loss
    (None: the forward returns it). `backward(*inputs)` returns the gradients of the loss
    with respect to `wrt` (names or positions; default every float input) as a tuple in
    that order or a dict by name. Tolerances by the dtype of your gradients: rtol 1e-6
    (float64) or 1e-4 (float32); atol = rtol x the largest expected value.

    The AssertionError names each wrong gradient, its shape, the worst elements with both
    values and their ratio, and a diagnosis where one is certain (sign, constant factor,
    a missing or extra factor such as out·(1−out) or dL/dout, transposed, a broadcast
    where a sum was meant); `output_name` names the forward's output in diagnoses.

    >>> import numpy as np
    >>> x = np.array([[0.5, -1.0], [2.0, 0.3]])
    >>> assert_backward_matches(lambda x: np.sum(x ** 3), lambda x: 3 * x ** 2, {"x": x})
    >>> assert_backward_matches(lambda x: np.sum(x ** 3), lambda x: -3 * x ** 2, {"x": x})
    Traceback (most recent call last):
    ...
    AssertionError: assert_backward_matches: 1 of 1 gradients differ from gradgraph's gradient of the loss
    <BLANKLINE>
    gradient 'x' (shape (2, 2), float64): 4 of 4 elements differ (largest difference 24 at (1, 0); rtol=1e-06, atol=1.2e-05)
        index   yours  expected  ratio
        (1, 0)    -12        12     -1
        (0, 1)     -3         3     -1
        (0, 0)  -0.75      0.75     -1
        (1, 1)  -0.27      0.27     -1
      diagnosis: off by a constant factor -1 (sign)
    <BLANKLINE>
    reference: gradgraph's gradient agrees with central differences at 4 elements
    """
    __tracebackhide__ = True
    names, values = _named(inputs)
    wrt = _wrt(wrt, names, values)
    hand = [as_array(g) for g in _hand_gradients(backward, values, names, wrt)]
    rng = np.random.default_rng(0)
    try:
        ref, output, vjp = _reference(forward, loss, values, wrt)
        source = "gradgraph's gradient of the loss"
    except NotDifferentiableError as err:
        ref, output, vjp, source = None, None, None, f"central differences ({err})"
    numeric = _numerical(forward, loss, values, wrt,
                         _NUMERIC_SAMPLES if ref is not None else 10 ** 9, rng)
    if ref is None:                                   # central differences at every element
        ref = [numeric[i][1].reshape(np.shape(as_array(values[i]))) for i in wrt]
    quantities = _quantities(output, output_name, names, values) if output else ()
    failures = []
    for k, (i, h, e) in enumerate(zip(wrt, hand, ref)):
        dtype = h.dtype if h.dtype.kind == "f" else np.dtype(np.float64)
        r = RTOL.get(dtype, RTOL[np.dtype(np.float64)]) if rtol is None else rtol
        a = r * float(np.max(np.abs(e), initial=0.0)) if atol is None else atol
        a = a or r
        h64 = h.astype(np.float64)
        label = f"gradient {names[i]!r} (shape {e.shape}, {dtype})"
        if h64.shape != e.shape:
            note = diagnose(h64, e, r, a, vjp(k) if vjp else None, quantities)
            failures.append(f"{label}: yours has shape {h64.shape}\n  diagnosis: {note}")
        elif mismatches(h64, e, r, a).any():
            text = f"{label}: {describe_mismatch(h64, e, r, a)}"
            note = diagnose(h64, e, r, a, vjp(k) if vjp else None, quantities)
            failures.append(text + (f"\n  diagnosis: {note}" if note else ""))
    check = _numeric_note(numeric, ref, wrt, names, source)
    if failures:
        raise AssertionError(
            f"assert_backward_matches: {len(failures)} of {len(wrt)} gradients differ from "
            f"{source.split(' (')[0]}\n\n" + "\n\n".join(failures) + f"\n\n{check}")


def _numeric_note(numeric, ref, wrt, names, source):
    if not source.startswith("gradgraph"):
        return f"reference: {source}"
    worst, count = None, 0
    for k, i in enumerate(wrt):
        picks, ds = numeric[i]
        e = ref[k].reshape(-1)[picks]
        scale = float(np.max(np.abs(ref[k]), initial=0.0)) or 1.0
        count += len(picks)
        bad = np.abs(ds - e) > _NUMERIC_RTOL * (np.abs(e) + scale)
        if bad.any() and worst is None:
            j = int(np.argmax(bad))
            idx = tuple(int(v) for v in np.unravel_index(picks[j], ref[k].shape))
            worst = (names[i], idx, float(e[j]), float(ds[j]))
    if worst is None:
        return (f"reference: gradgraph's gradient agrees with central differences at {count} "
                f"elements")
    name, idx, e, d = worst
    return (f"reference: gradgraph's gradient, but it disagrees with central differences at "
            f"{name}{idx} ({e:.6g} vs {d:.6g}): the forward may not be differentiable at "
            f"these inputs (a kink or a tie); pick inputs away from kinks")
