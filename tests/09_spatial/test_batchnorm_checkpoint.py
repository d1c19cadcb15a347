"""Module 09 with module 07: a Trainer checkpoint keeps BatchNorm2d's running statistics."""

import numpy as np

import tinytorch.core.autograd  # noqa: F401  (gradients on)
from tinytorch.core.losses import MSELoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.spatial import BatchNorm2d, Conv2d
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import Trainer


class ConvBN:
    def __init__(self):
        self.conv = Conv2d(1, 2, kernel_size=3, padding=1)
        self.norm = BatchNorm2d(2)

    def forward(self, x):
        return self.norm(self.conv(x))

    def parameters(self):
        return self.conv.parameters() + self.norm.parameters()


def batches(seed):
    rng = np.random.default_rng(seed)
    return [(Tensor(rng.normal(3.0, 2.0, (4, 1, 5, 5))), Tensor(rng.normal(size=(4, 2, 5, 5)))) for _ in range(2)]


def test_running_statistics_survive_save_and_load(tmp_path):
    model = ConvBN()
    trainer = Trainer(model, SGD(model.parameters(), lr=0.01), MSELoss())
    trainer.train_epoch(batches(0))
    saved_mean, saved_var = model.norm.running_mean.copy(), model.norm.running_var.copy()
    assert not np.allclose(saved_mean, 0.0), "training must have updated the running mean"
    path = tmp_path / "cnn.npz"
    trainer.save_checkpoint(str(path))
    trainer.train_epoch(batches(1))
    assert not np.allclose(model.norm.running_mean, saved_mean)
    trainer.load_checkpoint(str(path))
    assert np.array_equal(model.norm.running_mean, saved_mean)
    assert np.array_equal(model.norm.running_var, saved_var)


def test_restored_model_evaluates_like_the_saved_one(tmp_path):
    model = ConvBN()
    trainer = Trainer(model, SGD(model.parameters(), lr=0.01), MSELoss())
    trainer.train_epoch(batches(0))
    x = batches(2)[0][0]
    model.norm.training = False
    expected = model.forward(x).data.copy()
    path = tmp_path / "cnn.npz"
    trainer.save_checkpoint(str(path))

    fresh = ConvBN()
    fresh.norm.training = False
    Trainer(fresh, SGD(fresh.parameters(), lr=0.01), MSELoss()).load_checkpoint(str(path))
    assert np.allclose(fresh.forward(x).data, expected, atol=1e-6)
