"""Module 18 matmul kernels: vectorized_matmul and tiled_matmul against numpy float64 references.

Expected values come from np.matmul in float64 on the same (float32) inputs, from plain
Python sums, or from finite differences (testkit.gradcheck), never from the kernels themselves.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch.core.autograd  # noqa: F401  (turns autograd on)
from testkit.gradcheck import assert_gradients_match
from tinytorch.core.autograd import no_grad
from tinytorch.core.tensor import Tensor
from tinytorch.perf.acceleration import tiled_matmul, vectorized_matmul

FEW = settings(max_examples=30, deadline=None, derandomize=True)  # same examples on every run
TOL = dict(rtol=1e-5, atol=1e-5)  # float32 products of N(0, 1) values with k <= 13


def reference(a, b):
    """np.matmul in float64 on exactly the float32 values the kernels see."""
    return np.matmul(np.asarray(a, dtype=np.float32).astype(np.float64),
                     np.asarray(b, dtype=np.float32).astype(np.float64))


@st.composite
def matmul_shapes(draw):
    """(a_shape, b_shape) with matching inner sizes and batch dimensions that broadcast."""
    n, k, m = draw(st.integers(1, 13)), draw(st.integers(1, 13)), draw(st.integers(1, 13))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    cut = draw(st.integers(0, len(batch)))  # the other operand may lack leading batch axes
    other = [1 if draw(st.booleans()) else size for size in batch[cut:]]  # or have size-1 axes
    a_batch, b_batch = (batch, other) if draw(st.booleans()) else (other, batch)
    return tuple(a_batch) + (n, k), tuple(b_batch) + (k, m)


def random_pair(shapes, seed):
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes
    return rng.standard_normal(a_shape).astype(np.float32), rng.standard_normal(b_shape).astype(np.float32)


class TestValues:
    @FEW
    @given(matmul_shapes(), st.integers(0, 2**16))
    def test_vectorized_equals_numpy(self, shapes, seed):
        a, b = random_pair(shapes, seed)
        out = vectorized_matmul(a, b)
        assert isinstance(out, Tensor)
        assert out.shape == np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
        np.testing.assert_allclose(out.data, reference(a, b), **TOL)

    @FEW
    @given(matmul_shapes(), st.integers(1, 14), st.integers(0, 2**16))
    def test_tiled_equals_numpy_for_any_tile(self, shapes, tile, seed):
        a, b = random_pair(shapes, seed)
        out = tiled_matmul(Tensor(a), Tensor(b), tile_size=tile)
        assert isinstance(out, Tensor)
        assert out.shape == reference(a, b).shape
        np.testing.assert_allclose(out.data, reference(a, b), **TOL)

    @pytest.mark.parametrize("n, k, m, tile", [(5, 7, 3, 2), (10, 10, 10, 3), (9, 4, 11, 4), (3, 3, 3, 64), (17, 1, 1, 16)])
    def test_tiled_sizes_not_divisible_by_the_tile(self, n, k, m, tile):
        a, b = random_pair(((n, k), (k, m)), seed=n * 100 + tile)
        np.testing.assert_allclose(tiled_matmul(a, b, tile_size=tile).data, reference(a, b), **TOL)

    def test_hand_worked_product(self):
        a = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        b = [[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]]
        expected = [[1 * 7 + 2 * 9 + 3 * 11, 1 * 8 + 2 * 10 + 3 * 12],
                    [4 * 7 + 5 * 9 + 6 * 11, 4 * 8 + 5 * 10 + 6 * 12]]  # [[58, 64], [139, 154]]
        assert vectorized_matmul(a, b).data.tolist() == expected
        for tile in (1, 2, 3):
            assert tiled_matmul(a, b, tile_size=tile).data.tolist() == expected

    def test_integer_inputs_are_exact(self):
        rng = np.random.default_rng(0)
        a, b = rng.integers(-50, 50, size=(6, 9)), rng.integers(-50, 50, size=(9, 4))
        exact = np.array([[sum(int(a[i, p]) * int(b[p, j]) for p in range(9)) for j in range(4)] for i in range(6)])
        assert np.array_equal(vectorized_matmul(a, b).data, exact)
        assert np.array_equal(tiled_matmul(a, b, tile_size=4).data, exact)

    def test_default_tile_size_covers_large_matrices(self):
        a, b = random_pair(((130, 70), (70, 66)), seed=1)  # 130 = 64 + 64 + 2 rows: three tiles
        np.testing.assert_allclose(tiled_matmul(a, b).data, reference(a, b), rtol=1e-4, atol=1e-4)

    def test_float_inputs_give_float32(self):
        a, b = np.ones((2, 3)), np.ones((3, 2))  # float64 arrays
        assert vectorized_matmul(a, b).dtype == np.float32
        assert tiled_matmul(a, b, tile_size=2).dtype == np.float32

    def test_empty_inner_dimension_gives_zeros(self):
        a, b = np.ones((3, 0), dtype=np.float32), np.ones((0, 2), dtype=np.float32)
        assert np.array_equal(vectorized_matmul(a, b).data, np.zeros((3, 2)))
        assert np.array_equal(tiled_matmul(a, b, tile_size=2).data, np.zeros((3, 2)))

    @pytest.mark.parametrize("kernel", [vectorized_matmul, lambda a, b: tiled_matmul(a, b, tile_size=3)])
    def test_inputs_are_not_modified(self, kernel):
        a, b = random_pair(((2, 5, 7), (7, 4)), seed=3)
        ta, tb = Tensor(a.copy()), Tensor(b.copy())
        kernel(ta, tb)
        kernel(a, b)
        assert np.array_equal(ta.data, a) and np.array_equal(tb.data, b)
        assert np.array_equal(a, random_pair(((2, 5, 7), (7, 4)), seed=3)[0])


class TestBadInput:
    @pytest.mark.parametrize("kernel", [vectorized_matmul, tiled_matmul])
    @pytest.mark.parametrize("a_shape, b_shape", [
        ((3, 4), (5, 6)),        # inner sizes differ
        ((4,), (4, 2)),          # a vector is not a matrix
        ((2, 3), (3,)),
        ((), (1, 1)),
        ((2, 3, 4), (3, 4, 5)),  # batch dimensions 2 and 3 do not broadcast
    ])
    def test_shape_errors_name_both_shapes(self, kernel, a_shape, b_shape):
        with pytest.raises(ValueError) as error:
            kernel(np.ones(a_shape), np.ones(b_shape))
        assert str(a_shape) in str(error.value) and str(b_shape) in str(error.value)

    @pytest.mark.parametrize("tile", [0, -1, -64])
    def test_non_positive_tile_size(self, tile):
        with pytest.raises(ValueError, match="tile_size"):
            tiled_matmul(np.ones((2, 2)), np.ones((2, 2)), tile_size=tile)

    @pytest.mark.parametrize("tile", [2.0, 2.5, "8", None, True])
    def test_non_integer_tile_size(self, tile):
        with pytest.raises(TypeError, match="tile_size"):
            tiled_matmul(np.ones((2, 2)), np.ones((2, 2)), tile_size=tile)

    def test_numpy_integer_tile_size_is_accepted(self):
        out = tiled_matmul(np.ones((3, 2)), np.ones((2, 3)), tile_size=np.int64(2))
        assert np.array_equal(out.data, np.full((3, 3), 2.0))

    @pytest.mark.parametrize("kernel", [vectorized_matmul, tiled_matmul])
    def test_non_numeric_input(self, kernel):
        with pytest.raises(TypeError, match="Tensor or a numeric array"):
            kernel("not a matrix", np.ones((2, 2)))
        with pytest.raises(TypeError, match="Tensor or a numeric array"):
            kernel(np.ones((2, 2)), None)


class TestGradients:
    @pytest.mark.parametrize("a_shape, b_shape", [((3, 4), (4, 2)), ((2, 3, 4), (4, 5)), ((2, 1, 2, 3), (3, 3, 2))])
    def test_vectorized_gradients_match_finite_differences(self, a_shape, b_shape):
        a, b = random_pair((a_shape, b_shape), seed=4)
        assert_gradients_match(vectorized_matmul, a, b)

    @pytest.mark.parametrize("tile", [1, 2, 3, 64])
    @pytest.mark.parametrize("a_shape, b_shape", [((5, 4), (4, 3)), ((2, 3, 5), (5, 4)), ((3, 2), (2, 1, 2, 4))])
    def test_tiled_gradients_match_finite_differences(self, tile, a_shape, b_shape):
        a, b = random_pair((a_shape, b_shape), seed=5)
        assert_gradients_match(lambda x, y: tiled_matmul(x, y, tile_size=tile), a, b)

    def test_only_inputs_that_require_grad_get_one(self):
        a, b = random_pair(((4, 3), (3, 5)), seed=6)
        ta, tb = Tensor(a, requires_grad=True), Tensor(b)
        tiled_matmul(ta, tb, tile_size=2).backward(np.ones((4, 5)))
        np.testing.assert_allclose(ta.grad, np.ones((4, 5)) @ b.T, rtol=1e-5)
        assert tb.grad is None

    def test_gradients_accumulate_across_calls(self):
        a, b = random_pair(((3, 3), (3, 3)), seed=7)
        ta = Tensor(a, requires_grad=True)
        tiled_matmul(ta, b, tile_size=2).sum().backward()
        tiled_matmul(ta, b, tile_size=2).sum().backward()
        np.testing.assert_allclose(ta.grad, 2 * np.ones((3, 3)) @ b.T, rtol=1e-5)

    @pytest.mark.parametrize("kernel", [vectorized_matmul, tiled_matmul])
    def test_no_graph_without_grad(self, kernel):
        a = Tensor(np.ones((2, 2)), requires_grad=True)
        assert not kernel(np.ones((2, 2)), np.ones((2, 2))).requires_grad
        with no_grad():
            assert not kernel(a, np.ones((2, 2))).requires_grad
        assert kernel(a, np.ones((2, 2))).requires_grad
