"""The value and input gradients of one case run in gradgraph or in PyTorch, for the
tests that compare the two."""
import numpy as np

import autograd as ag


def run_case(lib, fn, arrays):
    """fn(lib, *inputs) on float64 leaves made from `arrays` (lib is autograd or torch),
    backpropagated with fixed weights: (value, [input gradients]) as numpy arrays."""
    xs = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *xs)
    w = np.linspace(-1.0, 1.0, out.numel()).reshape(out.shape)
    (out * lib.tensor(w, dtype=lib.float64)).sum().backward()
    detach = (lambda t: t.data) if lib is ag else (lambda t: t.detach().numpy())
    return detach(out), [detach(x.grad) for x in xs]
