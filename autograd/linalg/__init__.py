"""Linear algebra with torch.linalg's names (``autograd.linalg.<name>``), batched over
leading dims, float32 or float64:

- basic.py: inv, det, slogdet, solve, cholesky, matrix_power, vector_norm, matrix_norm;
  top-level inverse, det, logdet, slogdet (also Tensor methods);
- decomp.py: the factorizations qr, eigh, eigvalsh; top-level qr (torch.qr).

Every primitive's backward rule is written with differentiable ops (matmul, solve, the
factors themselves), so gradients of any order are right by construction."""
from .basic import (LinAlgError, cholesky, det, inv, matrix_norm, matrix_power, slogdet, solve,
                    vector_norm)
from .decomp import eigh, eigvalsh, qr

__all__ = ["LinAlgError", "cholesky", "det", "eigh", "eigvalsh", "inv", "matrix_norm",
           "matrix_power", "qr", "slogdet", "solve", "vector_norm"]
