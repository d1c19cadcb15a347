"""Models and independent counters for the module 16 suites.

Models chain their layers by hand (no container class). The counters here never call
`tinytorch.perf.compression`: tests use them as the independent side of a comparison.
Data, training and accuracy come from `testkit.blobs`.
"""

import numpy as np

from testkit.blobs import BlobMLP
from testkit.models import TwoLayerMLP
from testkit.references import log_softmax


class TinyMLP(TwoLayerMLP):
    """layer1 -> relu -> layer2 with small default sizes (8 -> 16 -> 4)."""

    def __init__(self, n_in=8, n_hidden=16, n_out=4):
        super().__init__(n_in, n_hidden, n_out)


class TiedMLP(BlobMLP):
    """layer1 -> relu -> layer2 -> relu -> layer3 (width -> width -> width -> n_out), where
    layer2 reuses layer1's weight Tensor (tied weights: one Tensor, two layers)."""

    def __init__(self, width=12, n_out=3):
        super().__init__(n_features=width, hidden=width, n_classes=n_out)
        self.layer2.weight = self.layer1.weight


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


def numpy_distillation_loss(student, teacher, labels, temperature, alpha):
    """alpha*T^2*KL(softmax(t/T) || softmax(s/T)) + (1-alpha)*CE(s, y), batch mean, in float64 numpy."""
    s, t = np.asarray(student, dtype=np.float64), np.asarray(teacher, dtype=np.float64)
    log_pt = log_softmax(t / temperature)
    kl = (np.exp(log_pt) * (log_pt - log_softmax(s / temperature))).sum(axis=1).mean()
    ce = -log_softmax(s)[np.arange(len(labels)), labels].mean()
    return alpha * temperature**2 * kl + (1 - alpha) * ce
