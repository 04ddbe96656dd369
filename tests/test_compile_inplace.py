"""ag.compile and in-place ops on tensors of the graph: every in-place entry point a user
writes (`*=`, `x[i] = v`, `mul_`, `copy_`, ...) inside a compiled step gives eager's
results bit for bit (twin runs), and where eager refuses the write (a leaf that
requires grad, a shared buffer, a saved value modified), the compiled step raises the
same error. While tracing, arrays are TraceArrays, views of the real ones whose records
hold their buffers too: the in-place checks must see through them, neither refusing
what eager allows nor allowing what eager refuses."""
import sys
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import engine
from autograd.errors import GraphError
from nn import optim
from compile_twins import (assert_same, assert_same_runs, check_twins, flat, normalised, run,
                           state_of, watched)

STEPS = 6


def _data(steps=STEPS, b=5, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return [ag.tensor(rng.standard_normal((b, d)).astype(np.float32)) for _ in range(steps)]


def _build(body):
    """A small MLP + Adam, and a step whose forward is body(model, x)."""
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
    opt = optim.Adam(model.parameters(), lr=1e-2)

    def step(x):
        opt.zero_grad()
        out = body(model, x)
        loss = out if out.data.ndim == 0 else (out * out).mean()
        loss.backward()
        opt.step()
        return loss, out
    return step, watched(model, opt)


def _bits(a):
    """The bytes of an array (so -0.0 and 0.0, or two NaNs, are told apart)."""
    return None if a is None else (a.dtype.str, a.shape, np.ascontiguousarray(a).tobytes())


def _inputs(i, env):
    return (_data()[i],)


def check_body(body, **twin_args):
    """check_twins on _build(body) and the inputs _data(): the same returned values,
    parameters, gradients and Adam state, bit for bit, at every call."""
    return check_twins(lambda: _build(body), STEPS, _inputs, **twin_args)


def check_refused(body):
    """Eager raises a GraphError at every call, and the compiled step the same error."""
    eager, compiled = (run(lambda: _build(body), c, STEPS, _inputs, raises=GraphError)
                       for c in (False, True))
    assert all(h[0] == "raised" and h[1] is GraphError for h in eager.history)
    assert_same_runs(eager, compiled)


def _hidden(model, x):
    return model[0](x)                      # an activation of the graph, (5, 6)


def _rest(model, h):
    return model[2](model[1](h))


# --- in-place ops on an activation of the graph: replayed, bit for bit ----------------
def _imul(m, x):
    h = _hidden(m, x)
    h *= 2
    return _rest(m, h)


def _iadd_tensor(m, x):
    h = _hidden(m, x)
    h += h.exp()                            # the added value is computed from h itself
    return _rest(m, h)


def _isub(m, x):
    h = _hidden(m, x)
    h -= 0.25
    return _rest(m, h)


def _idiv_tensor(m, x):
    h = _hidden(m, x)
    h /= (x[:, :1] * x[:, :1] + 1.0)       # broadcast, from the input
    return _rest(m, h)


def _add_alpha(m, x):
    h = _hidden(m, x)
    h.add_(m[0].bias.sin(), alpha=0.5)     # broadcast, from a parameter
    return _rest(m, h)


def _sub_(m, x):
    h = _hidden(m, x)
    h.sub_(x.sum(1, keepdim=True), alpha=2)
    return _rest(m, h)


def _mul_saved(m, x):
    h = _hidden(m, x)
    h.mul_(m[0](x))                        # Mul saves h's old values: kept as originals
    return _rest(m, h)


def _div_(m, x):
    h = _hidden(m, x)
    h.div_(3.0)
    return _rest(m, h)


def _pow_(m, x):
    h = _hidden(m, x)
    h.pow_(2)
    return _rest(m, h)


def _clamp_(m, x):
    h = _hidden(m, x)
    h.clamp_(-0.3, 0.4)
    return _rest(m, h)


def _masked_fill_(m, x):
    h = _hidden(m, x)
    h.masked_fill_(h.detach() > 0.2, -1.0)   # the mask depends on values, not its shape
    return _rest(m, h)


def _setitem_graph_value(m, x):
    h = _hidden(m, x)
    h[:, 1] = h[:, 0].detach() * 3         # a view read before, out of the graph
    h[0] = 0.5
    return _rest(m, h)


def _setitem_into_buffer(m, x):
    buf = ag.zeros(5, 6)
    buf[1:] = _hidden(m, x)[1:]             # a no-grad buffer joins the graph
    buf[0, 2] = 7.0
    return _rest(m, buf)


def _copy_(m, x):
    h = _hidden(m, x)
    h.copy_(m[0](x).flip(0))
    return _rest(m, h)


def _copy_into_buffer(m, x):
    buf = ag.empty(5, 6)
    buf.copy_(_hidden(m, x))
    return _rest(m, buf)


def _zero_(m, x):
    h = _hidden(m, x)
    g = h * 2
    h.zero_()
    return _rest(m, g + h)


def _fill_(m, x):
    h = _hidden(m, x)
    g = h.exp()
    h.fill_(1.5)
    return _rest(m, g * h)


def _tril_(m, x):
    h = _hidden(m, x)
    h.tril_(1)
    return _rest(m, h)


def _on_a_fresh_view_result(m, x):
    h = _hidden(m, x).reshape(30)          # a view of a temporary nothing else holds
    h *= 1.5
    return _rest(m, h.reshape(5, 6))


def _on_a_transpose_of_a_temporary(m, x):
    h = _hidden(m, x).t()
    h += 1
    return _rest(m, h.t())


def _on_the_loss(m, x):
    loss = (m(x) ** 2).mean()
    loss *= 0.5
    loss += 1.0
    return loss


def _numpy_dunder_out(m, x):
    h = _hidden(m, x)
    np.multiply(h, 2.0, out=h)             # numpy with a Tensor out= (methods._inplace)
    return _rest(m, h)


INPLACE = [_imul, _iadd_tensor, _isub, _idiv_tensor, _add_alpha, _sub_, _mul_saved, _div_,
           _pow_, _clamp_, _masked_fill_, _setitem_graph_value, _setitem_into_buffer, _copy_,
           _copy_into_buffer, _zero_, _fill_, _tril_, _on_a_fresh_view_result,
           _on_a_transpose_of_a_temporary, _on_the_loss, _numpy_dunder_out]


@pytest.mark.parametrize("body", INPLACE, ids=lambda b: b.__name__.strip("_"))
def test_inplace_on_graph_tensors_replays_bit_identical(body):
    check_body(body)


@pytest.mark.parametrize("inplace", [False, True])
def test_inplace_modules(inplace):
    """Dropout(inplace=True) (redrawn every replay) and ReLU(inplace=True). In the other
    order the dropout's write spoils the values relu saved: backward raises, as
    PyTorch's."""
    def body(m, x):
        h = m[0](x)
        h = nn.Dropout(0.3, inplace=inplace)(h)
        h = nn.ReLU(inplace=inplace)(h)
        return _rest(m, h)
    check_body(body)


def test_checked_replays_agree_with_eager():
    """check=k compares replays with eager runs from the same state (CompileCheckError
    otherwise)."""
    check_body(_mul_saved, check=3)
    check_body(_setitem_graph_value, check=3)


# --- where eager refuses: the compiled step raises the same error ----------------------
def _leaf(m, x):
    m[0].weight.mul_(2)
    return m(x)


def _view_written(m, x):
    h = _hidden(m, x)
    v = h[0]
    v *= 2
    return _rest(m, h)


def _viewed_written(m, x):
    h = _hidden(m, x)
    v = h.reshape(30)
    h *= 2
    return _rest(m, v.reshape(5, 6))


def _view_of_a_live_tensor(m, x):
    h = _hidden(m, x)
    v = h.t()
    v += 1                                 # h is alive (and returned): a shared buffer
    return _rest(m, h) + v.sum()


def _view_written_while_the_user_holds_the_array(m, x):
    h = _hidden(m, x)
    a = h.data                             # the user's alias of the buffer
    v = h.reshape(30)
    h = None
    v *= 2                                 # eager: `a` holds the base, a shared buffer
    return _rest(m, v.reshape(5, 6)) + float(a.shape[0])


def _saved_then_modified(m, x):
    h = _hidden(m, x)
    y = h * h                              # saves h
    h += 1
    return _rest(m, y)


def _saved_view_then_owner_modified(m, x):
    c = ag.ones(5, 6)
    y = _hidden(m, x) * c.reshape(5, 6)    # saves a view of c
    c += 1                                 # c has no graph: allowed, marks the buffer
    return _rest(m, y)


def _saved_owner_then_view_modified(m, x):
    c = ag.ones(5, 6)
    y = _hidden(m, x) * c
    v = c[1:]
    v.fill_(2.0)
    return _rest(m, y)


REFUSED = [_leaf, _saved_then_modified, _saved_view_then_owner_modified,
           _saved_owner_then_view_modified]


@pytest.mark.parametrize("body", REFUSED, ids=lambda b: b.__name__.strip("_"))
def test_refused_in_place_raises_as_eager(body):
    check_refused(body)


VIEWS = [_view_written, _viewed_written, _view_of_a_live_tensor,
         _view_written_while_the_user_holds_the_array]


@pytest.mark.parametrize("body", VIEWS, ids=lambda b: b.__name__.strip("_"))
def test_writes_that_views_see_replay_bit_identical(body):
    """A write through a view, or into a tensor whose view is alive, is kept in the graph
    (autograd/views.py: CopySlices and the views' new nodes); the replay is eager's twin."""
    check_body(body)


def test_inplace_is_no_longer_an_escape():
    """strict=True: an in-place op on a graph tensor is replayed, not refused."""
    check_body(_imul, strict=True)


# --- the engine's fast paths take the same branch while tracing ------------------------
def _accumulating(kind):
    """Steps whose backward adds into an existing .grad (engine._accumulate in place)."""
    def build():
        model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
        opt = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
        w = model[0].weight

        def step(x):
            if kind == "zero_grad(set_to_none=False)":
                opt.zero_grad(set_to_none=False)
            elif kind == "two backward calls":
                opt.zero_grad()
            loss = (model(x) ** 2).mean()
            loss.backward()
            if kind == "two backward calls":
                held = w.grad                      # the same Tensor after the second call
                loss2 = model(x * 2).sum()
                loss2.backward()
                assert w.grad is held
                loss = loss + loss2
            opt.step()
            return loss, w.grad.clone()
        return step, watched(model, opt)
    return build


@pytest.mark.parametrize("kind", ["zero_grad(set_to_none=False)", "no zero_grad",
                                  "two backward calls"])
def test_accumulation_into_grad_in_place(kind):
    results = []
    for compiled in (False, True):
        ag.manual_seed(0)
        step, env = _accumulating(kind)()
        model = env["models"][0]
        f = ag.compile(step) if compiled else step
        hist = []
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for x in _data():
                grad_tensors = [p.grad for p in model.parameters()]
                loss, g = f(x)
                # across steps (zero_grad(set_to_none=True) aside: a replay's .grad
                # Tensors are the program's), the same .grad Tensors, added into
                same = [a is b for a, b in zip(grad_tensors, [p.grad for p in model.parameters()])
                        ] if kind != "two backward calls" else None
                hist.append(flat((loss, g)) + [same] + state_of(env))
        results.append((hist, f))
    (eager, _), (comp, f) = results
    assert_same(eager, comp, "calls")
    assert f.replays >= STEPS - 2


def test_saved_grad_modified_by_accumulation_raises_as_eager():
    """A graph that saved a .grad array sees the in-place accumulation into it as a
    write (versions), in a traced step as in eager."""
    def body(m, x):
        w = m[0].weight
        ((m(x) ** 2).mean()).backward(retain_graph=True)
        y = (w.grad * w).sum()                  # saves w.grad's array
        m(x).sum().backward()                   # accumulates into w.grad in place
        return y
    check_refused(body)


def _add_at_results(run):
    """What engine._add_at returned during `run()` (True: a slice's gradient added in
    place into its parent's pending one). Watched with a profile function, which holds
    no reference to the arrays, so the ownership proofs count as without it."""
    got = []

    def watch(frame, event, arg):
        if event == "return" and frame.f_code is engine._add_at.__code__:
            got.append(arg)
    sys.setprofile(watch)
    try:
        run()
    finally:
        sys.setprofile(None)
    return got


def test_slices_of_one_gradient_keep_negative_zeros(monkeypatch):
    """engine._add_at adds a slice's gradient into its parent's pending one in place
    when its reference count proves it may; the out-of-place path adds zeros around the
    slice, turning -0.0 into 0.0 (the bias gradient's bits tell): a traced step takes
    eager's path. Which path eager takes depends on the interpreter (ownership.py: on
    3.14 no count proves anything), so the test compares the paths taken, not a path."""
    def body(m, x):
        h = m[2].weight * 1.0                   # (3, 6): two slices of it
        k, q = h[:, 3:], h[:, :3]
        z = -(x[:3, :3] * x[:3, :3]) * 0.0      # -0.0 everywhere
        return (q * z).sum() + (k * z).sum() + (m[1](m[0](x)) ** 2).mean()
    check_body(body)

    def one_step(compiled):
        ag.manual_seed(0)
        step, env = _build(body)
        f = ag.compile(step) if compiled else step
        took = _add_at_results(lambda: [f(x) for x in _data(3)])
        return took, _bits(env["models"][0][2].weight.grad.data)
    eager, eager_grad = one_step(False)
    traced, _ = one_step(True)              # a warmup call and the trace: no replay calls it
    assert eager and len(set(eager)) == 1, eager        # the graph takes the slice path
    assert traced and set(traced) == set(eager), (traced, eager)
    # the bits tell the paths apart: had eager added in place, forcing the other path
    # changes them (so check_body() above would see a traced step that took the other path)
    monkeypatch.setattr(engine, "_add_at", lambda old, index, g: False)
    _, other_grad = one_step(False)
    assert (other_grad != eager_grad) == eager[0]


# --- what outlives the step: its inputs, and the in-place marks of lasting buffers -------
def _input_writing_run(write, make_input, compiled):
    ag.manual_seed(0)
    model = nn.Linear(4, 3)
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(x):
        opt.zero_grad()
        write(x)
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        return loss
    f = ag.compile(step) if compiled else step
    hist = []
    for x in _data():
        x = make_input(x)
        try:
            got = _bits(f(x).data)
        except Exception as e:                          # noqa: BLE001 (compared below)
            got = (type(e), str(e))
        hist.append((got, _bits(np.asarray(x.data)), _bits(model.weight.data)))
    return hist, f


@pytest.mark.parametrize("write", [
    lambda x: x.sub_(x.mean(0)),
    lambda x: x.clamp_(-0.5, 0.5),
    lambda x: x.__setitem__((slice(None), 0), 0.0),
    lambda x: np.multiply(x, 2.0, out=x),
], ids=["sub_", "clamp_", "setitem", "numpy-out"])
@pytest.mark.parametrize("make_input", [
    lambda x: x,
    lambda x: ag.tensor(np.asfortranarray(x.data)),     # not C-contiguous: copied in
], ids=["contiguous", "fortran"])
def test_inplace_on_an_input_reaches_the_callers_tensor(write, make_input):
    """The step writes into its input: the caller's tensor holds eager's values after
    the trace and after every replay."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eager, _ = _input_writing_run(write, make_input, False)
        compiled, f = _input_writing_run(write, make_input, True)
    assert eager == compiled
    assert f.replays >= STEPS - 2


def test_inplace_on_a_read_only_input_raises_as_eager():
    def make_input(x):
        return ag.tensor(x.data[:1]).expand(5, 4)        # a read-only broadcast view
    def write(x):
        x.mul_(2)
    eager, _ = _input_writing_run(write, make_input, False)
    compiled, _ = _input_writing_run(write, make_input, True)
    assert all(type(got) is tuple and got[0] is GraphError for got, _, _ in eager)
    assert eager == compiled


@pytest.mark.parametrize("what", ["parameter", "input"])
def test_replays_mark_what_the_step_writes_in_place(what):
    """A graph made outside the step that saved a parameter (or the input) sees the
    step's in-place write as one after every replay, as after an eager step."""
    def run(compiled):
        ag.manual_seed(0)
        model = nn.Linear(4, 3)

        def step(x):
            if what == "input":
                x -= 0.5
            loss = (model(x) ** 2).mean()
            loss.backward()
            with ag.no_grad():
                if what == "parameter":
                    model.weight.mul_(0.5)
            return loss
        f = ag.compile(step) if compiled else step
        errors = []
        for x in _data():
            outside = (model(x) * x.sum()).sum()     # saves the weight and x
            f(x)
            try:
                outside.backward()
                errors.append(None)
            except GraphError as e:
                errors.append(normalised(str(e)))
        return errors, f
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eager, _ = run(False)
        compiled, f = run(True)
    assert all(eager) and eager == compiled
    assert f.replays >= STEPS - 2
