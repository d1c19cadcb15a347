# Generated from modules/03_layers/layers.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["Layer", "positive_int", "Linear", "Dropout"]


# modules/03_layers/layers.py:58
import math
import numbers

import numpy as np

from tinytorch.core.tensor import Tensor, record


# modules/03_layers/layers.py:83
class Layer:
    """Base class of every layer: a callable with a forward pass and a list of parameters."""

    def forward(self, x):
        """Compute the layer's output. Subclasses must override this."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(x)")

    def __call__(self, *args, **kwargs):
        """Make `layer(x)` mean `layer.forward(x)`."""
        return self.forward(*args, **kwargs)

    def parameters(self):
        """The Tensors this layer trains, in a stable order (none by default)."""
        return []

    def __repr__(self):
        return f"{type(self).__name__}()"


# modules/03_layers/layers.py:179
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
        """Create Xavier-uniform weights and zero biases, both trainable."""
        self.in_features = positive_int(in_features, "in_features")
        self.out_features = positive_int(out_features, "out_features")
        limit = math.sqrt(6.0 / (self.in_features + self.out_features))
        weight = np.random.uniform(-limit, limit, size=(self.in_features, self.out_features))
        self.weight = Tensor(weight.astype(np.float32), requires_grad=True)
        self.bias = Tensor(np.zeros(self.out_features, dtype=np.float32), requires_grad=True) if bias else None

    def forward(self, x):
        """Return x @ weight + bias for x of shape (..., in_features)."""
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

    def parameters(self):
        """[weight, bias], or [weight] for a layer built with bias=False."""
        return [self.weight] if self.bias is None else [self.weight, self.bias]

    def __repr__(self):
        return f"Linear(in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None})"


# modules/03_layers/layers.py:327
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
        """Drop and rescale in training mode; return x unchanged in evaluation mode."""
        if not isinstance(x, Tensor):
            raise TypeError(f"Dropout expects a Tensor, got {type(x).__name__}; wrap the data with Tensor(...)")
        if not self.training or self.p == 0.0:
            return x
        keep = np.random.random(x.shape) >= self.p  # audit: ignore[BITE006] `> self.p` is equivalent: a draw equal to p has probability 0
        mask = keep.astype(np.float32) / np.float32(1.0 - self.p)
        return x * Tensor(mask)

    def __repr__(self):
        return f"Dropout(p={self.p})"
