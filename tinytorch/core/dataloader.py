# Generated from modules/08_dataloader/dataloader.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["Dataset", "TensorDataset", "collate", "DataLoader"]


# modules/08_dataloader/dataloader.py:47
import math
from abc import ABC, abstractmethod

import numpy as np

from tinytorch.core.tensor import Tensor


# modules/08_dataloader/dataloader.py:73
class Dataset(ABC):
    """The interface every data set implements: a length and indexed access.

    Provided (and locked): `__len__` and `__getitem__` are abstract, so
    `Dataset()` raises `TypeError` and every subclass must define both.
    """

    @abstractmethod
    def __len__(self):
        """Number of examples in the data set."""
        raise NotImplementedError("a Dataset subclass must implement __len__")

    @abstractmethod
    def __getitem__(self, index):
        """Example `index` as a tuple of Tensors (one per field)."""
        raise NotImplementedError("a Dataset subclass must implement __getitem__")


# modules/08_dataloader/dataloader.py:120
class TensorDataset(Dataset):
    """A data set made of Tensors whose first dimensions line up."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for position, tensor in enumerate(tensors):
            if not isinstance(tensor, Tensor):
                raise TypeError(f"TensorDataset argument {position} is a {type(tensor).__name__}, expected a Tensor")
            if tensor.data.ndim == 0:
                raise ValueError(f"TensorDataset argument {position} is a scalar; each tensor needs a first (row) dimension")
        lengths = {tensor.shape[0] for tensor in tensors}
        if len(lengths) != 1:
            shapes = ", ".join(str(tensor.shape) for tensor in tensors)
            raise ValueError(f"TensorDataset tensors must have the same first dimension, got shapes {shapes}")
        self.tensors = tensors

    def __len__(self):
        return self.tensors[0].shape[0]  # audit: ignore[BITE006] any tensor's first dimension is equivalent: __init__ makes them equal

    def __getitem__(self, index):
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"TensorDataset index must be an integer, got {type(index).__name__}")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} out of range for a dataset of {n} examples")
        return tuple(Tensor(tensor.data[index]) for tensor in self.tensors)

    def get_batch(self, indices):
        """Rows `indices` of every tensor, gathered with one numpy call per tensor."""
        indices = np.asarray(indices, dtype=np.intp)
        return tuple(Tensor(tensor.data[indices]) for tensor in self.tensors)


# modules/08_dataloader/dataloader.py:262
def collate(examples):
    """Stack a list of examples (tuples of Tensors) into one tuple of batch Tensors."""
    examples = [example if isinstance(example, (tuple, list)) else (example,) for example in examples]
    widths = {len(example) for example in examples}
    if len(widths) != 1:
        raise ValueError(f"examples in one batch have different numbers of fields: {sorted(widths)}")
    batch = []
    for field in zip(*examples):
        arrays = [value.data if isinstance(value, Tensor) else np.asarray(value) for value in field]
        batch.append(Tensor(np.stack(arrays)))
    return tuple(batch)


# modules/08_dataloader/dataloader.py:296
class DataLoader:
    """Iterate over a Dataset in mini-batches, optionally shuffled every epoch."""

    def __init__(self, dataset, batch_size, shuffle=False):
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader needs a dataset with __len__ and __getitem__, got {type(dataset).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"batch_size must be an integer, got {type(batch_size).__name__}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = np.random.permutation(n) if self.shuffle else np.arange(n)
        gather = getattr(self.dataset, "get_batch", None)
        for start in range(0, n, self.batch_size):
            indices = order[start:start + self.batch_size]
            if gather is not None:
                yield gather(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])
