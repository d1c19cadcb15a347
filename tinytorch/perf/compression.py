# Generated from modules/16_compression/compression.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["measure_sparsity", "magnitude_prune", "structured_prune", "low_rank_approximate", "KnowledgeDistillation", "COMPRESSION_KEYS", "compress_model", "Compressor"]


# modules/16_compression/compression.py:46
import numbers

import numpy as np

from tinytorch.core.tensor import Tensor
from tinytorch.core.losses import log_softmax
from tinytorch.core.training import reachable_objects
from tinytorch.perf.profiling import unique_parameters


# modules/16_compression/compression.py:77
def _unique_parameters(model):
    """Module 14's `unique_parameters` (each shared Tensor once, in order), after checking
    that `model` is a model whose parameters are Tensors."""
    if not callable(getattr(model, "parameters", None)) or not callable(getattr(model, "forward", None)):
        raise ValueError(
            f"expected a model (an object with forward() and parameters()), got {type(model).__name__}"
        )
    unique = unique_parameters(model)
    for param in unique:
        if not isinstance(param, Tensor):
            raise ValueError(f"model.parameters() must return Tensors, found {type(param).__name__}")
    return unique


def _weight_matrices(model):
    """The unique parameters with ndim >= 2; a ValueError if there are none."""
    weights = [p for p in _unique_parameters(model) if p.data.ndim >= 2]
    if not weights:
        raise ValueError(
            f"{type(model).__name__} has no weight matrices (parameters with ndim >= 2) to compress"
        )
    return weights


def _check_fraction(value, name):
    """A number in [0, 1], else a TypeError/ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1], got {type(value).__name__}")
    if not 0.0 <= float(value) <= 1.0:  # also rejects NaN
        raise ValueError(f"{name} must be in [0, 1], got {value}")
    return float(value)


def _effective(param):
    """The parameter's values with any earlier prune mask applied."""
    mask = getattr(param, "prune_mask", None)
    return param.data if mask is None else param.data * mask


def _apply_mask(param, keep):
    """Combine `keep` (bool array) with the existing mask and zero the data in place.

    In place (`*=`) keeps the same ndarray, so every layer sharing this Tensor
    sees the pruned values; combining masks means pruning never un-prunes.
    """
    mask = np.asarray(keep, dtype=param.data.dtype)
    old = getattr(param, "prune_mask", None)
    if old is not None:
        mask = mask * old
    param.prune_mask = mask
    param.data *= mask


def _layers_holding_weights(model):
    """Every object reachable from the model (module 07's walk) that has a Tensor `.weight`."""
    return [obj for obj in reachable_objects(model) if isinstance(getattr(obj, "weight", None), Tensor)]


def _count_of(fraction, total):
    """round(fraction * total) with halves rounded up (Python's round() goes to even)."""
    return int(np.floor(fraction * total + 0.5))


# modules/16_compression/compression.py:159
def measure_sparsity(model):
    """Fraction (0..1) of exactly-zero entries over the model's unique weight matrices."""
    weights = _weight_matrices(model)
    total = sum(w.data.size for w in weights)
    zeros = sum(w.data.size - np.count_nonzero(w.data) for w in weights)
    return float(zeros / total)


# modules/16_compression/compression.py:266
def magnitude_prune(model, sparsity=0.9):
    """Zero the `sparsity` fraction of smallest-|w| weights, globally, in place; return model."""
    sparsity = _check_fraction(sparsity, "sparsity")
    weights = _weight_matrices(model)
    magnitudes = np.concatenate([np.abs(_effective(w)).ravel() for w in weights])
    n_prune = _count_of(sparsity, magnitudes.size)
    keep = np.ones(magnitudes.size, dtype=bool)
    keep[np.argsort(magnitudes, kind="stable")[:n_prune]] = False
    start = 0
    for w in weights:
        stop = start + w.data.size
        _apply_mask(w, keep[start:stop].reshape(w.data.shape))
        start = stop
    return model


# modules/16_compression/compression.py:353
def structured_prune(model, prune_ratio=0.5, exclude=()):
    """Zero the weakest `prune_ratio` of output neurons (L2 norm) in every weight matrix.

    2-D weights are Linear `(in, out)`: a neuron is a column (and its bias entry).
    Weights with ndim >= 3 are conv `(out, in, kh, kw)`: a neuron is a filter `W[o]`.
    Masks combine with earlier ones, so sparsity never goes down. `exclude` lists
    weight Tensors or layers to leave untouched (e.g. the output layer). In place.
    """
    prune_ratio = _check_fraction(prune_ratio, "prune_ratio")
    weights = _weight_matrices(model)
    skipped = {id(getattr(item, "weight", item)) for item in exclude}
    biases = {}
    for layer in _layers_holding_weights(model):
        if isinstance(getattr(layer, "bias", None), Tensor):
            biases.setdefault(id(layer.weight), []).append(layer.bias)
    for w in weights:
        if id(w) in skipped:
            continue
        out_axis = 1 if w.data.ndim == 2 else 0
        n_out = w.data.shape[out_axis]
        rows = np.moveaxis(_effective(w), out_axis, 0).reshape(n_out, -1)
        norms = np.linalg.norm(rows, axis=1)
        keep_units = np.ones(n_out, dtype=bool)
        keep_units[np.argsort(norms, kind="stable")[: _count_of(prune_ratio, n_out)]] = False
        shape = [1] * w.data.ndim
        shape[out_axis] = n_out
        _apply_mask(w, np.broadcast_to(keep_units.reshape(shape), w.data.shape))
        for bias in biases.get(id(w), []):
            if bias.data.shape == (n_out,):
                _apply_mask(bias, keep_units)
    return model


# modules/16_compression/compression.py:451
def low_rank_approximate(weight_matrix, rank_ratio=0.5):
    """Truncated SVD of a 2-D weight: returns numpy factors (A, B) with W ~ A @ B.

    A = U_k * S_k has shape (m, k), B = V_k^T has shape (k, n), where
    k = max(1, round(rank_ratio * min(m, n))). Accepts a Tensor or an array.
    """
    W = weight_matrix.data if isinstance(weight_matrix, Tensor) else np.asarray(weight_matrix)
    if W.ndim != 2:
        raise ValueError(f"low_rank_approximate needs a 2-D weight matrix, got shape {W.shape}")
    rank_ratio = _check_fraction(rank_ratio, "rank_ratio")
    if rank_ratio == 0.0:
        raise ValueError("rank_ratio must be > 0 (a rank-0 matrix keeps nothing)")
    U, S, Vt = np.linalg.svd(W.astype(np.float64), full_matrices=False)
    k = max(1, _count_of(rank_ratio, min(W.shape)))
    return (U[:, :k] * S[:k]).astype(np.float32), Vt[:k].astype(np.float32)


# modules/16_compression/compression.py:527
class KnowledgeDistillation:
    """Teacher -> student distillation loss (Hinton et al., 2015).

    loss = alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) * CE(s, y),
    averaged over the batch; a scalar Tensor, >= 0 (zero only if the student
    matches the teacher exactly and the labels are certain).
    """

    def __init__(self, teacher_model, student_model, temperature=3.0, alpha=0.7):
        """Store both models; check temperature > 0 and alpha in [0, 1]."""
        self.alpha = _check_fraction(alpha, "alpha")
        if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
            raise TypeError(f"temperature must be a positive number, got {type(temperature).__name__}")
        if not float(temperature) > 0.0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.temperature = float(temperature)
        self.teacher_model = teacher_model
        self.student_model = student_model

    def distillation_loss(self, student_logits, teacher_logits, true_labels):
        """The scalar distillation loss for a batch of (N, C) logits and N integer labels."""
        student = student_logits if isinstance(student_logits, Tensor) else Tensor(student_logits)
        teacher = teacher_logits.data if isinstance(teacher_logits, Tensor) else teacher_logits
        teacher = np.asarray(teacher, dtype=np.float64)  # a constant: no gradient reaches the teacher
        labels = np.asarray(true_labels.data if isinstance(true_labels, Tensor) else true_labels)
        if student.data.ndim != 2 or student.data.shape != teacher.shape:
            raise ValueError(
                f"student and teacher logits must both be (N, C); got {student.data.shape} and {teacher.shape}"
            )
        n, c = teacher.shape
        if labels.shape != (n,) or not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"true_labels must be {n} integer class ids, got shape {labels.shape} dtype {labels.dtype}"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= c):
            raise ValueError(f"true_labels must lie in [0, {c}), got range [{labels.min()}, {labels.max()}]")
        T = self.temperature
        shifted = teacher / T - (teacher / T).max(axis=-1, keepdims=True)
        log_pt = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        log_ps = log_softmax(student / T, dim=-1)
        kl = (Tensor(np.exp(log_pt)) * (Tensor(log_pt) - log_ps)).sum(axis=-1).mean()
        ce = -(Tensor(np.eye(c)[labels]) * log_softmax(student, dim=-1)).sum(axis=-1).mean()
        return kl * (self.alpha * T * T) + ce * (1.0 - self.alpha)


# modules/16_compression/compression.py:662
COMPRESSION_KEYS = ("structured_ratio", "magnitude_sparsity", "exclude")


def compress_model(model, compression_config):
    """Apply the configured pruning in place and return a stats dict.

    Config keys: "structured_ratio" (structured_prune ratio), "magnitude_sparsity"
    (target overall weight sparsity), "exclude" (weights/layers structured pruning skips).
    Returns: total_parameters, original_parameters / final_parameters (non-zeros),
    sparsity_before, sparsity (weights only), compression_ratio, techniques.
    """
    if not isinstance(compression_config, dict):
        raise TypeError(f"compression_config must be a dict, got {type(compression_config).__name__}")
    unknown = sorted(set(compression_config) - set(COMPRESSION_KEYS))
    if unknown:
        raise ValueError(
            f"unknown compression_config keys {unknown}; expected some of {list(COMPRESSION_KEYS)}"
        )
    for key in ("structured_ratio", "magnitude_sparsity"):
        if key in compression_config:  # validate everything before changing anything
            _check_fraction(compression_config[key], key)
    params = _unique_parameters(model)
    sparsity_before = measure_sparsity(model)  # also checks there are weight matrices
    original = sum(np.count_nonzero(p.data) for p in params)
    techniques = []
    if "structured_ratio" in compression_config:
        ratio = compression_config["structured_ratio"]
        structured_prune(model, ratio, exclude=compression_config.get("exclude", ()))
        techniques.append(f"structured_prune(prune_ratio={ratio})")
    if "magnitude_sparsity" in compression_config:
        sparsity = compression_config["magnitude_sparsity"]
        magnitude_prune(model, sparsity)
        techniques.append(f"magnitude_prune(sparsity={sparsity})")
    final = sum(np.count_nonzero(p.data) for p in params)
    return {
        "total_parameters": sum(p.data.size for p in params),
        "original_parameters": int(original),
        "final_parameters": int(final),
        "sparsity_before": sparsity_before,
        "sparsity": measure_sparsity(model),
        "compression_ratio": original / max(final, 1),
        "techniques": techniques,
    }


# modules/16_compression/compression.py:725
class Compressor:
    """The module's operations in one namespace: `Compressor.magnitude_prune(model, 0.7)`."""

    measure_sparsity = staticmethod(measure_sparsity)
    magnitude_prune = staticmethod(magnitude_prune)
    structured_prune = staticmethod(structured_prune)
    low_rank_approximate = staticmethod(low_rank_approximate)
    compress_model = staticmethod(compress_model)
    KnowledgeDistillation = KnowledgeDistillation
