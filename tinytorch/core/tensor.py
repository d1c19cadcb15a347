# Generated from modules/01_tensor/tensor.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["AutogradSeam", "record", "as_tensor", "Tensor"]


# modules/01_tensor/tensor.py:44
import numbers

import numpy as np


# modules/01_tensor/tensor.py:143
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
    """An n-dimensional array with the hooks automatic differentiation needs."""

    # numpy must hand `ndarray + Tensor` to Tensor.__radd__ instead of looping itself.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False):
        """Wrap `data` (number, list, ndarray or Tensor) without copying float32 arrays."""
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
        """operation(self, other) element by element (np.add, np.subtract, ...), broadcasting like numpy."""
        other = as_tensor(other)
        try:
            data = operation(self.data, other.data)
        except ValueError:
            raise _broadcast_error(symbol, self, other) from None
        return record(name, data, (self, other))

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
        """-x."""
        return record("neg", -self.data, (self,))

    def __pow__(self, exponent):
        """x ** p for a Python number p."""
        if not isinstance(exponent, numbers.Real):
            raise TypeError(f"Tensor ** p needs a Python number p, got {type(exponent).__name__}")
        return record("pow", self.data ** exponent, (self,), exponent)

    # ---- section 3: matrix multiplication ---------------------------------------------------
    def matmul(self, other):
        """Matrix product with numpy semantics (batched, 1-D operands allowed)."""
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

    def __matmul__(self, other):
        return self.matmul(other)

    def __rmatmul__(self, other):
        return as_tensor(other).matmul(self)

    # ---- section 4: shapes, reductions, indexing ------------------------------------------
    def reshape(self, *shape):
        """Same elements, new shape; accepts reshape(2, 3) and reshape((2, 3)); -1 infers one size."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            data = self.data.reshape(shape)
        except (ValueError, TypeError):
            raise ValueError(f"cannot reshape Tensor of shape {self.shape} (size {self.size}) into {shape}") from None
        return record("reshape", data, (self,))

    def transpose(self, dim0=-2, dim1=-1):
        """Swap two axes (by default the last two, which transposes each matrix in a batch)."""
        if self.ndim < 2:
            raise ValueError(f"transpose needs a Tensor with at least 2 dimensions, got shape {self.shape}")
        try:
            data = np.swapaxes(self.data, dim0, dim1)
        except np.exceptions.AxisError:
            raise ValueError(f"transpose axes ({dim0}, {dim1}) are out of range for shape {self.shape}") from None
        return record("transpose", data, (self,), dim0, dim1)

    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (None: all elements)."""
        return record("sum", np.sum(self.data, axis=axis, keepdims=keepdims), (self,), axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over `axis` (None: all elements)."""
        return record("mean", np.mean(self.data, axis=axis, keepdims=keepdims), (self,), axis, keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum over `axis` (None: all elements)."""
        if self.size == 0:
            raise ValueError("max() of an empty Tensor")
        return record("max", np.max(self.data, axis=axis, keepdims=keepdims), (self,), axis, keepdims)

    def __getitem__(self, index):
        """x[index] with ints, slices, integer arrays or integer Tensors."""
        index = _index_of(index)
        return record("getitem", self.data[index], (self,), index)

    # ---- section 5: element-wise math -----------------------------------------------------
    def exp(self):
        """e ** x element-wise."""
        return record("exp", np.exp(self.data), (self,))

    def log(self):
        """Natural logarithm element-wise (log(0) = -inf, as in numpy)."""
        return record("log", np.log(self.data), (self,))

    def sqrt(self):
        """Square root element-wise."""
        return record("sqrt", np.sqrt(self.data), (self,))

    def tanh(self):
        """Hyperbolic tangent element-wise."""
        return record("tanh", np.tanh(self.data), (self,))

    def clip(self, low, high):
        """Limit every element to [low, high]."""
        if low is not None and high is not None and low > high:
            raise ValueError(f"clip needs low <= high, got low={low}, high={high}")
        return record("clip", np.clip(self.data, low, high), (self,), low, high)

    def maximum(self, value):
        """Element-wise max(x, value) for a Python number (ReLU is x.maximum(0))."""
        if not isinstance(value, numbers.Real):
            raise TypeError(f"maximum() takes a Python number, got {type(value).__name__}")
        return record("maximum", np.maximum(self.data, value), (self,), value)

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
