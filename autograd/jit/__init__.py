"""``compile``: trace a training step once, replay it as straight numpy.

    step = ag.compile(train_step)        # or @ag.compile
    for x, y in loader:
        loss = step(x, y)

The first call(s) run eagerly (``warmup``, so that optimizers make their state); the
next traces the step: it runs for real while every numpy call on the arrays it can
reach is recorded (``tracer``, ``recorder``), and the record becomes a program of
numpy calls on fixed buffers (``program``). Later calls with the same input signature
replay the program: the same numpy calls in the same order on the same dtypes, so the
results are eager's bit for bit. An optimizer step is replayed as its numpy calls, with
the Python numbers it passes them (learning rate, momentum, betas, bias corrections,
step counts) recomputed every replay by the optimizer's ``numbers`` method; scheduler
steps and ``zero_grad`` are replayed as Python calls. So a learning rate or a step count
is never a constant.
"""
from .check import CompileCheckError
from .hooks import general_path, kernel, numbers, replayed, workspace
from .tracer import Escape

__all__ = ["compile", "replayed", "kernel", "numbers", "workspace", "general_path", "Escape",
           "CompileCheckError"]


def compile(fn=None, *, warmup=1, check=0, max_programs=8, strict=False):
    """Compile training (or inference) step `fn`; see the module docstring and
    ``CompiledStep`` (autograd/jit/step.py). Usable as ``@compile`` or
    ``@compile(warmup=2)``."""
    from .step import CompiledStep
    if fn is None:
        return lambda f: CompiledStep(f, warmup, check, max_programs, strict)
    return CompiledStep(fn, warmup, check, max_programs, strict)
