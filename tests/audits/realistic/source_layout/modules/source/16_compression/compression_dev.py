# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.17.1
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 17: Compression - Making Models Smaller

Welcome to Module 17! You'll learn how to shrink neural networks by removing the
weights that matter least. 🚀

## 🔗 Prerequisites & Progress
**You've Built**: Tensors (Module 01), profiling (Module 14: Profiling) and
quantization (Module 15 - Quantization).
**You'll Build**: pruning, low-rank factorisation and knowledge distillation.
**You'll Enable**: Module 17 (KV Cache) trades memory for speed next.

## 📦 Where This Code Lives in the Final Package

**Learning Side:** You work in `modules/source/17_compression/compression_dev.py`
**Building Side:** Code exports to `tinytorch/optimization/compression.py`

```python
# How to use this module:
from tinytorch.optimization.compression import magnitude_prune, measure_sparsity

model = Sequential(Linear(784, 128), ReLU(), Linear(128, 10))
magnitude_prune(model, sparsity=0.9)
print(f"Sparsity: {measure_sparsity(model):.1%}")
for layer in model.layers:
    x = layer.forward(x)
test_unit_measure_sparsity()
```
"""

# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false} tags=["setup"]
#| default_exp optimization.compression
#| export

import copy
import time
from typing import Dict, List, Optional

import numpy as np

# Prefer the package; fall back to the earlier module's source while developing.
try:
    from tinytorch.core.tensor import Tensor
except ImportError:
    from tensor_dev import Tensor

# %time is a notebook magic; jupytext keeps it commented out in the .py file
# %time _ = np.zeros((1000, 1000))
# %%time
# %matplotlib inline

EPSILON = 1e-12
BYTES_PER_FLOAT32 = np.dtype(np.float32).itemsize

# %% nbgrader={"grade": false, "grade_id": "two-layer-net", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class TwoLayerNet:
    """A model with explicit, named layers: students see every step of the data flow."""

    def __init__(self, w1, w2):
        self.w1 = Tensor(w1)
        self.w2 = Tensor(w2)

    def forward(self, x):
        hidden = np.maximum(x @ self.w1.data, 0.0)
        return hidden @ self.w2.data

    def parameters(self):
        return [self.w1, self.w2]

# %% [markdown]
# ## Part 1: Measuring sparsity
#
# Sparsity is the fraction of weights that are exactly zero:
#
# ```
#    Dense (0% sparse)          Sparse (75% sparse)
#   ┌───┬───┬───┬───┐          ┌───┬───┬───┬───┐
#   │2.1│1.3│0.8│1.9│          │2.1│ 0 │ 0 │1.9│
#   ├───┼───┼───┼───┤   ──▶    ├───┼───┼───┼───┤
#   │0.7│2.4│1.1│0.3│          │ 0 │2.4│ 0 │ 0 │
#   └───┴───┴───┴───┘          └───┴───┴───┴───┘
# ```
#
# ```python
# model = Linear(4, 3)
# for p in model.parameters():
#     print(p.shape)
# test_unit_measure_sparsity()
# ```
#
# The reference solution lives in tinytorch/optimization/compression.py once exported.

# %% nbgrader={"grade": false, "grade_id": "measure-sparsity", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def measure_sparsity(model) -> float:
    """
    Fraction of weights in the model that are exactly zero.

    TODO: Count zeros over every weight matrix (ndim >= 2) of the model.

    APPROACH:
    1. Collect `model.parameters()` with two or more dimensions
    2. Count the zeros and the total number of entries
    3. Return zeros / total

    EXAMPLE:
    >>> model = Sequential(Linear(4, 3), ReLU(), Linear(3, 2))
    >>> magnitude_prune(model, sparsity=0.5)
    >>> measure_sparsity(model)
    0.5

    HINTS:
    - Skip biases: they are 1-D
    - `np.sum(w == 0)` counts zeros
    """
    ###  BEGIN SOLUTION
    weights = [p.data for p in model.parameters() if p.data.ndim >= 2]
    total = sum(w.size for w in weights)
    zeros = sum(int(np.sum(w == 0)) for w in weights)
    return zeros / max(total, 1)
    ### END SOLUTION

# %% [markdown]
"""
### 🧪 Unit Test: measure_sparsity

This test builds a tiny model by hand:

    layer = Linear(2, 2)
    layer.weight.data[:] = [[0, 1], [0, 2]]
    assert measure_sparsity(model) == 0.5
"""

# %% nbgrader={"grade": true, "grade_id": "test-measure-sparsity", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_measure_sparsity():
    """🔬 Test sparsity measurement functionality."""
    print("🔬 Unit Test: Measure Sparsity...")
    model = TwoLayerNet(np.array([[0.0, 1.0], [0.0, 2.0]]), np.ones((2, 1)))
    assert abs(measure_sparsity(model) - 1 / 3) < 1e-9
    print("✅ measure_sparsity works correctly!")

if __name__ == '__main__':
    test_unit_measure_sparsity()

# %% nbgrader={"grade": false, "grade_id": "magnitude-prune", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def magnitude_prune(model, sparsity: float = 0.9):
    """
    Zero the smallest-magnitude weights of the whole model.

    TODO: Find the global threshold and zero everything below it.

    EXAMPLE:
    >>> model = Sequential(Linear(10, 5), Linear(5, 2))
    >>> magnitude_prune(model, sparsity=0.8)

    HINTS:
    - `np.percentile(np.abs(all_weights), sparsity * 100)`
    """
    ### BEGIN SOLUTION
    weights = [p for p in model.parameters() if p.data.ndim >= 2]
    flat = np.concatenate([np.abs(w.data).ravel() for w in weights])
    threshold = np.percentile(flat, sparsity * 100)
    for w in weights:
        w.data[np.abs(w.data) <= threshold] = 0.0
    return model
    ### END SOLUTION

# %% nbgrader={'grade': True, 'grade_id': 'test-magnitude-prune', 'locked': True, 'points': 10, 'schema_version': 3, 'solution': False, 'task': False}
def test_unit_magnitude_prune():
    """🔬 Test magnitude pruning."""
    model = TwoLayerNet(np.arange(1.0, 5.0).reshape(2, 2), np.ones((2, 1)))
    magnitude_prune(model, sparsity=0.5)
    assert np.sum(model.w1.data == 0) >= 2

try:
    test_unit_magnitude_prune()
except Exception as error:
    print(f"⚠️ magnitude pruning test failed: {error}")

# %% nbgrader={"grade": false, "grade_id": "low-rank", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def low_rank_approximate(weight: np.ndarray, rank_ratio: float = 0.5):
    """Best rank-k approximation of a weight matrix via SVD.

    ```
    W (m x n)  ≈  U_k (m x k)  @  V_k (k x n)
    ```
    """
    ### begin solution
    u, s, vt = np.linalg.svd(weight, full_matrices=False)
    k = max(1, int(len(s) * rank_ratio))
    return u[:, :k] * s[:k], vt[:k]
    ### end solution

# %% nbgrader={"grade": true, "grade_id": "test-low-rank", "locked": true, "points": "5", "schema_version": 3, "solution": false, "task": false}
def test_unit_low_rank_approximate():
    """🔬 A rank-1 matrix is reproduced exactly by a rank-1 factorisation."""
    w = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])
    left, right = low_rank_approximate(w, rank_ratio=0.5)
    np.testing.assert_allclose(left @ right, w, atol=1e-9)

if __name__ == "__main__" and "--skip-slow" not in __import__("sys").argv:
    test_unit_low_rank_approximate()

# %% [markdown] nbgrader={"grade": false, "grade_id": "low-rank", "locked": true, "schema_version": 3, "solution": false, "task": false}
"""
## Part 3: Knowledge distillation

A large *teacher* trains a small *student* on softened probabilities:

```
  teacher(x) ──▶ softmax(z_t / T) ──┐
                                    ├──▶ KL divergence ──▶ loss
  student(x) ──▶ softmax(z_s / T) ──┘
```

Example (do not run here):

    teacher = Sequential(Linear(784, 512), ReLU(), Linear(512, 10))
    kd = KnowledgeDistillation(teacher, student, temperature=3.0)
    for epoch in range(10):
        loss = kd.distillation_loss(student(x), teacher(x), y)
"""

# %% nbgrader={"grade": false, "grade_id": "distillation", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class KnowledgeDistillation:
    """Distillation loss: alpha * soft loss + (1 - alpha) * hard loss."""

    def __init__(self, teacher, student, temperature: float = 3.0, alpha: float = 0.7):
        self.teacher = teacher
        self.student = student
        self.temperature = temperature
        self.alpha = alpha

    def _softmax(self, logits):
        z = logits / self.temperature
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def distillation_loss(self, student_logits, teacher_logits, labels):
        """Combined soft + hard loss (a float)."""
        ### BEGIN SOLUTION
        p_t = self._softmax(teacher_logits)
        p_s = self._softmax(student_logits)
        soft = float(np.sum(p_t * (np.log(p_t + EPSILON) - np.log(p_s + EPSILON))) / len(labels))
        probs = self._softmax(student_logits * self.temperature)
        hard = float(-np.mean(np.log(probs[np.arange(len(labels)), labels] + EPSILON)))
        return self.alpha * soft * self.temperature ** 2 + (1 - self.alpha) * hard
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-distillation", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_knowledge_distillation():
    """🔬 Identical teacher and student logits give zero soft loss."""
    kd = KnowledgeDistillation(None, None, temperature=2.0, alpha=1.0)
    logits = np.array([[1.0, 2.0, 3.0]])
    loss = kd.distillation_loss(logits, logits, np.array([2]))
    if abs(loss) > 1e-9:
        raise RuntimeError(f"expected zero loss, got {loss}")

if "__main__" == __name__:
    test_unit_knowledge_distillation()

# %% nbgrader={"grade": false, "grade_id": "analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_pruning_speed(size: int = 256, repeats: int = 5):
    """📊 Does 90% unstructured sparsity make a dense matmul faster? (No.)"""
    rng = np.random.default_rng(0)
    dense = rng.standard_normal((size, size)).astype(np.float32)
    pruned = dense.copy()
    pruned[np.abs(pruned) < np.percentile(np.abs(pruned), 90)] = 0.0
    x = rng.standard_normal((size, size)).astype(np.float32)
    timings = {}
    for name, w in (("dense", dense), ("90% pruned", pruned)):
        start = time.perf_counter()
        for _ in range(repeats):
            _ = x @ w
        timings[name] = (time.perf_counter() - start) / repeats
    for name, seconds in timings.items():
        print(f"{name:>12}: {seconds * 1e3:.2f} ms")
    return timings

# Run with: %timeit analyze_pruning_speed()
try:
    if __name__ == "__main__":
        analyze_pruning_speed()
except KeyboardInterrupt:
    pass

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 20, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """🧪 Run every unit test of the module."""
    test_unit_measure_sparsity()
    test_unit_magnitude_prune()
    test_unit_low_rank_approximate()
    test_unit_knowledge_distillation()
    print("🎉 All compression tests passed!")

if __name__ == "__main__":
    print("🚀 Running Compression module...")
    test_module()
    print("✅ Module validation complete!")

# %% [markdown]
"""
## 🎯 Module Summary

You built magnitude pruning, low-rank factorisation and distillation.
Next, Module 17: Memoization caches attention keys and values.
Run `python modules/source/16_compression/compression_dev.py` to check your work.
"""
