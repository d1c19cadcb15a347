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
# Module 04: Losses - Measuring How Wrong a Model Is

Training needs one number that says how bad the current predictions are; the
optimizer then pushes the parameters to make that number smaller. You will
build the three losses that cover most of this course:

| loss | predictions | targets | used for |
|---|---|---|---|
| `MSELoss` | any real values | same shape | regression |
| `CrossEntropyLoss` | logits `(N, C)` | class ids `(N,)` | multi-class classification |
| `BinaryCrossEntropyLoss` | probabilities in [0, 1] | 0/1, same shape | yes/no classification |

plus `log_softmax(x, dim=-1)`, the numerically stable heart of cross-entropy.

It builds on Module 01 (Tensor) for the arithmetic, Module 02 (Activations) for
the softmax shift trick and Module 03 (Layers) whose outputs it scores. Like the
activations, every loss is written with Tensor primitives (`- * /`, `exp`,
`log`, `clip`, `sum`, `mean`, indexing), so Module 05 (Autograd) differentiates
it without knowing it exists; only `log_softmax` is one fused operation, which
Module 05 knows by name.

Every loss is called as `loss_fn(predictions, targets)` and returns a **scalar
Tensor**, the **mean** over the batch. The mean (rather than the sum) keeps the
loss, and the size of its gradients, independent of the batch size, so the same
learning rate works for batches of 8 or 512.
"""

# %% nbgrader={"grade": false, "grade_id": "losses-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.losses
#| export
import numpy as np

from tinytorch.core.tensor import Tensor, record

# The clip bound for the arguments of BCE's logs: each log term is at least log(1e-7) = -16.1.
BCE_EPS = 1e-7

# %% [markdown]
"""
## Checking the inputs

Loss functions are where silent shape bugs hide. `predictions` of shape `(N, 1)`
minus `targets` of shape `(N,)` broadcasts to `(N, N)` and averages N^2
meaningless differences without any error. So every loss checks shapes and
value ranges first and says exactly what is wrong.
"""

# %% nbgrader={"grade": false, "grade_id": "losses-helpers", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _require_tensor(x, who):
    """Predictions must be Tensors: they carry the graph Module 05 (Autograd) differentiates."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expects predictions as a Tensor, got {type(x).__name__}")


def _target_array(targets, who):
    """Targets may be a Tensor, an ndarray or a list; they are constants, so return an ndarray."""
    if isinstance(targets, Tensor):
        return targets.data
    try:
        return np.asarray(targets)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{who}: targets must be a Tensor or an array of numbers ({error})") from None


def _require_same_shape(predictions, targets, who):
    if predictions.shape != tuple(targets.shape):
        raise ValueError(
            f"{who}: predictions of shape {predictions.shape} and targets of shape {tuple(targets.shape)} "
            f"must have the same shape (reshape one of them; broadcasting would average the wrong pairs)"
        )

# %% [markdown]
"""
## Mean squared error

```
predictions  [2.5, 0.0, 2.0]
targets      [3.0, -0.5, 2.0]
difference   [-0.5, 0.5, 0.0]  -> squared [0.25, 0.25, 0.0] -> mean 0.1667
```

`MSE = mean((predictions - targets)^2)`: large errors count quadratically.
"""

# %% nbgrader={"grade": false, "grade_id": "mse-loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class MSELoss:
    """Mean squared error between predictions and targets of the same shape."""

    def forward(self, predictions, targets):
        """Return mean((predictions - targets) ** 2) as a scalar Tensor.

        TODO: Check the inputs and compute the mean squared difference.

        APPROACH:
        1. predictions must be a Tensor; turn targets into an array.
        2. The two shapes must be identical.
        3. diff = predictions - Tensor(targets); return (diff * diff).mean()

        EXAMPLE:
        >>> MSELoss()(Tensor([2.5, 0.0, 2.0]), Tensor([3.0, -0.5, 2.0])).item()
        0.1666666716337204

        HINTS:
        - Targets are constants: wrap the array in a new Tensor (no gradient needed).
        """
        ### BEGIN SOLUTION
        _require_tensor(predictions, "MSELoss")
        target = _target_array(targets, "MSELoss")
        _require_same_shape(predictions, target, "MSELoss")
        diff = predictions - Tensor(target.astype(np.float32))  # audit: ignore[BITE006] targets - predictions is equivalent: the difference is squared
        return (diff * diff).mean()
        ### END SOLUTION

    def __call__(self, predictions, targets):
        return self.forward(predictions, targets)

# %% nbgrader={"grade": true, "grade_id": "test-mse-loss", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_mse_loss():
    """MSE matches the hand-worked example and a numpy formula, and rejects shape mismatches."""
    loss = MSELoss()(Tensor([2.5, 0.0, 2.0]), Tensor([3.0, -0.5, 2.0]))
    assert loss.shape == ()
    assert abs(loss.item() - 0.5 / 3.0) < 1e-6

    p, t = np.random.randn(4, 3), np.random.randn(4, 3)
    assert abs(MSELoss()(Tensor(p), t).item() - np.mean((p - t) ** 2)) < 1e-5
    assert MSELoss()(Tensor(p), p).item() == 0.0
    try:
        MSELoss()(Tensor(np.zeros((4, 1))), np.zeros(4))
    except ValueError as error:
        assert "(4, 1)" in str(error) and "(4,)" in str(error)
    else:
        raise AssertionError("(4, 1) vs (4,) must be rejected, not broadcast")

if __name__ == "__main__":
    test_unit_mse_loss()

# %% [markdown]
"""
## log_softmax: log-probabilities without overflow

Cross-entropy needs `log(softmax(x))`. Computing softmax first and taking its
log fails twice: `exp(1000)` overflows to `inf` (then `inf / inf = NaN`), and a
tiny probability underflows to 0 (then `log(0) = -inf`). Working in log space
avoids both. With `m = max(x)` taken as a constant, as in Module 02 (Activations):

    log_softmax(x)_i = (x_i - m) - log( sum_j exp(x_j - m) )

```
x = [1000, 999, 0]      m = 1000
x - m     = [0, -1, -1000]
exp(x-m)  = [1, 0.368, 0]          sum = 1.368, log = 0.313
result    = [-0.313, -1.313, -1000.313]   every entry finite
```

The largest shifted entry is 0, so the sum lies in `[1, C]` and its log is
finite; no probability is ever formed, so none can underflow to 0.

**Fused.** As GELU and Softmax in Module 02 (Activations), `log_softmax` is
computed with NumPy in one pass and recorded as one operation through Module 01's
seam, `record("log_softmax", out, (x,), axis)`: one node in the graph instead of
five, and no `(N, C)` intermediates kept for the backward pass. Module 05
(Autograd) gives it its derivative from the output alone:
`grad_x = g - exp(out) * sum(g)` along the axis (`exp(out)` is the softmax).
"""

# %% nbgrader={"grade": false, "grade_id": "log-softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def log_softmax(x, dim=-1):
    """Log of the softmax of x along dim, computed stably in log space.

    TODO: Compute (x - m) - log(sum(exp(x - m))) on x.data (m the max along dim),
    and return it recorded as one operation.

    APPROACH:
    1. Check that x is a Tensor and dim is a valid axis.
    2. shifted = x.data - x.data.max(axis=dim, keepdims=True)
    3. out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    4. return record("log_softmax", out, (x,), dim)

    EXAMPLE:
    >>> log_softmax(Tensor([[1000.0, 999.0]])).data
    array([[-0.31326166, -1.3132616 ]], dtype=float32)

    HINTS:
    - exp of the log-softmax is the softmax: each row of it sums to 1.
    """
    ### BEGIN SOLUTION
    _require_tensor(x, "log_softmax")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"log_softmax: dim must be an int, got {type(dim).__name__}")
    if x.data.ndim == 0 or not -x.data.ndim <= dim < x.data.ndim:
        raise ValueError(f"log_softmax: dim={dim} is out of range for a Tensor of shape {x.shape}")
    shifted = x.data - x.data.max(axis=dim, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    return record("log_softmax", out, (x,), dim)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-log-softmax", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_log_softmax():
    """log_softmax matches log(softmax) on small logits and the worked example at 1000."""
    x = np.random.randn(3, 5)
    expected = np.log(np.exp(x) / np.exp(x).sum(axis=1, keepdims=True))
    assert np.allclose(log_softmax(Tensor(x)).data, expected, atol=1e-5)
    assert np.allclose(log_softmax(Tensor(x), dim=0).data,
                       np.log(np.exp(x) / np.exp(x).sum(axis=0, keepdims=True)), atol=1e-5)

    big = log_softmax(Tensor([[1000.0, 999.0, 0.0]])).data
    lse = np.log(1.0 + np.exp(-1.0) + np.exp(-1000.0))
    assert np.all(np.isfinite(big))
    assert np.allclose(big, [[-lse, -1.0 - lse, -1000.0 - lse]], atol=1e-4)

    rows = log_softmax(Tensor([[1000.0, 999.0], [0.0, -1.0]])).data  # each row shifted by its own maximum
    pair = np.log(1.0 + np.exp(-1.0))
    assert np.allclose(rows, [[-pair, -1.0 - pair], [-pair, -1.0 - pair]], atol=1e-4)
    assert np.allclose(log_softmax(Tensor(x), dim=-2).data, log_softmax(Tensor(x), dim=0).data)
    try:
        log_softmax(Tensor(x), dim=2)
        raise AssertionError("dim=2 is out of range for a 2-d Tensor")
    except ValueError as error:
        assert "out of range" in str(error)

if __name__ == "__main__":
    test_unit_log_softmax()

# %% [markdown]
"""
## Cross-entropy for class labels

For one sample with logits `z` and true class `y`, the loss is the negative
log-probability the model gives to the right answer, `-log_softmax(z)[y]`.

```
logits (N=2, C=3)         log_softmax                 targets    picked
[[ 2.0, 1.0, 0.1],   ->   [[-0.42, -1.42, -2.32],     [0,        -0.42
 [ 0.5, 2.5, 0.3]]         [-2.24, -0.24, -2.44]]      1]        -0.24
                                                  loss = -mean(picked) = 0.33
```

Picking one entry per row is a single fancy-indexing step,
`log_probs[np.arange(N), targets]`, with no loop over the batch. Targets are
integer class ids (a Tensor or an ndarray); an id outside `[0, C)` is a data
bug, so it raises instead of silently wrapping around like negative indices do.
"""

# %% nbgrader={"grade": false, "grade_id": "cross-entropy-loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _class_ids(targets, n_samples, n_classes, who):
    """Validate integer class targets of shape (N,) in [0, C) and return them as an int64 array."""
    labels = _target_array(targets, who)
    if labels.shape != (n_samples,):
        raise ValueError(f"{who}: targets must have shape ({n_samples},) to match {n_samples} rows of logits, "
                         f"got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.number) or np.issubdtype(labels.dtype, np.complexfloating):
        raise TypeError(f"{who}: targets must be integer class ids, got dtype {labels.dtype}")
    if not np.issubdtype(labels.dtype, np.integer) and not np.all(labels == np.round(labels)):
        raise ValueError(f"{who}: targets must be whole-number class ids, got non-integer values")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{who}: class ids must be in [0, {n_classes}), got values from "
                         f"{labels.min()} to {labels.max()}")
    return labels.astype(np.int64)


class CrossEntropyLoss:
    """Mean cross-entropy between logits (N, C) and integer class targets (N,)."""

    def forward(self, logits, targets):
        """Return -mean(log_softmax(logits)[i, targets[i]]) as a scalar Tensor.

        TODO: Validate the inputs, then pick each row's log-probability of its true class.

        APPROACH:
        1. logits must be a 2-d Tensor (N, C); validate targets with `_class_ids`.
        2. log_probs = log_softmax(logits, dim=1)
        3. picked = log_probs[np.arange(N), labels]
        4. return -picked.mean()

        EXAMPLE:
        >>> CrossEntropyLoss()(Tensor([[0.0, 0.0], [1000.0, 0.0]]), np.array([0, 0])).item()
        0.3465735912322998

        HINTS:
        - Indexing a Tensor with two integer arrays picks one entry per row.
        """
        ### BEGIN SOLUTION
        _require_tensor(logits, "CrossEntropyLoss")
        if logits.data.ndim != 2:
            raise ValueError(f"CrossEntropyLoss expects logits of shape (N, C), got {logits.shape}; "
                             f"reshape sequences to (N * T, C) first")
        n_samples, n_classes = logits.shape
        labels = _class_ids(targets, n_samples, n_classes, "CrossEntropyLoss")
        log_probs = log_softmax(logits, dim=1)
        picked = log_probs[np.arange(n_samples), labels]
        return -picked.mean()
        ### END SOLUTION

    def __call__(self, logits, targets):
        return self.forward(logits, targets)

# %% nbgrader={"grade": true, "grade_id": "test-cross-entropy-loss", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_cross_entropy_loss():
    """Cross-entropy matches a numpy formula, is exact at 1000 and rejects bad class ids."""
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
    targets = np.array([0, 1])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(probs[[0, 1], targets]))
    loss = CrossEntropyLoss()(Tensor(logits), Tensor(targets))
    assert loss.shape == ()
    assert abs(loss.item() - expected) < 1e-5

    confident = CrossEntropyLoss()(Tensor([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0])).item()
    assert np.isfinite(confident) and abs(confident - 500.0) < 1e-3  # one right (0), one wrong (1000)

    uniform = CrossEntropyLoss()(Tensor(np.zeros((4, 10))), np.arange(4)).item()
    assert abs(uniform - np.log(10.0)) < 1e-5
    for bad in (np.array([0, 3]), np.array([-1, 0])):
        try:
            CrossEntropyLoss()(Tensor(logits), bad)
        except ValueError as error:
            assert "[0, 3)" in str(error)
        else:
            raise AssertionError(f"targets {bad} are out of range for 3 classes")

if __name__ == "__main__":
    test_unit_cross_entropy_loss()

# %% [markdown]
"""
## Binary cross-entropy for probabilities

For a probability `p` (from a `Sigmoid`) and a label `t` in {0, 1}:

    BCE = -mean( t * log(p) + (1 - t) * log(1 - p) )

```
p = 0.9, t = 1  ->  -log(0.9)      = 0.105   (confident and right: small)
p = 0.9, t = 0  ->  -log(0.1)      = 2.303   (confident and wrong: large)
p = 1.0, t = 0  ->  -log(0.0)      = inf     (without clipping)
                ->  -log(1e-7)     = 16.1    (with p clipped to [1e-7, 1 - 1e-7])
```

A saturated sigmoid returns exactly 0.0 or 1.0 in float32, so `log(0)` is not
hypothetical. Clipping the argument of each log to `[eps, 1 - eps]` bounds each
term by 16.1 and keeps the gradients `1/p` and `1/(1 - p)` finite. We clip
`1 - p` itself rather than computing `1 - clip(p)`: float32 cannot hold
`1 - 1e-7` exactly (it rounds to `1 - 1.19e-7`), so the second form would make
the two ends of the range slightly different. Values outside `[0, 1]` are
rejected: they usually mean raw logits were passed where probabilities were expected.
"""

# %% nbgrader={"grade": false, "grade_id": "bce-loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class BinaryCrossEntropyLoss:
    """Mean binary cross-entropy between probabilities and 0/1 targets of the same shape."""

    def forward(self, predictions, targets):
        """Return -mean(t * log(p) + (1 - t) * log(1 - p)), both log arguments clipped to [eps, 1 - eps].

        TODO: Validate the inputs, clip the probabilities and average the two log terms.

        APPROACH:
        1. predictions: a Tensor with values in [0, 1]; targets: same shape, values in [0, 1].
        2. p = predictions.clip(BCE_EPS, 1 - BCE_EPS)
           q = (1 - predictions).clip(BCE_EPS, 1 - BCE_EPS)      (the probability of class 0)
        3. t = Tensor(targets); return -(t * p.log() + (1 - t) * q.log()).mean()

        EXAMPLE:
        >>> BinaryCrossEntropyLoss()(Tensor([0.9, 0.1]), np.array([1.0, 0.0])).item()
        0.10536054521799088

        HINTS:
        - Clip before taking logs: the clip is what keeps log(0) away.
        """
        ### BEGIN SOLUTION
        _require_tensor(predictions, "BinaryCrossEntropyLoss")
        target = _target_array(targets, "BinaryCrossEntropyLoss")
        _require_same_shape(predictions, target, "BinaryCrossEntropyLoss")
        if np.any((predictions.data < 0) | (predictions.data > 1)):
            raise ValueError("BinaryCrossEntropyLoss expects probabilities in [0, 1]; "
                             "apply Sigmoid to logits first")
        if np.any((target < 0) | (target > 1)):
            raise ValueError("BinaryCrossEntropyLoss expects targets in [0, 1] (0/1 labels)")
        p = predictions.clip(BCE_EPS, 1.0 - BCE_EPS)  # audit: ignore[BITE006] clipping at 1 + eps or 1 moves log(p) by about eps, below float32 resolution of the loss
        q = (1.0 - predictions).clip(BCE_EPS, 1.0 - BCE_EPS)  # audit: ignore[BITE006] as for p
        t = Tensor(target.astype(np.float32))
        return -(t * p.log() + (1.0 - t) * q.log()).mean()
        ### END SOLUTION

    def __call__(self, predictions, targets):
        return self.forward(predictions, targets)

# %% nbgrader={"grade": true, "grade_id": "test-bce-loss", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_bce_loss():
    """BCE matches a numpy formula, is finite at p = 0 and 1, and rejects logits."""
    p = np.array([[0.9, 0.2], [0.6, 0.05]])
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    loss = BinaryCrossEntropyLoss()(Tensor(p), Tensor(t))
    assert loss.shape == ()
    assert abs(loss.item() - expected) < 1e-5

    wrong = BinaryCrossEntropyLoss()(Tensor([1.0, 0.0]), np.array([0.0, 1.0])).item()
    assert np.isfinite(wrong) and abs(wrong - (-np.log(1e-7))) < 1e-3
    right = BinaryCrossEntropyLoss()(Tensor([1.0, 0.0]), np.array([1.0, 0.0])).item()
    assert 0.0 <= right < 1e-6
    try:
        BinaryCrossEntropyLoss()(Tensor([2.5, -1.0]), np.array([1.0, 0.0]))
    except ValueError as error:
        assert "Sigmoid" in str(error)
    else:
        raise AssertionError("logits outside [0, 1] must be rejected")

if __name__ == "__main__":
    test_unit_bce_loss()

# %% [markdown]
"""
## Systems analysis: naive formulas against stable ones

We measure, on real batches, what the textbook formulas return:

1. Cross-entropy as `-log(softmax(z)[y])` with a naive softmax, against
   `CrossEntropyLoss`, on logits scaled up to 1000: how many samples end up with
   an `inf` or `NaN` loss?
2. BCE without clipping against ours, when a growing fraction of predictions
   is saturated at exactly 0 or 1 (as a float32 sigmoid produces).
3. The memory of the `(N, C)` log-probability matrix cross-entropy builds, for
   a vocabulary-sized C: this is why language models feel their loss in memory.
"""

# %% nbgrader={"grade": false, "grade_id": "losses-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
import tracemalloc


def analyze_cross_entropy_overflow(n=1000, classes=10):
    """Count non-finite per-sample losses of naive vs stable cross-entropy as logits grow."""
    rng = np.random.default_rng(0)
    base = rng.standard_normal((n, classes)).astype(np.float32)
    labels = rng.integers(0, classes, size=n)
    print(f"{'logit scale':>12} {'naive bad samples':>18} {'naive mean':>11} {'stable mean':>12}")
    for scale in (1, 10, 100, 1000):
        logits = base * scale
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            exps = np.exp(logits)
            per_sample = -np.log((exps / exps.sum(axis=1, keepdims=True))[np.arange(n), labels])
        stable = CrossEntropyLoss()(Tensor(logits), labels).item()
        bad = int((~np.isfinite(per_sample)).sum())
        print(f"{scale:>12} {bad:>18} {per_sample.mean():>11.3f} {stable:>12.3f}")


def analyze_bce_saturation(n=10_000):
    """Naive vs clipped BCE as more predictions are exactly 0.0 or 1.0."""
    rng = np.random.default_rng(1)
    targets = rng.integers(0, 2, size=n).astype(np.float32)
    print(f"{'saturated':>10} {'naive BCE':>10} {'clipped BCE':>12}")
    for fraction in (0.0, 0.001, 0.01, 0.1):
        probs = rng.uniform(0.05, 0.95, size=n).astype(np.float32)
        saturated = rng.random(n) < fraction
        probs[saturated] = 1.0 - targets[saturated]  # confidently wrong, as a saturated sigmoid can be
        with np.errstate(divide="ignore", invalid="ignore"):
            naive = -np.mean(targets * np.log(probs) + (1 - targets) * np.log(1 - probs))
        clipped = BinaryCrossEntropyLoss()(Tensor(probs), targets).item()
        print(f"{fraction:>10.3f} {naive:>10.3f} {clipped:>12.3f}")


def analyze_cross_entropy_memory(batch=64, vocab_sizes=(10, 1000, 50_000)):
    """Peak memory of one cross-entropy call against the size of the logits themselves."""
    print(f"{'classes':>8} {'logits MB':>10} {'peak extra MB':>14}")
    for classes in vocab_sizes:
        logits = Tensor(np.random.default_rng(2).standard_normal((batch, classes), dtype=np.float32))
        labels = np.zeros(batch, dtype=np.int64)
        tracemalloc.start()
        CrossEntropyLoss()(logits, labels)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{classes:>8} {logits.data.nbytes / 1e6:>10.3f} {peak / 1e6:>14.3f}")

if __name__ == "__main__":
    analyze_cross_entropy_overflow()
    analyze_bce_saturation()
    analyze_cross_entropy_memory()

# %% [markdown]
"""
Your first table shows the naive cross-entropy losing samples to `inf`/`NaN`
once logits reach the hundreds, at which point its mean is useless, while the
stable loss stays finite at every scale. The second shows that even 0.1% of
saturated predictions make the unclipped BCE infinite, whereas clipping caps
each such sample at 16.1. The third shows the loss costing about two extra
copies of the logits in temporaries: with a 50,000-word vocabulary that is tens
of megabytes per batch of 64, before any gradient is stored.
"""

# %% nbgrader={"grade": true, "grade_id": "losses-test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.activations import Sigmoid
from tinytorch.core.layers import Linear


def test_module():
    """Run every unit test, then score explicitly chained layers with each loss."""
    test_unit_mse_loss()
    test_unit_log_softmax()
    test_unit_cross_entropy_loss()
    test_unit_bce_loss()

    np.random.seed(3)
    x = np.random.randn(6, 4).astype(np.float32)
    layer = Linear(4, 3)
    logits = layer(Tensor(x))
    labels = np.array([0, 1, 2, 0, 1, 2])
    z = x @ layer.weight.data + layer.bias.data
    shifted = z - z.max(axis=1, keepdims=True)
    expected = -np.mean((shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))[np.arange(6), labels])
    assert abs(CrossEntropyLoss()(logits, labels).item() - expected) < 1e-5

    head = Linear(4, 1)
    probs = Sigmoid()(head(Tensor(x)))
    t = (x[:, :1] > 0).astype(np.float32)
    p = 1.0 / (1.0 + np.exp(-(x @ head.weight.data + head.bias.data)))
    expected_bce = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert abs(BinaryCrossEntropyLoss()(probs, t).item() - expected_bce) < 1e-5
    assert abs(MSELoss()(logits, np.zeros((6, 3))).item() - np.mean(z.astype(np.float64) ** 2)) < 1e-5
    print("Module 04 (Losses): all tests passed")

if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- `MSELoss` for regression, `CrossEntropyLoss` for class ids, and
  `BinaryCrossEntropyLoss` for probabilities; each returns the batch mean as a
  scalar Tensor and refuses mismatched shapes instead of broadcasting them.
- `log_softmax` subtracts a constant row max and stays in log space, so logits
  of 1000 give exact, finite losses; BCE clips its log arguments to `[1e-7, 1 - 1e-7]`.
- The losses are built from Tensor primitives and the one fused `log_softmax`,
  so Module 05 (Autograd) gives them gradients without any change here.

Next, Module 05 (Autograd) computes the gradient of these losses with respect
to every `Linear` parameter of Module 03 (Layers).
"""
