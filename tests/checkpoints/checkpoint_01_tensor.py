"""Checkpoint 01 (tensor): can I express a neural network's forward computation with Tensors?

A two-layer network's forward pass, a mean-squared error and a softmax written only
with the public Tensor API (API.md) give the same numbers as plain numpy.
"""

import numpy as np
import pytest

from tinytorch.core.tensor import Tensor


def test_two_layer_forward_pass_matches_numpy():
    x = np.random.randn(8, 5).astype(np.float32)
    w1, b1 = np.random.randn(5, 16).astype(np.float32), np.random.randn(16).astype(np.float32)
    w2, b2 = np.random.randn(16, 3).astype(np.float32), np.random.randn(3).astype(np.float32)

    hidden = (Tensor(x) @ Tensor(w1) + Tensor(b1)).maximum(0.0)
    output = hidden @ Tensor(w2) + Tensor(b2)

    expected = np.maximum(x @ w1 + b1, 0.0) @ w2 + b2
    assert output.shape == (8, 3) and output.data.dtype == np.float32
    np.testing.assert_allclose(output.data, expected, rtol=1e-4, atol=1e-5)


def test_loss_and_softmax_from_primitives():
    logits = np.random.randn(4, 6).astype(np.float32)
    targets = np.random.randn(4, 6).astype(np.float32)
    t = Tensor(logits)

    mse = ((t - targets) ** 2).mean()
    shifted = t - t.max(axis=-1, keepdims=True)
    softmax = shifted.exp() / shifted.exp().sum(axis=-1, keepdims=True)

    assert mse.item() == pytest.approx(float(np.mean((logits - targets) ** 2)), rel=1e-5)
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(softmax.data, exp / exp.sum(axis=-1, keepdims=True), rtol=1e-5)


def test_batched_attention_scores_and_token_lookup():
    """Shapes of the later modules: batched matmul with a transpose, and embedding lookups."""
    q = np.random.randn(2, 5, 4).astype(np.float32)
    k = np.random.randn(2, 5, 4).astype(np.float32)
    scores = Tensor(q) @ Tensor(k).transpose() / 2.0
    np.testing.assert_allclose(scores.data, q @ np.swapaxes(k, -1, -2) / 2.0, rtol=1e-5, atol=1e-6)

    table = np.random.randn(10, 3).astype(np.float32)
    ids = Tensor([[1, 4, 4], [0, 9, 1]])
    assert ids.data.dtype.kind == "i"
    np.testing.assert_array_equal(Tensor(table)[ids].data, table[ids.data])


def test_mistakes_are_reported_clearly():
    with pytest.raises(ValueError, match=r"\(8, 5\).*\(4, 3\)"):
        Tensor(np.ones((8, 5))) @ Tensor(np.ones((4, 3)))
