"""Training utilities: gradient clipping, parameter vectors, and ``nn.utils.data``."""
from .clip_grad import NonFiniteNormError, clip_grad_norm_, clip_grad_value_
from . import checkpoint
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import data

__all__ = ["NonFiniteNormError", "checkpoint", "clip_grad_norm_", "clip_grad_value_", "data",
           "parameters_to_vector", "vector_to_parameters"]
