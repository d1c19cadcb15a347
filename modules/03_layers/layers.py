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
# Module 03: Layers - Parameters You Can Train

A layer is a function with **parameters**: numbers the training loop will
adjust. This module builds the three pieces every later network uses:

- `Layer`: the small base class (`forward`, `__call__`, `parameters()`) that
  every layer in the course follows, so optimizers, profilers and compression
  tools can find the trainable Tensors of any model.
- `Linear`: `y = x @ W + b`, the fully connected layer, with a careful
  initialisation.
- `Dropout`: random zeroing during training, a regulariser with no parameters.

It builds on Module 01 (Tensor) for the arithmetic and on Module 02
(Activations) for the non-linearities between layers. Parameters are created
with `requires_grad=True`, so Module 05 (Autograd) can fill their `.grad` and
Module 06 (Optimizers) can update them.

There is deliberately **no `Sequential` container** here. You chain layers by
hand, in a small named model class whose `forward` shows every step:

```python
class TwoLayerNet:
    def __init__(self):
        self.hidden = Linear(4, 8)
        self.act = ReLU()
        self.out = Linear(8, 3)

    def forward(self, x):
        h = self.act(self.hidden(x))   # you see each step of the data flow
        return self.out(h)

    def parameters(self):
        return self.hidden.parameters() + self.out.parameters()
```

A container would hide exactly the data flow this course wants you to see, and
any object with `forward` and `parameters()` already counts as a model.
"""

# %% nbgrader={"grade": false, "grade_id": "layers-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.layers
#| export
import math
import numbers

import numpy as np

from tinytorch.core.tensor import Tensor, record

# %% [markdown]
"""
## The Layer contract

```
           +-----------------------------+
  x  --->  |  forward(x)  (your maths)   |  --->  y
           |  parameters() -> [W, b]     |  <---  optimizer reads/updates these
           +-----------------------------+
  layer(x) is the same as layer.forward(x)
```

The base class supplies `__call__` and an empty `parameters()`; subclasses
supply `forward` and, if they train anything, `parameters()`.
"""

# %% nbgrader={"grade": false, "grade_id": "layer-base", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Layer:
    """Base class of every layer: a callable with a forward pass and a list of parameters."""

    def forward(self, x):
        """Compute the layer's output. Subclasses must override this."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def __call__(self, *args, **kwargs):
        """Make `layer(x)` mean `layer.forward(x)`.

        TODO: Forward every argument to self.forward and return its result.

        APPROACH:
        1. Call self.forward with the same positional and keyword arguments.

        EXAMPLE:
        >>> layer = Linear(2, 3)
        >>> layer(Tensor([[1.0, 2.0]])).shape
        (1, 3)

        HINTS:
        - Later layers take extra arguments (attention takes a mask), hence *args, **kwargs.
        """
        ### BEGIN SOLUTION
        return self.forward(*args, **kwargs)
        ### END SOLUTION

    def parameters(self):
        """The Tensors this layer trains, in a stable order (none by default)."""
        return []

    def __repr__(self):
        return f"{type(self).__name__}()"

# %% nbgrader={"grade": true, "grade_id": "test-layer-base", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_layer_base():
    """A subclass only writes forward; __call__ and parameters() come from Layer."""

    class Double(Layer):
        def forward(self, x):
            return x * 2.0

    layer = Double()
    assert np.array_equal(layer(Tensor([1.0, -2.0])).data, [2.0, -4.0])
    assert layer.parameters() == []
    try:
        Layer()(Tensor([1.0]))
    except NotImplementedError as error:
        assert "forward" in str(error)
    else:
        raise AssertionError("Layer.forward should be abstract")

if __name__ == "__main__":
    test_unit_layer_base()

# %% [markdown]
"""
## Linear: y = x @ W + b

```
  x (batch, in)       W (in, out)        b (out,)        y (batch, out)
  [ . . . . ]    @   [ . . . ]      +   [ . . . ]   =   [ . . . ]
  [ . . . . ]        [ . . . ]          (broadcast       [ . . . ]
                     [ . . . ]           over rows)
                     [ . . . ]
```

`W` is stored as `(in_features, out_features)` so the forward pass is a plain
`x @ W` (API.md fixes this layout for every module). `@` broadcasts over leading
dimensions, so `(batch, seq, in)` inputs work unchanged.

**One recorded operation.** `x @ W + b` written with Tensor operators would be
two operations, each with its own (batch, out) result and, once Module 05
(Autograd) is on, its own graph node. The forward pass computes `x.data @ W.data`
with NumPy, adds the bias *in place* (the product is a fresh array that nobody
else holds), and hands the result to `record("linear", ...)`, the seam of
Module 01, as GELU does in Module 02. Module 05 gives "linear" its backward rule:
the gradients of the matrix product, plus `g` summed over the rows for the bias.

**Initialisation.** All-zero weights would make every output unit compute the
same thing and receive the same gradient forever (symmetry). Random weights
break the symmetry, but their scale matters: each output sums `in` products, so
`Var(y) = in * Var(W) * Var(x)`. Too large and activations explode layer after
layer; too small and they vanish. Xavier/Glorot initialisation balances the
forward and backward passes with `Var(W) = 2 / (in + out)`; a uniform draw on
`[-a, a]` has variance `a^2 / 3`, hence

    a = sqrt(6 / (in_features + out_features))

Biases start at zero: the random weights already break the symmetry.
Weights come from `np.random`, so callers make them reproducible with
`np.random.seed(...)`.
"""

# %% nbgrader={"grade": false, "grade_id": "linear", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def positive_int(value, name):
    """A size (features, channels, heads...) must be a positive int: TypeError for anything
    that is not an integer (a bool is a bug: Linear(True, 3)), ValueError below 1.
    Later modules import this one check for their own sizes."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


class Linear(Layer):
    """Fully connected layer y = x @ weight + bias, weight of shape (in_features, out_features)."""

    def __init__(self, in_features, out_features, bias=True):
        """Create Xavier-uniform weights and zero biases, both trainable.

        TODO: Store the sizes and create `self.weight` and `self.bias`.

        APPROACH:
        1. Validate the sizes with `positive_int`.
        2. limit = sqrt(6 / (in_features + out_features))
        3. weight: uniform in [-limit, limit], shape (in_features, out_features), float32.
        4. bias: zeros of shape (out_features,) if bias else None.
        5. Both Tensors get requires_grad=True.

        EXAMPLE:
        >>> layer = Linear(784, 128)
        >>> layer.weight.shape, layer.bias.shape
        ((784, 128), (128,))

        HINTS:
        - `np.random.uniform(low, high, size=...)` draws the weights.
        """
        ### BEGIN SOLUTION
        self.in_features = positive_int(in_features, "in_features")
        self.out_features = positive_int(out_features, "out_features")
        limit = math.sqrt(6.0 / (self.in_features + self.out_features))
        weight = np.random.uniform(-limit, limit, size=(self.in_features, self.out_features))
        self.weight = Tensor(weight.astype(np.float32), requires_grad=True)
        self.bias = Tensor(np.zeros(self.out_features, dtype=np.float32), requires_grad=True) if bias else None
        ### END SOLUTION

    def forward(self, x):
        """Return x @ weight + bias for x of shape (..., in_features).

        TODO: Check the input, then compute the affine map.

        APPROACH:
        1. x must be a Tensor with at least one dimension.
        2. Its last dimension must equal in_features (clear ValueError otherwise).
        3. Without a bias: return x @ self.weight.
        4. With one: out = x.data @ self.weight.data; out += self.bias.data;
           return record("linear", out, (x, self.weight, self.bias)).

        EXAMPLE:
        >>> Linear(3, 2)(Tensor(np.ones((5, 3)))).shape
        (5, 2)

        HINTS:
        - The bias of shape (out,) broadcasts over every leading dimension.
        - `+=` adds into the product's own array: no second (..., out) array.
        """
        ### BEGIN SOLUTION
        if not isinstance(x, Tensor):
            raise TypeError(f"Linear expects a Tensor, got {type(x).__name__}; wrap the data with Tensor(...)")
        if x.data.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}) expects inputs whose last dimension is "
                f"{self.in_features}, got shape {x.shape}"
            )
        if self.bias is None:
            return x @ self.weight
        out = x.data @ self.weight.data
        out += self.bias.data  # in place: the product is a fresh array
        return record("linear", out, (x, self.weight, self.bias))
        ### END SOLUTION

    def parameters(self):
        """[weight, bias], or [weight] for a layer built with bias=False."""
        return [self.weight] if self.bias is None else [self.weight, self.bias]

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None})"

# %% nbgrader={"grade": true, "grade_id": "test-linear", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_linear():
    """Linear matches x @ W + b, respects the Xavier bound and rejects wrong widths."""
    np.random.seed(0)
    layer = Linear(3, 2)
    assert layer.weight.shape == (3, 2) and layer.bias.shape == (2,)
    assert layer.weight.requires_grad and layer.bias.requires_grad
    assert np.all(np.abs(layer.weight.data) <= math.sqrt(6.0 / 5.0))
    assert np.array_equal(layer.bias.data, np.zeros(2))

    layer.weight.data[...] = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    layer.bias.data[...] = [0.5, -0.5]
    out = layer(Tensor([[1.0, 2.0, 3.0]]))
    assert np.allclose(out.data, [[1 + 3 + 0.5, 2 + 3 - 0.5]])

    batched = layer(Tensor(np.ones((4, 5, 3))))
    assert batched.shape == (4, 5, 2)
    assert layer.parameters()[0] is layer.weight and layer.parameters()[1] is layer.bias
    assert Linear(3, 2, bias=False).parameters()[0].shape == (3, 2)
    assert len(Linear(3, 2, bias=False).parameters()) == 1
    plain = Linear(3, 2, bias=False)
    plain.weight.data[...] = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    assert np.allclose(plain(Tensor([[1.0, 2.0, 3.0]])).data, [[4.0, 5.0]])

    wide = Linear(100, 200).weight.data  # 20,000 draws fill [-limit, limit]: both signs, close to the bound
    limit = math.sqrt(6.0 / 300.0)
    assert wide.max() <= limit and wide.min() >= -limit
    assert wide.max() > 0.95 * limit and wide.min() < -0.95 * limit

    try:
        layer(Tensor(np.ones((4, 5))))
    except ValueError as error:
        assert "(4, 5)" in str(error) and "3" in str(error)
    else:
        raise AssertionError("a (4, 5) input must be rejected by Linear(3, 2)")

if __name__ == "__main__":
    test_unit_linear()

# %% [markdown]
"""
## Dropout: training with missing neurons

During training, Dropout zeroes each activation with probability `p`, so the
network cannot rely on any single unit. At evaluation time it does nothing.

```
training (p = 0.5):   [1.0, 2.0, 3.0, 4.0]  ->  [2.0, 0.0, 6.0, 0.0]   kept values * 1/(1-p)
evaluation:           [1.0, 2.0, 3.0, 4.0]  ->  [1.0, 2.0, 3.0, 4.0]   identity
```

**Inverted dropout.** Kept values are scaled by `1 / (1 - p)` during training,
so the *expected* output equals the input: `E[y] = (1 - p) * x / (1 - p) = x`.
Evaluation then needs no rescaling. The mask is a constant Tensor, so Module 05
(Autograd) sends gradient only through the units that were kept.

`p` must lie in `[0, 1)`: `p = 0` is the identity, and `p = 1` would zero
everything and divide by zero. Switch modes with the `training` flag:
`drop.training = False` before evaluating.
"""

# %% nbgrader={"grade": false, "grade_id": "dropout", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Dropout(Layer):
    """Inverted dropout: zero each value with probability p while training, identity in evaluation."""

    def __init__(self, p=0.5):
        if isinstance(p, bool) or not isinstance(p, numbers.Real):
            raise TypeError(f"Dropout probability p must be a number, got {type(p).__name__}")
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout probability p must be in [0, 1), got {p}")
        self.p = float(p)
        self.training = True

    def forward(self, x):
        """Drop and rescale in training mode; return x unchanged in evaluation mode.

        TODO: Implement inverted dropout.

        APPROACH:
        1. x must be a Tensor.
        2. If not training, or p == 0, return x.
        3. keep = np.random.random(x.shape) >= p        (True with probability 1 - p)
        4. return x * Tensor(keep / (1 - p))            (a constant mask)

        EXAMPLE:
        >>> drop = Dropout(0.5)
        >>> drop.training = False
        >>> drop(Tensor([1.0, 2.0])).data
        array([1., 2.], dtype=float32)

        HINTS:
        - Build the mask as float32 so the output stays float32.
        """
        ### BEGIN SOLUTION
        if not isinstance(x, Tensor):
            raise TypeError(f"Dropout expects a Tensor, got {type(x).__name__}; wrap the data with Tensor(...)")
        if not self.training or self.p == 0.0:
            return x
        keep = np.random.random(x.shape) >= self.p  # audit: ignore[BITE006] `> self.p` is equivalent: a draw equal to p has probability 0
        mask = keep.astype(np.float32) / np.float32(1.0 - self.p)
        return x * Tensor(mask)
        ### END SOLUTION

    def __repr__(self):
        return f"Dropout(p={self.p})"

# %% nbgrader={"grade": true, "grade_id": "test-dropout", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_dropout():
    """Dropout keeps about 1-p of the values, scaled by 1/(1-p); evaluation is the identity."""
    np.random.seed(0)
    x = Tensor(np.ones((200, 100)))
    drop = Dropout(0.25)
    out = drop(x).data
    kept = out != 0
    assert np.allclose(out[kept], 1.0 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.02
    assert abs(out.mean() - 1.0) < 0.03

    drop.training = False
    assert np.array_equal(drop(x).data, x.data)
    assert np.array_equal(Dropout(0.0)(x).data, x.data)
    assert drop.parameters() == []
    for bad in (1.0, -0.1, 1.5):
        try:
            Dropout(bad)
        except ValueError as error:
            assert "[0, 1)" in str(error)
        else:
            raise AssertionError(f"Dropout({bad}) should be rejected")

if __name__ == "__main__":
    test_unit_dropout()

# %% [markdown]
"""
## Systems analysis: where the parameters and the time go

Two measurements:

1. **Linear layers of several sizes.** Parameter count and float32 memory, read
   from the actual Tensors (`nbytes`), and the wall time of a forward pass on a
   batch of 64 (the fastest of 5 runs), turned into GFLOP/s (a matmul costs
   `2 * batch * in * out` FLOPs).
2. **Inverted dropout keeps the mean.** Over a million values, the mean of the
   training-mode output divided by the mean of the input, for several `p`.
"""

# %% nbgrader={"grade": false, "grade_id": "layers-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
import time


def analyze_linear_costs(sizes=((784, 128), (128, 10), (512, 512), (1024, 1024)), batch=64):
    """Measure parameters, memory and forward speed of Linear layers."""
    print(f"{'layer':>18} {'params':>11} {'memory MB':>10} {'forward ms':>11} {'GFLOP/s':>8}")
    for n_in, n_out in sizes:
        layer = Linear(n_in, n_out)
        params = sum(p.data.size for p in layer.parameters())
        memory = sum(p.data.nbytes for p in layer.parameters())
        x = Tensor(np.random.randn(batch, n_in).astype(np.float32))
        layer(x)  # warm-up
        times = []
        for _ in range(3):  # the fastest of 3: the least disturbed by other processes
            start = time.perf_counter()
            layer(x)
            times.append(time.perf_counter() - start)
        best = min(times)
        gflops = 2 * batch * n_in * n_out / best / 1e9
        print(f"{f'Linear({n_in}, {n_out})':>18} {params:>11,} {memory / 1e6:>10.2f} {best * 1e3:>11.3f} {gflops:>8.1f}")


def analyze_dropout_mean(size=100_000):
    """Mean of Dropout's training output over the input's mean, for several p."""
    x = Tensor(np.random.rand(size).astype(np.float32) + 0.5)
    print(f"{'p':>5} {'fraction kept':>14} {'output mean / input mean':>26}")
    for p in (0.1, 0.5, 0.9):
        out = Dropout(p)(x).data
        print(f"{p:>5} {np.mean(out != 0):>14.4f} {out.mean() / x.data.mean():>26.4f}")

if __name__ == "__main__":
    analyze_linear_costs()
    analyze_dropout_mean()

# %% [markdown]
"""
In your table, memory grows with `in * out`: a single 1024 x 1024 layer holds
about 1.05 million parameters (4.2 MB of float32), about ten times the
784-128-10 network, four times the 512 x 512 layer, and doubling both widths
again would quadruple it. The
forward time grows roughly with the same product, and the GFLOP/s column shows
large matmuls use the hardware better than small ones.
The dropout ratios sit near 1.0 for every `p`: inverted scaling keeps the
expected activation, which is why evaluation mode can simply skip the layer.
"""

# %% nbgrader={"grade": true, "grade_id": "layers-test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
from tinytorch.core.activations import ReLU, Softmax


def test_module():
    """Run every unit test, then chain two Linear layers by hand into a tiny classifier."""
    test_unit_layer_base()
    test_unit_linear()
    test_unit_dropout()

    class TwoLayerNet:
        """An explicit model: no container, every step visible."""

        def __init__(self):
            self.hidden = Linear(4, 8)
            self.act = ReLU()
            self.drop = Dropout(0.5)
            self.out = Linear(8, 3)

        def forward(self, x):
            h = self.drop(self.act(self.hidden(x)))
            return self.out(h)

        def parameters(self):
            return self.hidden.parameters() + self.out.parameters()

    np.random.seed(1)
    model = TwoLayerNet()
    model.drop.training = False
    x = np.random.randn(5, 4).astype(np.float32)
    logits = model.forward(Tensor(x))
    w1, b1, w2, b2 = (p.data for p in model.parameters())
    expected = np.maximum(x @ w1 + b1, 0.0) @ w2 + b2
    assert np.allclose(logits.data, expected, atol=1e-5)
    assert sum(p.data.size for p in model.parameters()) == 4 * 8 + 8 + 8 * 3 + 3
    probs = Softmax()(logits)
    assert np.allclose(probs.data.sum(axis=1), 1.0, atol=1e-6)
    print("Module 03 (Layers): all tests passed")

if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- `Layer` fixes the contract every later module relies on: `forward`,
  `__call__`, `parameters()`.
- `Linear` stores `W` as `(in, out)`, initialises it with Xavier-uniform bounds
  `sqrt(6 / (in + out))`, checks the input width and works on any batch shape.
- `Dropout` zeroes values with probability `p` in training and rescales the
  survivors by `1 / (1 - p)`; with `training = False` it is the identity.
- Models are plain classes that chain layers explicitly; their `parameters()`
  concatenates the lists of their layers.

Next, Module 04 (Losses) measures how wrong a model's outputs are, and Module 05
(Autograd) turns that measurement into gradients for every parameter here.
"""
