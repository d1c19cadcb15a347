"""Independent references for softmax-like functions and GELU.

    from testkit.references import softmax, log_softmax, composed_gelu

- `softmax`, `log_softmax`: float64 NumPy, shifted by the max (finite for any logits).
  The expected values of tests that check tinytorch's activations and losses.
- `composed_gelu`, `composed_softmax`, `composed_log_softmax`: the same functions written
  with Tensor primitives only, as modules 02 and 04 wrote them before fusing them into
  one recorded operation each. Tests compare the fused operations with these (values,
  gradients, and what the autograd graph keeps alive).
"""

import math

import numpy as np

from tinytorch.core.tensor import Tensor


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, in float64."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along `axis`, in float64, computed in log space (no log(0))."""
    x = np.asarray(x, dtype=np.float64)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def composed_gelu(x):
    """GELU (tanh approximation) from nine recorded Tensor operations."""
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))
    return 0.5 * x * (1.0 + inner.tanh())


def composed_softmax(x, axis=-1):
    """Softmax from Tensor operations, shifted by a constant (unrecorded) max."""
    exps = (x - Tensor(x.data.max(axis=axis, keepdims=True))).exp()
    return exps / exps.sum(axis=axis, keepdims=True)


def composed_log_softmax(x, axis=-1):
    """log_softmax from Tensor operations, shifted by a constant (unrecorded) max."""
    shifted = x - Tensor(x.data.max(axis=axis, keepdims=True))
    return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()
