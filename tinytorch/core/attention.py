# Generated from modules/12_attention/attention.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["MASKED_SCORE", "scaled_dot_product_attention", "MultiHeadAttention"]


# modules/12_attention/attention.py:39
import numpy as np

from tinytorch.core.activations import Softmax
from tinytorch.core.layers import Layer, Linear
from tinytorch.core.tensor import Tensor, as_tensor

# Added to a masked score before the softmax; exp(score + MASKED_SCORE - row_max)
# underflows to exactly 0.0 in float32 for any realistic scores.
MASKED_SCORE = -1e9


# modules/12_attention/attention.py:94
def _keep_mask(mask, scores_shape):
    """The mask as a float32 0/1 array (1 = keep) that broadcasts to scores_shape."""
    keep = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if keep.dtype.kind not in "biuf":
        raise ValueError(f"mask must hold booleans or numbers (1 = keep, 0 = masked), got dtype {keep.dtype}")
    try:
        broadcast = np.broadcast_shapes(keep.shape, tuple(scores_shape))
    except ValueError:
        broadcast = None
    if broadcast != tuple(scores_shape):
        raise ValueError(f"mask of shape {keep.shape} does not broadcast to the attention scores' shape {tuple(scores_shape)}")
    return (keep != 0).astype(np.float32)


def _tensor_or_array(x, name):
    """Q, K, V: a Tensor, or an ndarray (wrapped); a list is refused (its shape is a guess)."""
    if not isinstance(x, (Tensor, np.ndarray)):
        raise TypeError(f"{name} must be a Tensor or numpy array, got {type(x).__name__}")
    return as_tensor(x)


# modules/12_attention/attention.py:117
def scaled_dot_product_attention(Q, K, V, mask=None):
    """softmax(Q @ K^T / sqrt(d_k)) @ V, for any number of leading batch axes.

    Args:
        Q: (..., seq_q, d_k) queries.   K: (..., seq_k, d_k) keys.   V: (..., seq_k, d_v) values.
        mask: optional, 1/True = keep, 0/False = masked; broadcastable to (..., seq_q, seq_k).
              A query whose keys are all masked gets all-zero weights and a zero output.

    Returns:
        (output, attention_weights): (..., seq_q, d_v) and (..., seq_q, seq_k).
    """
    Q, K, V = _tensor_or_array(Q, "Q"), _tensor_or_array(K, "K"), _tensor_or_array(V, "V")
    if min(Q.data.ndim, K.data.ndim, V.data.ndim) < 2:
        raise ValueError(f"Q, K, V need at least 2 dims (seq, dim), got shapes {Q.shape}, {K.shape}, {V.shape}")
    if Q.shape[-1] != K.shape[-1]:
        raise ValueError(f"Q and K must share their last dim (d_k), got shapes {Q.shape} and {K.shape}")
    if K.shape[-2] != V.shape[-2]:
        raise ValueError(f"K and V must have the same number of keys (seq_k), got shapes {K.shape} and {V.shape}")

    d_k = Q.shape[-1]
    scores = (Q * (1.0 / np.sqrt(d_k))) @ K.transpose(-2, -1)  # (..., seq_q, seq_k); the queries are smaller
    keep = None
    if mask is not None:
        keep = _keep_mask(mask, scores.shape)
        scores = scores + (1.0 - keep) * MASKED_SCORE  # masked weights underflow to exactly 0
    weights = Softmax(dim=-1)(scores)
    if keep is not None and not keep.any(axis=-1).all():
        weights = weights * keep  # a fully masked row: all-zero weights instead of a softmax of MASKED_SCOREs
    output = weights @ V
    return output, weights


# modules/12_attention/attention.py:231
class MultiHeadAttention(Layer):
    """Self-attention with `num_heads` parallel heads and learned Q/K/V/output projections."""

    def __init__(self, embed_dim, num_heads):
        """Create the four projections."""
        super().__init__()
        for name, value in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if embed_dim % num_heads != 0:
            raise ValueError(f"embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})")
        self.embed_dim = int(embed_dim)
        self.num_heads = int(num_heads)
        self.head_dim = self.embed_dim // self.num_heads
        self.q_proj = Linear(embed_dim, embed_dim)
        self.k_proj = Linear(embed_dim, embed_dim)
        self.v_proj = Linear(embed_dim, embed_dim)
        self.out_proj = Linear(embed_dim, embed_dim)

    def split_heads(self, x, batch, seq):
        """(batch, seq, embed) -> (batch, heads, seq, head_dim)"""
        return x.reshape(batch, seq, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, x, mask=None):
        """Self-attention over a (batch, seq, embed_dim) input."""
        if not isinstance(x, Tensor):
            raise TypeError(f"MultiHeadAttention expects a Tensor of shape (batch, seq, embed_dim), got {type(x).__name__}")
        if x.data.ndim != 3 or x.shape[-1] != self.embed_dim:
            raise ValueError(f"expected input of shape (batch, seq, {self.embed_dim}), got shape {x.shape}")
        batch, seq, _ = x.shape
        Q = self.split_heads(self.q_proj(x), batch, seq)
        K = self.split_heads(self.k_proj(x), batch, seq)
        V = self.split_heads(self.v_proj(x), batch, seq)
        if mask is not None:
            keep = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
            if keep.ndim == 3:
                keep = keep[:, None]  # (batch, 1, seq, seq): same mask for every head
            mask = keep
        attended, _ = scaled_dot_product_attention(Q, K, V, mask)  # (batch, heads, seq, head_dim)
        merged = attended.transpose(1, 2).reshape(batch, seq, self.embed_dim)
        return self.out_proj(merged)

    def parameters(self):
        params = []
        for projection in (self.q_proj, self.k_proj, self.v_proj, self.out_proj):
            params.extend(projection.parameters())
        return params
