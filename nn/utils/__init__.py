"""Training utilities: gradient clipping, parameter vectors, and ``nn.utils.data``."""
from .clip_grad import (NonFiniteNormError, clip_grad_norm_, clip_grad_value_,
                        clip_grads_with_norm_, get_total_norm)
from . import checkpoint
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import data, rnn

__all__ = ["NonFiniteNormError", "checkpoint", "clip_grad_norm_", "clip_grad_value_",
           "clip_grads_with_norm_", "data", "get_total_norm", "parameters_to_vector", "rnn",
           "vector_to_parameters"]
