# Generated from modules/13_transformers/transformers.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["create_causal_mask", "row_means", "LayerNormFunction", "LayerNorm", "MLP", "TransformerBlock", "prepare_prompt", "next_token_ids", "GPT"]


# modules/13_transformers/transformers.py:38
import functools

import numpy as np

from tinytorch.core.activations import GELU
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.autograd import Function, no_grad
from tinytorch.core.embeddings import Embedding, PositionalEncoding
from tinytorch.core.layers import Layer, Linear, positive_int
from tinytorch.core.tensor import Tensor


# modules/13_transformers/transformers.py:68
def create_causal_mask(seq_len):
    """A (seq_len, seq_len) Tensor with 1 on and below the diagonal (keep), 0 above (masked)."""
    positive_int(seq_len, "seq_len")
    return Tensor(np.tril(np.ones((seq_len, seq_len), dtype=np.float32)))


# modules/13_transformers/transformers.py:139
@functools.lru_cache(maxsize=64)
def _mean_column(n, dtype):
    """The (n, 1) column of 1/n that row_means multiplies by: built once per size and dtype, not per
    call (a LayerNorm runs row_means twice per forward, and generation runs one token at a time).
    Read-only, since every caller shares it; the 64 sizes used last are kept, not every size ever asked."""
    column = np.full((n, 1), 1.0 / n, dtype=dtype)
    column.flags.writeable = False
    return column


def row_means(rows):
    """The mean of every row of a 2-D float array, as a (rows, 1) column: one matrix-vector product.

    The column of 1/n takes the rows' dtype, so integer rows would get a column of zeros:
    callers convert to float first.
    """
    return rows @ _mean_column(rows.shape[1], rows.dtype)


class LayerNormFunction(Function):
    """y = gamma * x_hat + beta over the trailing gamma.ndim axes, recorded as one autograd node."""

    def __init__(self, x, gamma, beta, eps):
        super().__init__(x, gamma, beta)
        self.eps = eps

    def forward(self):
        """Normalize, scale and shift; keep x_hat and inv_std for backward."""
        x, gamma, beta = self.inputs
        n = gamma.data.size  # numbers per normalized vector
        rows = x.data.reshape(-1, n).astype(np.float32, copy=False)  # one row per token vector; ints become floats
        centered = rows - row_means(rows)
        self.inv_std = 1.0 / np.sqrt(row_means(centered * centered) + self.eps)
        centered *= self.inv_std  # in place: centered is ours, and becomes x_hat (no second array)
        self.x_hat = centered
        y = self.x_hat * gamma.data.reshape(-1)
        y += beta.data.reshape(-1)
        return self.output(y.reshape(x.shape))

    def backward(self, grad_output):
        """Gradients for (x, gamma, beta) from g = dL/dy, with the formulas of the diagram."""
        x, gamma, beta = self.inputs
        g = grad_output.reshape(self.x_hat.shape)  # (tokens, n)
        grad_gamma = (g * self.x_hat).sum(axis=0).reshape(gamma.shape) if self.needs_grad(1) else None
        grad_beta = g.sum(axis=0).reshape(beta.shape) if self.needs_grad(2) else None
        grad_x = None
        if self.needs_grad(0):
            dx_hat = g * gamma.data.reshape(-1)
            # inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)), updating one fresh array
            grad_x = dx_hat - row_means(dx_hat)
            grad_x -= self.x_hat * row_means(dx_hat * self.x_hat)
            grad_x *= self.inv_std
            grad_x = grad_x.reshape(x.shape)
        return grad_x, grad_gamma, grad_beta


class LayerNorm(Layer):
    """Normalise over the last axis (or last few axes) and apply a learned scale and shift."""

    def __init__(self, normalized_shape, eps=1e-5):
        """Create gamma (ones) and beta (zeros) of shape normalized_shape."""
        super().__init__()
        shape = normalized_shape if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
        if not shape:
            raise ValueError("normalized_shape must be a positive int or a non-empty tuple of them")
        shape = tuple(positive_int(n, "normalized_shape") for n in shape)
        if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not eps > 0:
            raise ValueError(f"eps must be a positive number, got {eps!r}")
        self.normalized_shape = shape
        self.eps = float(eps)
        self.gamma = Tensor(np.ones(self.normalized_shape, dtype=np.float32), requires_grad=True)
        self.beta = Tensor(np.zeros(self.normalized_shape, dtype=np.float32), requires_grad=True)

    def forward(self, x):
        """Normalise x over its trailing normalized_shape axes."""
        if not isinstance(x, Tensor):
            raise TypeError(f"LayerNorm expects a Tensor, got {type(x).__name__}")
        k = len(self.normalized_shape)
        if tuple(x.shape[-k:]) != self.normalized_shape or x.data.ndim < k:
            raise ValueError(f"LayerNorm expects trailing shape {self.normalized_shape}, got input shape {x.shape}")
        return LayerNormFunction(x, self.gamma, self.beta, self.eps).forward()

    def parameters(self):
        return [self.gamma, self.beta]


# modules/13_transformers/transformers.py:358
class MLP(Layer):
    """Position-wise feed-forward network: Linear -> GELU -> Linear."""

    def __init__(self, embed_dim, hidden_dim=None):
        super().__init__()
        hidden_dim = 4 * embed_dim if hidden_dim is None else hidden_dim
        self.embed_dim, self.hidden_dim = embed_dim, hidden_dim
        self.linear1 = Linear(embed_dim, hidden_dim)
        self.gelu = GELU()
        self.linear2 = Linear(hidden_dim, embed_dim)

    def forward(self, x):
        hidden = self.gelu(self.linear1(x))
        return self.linear2(hidden)

    def parameters(self):
        return self.linear1.parameters() + self.linear2.parameters()


class TransformerBlock(Layer):
    """One pre-norm transformer block: x + attention(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, embed_dim, num_heads, mlp_ratio=4):
        super().__init__()
        positive_int(mlp_ratio, "mlp_ratio")
        self.ln1 = LayerNorm(embed_dim)
        self.attention = MultiHeadAttention(embed_dim, num_heads)
        self.ln2 = LayerNorm(embed_dim)
        self.mlp = MLP(embed_dim, mlp_ratio * embed_dim)

    def forward(self, x, mask=None):
        x = x + self.attention(self.ln1(x), mask)
        x = x + self.mlp(self.ln2(x))
        return x

    def parameters(self):
        return self.ln1.parameters() + self.attention.parameters() + self.ln2.parameters() + self.mlp.parameters()


# modules/13_transformers/transformers.py:509
def prepare_prompt(prompt_ids, max_new_tokens, temperature):
    """Check generate()'s arguments; return (ids as int64 (batch, seq), was_one_sequence)."""
    ids = np.asarray(prompt_ids.data if isinstance(prompt_ids, Tensor) else prompt_ids)
    single = ids.ndim == 1
    ids = ids[None, :] if single else ids
    if ids.ndim != 2 or ids.shape[1] == 0:
        raise ValueError(f"prompt_ids must be a non-empty sequence or (batch, seq) array, got shape {ids.shape}")
    if ids.dtype.kind not in "iu":
        raise ValueError(f"prompt_ids must be integer token ids, got dtype {ids.dtype}")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, (int, np.integer)) or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be a non-negative integer, got {max_new_tokens!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)) or not temperature >= 0:
        raise ValueError(f"temperature must be a number >= 0 (0 = greedy), got {temperature!r}")
    ids = ids.astype(np.int64)
    return ids, single


def next_token_ids(logits, temperature):
    """One id per row: argmax when temperature == 0, else a sample from softmax(logits / T)."""
    if temperature == 0:
        return logits.argmax(axis=-1)
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max(axis=-1, keepdims=True)  # stable softmax
    probs = np.exp(scaled)
    probs /= probs.sum(axis=-1, keepdims=True)
    # inverse-CDF sampling for every row at once: count the bins below a uniform draw
    draws = np.random.random_sample((probs.shape[0], 1))
    chosen = (np.cumsum(probs, axis=-1) < draws).sum(axis=-1)
    return np.minimum(chosen, probs.shape[-1] - 1)


class GPT(Layer):
    """A decoder-only transformer language model (GPT-2 style, pre-norm, learned positions).

    This is one specific model, built from its hyperparameters; the blocks live in a
    plain list and `forward` spells out every step.
    """

    def __init__(self, vocab_size, embed_dim, num_layers, num_heads, max_seq_len=1024):
        super().__init__()
        positive_int(num_layers, "num_layers")
        self.vocab_size, self.embed_dim = vocab_size, embed_dim
        self.num_layers, self.num_heads, self.max_seq_len = num_layers, num_heads, max_seq_len
        self.token_embedding = Embedding(vocab_size, embed_dim)
        self.position_encoding = PositionalEncoding(max_seq_len, embed_dim)
        self.blocks = [TransformerBlock(embed_dim, num_heads) for _ in range(num_layers)]
        self.ln_f = LayerNorm(embed_dim)
        self.lm_head = Linear(embed_dim, vocab_size)

    def forward(self, ids):
        """Logits (batch, seq, vocab_size) for a (batch, seq) array of token ids."""
        ids = ids.data if isinstance(ids, Tensor) else np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"expected token ids of shape (batch, seq), got shape {ids.shape}")
        x = self.token_embedding(ids)  # (batch, seq, embed)
        x = self.position_encoding(x)  # + learned positions
        mask = create_causal_mask(ids.shape[1])
        for block in self.blocks:
            x = block(x, mask)
        x = self.ln_f(x)
        return self.lm_head(x)  # (batch, seq, vocab)

    def parameters(self):
        params = self.token_embedding.parameters() + self.position_encoding.parameters()
        for block in self.blocks:
            params = params + block.parameters()
        return params + self.ln_f.parameters() + self.lm_head.parameters()

    def generate(self, prompt_ids, max_new_tokens, temperature=1.0):
        """Extend prompt_ids by max_new_tokens sampled ids.

        prompt_ids: a list/1-D array (one sequence) or a (batch, seq) array.
        Returns an int64 array of the same kind with the new ids appended.
        temperature=0 picks the most likely id (greedy); otherwise samples with np.random.
        """
        ids, single = prepare_prompt(prompt_ids, max_new_tokens, temperature)
        with no_grad():
            for _ in range(max_new_tokens):
                context = ids[:, -self.max_seq_len :]
                last_logits = self.forward(context).data[:, -1, :]  # (batch, vocab)
                next_ids = next_token_ids(last_logits, temperature)
                ids = np.concatenate([ids, next_ids[:, None]], axis=1)
        return ids[0] if single else ids
