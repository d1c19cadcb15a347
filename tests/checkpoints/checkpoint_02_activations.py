"""Checkpoint 02 (Activations): can I turn raw scores into well-behaved outputs, even extreme ones?

The capability: given any batch of real numbers, including logits of +-1000,
the activations of tinytorch.core.activations return finite values of the same
shape, bounded where the function is bounded, and Softmax returns rows that are
probability distributions. Written against the public API in API.md only.
"""

import numpy as np

from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh
from tinytorch.core.tensor import Tensor


def test_every_activation_is_finite_and_shape_preserving_on_extreme_batches():
    x = Tensor(np.concatenate([np.random.randn(4, 6) * 3, np.full((1, 6), 1000.0), np.full((1, 6), -1000.0)]))
    for activation in (Sigmoid(), ReLU(), Tanh(), GELU(), Softmax()):
        out = activation(x)
        assert isinstance(out, Tensor) and out.shape == (6, 6)
        assert np.all(np.isfinite(out.data)), type(activation).__name__


def test_bounded_activations_stay_in_their_ranges():
    x = Tensor(np.linspace(-1000, 1000, 101))
    sig, tanh, relu = Sigmoid()(x).data, Tanh()(x).data, ReLU()(x).data
    assert np.all((sig >= 0) & (sig <= 1))
    assert np.all((tanh >= -1) & (tanh <= 1))
    assert np.all(relu >= 0) and np.array_equal(relu, np.maximum(x.data, 0))


def test_softmax_turns_logits_into_class_probabilities():
    logits = Tensor([[1000.0, 999.0, -1000.0], [2.0, 1.0, 0.1], [0.0, 0.0, 0.0]])
    probs = Softmax(dim=-1)(logits).data
    assert np.allclose(probs.sum(axis=-1), 1.0, atol=1e-6)
    assert np.all(probs >= 0)
    assert list(probs.argmax(axis=-1)) == [0, 0, 0]
    assert np.allclose(probs[0], [1 / (1 + np.e**-1), 1 / (1 + np.e), 0.0], atol=1e-6)
    assert np.allclose(probs[2], 1 / 3)


def test_activations_make_a_stack_of_linear_maps_non_linear():
    """W2 @ relu(W1 x) is not a linear function of x: f(a) + f(b) != f(a + b)."""
    w1, w2 = Tensor(np.random.randn(3, 8)), Tensor(np.random.randn(8, 2))
    def f(v):
        return ReLU()(Tensor(v) @ w1) @ w2
    a, b = np.random.randn(1, 3), np.random.randn(1, 3)
    assert not np.allclose((f(a) + f(b)).data, f(a + b).data, atol=1e-3)
