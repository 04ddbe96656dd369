"""``nn.utils.data``: the data-loading API under PyTorch's module path."""
from ..data import (DataLoader, Dataset, Subset, TensorDataset, default_collate,  # noqa: F401
                    random_split)
