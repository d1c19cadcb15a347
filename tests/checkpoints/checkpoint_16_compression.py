"""Checkpoint 16 (compression): can I remove 70% of the weights and keep the accuracy?

Trains a small explicit MLP here, in the test, on a synthetic 4-class problem, then prunes it
with the public API of `tinytorch.perf.compression` and checks held-out accuracy:
- 70% magnitude sparsity: accuracy within 5 points of the dense model, with no retraining;
- 90% sparsity: a short fine-tune (the optimizer honours `prune_mask`) brings accuracy back
  within 5 points of the dense model while the sparsity stays exactly 90%.
"""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (turns autograd on)
from testkit.blobs import BlobMLP, accuracy, train
from tinytorch.core.optimizers import Adam
from tinytorch.perf.compression import compress_model, magnitude_prune, measure_sparsity

ACCURACY_DROP = 0.05


def four_clusters(seed=0):
    """400 points around 4 overlapping-but-separable centres: 300 to train, 100 held out."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 1.5, size=(4, 10))
    inputs = centres.repeat(100, axis=0) + rng.normal(size=(400, 10))
    labels = np.repeat(np.arange(4), 100)
    order = rng.permutation(400)
    inputs, labels = inputs[order].astype(np.float32), labels[order]
    return (inputs[:300], labels[:300]), (inputs[300:], labels[300:])


@pytest.fixture
def trained():
    (train_x, train_y), held_out = four_clusters()
    model = BlobMLP(n_features=10, hidden=64, n_classes=4)  # 10 -> 64 -> 64 -> 4, chained by hand
    optimizer = Adam(model.parameters(), lr=0.01)
    train(model, optimizer, train_x, train_y, steps=150)
    dense = accuracy(model, *held_out)
    assert dense >= 0.9, "the dense model must learn the problem before we compress it"
    return model, optimizer, (train_x, train_y), held_out, dense


def test_seventy_percent_of_the_weights_removed_accuracy_kept(trained):
    model, _, _, held_out, dense = trained
    stats = compress_model(model, {"magnitude_sparsity": 0.7})
    n_weights = 10 * 64 + 64 * 64 + 64 * 4
    assert abs(measure_sparsity(model) - 0.7) <= 1 / n_weights
    # exactly 70% of the weight entries became zero; biases were left alone
    assert stats["original_parameters"] - stats["final_parameters"] == round(0.7 * n_weights)
    assert accuracy(model, *held_out) >= dense - ACCURACY_DROP


def test_ninety_percent_needs_only_a_short_fine_tune(trained):
    model, optimizer, (train_x, train_y), held_out, dense = trained
    magnitude_prune(model, 0.9)
    zeros = [p.data == 0 for p in model.parameters()]
    train(model, optimizer, train_x, train_y, steps=30)  # same optimizer, masks respected
    assert all(np.all(p.data[z] == 0) for p, z in zip(model.parameters(), zeros))
    assert measure_sparsity(model) == pytest.approx(0.9, abs=1 / (10 * 64 + 64 * 64 + 64 * 4))
    assert accuracy(model, *held_out) >= dense - ACCURACY_DROP
