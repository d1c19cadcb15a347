"""Module 07: non-trained layer state (buffers) is found by the model walk and survives checkpoints."""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (gradients on)
from tinytorch.core.layers import Linear
from tinytorch.core.losses import MSELoss
from tinytorch.core.optimizers import SGD
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import Trainer, model_buffers, reachable_objects


class RunningMean:
    """A layer that tracks the mean of what it has seen, like BatchNorm's running statistics."""

    def __init__(self, width):
        self.running_mean = np.zeros(width, dtype=np.float32)
        self.training = True

    def forward(self, x):
        if self.training:
            self.running_mean[...] = 0.5 * self.running_mean + 0.5 * x.data.mean(axis=0)
        return x - Tensor(self.running_mean)

    def parameters(self):
        return []

    def buffers(self):
        return [Tensor(self.running_mean)]


class Model:
    def __init__(self):
        self.norm = RunningMean(3)
        self.heads = [Linear(3, 2), {"extra": RunningMean(2)}]

    def forward(self, x):
        return self.heads[1]["extra"].forward(self.heads[0](self.norm.forward(x)))

    def parameters(self):
        return self.heads[0].parameters()


def batches():
    rng = np.random.default_rng(0)
    return [(Tensor(rng.normal(2.0, 1.0, (4, 3))), Tensor(rng.normal(size=(4, 2)))) for _ in range(3)]


def test_reachable_objects_visits_each_object_once_in_a_stable_order():
    model = Model()
    model.alias = model.norm
    first = [id(obj) for obj in reachable_objects(model)]
    assert first == [id(obj) for obj in reachable_objects(model)]
    assert len(first) == len(set(first))
    assert id(model.norm) in first and id(model.heads[1]["extra"]) in first


def test_model_buffers_wrap_the_layers_own_arrays():
    model = Model()
    buffers = model_buffers(model)
    assert [b.shape for b in buffers] == [(3,), (2,)]
    buffers[0].data[...] = 7.0
    assert np.all(model.norm.running_mean == 7.0), "a buffer must share memory with the layer's array"


def test_checkpoint_restores_buffers_in_place(tmp_path):
    model = Model()
    trainer = Trainer(model, SGD(model.parameters(), lr=0.01), MSELoss())
    trainer.train_epoch(batches())
    saved = [model.norm.running_mean.copy(), model.heads[1]["extra"].running_mean.copy()]
    assert np.abs(saved[0]).sum() > 0, "training must have moved the running mean"
    path = tmp_path / "run.npz"
    trainer.save_checkpoint(str(path))
    trainer.train_epoch(batches())
    assert not np.array_equal(model.norm.running_mean, saved[0])
    array_before_load = model.norm.running_mean
    trainer.load_checkpoint(str(path))
    assert model.norm.running_mean is array_before_load
    assert np.array_equal(model.norm.running_mean, saved[0])
    assert np.array_equal(model.heads[1]["extra"].running_mean, saved[1])


def test_checkpoint_with_different_buffers_is_rejected_without_changes(tmp_path):
    model = Model()
    trainer = Trainer(model, SGD(model.parameters(), lr=0.01), MSELoss())
    path = tmp_path / "run.npz"
    trainer.save_checkpoint(str(path))
    other = Model()
    other.heads[1]["extra"] = RunningMean(5)  # same parameters, different buffer shape
    other.heads[0].weight.data[...] = 3.0
    with pytest.raises(ValueError, match="buffer"):
        Trainer(other, SGD(other.parameters(), lr=0.01), MSELoss()).load_checkpoint(str(path))
    assert np.all(other.heads[0].weight.data == 3.0), "a rejected checkpoint must not change the model"
