"""A small synthetic classification problem and an explicit MLP trained on it.

Shared by the optimization-tier suites (14-16), which need a *trained* model to show
that a compression keeps accuracy. Everything is seeded; training takes well under a second.
"""

import numpy as np

from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import Tensor


def make_blobs(n_per_class=60, n_classes=4, n_features=8, spread=0.6, seed=0):
    """Gaussian clusters around random centres: (inputs float32 (N, F), labels int64 (N,))."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 2.0, size=(n_classes, n_features))
    inputs = np.concatenate([centre + spread * rng.normal(size=(n_per_class, n_features)) for centre in centres])
    labels = np.repeat(np.arange(n_classes), n_per_class)
    order = rng.permutation(len(labels))
    return inputs[order].astype(np.float32), labels[order]


class BlobMLP:
    """Linear -> ReLU -> Linear -> ReLU -> Linear, chained explicitly (no container)."""

    def __init__(self, n_features=8, hidden=32, n_classes=4):
        self.layer1 = Linear(n_features, hidden)
        self.relu = ReLU()
        self.layer2 = Linear(hidden, hidden)
        self.layer3 = Linear(hidden, n_classes)

    def forward(self, x):
        x = self.relu(self.layer1(x))
        x = self.relu(self.layer2(x))
        return self.layer3(x)

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters() + self.layer3.parameters()


def train(model, inputs, labels, steps=150, lr=0.01):
    """Full-batch Adam on cross-entropy; returns the loss of each step."""
    optimizer = Adam(model.parameters(), lr=lr)
    loss_fn = CrossEntropyLoss()
    x, y = Tensor(inputs), Tensor(labels)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model.forward(x), y)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.data))
    return losses


def accuracy(model, inputs, labels):
    """Fraction of rows whose arg-max logit is the label."""
    logits = model.forward(Tensor(inputs)).data
    return float(np.mean(np.argmax(logits, axis=-1) == labels))


def trained_blob_model(seed=0):
    """(model, inputs, labels) with the model trained to high accuracy on the blobs."""
    np.random.seed(seed)
    inputs, labels = make_blobs(seed=seed)
    model = BlobMLP()
    train(model, inputs, labels)
    return model, inputs, labels
