"""``Dropout``: active in training mode only."""
from autograd.errors import ArgumentError

from . import functional as F
from .module import Module


class Dropout(Module):
    """In training, zeros each element with probability p (autograd's seeded generator)
    and scales the rest by 1/(1-p); in eval, the identity."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ArgumentError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
