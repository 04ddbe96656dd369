"""Linear algebra with torch.linalg's names (``autograd.linalg.<name>``), batched over
leading dims, float32 or float64:

- basic.py: inv, solve, cholesky, matrix_power; top-level inverse, matrix_power (also
  Tensor methods);
- decomp.py: the factorizations qr, eigh, eigvalsh, svd, svdvals; top-level qr and svd
  (torch.qr, torch.svd; also Tensor methods);
- ex.py: cholesky_ex, inv_ex, solve_ex (result and info, no error unless asked);
- lu.py: lu_factor, lu_factor_ex, lu, lu_solve; top-level lu_unpack and torch.lu,
  torch.lu_solve (also Tensor methods);
- derived.py: det, slogdet, pinv, matrix_exp, lstsq, householder_product, cross,
  multi_dot; top-level det, slogdet, logdet, pinverse, matrix_exp (also Tensor methods);
- norms.py: vector_norm, matrix_norm, norm, cond, matrix_rank;
- solvers.py: solve_triangular, tensorinv, tensorsolve, vecdot, vander, matmul, diagonal;
  top-level cholesky (torch.cholesky), cholesky_solve, cholesky_inverse (also Tensor
  methods), chain_matmul.

Every primitive's backward rule is written with differentiable ops (matmul, solve, the
factors themselves), so gradients of any order are right by construction."""
from .basic import LinAlgError, cholesky, inv, matrix_power, solve
from .decomp import eigh, eigvalsh, qr, svd, svdvals
from .ex import cholesky_ex, inv_ex, solve_ex
from .lu import lu, lu_factor, lu_factor_ex, lu_solve
from .derived import (cross, det, householder_product, lstsq, matrix_exp, multi_dot, pinv,
                      slogdet)
from .norms import cond, matrix_norm, matrix_rank, norm, vector_norm
from .solvers import (diagonal, matmul, solve_triangular, tensorinv, tensorsolve, vander,
                      vecdot)

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eigh", "eigvalsh",
           "householder_product", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm",
           "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
           "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander", "vecdot",
           "vector_norm"]
