"""Checkpoint 08 (dataloader): can I feed a data set to training in shuffled mini-batches?

A TensorDataset wrapped in a shuffling DataLoader visits every example once per
epoch in a new order, and the Trainer learns from it to high held-out accuracy.
"""

import math

import numpy as np

import tinytorch.core.autograd  # noqa: F401  (gradients on)
from tinytorch.core.autograd import no_grad
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import Trainer

from testkit.models import TwoLayerMLP, make_blobs


def test_every_example_once_per_epoch_in_a_new_order():
    features, labels = make_blobs(n_per_class=11, n_classes=3, n_features=3, seed=20)
    ids = np.arange(len(labels))
    loader = DataLoader(TensorDataset(Tensor(features), Tensor(labels), Tensor(ids)), batch_size=8, shuffle=True)
    assert len(loader) == math.ceil(len(labels) / 8)
    orders = []
    for _ in range(2):
        seen = []
        for xb, yb, ib in loader:
            np.testing.assert_array_equal(xb.data, features[ib.data])
            np.testing.assert_array_equal(yb.data, labels[ib.data])
            seen.extend(ib.data.tolist())
        assert sorted(seen) == ids.tolist()
        orders.append(seen)
    assert orders[0] != orders[1]


def test_trainer_learns_from_a_shuffling_dataloader():
    np.random.seed(3)
    features, labels = make_blobs(n_per_class=60, n_classes=4, n_features=4, seed=21)
    test_features, test_labels = make_blobs(n_per_class=30, n_classes=4, n_features=4, seed=22)
    loader = DataLoader(TensorDataset(Tensor(features), Tensor(labels)), batch_size=32, shuffle=True)
    model = TwoLayerMLP(4, 16, 4)
    trainer = Trainer(model, Adam(model.parameters(), lr=0.02), CrossEntropyLoss())
    losses = [trainer.train_epoch(loader) for _ in range(15)]
    assert losses[-1] < 0.2 * losses[0]
    with no_grad():
        predictions = np.argmax(model.forward(Tensor(test_features)).data, axis=1)
    assert np.mean(predictions == test_labels) >= 0.95
