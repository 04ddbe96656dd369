"""Muon, with PyTorch's update rule: momentum orthogonalised by a Newton-Schulz
iteration, for the 2-d parameters of hidden layers."""
import numpy as np

from autograd.errors import ArgumentError, ShapeError
from autograd.jit import numbers

from .optimizer import Optimizer, check_hyperparameters, floats, lerp_, state_buffer

_ADJUSTMENTS = (None, "original", "match_rms_adamw")


class Muon(Optimizer):
    r"""Muon (Keller Jordan, 2024) as PyTorch writes it, for 2-d parameters only (use
    AdamW for biases, embeddings and the rest). Per step, g the gradient, B the momentum
    buffer, (a, b, c) the `ns_coefficients`, for a parameter of shape (A, B):

        B <- B + (1 - momentum) (g - B)
        U <- B + (1 - momentum) (g - B)  if nesterov, else B
        X <- U / max(||U||_F, eps), transposed if A > B
        X <- a X + (b X X^T + c (X X^T)^2) X        (`ns_steps` times)
        p <- p * (1 - lr * weight_decay)
        p <- p - lr r X (transposed back),  r = sqrt(max(1, A / B)) ('original', None)
                                                 or 0.2 sqrt(max(A, B)) ('match_rms_adamw')

    PyTorch runs the iteration in bfloat16; gradgraph has no bfloat16 and runs it in
    the parameter's dtype, so its update is the iteration's exact value where PyTorch's
    is off by bfloat16's rounding (a few percent of the update's largest element).
    """

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5,
                 adjust_lr_fn=None):
        check_hyperparameters("Muon", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if adjust_lr_fn not in _ADJUSTMENTS:
            raise ArgumentError(f"Muon: invalid adjust_lr_fn {adjust_lr_fn!r}; it must be "
                                f"None, 'original' or 'match_rms_adamw'")
        super().__init__(params, dict(lr=lr, weight_decay=weight_decay, momentum=momentum,
                                      nesterov=nesterov, ns_coefficients=ns_coefficients,
                                      eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn))

    def add_param_group(self, param_group):
        super().add_param_group(param_group)
        for i, p in enumerate(self.param_groups[-1]["params"]):
            if p.ndim != 2:
                del self.param_groups[-1]
                raise ShapeError(f"Muon: parameter {i} of the group has shape {p.shape}; Muon "
                                 f"only supports 2-d parameters: optimize the others with "
                                 f"another optimizer (AdamW)")

    @numbers                # compile: called again by a replay (hook, see autograd/jit)
    def _numbers(self, group, shape):
        """The numbers the update passes to numpy for a parameter of `shape`: 1 -
        momentum, momentum, 1 - lr * weight decay, -lr r, a, b, c, eps."""
        lr, momentum = group["lr"], group["momentum"]
        rows, cols = shape
        if group["adjust_lr_fn"] == "match_rms_adamw":
            ratio = 0.2 * max(rows, cols) ** 0.5
        else:
            ratio = max(1, rows / cols) ** 0.5
        return floats(1 - momentum, momentum, 1 - lr * group["weight_decay"], -lr * ratio,
                      *group["ns_coefficients"], group["eps"])

    def _branches(self, group):
        return bool(group["weight_decay"]), bool(group["nesterov"]), group["ns_steps"]

    def _update(self, group, params):
        _check_iteration(group)
        for p in params:
            x = p.data
            t1, t2, t3, t4 = self.scratch(p, 4)
            buf = state_buffer(self.state.setdefault(p, {}), "momentum_buffer", x)
            (one_minus_momentum, momentum, decay, neg_lr, a, b, c,
             eps) = self._numbers(group, x.shape)
            g = p.grad.data
            lerp_(buf, g, one_minus_momentum, t1)
            u = buf
            if group["nesterov"]:            # PyTorch's lerp(g, buf, momentum): its formula
                u = np.subtract(g, buf, out=t1)          # for a weight >= 0.5
                u *= one_minus_momentum
                u += buf
            norm = np.maximum(np.sqrt(np.vdot(u, u)), eps)
            np.divide(u, norm, out=t2)
            rows, cols = x.shape
            k, n = min(rows, cols), max(rows, cols)
            ortho = t2.T if rows > cols else t2                 # (k, n): k <= n
            gram = t3.reshape(-1)[:k * k].reshape(k, k)
            poly = t4.reshape(-1)[:k * k].reshape(k, k)
            product = t1.reshape(-1).reshape(k, n)
            for _ in range(group["ns_steps"]):
                np.matmul(ortho, ortho.T, out=gram)
                np.matmul(gram, gram, out=poly)
                poly *= c
                gram *= b
                poly += gram
                np.matmul(poly, ortho, out=product)
                ortho *= a
                ortho += product
            if group["weight_decay"]:
                x *= decay
            t2 *= neg_lr
            x += t2


def _check_iteration(group):
    """PyTorch's checks of the iteration's settings, made at each step as there."""
    if not group["ns_steps"] < 100:
        raise ArgumentError(f"Muon: invalid ns_steps {group['ns_steps']!r}; the number of "
                            f"Newton-Schulz steps must be less than 100")
    if len(group["ns_coefficients"]) != 3:
        raise ArgumentError(f"Muon: invalid ns_coefficients {group['ns_coefficients']!r}; "
                            f"give the three coefficients (a, b, c)")
    if group["adjust_lr_fn"] not in _ADJUSTMENTS:
        raise ArgumentError(f"Muon: invalid adjust_lr_fn {group['adjust_lr_fn']!r}; it must "
                            f"be None, 'original' or 'match_rms_adamw'")
