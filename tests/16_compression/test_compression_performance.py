"""Module 16 performance, measured as sizes and parameter counts (never as times).

Times depend on the machine and live in benchmarks/compression_claims.py; what a test can
pin down is what compression saves in bytes and parameters, and that a physically smaller
model computes the same function as the pruned one.
"""

import numpy as np
import pytest

from testkit.compression_models import TinyMLP, unique_weights
from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor
from tinytorch.perf.compression import compress_model, low_rank_approximate, magnitude_prune, structured_prune


def csr_nbytes(matrix):
    """Bytes of a CSR copy (float32 data, int32 column indices, int32 row pointers), built with numpy."""
    rows, cols = np.nonzero(matrix)
    data = matrix[rows, cols].astype(np.float32)
    indices = cols.astype(np.int32)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=matrix.shape[0]))]).astype(np.int32)
    return data.nbytes + indices.nbytes + indptr.nbytes


def remove_dead_neurons(model):
    """A physically smaller TinyMLP without the hidden neurons whose layer1 column is all zero."""
    alive = np.flatnonzero(np.any(model.layer1.weight.data != 0, axis=0))
    small = TinyMLP(model.layer1.weight.shape[0], alive.size, model.layer2.weight.shape[1])
    small.layer1.weight.data[:] = model.layer1.weight.data[:, alive]
    small.layer1.bias.data[:] = model.layer1.bias.data[alive]
    small.layer2.weight.data[:] = model.layer2.weight.data[alive, :]
    small.layer2.bias.data[:] = model.layer2.bias.data
    return small


class TestSparseStorage:
    @pytest.mark.parametrize("sparsity, at_most", [(0.9, 0.21), (0.95, 0.11), (0.99, 0.03)])
    def test_pruned_weights_shrink_in_csr(self, sparsity, at_most):
        layer = Linear(128, 128)
        magnitude_prune(layer, sparsity)
        dense = layer.weight.data.nbytes
        assert csr_nbytes(layer.weight.data) <= at_most * dense

    def test_csr_costs_more_than_dense_below_half_sparsity(self):
        layer = Linear(128, 128)
        magnitude_prune(layer, 0.3)
        assert csr_nbytes(layer.weight.data) > layer.weight.data.nbytes

    def test_csr_size_falls_as_sparsity_rises(self):
        original = Linear(64, 64).weight.data.copy()
        sizes = []
        for sparsity in (0.2, 0.5, 0.8, 0.95):
            layer = Linear(64, 64)
            layer.weight.data[:] = original
            magnitude_prune(layer, sparsity)
            sizes.append(csr_nbytes(layer.weight.data))
        assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == 4


class TestParameterCounts:
    def test_compress_model_final_count_is_the_number_a_sparse_format_stores(self):
        model = TinyMLP(32, 64, 10)
        stats = compress_model(model, {"magnitude_sparsity": 0.8})
        weights = 32 * 64 + 64 * 10
        kept_weights = weights - round(0.8 * weights)
        nonzero_biases = sum(int(np.count_nonzero(layer.bias.data)) for layer in (model.layer1, model.layer2))
        assert stats["final_parameters"] == kept_weights + nonzero_biases
        assert stats["original_parameters"] == weights + nonzero_biases  # random weights have no zeros
        assert stats["compression_ratio"] == pytest.approx(weights / stats["final_parameters"])

    def test_structured_pruning_then_removal_shrinks_the_model_exactly(self):
        model = TinyMLP(20, 40, 5)
        model.layer1.bias.data[:] = np.random.randn(40)
        structured_prune(model, 0.5, exclude=[model.layer2])
        small = remove_dead_neurons(model)
        assert small.layer1.weight.shape == (20, 20) and small.layer2.weight.shape == (20, 5)
        dense_count = sum(p.data.size for p in model.parameters())
        small_count = sum(p.data.size for p in small.parameters())
        assert dense_count == 20 * 40 + 40 + 40 * 5 + 5
        assert small_count == 20 * 20 + 20 + 20 * 5 + 5
        x = Tensor(np.random.randn(16, 20))
        assert np.allclose(small(x).data, model(x).data, atol=1e-5)  # same function, fewer numbers

    def test_unstructured_pruning_leaves_nothing_to_remove(self):
        model = TinyMLP(20, 40, 5)
        magnitude_prune(model, 0.5)  # scattered zeros: (almost) every neuron keeps some weight
        assert remove_dead_neurons(model).layer1.weight.shape[1] >= 38
        assert all(w.data.size == w.data.shape[0] * w.data.shape[1] for w in unique_weights(model))

    @pytest.mark.parametrize("ratio", [0.1, 0.25, 0.5])
    def test_low_rank_factors_store_fewer_numbers_and_bound_the_output_error(self, ratio):
        layer = Linear(48, 32)
        a, b = low_rank_approximate(layer.weight, ratio)
        k = a.shape[1]
        assert a.size + b.size == k * (48 + 32) < 48 * 32
        x = np.random.randn(10, 48)
        singular = np.linalg.svd(layer.weight.data.astype(np.float64), compute_uv=False)
        error = np.linalg.norm(x @ layer.weight.data - (x @ a) @ b, axis=1)
        assert np.all(error <= np.linalg.norm(x, axis=1) * singular[k] * (1 + 1e-4) + 1e-5)
