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
# Module 02: Activations - Bending Straight Lines

A stack of linear maps is still one linear map: `x @ W1 @ W2 == x @ (W1 @ W2)`.
Activation functions are the elementwise non-linearities placed between linear
layers that let a network represent curved decision boundaries.

You will build five of them on top of Module 01 (Tensor):

| class | formula | typical use |
|---|---|---|
| `Sigmoid` | 1 / (1 + e^-x) | probabilities for yes/no outputs |
| `ReLU` | max(0, x) | hidden layers of MLPs and CNNs |
| `Tanh` | (e^x - e^-x) / (e^x + e^-x) | zero-centred hidden units, RNNs |
| `GELU` | x * Phi(x) (tanh approximation) | transformers |
| `Softmax` | e^x_i / sum_j e^x_j | class probabilities |

Two design rules shape every line of this module:

1. **Tensor primitives, or one recorded operation.** Sigmoid, ReLU and Tanh are
   one or two operations of Module 01 (Tensor): `tanh`, `maximum`, `+ - * /`...
   Module 05 (Autograd) teaches every primitive its derivative, so they become
   differentiable without a single extra line here. GELU and Softmax would take
   nine and four primitives, and every primitive recorded for autograd keeps its
   inputs alive and costs a call in the backward pass. They are the two most used
   activations of a transformer, so each is *fused*: computed in one pass with
   NumPy and recorded as a single operation through Module 01's seam,
   `record("gelu", data, (x,))`. Module 05 gives that one operation its
   derivative (worked out there).
2. **Numerically stable forms.** float32 overflows at e^88.7. A textbook formula
   that calls `exp` on a large input returns `inf`, and `inf / inf` is `NaN`.
   We choose algebraically equal forms that never overflow.

Module 03 (Layers) places these between `Linear` layers and Module 04 (Losses)
reuses the softmax stabilisation trick.
"""

# %% nbgrader={"grade": false, "grade_id": "activations-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.activations
#| export
import functools
import math

import numpy as np

from tinytorch.core.tensor import Tensor, record

# %% [markdown]
"""
## Input checking

Every activation takes a `Tensor` and returns a new `Tensor` of the same shape.
Passing a list or a NumPy array by mistake should fail with a message that says
so, not deep inside NumPy. This small helper is shared by all five classes.
"""

# %% nbgrader={"grade": false, "grade_id": "activations-helpers", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _require_tensor(x, who):
    """Raise TypeError unless x is a Tensor (activations work on Tensors only)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expects a Tensor, got {type(x).__name__}; wrap the data with Tensor(...)")

# %% [markdown]
"""
## Sigmoid: squashing to (0, 1)

```
  1.0 |                 ........
      |             .'
  0.5 |-----------*-----------------   sigmoid(0) = 0.5
      |        .'
  0.0 |.......
      +---------------------------- x
           -6     0     6
```

The textbook form `1 / (1 + exp(-x))` calls `exp(-x)`; for `x = -100` that is
`e^100 = inf` in float32. The value still comes out as 0, but the derivative of
that expression is `e^-x / (1 + e^-x)^2 = inf / inf = NaN`, and Module 05
(Autograd) would differentiate exactly that expression.

The identity `sigmoid(x) = 0.5 * (1 + tanh(x / 2))` avoids `exp` entirely:
`tanh` saturates smoothly at +-1, so the value and every derivative stay finite
for any input. (Price: from about x = -20 down, float32 rounds the result to
exactly 0 instead of a tiny positive number such as 2e-9, which no training run
notices.)
"""

# %% nbgrader={"grade": false, "grade_id": "sigmoid", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Sigmoid:
    """Elementwise logistic sigmoid, sigma(x) = 1 / (1 + e^-x), computed through tanh."""

    def forward(self, x):
        """Return sigmoid(x) with the same shape as x.

        TODO: Compute the sigmoid with Tensor operations only, without calling exp.

        APPROACH:
        1. Check that x is a Tensor.
        2. Use the identity sigmoid(x) = 0.5 * (1 + tanh(x / 2)).

        EXAMPLE:
        >>> Sigmoid()(Tensor([0.0, 1000.0, -1000.0])).data
        array([0.5, 1. , 0. ], dtype=float32)

        HINTS:
        - `(x * 0.5).tanh()` is a Tensor; scalars combine with Tensors on either side.
        """
        ### BEGIN SOLUTION
        _require_tensor(x, "Sigmoid")
        return 0.5 * (1.0 + (x * 0.5).tanh())
        ### END SOLUTION

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []

# %% nbgrader={"grade": true, "grade_id": "test-sigmoid", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_sigmoid():
    """Sigmoid matches 1 / (1 + e^-x) and stays finite at +-1000."""
    x = np.array([[-4.0, -1.0, 0.0], [0.5, 2.0, 6.0]])
    expected = 1.0 / (1.0 + np.exp(-x))
    out = Sigmoid()(Tensor(x))
    assert out.shape == (2, 3)
    assert np.allclose(out.data, expected, atol=1e-6)

    extreme = Sigmoid()(Tensor([-1000.0, 1000.0])).data
    assert np.all(np.isfinite(extreme))
    assert np.allclose(extreme, [0.0, 1.0])

if __name__ == "__main__":
    test_unit_sigmoid()

# %% [markdown]
"""
## ReLU: keep the positives

```
      |        /
      |       /          relu(x) = max(0, x)
      |      /           relu'(x) = 1 if x > 0 else 0
  ----+-----/------ x
   0 0 0 0  0
```

We write it as `x.maximum(0.0)`, one Tensor primitive, rather than as
`x * mask` with a constant 0/1 mask. Both give the same values and the same
gradient away from 0, but the mask form multiplies `-inf * 0 = NaN`, while
`maximum` maps `-inf` to 0. What the derivative is at exactly 0 is decided once,
by Module 05 (Autograd)'s rule for `maximum`.
"""

# %% nbgrader={"grade": false, "grade_id": "relu", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class ReLU:
    """Rectified linear unit, relu(x) = max(0, x), elementwise."""

    def forward(self, x):
        """Return max(0, x) with the same shape as x.

        TODO: Zero the negative entries and keep the others.

        APPROACH:
        1. Check that x is a Tensor.
        2. Take the elementwise maximum of x and 0.

        EXAMPLE:
        >>> ReLU()(Tensor([-2.0, 0.0, 3.0])).data
        array([0., 0., 3.], dtype=float32)

        HINTS:
        - `Tensor.maximum(scalar)` is a differentiable primitive of Module 01 (Tensor).
        """
        ### BEGIN SOLUTION
        _require_tensor(x, "ReLU")
        return x.maximum(0.0)
        ### END SOLUTION

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []

# %% nbgrader={"grade": true, "grade_id": "test-relu", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_relu():
    """ReLU zeroes negatives, keeps positives, and maps -inf to 0 without NaN."""
    out = ReLU()(Tensor([[-3.0, -0.5, 0.0], [0.5, 2.0, 7.0]]))
    assert np.array_equal(out.data, [[0.0, 0.0, 0.0], [0.5, 2.0, 7.0]])
    extreme = ReLU()(Tensor([-np.inf, np.inf, -1e30])).data
    assert np.array_equal(extreme, [0.0, np.inf, 0.0])

if __name__ == "__main__":
    test_unit_relu()

# %% [markdown]
"""
## Tanh: zero-centred squashing

```
  +1 |            ......
     |         .'
   0 |-------*----------  x      tanh(-x) = -tanh(x), output in (-1, 1)
     |     .'
  -1 |.....
```

`Tensor.tanh()` is already a primitive (NumPy's `tanh` saturates to +-1
without overflow), so the class is a thin, named wrapper that lets a model
write `Tanh()` next to `ReLU()`.
"""

# %% nbgrader={"grade": false, "grade_id": "tanh", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Tanh:
    """Hyperbolic tangent, elementwise, output in (-1, 1)."""

    def forward(self, x):
        """Return tanh(x) with the same shape as x.

        TODO: Apply the hyperbolic tangent elementwise.

        APPROACH:
        1. Check that x is a Tensor.
        2. Call the Tensor primitive.

        EXAMPLE:
        >>> Tanh()(Tensor([0.0, 1000.0])).data
        array([0., 1.], dtype=float32)

        HINTS:
        - Do not build tanh out of exp: e^1000 overflows, the primitive does not.
        """
        ### BEGIN SOLUTION
        _require_tensor(x, "Tanh")
        return x.tanh()
        ### END SOLUTION

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []

# %% nbgrader={"grade": true, "grade_id": "test-tanh", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_tanh():
    """Tanh matches (e^x - e^-x) / (e^x + e^-x) and is odd."""
    x = np.array([-2.0, -0.3, 0.0, 0.3, 2.0])
    expected = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
    out = Tanh()(Tensor(x)).data
    assert np.allclose(out, expected, atol=1e-6)
    assert np.allclose(out, -out[::-1])
    assert np.array_equal(Tanh()(Tensor([-1e4, 1e4])).data, [-1.0, 1.0])

if __name__ == "__main__":
    test_unit_tanh()

# %% [markdown]
"""
## GELU: a smooth ReLU

GELU weighs each input by the probability that a standard normal variable is
below it: `gelu(x) = x * Phi(x)`. Large positives pass (Phi ~ 1), large
negatives vanish (Phi ~ 0), and near 0 the curve is smooth with a small dip.

```
      |          /
      |         /        relu: sharp corner at 0
      |       ./         gelu: smooth, dips to about -0.17 near x = -0.75
  ----+--.__.'------ x
```

`Phi` needs the error function, which is not a Tensor primitive, so we use the
**tanh approximation** that GPT-2 and BERT use:

    gelu(x) ~ 0.5 * x * (1 + tanh( sqrt(2/pi) * (x + 0.044715 * x^3) ))

It stays within 1e-3 of the exact `x * Phi(x)` everywhere. It is stable because
`tanh` saturates: for x = 1000 the bracket is exactly 2 and gelu(x) = x.

**Fused.** Written with Tensor operations this formula is nine recorded
operations (three multiplications for the cube, the scaling, the additions, the
tanh...), each holding an intermediate array for the backward pass. We compute it
on `x.data` with NumPy instead and hand the result to Module 01's seam once:

```
x ──► record("gelu", 0.5 * x * (1 + tanh(...)), (x,)) ──► out     one node, input x only
```

Before Module 05 this is just `Tensor(data)`; afterwards it records one
`GeluBackward` node, which recomputes its gate from x when gradients are needed.

**One exp instead of a tanh.** With `u = sqrt(2/pi) * (x + 0.044715 * x^3)`,
the bracket is a logistic in disguise: `0.5 * (1 + tanh(u)) = 1 / (1 + exp(-2u))`,
so

    gelu(x) ~ x / (1 + exp(-2u))          (mathematically the same function)

NumPy's float32 `exp` is about three times faster than its `tanh`, and GELU
runs on the largest activations of a transformer, so we compute the gate
`1 / (1 + exp(-2u))`. For x below about -10, `exp(-2u)` overflows float32 to
`inf`, and `1 / (1 + inf) = 0` is exactly the gate's limit (gelu(-1000) = -0.0),
so we silence NumPy's overflow warning for that one line with `np.errstate`.
(Each step of this expression still allocates its own temporary array; Module 18
(Acceleration) removes them.)
"""

# %% nbgrader={"grade": false, "grade_id": "gelu", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
GELU_SCALE = math.sqrt(2.0 / math.pi)
GELU_CUBIC = 0.044715


class GELU:
    """Gaussian error linear unit, tanh approximation (as in GPT-2 and BERT)."""

    def forward(self, x):
        """Return 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).

        TODO: Implement the tanh approximation of GELU on x.data, recorded as one operation.

        APPROACH:
        1. Check that x is a Tensor; let a = x.data.
        2. u = GELU_SCALE * (a + GELU_CUBIC * a * a * a)
        3. gate = 1 / (1 + exp(-2u))   # = 0.5 * (1 + tanh(u))
        4. return record("gelu", a * gate, (x,))

        EXAMPLE:
        >>> GELU()(Tensor([0.0, 1.0])).data   # exact x*Phi(x): 0, 0.8413
        array([0.      , 0.841192], dtype=float32)

        HINTS:
        - Write the cube as `x * x * x`: NumPy's `x ** 3` goes through the general
          power routine and is many times slower (the analysis below measures it).
        """
        ### BEGIN SOLUTION
        _require_tensor(x, "GELU")
        a = x.data
        u = GELU_SCALE * (a + GELU_CUBIC * (a * a * a))
        with np.errstate(over="ignore"):  # exp(-2u) is inf for x below about -10: the gate is 1/inf = 0, its limit
            gate = 1.0 / (1.0 + np.exp(-2.0 * u))  # = 0.5 * (1 + tanh(u)), with one exp instead of a tanh
        return record("gelu", a * gate, (x,))
        ### END SOLUTION

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []

# %% nbgrader={"grade": true, "grade_id": "test-gelu", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_gelu():
    """GELU is within 1e-3 of the exact x * Phi(x) and equals x / 0 for large +- inputs."""
    x = np.linspace(-5.0, 5.0, 41)
    phi = 0.5 * (1.0 + np.array([math.erf(v / math.sqrt(2.0)) for v in x]))
    out = GELU()(Tensor(x)).data
    assert np.max(np.abs(out - x * phi)) < 1e-3
    extreme = GELU()(Tensor([-1000.0, 1000.0])).data
    assert np.allclose(extreme, [0.0, 1000.0])

if __name__ == "__main__":
    test_unit_gelu()

# %% [markdown]
"""
## Softmax: scores to probabilities

Softmax turns a row of scores (logits) into a probability distribution:
every entry positive, every row summing to 1.

```
logits   [ 2.0, 1.0, 0.1 ]
  exp    [ 7.39, 2.72, 1.11 ]   sum = 11.21
  /sum   [ 0.66, 0.24, 0.10 ]   sums to 1
```

**The overflow.** With logits `[1000, 999]`, `exp(1000)` is `inf` in float32
and the result is `inf / inf = NaN`.

**The fix.** Softmax is unchanged by subtracting the same constant `c` from
every entry of a row, since `e^(x_i - c) / sum_j e^(x_j - c) = e^x_i / sum_j e^x_j`.
Choose `c = max(row)`: the largest shifted entry is 0, so `exp` never
exceeds 1 and the sum is at least 1 (no division by zero either).

```
[1000, 999] - 1000 = [0, -1] -> exp [1.0, 0.37] -> [0.73, 0.27]
```

We take the max from `x.data` and subtract it as a **constant**. Because the
result does not depend on `c`, its gradient with respect to `c` is zero:
treating the max as a constant is exact, and it keeps `max` (and its ties) out
of the autograd graph.

**Fused.** Like GELU, softmax is computed with NumPy in one pass (shift, exp,
sum, divide) and recorded as one operation, `record("softmax", probs, (x,), axis)`,
instead of four recorded operations with their intermediates. Its derivative
needs only the output `p`, which Module 05's `SoftmaxBackward` keeps:
`grad_x = p * (g - sum(g * p))` along the axis.
"""

# %% nbgrader={"grade": false, "grade_id": "softmax", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _check_dim(x, dim, who):
    """Return dim as a non-negative axis of x, or raise ValueError."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{who}: dim must be an int, got {type(dim).__name__}")
    if x.data.ndim == 0:
        raise ValueError(f"{who} needs at least one dimension, got a 0-d Tensor")
    if not -x.data.ndim <= dim < x.data.ndim:
        raise ValueError(f"{who}: dim={dim} is out of range for a Tensor of shape {x.shape}")
    return int(dim) % x.data.ndim


@functools.lru_cache(maxsize=64)
def _ones_column(n, dtype):
    """The (n, 1) column of ones sums_along multiplies by: built once per length and dtype, not per
    call (np.ones costs as much as the product for one token's scores during generation).
    Read-only, since every caller shares it. The 64 lengths used last are kept: generation asks for
    a new length each token, and an unbounded cache would keep them all."""
    column = np.ones((n, 1), dtype=dtype)
    column.flags.writeable = False
    return column


def sums_along(a, axis):
    """Sums of the float array `a` along `axis`, that axis kept (size 1) so they broadcast back.

    Along the last axis this is a matrix-vector product with a column of ones: BLAS adds many
    short rows (a softmax over 64 attention scores, say) several times faster than np.sum,
    which pays a fixed cost per row. Other axes use np.sum.
    """
    if axis % a.ndim == a.ndim - 1:
        return a @ _ones_column(a.shape[-1], a.dtype)
    return a.sum(axis=axis, keepdims=True)


class Softmax:
    """Softmax along one dimension (default: the last), shifted by the row max for stability."""

    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, x):
        """Return exp(x - max) / sum(exp(x - max)) along self.dim.

        TODO: Implement a softmax that works for logits like 1000.

        APPROACH:
        1. Check the input; find the axis with `_check_dim`.
        2. e = x.data - x.data.max(axis, keepdims=True)   # shifted by a constant
        3. e = np.exp(e); e /= sums_along(e, axis)   (in place: out=e, /=)
        4. return record("softmax", e, (x,), axis)

        EXAMPLE:
        >>> Softmax()(Tensor([[1000.0, 999.0]])).data
        array([[0.7310586, 0.2689414]], dtype=float32)

        HINTS:
        - keepdims=True keeps the reduced axis (size 1) so the division broadcasts; sums_along
          (above) keeps it too, and sums rows with BLAS.
        """
        ### BEGIN SOLUTION
        _require_tensor(x, "Softmax")
        axis = _check_dim(x, self.dim, "Softmax")
        data = x.data.astype(np.float32, copy=False)  # integer scores compute in float
        exps = data - data.max(axis=axis, keepdims=True)  # a fresh array: the steps below update it in place
        np.exp(exps, out=exps)
        exps /= sums_along(exps, axis)  # BLAS row sums (see sums_along)
        return record("softmax", exps, (x,), axis)
        ### END SOLUTION

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []

# %% nbgrader={"grade": true, "grade_id": "test-softmax", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_softmax():
    """Softmax matches the hand-worked example, sums to 1 on its axis and survives 1000."""
    out = Softmax()(Tensor([[2.0, 1.0, 0.1]])).data
    expected = np.exp([2.0, 1.0, 0.1]) / np.exp([2.0, 1.0, 0.1]).sum()
    assert np.allclose(out, [expected], atol=1e-6)

    big = Softmax()(Tensor([[1000.0, 999.0], [-1000.0, -1000.0]])).data
    assert np.all(np.isfinite(big))
    assert np.allclose(big, [[1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(1.0))], [0.5, 0.5]], atol=1e-6)
    spread = Softmax()(Tensor([[1000.0, 0.0]])).data  # shifting by anything but the maximum overflows here
    assert np.allclose(spread, [[1.0, 0.0]], atol=1e-6)

    x = np.random.randn(3, 4, 5)
    cols = Softmax(dim=1)(Tensor(x)).data
    assert np.allclose(cols.sum(axis=1), 1.0, atol=1e-6)
    assert np.allclose(cols, np.exp(x) / np.exp(x).sum(axis=1, keepdims=True), atol=1e-6)

    for bad in (2, -3):
        try:
            Softmax(dim=bad)(Tensor([[1.0, 2.0]]))
        except ValueError as error:
            assert "out of range" in str(error)
        else:
            raise AssertionError(f"dim={bad} should be rejected for a 2-d Tensor")

if __name__ == "__main__":
    test_unit_softmax()

# %% [markdown]
"""
## Systems analysis: what stability and smoothness cost

Two measurements on real arrays:

1. **Overflow.** The naive softmax `exp(x) / sum(exp(x))` against ours, on rows
   of logits scaled up until float32 gives up. We count rows containing NaN.
2. **Time and memory.** Each activation on a 250,000-element float32 array:
   wall time (best of 3) and peak extra memory (`tracemalloc` sees NumPy's
   buffers). ReLU needs one output array; GELU builds several temporaries
   (`x * x * x`, the sums, the exp...), and that shows up in both columns.
   Softmax updates one work array in place (`out=`, `/=`).
"""

# %% nbgrader={"grade": false, "grade_id": "activations-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
import time
import tracemalloc


def analyze_softmax_overflow():
    """Count NaN rows of naive vs stable softmax as logits grow."""
    rng = np.random.default_rng(0)
    base = rng.standard_normal((1000, 10)).astype(np.float32)
    print(f"{'logit scale':>12} {'max |logit|':>12} {'naive NaN rows':>15} {'stable NaN rows':>16}")
    for scale in (1, 10, 50, 100, 1000):
        logits = base * scale
        with np.errstate(over="ignore", invalid="ignore"):
            exps = np.exp(logits)
            naive = exps / exps.sum(axis=1, keepdims=True)
        stable = Softmax()(Tensor(logits)).data
        print(f"{scale:>12} {np.abs(logits).max():>12.1f} "
              f"{int(np.isnan(naive).any(axis=1).sum()):>15} {int(np.isnan(stable).any(axis=1).sum()):>16}")


def analyze_activation_costs(size=250_000):
    """Time and peak extra memory of each activation on `size` float32 values."""
    x = Tensor(np.random.default_rng(1).standard_normal(size).astype(np.float32))
    print(f"{'activation':>10} {'best ms':>8} {'peak extra MB':>14} {'peak / input':>13}")
    for activation in (ReLU(), Tanh(), Sigmoid(), GELU(), Softmax()):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            activation(x)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        activation(x)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        ratio = peak / x.data.nbytes
        print(f"{type(activation).__name__:>10} {min(times) * 1e3:>8.2f} {peak / 1e6:>14.1f} {ratio:>12.1f}x")
    for label, cube in (("x ** 3", lambda: x.data ** 3), ("x * x * x", lambda: x.data * x.data * x.data)):
        start = time.perf_counter()
        cube()
        print(f"GELU's cube as {label:>9}: {(time.perf_counter() - start) * 1e3:.2f} ms")

if __name__ == "__main__":
    analyze_softmax_overflow()
    analyze_activation_costs()

# %% [markdown]
"""
Read the tables you just produced. The naive softmax starts producing NaN rows as
soon as some logit passes about 88 (float32's `log(max)`), while the shifted
version never does. In the cost table ReLU is the cheapest and uses about one
extra array; GELU needs a few arrays of temporaries, and both GELU and Softmax take
several times ReLU's time: each makes several passes over memory and calls `exp`,
which costs far more than a comparison. For elementwise work, memory traffic and
transcendental functions matter more than FLOPs. The last two lines show why GELU
spells its cube `x * x * x`: the same three multiplications through NumPy's general
`**` routine take many times longer.
"""

# %% nbgrader={"grade": true, "grade_id": "activations-test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Run every unit test of this module, then chain activations together."""
    test_unit_sigmoid()
    test_unit_relu()
    test_unit_tanh()
    test_unit_gelu()
    test_unit_softmax()

    x = Tensor(np.random.randn(4, 6))
    probs = Softmax()(GELU()(ReLU()(x)))
    assert probs.shape == (4, 6)
    assert np.allclose(probs.data.sum(axis=1), 1.0, atol=1e-6)
    for activation in (Sigmoid(), ReLU(), Tanh(), GELU(), Softmax()):
        assert activation.parameters() == []
        try:
            activation([1.0, 2.0])
        except TypeError as error:
            assert "Tensor" in str(error)
        else:
            raise AssertionError(f"{type(activation).__name__} accepted a list")
    print("Module 02 (Activations): all tests passed")

if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- Five activations: `Sigmoid` (through tanh), `ReLU` (`maximum`) and `Tanh` from
  Tensor primitives; `GELU` (tanh approximation) and `Softmax` (shifted by a
  constant row max) fused into one recorded operation each.
- Algebraically equal formulas are not numerically equal: pick the form whose
  intermediates cannot overflow, and the value *and* its derivatives stay finite.
- Primitives get their derivatives from Module 05 (Autograd) for free; the two
  fused operations get one backward rule each there, and keep one node (not four
  or nine) in the graph.

Next, Module 03 (Layers) builds `Linear` and `Dropout`, and you will chain them
with these activations by hand.
"""
