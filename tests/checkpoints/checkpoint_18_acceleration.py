"""Checkpoint 18 (acceleration): can I compute the same results with faster kernels?

Each kernel of `tinytorch.perf.acceleration` is checked for equality with a slow, obviously
correct reference: a plain-Python triple loop for the matrix products, Module 02's GELU for
`fused_gelu`, and the gradients of the reference computation for backward. No timing here:
`benchmarks/acceleration_speed.py` prints the speedups.
"""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (turns autograd on)
from tinytorch.core.activations import GELU
from tinytorch.core.tensor import Tensor
from tinytorch.perf.acceleration import fused_gelu, tiled_matmul, vectorized_matmul


def loop_matmul(a, b):
    """C[i][j] = sum_p A[i][p] * B[p][j] in Python floats (float64), the definition itself."""
    n, k, m = len(a), len(b), len(b[0])
    return [[sum(float(a[i][p]) * float(b[p][j]) for p in range(k)) for j in range(m)] for i in range(n)]


def test_matrix_products_equal_the_definition():
    rng = np.random.default_rng(18)
    a = rng.normal(size=(37, 23)).astype(np.float32)  # no size divisible by the tiles below
    b = rng.normal(size=(23, 29)).astype(np.float32)
    expected = np.array(loop_matmul(a, b))
    np.testing.assert_allclose(vectorized_matmul(a, b).data, expected, rtol=1e-5, atol=1e-5)
    for tile in (1, 8, 16, 64):
        np.testing.assert_allclose(tiled_matmul(Tensor(a), Tensor(b), tile_size=tile).data, expected,
                                   rtol=1e-5, atol=1e-5)


def test_batched_products_equal_the_definition_per_item():
    rng = np.random.default_rng(19)
    a = rng.normal(size=(3, 5, 4)).astype(np.float32)
    b = rng.normal(size=(4, 6)).astype(np.float32)  # one matrix shared by the whole batch
    for out in (vectorized_matmul(a, b), tiled_matmul(a, b, tile_size=3)):
        assert out.shape == (3, 5, 6)
        for item in range(3):
            np.testing.assert_allclose(out.data[item], loop_matmul(a[item], b), rtol=1e-5, atol=1e-5)


def test_fused_gelu_is_module_02_gelu():
    x = np.concatenate([np.linspace(-10, 10, 4001), np.random.default_rng(20).normal(scale=4, size=999)])
    x = x.astype(np.float32).reshape(5, 1000)
    np.testing.assert_allclose(fused_gelu(Tensor(x)).data, GELU()(Tensor(x)).data, rtol=1e-6, atol=0)


def test_gradients_are_unchanged_by_the_faster_kernels():
    rng = np.random.default_rng(21)
    x, w = rng.normal(size=(8, 5)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)
    upstream = rng.normal(size=(8, 3)).astype(np.float32)

    def gradients(compute):
        tx, tw = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
        compute(tx, tw).backward(upstream)
        return tx.grad, tw.grad

    reference = gradients(lambda a, b: GELU()(a @ b))
    for fast in (lambda a, b: fused_gelu(vectorized_matmul(a, b)),
                 lambda a, b: fused_gelu(tiled_matmul(a, b, tile_size=2))):
        for got, expected in zip(gradients(fast), reference):
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_wrong_shapes_are_refused_not_guessed():
    for kernel in (vectorized_matmul, tiled_matmul):
        with pytest.raises(ValueError, match=r"\(3, 4\)"):
            kernel(np.ones((3, 4)), np.ones((3, 4)))
    with pytest.raises(ValueError, match="tile_size"):
        tiled_matmul(np.ones((2, 2)), np.ones((2, 2)), tile_size=0)
