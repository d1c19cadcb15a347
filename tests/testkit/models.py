"""Tiny explicit models, toy problems and a full-batch training loop for the suites.

The model chains its layers by hand (no container class), so any suite can build
one with modules 02 (activations) and 03 (layers) alone; nothing here imports a
later module (the loss and optimizer are passed in). Data generators are plain
numpy and seeded by their arguments, never by global state.
"""

import numpy as np

from tinytorch.core.activations import ReLU, Tanh
from tinytorch.core.layers import Dropout, Linear
from tinytorch.core.tensor import Tensor


class TwoLayerMLP:
    """layer1 -> activation (-> dropout) -> layer2, chained explicitly.

    `activation` is any object with `forward` (default ReLU); `dropout=p` inserts a
    Dropout(p) after it (attribute `dropout`, None by default). `parameters()` lists
    layer1's then layer2's Tensors, in the layers' own stable order.
    """

    def __init__(self, n_in, n_hidden, n_out, activation=None, dropout=None):
        self.layer1 = Linear(n_in, n_hidden)
        self.activation = activation if activation is not None else ReLU()
        self.dropout = Dropout(dropout) if dropout is not None else None
        self.layer2 = Linear(n_hidden, n_out)

    def forward(self, x):
        hidden = self.activation.forward(self.layer1.forward(x))
        if self.dropout is not None:
            hidden = self.dropout.forward(hidden)
        return self.layer2.forward(hidden)

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters()


class Identity:
    """forward(x) = x and no parameters: a model with nothing to count or prune, or the
    activation of a TwoLayerMLP that is two Linear layers back to back."""

    def forward(self, x):
        return x

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return []


class OnlyForward:
    """Half a model: forward() without parameters() (what model-taking APIs must refuse)."""

    def forward(self, x):
        return x


class OnlyParameters:
    """The other half: parameters() without forward()."""

    def parameters(self):
        return []


def tied_mlp(size, activation=None):
    """A TwoLayerMLP size -> size -> size (no activation unless given) whose layer2 uses
    layer1's weight Tensor: one Tensor in two layers, listed twice by parameters()."""
    model = TwoLayerMLP(size, size, size, activation=activation if activation is not None else Identity())
    model.layer2.weight = model.layer1.weight
    return model


def tanh_mlp(n_in, n_hidden, n_out):
    """A TwoLayerMLP with a Tanh hidden layer (smooth; good for XOR)."""
    return TwoLayerMLP(n_in, n_hidden, n_out, activation=Tanh())


def make_xor(copies=1):
    """The four XOR points (inputs in {-1, 1}), as float32 features and int class labels."""
    inputs = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]], dtype=np.float32)
    labels = np.array([0, 1, 1, 0])
    return np.tile(inputs, (copies, 1)), np.tile(labels, copies)


def make_blobs(n_per_class=60, n_classes=4, n_features=8, separation=3.0, spread=0.7, seed=0):
    """Shuffled Gaussian clusters: (inputs float32 (N, F), labels int64 (N,)).

    Class k is centred at separation * e_k (the k-th unit vector), the same for every seed.
    """
    if n_classes > n_features:
        raise ValueError(f"need n_classes <= n_features for one axis per class, got {n_classes} > {n_features}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.repeat(np.arange(n_classes), n_per_class))
    centres = separation * np.eye(n_classes, n_features)
    inputs = centres[labels] + spread * rng.normal(size=(labels.size, n_features))
    return inputs.astype(np.float32), labels.astype(np.int64)


def batches_of(features, labels, batch_size):
    """A list of (inputs, targets) Tensor pairs in order: a dataloader without module 08."""
    return [(Tensor(features[i:i + batch_size]), Tensor(labels[i:i + batch_size]))
            for i in range(0, len(labels), batch_size)]


def full_batch_steps(model, optimizer, loss_fn, inputs, targets, steps):
    """`steps` updates on one fixed batch (forward, loss, zero_grad, backward, step); returns every loss."""
    losses = []
    for _ in range(steps):
        loss = loss_fn(model.forward(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
