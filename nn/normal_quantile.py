"""Sampling a normal distribution truncated to [a, b] by its inverse CDF, for any
interval, the far tails included (nn.init.trunc_normal_).

Rejection sampling never returns for an interval far in a tail (a = 8 standard
deviations: one draw in 10^15 lands there), and the plain inverse-CDF method loses
every digit there (Phi(8) rounds to 1). So the interval is first mirrored to the left
side of the mean, where Phi is small and exact, a probability is drawn uniformly
between Phi(alpha) and Phi(beta) *in log space*, and mapped back by the normal quantile
function written in terms of log p (Wichura's AS 241, accurate to about 1e-16).
Every draw costs a fixed number of numpy passes: no loop, no rejection.
"""
import math

import numpy as np

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)

# AS 241 (PPND16), Wichura 1988: p close to 1/2 (|q| <= 0.425) ...
_A = [3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
      1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
      3.3430575583588128105e4, 2.5090809287301226727e3]
_B = [1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
      2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
      5.2264952788528545610e3]
# ... r = sqrt(-log p) <= 5 ...
_C = [1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
      3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
      2.27238449892691845833e-2, 7.74545014278341407640e-4]
_D = [1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
      1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
      1.05075007164441684324e-9]
# ... and r > 5 (p < 1.4e-11: the far tail).
_E = [6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
      2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
      2.71155556874348757815e-5, 2.01033439929228813265e-7]
_F = [1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
      7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
      2.04426310338993978564e-15]


def _ratio(num, den, r):
    return np.polyval(num[::-1], r) / np.polyval(den[::-1], r)


def log_ndtr(x):
    """log Phi(x) for a float x (the standard normal CDF), finite down to x ~ -1e150."""
    if x > 0.0:
        return math.log1p(-0.5 * math.erfc(x / math.sqrt(2.0)))
    if x > -25.0:
        return math.log(0.5 * math.erfc(-x / math.sqrt(2.0)))
    # Phi(x) = phi(x) / |x| * (1 - 1/x^2 + 3/x^4 - 15/x^6 + 105/x^8 - ...): the next
    # term is below 1e-11 here.
    z = 1.0 / (x * x)
    return (-0.5 * x * x - math.log(-x) - _LOG_SQRT_2PI
            + math.log1p(z * (-1.0 + z * (3.0 + z * (-15.0 + z * 105.0)))))


def ndtri_log(logp):
    """The standard normal quantile Phi^-1(p) of p = exp(logp) (an array, p in (0, 1]),
    exact where p underflows (logp down to about -1e300)."""
    logp = np.asarray(logp, dtype=np.float64)
    p = np.exp(logp)
    q = p - 0.5
    out = np.empty_like(logp)
    central = np.abs(q) <= 0.425
    if central.any():
        qc = q[central]
        out[central] = qc * _ratio(_A, _B, 0.180625 - qc * qc)
    tail = ~central
    if tail.any():
        left = q[tail] < 0
        # r = sqrt(-log(min(p, 1 - p))): from logp itself on the left, where p is tiny
        r = np.sqrt(-np.where(left, logp[tail], np.log1p(-np.minimum(p[tail], 1.0))))
        near = r <= 5.0
        val = np.where(near, _ratio(_C, _D, np.where(near, r, 5.0) - 1.6),
                       _ratio(_E, _F, np.clip(r, 5.0, 26.0) - 5.0))
        far = r > 26.0                    # p < 1e-293: past AS 241's range
        if far.any():
            val = np.where(far, _far_tail(np.maximum(r, 26.0)), val)
        out[tail] = np.where(left, -val, val)
    return out


def _far_tail(r):
    """-Phi^-1(p) for r = sqrt(-log p) > 26, from log p = -x^2/2 - log(x sqrt(2 pi)) +
    log(1 - 1/x^2 + 3/x^4 - 15/x^6) (Phi's asymptotic series), solved by fixed-point
    steps (each gains a factor 1/x^2 ~ 1e-3 in accuracy)."""
    x = np.sqrt(2.0) * r
    for _ in range(4):
        z = 1.0 / (x * x)
        x = np.sqrt(2.0 * r * r - 2.0 * np.log(x) - 2.0 * _LOG_SQRT_2PI
                    + 2.0 * np.log1p(z * (-1.0 + z * (3.0 - 15.0 * z))))
    return x


def truncated_normal(rng, mean, std, a, b, shape):
    """`shape` draws of N(mean, std^2) conditioned on a <= x <= b (a may be -inf and b
    inf), as float64, from numpy Generator `rng`."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    flip = alpha + beta > 0               # mirror to the side where Phi is small and exact
    if flip:
        alpha, beta = -beta, -alpha
    log_lo = log_ndtr(alpha) if alpha > -math.inf else -math.inf
    log_hi = log_ndtr(beta) if beta < math.inf else 0.0
    u = 1.0 - rng.random(shape)           # (0, 1]: u = 1 gives beta, never log(0)
    # log of (Phi(alpha) + u (Phi(beta) - Phi(alpha))), computed around Phi(beta)
    logp = log_hi + np.log(u + (1.0 - u) * math.exp(log_lo - log_hi))
    x = np.clip(ndtri_log(np.minimum(logp, 0.0)), alpha, beta)
    return mean + std * (-x if flip else x)
