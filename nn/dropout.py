"""The dropout layers (``Dropout``, ``Dropout1d/2d/3d``, ``AlphaDropout``,
``FeatureAlphaDropout``): active in training mode only."""
from autograd.errors import ArgumentError

from . import functional as F
from .module import Module


class Dropout(Module):
    """In training, zeros each element with probability p (autograd's seeded generator)
    and scales the rest by 1/(1-p); in eval, the identity."""
    _function = "dropout"

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ArgumentError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return getattr(F, self._function)(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Zeros whole channels of (N, C, L) or (C, L)."""
    _function = "dropout1d"


class Dropout2d(Dropout):
    """Zeros whole channels of (N, C, H, W) or (C, H, W)."""
    _function = "dropout2d"


class Dropout3d(Dropout):
    """Zeros whole channels of (N, C, D, H, W) or (C, D, H, W)."""
    _function = "dropout3d"


class AlphaDropout(Dropout):
    """SELU's dropout (keeps zero mean and unit variance)."""
    _function = "alpha_dropout"


class FeatureAlphaDropout(Dropout):
    """SELU's dropout of whole channels."""
    _function = "feature_alpha_dropout"
