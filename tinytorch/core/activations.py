# Generated from modules/02_activations/activations.py by `python -m audits.export`: edit the source, not this file.
import math

import numpy as np

from tinytorch.core.tensor import Tensor


def _require_tensor(x, who):
    """Raise TypeError unless x is a Tensor (activations work on Tensors only)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expects a Tensor, got {type(x).__name__}; wrap the data with Tensor(...)")


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
        _require_tensor(x, "Sigmoid")
        return 0.5 * (1.0 + (x * 0.5).tanh())

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []


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
        _require_tensor(x, "ReLU")
        return x.maximum(0.0)

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []


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
        _require_tensor(x, "Tanh")
        return x.tanh()

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []


GELU_SCALE = math.sqrt(2.0 / math.pi)
GELU_CUBIC = 0.044715


class GELU:
    """Gaussian error linear unit, tanh approximation (as in GPT-2 and BERT)."""

    def forward(self, x):
        """Return 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).

        TODO: Implement the tanh approximation of GELU with Tensor operations.

        APPROACH:
        1. Check that x is a Tensor.
        2. inner = GELU_SCALE * (x + GELU_CUBIC * x * x * x)
        3. return 0.5 * x * (1 + inner.tanh())

        EXAMPLE:
        >>> GELU()(Tensor([0.0, 1.0])).data   # exact x*Phi(x): 0, 0.8413
        array([0.      , 0.841192], dtype=float32)

        HINTS:
        - Write the cube as `x * x * x`: NumPy's `x ** 3` goes through the general
          power routine and is many times slower (the analysis below measures it).
        """
        _require_tensor(x, "GELU")
        inner = GELU_SCALE * (x + GELU_CUBIC * (x * x * x))
        return 0.5 * x * (1.0 + inner.tanh())

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []


def _check_dim(x, dim, who):
    """Return dim as a non-negative axis of x, or raise ValueError."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{who}: dim must be an int, got {type(dim).__name__}")
    if x.data.ndim == 0:
        raise ValueError(f"{who} needs at least one dimension, got a 0-d Tensor")
    if not -x.data.ndim <= dim < x.data.ndim:
        raise ValueError(f"{who}: dim={dim} is out of range for a Tensor of shape {x.shape}")
    return int(dim) % x.data.ndim


class Softmax:
    """Softmax along one dimension (default: the last), shifted by the row max for stability."""

    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, x):
        """Return exp(x - max) / sum(exp(x - max)) along self.dim.

        TODO: Implement a softmax that works for logits like 1000.

        APPROACH:
        1. Check the input; find the axis with `_check_dim`.
        2. shift = Tensor(x.data.max(axis, keepdims=True))   # a constant
        3. e = (x - shift).exp()
        4. return e / e.sum(axis=axis, keepdims=True)

        EXAMPLE:
        >>> Softmax()(Tensor([[1000.0, 999.0]])).data
        array([[0.7310586, 0.2689414]], dtype=float32)

        HINTS:
        - keepdims=True keeps the reduced axis (size 1) so the division broadcasts.
        """
        _require_tensor(x, "Softmax")
        axis = _check_dim(x, self.dim, "Softmax")
        shift = Tensor(x.data.max(axis=axis, keepdims=True))
        exps = (x - shift).exp()
        return exps / exps.sum(axis=axis, keepdims=True)

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """Activations have nothing to train."""
        return []
