"""A small classification problem (testkit.models.make_blobs) and an explicit MLP trained on it.

Shared by the optimization-tier suites (14-16), which need a *trained* model to show
that quantization or compression keeps accuracy. The classes are Gaussian clusters
around fixed centres (`separation` on one axis each), so a training set and a held-out
set drawn with different seeds come from the same distribution. With the defaults the
closest centres are 4.2 apart and the clusters have standard deviation 0.7: a few
points lie near a class boundary, so held-out accuracy is high (about 0.99) but
not trivially 1.0, and a broken quantizer shows up as lost accuracy.

Everything is seeded; `trained_blob_model` takes about 0.05 s.
"""

import numpy as np

import tinytorch.core.autograd  # noqa: F401  (training needs backward)
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import Tensor

from testkit.models import full_batch_steps, make_blobs


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


def train(model, optimizer, inputs, labels, steps):
    """Full-batch cross-entropy training on numpy data; returns the loss of each step.

    The one classification training helper of the suites (`full_batch_steps` with the loss fixed).
    """
    return full_batch_steps(model, optimizer, CrossEntropyLoss(), Tensor(inputs), Tensor(labels), steps)


def accuracy(model, inputs, labels):
    """Fraction of rows whose arg-max logit is the label."""
    logits = model.forward(Tensor(inputs)).data
    return float(np.mean(np.argmax(logits, axis=-1) == labels))


def trained_blob_model(seed=0):
    """(model, (train_inputs, train_labels), (test_inputs, test_labels)), the model trained on the first pair.

    Seeds numpy's global RNG (Linear draws its initial weights from it) so the same
    seed always gives the same model.
    """
    np.random.seed(seed)
    train_set = make_blobs(seed=seed)
    test_set = make_blobs(n_per_class=200, seed=seed + 1000)
    model = BlobMLP()
    train(model, Adam(model.parameters(), lr=0.01), *train_set, steps=150)
    return model, train_set, test_set
