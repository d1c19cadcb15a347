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
# Module 01: Tensor - The Array Every Other Module Computes With

You will build `Tensor`, the one data structure the whole framework shares.
Activations (module 02), layers (03) and losses (04) are written only with the
operations defined here, and module 05 (autograd) later teaches each of these
operations to compute its own gradient, so everything built on top learns for free.

What a Tensor is in this course:

```
Tensor
 ├── data           numpy.ndarray   (float32 for float input, ints stay ints)
 ├── requires_grad  bool            should module 05 track gradients for it?
 ├── grad           None            filled in by a backward pass (module 05)
 └── _grad_fn       None            the graph node that made it (module 05)
```

The rules every operation follows:
1. It returns a *new* Tensor and never modifies its inputs.
2. It accepts Tensors, numpy arrays and Python numbers, on either side of an operator.
3. Bad input (mismatched shapes, wrong types) raises a clear error naming the problem.
4. It builds its result with `record(name, data, inputs)`: the one place (the
   *seam*) where module 05 later plugs in gradients (section 6).
"""

# %% nbgrader={"grade": false, "grade_id": "tensor-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.tensor
#| export
import numbers

import numpy as np

# %% [markdown]
"""
## 1. Creating a Tensor: dtype rules

Neural networks compute in float32: half the memory of float64, and the
precision gradients need. Integer data (class labels, token ids) stays integer
so it can index tables.

```
Tensor([1.5, 2.0])        -> data float32   [1.5 2. ]
Tensor(np.float64 array)  -> data float32   (cast once, at creation)
Tensor([3, 1, 2])         -> data int64     (labels stay integers)
Tensor([3, 1], requires_grad=True) -> float32 (only floats have gradients)
```

## 2. Element-wise arithmetic and broadcasting

`+ - * /` work element by element. When shapes differ, numpy's broadcasting
rule lines them up from the right and stretches size-1 dimensions:

```
x      (2, 3)     [[1 2 3]        b   (3,)  [10 20 30]
                   [4 5 6]]
x + b  (2, 3)     [[11 22 33]     b is reused for every row,
                   [14 25 36]]    without being copied
```

Python calls `x.__add__(2)` for `x + 2` and `x.__radd__(2)` for `2 + x`;
defining both lets scalars and arrays sit on either side.

## 3. Matrix multiplication

`a @ b` contracts the last axis of `a` with the second-to-last of `b`. Leading
(batch) axes broadcast, so a batch of inputs multiplies one weight matrix:

```
   a (batch, n, k)   @   b (k, m)   ->   (batch, n, m)
            └──── k must match ────┘
```

1-D operands follow numpy: a vector on the left acts as a row, on the right as a column.
"""

# %% [markdown]
"""
## 4. Shapes, reductions and indexing

```
reshape(3, 2)      [1 2 3 4 5 6]  -> [[1 2] [3 4] [5 6]]   same data, new shape
transpose()        (batch, n, m)  -> (batch, m, n)         swaps the last two axes
sum(axis=0)        [[1 2] [3 4]]  -> [4 6]                  collapses an axis
max(axis=1, keepdims=True)        -> [[2] [4]]              keeps it with size 1
x[[0, 0, 2]]       picks rows 0, 0 and 2                    (embedding lookups)
```

## 5. Element-wise math

`exp, log, sqrt, tanh, clip(low, high), maximum(scalar)` and `** p` are the
building blocks of activations and losses: ReLU is `x.maximum(0)`, a stable
sigmoid uses `tanh`, cross-entropy uses `exp` and `log`.

## 6. The recording seam

Module 05 (autograd) will teach every operation its derivative. It must not
rewrite this class to do so: `x + y` should mean the same thing whatever else
has been imported. Instead every operation here ends in one call,

```
return record("mul", self.data * other.data, (self, other))
                │      │                        └─ the input Tensors
                │      └─ the numpy result
                └─ the operation's name
```

and `record` looks the name up in `AutogradSeam.backward_rules`, a table that is
empty in this module. With an empty table (or inputs that need no gradient)
`record` simply returns `Tensor(data)`. Module 05 fills the table with one
backward rule per name; from then on `record` also remembers how the result was
made, so a backward pass can run. The seam's `recording` flag, which module
05's `no_grad()` switches off, lets `record` skip building a graph node that
evaluation would throw away. `Tensor.backward()` goes through the same
seam: it calls the backward pass module 05 installs, and until then explains
what to import.

```
 module 01                        module 05 (autograd)
 x * y ─► record("mul", ...) ─►  backward_rules["mul"] = MulBackward
                                 backward_pass = the graph walk
```

Below is the whole class. Each method has its own TODO and solution block.
"""

# %% nbgrader={"grade": false, "grade_id": "tensor-class", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class AutogradSeam:
    """Where module 05 (autograd) plugs into the Tensor (section 6). Empty until then."""

    backward_rules = {}  # operation name -> the Function class that differentiates it
    backward_pass = None  # backward_pass(tensor, gradient): the graph walk of module 05
    recording = True  # False inside module 05's no_grad(): operations then build no graph node


def record(name, data, inputs, *params):
    """The result of operation `name` on the Tensors `inputs`, recorded for autograd when it applies.

    Without a backward rule for `name`, with recording switched off (`no_grad()`), or when
    no input requires grad, this is just `Tensor(data)`. Otherwise the rule (a module 05
    Function, built from the inputs and the operation's extra `params`) wraps the data and
    records itself as the result's origin.
    """
    rule = AutogradSeam.backward_rules.get(name)
    if rule is None or not AutogradSeam.recording or not any(tensor.requires_grad for tensor in inputs):
        return Tensor(data)
    return rule(*inputs, *params).output(data)


def as_tensor(value, who=None):
    """Return `value` as a Tensor (Tensors pass through unchanged, no copy).

    Operators use it on their other operand; later modules use it on their inputs and
    pass `who` (the caller's name), which the TypeError for non-numeric input then names.
    """
    if isinstance(value, Tensor):
        return value
    try:
        return Tensor(value)
    except TypeError:
        if who is None:
            raise
        raise TypeError(f"{who} expects a Tensor or a numeric array, got {type(value).__name__}") from None


def _index_of(index):
    """Turn Tensors inside an index (x[t], x[t1, t2]) into their integer arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(part.data if isinstance(part, Tensor) else part for part in index)
    return index


class Tensor:
    """An n-dimensional array with the hooks automatic differentiation needs.

    TODO: Store the data as a numpy array with the dtype rules of section 1,
    and implement the operations of sections 2 to 5.

    APPROACH:
    1. __init__ converts the input with np.asarray and fixes the dtype.
    2. Every operation computes on `.data` with numpy and returns
       `record(name, result, inputs)` (section 6), which wraps the result in a new Tensor.
    3. Operators convert a non-Tensor operand with `as_tensor` first.

    EXAMPLE:
    >>> x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> (x * 2 + 1).sum().item()
    24.0

    HINTS:
    - Let numpy broadcast; never loop over elements.
    - The Tensor constructor already casts float results back to float32.
    """

    # numpy must hand `ndarray + Tensor` to Tensor.__radd__ instead of looping itself.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False):
        """Wrap `data` (number, list, ndarray or Tensor) without copying float32 arrays.

        TODO: Convert `data` to an ndarray: floats become float32, integers and
        booleans keep their dtype unless `requires_grad` asks for a float.
        Reject anything that is not numeric with a TypeError.
        """
        ### BEGIN SOLUTION
        if isinstance(data, Tensor):
            data = data.data
        if type(data) is np.ndarray and data.dtype == np.float32:
            array = data  # the common case (every float operation's result): nothing to convert
        else:
            array = np.asarray(data)
            kind = array.dtype.kind
            if kind not in "fiub":
                raise TypeError(f"Tensor data must be numeric, got dtype {array.dtype} from {type(data).__name__}")
            if kind == "f" or requires_grad:
                # Only floats can carry gradients, so a Tensor that requires grad is float32.
                array = array.astype(np.float32, copy=False)
        self.data = array
        self.requires_grad = bool(requires_grad)
        self.grad = None
        # Filled in by module 05 (autograd): the Function that produced this Tensor.
        self._grad_fn = None
        ### END SOLUTION

    # ---- properties and conversions ---------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def size(self):
        return self.data.size

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def T(self):
        return self.transpose()

    def numpy(self):
        """The underlying ndarray (shared, not copied, like torch's .numpy())."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        """Lets np.asarray(tensor) and np.testing work on Tensors."""
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self):
        """The single value of a one-element Tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a Tensor with exactly one element, got shape {self.shape}")
        return self.data.item()

    def detach(self):
        """A Tensor with the same data that is cut off from gradient tracking."""
        return Tensor(self.data)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return len(self.data)

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20)
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({body}, shape={self.shape}, dtype={self.dtype}{grad})"

    # ---- section 2: element-wise arithmetic ----------------------------------------------
    def _elementwise(self, other, operation, name, symbol):
        """operation(self, other) element by element (np.add, np.subtract, ...), broadcasting like numpy.

        TODO: Convert `other` with `as_tensor`, apply `operation` to the two data arrays,
        and return `record(name, result, (self, other))`.
        HINTS: numpy raises ValueError for shapes that do not broadcast; re-raise
        it naming both shapes (see `_broadcast_error`, which uses `symbol`).
        """
        ### BEGIN SOLUTION
        other = as_tensor(other)
        try:
            data = operation(self.data, other.data)
        except ValueError:
            raise _broadcast_error(symbol, self, other) from None
        return record(name, data, (self, other))
        ### END SOLUTION

    # One line each: the name is what module 05's backward table knows the operator by.
    def __add__(self, other):
        return self._elementwise(other, np.add, "add", "+")

    def __sub__(self, other):
        return self._elementwise(other, np.subtract, "sub", "-")

    def __mul__(self, other):
        return self._elementwise(other, np.multiply, "mul", "*")

    def __truediv__(self, other):
        """True division, so integer inputs give floats."""
        return self._elementwise(other, np.true_divide, "div", "/")

    # The reflected operators run when the left operand is a number or an ndarray:
    # convert it to a Tensor and reuse the forward operator (one operation, one name).
    def __radd__(self, other):
        return as_tensor(other) + self

    def __rsub__(self, other):
        return as_tensor(other) - self

    def __rmul__(self, other):
        return as_tensor(other) * self

    def __rtruediv__(self, other):
        return as_tensor(other) / self

    def __neg__(self):
        """-x. TODO: negate the data and record it as "neg"."""
        ### BEGIN SOLUTION
        return record("neg", -self.data, (self,))
        ### END SOLUTION

    def __pow__(self, exponent):
        """x ** p for a Python number p.

        TODO: Reject non-numbers with TypeError, then raise every element to `exponent`.
        """
        ### BEGIN SOLUTION
        if not isinstance(exponent, numbers.Real):
            raise TypeError(f"Tensor ** p needs a Python number p, got {type(exponent).__name__}")
        return record("pow", self.data ** exponent, (self,), exponent)
        ### END SOLUTION

    # ---- section 3: matrix multiplication ---------------------------------------------------
    def matmul(self, other):
        """Matrix product with numpy semantics (batched, 1-D operands allowed).

        TODO: Check the shapes, then compute np.matmul of the data.

        APPROACH:
        1. Both operands need at least one dimension.
        2. The contracted sizes must match: a.shape[-1] against b.shape[-2]
           (or b.shape[0] when b is 1-D).
        3. np.matmul broadcasts the batch axes; turn its ValueError into ours.

        EXAMPLE:
        >>> Tensor(np.ones((4, 2, 3))).matmul(Tensor(np.ones((3, 5)))).shape
        (4, 2, 5)

        HINTS:
        - The error message must name both shapes so the student sees the mismatch.
        """
        ### BEGIN SOLUTION
        other = as_tensor(other)
        a, b = self.data, other.data
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul needs operands with at least 1 dimension, got shapes {a.shape} and {b.shape}")
        inner = b.shape[-2] if b.ndim >= 2 else b.shape[0]  # audit: ignore[BITE006] `b.ndim > 2` is equivalent: a 2-D b's shape[0] is its shape[-2]
        if a.shape[-1] != inner:
            raise ValueError(
                f"matmul shape mismatch: {a.shape} @ {b.shape} "
                f"(inner sizes {a.shape[-1]} and {inner} must be equal)"
            )
        try:
            data = np.matmul(a, b)
        except ValueError:
            raise ValueError(f"matmul cannot broadcast the batch dimensions of {a.shape} and {b.shape}") from None
        return record("matmul", data, (self, other))
        ### END SOLUTION

    def __matmul__(self, other):
        return self.matmul(other)

    def __rmatmul__(self, other):
        return as_tensor(other).matmul(self)

    # ---- section 4: shapes, reductions, indexing ------------------------------------------
    def reshape(self, *shape):
        """Same elements, new shape; accepts reshape(2, 3) and reshape((2, 3)); -1 infers one size.

        TODO: Unpack a single tuple/list argument, check the sizes agree, reshape the data.
        """
        ### BEGIN SOLUTION
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            data = self.data.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(f"cannot reshape Tensor of shape {self.shape} (size {self.size}) into {shape}") from None
        return record("reshape", data, (self,))
        ### END SOLUTION

    def transpose(self, dim0=-2, dim1=-1):
        """Swap two axes (by default the last two, which transposes each matrix in a batch).

        TODO: Check the Tensor has enough dimensions, then np.swapaxes.
        """
        ### BEGIN SOLUTION
        if self.ndim < 2:
            raise ValueError(f"transpose needs a Tensor with at least 2 dimensions, got shape {self.shape}")
        try:
            data = np.swapaxes(self.data, dim0, dim1)
        except np.exceptions.AxisError:
            raise ValueError(f"transpose axes ({dim0}, {dim1}) are out of range for shape {self.shape}") from None
        return record("transpose", data, (self,), dim0, dim1)
        ### END SOLUTION

    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (None: all elements). TODO: np.sum with the same arguments."""
        ### BEGIN SOLUTION
        return record("sum", np.sum(self.data, axis=axis, keepdims=keepdims), (self,), axis, keepdims)
        ### END SOLUTION

    def mean(self, axis=None, keepdims=False):
        """Mean over `axis` (None: all elements). TODO: np.mean with the same arguments."""
        ### BEGIN SOLUTION
        return record("mean", np.mean(self.data, axis=axis, keepdims=keepdims), (self,), axis, keepdims)
        ### END SOLUTION

    def max(self, axis=None, keepdims=False):
        """Maximum over `axis` (None: all elements). TODO: np.max with the same arguments."""
        ### BEGIN SOLUTION
        if self.size == 0:
            raise ValueError("max() of an empty Tensor")
        return record("max", np.max(self.data, axis=axis, keepdims=keepdims), (self,), axis, keepdims)
        ### END SOLUTION

    def __getitem__(self, index):
        """x[index] with ints, slices, integer arrays or integer Tensors.

        TODO: Replace Tensors inside the index by their arrays (`_index_of`), then index the data.
        """
        ### BEGIN SOLUTION
        index = _index_of(index)
        return record("getitem", self.data[index], (self,), index)
        ### END SOLUTION

    # ---- section 5: element-wise math -----------------------------------------------------
    def exp(self):
        """e ** x element-wise."""
        ### BEGIN SOLUTION
        return record("exp", np.exp(self.data), (self,))
        ### END SOLUTION

    def log(self):
        """Natural logarithm element-wise (log(0) = -inf, as in numpy)."""
        ### BEGIN SOLUTION
        return record("log", np.log(self.data), (self,))
        ### END SOLUTION

    def sqrt(self):
        """Square root element-wise."""
        ### BEGIN SOLUTION
        return record("sqrt", np.sqrt(self.data), (self,))
        ### END SOLUTION

    def tanh(self):
        """Hyperbolic tangent element-wise."""
        ### BEGIN SOLUTION
        return record("tanh", np.tanh(self.data), (self,))
        ### END SOLUTION

    def clip(self, low, high):
        """Limit every element to [low, high]. TODO: check low <= high, then np.clip."""
        ### BEGIN SOLUTION
        if low is not None and high is not None and low > high:
            raise ValueError(f"clip needs low <= high, got low={low}, high={high}")
        return record("clip", np.clip(self.data, low, high), (self,), low, high)
        ### END SOLUTION

    def maximum(self, value):
        """Element-wise max(x, value) for a Python number (ReLU is x.maximum(0))."""
        ### BEGIN SOLUTION
        if not isinstance(value, numbers.Real):
            raise TypeError(f"maximum() takes a Python number, got {type(value).__name__}")
        return record("maximum", np.maximum(self.data, value), (self,), value)
        ### END SOLUTION

    # ---- section 6: the backward pass, through the seam ------------------------------------
    def backward(self, gradient=None):
        """Accumulate gradients into the leaves behind this Tensor, with module 05's backward pass."""
        if AutogradSeam.backward_pass is None:
            raise RuntimeError(
                "Tensor.backward() needs automatic differentiation: "
                "`import tinytorch.core.autograd` (module 05) to enable it."
            )
        AutogradSeam.backward_pass(self, gradient)


def _broadcast_error(symbol, a, b):
    """The ValueError raised when two operands cannot be broadcast together."""
    return ValueError(f"cannot broadcast shapes {a.shape} {symbol} {b.shape}: sizes must match or be 1, aligned from the right")

# %% [markdown]
"""
## Testing each section

Each test below compares the Tensor against a plain numpy computation or a
hand-worked example.
"""

# %% nbgrader={"grade": true, "grade_id": "test-creation", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_unit_creation():
    """Section 1: dtype rules, attributes, bad input."""
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.data.dtype == np.float32 and x.shape == (2, 2) and x.size == 4
    assert x.grad is None and x.requires_grad is False
    assert Tensor(np.arange(3.0)).dtype == np.float32
    assert Tensor([3, 1, 2]).dtype.kind == "i"
    assert Tensor([3, 1], requires_grad=True).dtype == np.float32
    assert Tensor(5.0).item() == 5.0 and len(Tensor([1, 2, 3])) == 3
    try:
        Tensor(["a", "b"])
        raise AssertionError("strings must be rejected")
    except TypeError:
        pass


if __name__ == "__main__":
    test_unit_creation()

# %% nbgrader={"grade": true, "grade_id": "test-arithmetic", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def test_unit_arithmetic():
    """Section 2: broadcasting, scalars on both sides, inputs untouched."""
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=np.float32)
    b = np.array([10.0, 20.0, 30.0], dtype=np.float32)
    x, y = Tensor(a), Tensor(b)
    assert np.array_equal((x + y).data, [[11, 22, 33], [14, 25, 36]])
    assert np.array_equal((2 - x).data, 2 - a) and np.array_equal((x - 2).data, a - 2)
    assert np.allclose((1 / x).data, 1 / a) and np.allclose((x / y).data, a / b)
    assert np.array_equal((b * x).data, b * a) and np.array_equal((-x).data, -a)
    assert np.allclose((x ** 2).data, a ** 2)
    assert np.array_equal(x.data, a) and np.array_equal(y.data, b)  # inputs unchanged
    try:
        x + Tensor(np.ones(4))
        raise AssertionError("(2, 3) + (4,) must not broadcast")
    except ValueError as error:
        assert "(2, 3)" in str(error) and "(4,)" in str(error)


if __name__ == "__main__":
    test_unit_arithmetic()

# %% nbgrader={"grade": true, "grade_id": "test-matmul", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def test_unit_matmul():
    """Section 3: a hand-worked product, batching, 1-D operands, shape errors."""
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    w = Tensor([[5.0, 6.0], [7.0, 8.0]])
    assert np.array_equal((x @ w).data, [[19, 22], [43, 50]])
    batch = Tensor(np.ones((4, 2, 3)))
    assert (batch @ np.ones((3, 5))).shape == (4, 2, 5)
    assert (Tensor([1.0, 2.0]) @ w).shape == (2,)
    assert np.array_equal((x @ Tensor([1.0, 1.0])).data, [3, 7])  # matrix @ vector
    assert (Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 3, 5)))).shape == (4, 2, 5)  # broadcast against a batch
    try:
        x @ Tensor(np.ones((3, 2)))
        raise AssertionError("(2, 2) @ (3, 2) must fail")
    except ValueError as error:
        assert "(2, 2)" in str(error) and "(3, 2)" in str(error)


if __name__ == "__main__":
    test_unit_matmul()

# %% nbgrader={"grade": true, "grade_id": "test-shape-ops", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def test_unit_shape_ops():
    """Section 4: reshape, transpose, reductions and indexing against numpy."""
    a = np.arange(6.0, dtype=np.float32)
    x = Tensor(a)
    assert x.reshape(2, 3).shape == (2, 3) and x.reshape((3, -1)).shape == (3, 2)
    m = x.reshape(2, 3)
    assert np.array_equal(m.transpose().data, a.reshape(2, 3).T)
    assert np.array_equal(m.sum(axis=0).data, [3, 5, 7]) and m.sum().item() == 15
    assert np.allclose(m.mean(axis=1).data, [1, 4]) and m.mean().item() == 2.5
    assert m.mean(axis=1, keepdims=True).shape == (2, 1) and m.sum(axis=1, keepdims=True).shape == (2, 1)
    assert np.array_equal(m.max(axis=1).data, [2, 5]) and m.max(axis=0, keepdims=True).shape == (1, 3)
    assert Tensor(np.ones((2, 3, 4))).transpose().shape == (2, 4, 3)
    assert np.array_equal(m[Tensor([1, 1, 0])].data, a.reshape(2, 3)[[1, 1, 0]])
    assert np.array_equal(m[:, 1].data, [1, 4])
    try:
        x.reshape(4, 2)
        raise AssertionError("6 elements cannot become (4, 2)")
    except ValueError:
        pass
    try:
        x.transpose()
        raise AssertionError("a 1-D Tensor has no two axes to swap")
    except ValueError:
        pass


if __name__ == "__main__":
    test_unit_shape_ops()

# %% nbgrader={"grade": true, "grade_id": "test-elementwise-math", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_unit_elementwise_math():
    """Section 5: each function against its numpy twin."""
    a = np.array([0.5, 1.0, 2.0], dtype=np.float32)
    x = Tensor(a)
    assert np.allclose(x.exp().data, np.exp(a)) and np.allclose(x.log().data, np.log(a))
    assert np.allclose(x.sqrt().data, np.sqrt(a)) and np.allclose(x.tanh().data, np.tanh(a))
    assert np.allclose(x.clip(0.8, 1.5).data, [0.8, 1.0, 1.5])
    assert np.allclose(x.clip(None, 1.0).data, [0.5, 1.0, 1.0]) and np.allclose(x.clip(1.0, None).data, [1.0, 1.0, 2.0])
    assert np.allclose(x.clip(1.0, 1.0).data, [1.0, 1.0, 1.0])  # low == high is allowed
    try:
        x.clip(2.0, 1.0)
        raise AssertionError("clip needs low <= high")
    except ValueError:
        pass
    assert np.array_equal((x - 1).maximum(0).data, [0.0, 0.0, 1.0])
    try:
        x.backward()
        raise AssertionError("backward needs module 05")
    except RuntimeError as error:
        assert "tinytorch.core.autograd" in str(error)


if __name__ == "__main__":
    test_unit_elementwise_math()

# %% [markdown]
"""
## Systems analysis: why vectorize, and why float32?

We time a matrix product written as Python loops against `np.matmul`, and
measure the memory of the same matrix in float32 and float64.
"""

# %% nbgrader={"grade": false, "grade_id": "analyze-tensor", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_vectorization_and_memory(n=32):
    """Print the loop vs numpy matmul time and the float32 vs float64 memory."""
    import time

    a = Tensor(np.random.randn(n, n))
    b = Tensor(np.random.randn(n, n))

    start = time.perf_counter()
    loops = np.zeros((n, n), dtype=np.float32)
    for i in range(n):
        for j in range(n):
            loops[i, j] = sum(a.data[i, k] * b.data[k, j] for k in range(n))
    loop_time = time.perf_counter() - start

    numpy_time = float("inf")
    for _ in range(20):  # one call takes microseconds: keep the fastest of several
        start = time.perf_counter()
        product = a @ b
        numpy_time = min(numpy_time, time.perf_counter() - start)

    assert np.allclose(loops, product.data, atol=1e-3)
    print(f"{n}x{n} matmul: Python loops {loop_time * 1e3:.1f} ms, numpy {numpy_time * 1e3:.3f} ms "
          f"({loop_time / max(numpy_time, 1e-9):.0f}x faster)")
    big = np.ones((1000, 1000))  # float64, numpy's default
    print(f"1000x1000 matrix: float64 {big.nbytes / 1e6:.1f} MB, "
          f"Tensor (float32) {Tensor(big).data.nbytes / 1e6:.1f} MB")


if __name__ == "__main__":
    analyze_vectorization_and_memory()

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Run every unit test of this module."""
    test_unit_creation()
    test_unit_arithmetic()
    test_unit_matmul()
    test_unit_shape_ops()
    test_unit_elementwise_math()
    print("Module 01 (tensor): all tests passed")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- `Tensor` wraps a float32 (or integer) ndarray; operations return new Tensors
  and never modify their inputs.
- Broadcasting lets scalars, vectors and batches combine without copies;
  reflected operators put numbers and arrays on either side.
- `matmul` batches like numpy and names both shapes when they do not fit.
- Vectorized numpy is orders of magnitude faster than Python loops, and float32
  halves the memory of float64 (measured above).

Next, module 02 (activations) builds ReLU, Sigmoid and friends from these
operations, and module 05 (autograd) gives every one of them a gradient.
"""
