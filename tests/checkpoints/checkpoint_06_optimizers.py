"""Checkpoint 06 (optimizers): can gradients now make a model learn, without breaking shared or pruned weights?

SGD, SGD with momentum, Adam and AdamW each drive a real loss down on a small
explicit MLP; a weight shared by two layers stays one Tensor; weights pruned
through `prune_mask` stay exactly zero while the rest keep learning.
"""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (gradients on)
from tinytorch.core.layers import Linear
from tinytorch.core.losses import MSELoss
from tinytorch.core.optimizers import SGD, Adam, AdamW
from tinytorch.core.tensor import Tensor

from testkit.models import TwoLayerMLP, full_batch_steps

OPTIMIZERS = {
    "sgd": lambda p: SGD(p, lr=0.05),
    "sgd-momentum": lambda p: SGD(p, lr=0.02, momentum=0.9),
    "adam": lambda p: Adam(p, lr=0.01),
    "adamw": lambda p: AdamW(p, lr=0.01, weight_decay=0.01),
}


def regression_problem():
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(64, 4))
    targets = np.tanh(inputs @ rng.normal(size=(4, 2)))
    return Tensor(inputs), Tensor(targets)


def fit(model, optimizer, steps=150):
    inputs, targets = regression_problem()
    return full_batch_steps(model, optimizer, MSELoss(), inputs, targets, steps)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_reduces_a_real_loss(name):
    np.random.seed(0)
    model = TwoLayerMLP(4, 16, 2)
    losses = fit(model, OPTIMIZERS[name](model.parameters()))
    assert losses[-1] < 0.3 * losses[0]


def test_shared_weight_stays_shared_and_learns():
    np.random.seed(1)
    encoder, decoder = Linear(4, 4), Linear(4, 4)
    decoder.weight = encoder.weight
    optimizer = Adam(encoder.parameters() + decoder.parameters(), lr=0.01)
    inputs = Tensor(np.random.normal(size=(16, 4)))
    before = encoder.weight.data.copy()
    for _ in range(20):
        loss = MSELoss()(decoder.forward(encoder.forward(inputs).tanh()), inputs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert decoder.weight is encoder.weight
    assert not np.allclose(encoder.weight.data, before)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_pruned_weights_stay_zero_while_training_continues(name):
    np.random.seed(2)
    model = TwoLayerMLP(4, 16, 2)
    optimizer = OPTIMIZERS[name](model.parameters())
    fit(model, optimizer, steps=10)  # build up momentum / moments first
    weight = model.layer1.weight
    mask = (np.abs(weight.data) > np.quantile(np.abs(weight.data), 0.7)).astype(np.float32)
    weight.data *= mask
    weight.prune_mask = mask
    kept = weight.data[mask == 1].copy()
    losses = fit(model, optimizer, steps=100)
    assert np.all(weight.data[mask == 0] == 0.0)
    assert not np.allclose(weight.data[mask == 1], kept)
    assert losses[-1] < losses[0]
