"""Grad-mode context managers and decorators: PyTorch's semantics for inference_mode
and for decorated generator functions (issue 11, item 12)."""
import pytest

import autograd as ag


def leaf(values):
    return ag.tensor(values, requires_grad=True)


@pytest.mark.parametrize("mode", [False, True])
def test_inference_mode_flag_follows_pytorch(mode):
    with ag.no_grad():
        with ag.inference_mode(mode):
            assert ag.is_inference_mode_enabled() is mode
            assert ag.is_grad_enabled() is (not mode)
        assert not ag.is_grad_enabled() and not ag.is_inference_mode_enabled()


def test_inference_mode_false_records_inside_no_grad_and_nests():
    x = leaf([1.0, 2.0])
    with ag.inference_mode():
        assert not (x * 2).requires_grad
        with ag.inference_mode(False):
            y = x * 2
        assert not (x * 2).requires_grad
    assert y.requires_grad
    y.sum().backward()
    assert x.grad.data.tolist() == [2.0, 2.0]


# factories: set_grad_enabled(False) switches the mode when it is made, as in PyTorch
@pytest.mark.parametrize("make", [ag.no_grad, lambda: ag.no_grad, ag.inference_mode,
                                  lambda: ag.inference_mode, lambda: ag.set_grad_enabled(False)])
def test_a_decorated_generator_runs_each_step_in_the_mode_and_the_caller_in_its_own(make):
    decorator = make()
    x = leaf([3.0])
    seen = []

    @decorator
    def steps(n):
        for i in range(n):
            got = yield (x * i, ag.is_grad_enabled())
            seen.append((got, ag.is_grad_enabled()))
        return "done"
    gen = steps(3)
    y, mode = next(gen)
    assert not y.requires_grad and mode is False
    assert ag.is_grad_enabled() and (x * 2).requires_grad      # between the steps
    y, mode = gen.send("a")
    assert not y.requires_grad and mode is False and ag.is_grad_enabled()
    rest = list(gen)
    assert len(rest) == 1 and not rest[0][0].requires_grad
    assert seen == [("a", False), (None, False), (None, False)]
    with pytest.raises(StopIteration) as stop:
        next(steps(0))
    assert stop.value.value == "done"


def test_enable_grad_decorator_on_a_generator_inside_no_grad():
    x = leaf([2.0])

    @ag.enable_grad()
    def gen():
        yield x * x
        yield x * 3
    with ag.no_grad():
        outs = list(gen())
        assert not ag.is_grad_enabled()
    assert all(o.requires_grad for o in outs)
    sum(o.sum() for o in outs).backward()
    assert x.grad.item() == 7.0


def test_exceptions_thrown_into_and_closing_a_decorated_generator():
    log = []

    @ag.no_grad()
    def gen():
        try:
            yield 1
        except ValueError:
            log.append(("caught", ag.is_grad_enabled()))
            yield 2
        finally:
            log.append(("closed", ag.is_grad_enabled()))
    g = gen()
    assert next(g) == 1
    assert g.throw(ValueError("x")) == 2
    g.close()
    assert log == [("caught", False), ("closed", False)]
    assert ag.is_grad_enabled()
