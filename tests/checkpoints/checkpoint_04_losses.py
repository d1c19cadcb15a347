"""Checkpoint 04 (Losses): can I score any model's predictions with one finite number, even for extreme logits?

The capability: MSELoss, CrossEntropyLoss and BinaryCrossEntropyLoss of
tinytorch.core.losses are called as loss_fn(predictions, targets), return a
scalar Tensor (the batch mean), agree with the textbook formulas, stay finite
for logits of 1000 and saturated probabilities, and reject targets that do not
fit the predictions. Written against the public API in API.md only.
"""

import math

import numpy as np
import pytest

from tinytorch.core.activations import Sigmoid
from tinytorch.core.layers import Linear
from tinytorch.core.losses import BinaryCrossEntropyLoss, CrossEntropyLoss, MSELoss, log_softmax
from tinytorch.core.tensor import Tensor


def test_losses_return_scalar_tensors_matching_the_formulas():
    p, t = np.random.randn(8, 3), np.random.randn(8, 3)
    mse = MSELoss()(Tensor(p), Tensor(t))
    assert isinstance(mse, Tensor) and mse.shape == ()
    assert abs(mse.item() - np.mean((p - t) ** 2)) < 1e-5

    logits, labels = np.random.randn(8, 5), np.random.randint(0, 5, size=8)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    ce = CrossEntropyLoss()(Tensor(logits), Tensor(labels))
    assert ce.shape == () and abs(ce.item() + np.mean(np.log(probs[np.arange(8), labels]))) < 1e-5

    q, y = np.random.uniform(0.05, 0.95, size=8), np.random.randint(0, 2, size=8).astype(float)
    bce = BinaryCrossEntropyLoss()(Tensor(q), y)
    assert bce.shape == () and abs(bce.item() + np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))) < 1e-5


def test_extreme_inputs_give_finite_exact_losses():
    ce = CrossEntropyLoss()(Tensor([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0])).item()
    assert math.isfinite(ce) and abs(ce - 500.0) < 1e-3
    assert np.all(np.isfinite(log_softmax(Tensor([[1000.0, -1000.0]])).data))
    bce = BinaryCrossEntropyLoss()(Sigmoid()(Tensor([1000.0, -1000.0])), np.array([0.0, 1.0])).item()
    assert math.isfinite(bce) and 15 < bce < 17


def test_a_model_output_can_be_scored_and_compared():
    layer = Linear(4, 3)
    x, labels = Tensor(np.random.randn(16, 4)), np.random.randint(0, 3, size=16)
    loss = CrossEntropyLoss()(layer(x), labels).item()
    assert math.isfinite(loss) and loss > 0
    layer.weight.data[...] = 0.0
    layer.bias.data[...] = 0.0
    assert abs(CrossEntropyLoss()(layer(x), labels).item() - math.log(3)) < 1e-6


@pytest.mark.parametrize("call", [
    lambda: CrossEntropyLoss()(Tensor(np.zeros((2, 3))), np.array([0, 3])),
    lambda: MSELoss()(Tensor(np.zeros((4, 1))), np.zeros(4)),
    lambda: BinaryCrossEntropyLoss()(Tensor([2.0, -1.0]), np.array([1.0, 0.0])),
], ids=["class-id-out-of-range", "shape-mismatch", "logits-as-probabilities"])
def test_targets_that_do_not_fit_are_rejected(call):
    with pytest.raises(ValueError):
        call()
