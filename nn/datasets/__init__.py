"""Small bundled datasets (no network, no scikit-learn needed).

``load_digits`` returns the 1,797-sample UCI optical-digits set exactly as
``sklearn.datasets.load_digits`` ships it; see DIGITS-LICENSE.md.
"""

from pathlib import Path

import numpy as np

__all__ = ["Bunch", "load_digits"]

_DIGITS = Path(__file__).with_name("digits.npz")


class Bunch(dict):
    """A dict whose keys can also be read as attributes (``d.data``)."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def load_digits(return_X_y=False):
    """Load the 8x8 handwritten digits dataset (10 classes, pixels 0..16).

    Returns a :class:`Bunch` with ``data`` (float64, (1797, 64)), ``images``
    (float64, (1797, 8, 8)), ``target`` (int64, (1797,)), ``target_names``
    and ``feature_names``, matching scikit-learn's shapes, dtypes and values.
    With ``return_X_y=True`` returns ``(data, target)`` instead.
    """
    with np.load(_DIGITS) as z:
        images = z["images"].astype(np.float64)
        target = z["target"].astype(np.int64)
    data = images.reshape(len(images), -1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=images,
        target=target,
        target_names=np.arange(10),
        feature_names=[f"pixel_{r}_{c}" for r in range(8) for c in range(8)],
    )
