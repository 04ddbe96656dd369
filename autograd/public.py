"""Each public op declares its own name: ``autograd.<name>`` and the Tensor methods come
from the declarations, so no list of op names is kept anywhere else.

- A function written in functions/, reductions.py, ... carries ``@public`` (it becomes
  ``autograd.<name>``), ``@public(method=True)`` (also ``Tensor.<name>``),
  ``@public(function=False, method=True)`` (a method only) or ``@public(name=...)``
  (another name; stacked, an alias).
- A primitive whose public function is its forward on one tensor (exp, log, ...)
  declares ``function = "exp"`` and ``method = True`` on its class in ops/;
  functions/elementwise.py makes the function and declares it here.

The package binds METHODS to Tensor and exports FUNCTIONS (``bind``, ``export``). The
decorator returns the function itself: a call costs nothing more.
``python -m autograd.primitives --public`` prints the list.
"""
from .errors import ArgumentError

FUNCTIONS = {}           # public name -> function: autograd.<name>
METHODS = {}             # method name -> function: Tensor.<name>


def public(fn=None, *, name=None, method=False, function=True):
    """Declare `fn` public under `name` (its own by default): as ``autograd.<name>``
    unless `function` is False, as ``Tensor.<name>`` if `method`."""
    def declare(fn):
        key = name or fn.__name__
        for table, wanted in ((FUNCTIONS, function), (METHODS, method)):
            if wanted:
                if table.get(key, fn) is not fn:
                    raise ArgumentError(f"public: {key} is declared twice ({table[key].__module__} "
                                     f"and {fn.__module__})")
                table[key] = fn
        return fn
    return declare if fn is None else declare(fn)


def bind(cls):
    """Set every declared method on class `cls` (the Tensor)."""
    for key, fn in METHODS.items():
        setattr(cls, key, fn)


def export(namespace):
    """Put every declared function in `namespace` (the package's globals)."""
    namespace.update(FUNCTIONS)
