# Generated from modules/02_activations/activations.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["Sigmoid", "ReLU", "Tanh", "GELU_SCALE", "GELU_CUBIC", "GELU", "sums_along", "Softmax"]


# modules/02_activations/activations.py:55
import functools
import math

import numpy as np

from tinytorch.core.tensor import Tensor, record


# modules/02_activations/activations.py:73
def _require_tensor(x, who):
    """Raise TypeError unless x is a Tensor (activations work on Tensors only)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expects a Tensor, got {type(x).__name__}; wrap the data with Tensor(...)")


# modules/02_activations/activations.py:106
class Sigmoid:
    """Elementwise logistic sigmoid, sigma(x) = 1 / (1 + e^-x), computed through tanh."""

    def forward(self, x):
        """Return sigmoid(x) with the same shape as x."""
        _require_tensor(x, "Sigmoid")
        return 0.5 * (1.0 + (x * 0.5).tanh())

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []


# modules/02_activations/activations.py:174
class ReLU:
    """Rectified linear unit, relu(x) = max(0, x), elementwise."""

    def forward(self, x):
        """Return max(0, x) with the same shape as x."""
        _require_tensor(x, "ReLU")
        return x.maximum(0.0)

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []


# modules/02_activations/activations.py:235
class Tanh:
    """Hyperbolic tangent, elementwise, output in (-1, 1)."""

    def forward(self, x):
        """Return tanh(x) with the same shape as x."""
        _require_tensor(x, "Tanh")
        return x.tanh()

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []


# modules/02_activations/activations.py:331
GELU_SCALE = math.sqrt(2.0 / math.pi)
GELU_CUBIC = 0.044715


class GELU:
    """Gaussian error linear unit, tanh approximation (as in GPT-2 and BERT)."""

    def forward(self, x):
        """Return 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))."""
        _require_tensor(x, "GELU")
        a = x.data
        u = GELU_SCALE * (a + GELU_CUBIC * (a * a * a))
        with np.errstate(over="ignore"):  # exp(-2u) is inf for x below about -10: the gate is 1/inf = 0, its limit
            gate = 1.0 / (1.0 + np.exp(-2.0 * u))  # = 0.5 * (1 + tanh(u)), with one exp instead of a tanh
        return record("gelu", a * gate, (x,))

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []


# modules/02_activations/activations.py:425
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
        """Return exp(x - max) / sum(exp(x - max)) along self.dim."""
        _require_tensor(x, "Softmax")
        axis = _check_dim(x, self.dim, "Softmax")
        data = x.data.astype(np.float32, copy=False)  # integer scores compute in float
        exps = data - data.max(axis=axis, keepdims=True)  # a fresh array: the steps below update it in place
        np.exp(exps, out=exps)
        exps /= sums_along(exps, axis)  # BLAS row sums (see sums_along)
        return record("softmax", exps, (x,), axis)

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []
