"""Checkpoint 03 (Layers): can I build a model by chaining layers by hand and find everything it trains?

The capability: Linear layers of tinytorch.core.layers compute x @ W + b on
batches of any leading shape, expose their trainable Tensors through
parameters(), and combine with activations and Dropout into a model that is a
plain class (no container) with forward() and parameters(). Written against
the public API in API.md only.
"""

import numpy as np
import pytest
from testkit.models import TwoLayerMLP

from tinytorch.core.activations import Softmax
from tinytorch.core.layers import Dropout, Layer, Linear
from tinytorch.core.tensor import Tensor


def MLP():
    """784 -> 64 -> ReLU -> Dropout(0.2) -> 10, chained explicitly."""
    return TwoLayerMLP(784, 64, 10, dropout=0.2)


def test_an_explicit_mlp_classifies_a_batch():
    model = MLP()
    model.dropout.training = False
    x = np.random.rand(32, 784).astype(np.float32)
    probs = Softmax()(model.forward(Tensor(x)))
    assert probs.shape == (32, 10)
    assert np.allclose(probs.data.sum(axis=1), 1.0, atol=1e-5)
    w1, b1, w2, b2 = (p.data for p in model.parameters())
    logits = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    assert np.allclose(model.forward(Tensor(x)).data, logits, atol=1e-4)


def test_every_trainable_tensor_is_found_and_counted():
    model = MLP()
    params = model.parameters()
    assert [p.shape for p in params] == [(784, 64), (64,), (64, 10), (10,)]
    assert all(isinstance(p, Tensor) and p.requires_grad for p in params)
    assert sum(p.size for p in params) == 784 * 64 + 64 + 64 * 10 + 10
    assert Dropout(0.5).parameters() == [] and isinstance(model.layer1, Layer)


def test_linear_handles_sequences_and_rejects_wrong_widths():
    layer = Linear(16, 4)
    assert layer(Tensor(np.random.randn(2, 7, 16))).shape == (2, 7, 4)
    with pytest.raises(ValueError, match="16"):
        layer(Tensor(np.random.randn(2, 7, 15)))


def test_dropout_trains_noisy_and_evaluates_exactly():
    drop = Dropout(0.5)
    x = Tensor(np.ones((100, 100)))
    noisy = drop(x).data
    assert set(np.unique(noisy)) <= {0.0, 2.0} and 0.4 < (noisy == 0).mean() < 0.6
    drop.training = False
    assert np.array_equal(drop(x).data, x.data)
