# Generated from modules/04_losses/losses.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["BCE_EPS", "MSELoss", "log_softmax", "CrossEntropyLoss", "BinaryCrossEntropyLoss"]


# modules/04_losses/losses.py:46
import numpy as np

from tinytorch.core.tensor import Tensor, record

# The clip bound for the arguments of BCE's logs: each log term is at least log(1e-7) = -16.1.
BCE_EPS = 1e-7


# modules/04_losses/losses.py:65
def _require_tensor(x, who):
    """Predictions must be Tensors: they carry the graph Module 05 (Autograd) differentiates."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expects predictions as a Tensor, got {type(x).__name__}")


def _target_array(targets, who):
    """Targets may be a Tensor, an ndarray or a list; they are constants, so return an ndarray."""
    if isinstance(targets, Tensor):
        return targets.data
    try:
        return np.asarray(targets)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{who}: targets must be a Tensor or an array of numbers ({error})") from None


def _require_same_shape(predictions, targets, who):
    if predictions.shape != tuple(targets.shape):
        raise ValueError(
            f"{who}: predictions of shape {predictions.shape} and targets of shape {tuple(targets.shape)} "
            f"must have the same shape (reshape one of them; broadcasting would average the wrong pairs)"
        )


# modules/04_losses/losses.py:103
class MSELoss:
    """Mean squared error between predictions and targets of the same shape."""

    def forward(self, predictions, targets):
        """Return mean((predictions - targets) ** 2) as a scalar Tensor."""
        _require_tensor(predictions, "MSELoss")
        target = _target_array(targets, "MSELoss")
        _require_same_shape(predictions, target, "MSELoss")
        diff = predictions - Tensor(target.astype(np.float32))  # audit: ignore[BITE006] targets - predictions is equivalent: the difference is squared
        return (diff * diff).mean()

    def __call__(self, predictions, targets):
        return self.forward(predictions, targets)


# modules/04_losses/losses.py:185
def log_softmax(x, dim=-1):
    """Log of the softmax of x along dim, computed stably in log space."""
    _require_tensor(x, "log_softmax")
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"log_softmax: dim must be an int, got {type(dim).__name__}")
    if x.data.ndim == 0 or not -x.data.ndim <= dim < x.data.ndim:
        raise ValueError(f"log_softmax: dim={dim} is out of range for a Tensor of shape {x.shape}")
    shifted = x.data - x.data.max(axis=dim, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    return record("log_softmax", out, (x,), dim)


# modules/04_losses/losses.py:264
def _class_ids(targets, n_samples, n_classes, who):
    """Validate integer class targets of shape (N,) in [0, C) and return them as an int64 array."""
    labels = _target_array(targets, who)
    if labels.shape != (n_samples,):
        raise ValueError(f"{who}: targets must have shape ({n_samples},) to match {n_samples} rows of logits, "
                         f"got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.number) or np.issubdtype(labels.dtype, np.complexfloating):
        raise TypeError(f"{who}: targets must be integer class ids, got dtype {labels.dtype}")
    if not np.issubdtype(labels.dtype, np.integer) and not np.all(labels == np.round(labels)):
        raise ValueError(f"{who}: targets must be whole-number class ids, got non-integer values")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{who}: class ids must be in [0, {n_classes}), got values from "
                         f"{labels.min()} to {labels.max()}")
    return labels.astype(np.int64)


class CrossEntropyLoss:
    """Mean cross-entropy between logits (N, C) and integer class targets (N,)."""

    def forward(self, logits, targets):
        """Return -mean(log_softmax(logits)[i, targets[i]]) as a scalar Tensor."""
        _require_tensor(logits, "CrossEntropyLoss")
        if logits.data.ndim != 2:
            raise ValueError(f"CrossEntropyLoss expects logits of shape (N, C), got {logits.shape}; "
                             f"reshape sequences to (N * T, C) first")
        n_samples, n_classes = logits.shape
        labels = _class_ids(targets, n_samples, n_classes, "CrossEntropyLoss")
        log_probs = log_softmax(logits, dim=1)
        picked = log_probs[np.arange(n_samples), labels]
        return -picked.mean()

    def __call__(self, logits, targets):
        return self.forward(logits, targets)


# modules/04_losses/losses.py:369
class BinaryCrossEntropyLoss:
    """Mean binary cross-entropy between probabilities and 0/1 targets of the same shape."""

    def forward(self, predictions, targets):
        """Return -mean(t * log(p) + (1 - t) * log(1 - p)), both log arguments clipped to [eps, 1 - eps]."""
        _require_tensor(predictions, "BinaryCrossEntropyLoss")
        target = _target_array(targets, "BinaryCrossEntropyLoss")
        _require_same_shape(predictions, target, "BinaryCrossEntropyLoss")
        if np.any((predictions.data < 0) | (predictions.data > 1)):
            raise ValueError("BinaryCrossEntropyLoss expects probabilities in [0, 1]; "
                             "apply Sigmoid to logits first")
        if np.any((target < 0) | (target > 1)):
            raise ValueError("BinaryCrossEntropyLoss expects targets in [0, 1] (0/1 labels)")
        p = predictions.clip(BCE_EPS, 1.0 - BCE_EPS)  # audit: ignore[BITE006] clipping at 1 + eps or 1 moves log(p) by about eps, below float32 resolution of the loss
        q = (1.0 - predictions).clip(BCE_EPS, 1.0 - BCE_EPS)  # audit: ignore[BITE006] as for p
        t = Tensor(target.astype(np.float32))
        return -(t * p.log() + (1.0 - t) * q.log()).mean()

    def __call__(self, predictions, targets):
        return self.forward(predictions, targets)
