# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 08: DataLoader - Feeding Data to the Training Loop

Module 07 (training) gave us a `Trainer` whose `train_epoch(dataloader)` walks
any iterable of `(inputs, targets)` batches. So far we handed it a hand-made
list. Real data sets are too large for that, and a model trained on the same
order every epoch learns the order. This module builds the three pieces every
framework uses to turn a pile of examples into mini-batches:

- `Dataset`: the interface, "how many examples?" and "give me example i";
- `TensorDataset`: a data set held in memory as Tensors (Module 01 tensor)
  whose rows line up (features, labels, ...);
- `DataLoader`: slices a data set into batches, optionally in a fresh random
  order every epoch.

```
  Dataset (N rows)         DataLoader(batch_size=4, shuffle=True)        Trainer
  +----------------+       +-----------------------------------+       +-----------+
  | x[0]  y[0]     |       | epoch order: 7 2 9 0 | 5 1 8 3 | 6 4  --> | forward   |
  | x[1]  y[1]     |  -->  | batch 0: rows [7 2 9 0]           |       | loss      |
  | ...            |       | batch 1: rows [5 1 8 3]           |       | backward  |
  | x[9]  y[9]     |       | batch 2: rows [6 4]  (partial)    |       | step      |
  +----------------+       +-----------------------------------+       +-----------+
```

Builds on: Module 01 (tensor) only. The loader knows nothing about models, so
it works with the Module 07 (training) `Trainer` or any loop you write.
"""

# %% nbgrader={"grade": false, "grade_id": "dataloader-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.dataloader
#| export
import math
from abc import ABC, abstractmethod

import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. The Dataset interface

A data set is anything that answers two questions. Everything else (files,
augmentation, caching) hides behind them.

```
  len(dataset)   -> N                 how many examples
  dataset[i]     -> (x_i, y_i, ...)   one example, as a tuple of Tensors
```

`Dataset` is an abstract base class, given to you (locked): Python refuses to instantiate a subclass
that forgets one of the two methods, so the mistake shows up at once instead of
deep inside a training loop.
"""

# %% nbgrader={"grade": false, "grade_id": "dataset-base", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| export
class Dataset(ABC):
    """The interface every data set implements: a length and indexed access.

    Provided (and locked): `__len__` and `__getitem__` are abstract, so
    `Dataset()` raises `TypeError` and every subclass must define both.

    EXAMPLE:
    >>> class Squares(Dataset):
    ...     def __len__(self): return 5
    ...     def __getitem__(self, i): return (Tensor([float(i * i)]),)
    >>> len(Squares())
    5
    """

    @abstractmethod
    def __len__(self):
        """Number of examples in the data set."""
        raise NotImplementedError("a Dataset subclass must implement __len__")

    @abstractmethod
    def __getitem__(self, index):
        """Example `index` as a tuple of Tensors (one per field)."""
        raise NotImplementedError("a Dataset subclass must implement __getitem__")

# %% [markdown]
"""
## 2. TensorDataset: rows that line up

Supervised data usually comes as parallel arrays: features `X` of shape
`(N, D)` and labels `y` of shape `(N,)`. Row `i` of every array belongs to
example `i`, so all first dimensions must agree.

```
  X (N, D)          y (N,)
  +---------+       +---+
  | row 0   |  <->  | 2 |    dataset[0]       -> (Tensor(X[0]), Tensor(y[0]))
  | row 1   |  <->  | 0 |    dataset.get_batch([3, 1])
  | ...     |       |...|        -> (Tensor(X[[3, 1]]), Tensor(y[[3, 1]]))
  +---------+       +---+        one numpy gather per field, no Python loop
```

`get_batch(indices)` is the fast path the DataLoader looks for: fancy indexing
gathers a whole batch in one vectorized numpy call.
"""

# %% nbgrader={"grade": false, "grade_id": "tensor-dataset", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION
        return self.tensors[0].shape[0]  # audit: ignore[BITE006] any tensor's first dimension is equivalent: __init__ makes them equal
        ### END SOLUTION

    def __getitem__(self, index):
        ### BEGIN SOLUTION
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"TensorDataset index must be an integer, got {type(index).__name__}")
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} out of range for a dataset of {n} examples")
        return tuple(Tensor(tensor.data[index]) for tensor in self.tensors)
        ### END SOLUTION

    def get_batch(self, indices):
        """Rows `indices` of every tensor, gathered with one numpy call per tensor."""
        ### BEGIN SOLUTION
        indices = np.asarray(indices, dtype=np.intp)
        return tuple(Tensor(tensor.data[indices]) for tensor in self.tensors)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-tensor-dataset", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_tensor_dataset():
    """The Dataset base is abstract; rows line up, batches gather the right rows, mismatches are refused."""
    try:
        Dataset()
        raise AssertionError("Dataset() must not be instantiable")
    except TypeError:
        pass

    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, index):
            return (Tensor([float(index * index)]),)

    squares = Squares()
    assert len(squares) == 5
    assert squares[3][0].data[0] == 9.0
    X = Tensor(np.arange(12, dtype=np.float32).reshape(6, 2))
    y = Tensor(np.array([0, 1, 2, 0, 1, 2]))
    data = TensorDataset(X, y)
    assert len(data) == 6
    x3, y3 = data[3]
    assert np.array_equal(x3.data, [6.0, 7.0]) and int(y3.data) == 0
    assert np.array_equal(data[-1][0].data, [10.0, 11.0]) and np.array_equal(data[-6][0].data, [0.0, 1.0])
    try:
        data[6]
        raise AssertionError("index 6 of 6 examples must raise")
    except IndexError as error:
        assert "out of range" in str(error)
    xb, yb = data.get_batch(np.array([4, 1]))
    assert np.array_equal(xb.data, [[8.0, 9.0], [2.0, 3.0]]) and np.array_equal(yb.data, [1, 1])
    try:
        TensorDataset(X, Tensor(np.zeros(5)))
        raise AssertionError("mismatched first dimensions must raise")
    except ValueError as error:
        assert "first dimension" in str(error)
    try:
        data[6]
        raise AssertionError("out-of-range index must raise")
    except IndexError:
        pass
    print("✅ TensorDataset works")

if __name__ == "__main__":
    test_unit_tensor_dataset()

# %% [markdown]
"""
## 3. DataLoader: batches, shuffled afresh each epoch

The loader turns "N examples" into "ceil(N / batch_size) batches". Shuffling
permutes the row order at the start of *every* pass, so each epoch sees
different batch compositions; the last batch keeps the leftover rows.

```
  N = 10, batch_size = 4                       len(loader) = ceil(10/4) = 3

  epoch 1 order: [3 7 0 9 | 1 4 8 2 | 6 5]     batches of 4, 4, 2
  epoch 2 order: [8 1 5 0 | 9 2 6 3 | 7 4]     new permutation, same sizes
```

Two ways to build a batch:
- fast path: the data set has `get_batch(indices)` (TensorDataset does) and
  gathers all rows in one vectorized call;
- generic path: any `Dataset` returns one example at a time, and the loader
  stacks the fields (`np.stack`) into batch tensors.

Shuffling uses `np.random`, so a caller who seeds numpy gets a reproducible
order.
"""

# %% nbgrader={"grade": false, "grade_id": "collate", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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
    ### BEGIN SOLUTION
    examples = [example if isinstance(example, (tuple, list)) else (example,) for example in examples]
    widths = {len(example) for example in examples}
    if len(widths) != 1:
        raise ValueError(f"examples in one batch have different numbers of fields: {sorted(widths)}")
    batch = []
    for field in zip(*examples):
        arrays = [value.data if isinstance(value, Tensor) else np.asarray(value) for value in field]
        batch.append(Tensor(np.stack(arrays)))
    return tuple(batch)
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "dataloader-class", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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
        ### BEGIN SOLUTION
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(f"DataLoader needs a dataset with __len__ and __getitem__, got {type(dataset).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"batch_size must be an integer, got {type(batch_size).__name__}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        ### END SOLUTION

    def __len__(self):
        ### BEGIN SOLUTION
        return math.ceil(len(self.dataset) / self.batch_size)
        ### END SOLUTION

    def __iter__(self):
        ### BEGIN SOLUTION
        n = len(self.dataset)
        order = np.random.permutation(n) if self.shuffle else np.arange(n)
        gather = getattr(self.dataset, "get_batch", None)
        for start in range(0, n, self.batch_size):
            indices = order[start:start + self.batch_size]
            if gather is not None:
                yield gather(indices)
            else:
                yield collate([self.dataset[int(i)] for i in indices])
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-dataloader", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_dataloader():
    """Batch sizes, coverage, shuffling and the generic stacking path."""
    X = Tensor(np.arange(20, dtype=np.float32).reshape(10, 2))
    y = Tensor(np.arange(10))
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and [b[1].shape[0] for b in batches] == [4, 4, 2]
    assert np.array_equal(np.concatenate([b[1].data for b in batches]), np.arange(10))
    assert np.array_equal(batches[1][0].data, X.data[4:8])

    np.random.seed(0)
    shuffled = DataLoader(TensorDataset(X, y), batch_size=4, shuffle=True)
    epoch1 = np.concatenate([b[1].data for b in shuffled])
    epoch2 = np.concatenate([b[1].data for b in shuffled])
    assert sorted(epoch1) == list(range(10)) and sorted(epoch2) == list(range(10))
    assert not np.array_equal(epoch1, epoch2), "each epoch must draw a new order"
    for xb, yb in shuffled:
        assert np.array_equal(xb.data[:, 0], 2 * yb.data), "rows must stay aligned after shuffling"

    class Pairs(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, index):
            return Tensor([float(index), -float(index)]), Tensor(index)

    xb, yb = next(iter(DataLoader(Pairs(), batch_size=3)))
    singles = [int(b[1].data[0]) for b in DataLoader(Pairs(), batch_size=1)]
    assert singles == [0, 1, 2, 3, 4], "batch_size=1 gives every example, the last one included"
    assert xb.shape == (3, 2) and np.array_equal(yb.data, [0, 1, 2])
    try:
        DataLoader(Pairs(), batch_size=0)
        raise AssertionError("batch_size=0 must raise")
    except ValueError:
        pass
    print("✅ DataLoader works")

if __name__ == "__main__":
    test_unit_dataloader()

# %% [markdown]
"""
## 4. Systems analysis: batch size and the cost of an epoch

Every batch pays a fixed Python overhead (slicing the order, building Tensors),
so an epoch of many tiny batches costs more than an epoch of a few large ones,
even though both touch every row once. And the generic per-example path pays
its overhead per *example*. Let us measure both on the same 1,024 rows.
"""

# %% nbgrader={"grade": false, "grade_id": "analyze-batch-size", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_batch_size_vs_epoch_time(n_rows=1024, n_features=64):
    """Time one shuffled epoch for several batch sizes, fast path vs generic path."""
    import time

    class PerExample(Dataset):
        """Same rows, but no get_batch: forces the per-example stacking path."""

        def __init__(self, inner):
            self.inner = inner

        def __len__(self):
            return len(self.inner)

        def __getitem__(self, index):
            return self.inner[index]

    rng = np.random.default_rng(0)
    data = TensorDataset(Tensor(rng.normal(size=(n_rows, n_features))), Tensor(rng.integers(0, 10, size=n_rows)))
    print(f"Time of one shuffled epoch over {n_rows} rows x {n_features} features, in ms")
    print(f"{'batch':>6} {'batches':>8} {'get_batch path':>15} {'row-by-row path':>16}")
    epoch_ms = {}
    for batch_size in (1, 8, 64, 512):
        for path, dataset in (("gather", data), ("rows", PerExample(data))):
            loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
            start = time.perf_counter()
            for _ in loader:
                pass
            epoch_ms[path, batch_size] = 1000 * (time.perf_counter() - start)
        print(f"{batch_size:>6} {len(loader):>8} {epoch_ms['gather', batch_size]:>15.1f} "
              f"{epoch_ms['rows', batch_size]:>16.1f}")
    print(f"get_batch path, batch 1 vs 512: {epoch_ms['gather', 1] / epoch_ms['gather', 512]:.0f}x slower "
          f"(per-batch overhead); at batch 512 the row-by-row path is "
          f"{epoch_ms['rows', 512] / epoch_ms['gather', 512]:.0f}x slower than one gather per batch.")

if __name__ == "__main__":
    analyze_batch_size_vs_epoch_time()

# %% [markdown]
"""
## 5. Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module-dataloader", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Run every unit test of this module."""
    test_unit_tensor_dataset()
    test_unit_dataloader()
    print("✅ Module 08 (dataloader): all tests passed")

if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- `Dataset` fixes the interface (`len`, indexing) so loaders and training loops
  never care where the data lives.
- `TensorDataset` keeps parallel Tensors and gathers a batch with one fancy
  index per field.
- `DataLoader` yields `ceil(N / batch_size)` batches, keeps the partial last
  batch, and draws a fresh permutation from `np.random` every epoch.
- Measured: per-batch and per-example Python overhead dominate small batches;
  vectorized gathering is what makes large data sets cheap to iterate.

Next, Module 09 (spatial) feeds image batches from this loader into
convolutions.
"""
