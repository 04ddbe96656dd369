"""Adafactor, with PyTorch's update rule: second moments factored into a row and a
column average for parameters of two or more dimensions."""
import numpy as np

from autograd.errors import ArgumentError
from autograd.jit import numbers

from .optimizer import Optimizer, check_hyperparameters, cpu_options, floats, lerp_


class Adafactor(Optimizer):
    r"""Adafactor (Shazeer and Stern, 2018) as PyTorch writes it. Per step t, g the gradient
    (negated if `maximize`), beta_t = 1 - t^beta2_decay, rho_t = min(lr, 1 / sqrt(t)),
    RMS(x) = ||x|| / sqrt(numel x), eps1 the dtype's machine epsilon if None:

        alpha <- max(eps2, RMS(p)) * rho_t
        p <- p * (1 - lr * weight_decay)
        R <- beta_t R + (1 - beta_t) mean(g^2, last dim)         (p of 2 or more dims:
        C <- beta_t C + (1 - beta_t) mean(g^2, next-to-last dim)  R (..., m, 1), C (..., 1, n))
        V <- R C / max(mean(R, next-to-last dim), eps1)
        V <- beta_t V + (1 - beta_t) g^2                          (otherwise: V of p's shape)
        U <- g / sqrt(max(V, eps1^2))
        p <- p - alpha / max(1, RMS(U) / d) * U

    The state is ``step`` and ``row_var`` and ``col_var``, or ``variance``, as PyTorch's.
    """

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        name = "Adafactor"
        check_hyperparameters(name, lr=lr)
        if not beta2_decay <= 0.0:
            raise ArgumentError(f"{name}: invalid beta2_decay {beta2_decay!r}; it must be <= 0")
        eps1, eps2 = eps
        if eps1 is not None:
            check_hyperparameters(name, epsilon1=eps1)
        check_hyperparameters(name, epsilon2=eps2)
        if not d >= 1.0:
            raise ArgumentError(f"{name}: invalid clipping threshold d {d!r}; it must be >= 1")
        check_hyperparameters(name, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d,
                                      weight_decay=weight_decay,
                                      **cpu_options(name, foreach, keys=("foreach",)),
                                      maximize=maximize))

    def _state_shape(self, key, shape):
        if key == "row_var":
            return shape[:-1] + (1,)
        if key == "col_var":
            return shape[:-2] + (1,) + shape[-1:]
        return shape

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, state, shape, dtype):
        """Counts `state`'s step; the numbers the update passes to numpy: 1 - beta_t,
        -rho_t, eps2, sqrt(numel), 1 - lr * weight decay, the last two sizes (1 for a
        vector), eps1, eps1^2, sqrt(numel) d and 1."""
        lr, (eps1, eps2) = group["lr"], group["eps"]
        step = state["step"] = state["step"] + 1
        if eps1 is None:
            eps1 = np.finfo(dtype).eps
        root = float(np.prod(shape)) ** 0.5
        rows, cols = shape[-2:] if len(shape) > 1 else (1, 1)
        return floats(step ** group["beta2_decay"], -min(lr, 1 / step ** 0.5), eps2, root,
                      1 - lr * group["weight_decay"], cols, rows, eps1, eps1 * eps1,
                      root * group["d"], 1.0)

    def _branches(self, group):
        return bool(group["weight_decay"]), bool(group["maximize"])

    def _update(self, group, params):
        maximize = group["maximize"]
        for p in params:
            x = p.data
            t1, t2, t3 = self.scratch(p, 3)
            state = self.state.get(p)
            if state is None:
                state = self.state[p] = {"step": 0}
                if x.ndim > 1:
                    state["row_var"] = np.zeros(self._state_shape("row_var", x.shape), x.dtype)
                    state["col_var"] = np.zeros(self._state_shape("col_var", x.shape), x.dtype)
                else:
                    state["variance"] = np.zeros_like(x)
            (beta, neg_rho, eps2, root, decay, cols, rows, eps1, eps1_sq, root_d,
             one) = self._numbers(group, state, x.shape, x.dtype)
            g = np.negative(p.grad.data, out=t1) if maximize else p.grad.data
            # -alpha, from p before its decay
            neg_alpha = np.maximum(np.divide(np.sqrt(np.vdot(x, x)), root), eps2) * neg_rho
            if group["weight_decay"]:
                x *= decay
            if x.ndim > 1:
                v = self._factored(state, g, t2, t3, beta, cols, rows, eps1)
            else:
                v = state["variance"]
                lerp_(v, np.multiply(g, g, out=t2), beta, t2)
            v = np.maximum(v, eps1_sq, out=t2)
            np.reciprocal(np.sqrt(v, out=v), out=v)
            u = np.multiply(v, g, out=t1)
            clip = np.maximum(np.divide(np.sqrt(np.vdot(u, u)), root_d), one)
            u *= np.divide(neg_alpha, clip)
            x += u

    @staticmethod
    def _factored(state, g, t2, t3, beta, cols, rows, eps1):
        """Updates the row and column factors R and C from `g` (..., m, n); returns V
        = R C / max(mean of R, eps1) in `t2`. Sums by einsum: no axis numbers, which
        a replay could not tell from the step's."""
        row_var, col_var = state["row_var"], state["col_var"]
        batch = g.shape[:-2]
        size = row_var.size
        row_mean = t2.reshape(-1)[:size].reshape(row_var.shape[:-1])
        np.einsum("...ij,...ij->...i", g, g, out=row_mean)
        row_mean /= cols
        row_mean = row_mean.reshape(row_var.shape)
        lerp_(row_var, row_mean, beta, row_mean)
        col_mean = t3.reshape(-1)[:col_var.size].reshape(batch + col_var.shape[-1:])
        np.einsum("...ij,...ij->...j", g, g, out=col_mean)
        col_mean /= rows
        col_mean = col_mean.reshape(col_var.shape)
        lerp_(col_var, col_mean, beta, col_mean)
        v = np.matmul(row_var, col_var, out=t2)
        mean = t3.reshape(-1)[:size // row_var.shape[-2]].reshape(batch)     # (...)
        np.einsum("...ij->...", row_var, out=mean)
        mean /= rows
        np.maximum(mean, eps1, out=mean)
        v /= mean.reshape(batch + (1, 1))
        return v
