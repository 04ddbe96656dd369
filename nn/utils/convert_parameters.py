"""Parameters as one flat vector, and back."""
import numpy as np

from autograd import Tensor, cat
from autograd.errors import ShapeError
from autograd.graph import mark_modified


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated into one 1-d Tensor (differentiable)."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d `vec` into the parameters, in place."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    data = vec.data if isinstance(vec, Tensor) else np.asarray(vec)
    total = sum(p.data.size for p in params)
    if data.ndim != 1 or data.size != total:
        raise ShapeError(f"vector_to_parameters: expected a 1-d vector of {total} elements "
                         f"(the parameters' total size), got shape {data.shape}")
    offset = 0
    for p in params:
        n = p.data.size
        np.copyto(p.data, data[offset:offset + n].reshape(p.data.shape), casting="same_kind")
        mark_modified(p.data)
        offset += n
