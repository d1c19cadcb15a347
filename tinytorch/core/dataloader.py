# Generated from modules/08_dataloader/dataloader.py by `python -m audits.export`: edit the source, not this file.
import math
from abc import ABC, abstractmethod

import numpy as np

from tinytorch.core.tensor import Tensor


class Dataset(ABC):
    """The interface every data set implements: a length and indexed access.

    TODO: Declare `__len__` and `__getitem__` as abstract methods.

    APPROACH:
    1. Inherit from `abc.ABC`.
    2. Decorate both methods with `@abstractmethod`; their bodies only
       raise `NotImplementedError` for subclasses that call `super()`.

    EXAMPLE:
    >>> class Squares(Dataset):
    ...     def __len__(self): return 5
    ...     def __getitem__(self, i): return (Tensor([float(i * i)]),)
    >>> len(Squares())
    5

    HINTS:
    - A class with an abstract method cannot be instantiated: `Dataset()`
      raises `TypeError`, which is what we want.
    """

    @abstractmethod
    def __len__(self):
        """Number of examples in the data set."""
        raise NotImplementedError("a Dataset subclass must implement __len__")

    @abstractmethod
    def __getitem__(self, index):
        """Example `index` as a tuple of Tensors (one per field)."""
        raise NotImplementedError("a Dataset subclass must implement __getitem__")


class TensorDataset(Dataset):
    """A data set made of Tensors whose first dimensions line up.

    TODO: Store the tensors after checking they are Tensors with at least one
    dimension and the same first dimension; implement `__len__`,
    `__getitem__` (one row of each tensor) and `get_batch(indices)` (many rows
    of each tensor at once).

    APPROACH:
    1. Reject an empty argument list, non-Tensors and 0-d tensors (TypeError /
       ValueError naming the problem).
    2. Compare every `t.shape[0]` with the first one; ValueError listing the
       shapes if they differ.
    3. `__getitem__(i)`: check `i` is an integer in `[-N, N)`, return
       `tuple(Tensor(t.data[i]) for t in tensors)`.
    4. `get_batch(indices)`: `tuple(Tensor(t.data[indices]) for t in tensors)`.

    EXAMPLE:
    >>> X, y = Tensor(np.zeros((10, 3))), Tensor(np.arange(10))
    >>> data = TensorDataset(X, y)
    >>> len(data), data[2][0].shape, data.get_batch(np.array([0, 5]))[1].data
    (10, (3,), array([0, 5]))

    HINTS:
    - `Tensor(array)` keeps integer labels integer and floats float32.
    - Fancy indexing `a[np.array([3, 1])]` returns a copy, so a batch never
      aliases the data set.
    """

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
        return self.tensors[0].shape[0]

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


def collate(examples):
    """Stack a list of examples (tuples of Tensors) into one tuple of batch Tensors.

    TODO: Turn `[(x0, y0), (x1, y1), ...]` into `(Tensor(stack(x)), Tensor(stack(y)))`.

    APPROACH:
    1. Wrap a bare (non-tuple) example as a 1-tuple so every example is a tuple.
    2. Check all examples have the same number of fields (ValueError if not).
    3. For each field, `np.stack` the `.data` of that field across examples.

    EXAMPLE:
    >>> xb, yb = collate([(Tensor([1.0, 2.0]), Tensor(0)), (Tensor([3.0, 4.0]), Tensor(1))])
    >>> xb.shape, yb.data
    ((2, 2), array([0, 1]))

    HINTS:
    - Fields may be Tensors, numpy arrays or Python numbers: take `.data` of a
      Tensor and `np.asarray` of anything else.
    - `zip(*examples)` regroups a list of tuples into one tuple per field.
    """
    examples = [example if isinstance(example, (tuple, list)) else (example,) for example in examples]
    widths = {len(example) for example in examples}
    if len(widths) != 1:
        raise ValueError(f"examples in one batch have different numbers of fields: {sorted(widths)}")
    batch = []
    for field in zip(*examples):
        arrays = [value.data if isinstance(value, Tensor) else np.asarray(value) for value in field]
        batch.append(Tensor(np.stack(arrays)))
    return tuple(batch)


class DataLoader:
    """Iterate over a Dataset in mini-batches, optionally shuffled every epoch.

    TODO: Validate the arguments, implement `__len__` (number of batches,
    the last partial batch included) and `__iter__` (yield tuples of batch
    Tensors in sequential or freshly shuffled order).

    APPROACH:
    1. `batch_size` must be a positive int (ValueError/TypeError otherwise);
       the dataset must support `len()` and indexing.
    2. `__len__`: `math.ceil(len(dataset) / batch_size)`.
    3. `__iter__`: `order = np.random.permutation(n)` if shuffle else
       `np.arange(n)`; for each slice `order[start:start + batch_size]`
       yield `dataset.get_batch(indices)` when the dataset has it, else
       `collate([dataset[i] for i in indices])`.

    EXAMPLE:
    >>> data = TensorDataset(Tensor(np.arange(10.0).reshape(10, 1)))
    >>> loader = DataLoader(data, batch_size=4)
    >>> len(loader), [batch[0].shape[0] for batch in loader]
    (3, [4, 4, 2])

    HINTS:
    - Draw the permutation inside `__iter__`, not `__init__`: each `for`
      loop over the loader is one epoch and must get a new order.
    - A generator method (`yield`) keeps the loader itself reusable.
    """

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
