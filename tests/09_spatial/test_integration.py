"""Module 09 spatial with the prior stack: activations, Linear, losses, optimizers, Trainer, DataLoader."""

import numpy as np
import pytest

from tinytorch.core.activations import ReLU
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss, MSELoss
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.spatial import AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import Trainer


def quadrant_images(count, rng):
    """Class k has a bright blob over quadrant k of an 8x8 noisy image (4 classes)."""
    labels = rng.integers(0, 4, size=count)
    images = rng.normal(0.0, 0.3, size=(count, 1, 8, 8)).astype(np.float32)
    rows, cols = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    quadrant = (rows // 4) * 2 + cols // 4  # 8x8 map of quadrant numbers 0..3
    images[:, 0] += 1.5 * (quadrant[None] == labels[:, None, None])
    return images, labels


class SmallCNN:
    """Conv2d -> BatchNorm2d -> ReLU -> MaxPool2d -> AvgPool2d -> Linear, chained explicitly."""

    def __init__(self):
        self.conv = Conv2d(1, 4, 3, padding=1)
        self.norm = BatchNorm2d(4)
        self.relu = ReLU()
        self.pool = MaxPool2d(2)
        self.avg = AvgPool2d(2)
        self.head = Linear(4 * 2 * 2, 4)

    def forward(self, x):
        x = self.relu(self.norm(self.conv(x)))
        x = self.avg(self.pool(x))
        return self.head(x.reshape(x.shape[0], -1))

    def parameters(self):
        return self.conv.parameters() + self.norm.parameters() + self.head.parameters()


def test_trainer_and_dataloader_train_a_cnn_with_batchnorm():
    rng = np.random.default_rng(0)
    images, labels = quadrant_images(128, rng)
    loader = DataLoader(TensorDataset(Tensor(images), Tensor(labels)), batch_size=32, shuffle=True)
    model = SmallCNN()
    trainer = Trainer(model, Adam(model.parameters(), lr=0.02), CrossEntropyLoss())
    first = trainer.train_epoch(loader)
    for _ in range(7):
        last = trainer.train_epoch(loader)
    assert last < 0.5 * first
    test_images, test_labels = quadrant_images(64, rng)
    _, accuracy = trainer.evaluate(DataLoader(TensorDataset(Tensor(test_images), Tensor(test_labels)), batch_size=64))
    assert model.norm.training is False  # evaluate switched BatchNorm to running statistics
    assert accuracy >= 0.9


def test_sgd_updates_conv_weights_in_place_along_the_gradient():
    conv = Conv2d(2, 3, 3)
    weight_array = conv.weight.data
    before = weight_array.copy()
    x = Tensor(np.random.randn(2, 2, 5, 5))
    MSELoss()(conv(x), Tensor(np.zeros((2, 3, 3, 3)))).backward()
    grad = conv.weight.grad.copy()
    SGD(conv.parameters(), lr=0.1).step()
    assert conv.weight.data is weight_array  # optimizers update in place
    assert np.allclose(conv.weight.data, before - 0.1 * grad, atol=1e-6)


def test_gradients_accumulate_across_backward_calls_until_zero_grad():
    conv = Conv2d(1, 1, 2)
    x = Tensor(np.random.randn(1, 1, 3, 3))
    conv(x).sum().backward()
    once = conv.weight.grad.copy()
    conv(x).sum().backward()
    assert np.allclose(conv.weight.grad, 2 * once, atol=1e-5)
    optimizer = SGD(conv.parameters(), lr=0.1)
    optimizer.zero_grad()
    assert conv.weight.grad is None or np.all(conv.weight.grad == 0)


def test_shared_conv_used_twice_sums_both_gradients():
    """One Conv2d applied twice in a graph (weight sharing): d/dW (sum f(x1) + sum f(x2))."""
    conv = Conv2d(1, 1, 2, bias=False)
    x1, x2 = np.random.randn(1, 1, 3, 3), np.random.randn(1, 1, 3, 3)
    (conv(Tensor(x1)).sum() + conv(Tensor(x2)).sum()).backward()
    # d sum(conv(x)) / d w[kh, kw] = sum of the input pixels that kernel offset touches.
    expected = np.array([[(x1 + x2)[0, 0, i:i + 2, j:j + 2].sum() for j in range(2)] for i in range(2)])
    assert np.allclose(conv.weight.grad[0, 0], expected, atol=1e-5)


@pytest.mark.parametrize("layer", [Conv2d(1, 2, 3, padding=1), MaxPool2d(2), AvgPool2d(2), BatchNorm2d(1)])
def test_integer_images_are_accepted_as_float(layer):
    out = layer(Tensor(np.arange(32).reshape(2, 1, 4, 4)))
    assert out.data.dtype == np.float32
    assert np.all(np.isfinite(out.data))
