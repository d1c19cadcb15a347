# Generated from modules/18_acceleration/acceleration.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["matmul_output_shape", "vectorized_matmul", "tiled_product", "TiledMatmul", "tiled_matmul", "gelu_into_buffer", "FusedGELU", "fused_gelu"]


# modules/18_acceleration/acceleration.py:43
import numbers

import numpy as np

from tinytorch.core.activations import GELU_CUBIC, GELU_SCALE
from tinytorch.core.autograd import Function, GeluBackward
from tinytorch.core.tensor import Tensor, as_tensor


# modules/18_acceleration/acceleration.py:163
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
    """Matrix product through numpy's BLAS-backed matmul; batched; returns a Tensor."""
    a, b = as_tensor(a, "vectorized_matmul"), as_tensor(b, "vectorized_matmul")
    matmul_output_shape(a.shape, b.shape, "vectorized_matmul")
    return a.matmul(b)


# modules/18_acceleration/acceleration.py:271
def _check_tile_size(tile_size):
    """tile_size as a positive int, or a TypeError / ValueError naming the bad value."""
    if isinstance(tile_size, bool) or not isinstance(tile_size, numbers.Integral):
        raise TypeError(f"tile_size must be a positive int, got {type(tile_size).__name__} {tile_size!r}")
    if tile_size <= 0:
        raise ValueError(f"tile_size must be a positive int, got {tile_size}")
    return int(tile_size)


def tiled_product(a, b, tile_size):
    """a @ b for ndarrays (batch dimensions first), accumulated one tile_size x tile_size tile at a time."""
    (n, k), m = a.shape[-2:], b.shape[-1]
    out = np.zeros(matmul_output_shape(a.shape, b.shape, "tiled_matmul"), dtype=np.result_type(a, b))
    for i in range(0, n, tile_size):
        for j in range(0, m, tile_size):
            out_tile = out[..., i:i + tile_size, j:j + tile_size]
            for p in range(0, k, tile_size):
                out_tile += a[..., i:i + tile_size, p:p + tile_size] @ b[..., p:p + tile_size, j:j + tile_size]
    return out


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


# modules/18_acceleration/acceleration.py:412
def gelu_into_buffer(x):
    """GELU (tanh approximation, as x / (1 + exp(-2u))) of a float array, in one new buffer; x is not modified."""
    if np.asarray(x).dtype.kind != "f":
        raise TypeError(f"gelu_into_buffer needs a float array, got dtype {np.asarray(x).dtype}")
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
