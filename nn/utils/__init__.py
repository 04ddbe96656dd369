"""Training utilities: gradient clipping, parameter vectors, parametrizations (weight and
spectral norm), and ``nn.utils.data``."""
from .clip_grad import (NonFiniteNormError, clip_grad_norm_, clip_grad_value_,
                        clip_grads_with_norm_, get_total_norm)
from . import checkpoint
from .convert_parameters import parameters_to_vector, vector_to_parameters
from . import data, rnn
from . import parametrize, parametrizations
from .weight_norm import remove_weight_norm, weight_norm
from .spectral_norm import remove_spectral_norm, spectral_norm

__all__ = ["NonFiniteNormError", "checkpoint", "clip_grad_norm_", "clip_grad_value_",
           "clip_grads_with_norm_", "data", "get_total_norm", "parameters_to_vector",
           "parametrizations", "parametrize", "remove_spectral_norm", "remove_weight_norm", "rnn",
           "spectral_norm", "vector_to_parameters", "weight_norm"]
