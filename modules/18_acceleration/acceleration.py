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
# Module 18: Acceleration - Same Results, Faster Kernels

A *kernel* is the code that does one operation's arithmetic: a matrix product,
an activation. This module computes exactly the results the framework already
computes, with kernels that waste less: less interpreter work, better use of the
CPU caches, fewer temporary arrays.

You will build:
- `naive_matmul(a, b)`: the textbook triple loop in pure Python, as a slow reference;
- `vectorized_matmul(a, b)`: the whole product in one call to numpy's BLAS-backed matmul;
- `tiled_matmul(a, b, tile_size=64)`: the product computed tile by tile, the way
  BLAS libraries organise their own loops for cache locality;
- `fused_gelu(x)`: GELU computed in one output buffer, recorded with Module 05's GELU rule.

It builds on Module 01 (Tensor: `Tensor.matmul` is one numpy call), Module 02
(Activations: `GELU`, whose formula `fused_gelu` must reproduce), Module 05
(Autograd: the `Function` protocol gives our kernels gradients) and Module 14
(Profiling: `Profiler.measure_latency` times every claim made here).

The rule of this module: a faster kernel that returns a different answer (beyond
float rounding) is a bug. Every kernel is tested for equality first; only then do
we measure its speed.
"""

# %% nbgrader={"grade": false, "grade_id": "acceleration-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp perf.acceleration
#| export
import numbers

import numpy as np

from tinytorch.core.activations import GELU_CUBIC, GELU_SCALE
from tinytorch.core.autograd import Function, GeluBackward
from tinytorch.core.tensor import Tensor, as_tensor

# %% nbgrader={"grade": false, "grade_id": "analysis-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
# Used by the inline tests and the systems analysis only; not part of the package.
import tracemalloc

from tinytorch.core.activations import GELU
from tinytorch.perf.profiling import Profiler

# %% [markdown]
"""
## 1. Why a triple loop is slow

Each entry of `C = A @ B` is a dot product of a row of A with a column of B:

```
        B (k x m)
        . . X .
        . . X .            C[i, j] = sum over p of A[i, p] * B[p, j]
        . . X .
A (n x k)            C (n x m)
X X X    --------->  . . . .
. . .                . . C .      n * m entries, k multiply-adds each:
                                  2 * n * m * k floating-point operations
```

In pure Python every one of those `n * m * k` multiply-adds is several bytecode
instructions: look up `a[i][p]`, look up `b[p][j]`, box the product in a new float
object, add, store. That costs tens of nanoseconds per multiply-add, while the CPU
could do it in well under one nanosecond with vector (SIMD) instructions. The loop
below is our slow *reference*: obviously correct, deliberately not exported to the
package, and only ever run on small matrices.
"""

# %% nbgrader={"grade": false, "grade_id": "naive-matmul", "locked": false, "schema_version": 3, "solution": true, "task": false}
def naive_matmul(a, b):
    """C = A @ B for two 2-D nested lists (or arrays), with three Python loops.

    TODO: Compute every C[i][j] as a Python-level dot product.

    APPROACH:
    1. Convert both inputs to nested Python lists (`np.asarray(x).tolist()`).
    2. Check the inner sizes agree; raise ValueError naming both shapes if not.
    3. For each row i and column j, add up a[i][p] * b[p][j] over p.

    EXAMPLE:
    >>> naive_matmul([[1, 2], [3, 4]], [[5], [6]])
    [[17.0], [39.0]]

    HINTS:
    - Lists of lists are faster to index in Python than numpy arrays element by element.
    """
    ### BEGIN SOLUTION
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[0]:
        raise ValueError(f"naive_matmul needs 2-D shapes (n, k) and (k, m), got {a.shape} and {b.shape}")
    rows, cols = a.tolist(), b.tolist()
    n, k, m = a.shape[0], a.shape[1], b.shape[1]
    out = [[0.0] * m for _ in range(n)]
    for i in range(n):
        for j in range(m):
            total = 0.0
            for p in range(k):
                total += rows[i][p] * cols[p][j]
            out[i][j] = total
    return out
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-naive-matmul", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_naive_matmul():
    """The loop reproduces a hand-worked product and numpy's on a random one."""
    assert naive_matmul([[1, 2], [3, 4]], [[5], [6]]) == [[17.0], [39.0]]  # 1*5+2*6, 3*5+4*6
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 5))
    np.testing.assert_allclose(naive_matmul(a, b), a @ b, rtol=1e-12)
    try:
        naive_matmul(np.ones((2, 3)), np.ones((2, 3)))
    except ValueError as error:
        assert "(2, 3)" in str(error)
    else:
        raise AssertionError("mismatched inner sizes must raise ValueError")


if __name__ == "__main__":
    test_unit_naive_matmul()

# %% [markdown]
"""
## 2. Vectorized matmul: one call into BLAS

`np.matmul` hands the whole product to BLAS (Basic Linear Algebra Subprograms:
OpenBLAS, MKL or Accelerate, compiled C and assembly). Python pays its overhead
once per *call*, not once per multiply-add:

```
naive:       Python loop ──> n*m*k interpreted multiply-adds
vectorized:  Python ──> np.matmul ──> BLAS sgemm: SIMD, blocked for the caches,
                                      (often) several cores
```

Module 01's `Tensor.matmul` is already this kernel. `vectorized_matmul` is the
form later modules and benchmarks call: it accepts Tensors or plain arrays,
requires matrices (batch dimensions first, broadcast like numpy), checks shapes
with messages a student can act on, and returns a Tensor. Because it goes
through `Tensor.matmul`, Module 05 (Autograd) records it like any `@`.

```
a: (batch..., n, k)   b: (batch..., k, m)   ->   (broadcast batch..., n, m)
   (2, 1, 3, 4)          (5, 4, 6)           ->   (2, 5, 3, 6)
```
"""

# %% nbgrader={"grade": false, "grade_id": "vectorized-matmul", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def matmul_output_shape(a_shape, b_shape, who="matmul"):
    """Shape of a @ b for matrices with optional batch dimensions, or a ValueError naming both shapes."""
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    if len(a_shape) < 2 or len(b_shape) < 2:
        raise ValueError(f"{who} needs matrices with at least 2 dimensions (batch dimensions first), "
                         f"got shapes {a_shape} and {b_shape}")
    if a_shape[-1] != b_shape[-2]:
        raise ValueError(f"{who} shape mismatch: {a_shape} @ {b_shape} "
                         f"(inner sizes {a_shape[-1]} and {b_shape[-2]} must be equal)")
    if a_shape[:-2] == b_shape[:-2] or not b_shape[:-2]:  # the common cases, without broadcast_shapes' cost
        return a_shape[:-1] + b_shape[-1:]
    try:
        batch = np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        raise ValueError(f"{who} cannot broadcast the batch dimensions {a_shape[:-2]} and {b_shape[:-2]} "
                         f"of shapes {a_shape} and {b_shape}") from None
    return batch + (a_shape[-2], b_shape[-1])


def vectorized_matmul(a, b):
    """Matrix product through numpy's BLAS-backed matmul; batched; returns a Tensor.

    TODO: Convert the inputs, check their shapes, compute the product in one call.

    APPROACH:
    1. a, b = as_tensor(a, ...), as_tensor(b, ...)
    2. matmul_output_shape(a.shape, b.shape, "vectorized_matmul") raises on bad shapes.
    3. Return a.matmul(b): one np.matmul call, recorded by autograd (Module 05).

    EXAMPLE:
    >>> vectorized_matmul(np.ones((2, 3, 4)), np.ones((4, 5))).shape
    (2, 3, 5)

    HINTS:
    - No loops: np.matmul already loops over the batch dimensions in C.
    """
    ### BEGIN SOLUTION
    a, b = as_tensor(a, "vectorized_matmul"), as_tensor(b, "vectorized_matmul")
    matmul_output_shape(a.shape, b.shape, "vectorized_matmul")
    return a.matmul(b)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-vectorized-matmul", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_vectorized_matmul():
    """Same values as the naive loop, batched shapes broadcast, clear errors on bad shapes."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 6)), rng.normal(size=(6, 3))
    out = vectorized_matmul(Tensor(a), b)
    assert isinstance(out, Tensor) and out.shape == (4, 3)
    np.testing.assert_allclose(out.data, naive_matmul(a, b), rtol=1e-5, atol=1e-5)
    batched = vectorized_matmul(np.ones((2, 1, 3, 4)), np.ones((5, 4, 6)))
    assert batched.shape == (2, 5, 3, 6) and np.all(batched.data == 4.0)
    for bad_a, bad_b in [((3, 4), (5, 6)), ((4,), (4, 2)), ((2, 3, 4), (3, 4, 5))]:
        try:
            vectorized_matmul(np.ones(bad_a), np.ones(bad_b))
        except ValueError as error:
            assert str(bad_a) in str(error) and str(bad_b) in str(error), error
        else:
            raise AssertionError(f"{bad_a} @ {bad_b} must raise ValueError")


if __name__ == "__main__":
    test_unit_vectorized_matmul()

# %% [markdown]
"""
## 3. Tiling: reusing what is already in the cache

Reading memory is slower than arithmetic. A float from main memory costs far more
than a multiply-add; one already in the L1/L2 cache (tens of KiB to a few MiB,
close to the core) is almost free. A naive product of large matrices streams
whole rows and columns through the cache and evicts them before they are reused.

Tiling splits C into T x T tiles and computes each one from T x T tiles of A and B:

```
      A                B                C
 [A00 A01 A02]    [B00 B01]       [C00 C01]      C00 = A00 @ B00 + A01 @ B10 + A02 @ B20
 [A10 A11 A12]  @ [B10 B11]   =   [C10 C11]
                  [B20 B21]

 one step keeps 3 tiles hot:  3 * T * T * 4 bytes   (T = 64, float32: 48 KiB)
```

While one C tile is accumulated, the three tiles in use fit in the cache, so each
loaded value is reused T times instead of once. Sizes that T does not divide are
no special case: a slice past the end of an array just stops at the edge, so the
last tiles are smaller.

```
n = 5, T = 2:   rows [0:2] [2:4] [4:6] -> [4:5]   (the last tile has one row)
```

Loops over *tiles* are the point here (there are (n/T) * (m/T) * (k/T) of them,
not n * m * k); each tile product is one vectorized `@`. The backward pass of a
product is two more products, `dA = dC @ B^T` and `dB = A^T @ dC`, so the same
tiled kernel computes the gradients. Module 05 (Autograd) sums gradients over
broadcast batch dimensions for us.

An honest warning before we measure: BLAS *already* tiles (several levels, tuned
to this CPU's cache sizes) inside its single call. Our tiles, organised by Python
and each computed by another BLAS call, add overhead and remove nothing, so expect
`tiled_matmul` to be slower than `vectorized_matmul`. We build it to see the
algorithm that makes BLAS fast, not to beat BLAS.
"""

# %% nbgrader={"grade": false, "grade_id": "tiled-matmul", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _check_tile_size(tile_size):
    """tile_size as a positive int, or a TypeError / ValueError naming the bad value."""
    if isinstance(tile_size, bool) or not isinstance(tile_size, numbers.Integral):
        raise TypeError(f"tile_size must be a positive int, got {type(tile_size).__name__} {tile_size!r}")
    if tile_size <= 0:
        raise ValueError(f"tile_size must be a positive int, got {tile_size}")
    return int(tile_size)


def tiled_product(a, b, tile_size):
    """a @ b for ndarrays (batch dimensions first), accumulated one tile_size x tile_size tile at a time.

    TODO: Loop over output tiles (rows i, columns j) and, inside, over tiles of the shared
    dimension p, adding each tile product into the output tile.

    APPROACH:
    1. out = zeros of the broadcast output shape, dtype np.result_type(a, b)
    2. for i in range(0, n, T): for j in range(0, m, T): view = out[..., i:i+T, j:j+T]
    3.     for p in range(0, k, T): view += a[..., i:i+T, p:p+T] @ b[..., p:p+T, j:j+T]

    EXAMPLE:
    >>> tiled_product(np.ones((5, 3)), np.ones((3, 4)), 2)[4]   # 5 and 4 not divisible by 2
    array([3., 3., 3., 3.])

    HINTS:
    - out[..., i:i+T, j:j+T] is a view: `+=` on it writes into out.
    - The `...` keeps every batch dimension; `@` broadcasts them.
    """
    ### BEGIN SOLUTION
    (n, k), m = a.shape[-2:], b.shape[-1]
    out = np.zeros(matmul_output_shape(a.shape, b.shape, "tiled_matmul"), dtype=np.result_type(a, b))
    for i in range(0, n, tile_size):
        for j in range(0, m, tile_size):
            out_tile = out[..., i:i + tile_size, j:j + tile_size]
            for p in range(0, k, tile_size):
                out_tile += a[..., i:i + tile_size, p:p + tile_size] @ b[..., p:p + tile_size, j:j + tile_size]
    return out
    ### END SOLUTION


class TiledMatmul(Function):
    """C = A @ B as one autograd node whose forward and backward both use the tiled kernel."""

    def __init__(self, a, b, tile_size):
        super().__init__(a, b)
        self.tile_size = tile_size

    def forward(self):
        a, b = self.inputs
        return self.output(tiled_product(a.data, b.data, self.tile_size))

    def backward(self, grad_output):
        """dA = dC @ B^T and dB = A^T @ dC (batch axes that were broadcast are summed by Module 05)."""
        a, b = self.inputs
        grad_a = grad_b = None
        if self.needs_grad(0):
            grad_a = tiled_product(grad_output, np.swapaxes(b.data, -1, -2), self.tile_size)
        if self.needs_grad(1):
            grad_b = tiled_product(np.swapaxes(a.data, -1, -2), grad_output, self.tile_size)
        return grad_a, grad_b


def tiled_matmul(a, b, tile_size=64):
    """Matrix product computed tile by tile (cache blocking); same result as vectorized_matmul.

    Accepts Tensors or arrays with optional batch dimensions; returns a Tensor that
    records gradients when an input requires them.
    """
    tile_size = _check_tile_size(tile_size)
    a, b = as_tensor(a, "tiled_matmul"), as_tensor(b, "tiled_matmul")
    matmul_output_shape(a.shape, b.shape, "tiled_matmul")
    return TiledMatmul(a, b, tile_size).forward()

# %% nbgrader={"grade": true, "grade_id": "test-tiled-matmul", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_tiled_matmul():
    """Every tile size, divisible or not, gives numpy's product; gradients match np.matmul's rule."""
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(7, 5)).astype(np.float32), rng.normal(size=(5, 9)).astype(np.float32)
    expected = a.astype(np.float64) @ b.astype(np.float64)
    for tile in (1, 2, 3, 4, 64):
        np.testing.assert_allclose(tiled_matmul(a, b, tile_size=tile).data, expected, rtol=1e-5, atol=1e-5)
    batched = tiled_matmul(np.ones((3, 4, 5)), np.ones((5, 2)), tile_size=2)
    assert batched.shape == (3, 4, 2) and np.all(batched.data == 5.0)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    tiled_matmul(ta, tb, tile_size=3).sum().backward()
    np.testing.assert_allclose(ta.grad, np.ones((7, 9)) @ b.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tb.grad, a.T @ np.ones((7, 9)), rtol=1e-5, atol=1e-5)
    for bad, error_type in ((0, ValueError), (-4, ValueError), (2.5, TypeError), (True, TypeError)):
        try:
            tiled_matmul(a, b, tile_size=bad)
        except error_type as error:
            assert "tile_size" in str(error)
        else:
            raise AssertionError(f"tile_size={bad!r} must raise {error_type.__name__}")


if __name__ == "__main__":
    test_unit_tiled_matmul()

# %% [markdown]
"""
## 4. Fusion: GELU without temporaries

Module 02's `GELU` computes

```
GELU(x) = 0.5 * x * (1 + tanh(u)) = x / (1 + exp(-2u))      u = s * (x + c * x^3),  s = sqrt(2/pi), c = 0.044715
```

with NumPy expressions (the exp form: one `exp` is cheaper than a `tanh`) and records
the result as *one* autograd node (Module 05's `GeluBackward`, which keeps only the
input and recomputes the gate in backward). Written with a dozen Tensor operations
instead, the graph would keep every intermediate alive until backward. But even
Module 02's forward allocates a new array the size of x for every step and makes
its own pass over memory:

```
expression: x*x -> x^3 -> c*x^3 -> x+.. -> s*(..) -> -2*u -> exp -> 1+.. -> 1/.. -> x*..
             t1     t2      t3       t4      t5       t6      t7     t8      t9     out
in place:   out = empty; multiply(x, x, out=out); out *= x; out *= c; out += x; ...
             one buffer, written in place by every step
```

A *fused* kernel computes the whole formula per element in one pass. numpy cannot
do quite that (each in-place step is still its own sweep over the buffer), but
with in-place operators and `out=` arguments it can allocate nothing except the
result. That saves the allocation time and the peak memory of the temporaries.
The backward rule is the same as Module 02's GELU, so `FusedGELU` reuses
Module 05's `GeluBackward` (u = s * (x + c * x^3), t = tanh(u)), itself written
with work arrays updated in place:

```
d GELU / dx = 0.5 * (1 + t) + 0.5 * x * (1 - t^2) * s * (1 + 3 * c * x^2)
```

The steps run in exactly the order Module 02 uses, with the same float32 operations
(`a * b` and `b * a` round alike), so `fused_gelu` returns the same numbers as `GELU`.
"""

# %% nbgrader={"grade": false, "grade_id": "fused-gelu", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def gelu_into_buffer(x):
    """GELU (tanh approximation, as x / (1 + exp(-2u))) of a float array, in one new buffer; x is not modified.

    TODO: Allocate one output buffer and apply every step of the formula to it in place.

    APPROACH:
    1. out = np.empty_like(x); np.multiply(x, x, out=out)      the only allocation
    2. out *= x; out *= GELU_CUBIC; out += x; out *= GELU_SCALE      (the inner u)
    3. out *= -2.0; np.exp(out, out=out)   (inside np.errstate(over="ignore"), as Module 02)
    4. out += 1.0; np.divide(1.0, out, out=out); out *= x           (x times the gate)

    EXAMPLE:
    >>> gelu_into_buffer(np.array([0.0, 1.0], dtype=np.float32))
    array([0.      , 0.841192], dtype=float32)

    HINTS:
    - Keep the order Module 02 (Activations) uses: x*x*x, then times c, then plus x; float32 rounding
      depends on the order, and we promise identical results.
    """
    if np.asarray(x).dtype.kind != "f":
        raise TypeError(f"gelu_into_buffer needs a float array, got dtype {np.asarray(x).dtype}")
    ### BEGIN SOLUTION
    out = np.empty_like(x)  # an ndarray even for 0-d x, where np.multiply would return a scalar
    np.multiply(x, x, out=out)
    out *= x
    out *= GELU_CUBIC
    out += x
    out *= GELU_SCALE
    out *= -2.0
    with np.errstate(over="ignore"):  # inf for x below about -10: the gate 1 / (1 + inf) = 0 is its limit
        np.exp(out, out=out)
    out += 1.0
    np.divide(1.0, out, out=out)
    out *= x
    return out
    ### END SOLUTION


class FusedGELU(GeluBackward):
    """GELU as one autograd node: the in-place forward above, Module 05's GELU backward rule."""

    def forward(self):
        (x,) = self.inputs
        return self.output(gelu_into_buffer(x.data.astype(np.float32, copy=False)))


def fused_gelu(x):
    """GELU(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), same values as Module 02's GELU.

    Accepts a Tensor or an array; returns a float32 Tensor that records gradients when
    x requires them. The input is never modified.
    """
    return FusedGELU(as_tensor(x, "fused_gelu")).forward()

# %% nbgrader={"grade": true, "grade_id": "test-fused-gelu", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_fused_gelu():
    """Equal to Module 02's GELU, input untouched, gradient equal to Module 02's GELU's."""
    x_values = np.random.default_rng(3).normal(scale=3.0, size=(4, 50)).astype(np.float32)
    x_copy = x_values.copy()
    fused = fused_gelu(x_values)
    np.testing.assert_allclose(fused.data, GELU()(Tensor(x_values)).data, rtol=1e-6, atol=0)
    assert np.array_equal(x_values, x_copy), "fused_gelu must not modify its input"
    assert fused_gelu(Tensor([0.0])).data[0] == 0.0
    assert abs(fused_gelu(Tensor([1.0])).data[0] - 0.8411920) < 1e-6  # 0.5 * (1 + tanh(0.8 * 1.044715))

    x_fused, x_composed = Tensor(x_values, requires_grad=True), Tensor(x_values, requires_grad=True)
    weights = np.random.default_rng(4).normal(size=x_values.shape)
    fused_gelu(x_fused).backward(weights)
    GELU()(x_composed).backward(weights)
    np.testing.assert_allclose(x_fused.grad, x_composed.grad, rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    test_unit_fused_gelu()

# %% [markdown]
"""
## 5. Systems analysis: measured speedups

Three measurements, each timed with `Profiler.measure_latency` from Module 14
(Profiling), which returns the median milliseconds after warm-up. A small adapter
gives each kernel the `forward(input)` method the profiler calls:

1. naive triple loop vs `vectorized_matmul` on small square matrices;
2. `tiled_matmul` vs `vectorized_matmul` for a few sizes and tile sizes (one size not
   divisible by the tile);
3. Module 02's `GELU` vs `fused_gelu`: time, peak memory of one call measured with
   `tracemalloc` (beyond the input), and memory still held after a forward pass that
   records a graph for training.

The naive loop runs only on sizes up to 64: its cost grows as n^3 in interpreted steps.
"""

# %% nbgrader={"grade": false, "grade_id": "systems-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
class _Kernel:
    """Adapts a function of several arguments to the `forward(input)` that Profiler times."""

    def __init__(self, function):
        self.function = function

    def forward(self, arguments):
        return self.function(*arguments)


def _median_ms(function, arguments, warmup=1, iterations=3):
    return Profiler().measure_latency(_Kernel(function), arguments, warmup=warmup, iterations=iterations)


def _memory_of_call(function, x):
    """(peak bytes during the call, bytes still held while the result is alive), beyond what existed before."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        result = function(x)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak - before, held - before


def analyze_acceleration():
    """Measure the three kernels of this module against their baselines and print the ratios."""
    rng = np.random.default_rng(0)
    print("1. naive Python loop vs vectorized_matmul (square n x n)")
    print(f"{'n':>6}{'naive ms':>12}{'vectorized ms':>15}{'speedup':>10}")
    for n in (8, 16, 32):
        a, b = rng.normal(size=(n, n)).astype(np.float32), rng.normal(size=(n, n)).astype(np.float32)
        naive = _median_ms(naive_matmul, (a, b), warmup=0, iterations=3)
        fast = _median_ms(vectorized_matmul, (a, b))
        print(f"{n:>6}{naive:>12.3f}{fast:>15.4f}{naive / fast:>9.0f}x")

    print("\n2. tiled_matmul vs vectorized_matmul (ratio > 1: tiled is slower)")
    print(f"{'n':>6}{'tile':>6}{'tiles':>7}{'tiled ms':>10}{'vectorized ms':>15}{'ratio':>8}")
    for n, tile in ((128, 16), (128, 64), (200, 64), (256, 64), (256, 256)):
        a, b = rng.normal(size=(n, n)).astype(np.float32), rng.normal(size=(n, n)).astype(np.float32)
        tiles = (-(-n // tile)) ** 3  # ceil(n / tile) tiles along each of the three loops
        tiled = _median_ms(lambda x, y: tiled_matmul(x, y, tile_size=tile), (a, b), iterations=3)
        fast = _median_ms(vectorized_matmul, (a, b), iterations=3)
        print(f"{n:>6}{tile:>6}{tiles:>7}{tiled:>10.3f}{fast:>15.3f}{tiled / fast:>8.1f}")

    print("\n3. Module 02's GELU (NumPy expression) vs fused_gelu on 2**19 float32 values (2 MiB)")
    x = Tensor(rng.standard_normal(1 << 19, dtype=np.float32))
    composed, fused = GELU(), fused_gelu
    t_composed, t_fused = _median_ms(composed, (x,)), _median_ms(fused, (x,))
    peak_composed, _ = _memory_of_call(composed, x)
    peak_fused, _ = _memory_of_call(fused, x)
    x_train = Tensor(x.data, requires_grad=True)
    _, held_composed = _memory_of_call(composed, x_train)
    _, held_fused = _memory_of_call(fused, x_train)
    mib = 1 << 20
    print(f"{'':>22}{'module 02':>12}{'fused':>12}")
    print(f"{'time ms':>22}{t_composed:>12.2f}{t_fused:>12.2f}   speedup {t_composed / t_fused:.1f}x")
    print(f"{'peak MiB (inference)':>22}{peak_composed / mib:>12.1f}{peak_fused / mib:>12.1f}")
    print(f"{'held MiB (training)':>22}{held_composed / mib:>12.1f}{held_fused / mib:>12.1f}"
          "   (output + what the graph keeps for backward)")


if __name__ == "__main__":
    analyze_acceleration()

# %% [markdown]
"""
How to read the tables:

- **Naive vs vectorized.** The ratio grows with n: the loop's cost is n^3 interpreted
  steps, while BLAS at these sizes is mostly fixed call overhead. Headline figures
  such as "thousands of times faster" compare exactly this: a Python loop with BLAS.
  They say nothing about a framework that already calls BLAS, as ours has since
  Module 01 (Tensor).
- **Tiled vs vectorized.** Tiled is slower, and much slower with small tiles: every
  tile is a Python iteration plus a small BLAS call, and there are (n/T)^3 of them.
  With one tile covering the whole matrix it is a single BLAS call plus bookkeeping.
  Tiling is how BLAS is fast; it pays off only inside compiled code.
- **Module 02's GELU vs fused GELU.** The fused version is faster (no allocations,
  fewer sweeps) and its peak is about one output buffer instead of several. In
  training the two hold the same: each is one node that keeps only its input and
  recomputes the gate in backward (a GELU composed of a dozen Tensor operations would
  hold every intermediate).

Timings on a shared machine vary from run to run; compare ratios within one run,
and rerun before drawing conclusions from a single odd row.

## Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test, then the three kernels agree with each other inside a small MLP forward pass."""
    test_unit_naive_matmul()
    test_unit_vectorized_matmul()
    test_unit_tiled_matmul()
    test_unit_fused_gelu()
    rng = np.random.default_rng(5)
    x, w1, w2 = rng.normal(size=(6, 10)), rng.normal(size=(10, 12)), rng.normal(size=(12, 3))
    reference = GELU()(Tensor(x) @ Tensor(w1)) @ Tensor(w2)
    fast = vectorized_matmul(fused_gelu(vectorized_matmul(x, w1)), w2)
    tiled = tiled_matmul(fused_gelu(tiled_matmul(x, w1, tile_size=4)), w2, tile_size=5)
    np.testing.assert_allclose(fast.data, reference.data, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tiled.data, reference.data, rtol=1e-4, atol=1e-4)
    print("Module 18 (Acceleration): all tests passed")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- A kernel is judged first by its answer, then by its speed: every kernel here is
  checked against a reference before it is timed.
- Vectorizing moves the loop from Python into compiled BLAS; that is where the large
  factors come from, and the framework has had it since Module 01 (Tensor).
- Tiling keeps the working set in the cache. BLAS already does it, so our Python-level
  tiling is a lesson in the algorithm, measured to be slower than the library.
- Fusion removes temporaries: less time, a lower memory peak, and in training a much
  smaller autograd graph, at the price of writing the backward rule by hand (Module 05's
  `Function`).
"""
