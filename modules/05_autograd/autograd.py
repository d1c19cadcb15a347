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
# Module 05: Autograd - Gradients for Everything Built So Far

Module 01 (tensor) gave us `Tensor` and its primitive operations. Module 02
(activations), module 03 (layers) and module 04 (losses) were written *only* with
those primitives. In this module every primitive learns its derivative, and a
backward pass chains them with the chain rule. Because activations, layers and
losses are compositions of primitives, they get correct gradients without a
single extra line, which is what module 06 (optimizers) needs to train.

What you will build:
1. `Function`: a node of the computation graph that knows its inputs and its backward rule.
2. One `Function` per primitive (`AddBackward`, `MatmulBackward`, `SumBackward`, ...).
3. The backward pass: walk the graph in reverse topological order and accumulate gradients.
4. `enable_autograd()` and `no_grad()`: plug all of this into module 01's recording
   seam, and switch recording off when it is not needed.

Module 01 already prepared the place where this module plugs in: every Tensor
operation returns `record(name, data, inputs)`, which looks `name` up in a table
of backward rules (`AutogradSeam.backward_rules`) that stays empty until this
module fills it. No Tensor method is rewritten: `x * y` runs the same code before
and after, and only the table decides whether the result remembers its origin.
"""

# %% nbgrader={"grade": false, "grade_id": "autograd-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.autograd
#| export
import functools

import numpy as np

from tinytorch.core.activations import GELU_CUBIC, GELU_SCALE, sums_along
from tinytorch.core.tensor import AutogradSeam, Tensor

# %% [markdown]
"""
## 1. The computation graph

Every operation on a Tensor that requires grad records a `Function` node. The
node keeps its input Tensors; the output Tensor keeps the node in `_grad_fn`:

```
 x (leaf) ──┐
            ├─ MulBackward ── y ──┐
 w (leaf) ──┘                     ├─ AddBackward ── z ── SumBackward ── loss
 b (leaf) ────────────────────────┘
```

The backward pass starts at `loss` with gradient 1 and visits nodes so that a
node runs only after *every* node that used its output has passed its gradient
back (reverse topological order). Each node turns d(loss)/d(output) into
d(loss)/d(input) for each input (the chain rule), and leaves sum what they receive.

### Recording on and off
Recording costs memory (every node keeps its inputs alive) and time. During
evaluation we switch it off with `with no_grad(): ...`. The switch is module 01's
`AutogradSeam.recording` flag, so under `no_grad()` an operation does not even build
the node it would otherwise throw away.
"""

# %% nbgrader={"grade": false, "grade_id": "grad-mode", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def is_grad_enabled():
    """True when operations record the graph (outside every `no_grad()` block)."""
    return AutogradSeam.recording


class no_grad:
    """Context manager (and decorator) that turns graph recording off.

    TODO: Save the current mode on entry and switch recording off; restore the
    saved mode on exit, also when the block raises.

    APPROACH:
    1. Keep a stack of saved modes, so the same object can be nested (re-entrant).
    2. __exit__ pops and restores and returns False (exceptions propagate).

    EXAMPLE:
    >>> with no_grad():
    ...     y = w * 2          # y.requires_grad is False, no graph is kept

    HINTS:
    - Restore the *saved* value rather than setting True: no_grad may sit inside no_grad.
    """

    def __init__(self):
        self._saved = []

    def __enter__(self):
        ### BEGIN SOLUTION
        self._saved.append(AutogradSeam.recording)
        AutogradSeam.recording = False
        return self
        ### END SOLUTION

    def __exit__(self, exc_type, exc, traceback):
        ### BEGIN SOLUTION
        AutogradSeam.recording = self._saved.pop()
        return False
        ### END SOLUTION

    def __call__(self, function):
        @functools.wraps(function)
        def without_grad(*args, **kwargs):
            with no_grad():
                return function(*args, **kwargs)

        return without_grad

# %% [markdown]
"""
## 2. `Function`: one node, one backward rule

```
        forward:   inputs (a, b) ──────────────► output data
        backward:  (grad_a, grad_b) ◄────────── grad_output
```

`backward(grad_output)` returns one gradient per input (None for inputs that need
none). Broadcasting in the forward pass means a gradient can come back larger than
its input: `x (3,) + y (2, 3)` gives grad_output `(2, 3)`, but x's gradient must be
`(3,)`, the sum over the axis that was broadcast. `unbroadcast` does that sum.

Later modules write their own Functions (Conv2d in module 09, for example) with
this same protocol.
"""

# %% nbgrader={"grade": false, "grade_id": "function-base", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`, undoing numpy broadcasting.

    TODO: Sum away the leading axes numpy added, then the axes that were stretched from size 1.

    APPROACH:
    1. While grad has more dimensions than `shape`, sum over axis 0.
    2. Sum (keepdims=True) over every axis where `shape` has size 1 and grad does not.

    EXAMPLE:
    >>> unbroadcast(np.ones((2, 3)), (3,))
    array([2., 2., 2.])

    HINTS:
    - A 0-d target shape () sums everything.
    """
    ### BEGIN SOLUTION
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:  # audit: ignore[BITE006] `extra >= 0` is equivalent: a sum over no axes changes nothing
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad
    ### END SOLUTION


class Function:
    """A node of the computation graph: the inputs of one operation and its backward rule.

    Subclasses implement `backward(grad_output)`, returning a tuple with one ndarray
    (or None) per input. `needs_grad(i)` lets them skip work for inputs that need none.
    """

    def __init__(self, *inputs):
        self.inputs = inputs

    def needs_grad(self, i):
        tensor = self.inputs[i]
        return tensor is not None and tensor.requires_grad

    def backward(self, grad_output):
        raise NotImplementedError(f"{type(self).__name__} must implement backward(grad_output)")

    def output(self, data):
        """Wrap a forward result in a Tensor, recording this node when a gradient is needed.

        TODO: Build Tensor(data). If recording is on and some input requires grad,
        mark the result `requires_grad=True` and point its `_grad_fn` at this node.
        """
        ### BEGIN SOLUTION
        result = Tensor(data)
        if AutogradSeam.recording and any(getattr(t, "requires_grad", False) for t in self.inputs):
            result.requires_grad = True
            result._grad_fn = self
        return result
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-function-base", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_unit_function_base():
    """unbroadcast sums stretched axes; output() records only when needed; no_grad nests."""
    assert np.array_equal(unbroadcast(np.ones((2, 3)), (3,)), [2, 2, 2])
    assert np.array_equal(unbroadcast(np.ones((2, 3)), (2, 1)), [[3], [3]])
    assert unbroadcast(np.ones((4, 5)), ()).item() == 20
    leaf, constant = Tensor([1.0], requires_grad=True), Tensor([2.0])
    assert Function(leaf, None).output(np.ones(1))._grad_fn is not None
    assert Function(constant).output(np.ones(1)).requires_grad is False
    guard = no_grad()
    with guard:
        with guard:
            assert Function(leaf).output(np.ones(1)).requires_grad is False
        assert not is_grad_enabled()
    assert is_grad_enabled()


if __name__ == "__main__":
    test_unit_function_base()

# %% [markdown]
"""
## 3. Backward rules for arithmetic and matmul

For `out = f(a, b)` and upstream gradient `g = dL/d(out)`:

```
 a + b   ->  g,             g             (then unbroadcast to each shape)
 a - b   ->  g,            -g
 a * b   ->  g * b,         g * a
 a / b   ->  g / b,        -g * a / b**2
 a ** p  ->  g * p * a**(p-1)
 A @ B   ->  g @ B^T,       A^T @ g       (batch axes summed if broadcast)
```

For matmul, a 1-D operand is first viewed as a matrix (a row on the left, a
column on the right) so one rule covers every case. The most common case gets a
shortcut: a batch of inputs `(batch, n, k)` times one weight matrix `(k, m)`
(every `Linear` layer on a sequence). Its batch axes just stack more rows, so the
backward pass flattens them and computes each gradient as one `(batch*n, ...)`
matrix product, which is several times faster than a product per batch entry.
"""

# %% nbgrader={"grade": false, "grade_id": "arithmetic-functions", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class AddBackward(Function):
    """out = a + b: both inputs receive the upstream gradient unchanged.

    TODO: Return (grad for a, grad for b), each unbroadcast to its input's shape.
    HINTS: Return None for an input that does not need a gradient (`self.needs_grad(i)`).
    """

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        a, b = self.inputs
        return (unbroadcast(grad_output, a.shape) if self.needs_grad(0) else None,
                unbroadcast(grad_output, b.shape) if self.needs_grad(1) else None)
        ### END SOLUTION


class SubBackward(Function):
    """out = a - b: a receives g, b receives -g."""

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        a, b = self.inputs
        return (unbroadcast(grad_output, a.shape) if self.needs_grad(0) else None,
                unbroadcast(-grad_output, b.shape) if self.needs_grad(1) else None)
        ### END SOLUTION


class MulBackward(Function):
    """out = a * b: each input receives g times the other input (product rule)."""

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        a, b = self.inputs
        return (unbroadcast(grad_output * b.data, a.shape) if self.needs_grad(0) else None,
                unbroadcast(grad_output * a.data, b.shape) if self.needs_grad(1) else None)
        ### END SOLUTION


class DivBackward(Function):
    """out = a / b: a receives g / b, b receives -g * a / b**2 (quotient rule)."""

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        a, b = self.inputs
        return (unbroadcast(grad_output / b.data, a.shape) if self.needs_grad(0) else None,
                unbroadcast(-grad_output * a.data / (b.data * b.data), b.shape) if self.needs_grad(1) else None)
        ### END SOLUTION


class NegBackward(Function):
    """out = -x: the gradient flips sign."""

    def backward(self, grad_output):
        return (-grad_output,)


class PowBackward(Function):
    """out = x ** p for a number p: d/dx = p * x ** (p - 1) (zero when p == 0)."""

    def __init__(self, x, exponent):
        super().__init__(x)
        self.exponent = exponent

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        (x,) = self.inputs
        p = self.exponent
        if p == 0:
            return (np.zeros_like(grad_output),)
        return (grad_output * p * x.data ** (p - 1),)
        ### END SOLUTION


class MatmulBackward(Function):
    """out = a @ b with numpy semantics: grad_a = g @ b^T, grad_b = a^T @ g.

    TODO: Handle 1-D operands and broadcast batch axes.

    APPROACH:
    1. View a 1-D `a` as a row (1, k) and a 1-D `b` as a column (k, 1); give g the matching axes.
    2. Compute both products with the last two axes swapped (np.swapaxes).
    3. unbroadcast each to its matrix shape (sums broadcast batch axes), then reshape to the input's shape.

    EXAMPLE: a (4, 2, 3) @ b (3, 5): g (4, 2, 5); grad_b = a^T @ g is (4, 3, 5), summed to (3, 5).
    HINTS: np.matmul broadcasts batch axes for you.
    """

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        a, b = self.inputs[:2]  # LinearBackward (section 5) adds a third input, the bias
        if a.ndim > 2 and b.ndim == 2:  # audit: ignore[BITE006] a faster route to the same gradients: the general path below handles every shape
            return self._shared_matrix_backward(grad_output)
        a2 = a.data[np.newaxis, :] if a.ndim == 1 else a.data
        b2 = b.data[:, np.newaxis] if b.ndim == 1 else b.data
        g = grad_output
        if b.ndim == 1:
            g = g[..., np.newaxis]  # the column axis b's 1-D shape dropped
        if a.ndim == 1:
            g = g[..., np.newaxis, :]  # the row axis a's 1-D shape dropped
        grad_a = grad_b = None
        if self.needs_grad(0):
            grad_a = unbroadcast(np.matmul(g, np.swapaxes(b2, -1, -2)), a2.shape).reshape(a.shape)
        if self.needs_grad(1):
            grad_b = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g), b2.shape).reshape(b.shape)
        return grad_a, grad_b
        ### END SOLUTION

    def _shared_matrix_backward(self, grad_output):
        """a (batch..., n, k) @ b (k, m), the layer case: every batch entry multiplies the same b.

        The batch axes only stack more rows, so view a as one (batch*n, k) matrix and g as
        (batch*n, m): each gradient is then one matrix product, instead of one per batch
        entry (plus a sum over the batch for grad_b).
        """
        a, b = self.inputs[:2]
        rows_a = a.data.reshape(-1, a.shape[-1])
        rows_g = grad_output.reshape(-1, grad_output.shape[-1])
        grad_a = (rows_g @ b.data.T).reshape(a.shape) if self.needs_grad(0) else None
        grad_b = rows_a.T @ rows_g if self.needs_grad(1) else None
        return grad_a, grad_b

# %% nbgrader={"grade": true, "grade_id": "test-arithmetic-functions", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def test_unit_arithmetic_functions():
    """Hand-worked gradients of each rule, called directly on Function objects."""
    a = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = Tensor([2.0, 4.0], requires_grad=True)
    g = np.ones((2, 2), dtype=np.float32)
    grad_a, grad_b = AddBackward(a, b).backward(g)
    assert np.array_equal(grad_a, g) and np.array_equal(grad_b, [2, 2])
    grad_a, grad_b = MulBackward(a, b).backward(g)
    assert np.array_equal(grad_a, [[2, 4], [2, 4]]) and np.array_equal(grad_b, [4, 6])
    grad_a, grad_b = DivBackward(a, b).backward(g)
    assert np.allclose(grad_b, [-(1 + 3) / 4, -(2 + 4) / 16]) and np.allclose(grad_a, [[0.5, 0.25], [0.5, 0.25]])
    assert np.allclose(PowBackward(a, 3).backward(g)[0], 3 * a.data ** 2)
    # x (2,) @ W (2, 2): dW = outer(x, g), dx = W @ g
    x, w = Tensor([1.0, 2.0], requires_grad=True), Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    grad_x, grad_w = MatmulBackward(x, w).backward(np.array([1.0, 1.0]))
    assert np.array_equal(grad_x, [3, 7]) and np.array_equal(grad_w, [[1, 1], [2, 2]])
    batch = Tensor(np.ones((4, 2, 3)))
    _, grad_w = MatmulBackward(batch, Tensor(np.ones((3, 5)), requires_grad=True)).backward(np.ones((4, 2, 5)))
    assert grad_w.shape == (3, 5) and np.all(grad_w == 8)
    stacks = (Tensor(np.ones((2, 2, 3)), requires_grad=True), Tensor(np.ones((2, 3, 4)), requires_grad=True))
    grad_a, grad_b = MatmulBackward(*stacks).backward(np.ones((2, 2, 4)))  # a batch of matrices on both sides
    assert grad_a.shape == (2, 2, 3) and np.all(grad_a == 4) and grad_b.shape == (2, 3, 4) and np.all(grad_b == 2)


if __name__ == "__main__":
    test_unit_arithmetic_functions()

# %% nbgrader={"grade": true, "grade_id": "test-sub-backward", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_unit_sub_backward():
    """a - b: a receives g, b receives -g, each summed back to its shape; no gradient for a constant."""
    a = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = Tensor([2.0, 4.0], requires_grad=True)
    g = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    grad_a, grad_b = SubBackward(a, b).backward(g)
    assert np.array_equal(grad_a, g)
    assert np.array_equal(grad_b, [-(1.0 + 3.0), -(2.0 + 4.0)])
    grad_a, grad_b = SubBackward(a, Tensor([1.0, 1.0])).backward(g)
    assert np.array_equal(grad_a, g) and grad_b is None


if __name__ == "__main__":
    test_unit_sub_backward()

# %% [markdown]
"""
## 4. Backward rules for shapes, reductions, indexing and element-wise math

```
 reshape / transpose  -> reshape / transpose g back
 sum(axis)            -> g copied along the summed axis          [g g g]
 mean(axis)           -> the same, divided by the count           [g/3 g/3 g/3]
 max(axis)            -> g to the maximal entries only            [0 g 0]
 x[idx]               -> zeros of x's shape, g scattered into idx (repeated idx add up)
 exp -> g*out   log -> g/x   sqrt -> g/(2*out)   tanh -> g*(1-out**2)
 clip(lo, hi) -> g where lo <= x <= hi     maximum(c) -> g where x > c
```

Tie rules (documented choices; they only matter on exact ties):
- `max`: tied maxima share the gradient equally, so the total stays g.
- `clip`: a value exactly on a bound passes the gradient.
- `maximum(c)`: a value equal to c gets none (ReLU's usual convention at 0).
"""

# %% nbgrader={"grade": false, "grade_id": "shape-and-math-functions", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _expand_reduced(grad, shape, axis, keepdims):
    """Broadcast the gradient of a reduction back over the reduced axes of `shape`."""
    if axis is not None and not keepdims:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        grad = np.expand_dims(grad, tuple(a % len(shape) for a in axes))
    return np.broadcast_to(grad, shape)


class ReshapeBackward(Function):
    """out = x.reshape(...): reshape g back to x's shape."""

    def backward(self, grad_output):
        return (grad_output.reshape(self.inputs[0].shape),)


class TransposeBackward(Function):
    """out = x.transpose(d0, d1): swapping the same axes again undoes it."""

    def __init__(self, x, dim0=-2, dim1=-1):
        super().__init__(x)
        self.dims = (dim0, dim1)

    def backward(self, grad_output):
        return (np.swapaxes(grad_output, *self.dims),)


class SumBackward(Function):
    """out = x.sum(axis): every summed element receives g."""

    def __init__(self, x, axis=None, keepdims=False):
        super().__init__(x)
        self.axis, self.keepdims = axis, keepdims

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        return (_expand_reduced(grad_output, self.inputs[0].shape, self.axis, self.keepdims),)
        ### END SOLUTION


class MeanBackward(SumBackward):
    """out = x.mean(axis): every averaged element receives g / count."""

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        x = self.inputs[0]
        count = x.size // max(np.size(grad_output), 1)  # audit: ignore[BITE006] `/` is equivalent: the division is exact
        return (_expand_reduced(grad_output / count, x.shape, self.axis, self.keepdims),)
        ### END SOLUTION


class MaxBackward(SumBackward):
    """out = x.max(axis): g goes to the maximal entries, shared equally between ties.

    TODO: Build a mask of the entries equal to the maximum, divide by the number of
    ties per reduced slice, multiply by the expanded g.
    HINTS: recompute the maximum with keepdims=True so it broadcasts against x.
    """

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        x = self.inputs[0].data
        is_max = x == np.max(x, axis=self.axis, keepdims=True)
        ties = np.sum(is_max, axis=self.axis, keepdims=True)
        grad = _expand_reduced(grad_output, x.shape, self.axis, self.keepdims)
        return (grad * is_max / ties,)
        ### END SOLUTION


def _is_basic_index(index):
    """True when an index uses only ints, slices, None and ..., so no position repeats."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


def _add_rows_at(grad, rows, values):
    """grad[rows] += values for an integer array `rows` naming whole rows; repeated rows add up.

    np.add.at is slow when each index names a whole row (an embedding lookup picks rows
    of its table) and fast when each names one number. So scatter into the flat array:
    row r of width w covers the flat positions r * w, ..., r * w + w - 1.
    """
    width = grad[0].size
    rows = rows.astype(np.intp, copy=False)  # uint64 rows + int64 offsets would give float positions
    positions = rows.reshape(-1, 1) * width + np.arange(width)  # a negative row r counts from the end, as r * w does
    np.add.at(grad.reshape(-1), positions.reshape(-1), values.reshape(-1))


class GetitemBackward(Function):
    """out = x[index]: scatter g back into a zero array of x's shape.

    TODO: Use np.add.at so an index that appears twice (x[[0, 0]]) receives both gradients.
    HINTS: plain `grad[index] += g` keeps only one of the repeated contributions;
    an integer array picking whole rows goes through _add_rows_at (same result, faster).
    """

    def __init__(self, x, index):
        super().__init__(x)
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(p.data if isinstance(p, Tensor) else p for p in index)
        self.index = index

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        grad = np.zeros(self.inputs[0].shape, dtype=grad_output.dtype)
        if _is_basic_index(self.index):
            grad[self.index] = grad_output  # a view: every position appears once
        elif isinstance(self.index, np.ndarray) and self.index.dtype.kind in "iu" and grad.ndim > 1:  # audit: ignore[BITE006] a faster path: np.add.at gives the same sums
            _add_rows_at(grad, self.index, grad_output)  # whole rows, e.g. an embedding lookup
        else:
            np.add.at(grad, self.index, grad_output)
        return (grad,)
        ### END SOLUTION


class _SavesOutput(Function):
    """A Function whose backward rule uses the forward result (exp, sqrt, tanh)."""

    def output(self, data):
        self.result = np.asarray(data)
        return super().output(data)


class ExpBackward(_SavesOutput):
    """out = exp(x): d/dx = exp(x) = out."""

    def backward(self, grad_output):
        return (grad_output * self.result,)


class LogBackward(Function):
    """out = log(x): d/dx = 1 / x."""

    def backward(self, grad_output):
        return (grad_output / self.inputs[0].data,)


class SqrtBackward(_SavesOutput):
    """out = sqrt(x): d/dx = 1 / (2 sqrt(x)) = 1 / (2 out)."""

    def backward(self, grad_output):
        return (grad_output / (2 * self.result),)


class TanhBackward(_SavesOutput):
    """out = tanh(x): d/dx = 1 - tanh(x)**2 = 1 - out**2."""

    def backward(self, grad_output):
        return (grad_output * (1 - self.result * self.result),)


class ClipBackward(Function):
    """out = clip(x, low, high): g passes where low <= x <= high, zero outside."""

    def __init__(self, x, low, high):
        super().__init__(x)
        self.low, self.high = low, high

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        x = self.inputs[0].data
        inside = np.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return (grad_output * inside,)
        ### END SOLUTION


class MaximumBackward(Function):
    """out = maximum(x, c): g passes where x > c (ties get none, as ReLU at 0)."""

    def __init__(self, x, value):
        super().__init__(x)
        self.value = value

    def backward(self, grad_output):
        return (grad_output * (self.inputs[0].data > self.value),)

# %% nbgrader={"grade": true, "grade_id": "test-shape-and-math-functions", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def test_unit_shape_and_math_functions():
    """Hand-worked gradients of reductions, indexing and element-wise rules."""
    x = Tensor([[1.0, 5.0, 5.0], [2.0, 0.0, 1.0]], requires_grad=True)
    (grad,) = SumBackward(x, 1).backward(np.array([1.0, 2.0]))
    assert np.array_equal(grad, [[1, 1, 1], [2, 2, 2]])
    (grad,) = MeanBackward(x, 0, True).backward(np.ones((1, 3)))
    assert np.allclose(grad, 0.5)
    (grad,) = MaxBackward(x, 1).backward(np.array([1.0, 1.0]))
    assert np.array_equal(grad, [[0, 0.5, 0.5], [1, 0, 0]])  # the tie shares
    (grad,) = GetitemBackward(x, (Tensor([0, 0, 1]), 1)).backward(np.ones(3))
    assert np.array_equal(grad, [[0, 2, 0], [0, 1, 0]])  # repeated row 0 adds up
    (grad,) = GetitemBackward(x, np.array([1, 1, -2])).backward(np.ones((3, 3)))
    assert np.array_equal(grad, [[1, 1, 1], [2, 2, 2]])  # whole rows: row 1 twice, -2 is row 0
    (grad,) = ClipBackward(x, 1.0, 2.0).backward(np.ones((2, 3)))
    assert np.array_equal(grad, [[1, 0, 0], [1, 0, 1]])
    (grad,) = MaximumBackward(x, 1.0).backward(np.ones((2, 3)))
    assert np.array_equal(grad, [[0, 1, 1], [1, 0, 0]])
    small = Tensor([-1.0, 0.0, 0.5], requires_grad=True)
    tanh = TanhBackward(small)
    tanh.output(np.tanh(small.data))
    assert np.allclose(tanh.backward(np.ones(3))[0], 1 / np.cosh(small.data) ** 2, rtol=1e-5)


if __name__ == "__main__":
    test_unit_shape_and_math_functions()

# %% [markdown]
"""
## 5. Backward rules for the fused operations of modules 02 to 04

GELU and Softmax (module 02), Linear's `x @ W + b` (module 03) and `log_softmax`
(module 04) each compute their forward pass with NumPy and record *one* operation
through the seam (`record("gelu", ...)`, section 7) instead of two to nine
primitives. One node means one backward call and no intermediate arrays kept
alive; in exchange, each needs its derivative written out here:

```
 gelu:        y = 0.5 x (1 + t),  t = tanh(u),  u = s (x + c x^3)
              dy/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) s (1 + 3 c x^2)
                    = sig (1 + 2 x u' (1 - sig))   with sig = 0.5 (1 + t) = 1 / (1 + exp(-2u))
 linear:      y = x @ W + b       grad_x, grad_W as for x @ W (section 3);  grad_b = g summed over rows
 softmax:     p = softmax(x)      grad_x = p * (g - sum(g * p))       (sums along the axis)
 log_softmax: o = log_softmax(x)  grad_x = g - exp(o) * sum(g)        (exp(o) is the softmax)
```

Softmax and log_softmax need only their output, which they keep (as `exp`
does); GELU recomputes its gate `sig` from its input rather than keeping another
array, with one `exp` (module 02 explains why not `tanh`) and a few work arrays
updated in place: these rules run on the largest activations of a model, where
every temporary array costs a full pass over memory.
`LinearBackward` is a `MatmulBackward` with one more input: it reuses the
matrix-product rule and adds the bias gradient.
The gradient checks of this module's suite compare them with finite
differences, and with the same functions composed from primitives.
"""

# %% nbgrader={"grade": false, "grade_id": "fused-functions", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class GeluBackward(Function):
    """out = gelu(x) (tanh approximation, module 02): g times the derivative above.

    TODO: Recompute sig = 0.5 (1 + tanh(s (x + c x^3))) from x and return g * dy/dx.
    HINTS: GELU_SCALE and GELU_CUBIC are s and c, imported from module 02; sig = 1 / (1 + exp(-2u)),
    and exp overflowing to inf (sig = 0) is the right limit, as in the forward pass.
    """

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        x = self.inputs[0].data
        # The forward's gate sig = 1 / (1 + exp(-2u)) = 0.5 (1 + t), recomputed from x. Each step writes
        # into one of three work arrays (out=, *=): this rule runs on a model's largest activations.
        slope = np.multiply(x, x, out=np.empty_like(x))  # x^2, needed twice; out=: an array even for 0-d x
        e = np.multiply(slope, x, out=np.empty_like(x))  # x^3
        e *= GELU_CUBIC
        e += x
        e *= -2.0 * GELU_SCALE  # -2u
        with np.errstate(over="ignore"):  # inf for x below about -10, where sig = 0: its limit, as in the forward
            np.exp(e, out=e)
        e += 1.0
        sig = np.divide(1.0, e, out=np.empty_like(x))
        np.subtract(1.0, sig, out=e)  # 1 - sig
        slope *= 6.0 * GELU_SCALE * GELU_CUBIC
        slope += 2.0 * GELU_SCALE  # 2 du/dx = 2 s (1 + 3 c x^2)
        slope *= x
        slope *= e
        slope += 1.0
        slope *= sig  # sig (1 + 2 x du/dx (1 - sig)) = 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx
        slope *= grad_output
        return (slope,)
        ### END SOLUTION


class LinearBackward(MatmulBackward):
    """out = x @ weight + bias (module 03's Linear): the matmul's gradients, plus g summed over rows for bias."""

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        grad_x, grad_weight = super().backward(grad_output)  # the inputs x, weight as in x @ weight
        bias = self.inputs[2]
        grad_bias = unbroadcast(grad_output, bias.shape) if self.needs_grad(2) else None
        return grad_x, grad_weight, grad_bias
        ### END SOLUTION


class SoftmaxBackward(_SavesOutput):
    """out = softmax(x) along `axis`: grad_x = p * (g - sum(g * p)) with p the output."""

    def __init__(self, x, axis):
        super().__init__(x)
        self.axis = axis

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        p = self.result
        grad = grad_output * p  # one work array, updated in place (never edit grad_output: it may be shared)
        grad -= p * sums_along(grad, self.axis)  # p * g - p * sum(g * p)
        return (grad,)
        ### END SOLUTION


class LogSoftmaxBackward(SoftmaxBackward):
    """out = log_softmax(x) along `axis`: grad_x = g - softmax(x) * sum(g), softmax(x) = exp(out)."""

    def backward(self, grad_output):
        ### BEGIN SOLUTION
        total = np.sum(grad_output, axis=self.axis, keepdims=True)
        return (grad_output - np.exp(self.result) * total,)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-fused-functions", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def test_unit_fused_functions():
    """Each fused rule matches central finite differences of its forward formula."""
    def numeric_gradient(f, x, g, h=1e-6):
        grad = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[i] = h
            grad[i] = np.sum(g * (f(x + step) - f(x - step))) / (2 * h)
        return grad

    def softmax(v):
        e = np.exp(v - v.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def gelu(v):
        return 0.5 * v * (1 + np.tanh(GELU_SCALE * (v + GELU_CUBIC * v ** 3)))

    x = np.array([[-2.0, -0.5, 0.0, 0.7], [1.5, 3.0, -1.0, 0.2]])
    g = np.array([[1.0, -2.0, 0.5, 3.0], [0.3, 1.0, -1.0, 2.0]])
    (grad,) = GeluBackward(Tensor(x)).backward(g)
    assert np.allclose(grad, numeric_gradient(gelu, x, g), atol=1e-4)
    for rule, f in ((SoftmaxBackward, softmax), (LogSoftmaxBackward, lambda v: np.log(softmax(v)))):
        node = rule(Tensor(x), 1)
        node.output(f(x))
        assert np.allclose(node.backward(g)[0], numeric_gradient(f, x, g), atol=1e-4), rule.__name__
    # linear: y = x @ W + b on a (2, 2, 4) batch: dW sums over every row, db = g summed over rows.
    xs, w, b = np.arange(16.0).reshape(2, 2, 4) / 8, np.arange(12.0).reshape(4, 3) / 6, np.array([1.0, -1.0, 2.0])
    gs = np.arange(12.0).reshape(2, 2, 3) - 5
    node = LinearBackward(Tensor(xs, requires_grad=True), Tensor(w, requires_grad=True), Tensor(b, requires_grad=True))
    grad_x, grad_w, grad_b = node.backward(gs)
    assert np.allclose(grad_x, gs @ w.T) and grad_x.shape == (2, 2, 4)
    assert np.allclose(grad_w, np.einsum("nti,nto->io", xs, gs))
    assert np.allclose(grad_b, gs.sum(axis=(0, 1)))


if __name__ == "__main__":
    test_unit_fused_functions()

# %% [markdown]
"""
## 6. The backward pass

```
 order = reverse topological order of the Function nodes behind `loss`
 grads = {loss's node: dL/dloss}
 for node in order:                 every consumer of node's output already ran
     for input, g in zip(node.inputs, node.backward(grads[node])):
         leaf?      input.grad += g
         otherwise  grads[input's node] += g
```

The order comes from an iterative depth-first search (an explicit stack instead
of recursion, so a chain of 100 000 operations does not hit Python's recursion
limit). Every node and edge is visited once, so backward costs about as much as
the forward pass.
"""

# %% nbgrader={"grade": false, "grade_id": "backward-pass", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def topological_order(root):
    """The Function nodes behind `root` (a Function), each before the nodes that produced its inputs.

    TODO: Iterative depth-first search that emits a node after all its producers
    (post-order), then reverse that list.

    APPROACH:
    1. Stack of (node, expanded) pairs; a node is marked visited when first expanded.
    2. On first pop push (node, True) back, then its unvisited producers.
    3. On the second pop (expanded=True) append it to the post-order.

    EXAMPLE: for loss = sum(x * w + b): [SumBackward, AddBackward, MulBackward].
    HINTS: a producer is `t._grad_fn` for each input Tensor `t` that has one.
    """
    ### BEGIN SOLUTION
    post_order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            post_order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for tensor in node.inputs:
            producer = getattr(tensor, "_grad_fn", None)
            if producer is not None and producer not in visited:
                stack.append((producer, False))
    post_order.reverse()
    return post_order
    ### END SOLUTION


def _accumulate_leaf(tensor, grad):
    """Add `grad` into a leaf's .grad (a fresh float array the first time)."""
    if tensor.grad is None:
        tensor.grad = np.array(grad, dtype=tensor.data.dtype)  # copy: grad may be a read-only view
    else:
        tensor.grad = tensor.grad + grad.astype(tensor.data.dtype, copy=False)


def backward_pass(root, gradient=None):
    """What `root.backward(gradient)` runs: accumulate d(root)/d(leaf) into every leaf's .grad.

    TODO: Seed the gradient, walk `topological_order`, call each node's backward,
    route every input gradient to a leaf's .grad or to its producer's pending sum.

    APPROACH:
    1. gradient=None is allowed only for a one-element Tensor (seed with ones).
    2. pending = {root node: seed}; for each node in order, pop its gradient and call backward.
    3. Skip None gradients and inputs that do not require grad; reduce shapes with unbroadcast.

    EXAMPLE:
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> (w * w).sum().backward(); w.grad
    array([2., 4.], dtype=float32)

    HINTS: a gradient can arrive at a node from several consumers: add them up.
    """
    ### BEGIN SOLUTION
    if not root.requires_grad:
        raise RuntimeError("backward() called on a Tensor that does not require grad "
                           "(no input had requires_grad=True, or it was computed under no_grad())")
    if gradient is None:
        if root.size != 1:
            raise ValueError(f"backward() without a gradient needs a one-element Tensor, got shape {root.shape}; "
                             "pass gradient= with the same shape")
        seed = np.ones(root.shape, dtype=root.data.dtype)
    else:
        seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=root.data.dtype)
        if seed.shape != root.shape:
            raise ValueError(f"backward() gradient has shape {seed.shape}, the Tensor has shape {root.shape}")
    if root._grad_fn is None:
        _accumulate_leaf(root, seed)
        return
    pending = {root._grad_fn: seed}
    for node in topological_order(root._grad_fn):
        grad_output = pending.pop(node, None)
        if grad_output is None:
            continue
        input_grads = node.backward(grad_output)
        if len(input_grads) != len(node.inputs):
            raise RuntimeError(f"{type(node).__name__}.backward returned {len(input_grads)} gradients "
                               f"for {len(node.inputs)} inputs")
        for tensor, grad in zip(node.inputs, input_grads):
            if grad is None or tensor is None or not tensor.requires_grad:
                continue
            if grad.shape != tensor.shape:  # audit: ignore[BITE006] a safety net: every rule above already returns its input's shape
                grad = unbroadcast(grad, tensor.shape)
            if tensor._grad_fn is None:
                _accumulate_leaf(tensor, grad)
            elif tensor._grad_fn in pending:
                pending[tensor._grad_fn] = pending[tensor._grad_fn] + grad
            else:
                pending[tensor._grad_fn] = grad
    ### END SOLUTION

# %% [markdown]
"""
## 7. Switching autograd on: filling module 01's seam

Module 01 ends every operation with `record(name, data, inputs, *params)`:

```
def record(name, data, inputs, *params):          (module 01)
    rule = AutogradSeam.backward_rules.get(name)
    if rule is None or no_grad() is on or no input requires grad:
        return Tensor(data)                        plain result, nothing recorded
    return rule(*inputs, *params).output(data)     a graph node (section 2)
```

So switching autograd on is filling in two blanks of `AutogradSeam`:

```
 backward_rules = {"add": AddBackward, "mul": MulBackward, ..., "maximum": MaximumBackward}
 backward_pass  = backward_pass          (section 6; Tensor.backward() calls it)
```

The names are the ones module 01 passes to `record`, and each Function's
constructor takes exactly the inputs and `params` that operation passes
(`"sum"` passes `axis, keepdims`, so `SumBackward(x, axis, keepdims)`).
Calling `enable_autograd()` again puts the same table in the same place, so it
is idempotent by construction. Reflected operators (`2 * x`), `@` and `.T` go
through the operations above and need no entry of their own.

Why a table instead of replacing `Tensor.__mul__` with a recording version?
Replacing methods makes `x * y` mean different code depending on an import
somewhere else, and wrapping a method twice (a second `enable_autograd()`)
would record every operation twice. With the seam the Tensor class never
changes; only the table's contents do.
"""

# %% nbgrader={"grade": false, "grade_id": "enable-autograd", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
BACKWARD_RULES = {
    "add": AddBackward, "sub": SubBackward, "mul": MulBackward, "div": DivBackward,
    "matmul": MatmulBackward, "neg": NegBackward, "pow": PowBackward,
    "reshape": ReshapeBackward, "transpose": TransposeBackward, "sum": SumBackward,
    "mean": MeanBackward, "max": MaxBackward, "getitem": GetitemBackward,
    "exp": ExpBackward, "log": LogBackward, "sqrt": SqrtBackward, "tanh": TanhBackward,
    "clip": ClipBackward, "maximum": MaximumBackward,
    # the fused operations of modules 02 to 04 (section 5)
    "gelu": GeluBackward, "linear": LinearBackward, "softmax": SoftmaxBackward,
    "log_softmax": LogSoftmaxBackward,
}


def enable_autograd():
    """Plug this module's backward rules and backward pass into module 01's seam. Idempotent.

    TODO: Point `AutogradSeam.backward_rules` at BACKWARD_RULES and
    `AutogradSeam.backward_pass` at `backward_pass`.

    EXAMPLE:
    >>> enable_autograd(); enable_autograd()      # the second call changes nothing
    HINTS: assign, never wrap: the Tensor class itself is not touched.
    """
    ### BEGIN SOLUTION
    AutogradSeam.backward_rules = BACKWARD_RULES
    AutogradSeam.backward_pass = backward_pass
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-backward-pass", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_backward_pass():
    """End to end: shared inputs add up, calls accumulate, no_grad records nothing, idempotent."""
    enable_autograd()
    enable_autograd()
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = Tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    loss = ((x @ w) * (x @ w)).sum()  # (x.w)^2 = 196, d/dx = 2 (x.w) w = 28 w
    loss.backward()
    assert np.allclose(x.grad, 28 * w.data[:, 0]) and np.allclose(w.grad[:, 0], 28 * x.data)
    (x * x).sum().backward()  # accumulates 2x on top
    assert np.allclose(x.grad, 28 * w.data[:, 0] + 2 * x.data)
    with no_grad():
        assert (x * 2).requires_grad is False
    y = x
    for _ in range(1500):  # a chain of 3,000 nodes, three times the default recursion limit
        y = y * 1.0 + 0.0
    x.grad = None
    y.sum().backward()
    assert np.allclose(x.grad, 1.0)
    x.grad = None
    h = x * 3.0  # one intermediate read twice: its two gradients add up before flowing on
    (h * h + h).sum().backward()
    assert np.allclose(x.grad, 18 * x.data + 3)
    x.grad = None
    (x * 2).backward(np.array([1.0, 0.0, 2.0]))  # an explicit gradient of the output's shape
    assert np.allclose(x.grad, [2.0, 0.0, 4.0])
    try:
        (x * 2).backward(np.ones(2))
        raise AssertionError("a gradient of the wrong shape must be rejected")
    except ValueError as error:
        assert "(2,)" in str(error)
    try:
        (x * 2).backward()
        raise AssertionError("a non-scalar output needs an explicit gradient")
    except ValueError as error:
        assert "(3,)" in str(error)


if __name__ == "__main__":
    test_unit_backward_pass()

# %% nbgrader={"grade": false, "grade_id": "enable-on-import", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
# Deliberate import-time effect: API.md says autograd is on once tinytorch.core.autograd is imported.
# It fills module 01's backward table (section 7); no Tensor method changes.
enable_autograd()  # audit: ignore[SE001]

# %% [markdown]
"""
## Systems analysis: what does the graph cost?

We time the forward pass of a small two-layer network with and without recording,
time its backward pass, and count the bytes of the intermediate results the graph
keeps alive (without recording they would be freed as soon as they are used).
"""

# %% nbgrader={"grade": false, "grade_id": "analyze-autograd", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_graph_cost(batch=128, width=256, repeats=5):
    """Print forward time with/without recording, backward time, and the memory the graph holds."""
    import time

    x = Tensor(np.random.randn(batch, width))
    w1 = Tensor(np.random.randn(width, width) * 0.05, requires_grad=True)
    w2 = Tensor(np.random.randn(width, 10) * 0.05, requires_grad=True)

    def forward():
        return ((x @ w1).maximum(0.0) @ w2).mean()

    loss = forward()
    runs = {"forward, no_grad": no_grad()(forward), "forward, recording": forward, "backward": loss.backward}
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):  # round-robin, fastest run: load on a shared machine only adds time
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    print(", ".join(f"{name} {seconds * 1e3:.2f} ms" for name, seconds in best.items())
          + f"; backward / recorded forward = {best['backward'] / best['forward, recording']:.1f}x")

    # Tensors the nodes keep: intermediates (made by an operation) live only because of the graph.
    held = {id(t): t for node in topological_order(loss._grad_fn) for t in node.inputs if t is not None}
    made = [t for t in held.values() if t._grad_fn is not None]
    print(f"graph holds {len(made)} intermediate tensors, {sum(t.data.nbytes for t in made) / 1e6:.2f} MB "
          f"that no_grad would free (inputs and weights: {(len(held) - len(made))} tensors that exist anyway)")


if __name__ == "__main__":
    analyze_graph_cost()

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Run every unit test of this module."""
    test_unit_function_base()
    test_unit_arithmetic_functions()
    test_unit_shape_and_math_functions()
    test_unit_fused_functions()
    test_unit_backward_pass()
    print("Module 05 (autograd): all tests passed")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- A `Function` node stores its inputs and turns the output's gradient into one
  gradient per input; broadcasting is undone by summing (`unbroadcast`).
- `Tensor.backward()` visits nodes in reverse topological order with an explicit
  stack, so cost is linear in the graph size and long chains are safe.
- `enable_autograd()` fills module 01's recording seam with one backward rule per
  operation; no Tensor method is replaced, and activations (module 02), layers
  (module 03) and losses (module 04) gain gradients without changes.
- Recording adds little time next to the matmuls, but the graph keeps every
  intermediate alive and backward costs about one to two forward passes
  (measured above): use `no_grad()` for evaluation.

Next, module 06 (optimizers) uses these gradients to update parameters.
"""
