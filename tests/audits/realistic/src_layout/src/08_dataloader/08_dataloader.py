# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -all
#     formats: py:percent,ipynb
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
# ---

# %% [markdown]
# # Module 08: DataLoader - Feeding Data Efficiently
#
# Training (Module 07) consumed one big array at once. Real datasets do not fit
# in memory, so we stream them in shuffled mini-batches.
#
# ```
#  Dataset ──▶ indices ──▶ shuffle ──▶ batches of 32 ──▶ model
#     │                                    ▲
#     └──── __getitem__(i) ────────────────┘
# ```
#
# In PyTorch you would write:
#
# ```python
# loader = DataLoader(dataset, batch_size=32, shuffle=True)
# model = nn.Sequential(nn.Linear(784, 10))
# for x, y in loader:
#     print(model(x).shape)
# ```
#
# Source of this module: src/08_dataloader/08_dataloader.py (Module 8 in the
# course). Compare with the tensor module, src/01_tensor/01_tensor.py.

# %% nbgrader={"grade": false, "grade_id": "dataloader-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
# | default_exp data.loader
# | export
import logging
import sys
from collections import namedtuple
from typing import Callable, Iterator, List, Tuple, TypeVar

import numpy as np

sys.path.append("../01_tensor")  # so the tensor module imports without the package
np.random.seed(42)

logger = logging.getLogger(__name__)
T = TypeVar("T")
Batch = namedtuple("Batch", ["x", "y"])
DEFAULT_BATCH_SIZE = 32
_RNG = np.random.default_rng(0)

# %% nbgrader={"grade": false, "grade_id": "dataset", "locked": false, "schema_version": 3, "solution": true, "task": false}
# | export
class TensorDataset:
    """Pairs of (features, label) held in memory.

    Example:
        dataset = TensorDataset(np.zeros((10, 3)), np.arange(10))
        for i in range(len(dataset)):
            print(dataset[i])
    """

    def __init__(self, features, labels):
        ### BEGIN SOLUTION
        if len(features) != len(labels):
            raise ValueError(f"features ({len(features)}) and labels ({len(labels)}) differ in length")
        self.features = np.asarray(features)
        self.labels = np.asarray(labels)
        ### END SOLUTION

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return self.features[index], self.labels[index]

# %% nbgrader={"grade": false, "grade_id": "transforms", "locked": false, "schema_version": 3, "solution": true, "task": false}
# | export
class Compose:
    """Apply data transforms one after another (augmentation pipeline, not layers)."""

    def __init__(self, transforms: List[Callable]):
        self.transforms = list(transforms)

    def __call__(self, x):
        ### BEGIN SOLUTION
        for transform in self.transforms:
            x = transform(x)
        return x
        ### END SOLUTION


class RandomFlip:
    """Flip a batch of images left-right with probability p."""

    def __init__(self, p: float = 0.5, seed: int = 0):
        self.p = p
        self.rng = np.random.default_rng(seed)

    def __call__(self, images):
        ### BEGIN SOLUTION
        flip = self.rng.random(len(images)) < self.p
        out = images.copy()
        out[flip] = out[flip][..., ::-1]
        return out
        ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "loader", "locked": false, "schema_version": 3, "solution": true, "task": false}
# | export
class DataLoader:
    """Yields shuffled mini-batches of a dataset."""

    def __init__(self, dataset, batch_size: int = DEFAULT_BATCH_SIZE, shuffle: bool = True, seed: int = 0):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)

    def __iter__(self) -> Iterator[Batch]:
        ### BEGIN SOLUTION
        order = self.rng.permutation(len(self.dataset)) if self.shuffle else np.arange(len(self.dataset))
        for start in range(0, len(order), self.batch_size):
            x, y = self.dataset[order[start : start + self.batch_size]]
            yield Batch(x, y)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-loader", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_dataloader():
    """🔬 Every sample appears exactly once per epoch."""
    dataset = TensorDataset(np.arange(10.0)[:, None], np.arange(10))
    seen = np.concatenate([batch.y for batch in DataLoader(dataset, batch_size=3)])
    assert sorted(seen.tolist()) == list(range(10))


def test_unit_compose():
    """🔬 Compose applies transforms in order."""
    pipeline = Compose([lambda v: v + 1, lambda v: v * 2])
    np.testing.assert_array_equal(pipeline(np.array([1.0])), np.array([4.0]))


class self_test:
    """Old-style namespace some courses use to group their checks."""

    test_unit_dataloader = staticmethod(test_unit_dataloader)


self_test.test_unit_dataloader()
run_later = lambda: test_unit_compose()  # noqa: E731  (defined, not run)

if __name__ == "__main__":
    test_unit_dataloader()
    test_unit_compose()

# %% nbgrader={"grade": false, "grade_id": "analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_batch_size_throughput(sizes=(1, 8, 64)):
    """📊 Samples per second for a few batch sizes (measured, not quoted)."""
    import time

    dataset = TensorDataset(np.random.default_rng(1).standard_normal((512, 16)), np.zeros(512))
    for size in sizes:
        start = time.perf_counter()
        count = sum(len(batch.y) for batch in DataLoader(dataset, batch_size=size))
        elapsed = time.perf_counter() - start
        print(f"batch {size:>3}: {count / elapsed:,.0f} samples/s")


for size in (8, 64):
    analyze_batch_size_throughput((size,))

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """🧪 Module 08 integration: loader + transforms."""
    test_unit_dataloader()
    test_unit_compose()


if __name__ == "__main__":
    test_module()

# %% [markdown]
# ## 🎯 Summary
#
# See `tests/08_dataloader/test_dataloader.py` for the module's own suite and
# Module 09 (Spatial) for convolutions, which consume these batches.
