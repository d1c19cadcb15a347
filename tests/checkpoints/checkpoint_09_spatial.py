"""Checkpoint 09 spatial: can my CNN learn to tell simple image patterns apart?

A small CNN chained by hand (Conv2d -> ReLU -> MaxPool2d -> Linear), trained with a
module-06 optimizer on synthetic 8x8 images of horizontal vs vertical bars, must
classify unseen images almost perfectly. Public API only (API.md).
"""

import numpy as np

from tinytorch.core.activations import ReLU
from tinytorch.core.autograd import no_grad
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.spatial import AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor


def bar_images(count, rng):
    """Label 0: one horizontal bar; label 1: one vertical bar; at a random place, with noise."""
    labels = rng.integers(0, 2, size=count)
    where = rng.integers(0, 8, size=count)
    rows, cols = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    horizontal = rows[None] == where[:, None, None]
    vertical = cols[None] == where[:, None, None]
    bars = np.where(labels[:, None, None] == 0, horizontal, vertical)
    images = rng.normal(0.0, 0.4, size=(count, 8, 8)) + 1.5 * bars
    return images[:, None].astype(np.float32), labels


class BarNet:
    def __init__(self):
        self.conv = Conv2d(1, 6, 3, padding=1)
        self.relu = ReLU()
        self.pool = MaxPool2d(2)
        self.head = Linear(6 * 4 * 4, 2)

    def forward(self, x):
        features = self.pool(self.relu(self.conv(x)))
        return self.head(features.reshape(x.shape[0], -1))

    def parameters(self):
        return self.conv.parameters() + self.head.parameters()


def test_cnn_learns_horizontal_vs_vertical_bars():
    rng = np.random.default_rng(9)
    train_x, train_y = bar_images(256, rng)
    test_x, test_y = bar_images(200, rng)
    model, loss_fn = BarNet(), CrossEntropyLoss()
    optimizer = Adam(model.parameters(), lr=0.02)
    losses = []
    for step in range(80):
        batch = slice((step % 8) * 32, (step % 8) * 32 + 32)
        loss = loss_fn(model.forward(Tensor(train_x[batch])), Tensor(train_y[batch]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with no_grad():
        predictions = np.argmax(model.forward(Tensor(test_x)).data, axis=1)
    assert np.mean(predictions == test_y) >= 0.95
    assert np.mean(losses[-8:]) < 0.3 * np.mean(losses[:8])


def test_spatial_layers_keep_the_nchw_shapes_a_cnn_relies_on():
    x = Tensor(np.random.randn(2, 3, 9, 9))
    assert Conv2d(3, 5, 3, stride=2, padding=1)(x).shape == (2, 5, 5, 5)
    assert MaxPool2d(3)(x).shape == (2, 3, 3, 3)
    assert AvgPool2d(2, stride=1)(x).shape == (2, 3, 8, 8)
    assert BatchNorm2d(3)(x).shape == (2, 3, 9, 9)
