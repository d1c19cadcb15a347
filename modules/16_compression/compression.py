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
# Module 16: Compression - Making Models Smaller

Module 15 (quantization) made every weight cheaper by storing it in 8 bits.
This module asks the next question: which weights can we drop altogether?

You will build:
- `measure_sparsity(model)`: the fraction of weights that are exactly zero;
- `magnitude_prune(model, sparsity)`: zero the smallest weights of the whole model;
- `structured_prune(model, prune_ratio)`: zero whole neurons / conv filters;
- `low_rank_approximate(W, rank_ratio)`: replace one matrix by two thin ones;
- `KnowledgeDistillation`: train a small student from a large teacher's soft labels;
- `compress_model(model, config)` and the `Compressor` namespace.

It builds on module 01 (tensor: weights are `Tensor.data` arrays), 03 (layers:
`Linear.weight` is `(in_features, out_features)`), 04 (losses: `log_softmax`),
05 (autograd: the distillation loss is differentiable), 06 (optimizers: they honour
`param.prune_mask`, so fine-tuning never brings a pruned weight back) and 07 (training).
Module 09 (spatial) supplies the conv filters that structured pruning removes.
Module 14 (profiling) taught us to measure before optimizing; we measure storage and
time here too. Module 17 (memoization) comes next and trades memory for speed instead.

A *model* is any object with `forward` and `parameters()`. Parameters with
`ndim >= 2` are **weight matrices** (Linear and conv weights); 1-D parameters are
biases and norms. Pruning works on weight matrices; biases are left alone except
when structured pruning removes a whole neuron, bias included.
"""

# %% nbgrader={"grade": false, "grade_id": "compression-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp perf.compression
#| export
import numbers

import numpy as np

from tinytorch.core.tensor import Tensor
from tinytorch.core.losses import log_softmax
from tinytorch.core.training import reachable_objects
from tinytorch.perf.profiling import unique_parameters

# %% [markdown]
"""
## Finding the weights of a model

Every function below starts the same way: ask the model for `parameters()`, keep
each Tensor **once** (two layers may share one weight Tensor, e.g. tied embeddings)
and keep the ones with two or more dimensions.

```
model.parameters() -> [W1, b1, W2, b2, W1(shared), b3]
unique             -> [W1, b1, W2, b2, b3]          (by object identity)
weight matrices    -> [W1, W2]                      (ndim >= 2)
```

Pruning records what it removed in `param.prune_mask`, a 0/1 array of the
parameter's shape. Module 06 optimizers multiply gradients, momentum and Adam
moments by that mask, so a pruned weight stays exactly zero during fine-tuning.
These helpers are provided; read them, then build on them.
"""

# %% nbgrader={"grade": false, "grade_id": "compression-helpers", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _unique_parameters(model):
    """Module 14's `unique_parameters` (each shared Tensor once, in order), after checking
    that `model` is a model whose parameters are Tensors."""
    if not callable(getattr(model, "parameters", None)) or not callable(getattr(model, "forward", None)):
        raise ValueError(
            f"expected a model (an object with forward() and parameters()), got {type(model).__name__}"
        )
    unique = unique_parameters(model)
    for param in unique:
        if not isinstance(param, Tensor):
            raise ValueError(f"model.parameters() must return Tensors, found {type(param).__name__}")
    return unique


def _weight_matrices(model):
    """The unique parameters with ndim >= 2; a ValueError if there are none."""
    weights = [p for p in _unique_parameters(model) if p.data.ndim >= 2]
    if not weights:
        raise ValueError(
            f"{type(model).__name__} has no weight matrices (parameters with ndim >= 2) to compress"
        )
    return weights


def _check_fraction(value, name):
    """A number in [0, 1], else a TypeError/ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1], got {type(value).__name__}")
    if not 0.0 <= float(value) <= 1.0:  # also rejects NaN
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return float(value)


def _effective(param):
    """The parameter's values with any earlier prune mask applied."""
    mask = getattr(param, "prune_mask", None)
    return param.data if mask is None else param.data * mask


def _apply_mask(param, keep):
    """Combine `keep` (bool array) with the existing mask and zero the data in place.

    In place (`*=`) keeps the same ndarray, so every layer sharing this Tensor
    sees the pruned values; combining masks means pruning never un-prunes.
    """
    mask = np.asarray(keep, dtype=param.data.dtype)
    old = getattr(param, "prune_mask", None)
    if old is not None:
        mask = mask * old
    param.prune_mask = mask
    param.data *= mask


def _layers_holding_weights(model):
    """Every object reachable from the model (module 07's walk) that has a Tensor `.weight`."""
    return [obj for obj in reachable_objects(model) if isinstance(getattr(obj, "weight", None), Tensor)]


def _count_of(fraction, total):
    """round(fraction * total) with halves rounded up (Python's round() goes to even)."""
    return int(np.floor(fraction * total + 0.5))

# %% [markdown]
"""
## 1. Measuring sparsity

Sparsity is the fraction of weight entries that are exactly zero:

```
W1 (2x3)            W2 (3x1)
[ 0.4  0   -1.2 ]   [ 0  ]      zeros: 2 + 2 = 4
[ 0    0.7  0.3 ]   [ 0.5]      total: 6 + 3 = 9     sparsity = 4/9 = 0.44
                    [ 0  ]
```

Biases are **not** counted: they are a tiny share of the parameters and pruning
leaves them alone, so counting them would only blur the number. A shared weight is
counted once, because it is stored once.
"""

# %% nbgrader={"grade": false, "grade_id": "measure-sparsity", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def measure_sparsity(model):
    """Fraction (0..1) of exactly-zero entries over the model's unique weight matrices.

    TODO: count zeros over every unique parameter with ndim >= 2 (biases excluded).

    APPROACH:
    1. weights = _weight_matrices(model)  (unique, ndim >= 2, ValueError if none)
    2. zeros = total number of entries equal to 0.0 across them
    3. return zeros / total entries, as a Python float

    EXAMPLE:
    >>> layer.weight.data[:] = [[0, 1], [0, 2]]   # one Linear(2, 2)
    >>> measure_sparsity(layer)
    0.5

    HINTS:
    - np.count_nonzero counts the non-zeros; subtract from .size.
    """
    ### BEGIN SOLUTION
    weights = _weight_matrices(model)
    total = sum(w.data.size for w in weights)
    zeros = sum(w.data.size - np.count_nonzero(w.data) for w in weights)
    return float(zeros / total)
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "inline-test-models", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Small explicit models for the inline tests (not exported). Layers are chained by hand.
from tinytorch.core.layers import Linear
from tinytorch.core.activations import ReLU


class TinyMLP:
    """layer1 -> relu -> layer2, the smallest model with two weight matrices."""

    def __init__(self, n_in=8, n_hidden=16, n_out=4):
        self.layer1 = Linear(n_in, n_hidden)
        self.relu = ReLU()
        self.layer2 = Linear(n_hidden, n_out)

    def forward(self, x):
        return self.layer2.forward(self.relu.forward(self.layer1.forward(x)))

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters()


class TiedLayers:
    """Two Linear layers that share ONE weight Tensor (like tied embeddings)."""

    def __init__(self, n=10):
        self.first = Linear(n, n)
        self.second = Linear(n, n)
        self.second.weight = self.first.weight

    def forward(self, x):
        return self.second.forward(self.first.forward(x))

    def parameters(self):
        return self.first.parameters() + self.second.parameters()

# %% nbgrader={"grade": true, "grade_id": "test-measure-sparsity", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_measure_sparsity():
    """4 zeros out of 9 weight entries is 4/9; biases and shared copies are not counted."""
    model = TinyMLP(2, 3, 1)
    model.layer1.weight.data[:] = [[0.4, 0.0, -1.2], [0.0, 0.7, 0.3]]
    model.layer2.weight.data[:] = [[0.0], [0.5], [0.0]]
    model.layer1.bias.data[:] = 0.0  # zero biases must not change the answer
    assert abs(measure_sparsity(model) - 4 / 9) < 1e-12

    tied = TiedLayers(4)
    tied.first.weight.data[:2] = 0.0  # 8 of 16 entries of the one shared matrix
    assert measure_sparsity(tied) == 0.5
    for bad in (object(), [1, 2]):
        try:
            measure_sparsity(bad)
        except ValueError as error:
            assert "model" in str(error)
        else:
            raise AssertionError("a non-model must raise ValueError")
    print("measure_sparsity: OK")

if __name__ == "__main__":
    test_unit_measure_sparsity()

# %% [markdown]
"""
## 2. Magnitude pruning (unstructured)

Small weights contribute little to `x @ W`. Rank all weight entries of the model
by |w| with ONE global threshold (layers that matter more keep more weights) and
zero the smallest `sparsity` fraction:

```
|w| of all weight matrices, sorted:  0.01 0.02 0.05 0.10 | 0.30 0.40 0.90 1.20
                                     \____ 50% pruned ___/  \____ kept ______/
W before            W after (sparsity=0.5)     prune_mask
[ 0.90 -0.02 ]      [ 0.90  0    ]             [ 1 0 ]
[ 0.05  0.40 ]  ->  [ 0     0.40 ]             [ 0 1 ]
```

Exactness: we zero exactly `round(sparsity * N)` entries, picking by a stable
sort, so ties at the threshold cannot push the count over. Entries already pruned
count as magnitude 0 and are picked first, so pruning twice never un-prunes.
"""

# %% nbgrader={"grade": false, "grade_id": "magnitude-prune", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def magnitude_prune(model, sparsity=0.9):
    """Zero the `sparsity` fraction of smallest-|w| weights, globally, in place; return model.

    TODO: one global ranking over all unique weight matrices; biases untouched.

    APPROACH:
    1. Validate sparsity in [0, 1]; weights = _weight_matrices(model)
    2. magnitudes = concatenated |_effective(w)| of all weights (flattened)
    3. n_prune = _count_of(sparsity, magnitudes.size)
    4. keep = all True; keep[indices of the n_prune smallest (stable argsort)] = False
    5. Split keep back into each weight's shape and _apply_mask(w, part)

    EXAMPLE:
    >>> magnitude_prune(model, sparsity=0.7)
    >>> measure_sparsity(model)   # 0.7, to within one element
    0.7

    HINTS:
    - np.argsort(..., kind="stable") breaks ties by position: the count stays exact.
    - Work per weight matrix when splitting back: that loop is over layers, not elements.
    """
    ### BEGIN SOLUTION
    sparsity = _check_fraction(sparsity, "sparsity")
    weights = _weight_matrices(model)
    magnitudes = np.concatenate([np.abs(_effective(w)).ravel() for w in weights])
    n_prune = _count_of(sparsity, magnitudes.size)
    keep = np.ones(magnitudes.size, dtype=bool)
    keep[np.argsort(magnitudes, kind="stable")[:n_prune]] = False
    start = 0
    for w in weights:
        stop = start + w.data.size
        _apply_mask(w, keep[start:stop].reshape(w.data.shape))
        start = stop
    return model
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-magnitude-prune", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_magnitude_prune():
    """Exact global sparsity, smallest weights go first, biases kept, shared Tensor pruned once."""
    model = TinyMLP(8, 16, 4)
    biases = [model.layer1.bias.data.copy(), model.layer2.bias.data.copy()]
    all_w = np.concatenate([model.layer1.weight.data.ravel(), model.layer2.weight.data.ravel()])
    assert magnitude_prune(model, sparsity=0.75) is model
    n_zero = round(0.75 * all_w.size)
    assert abs(measure_sparsity(model) - n_zero / all_w.size) < 1e-12
    survivors = np.concatenate([model.layer1.weight.data.ravel(), model.layer2.weight.data.ravel()])
    # every surviving weight is at least as large as every pruned one
    assert np.abs(survivors[survivors != 0]).min() >= np.sort(np.abs(all_w))[n_zero - 1]
    assert np.array_equal(model.layer1.bias.data, biases[0])
    assert np.array_equal(model.layer2.bias.data, biases[1])
    assert np.array_equal(model.layer1.weight.prune_mask == 0, model.layer1.weight.data == 0)

    tied = TiedLayers(10)
    data_before = tied.first.weight.data
    magnitude_prune(tied, sparsity=0.6)
    assert tied.first.weight is tied.second.weight and tied.first.weight.data is data_before
    assert np.count_nonzero(tied.first.weight.data == 0) == 60  # pruned once: 60 of 100
    print("magnitude_prune: OK")

if __name__ == "__main__":
    test_unit_magnitude_prune()

# %% [markdown]
"""
## 3. Structured pruning

Unstructured zeros are scattered: the matrix keeps its shape, and a dense matmul
still multiplies every zero. Structured pruning removes whole **output neurons**:
a column of a Linear weight `(in, out)` plus its bias entry, or a whole conv
filter `W[o]` of a `(out, in, kh, kw)` weight. We rank neurons of each layer by
the L2 norm of their weights and zero the weakest `prune_ratio` of them.

```
Linear W (in=3, out=4)           column norms: 1.1  0.2  0.9  0.1
[ 0.9  0.1  0.5  0.0 ]           prune_ratio=0.5 -> drop the 2 weakest columns
[ 0.4 -0.1  0.7  0.1 ]   ->      [ 0.9  0  0.5  0 ]   bias: [b0 0 b2 0]
[ 0.5  0.1 -0.3  0.0 ]           [ 0.4  0  0.7  0 ]
                                 [ 0.5  0 -0.3  0 ]
```

A column of zeros can later be cut out of the matrix (and the matching row of the
next layer's weight): the smaller matmul is what finally makes inference faster.
Pass `exclude=[output_layer]` to keep the output layer, whose columns are the classes.
"""

# %% nbgrader={"grade": false, "grade_id": "structured-prune", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def structured_prune(model, prune_ratio=0.5, exclude=()):
    """Zero the weakest `prune_ratio` of output neurons (L2 norm) in every weight matrix.

    2-D weights are Linear `(in, out)`: a neuron is a column (and its bias entry).
    Weights with ndim >= 3 are conv `(out, in, kh, kw)`: a neuron is a filter `W[o]`.
    Masks combine with earlier ones, so sparsity never goes down. `exclude` lists
    weight Tensors or layers to leave untouched (e.g. the output layer). In place.

    TODO: per weight matrix, rank neurons by L2 norm and mask the weakest.

    APPROACH:
    1. Validate prune_ratio; weights = _weight_matrices(model)
    2. biases: for each layer in _layers_holding_weights(model), map id(layer.weight) -> layer.bias
    3. For each weight not excluded: out_axis = 1 if ndim == 2 else 0
       norms = L2 norm of _effective(w) over every axis except out_axis
    4. keep_units = True except the _count_of(prune_ratio, n_out) smallest norms
    5. _apply_mask(w, keep_units broadcast along out_axis); mask the matching biases

    EXAMPLE:
    >>> structured_prune(model, prune_ratio=0.5, exclude=[model.layer2])
    >>> (model.layer1.weight.data == 0).all(axis=0).sum()   # columns fully zero
    8

    HINTS:
    - np.moveaxis(a, out_axis, 0).reshape(n_out, -1) puts one neuron per row.
    """
    ### BEGIN SOLUTION
    prune_ratio = _check_fraction(prune_ratio, "prune_ratio")
    weights = _weight_matrices(model)
    skipped = {id(getattr(item, "weight", item)) for item in exclude}
    biases = {}
    for layer in _layers_holding_weights(model):
        if isinstance(getattr(layer, "bias", None), Tensor):
            biases.setdefault(id(layer.weight), []).append(layer.bias)
    for w in weights:
        if id(w) in skipped:
            continue
        out_axis = 1 if w.data.ndim == 2 else 0
        n_out = w.data.shape[out_axis]
        rows = np.moveaxis(_effective(w), out_axis, 0).reshape(n_out, -1)
        norms = np.linalg.norm(rows, axis=1)
        keep_units = np.ones(n_out, dtype=bool)
        keep_units[np.argsort(norms, kind="stable")[: _count_of(prune_ratio, n_out)]] = False
        shape = [1] * w.data.ndim
        shape[out_axis] = n_out
        _apply_mask(w, np.broadcast_to(keep_units.reshape(shape), w.data.shape))
        for bias in biases.get(id(w), []):
            if bias.data.shape == (n_out,):
                _apply_mask(bias, keep_units)
    return model
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-structured-prune", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_structured_prune():
    """The weakest columns (by L2 norm) and their biases go; excluded layers stay; sparsity never drops."""
    model = TinyMLP(8, 16, 4)
    model.layer1.bias.data[...] = 1.0  # live biases: those of the removed units must go too
    w1 = model.layer1.weight.data.copy()
    weakest = set(np.argsort(np.sqrt((w1 ** 2).sum(axis=0)))[:8].tolist())
    out_before = model.layer2.weight.data.copy()
    structured_prune(model, prune_ratio=0.5, exclude=[model.layer2])
    dead = set(np.flatnonzero((model.layer1.weight.data == 0).all(axis=0)).tolist())
    assert dead == weakest
    assert np.all(model.layer1.bias.data[sorted(dead)] == 0)
    assert np.all(np.delete(model.layer1.bias.data, sorted(dead)) == 1.0)
    assert np.array_equal(model.layer2.weight.data, out_before)

    model = TinyMLP(8, 16, 4)
    magnitude_prune(model, sparsity=0.6)
    before = measure_sparsity(model)
    structured_prune(model, prune_ratio=0.25)
    assert measure_sparsity(model) >= before
    print("structured_prune: OK")

if __name__ == "__main__":
    test_unit_structured_prune()

# %% [markdown]
"""
## 4. Low-rank approximation

A weight `W (m x n)` has `m*n` numbers. Its truncated SVD keeps the `k` strongest
directions: `W ~ (U_k * S_k) @ V_k^T`, two thin factors with `k*(m+n)` numbers.

```
   W (m x n)        A = U_k*S_k (m x k)     B = V_k^T (k x n)
 +-----------+      +---+                   +-----------+
 |           |  ~   |   |   @               +-----------+
 |           |      |   |
 +-----------+      +---+          saves parameters when k < m*n / (m+n)
```

By the Eckart-Young theorem no rank-k matrix is closer to W (in Frobenius norm);
the error is the energy of the dropped singular values, sqrt(sum s_i^2, i > k).
"""

# %% nbgrader={"grade": false, "grade_id": "low-rank", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def low_rank_approximate(weight_matrix, rank_ratio=0.5):
    """Truncated SVD of a 2-D weight: returns numpy factors (A, B) with W ~ A @ B.

    A = U_k * S_k has shape (m, k), B = V_k^T has shape (k, n), where
    k = max(1, round(rank_ratio * min(m, n))). Accepts a Tensor or an array.

    TODO: factor W with np.linalg.svd and keep the k largest singular values.

    APPROACH:
    1. W = weight_matrix.data if it is a Tensor; check ndim == 2 and 0 < rank_ratio <= 1
    2. U, S, Vt = np.linalg.svd(W, full_matrices=False)
    3. k = max(1, _count_of(rank_ratio, min(m, n)))
    4. return U[:, :k] * S[:k], Vt[:k]   (float32)

    EXAMPLE:
    >>> A, B = low_rank_approximate(np.random.randn(64, 32), rank_ratio=0.25)
    >>> A.shape, B.shape
    ((64, 8), (8, 32))

    HINTS:
    - Multiplying U[:, :k] by S[:k] scales its columns (broadcasting).
    """
    ### BEGIN SOLUTION
    W = weight_matrix.data if isinstance(weight_matrix, Tensor) else np.asarray(weight_matrix)
    if W.ndim != 2:
        raise ValueError(f"low_rank_approximate needs a 2-D weight matrix, got shape {W.shape}")
    rank_ratio = _check_fraction(rank_ratio, "rank_ratio")
    if rank_ratio == 0.0:
        raise ValueError("rank_ratio must be > 0 (a rank-0 matrix keeps nothing)")
    U, S, Vt = np.linalg.svd(W.astype(np.float64), full_matrices=False)
    k = max(1, _count_of(rank_ratio, min(W.shape)))
    return (U[:, :k] * S[:k]).astype(np.float32), Vt[:k].astype(np.float32)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-low-rank", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_low_rank_approximate():
    """Shapes, exact recovery of a truly low-rank matrix, and the Eckart-Young error."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((40, 20))
    A, B = low_rank_approximate(W, rank_ratio=0.25)
    assert A.shape == (40, 5) and B.shape == (5, 20)
    s = np.linalg.svd(W, compute_uv=False)
    error = np.linalg.norm(W - A @ B)
    assert abs(error - np.sqrt((s[5:] ** 2).sum())) < 1e-3 * np.linalg.norm(W)
    rank3 = rng.standard_normal((30, 3)) @ rng.standard_normal((3, 12))
    A, B = low_rank_approximate(rank3, rank_ratio=0.25)  # k = 3
    assert np.allclose(A @ B, rank3, atol=1e-4)
    print("low_rank_approximate: OK")

if __name__ == "__main__":
    test_unit_low_rank_approximate()

# %% [markdown]
"""
## 5. Knowledge distillation

Instead of shrinking a model, train a small **student** to imitate a large
**teacher**. The teacher's softened probabilities carry more than the label: they
say which wrong classes are *almost* right. With temperature T and weight alpha:

```
loss = alpha * T^2 * KL( softmax(teacher/T) || softmax(student/T) )
     + (1 - alpha) * CE( student, labels )

teacher logits [4, 1, 0]  T=1: [0.94 0.05 0.02]   T=3: [0.61 0.23 0.16]  (softer)
```

The `T^2` keeps the soft term's gradient the same size whatever T is (its
gradient is `alpha * T * (p_student_T - p_teacher_T)`). Both terms are computed
through `log_softmax` (module 04), which is stable for large logits, and with
Tensor operations, so module 05 differentiates the loss w.r.t. the student's logits.
The teacher's logits are constants: no gradient flows into the teacher.
"""

# %% nbgrader={"grade": false, "grade_id": "knowledge-distillation", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class KnowledgeDistillation:
    """Teacher -> student distillation loss (Hinton et al., 2015).

    loss = alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) * CE(s, y),
    averaged over the batch; a scalar Tensor, >= 0 (zero only if the student
    matches the teacher exactly and the labels are certain).
    """

    def __init__(self, teacher_model, student_model, temperature=3.0, alpha=0.7):
        """Store both models; check temperature > 0 and alpha in [0, 1]."""
        ### BEGIN SOLUTION
        self.alpha = _check_fraction(alpha, "alpha")
        if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
            raise TypeError(f"temperature must be a positive number, got {type(temperature).__name__}")
        if not float(temperature) > 0.0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.temperature = float(temperature)
        self.teacher_model = teacher_model
        self.student_model = student_model
        ### END SOLUTION

    def distillation_loss(self, student_logits, teacher_logits, true_labels):
        """The scalar distillation loss for a batch of (N, C) logits and N integer labels.

        TODO: soft term (KL at temperature T) plus hard term (cross-entropy).

        APPROACH:
        1. student = Tensor (keep it if given: autograd flows); teacher = numpy constant
        2. labels = integer array (N,), each in [0, C); one_hot = np.eye(C)[labels]
        3. log_ps_T = log_softmax(student / T); log_pt_T = stable numpy log-softmax(teacher / T)
        4. kl = (p_t * (log_pt_T - log_ps_T)).sum(axis=-1).mean()
        5. ce = -(one_hot * log_softmax(student)).sum(axis=-1).mean()
        6. return kl * (alpha * T^2) + ce * (1 - alpha)

        EXAMPLE:
        >>> kd = KnowledgeDistillation(teacher, student, temperature=3.0, alpha=0.7)
        >>> loss = kd.distillation_loss(student_logits, teacher_logits, labels)
        >>> loss.shape, loss.item() >= 0
        ((), True)

        HINTS:
        - numpy log-softmax: z - z.max(-1, keepdims=True) - log(sum(exp(...)))
        """
        ### BEGIN SOLUTION
        student = student_logits if isinstance(student_logits, Tensor) else Tensor(student_logits)
        teacher = teacher_logits.data if isinstance(teacher_logits, Tensor) else teacher_logits
        teacher = np.asarray(teacher, dtype=np.float64)  # a constant: no gradient reaches the teacher
        labels = np.asarray(true_labels.data if isinstance(true_labels, Tensor) else true_labels)
        if student.data.ndim != 2 or student.data.shape != teacher.shape:
            raise ValueError(
                f"student and teacher logits must both be (N, C); got {student.data.shape} and {teacher.shape}"
            )
        n, c = teacher.shape
        if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"true_labels must be {n} integer class ids, got shape {labels.shape} dtype {labels.dtype}"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= c):
            raise ValueError(f"true_labels must lie in [0, {c}), got range [{labels.min()}, {labels.max()}]")
        T = self.temperature
        shifted = teacher / T - (teacher / T).max(axis=-1, keepdims=True)
        log_pt = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        log_ps = log_softmax(student / T, dim=-1)
        kl = (Tensor(np.exp(log_pt)) * (Tensor(log_pt) - log_ps)).sum(axis=-1).mean()
        ce = -(Tensor(np.eye(c)[labels]) * log_softmax(student, dim=-1)).sum(axis=-1).mean()
        return kl * (self.alpha * T * T) + ce * (1.0 - self.alpha)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-knowledge-distillation", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def _numpy_distillation(s, t, y, T, alpha):
    """The formula, written independently with plain numpy."""
    def log_softmax_np(z):
        z = z - z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    log_pt = log_softmax_np(t / T)  # log of the teacher's probabilities, finite even where they underflow
    kl = (np.exp(log_pt) * (log_pt - log_softmax_np(s / T))).sum(axis=1).mean()
    ce = -log_softmax_np(s)[np.arange(len(y)), y].mean()
    return alpha * T * T * kl + (1 - alpha) * ce


def test_unit_knowledge_distillation():
    """The loss equals the numpy formula for several alpha/T; bad alpha/T are rejected."""
    rng = np.random.default_rng(1)
    s, t = rng.standard_normal((6, 5)), 3 * rng.standard_normal((6, 5))
    y = rng.integers(0, 5, size=6)
    for T, alpha in [(1.0, 0.5), (3.0, 0.7), (5.0, 1.0), (2.0, 0.0)]:
        loss = KnowledgeDistillation(None, None, temperature=T, alpha=alpha).distillation_loss(s, t, y)
        assert loss.data.size == 1 and np.isfinite(loss.data).all()
        assert abs(loss.item() - _numpy_distillation(s, t, y, T, alpha)) < 1e-4
    # A confident teacher (logit 2000) next to a calm one: each row is shifted by its own maximum.
    confident = t.copy()
    confident[0] = [2000.0, 0.0, 0.0, 0.0, 0.0]
    loss = KnowledgeDistillation(None, None, temperature=2.0, alpha=0.5).distillation_loss(s, confident, y)
    assert abs(loss.item() - _numpy_distillation(s, confident, y, 2.0, 0.5)) < 1e-3
    high = np.array([1, 2, 3, 4, 1, 2])  # valid labels need not include 0
    assert np.isfinite(KnowledgeDistillation(None, None).distillation_loss(s, t, high).item())
    for labels in ([0, 1, 2, 3, 4, -1], [0, 1, 2, 3, 4, 5], [5, 5, 5, 5, 5, 5]):
        try:
            KnowledgeDistillation(None, None).distillation_loss(s, t, np.array(labels))
            raise AssertionError(f"labels {labels} out of [0, 5) must raise")
        except ValueError:
            pass
    for kwargs in ({"alpha": 1.5}, {"alpha": -0.1}, {"temperature": 0.0}, {"temperature": -2.0}):
        try:
            KnowledgeDistillation(None, None, **kwargs)
        except ValueError:
            pass
        else:
            raise AssertionError(f"{kwargs} must raise ValueError")
    print("KnowledgeDistillation: OK")

if __name__ == "__main__":
    test_unit_knowledge_distillation()

# %% [markdown]
"""
## 6. One call for a compression pipeline

`compress_model` applies structured pruning first (whole neurons), then magnitude
pruning up to the requested overall weight sparsity, and reports what changed:

```
config = {"structured_ratio": 0.25, "magnitude_sparsity": 0.7, "exclude": [model.layer2]}
stats  = {"total_parameters": ..., "original_parameters": ..., "final_parameters": ...,
          "sparsity": 0.70, "compression_ratio": ..., "techniques": [...]}
```

"Parameters" in the stats are **non-zero** entries (what a sparse format stores);
`total_parameters` is the dense count, which pruning does not change. Low-rank
factorisation changes the model's structure (two layers instead of one), so it is
not part of this in-place pipeline: call `low_rank_approximate` on a weight yourself.
"""

# %% nbgrader={"grade": false, "grade_id": "compress-model", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
COMPRESSION_KEYS = ("structured_ratio", "magnitude_sparsity", "exclude")


def compress_model(model, compression_config):
    """Apply the configured pruning in place and return a stats dict.

    Config keys: "structured_ratio" (structured_prune ratio), "magnitude_sparsity"
    (target overall weight sparsity), "exclude" (weights/layers structured pruning skips).
    Returns: total_parameters, original_parameters / final_parameters (non-zeros),
    sparsity_before, sparsity (weights only), compression_ratio, techniques.

    TODO: validate the config, record counts, prune, record counts again.

    APPROACH:
    1. Reject non-dict configs (TypeError), unknown keys and bad values (ValueError)
    2. Count non-zeros over _unique_parameters(model) before and after
    3. structured_prune if "structured_ratio" given, then magnitude_prune
    4. Return the stats dict; "techniques" lists what ran, in order

    EXAMPLE:
    >>> compress_model(model, {"magnitude_sparsity": 0.7})["sparsity"]
    0.7

    HINTS:
    - compression_ratio = original non-zeros / final non-zeros
    """
    ### BEGIN SOLUTION
    if not isinstance(compression_config, dict):
        raise TypeError(f"compression_config must be a dict, got {type(compression_config).__name__}")
    unknown = sorted(set(compression_config) - set(COMPRESSION_KEYS))
    if unknown:
        raise ValueError(
            f"unknown compression_config keys {unknown}; expected some of {list(COMPRESSION_KEYS)}"
        )
    for key in ("structured_ratio", "magnitude_sparsity"):
        if key in compression_config:  # validate everything before changing anything
            _check_fraction(compression_config[key], key)
    params = _unique_parameters(model)
    sparsity_before = measure_sparsity(model)  # also checks there are weight matrices
    original = sum(np.count_nonzero(p.data) for p in params)
    techniques = []
    if "structured_ratio" in compression_config:
        ratio = compression_config["structured_ratio"]
        structured_prune(model, ratio, exclude=compression_config.get("exclude", ()))
        techniques.append(f"structured_prune(prune_ratio={ratio})")
    if "magnitude_sparsity" in compression_config:
        sparsity = compression_config["magnitude_sparsity"]
        magnitude_prune(model, sparsity)
        techniques.append(f"magnitude_prune(sparsity={sparsity})")
    final = sum(np.count_nonzero(p.data) for p in params)
    return {
        "total_parameters": sum(p.data.size for p in params),
        "original_parameters": int(original),
        "final_parameters": int(final),
        "sparsity_before": sparsity_before,
        "sparsity": measure_sparsity(model),
        "compression_ratio": original / max(final, 1),
        "techniques": techniques,
    }
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "compressor", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| export
class Compressor:
    """The module's operations in one namespace: `Compressor.magnitude_prune(model, 0.7)`."""

    measure_sparsity = staticmethod(measure_sparsity)
    magnitude_prune = staticmethod(magnitude_prune)
    structured_prune = staticmethod(structured_prune)
    low_rank_approximate = staticmethod(low_rank_approximate)
    compress_model = staticmethod(compress_model)
    KnowledgeDistillation = KnowledgeDistillation

# %% nbgrader={"grade": true, "grade_id": "test-compress-model", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_compress_model():
    """Stats match a manual count; unknown keys and bad values are rejected."""
    model = TinyMLP(8, 16, 4)
    nonzero_before = sum(int(np.count_nonzero(p.data)) for p in model.parameters())
    config = {"structured_ratio": 0.25, "magnitude_sparsity": 0.7, "exclude": [model.layer2]}
    stats = compress_model(model, config)
    params = model.parameters()
    assert stats["original_parameters"] == nonzero_before
    assert stats["compression_ratio"] == nonzero_before / stats["final_parameters"] > 1
    assert compress_model(TinyMLP(8, 16, 4), {"magnitude_sparsity": 0.5})["sparsity"] > 0.4  # one key is enough
    assert stats["total_parameters"] == sum(p.data.size for p in params)
    assert stats["final_parameters"] == sum(int(np.count_nonzero(p.data)) for p in params)
    assert abs(stats["sparsity"] - 0.7) <= 1 / (8 * 16 + 16 * 4)
    assert len(stats["techniques"]) == 2
    bad_configs = (({"sparsity": 0.5}, ValueError), ({"magnitude_sparsity": 1.5}, ValueError), ([0.5], TypeError))
    for config, error in bad_configs:
        try:
            compress_model(TinyMLP(), config)
        except error:
            pass
        else:
            raise AssertionError(f"{config!r} must raise {error.__name__}")
    assert Compressor.measure_sparsity(model) == stats["sparsity"]
    print("compress_model: OK")

if __name__ == "__main__":
    test_unit_compress_model()

# %% [markdown]
"""
## 7. Systems analysis: does pruning save memory and time?

Zeros only save memory if we stop storing them. CSR (compressed sparse row) keeps
the non-zeros plus where they are:

```
[ 5 0 0 ]      data    = [5, 2, 7]       4 bytes each (float32)
[ 0 0 2 ]  ->  indices = [0, 2, 1]       column of each value (int32)
[ 0 7 0 ]      indptr  = [0, 1, 2, 3]    where each row starts (int32)
```

Each kept value costs 8 bytes instead of 4, so CSR only wins past ~50% sparsity.
Time is the same story: a dense matmul multiplies zeros as fast as anything else.
Structured pruning wins because we can *cut* the dead neurons out and multiply
smaller matrices. The cell below measures both; nothing is quoted. (On a busy
machine a multi-threaded BLAS can slow down tenfold for a moment; timing the
variants round-robin and keeping each one's fastest run keeps the comparison fair.)
"""

# %% nbgrader={"grade": false, "grade_id": "systems-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
import time

from tinytorch.core.autograd import no_grad


def to_csr(matrix):
    """CSR arrays (data, indices, indptr) of a 2-D array, built with numpy."""
    rows, cols = np.nonzero(matrix)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=matrix.shape[0]))])
    return matrix[rows, cols], cols.astype(np.int32), indptr.astype(np.int32)


def best_times(functions, repeats=5):
    """Fastest wall time (s) of each function over `repeats` runs, timed round-robin under no_grad.

    On a shared machine load only ever adds time, so the fastest run is the
    cleanest estimate; round-robin spreads bursts of load over all variants.
    """
    times = [[] for _ in functions]
    with no_grad():  # inference records no graph
        for fn in functions:
            fn()  # warm-up
        for _ in range(repeats):
            for fn, bucket in zip(functions, times):
                start = time.perf_counter()
                fn()
                bucket.append(time.perf_counter() - start)
    return [min(bucket) for bucket in times]


def analyze_sparse_storage(size=128):
    """Dense vs CSR bytes of a magnitude-pruned weight at several sparsity levels."""
    weight = Linear(size, size)  # a single layer is a model too: forward + parameters()
    original = weight.weight.data.copy()
    print(f"\nStorage of a {size}x{size} float32 weight, dense vs CSR (measured nbytes)")
    print(f"{'sparsity':>9} {'dense KB':>9} {'CSR KB':>9}  winner")
    for level in (0.0, 0.3, 0.5, 0.6, 0.8, 0.9, 0.95):
        weight.weight.data[:] = original
        weight.weight.prune_mask = None
        magnitude_prune(weight, level)
        csr_bytes = sum(a.nbytes for a in to_csr(weight.weight.data))
        dense_bytes = weight.weight.data.nbytes
        winner = "CSR" if csr_bytes < dense_bytes else "dense"
        print(f"{measure_sparsity(weight):9.0%} {dense_bytes / 1024:9.1f} {csr_bytes / 1024:9.1f}  {winner}")


def analyze_pruning_speed(batch=256, n_in=256, hidden=256, n_out=128, repeats=5):
    """Forward time of one 2-layer MLP: dense, 90% unstructured, 50% structured (zeros kept / neurons cut)."""
    def copy_of(model):
        twin = TinyMLP(n_in, hidden, n_out)
        for mine, theirs in zip(twin.parameters(), model.parameters()):
            mine.data[...] = theirs.data
        return twin

    dense = TinyMLP(n_in, hidden, n_out)
    unstructured = magnitude_prune(copy_of(dense), 0.9)
    structured = copy_of(dense)
    structured_prune(structured, 0.5, exclude=[structured.layer2])
    alive = np.flatnonzero(structured.layer1.weight.prune_mask.any(axis=0))
    small = TinyMLP(n_in, alive.size, n_out)  # physically smaller: cut columns and rows
    small.layer1.weight.data[:] = structured.layer1.weight.data[:, alive]
    small.layer1.bias.data[:] = structured.layer1.bias.data[alive]
    small.layer2.weight.data[:] = structured.layer2.weight.data[alive, :]
    small.layer2.bias.data[:] = structured.layer2.bias.data
    x = Tensor(np.random.randn(batch, n_in))
    assert np.allclose(small.forward(x).data, structured.forward(x).data, atol=1e-4)

    variants = [("dense", dense), ("90% magnitude-pruned (zeros)", unstructured),
                ("50% structured, zeros kept", structured), ("50% structured, neurons cut", small)]
    seconds = best_times([lambda m=model: m.forward(x) for _, model in variants], repeats)
    print(f"\nForward time, batch {batch}, {n_in}->{hidden}->{n_out} (best of {repeats}, round-robin)")
    for (name, _), t in zip(variants, seconds):
        print(f"  {name:<30} {t * 1e3:7.2f} ms  (x{seconds[0] / t:.2f} vs dense)")

if __name__ == "__main__":
    analyze_sparse_storage()
    analyze_pruning_speed()

# %% [markdown]
"""
## Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test, then prune -> run: a pruned model still gives finite outputs of the right shape."""
    test_unit_measure_sparsity()
    test_unit_magnitude_prune()
    test_unit_structured_prune()
    test_unit_low_rank_approximate()
    test_unit_knowledge_distillation()
    test_unit_compress_model()
    model = TinyMLP(8, 16, 4)
    x = Tensor(np.random.randn(5, 8))
    compress_model(model, {"structured_ratio": 0.5, "magnitude_sparsity": 0.9, "exclude": [model.layer2]})
    out = model.forward(x)
    assert out.shape == (5, 4) and np.isfinite(out.data).all()
    print("Module 16 compression: all tests passed")

if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- Sparsity counts exact zeros over unique weight matrices; biases are excluded.
- Magnitude pruning ranks every weight of the model with one global threshold and
  zeros exactly the requested fraction; `prune_mask` keeps those weights at zero
  through module 06 optimizers.
- Structured pruning removes whole neurons and filters; only after cutting them
  out of the matrices does inference get faster, as the timing cell measured.
- CSR storage only beats dense storage past about 50% sparsity (8 bytes per kept value).
- Low-rank factors trade accuracy for `k*(m+n)` instead of `m*n` parameters.
- Distillation trains a small student on the teacher's softened probabilities.

Next, module 17 (memoization) caches attention keys and values so generation
stops recomputing them.
"""
