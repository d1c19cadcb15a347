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
