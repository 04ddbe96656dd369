"""``kl_divergence(p, q)`` = E_p[log p - log q], batched, from the rule registered for the
pair of families (``register_kl``), the most specific one by the classes' MRO, as
``torch.distributions.kl``."""
import math
import warnings

from ..errors import ArgumentError
from ..functions import where
from .bernoulli import Bernoulli
from .categorical import Categorical
from .normal import Normal

_KL_REGISTRY = {}
_KL_MEMOIZE = {}


def register_kl(type_p, type_q):
    """Decorator registering ``fn(p, q)`` as KL(p || q) for p of `type_p`, q of `type_q`
    (and their subclasses, unless a more specific rule is registered)."""
    if not (isinstance(type_p, type) and isinstance(type_q, type)):
        raise ArgumentError(f"register_kl: expected two Distribution classes, got "
                            f"{type_p!r} and {type_q!r}")

    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        _KL_MEMOIZE.clear()
        return fn
    return decorator


def _dispatch(type_p, type_q):
    matches = [(p, q) for p, q in _KL_REGISTRY
               if issubclass(type_p, p) and issubclass(type_q, q)]
    if not matches:
        return NotImplemented
    rank = lambda pair, t, i: t.__mro__.index(pair[i])           # noqa: E731
    left = min(matches, key=lambda m: (rank(m, type_p, 0), rank(m, type_q, 1)))
    right = min(matches, key=lambda m: (rank(m, type_q, 1), rank(m, type_p, 0)))
    if left != right:
        warnings.warn(f"Ambiguous kl_divergence({type_p.__name__}, {type_q.__name__}). "
                      f"Please register_kl({left[0].__name__}, {right[1].__name__})",
                      RuntimeWarning, stacklevel=3)
    return _KL_REGISTRY[left]


def kl_divergence(p, q):
    """KL(p || q) over their broadcast batch shape; NotImplementedError for a pair with no
    registered rule."""
    key = type(p), type(q)
    if key not in _KL_MEMOIZE:
        _KL_MEMOIZE[key] = _dispatch(*key)
    fn = _KL_MEMOIZE[key]
    if fn is NotImplemented:
        raise NotImplementedError(f"No KL(p || q) is implemented for p type "
                                  f"{type(p).__name__} and q type {type(q).__name__}")
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    t1 = p.probs * ((-q.logits).softplus() - (-p.logits).softplus())
    t1 = where(q.probs == 0, math.inf, t1)
    t1 = where(p.probs == 0, 0.0, t1)
    t2 = (1 - p.probs) * (q.logits.softplus() - p.logits.softplus())
    t2 = where(q.probs == 1, math.inf, t2)
    t2 = where(p.probs == 1, 0.0, t2)
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = where(q.probs == 0, math.inf, t)
    t = where(p.probs == 0, 0.0, t)
    return t.sum(-1)
