# Generated from modules/05_autograd/autograd.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["is_grad_enabled", "no_grad", "unbroadcast", "Function", "AddBackward", "SubBackward", "MulBackward", "DivBackward", "NegBackward", "PowBackward", "MatmulBackward", "ReshapeBackward", "TransposeBackward", "SumBackward", "MeanBackward", "MaxBackward", "GetitemBackward", "ExpBackward", "LogBackward", "SqrtBackward", "TanhBackward", "ClipBackward", "MaximumBackward", "GeluBackward", "LinearBackward", "SoftmaxBackward", "LogSoftmaxBackward", "topological_order", "backward_pass", "BACKWARD_RULES", "enable_autograd"]


# modules/05_autograd/autograd.py:42
import functools

import numpy as np

from tinytorch.core.activations import GELU_CUBIC, GELU_SCALE, sums_along
from tinytorch.core.tensor import AutogradSeam, Tensor


# modules/05_autograd/autograd.py:77
def is_grad_enabled():
    """True when operations record the graph (outside every `no_grad()` block)."""
    return AutogradSeam.recording


class no_grad:
    """Context manager (and decorator) that turns graph recording off."""

    def __init__(self):
        self._saved = []

    def __enter__(self):
        self._saved.append(AutogradSeam.recording)
        AutogradSeam.recording = False
        return self

    def __exit__(self, exc_type, exc, traceback):
        AutogradSeam.recording = self._saved.pop()
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def without_grad(*args, **kwargs):
            with no_grad():
                return function(*args, **kwargs)

        return without_grad


# modules/05_autograd/autograd.py:144
def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`, undoing numpy broadcasting."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:  # audit: ignore[BITE006] `extra >= 0` is equivalent: a sum over no axes changes nothing
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


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
        """Wrap a forward result in a Tensor, recording this node when a gradient is needed."""
        result = Tensor(data)
        if AutogradSeam.recording and any(getattr(t, "requires_grad", False) for t in self.inputs):
            result.requires_grad = True
            result._grad_fn = self
        return result


# modules/05_autograd/autograd.py:249
class AddBackward(Function):
    """out = a + b: both inputs receive the upstream gradient unchanged."""

    def backward(self, grad_output):
        a, b = self.inputs
        return (unbroadcast(grad_output, a.shape) if self.needs_grad(0) else None,
                unbroadcast(grad_output, b.shape) if self.needs_grad(1) else None)


class SubBackward(Function):
    """out = a - b: a receives g, b receives -g."""

    def backward(self, grad_output):
        a, b = self.inputs
        return (unbroadcast(grad_output, a.shape) if self.needs_grad(0) else None,
                unbroadcast(-grad_output, b.shape) if self.needs_grad(1) else None)


class MulBackward(Function):
    """out = a * b: each input receives g times the other input (product rule)."""

    def backward(self, grad_output):
        a, b = self.inputs
        return (unbroadcast(grad_output * b.data, a.shape) if self.needs_grad(0) else None,
                unbroadcast(grad_output * a.data, b.shape) if self.needs_grad(1) else None)


class DivBackward(Function):
    """out = a / b: a receives g / b, b receives -g * a / b**2 (quotient rule)."""

    def backward(self, grad_output):
        a, b = self.inputs
        return (unbroadcast(grad_output / b.data, a.shape) if self.needs_grad(0) else None,
                unbroadcast(-grad_output * a.data / (b.data * b.data), b.shape) if self.needs_grad(1) else None)


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
        (x,) = self.inputs
        p = self.exponent
        if p == 0:
            return (np.zeros_like(grad_output),)
        return (grad_output * p * x.data ** (p - 1),)


class MatmulBackward(Function):
    """out = a @ b with numpy semantics: grad_a = g @ b^T, grad_b = a^T @ g."""

    def backward(self, grad_output):
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


# modules/05_autograd/autograd.py:435
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
        return (_expand_reduced(grad_output, self.inputs[0].shape, self.axis, self.keepdims),)


class MeanBackward(SumBackward):
    """out = x.mean(axis): every averaged element receives g / count."""

    def backward(self, grad_output):
        x = self.inputs[0]
        count = x.size // max(np.size(grad_output), 1)  # audit: ignore[BITE006] `/` is equivalent: the division is exact
        return (_expand_reduced(grad_output / count, x.shape, self.axis, self.keepdims),)


class MaxBackward(SumBackward):
    """out = x.max(axis): g goes to the maximal entries, shared equally between ties."""

    def backward(self, grad_output):
        x = self.inputs[0].data
        is_max = x == np.max(x, axis=self.axis, keepdims=True)
        ties = np.sum(is_max, axis=self.axis, keepdims=True)
        grad = _expand_reduced(grad_output, x.shape, self.axis, self.keepdims)
        return (grad * is_max / ties,)


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
    """out = x[index]: scatter g back into a zero array of x's shape."""

    def __init__(self, x, index):
        super().__init__(x)
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(p.data if isinstance(p, Tensor) else p for p in index)
        self.index = index

    def backward(self, grad_output):
        grad = np.zeros(self.inputs[0].shape, dtype=grad_output.dtype)
        if _is_basic_index(self.index):
            grad[self.index] = grad_output  # a view: every position appears once
        elif isinstance(self.index, np.ndarray) and self.index.dtype.kind in "iu" and grad.ndim > 1:  # audit: ignore[BITE006] a faster path: np.add.at gives the same sums
            _add_rows_at(grad, self.index, grad_output)  # whole rows, e.g. an embedding lookup
        else:
            np.add.at(grad, self.index, grad_output)
        return (grad,)


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
        x = self.inputs[0].data
        inside = np.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return (grad_output * inside,)


class MaximumBackward(Function):
    """out = maximum(x, c): g passes where x > c (ties get none, as ReLU at 0)."""

    def __init__(self, x, value):
        super().__init__(x)
        self.value = value

    def backward(self, grad_output):
        return (grad_output * (self.inputs[0].data > self.value),)


# modules/05_autograd/autograd.py:675
class GeluBackward(Function):
    """out = gelu(x) (tanh approximation, module 02): g times the derivative above."""

    def backward(self, grad_output):
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


class LinearBackward(MatmulBackward):
    """out = x @ weight + bias (module 03's Linear): the matmul's gradients, plus g summed over rows for bias."""

    def backward(self, grad_output):
        grad_x, grad_weight = super().backward(grad_output)  # the inputs x, weight as in x @ weight
        bias = self.inputs[2]
        grad_bias = unbroadcast(grad_output, bias.shape) if self.needs_grad(2) else None
        return grad_x, grad_weight, grad_bias


class SoftmaxBackward(_SavesOutput):
    """out = softmax(x) along `axis`: grad_x = p * (g - sum(g * p)) with p the output."""

    def __init__(self, x, axis):
        super().__init__(x)
        self.axis = axis

    def backward(self, grad_output):
        p = self.result
        grad = grad_output * p  # one work array, updated in place (never edit grad_output: it may be shared)
        grad -= p * sums_along(grad, self.axis)  # p * g - p * sum(g * p)
        return (grad,)


class LogSoftmaxBackward(SoftmaxBackward):
    """out = log_softmax(x) along `axis`: grad_x = g - softmax(x) * sum(g), softmax(x) = exp(out)."""

    def backward(self, grad_output):
        total = np.sum(grad_output, axis=self.axis, keepdims=True)
        return (grad_output - np.exp(self.result) * total,)


# modules/05_autograd/autograd.py:806
def topological_order(root):
    """The Function nodes behind `root` (a Function), each before the nodes that produced its inputs."""
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


def _accumulate_leaf(tensor, grad):
    """Add `grad` into a leaf's .grad (a fresh float array the first time)."""
    if tensor.grad is None:
        tensor.grad = np.array(grad, dtype=tensor.data.dtype)  # copy: grad may be a read-only view
    else:
        tensor.grad = tensor.grad + grad.astype(tensor.data.dtype, copy=False)


def backward_pass(root, gradient=None):
    """What `root.backward(gradient)` runs: accumulate d(root)/d(leaf) into every leaf's .grad."""
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


# modules/05_autograd/autograd.py:942
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
    """Plug this module's backward rules and backward pass into module 01's seam. Idempotent."""
    AutogradSeam.backward_rules = BACKWARD_RULES
    AutogradSeam.backward_pass = backward_pass


# modules/05_autograd/autograd.py:1014
# Deliberate import-time effect: API.md says autograd is on once tinytorch.core.autograd is imported.
# It fills module 01's backward table (section 7); no Tensor method changes.
enable_autograd()  # audit: ignore[SE001]
