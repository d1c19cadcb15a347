"""Module 09 spatial: BatchNorm2d against the numpy formula, running statistics, and finite differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testkit.gradcheck import assert_gradients_match

from tinytorch.core.spatial import BatchNorm2d
from tinytorch.core.tensor import Tensor


def numpy_batchnorm(x, gamma, beta, mean, var, eps):
    return gamma[:, None, None] * (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + eps) + beta[:, None, None]


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 4), w=st.integers(2, 4))
def test_training_forward_uses_batch_statistics(n, c, h, w):
    bn = BatchNorm2d(c)
    bn.gamma.data[...] = np.random.rand(c) + 0.5
    bn.beta.data[...] = np.random.randn(c)
    x = np.random.randn(n, c, h, w) * 3 + 1
    out = bn(Tensor(x))
    expected = numpy_batchnorm(x, bn.gamma.data, bn.beta.data, x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3)), bn.eps)
    assert np.allclose(out.data, expected, atol=1e-4)


@pytest.mark.parametrize("training", [True, False])
def test_eps_sits_inside_the_square_root(training):
    """Channels with variance far below a large custom eps: 1/sqrt(var + eps), not 1/(sqrt(var) + eps)."""
    bn = BatchNorm2d(2, eps=0.5)
    x = np.random.randn(3, 2, 2, 2) * 0.1 + 1.0
    bn.running_mean = np.array([1.0, 0.5], dtype=np.float32)
    bn.running_var = np.array([0.01, 0.04], dtype=np.float32)
    bn.training = training
    mean, var = (x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))) if training else (bn.running_mean, bn.running_var)
    expected = (x - mean[:, None, None]) / np.sqrt(var[:, None, None] + 0.5)
    np.testing.assert_allclose(bn(Tensor(x)).data, expected, atol=1e-5)


def test_running_statistics_follow_momentum_with_unbiased_variance():
    bn = BatchNorm2d(2, momentum=0.1)
    batches = [np.random.randn(4, 2, 3, 3) * s + m for s, m in [(1, 0), (2, 5), (0.5, -1)]]
    mean, var = np.zeros(2), np.ones(2)
    for x in batches:
        bn(Tensor(x))
        mean = 0.9 * mean + 0.1 * x.mean(axis=(0, 2, 3))
        var = 0.9 * var + 0.1 * x.var(axis=(0, 2, 3), ddof=1)
    assert np.allclose(bn.running_mean, mean, atol=1e-5)
    assert np.allclose(bn.running_var, var, atol=1e-5)


def test_evaluation_uses_running_statistics_and_leaves_them_alone():
    bn = BatchNorm2d(3)
    bn.running_mean = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    bn.running_var = np.array([4.0, 0.25, 1.0], dtype=np.float32)
    bn.training = False
    x = np.random.randn(2, 3, 2, 2)
    out = bn(Tensor(x))
    expected = numpy_batchnorm(x, np.ones(3), np.zeros(3), bn.running_mean, bn.running_var, bn.eps)
    assert np.allclose(out.data, expected, atol=1e-5)
    assert np.array_equal(bn.running_mean, [1.0, -2.0, 0.5])
    # One image alone gives the same answer as inside a batch: no batch dependence.
    assert np.allclose(bn(Tensor(x[:1])).data, out.data[:1], atol=1e-6)


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 2), h=st.integers(1, 3), w=st.integers(2, 3), training=st.booleans())
def test_gradients_match_finite_differences(n, c, h, w, training):
    bn = BatchNorm2d(c)
    bn.running_mean = np.random.randn(c).astype(np.float32)
    bn.running_var = (np.random.rand(c) + 0.5).astype(np.float32)
    bn.training = training

    def forward(x, gamma, beta):
        bn.gamma, bn.beta = gamma, beta
        return bn(x)

    x = np.random.randn(n, c, h, w)
    assert_gradients_match(forward, x, np.random.rand(c) + 0.5, np.random.randn(c))


def test_buffers_are_the_running_statistics_updated_in_place():
    bn = BatchNorm2d(3, momentum=0.5)
    buffers = bn.buffers()  # taken before training: must still see every update
    assert len(buffers) == 2 and all(isinstance(b, Tensor) for b in buffers)
    assert all(b.requires_grad is False for b in buffers)
    assert buffers[0].data is bn.running_mean and buffers[1].data is bn.running_var
    x = np.random.randn(4, 3, 2, 2) + 3.0
    bn(Tensor(x))
    np.testing.assert_allclose(buffers[0].data, 0.5 * x.mean(axis=(0, 2, 3)), atol=1e-5)
    np.testing.assert_allclose(buffers[1].data, 0.5 + 0.5 * x.var(axis=(0, 2, 3), ddof=1), atol=1e-5)
    # Not trained: the optimizer's list holds only gamma and beta.
    assert not any(b.data is p.data for b in bn.buffers() for p in bn.parameters())


def test_loading_saved_buffers_restores_evaluation_outputs():
    """What a checkpoint does: copy buffers' .data out, later write it back into .data[...]."""
    bn = BatchNorm2d(2)
    for _ in range(3):
        bn(Tensor(np.random.randn(5, 2, 3, 3) * 2.0 + 1.0))
    saved = [b.data.copy() for b in bn.buffers()]
    x = Tensor(np.random.randn(2, 2, 3, 3))
    bn.training = False
    expected = bn(x).data.copy()
    bn.training = True
    bn(Tensor(np.random.randn(5, 2, 3, 3) - 4.0))  # training moves the statistics away
    bn.training = False
    assert not np.allclose(bn(x).data, expected)
    for buffer, values in zip(bn.buffers(), saved):
        buffer.data[...] = values
    np.testing.assert_array_equal(bn.running_mean, saved[0])
    np.testing.assert_array_equal(bn.running_var, saved[1])
    np.testing.assert_array_equal(bn(x).data, expected)


def test_buffers_share_memory_even_after_assigning_float64_statistics():
    bn = BatchNorm2d(2)
    bn.running_mean = np.array([1.0, 2.0])  # float64, assigned by hand
    mean, _ = bn.buffers()
    mean.data[...] = [5.0, 6.0]
    np.testing.assert_array_equal(bn.running_mean, [5.0, 6.0])


def test_parameters_are_gamma_then_beta():
    bn = BatchNorm2d(4)
    assert bn.parameters() == [bn.gamma, bn.beta]
    assert np.array_equal(bn.gamma.data, np.ones(4)) and np.array_equal(bn.beta.data, np.zeros(4))
    assert bn.training is True


@pytest.mark.parametrize(
    "call",
    [
        lambda: BatchNorm2d(0),
        lambda: BatchNorm2d(2, eps=0.0),
        lambda: BatchNorm2d(2, momentum=1.5),
        lambda: BatchNorm2d(2)(Tensor(np.zeros((2, 3, 2, 2)))),  # wrong channels
        lambda: BatchNorm2d(2)(Tensor(np.zeros((2, 2, 2)))),  # rank 3
        lambda: BatchNorm2d(2)(Tensor(np.zeros((1, 2, 1, 1)))),  # one value per channel in training
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()
