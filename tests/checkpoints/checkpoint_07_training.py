"""Checkpoint 07 (training): can I train a classifier end to end and resume it from a checkpoint?

A small explicit MLP trained by the Trainer (cosine schedule, gradient clipping)
separates four Gaussian blobs on held-out points, and a run saved halfway and
resumed into a freshly built model ends exactly where an uninterrupted run ends.
"""

import numpy as np

import tinytorch.core.autograd  # noqa: F401  (gradients on)
from tinytorch.core.autograd import no_grad
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import CosineSchedule, Trainer

from testkit.models import TwoLayerMLP, batches_of, make_blobs


def accuracy(model, features, labels):
    """Independent of Trainer.evaluate: argmax of a plain forward pass."""
    with no_grad():
        logits = model.forward(Tensor(features)).data
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def test_trainer_learns_held_out_blobs():
    np.random.seed(0)
    features, labels = make_blobs(n_per_class=50, n_classes=4, n_features=4, seed=10)
    held_out = make_blobs(n_per_class=30, n_classes=4, n_features=4, seed=11)
    model = TwoLayerMLP(4, 16, 4)
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1, momentum=0.9), CrossEntropyLoss(),
                      scheduler=CosineSchedule(max_lr=0.1, min_lr=0.001, total_epochs=12), grad_clip_norm=5.0)
    losses = []
    for _ in range(12):
        order = np.random.permutation(len(labels))
        losses.append(trainer.train_epoch(batches_of(features[order], labels[order], 20)))
    assert losses[-1] < 0.2 * losses[0]
    assert accuracy(model, *held_out) >= 0.95


def test_resumed_run_matches_uninterrupted_run(tmp_path):
    features, labels = make_blobs(n_per_class=12, n_classes=3, n_features=3, seed=12)
    batches = batches_of(features, labels, 9)

    def build(seed):
        np.random.seed(seed)
        model = TwoLayerMLP(3, 8, 3)
        return Trainer(model, Adam(model.parameters(), lr=0.02), CrossEntropyLoss(),
                       scheduler=CosineSchedule(max_lr=0.02, min_lr=0.002, total_epochs=6))

    uninterrupted = build(0)
    for _ in range(6):
        uninterrupted.train_epoch(batches)

    first_half = build(0)
    for _ in range(3):
        first_half.train_epoch(batches)
    first_half.save_checkpoint(str(tmp_path / "run.ckpt"))

    resumed = build(7)
    resumed.load_checkpoint(str(tmp_path / "run.ckpt"))
    for _ in range(3):
        resumed.train_epoch(batches)
    for a, b in zip(resumed.model.parameters(), uninterrupted.model.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
