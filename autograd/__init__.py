"""gradgraph's autograd: a numpy Tensor that records a graph, and reverse-mode AD on it.

    import autograd as ag
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()          # x.grad == [2., 4.]
"""
import numpy as np

from . import allocator as _allocator
from .tensor import Tensor, get_default_dtype, set_default_dtype
from . import methods as _methods  # noqa: F401  (binds ops to Tensor)
from . import numpy_dispatch as _numpy_dispatch  # noqa: F401  (numpy calls on Tensors record)
from .creation import (Generator, arange, as_tensor, default_generator, empty, empty_like, eye,
                       from_numpy, full, full_like, get_rng_state, initial_seed, linspace,
                       manual_seed, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                       randperm, seed, set_rng_state, tensor, zeros, zeros_like)
from .backprop import backward, grad
from .grad_mode import (detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled,
                        is_inference_mode_enabled, no_grad, override_backward,
                        record_creation_lines, set_detect_anomaly, set_grad_enabled)
from .graph import RemovableHandle, is_grad_enabled
from .function import Function, FunctionCtx
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .errors import (AnomalyError, ArgumentError, CheckpointError, DtypeError, GradgraphError,
                     GraphError, IntegerOverflowError, MissingDependencyError,
                     NotDifferentiableError, OutOfRangeError, ShapeError)
from . import functional
from .devices import (device, finfo, get_default_device, get_device, get_num_threads, iinfo,
                      set_default_device, set_num_threads)
from . import cuda
from .jit import compile
# The ops: each module declares its public functions and Tensor methods (public.py).
from . import (einsum as _einsum, extras as _extras, functions as _functions,  # noqa: F401
               indexing as _indexing, masking as _masking, methods_inplace as _methods_inplace,
               reductions as _reductions,
               sampling as _sampling, scans as _scans, sorting as _sorting)
from . import (layout as _layout, products as _products, scattering as _scattering,  # noqa: F401
               searching as _searching)
from . import methods_more as _methods_more  # noqa: F401  (more of torch.Tensor's methods)
from . import composites as _composites  # noqa: F401
from . import creation_more as _creation_more, differences as _differences  # noqa: F401
from .toplevel import dtype, e, inf, nan, newaxis, pi
from . import random  # noqa: E402  (autograd.random: the generator's state, fork_rng)
from . import linalg  # noqa: E402  (autograd.linalg; declares inverse, det, logdet, slogdet)
from . import special  # noqa: E402  (autograd.special; declares lgamma's family, i0, igamma)
from . import distributions  # noqa: E402  (autograd.distributions, torch.distributions')
from . import public as _public

_public.export(globals())

# torch's top-level forms of nn.functional's ops (torch.conv2d, torch.dropout, ...) are
# nn's (it sits above autograd): loaded from this module on the first use of one
_NN_FORMS = "nn.toplevel"


def __getattr__(name):
    if not name.startswith("__"):
        import importlib
        forms = importlib.import_module(_NN_FORMS)
        if name in forms.__all__:
            return getattr(forms, name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


def __dir__():
    import importlib
    return sorted(set(globals()) | set(importlib.import_module(_NN_FORMS).__all__))

_public.bind(Tensor)

float32, float64, int64, int32, bool_ = (np.dtype(n) for n in ("float32", "float64", "int64", "int32", "bool"))
# PyTorch's dtype names (they shadow the builtins only inside this namespace: ag.float)
int8, int16, uint8 = (np.dtype(n) for n in ("int8", "int16", "uint8"))
float, double, long, int, bool, short = float32, float64, int64, int32, bool_, int16


_allocator.keep_freed_memory()      # see allocator.py: ~14,000 -> 4 page faults per GPT step
