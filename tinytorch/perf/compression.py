# Generated from modules/16_compression/compression.py by `python -m audits.export`: edit the source, not this file.
import numbers

import numpy as np

from tinytorch.core.tensor import Tensor
from tinytorch.core.losses import log_softmax


def _unique_parameters(model):
    """The model's parameter Tensors, each shared Tensor listed once, in order."""
    if not callable(getattr(model, "parameters", None)) or not callable(getattr(model, "forward", None)):
        raise ValueError(
            f"expected a model (an object with forward() and parameters()), got {type(model).__name__}"
        )
    unique, seen = [], set()
    for param in model.parameters():
        if not isinstance(param, Tensor):
            raise ValueError(f"model.parameters() must return Tensors, found {type(param).__name__}")
        if id(param) not in seen:
            seen.add(id(param))
            unique.append(param)
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
    """Every object reachable from the model that has a Tensor `.weight` (the model too)."""
    found, stack, seen = [], [model], set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(getattr(obj, "weight", None), Tensor):
            found.append(obj)
        for child in getattr(obj, "__dict__", {}).values():
            if isinstance(child, dict):
                child = list(child.values())
            items = child if isinstance(child, (list, tuple)) else [child]
            stack.extend(item for item in items if callable(getattr(item, "parameters", None)))
    return found


def _count_of(fraction, total):
    """round(fraction * total) with halves rounded up (Python's round() goes to even)."""
    return int(np.floor(fraction * total + 0.5))


def measure_sparsity(model):
    """Fraction (0..1) of exactly-zero entries over the model's unique weight matrices.

    TODO: count zeros over every unique parameter with ndim >= 2 (biases excluded).

    APPROACH:
    1. weights = _weight_matrices(model)  (unique, ndim >= 2, ValueError if none)
    2. zeros = total number of entries equal to 0.0 across them
    3. return zeros / total entries, as a Python float

    EXAMPLE:
    >>> layer.weight.data[:] = [[0, 1], [0, 2]]   # one Linear(2, 2)
    >>> measure_sparsity(layer)
    0.5

    HINTS:
    - np.count_nonzero counts the non-zeros; subtract from .size.
    """
    weights = _weight_matrices(model)
    total = sum(w.data.size for w in weights)
    zeros = sum(w.data.size - np.count_nonzero(w.data) for w in weights)
    return float(zeros / total)


def magnitude_prune(model, sparsity=0.9):
    """Zero the `sparsity` fraction of smallest-|w| weights, globally, in place; return model.

    TODO: one global ranking over all unique weight matrices; biases untouched.

    APPROACH:
    1. Validate sparsity in [0, 1]; weights = _weight_matrices(model)
    2. magnitudes = concatenated |_effective(w)| of all weights (flattened)
    3. n_prune = _count_of(sparsity, magnitudes.size)
    4. keep = all True; keep[indices of the n_prune smallest (stable argsort)] = False
    5. Split keep back into each weight's shape and _apply_mask(w, part)

    EXAMPLE:
    >>> magnitude_prune(model, sparsity=0.7)
    >>> measure_sparsity(model)   # 0.7, to within one element
    0.7

    HINTS:
    - np.argsort(..., kind="stable") breaks ties by position: the count stays exact.
    - Work per weight matrix when splitting back: that loop is over layers, not elements.
    """
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


def structured_prune(model, prune_ratio=0.5, exclude=()):
    """Zero the weakest `prune_ratio` of output neurons (L2 norm) in every weight matrix.

    2-D weights are Linear `(in, out)`: a neuron is a column (and its bias entry).
    Weights with ndim >= 3 are conv `(out, in, kh, kw)`: a neuron is a filter `W[o]`.
    Masks combine with earlier ones, so sparsity never goes down. `exclude` lists
    weight Tensors or layers to leave untouched (e.g. the output layer). In place.

    TODO: per weight matrix, rank neurons by L2 norm and mask the weakest.

    APPROACH:
    1. Validate prune_ratio; weights = _weight_matrices(model)
    2. biases: for each layer in _layers_holding_weights(model), map id(layer.weight) -> layer.bias
    3. For each weight not excluded: out_axis = 1 if ndim == 2 else 0
       norms = L2 norm of _effective(w) over every axis except out_axis
    4. keep_units = True except the _count_of(prune_ratio, n_out) smallest norms
    5. _apply_mask(w, keep_units broadcast along out_axis); mask the matching biases

    EXAMPLE:
    >>> structured_prune(model, prune_ratio=0.5, exclude=[model.layer2])
    >>> (model.layer1.weight.data == 0).all(axis=0).sum()   # columns fully zero
    8

    HINTS:
    - np.moveaxis(a, out_axis, 0).reshape(n_out, -1) puts one neuron per row.
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


def low_rank_approximate(weight_matrix, rank_ratio=0.5):
    """Truncated SVD of a 2-D weight: returns numpy factors (A, B) with W ~ A @ B.

    A = U_k * S_k has shape (m, k), B = V_k^T has shape (k, n), where
    k = max(1, round(rank_ratio * min(m, n))). Accepts a Tensor or an array.

    TODO: factor W with np.linalg.svd and keep the k largest singular values.

    APPROACH:
    1. W = weight_matrix.data if it is a Tensor; check ndim == 2 and 0 < rank_ratio <= 1
    2. U, S, Vt = np.linalg.svd(W, full_matrices=False)
    3. k = max(1, _count_of(rank_ratio, min(m, n)))
    4. return U[:, :k] * S[:k], Vt[:k]   (float32)

    EXAMPLE:
    >>> A, B = low_rank_approximate(np.random.randn(64, 32), rank_ratio=0.25)
    >>> A.shape, B.shape
    ((64, 8), (8, 32))

    HINTS:
    - Multiplying U[:, :k] by S[:k] scales its columns (broadcasting).
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
        """The scalar distillation loss for a batch of (N, C) logits and N integer labels.

        TODO: soft term (KL at temperature T) plus hard term (cross-entropy).

        APPROACH:
        1. student = Tensor (keep it if given: autograd flows); teacher = numpy constant
        2. labels = integer array (N,), each in [0, C); one_hot = np.eye(C)[labels]
        3. log_ps_T = log_softmax(student / T); log_pt_T = stable numpy log-softmax(teacher / T)
        4. kl = (p_t * (log_pt_T - log_ps_T)).sum(axis=-1).mean()
        5. ce = -(one_hot * log_softmax(student)).sum(axis=-1).mean()
        6. return kl * (alpha * T^2) + ce * (1 - alpha)

        EXAMPLE:
        >>> kd = KnowledgeDistillation(teacher, student, temperature=3.0, alpha=0.7)
        >>> loss = kd.distillation_loss(student_logits, teacher_logits, labels)
        >>> loss.shape, loss.item() >= 0
        ((), True)

        HINTS:
        - numpy log-softmax: z - z.max(-1, keepdims=True) - log(sum(exp(...)))
        """
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


COMPRESSION_KEYS = ("structured_ratio", "magnitude_sparsity", "exclude")


def compress_model(model, compression_config):
    """Apply the configured pruning in place and return a stats dict.

    Config keys: "structured_ratio" (structured_prune ratio), "magnitude_sparsity"
    (target overall weight sparsity), "exclude" (weights/layers structured pruning skips).
    Returns: total_parameters, original_parameters / final_parameters (non-zeros),
    sparsity_before, sparsity (weights only), compression_ratio, techniques.

    TODO: validate the config, record counts, prune, record counts again.

    APPROACH:
    1. Reject non-dict configs (TypeError), unknown keys and bad values (ValueError)
    2. Count non-zeros over _unique_parameters(model) before and after
    3. structured_prune if "structured_ratio" given, then magnitude_prune
    4. Return the stats dict; "techniques" lists what ran, in order

    EXAMPLE:
    >>> compress_model(model, {"magnitude_sparsity": 0.7})["sparsity"]
    0.7

    HINTS:
    - compression_ratio = original non-zeros / final non-zeros
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


class Compressor:
    """The module's operations in one namespace: `Compressor.magnitude_prune(model, 0.7)`."""

    measure_sparsity = staticmethod(measure_sparsity)
    magnitude_prune = staticmethod(magnitude_prune)
    structured_prune = staticmethod(structured_prune)
    low_rank_approximate = staticmethod(low_rank_approximate)
    compress_model = staticmethod(compress_model)
    KnowledgeDistillation = KnowledgeDistillation
