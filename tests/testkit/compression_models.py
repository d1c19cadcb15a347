"""Small explicit models, a separable problem and independent counters for the module 16 suites.

Models chain their layers by hand (no container class). The counters here never call
`tinytorch.perf.compression`: tests use them as the independent side of a comparison.
"""

import numpy as np

from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor


class TinyMLP:
    """layer1 -> relu -> layer2."""

    def __init__(self, n_in=8, n_hidden=16, n_out=4):
        self.layer1 = Linear(n_in, n_hidden)
        self.relu = ReLU()
        self.layer2 = Linear(n_hidden, n_out)

    def forward(self, x):
        return self.layer2(self.relu(self.layer1(x)))

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters()


class TiedMLP:
    """layer1 -> relu -> layer2 -> relu -> head, where layer2 reuses layer1's weight Tensor."""

    def __init__(self, width=12, n_out=3):
        self.layer1 = Linear(width, width)
        self.layer2 = Linear(width, width)
        self.layer2.weight = self.layer1.weight  # one Tensor, two layers (tied weights)
        self.relu = ReLU()
        self.head = Linear(width, n_out)

    def forward(self, x):
        x = self.relu(self.layer1(x))
        x = self.relu(self.layer2(x))
        return self.head(x)

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters() + self.head.parameters()


def unique_weights(model):
    """Parameters with ndim >= 2, each Tensor once (by identity): the manual side of a count."""
    found = {}
    for param in model.parameters():
        if param.data.ndim >= 2:
            found.setdefault(id(param), param)
    return list(found.values())


def manual_sparsity(model):
    """Zeros / entries over the unique weight matrices, counted with plain numpy."""
    weights = unique_weights(model)
    zeros = sum(int(np.sum(w.data == 0)) for w in weights)
    return zeros / sum(w.data.size for w in weights)


def mask_sparsity(model):
    """The same fraction counted through the prune masks (entries whose mask is 0)."""
    weights = unique_weights(model)
    pruned = sum(int(np.sum(np.asarray(w.prune_mask) == 0)) for w in weights)
    return pruned / sum(w.data.size for w in weights)


def separable_problem(n_per_class=50, n_features=8, n_classes=3, seed=0):
    """Well-separated Gaussian clusters: (inputs float32 (N, F), labels int64 (N,))."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 3.0, size=(n_classes, n_features))
    inputs = centres.repeat(n_per_class, axis=0) + 0.5 * rng.normal(size=(n_classes * n_per_class, n_features))
    labels = np.repeat(np.arange(n_classes), n_per_class)
    order = rng.permutation(labels.size)
    return inputs[order].astype(np.float32), labels[order].astype(np.int64)


def train(model, optimizer, inputs, labels, steps):
    """Full-batch cross-entropy training; returns the loss of each step (needs module 05)."""
    from tinytorch.core.losses import CrossEntropyLoss

    loss_fn = CrossEntropyLoss()
    x = Tensor(inputs)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model.forward(x), labels)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
    return losses


def accuracy(model, inputs, labels):
    """Fraction of rows whose arg-max logit is the label."""
    return float(np.mean(np.argmax(model.forward(Tensor(inputs)).data, axis=1) == labels))


def numpy_log_softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def numpy_distillation_loss(student, teacher, labels, temperature, alpha):
    """alpha*T^2*KL(softmax(t/T) || softmax(s/T)) + (1-alpha)*CE(s, y), batch mean, in float64 numpy."""
    s, t = np.asarray(student, dtype=np.float64), np.asarray(teacher, dtype=np.float64)
    log_pt = numpy_log_softmax(t / temperature)
    kl = (np.exp(log_pt) * (log_pt - numpy_log_softmax(s / temperature))).sum(axis=1).mean()
    ce = -numpy_log_softmax(s)[np.arange(len(labels)), labels].mean()
    return alpha * temperature**2 * kl + (1 - alpha) * ce
