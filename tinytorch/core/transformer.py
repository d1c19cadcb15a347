# Generated from modules/13_transformers/transformers.py by `python -m audits.export`: edit the source, not this file.
import numpy as np

from tinytorch.core.activations import GELU
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.autograd import no_grad
from tinytorch.core.embeddings import Embedding, PositionalEncoding
from tinytorch.core.layers import Layer, Linear
from tinytorch.core.tensor import Tensor


def _positive_int(value, name):
    """Sizes must be positive ints (bools are rejected: GPT(..., num_layers=True) is a bug)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def create_causal_mask(seq_len):
    """A (seq_len, seq_len) Tensor with 1 on and below the diagonal (keep), 0 above (masked).

    TODO: build the lower-triangular keep mask.

    APPROACH:
    1. seq_len must be a positive integer (ValueError otherwise).
    2. np.tril of a matrix of ones.

    EXAMPLE:
    >>> create_causal_mask(3).data
    array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 1., 1.]], dtype=float32)

    HINTS:
    - It broadcasts over batch and heads in scaled_dot_product_attention.
    """
    _positive_int(seq_len, "seq_len")
    return Tensor(np.tril(np.ones((seq_len, seq_len), dtype=np.float32)))


class LayerNorm(Layer):
    """Normalise over the last axis (or last few axes) and apply a learned scale and shift."""

    def __init__(self, normalized_shape, eps=1e-5):
        """Create gamma (ones) and beta (zeros) of shape normalized_shape.

        TODO: store the shape and eps, create the two trainable Tensors.

        APPROACH:
        1. An int n means shape (n,); a tuple means the last len(tuple) axes.
        2. gamma = ones, beta = zeros, both requires_grad=True.

        EXAMPLE:
        >>> ln = LayerNorm(8)
        >>> ln.gamma.shape, ln.beta.shape
        ((8,), (8,))

        HINTS:
        - eps keeps the division finite when a vector is constant (variance 0).
        """
        super().__init__()
        shape = normalized_shape if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
        if not shape:
            raise ValueError("normalized_shape must be a positive int or a non-empty tuple of them")
        shape = tuple(_positive_int(n, "normalized_shape") for n in shape)
        if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not eps > 0:
            raise ValueError(f"eps must be a positive number, got {eps!r}")
        self.normalized_shape = shape
        self.eps = float(eps)
        self.gamma = Tensor(np.ones(self.normalized_shape, dtype=np.float32), requires_grad=True)
        self.beta = Tensor(np.zeros(self.normalized_shape, dtype=np.float32), requires_grad=True)

    def forward(self, x):
        """Normalise x over its trailing normalized_shape axes.

        TODO: compute mean and (biased) variance over the trailing axes, normalise, scale, shift.

        APPROACH:
        1. x's trailing shape must equal normalized_shape (ValueError otherwise).
        2. mean = x.mean(axes, keepdims=True); var = ((x - mean) ** 2).mean(axes, keepdims=True)
        3. x_hat = (x - mean) / (var + eps) ** 0.5
        4. return x_hat * gamma + beta

        EXAMPLE:
        >>> LayerNorm(4)(Tensor([[2.0, 4.0, 6.0, 8.0]])).data.round(2)
        array([[-1.34, -0.45,  0.45,  1.34]], dtype=float32)

        HINTS:
        - Use Tensor operations only: autograd then gives the backward pass.
        """
        if not isinstance(x, Tensor):
            raise TypeError(f"LayerNorm expects a Tensor, got {type(x).__name__}")
        k = len(self.normalized_shape)
        if tuple(x.shape[-k:]) != self.normalized_shape or x.data.ndim < k:
            raise ValueError(f"LayerNorm expects trailing shape {self.normalized_shape}, got input shape {x.shape}")
        axes = -1 if k == 1 else tuple(range(-k, 0))
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        variance = (centered * centered).mean(axis=axes, keepdims=True)
        normalized = centered / (variance + self.eps) ** 0.5
        return normalized * self.gamma + self.beta

    def parameters(self):
        return [self.gamma, self.beta]


class MLP(Layer):
    """Position-wise feed-forward network: Linear -> GELU -> Linear."""

    def __init__(self, embed_dim, hidden_dim=None):
        """TODO: create linear1 (embed -> hidden), a GELU, linear2 (hidden -> embed).

        APPROACH:
        1. hidden_dim defaults to 4 * embed_dim.

        EXAMPLE:
        >>> MLP(8).linear1.weight.shape
        (8, 32)

        HINTS:
        - Linear.weight has shape (in_features, out_features).
        """
        super().__init__()
        hidden_dim = 4 * embed_dim if hidden_dim is None else hidden_dim
        self.embed_dim, self.hidden_dim = embed_dim, hidden_dim
        self.linear1 = Linear(embed_dim, hidden_dim)
        self.gelu = GELU()
        self.linear2 = Linear(hidden_dim, embed_dim)

    def forward(self, x):
        """TODO: linear1, GELU, linear2, applied to every token.

        APPROACH:
        1. hidden = gelu(linear1(x)); return linear2(hidden).

        EXAMPLE:
        >>> MLP(8)(Tensor(np.ones((2, 3, 8)))).shape
        (2, 3, 8)

        HINTS:
        - Linear works on (batch, seq, features): the matmul broadcasts over batch and seq.
        """
        hidden = self.gelu(self.linear1(x))
        return self.linear2(hidden)

    def parameters(self):
        return self.linear1.parameters() + self.linear2.parameters()


class TransformerBlock(Layer):
    """One pre-norm transformer block: x + attention(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, embed_dim, num_heads, mlp_ratio=4):
        """TODO: create ln1, attention, ln2 and mlp.

        APPROACH:
        1. attention = MultiHeadAttention(embed_dim, num_heads)
        2. mlp = MLP(embed_dim, mlp_ratio * embed_dim)

        EXAMPLE:
        >>> TransformerBlock(16, 4).mlp.hidden_dim
        64

        HINTS:
        - MultiHeadAttention already rejects embed_dim % num_heads != 0.
        """
        super().__init__()
        _positive_int(mlp_ratio, "mlp_ratio")
        self.ln1 = LayerNorm(embed_dim)
        self.attention = MultiHeadAttention(embed_dim, num_heads)
        self.ln2 = LayerNorm(embed_dim)
        self.mlp = MLP(embed_dim, mlp_ratio * embed_dim)

    def forward(self, x, mask=None):
        """TODO: the two residual sub-layers, in order.

        APPROACH:
        1. x = x + self.attention(self.ln1(x), mask)
        2. x = x + self.mlp(self.ln2(x))

        EXAMPLE:
        >>> TransformerBlock(8, 2)(Tensor(np.ones((1, 4, 8)))).shape
        (1, 4, 8)

        HINTS:
        - The mask goes to attention only; the MLP never mixes positions.
        """
        x = x + self.attention(self.ln1(x), mask)
        x = x + self.mlp(self.ln2(x))
        return x

    def parameters(self):
        return self.ln1.parameters() + self.attention.parameters() + self.ln2.parameters() + self.mlp.parameters()


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
        """TODO: create the embeddings, num_layers blocks, the final norm and the output head.

        APPROACH:
        1. token_embedding = Embedding(vocab_size, embed_dim)
        2. position_encoding = PositionalEncoding(max_seq_len, embed_dim)
        3. blocks = [TransformerBlock(embed_dim, num_heads) for each layer]
        4. ln_f = LayerNorm(embed_dim); lm_head = Linear(embed_dim, vocab_size)

        EXAMPLE:
        >>> model = GPT(vocab_size=50, embed_dim=16, num_layers=2, num_heads=4)
        >>> len(model.blocks)
        2

        HINTS:
        - Embedding and MultiHeadAttention validate their own sizes.
        """
        super().__init__()
        _positive_int(num_layers, "num_layers")
        self.vocab_size, self.embed_dim = vocab_size, embed_dim
        self.num_layers, self.num_heads, self.max_seq_len = num_layers, num_heads, max_seq_len
        self.token_embedding = Embedding(vocab_size, embed_dim)
        self.position_encoding = PositionalEncoding(max_seq_len, embed_dim)
        self.blocks = [TransformerBlock(embed_dim, num_heads) for _ in range(num_layers)]
        self.ln_f = LayerNorm(embed_dim)
        self.lm_head = Linear(embed_dim, vocab_size)

    def forward(self, ids):
        """Logits (batch, seq, vocab_size) for a (batch, seq) array of token ids.

        TODO: embed, add positions, run every block with the causal mask, normalise, project.

        APPROACH:
        1. ids must be 2-D (batch, seq) (ValueError otherwise).
        2. x = position_encoding(token_embedding(ids))
        3. mask = create_causal_mask(seq); for each block: x = block(x, mask)
        4. return lm_head(ln_f(x))

        EXAMPLE:
        >>> GPT(50, 16, 1, 4)(np.array([[1, 2, 3]])).shape
        (1, 3, 50)

        HINTS:
        - PositionalEncoding raises ValueError when seq > max_seq_len.
        """
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

        TODO: loop max_new_tokens times: forward on the (cropped) context,
        take the last position's logits, choose the next ids, append.

        APPROACH:
        1. Validate: non-empty integer ids, max_new_tokens >= 0, temperature >= 0.
        2. Inside `with no_grad():` (no graph needed while generating).
        3. next_token_ids turns the (batch, vocab) logits into one id per row.

        EXAMPLE:
        >>> model = GPT(10, 8, 1, 2, max_seq_len=16)
        >>> len(model.generate([1, 2, 3], max_new_tokens=4))
        7

        HINTS:
        - Crop the context to its last max_seq_len ids before every forward pass.
        """
        ids, single = prepare_prompt(prompt_ids, max_new_tokens, temperature)
        with no_grad():
            for _ in range(max_new_tokens):
                context = ids[:, -self.max_seq_len :]
                last_logits = self.forward(context).data[:, -1, :]  # (batch, vocab)
                next_ids = next_token_ids(last_logits, temperature)
                ids = np.concatenate([ids, next_ids[:, None]], axis=1)
        return ids[0] if single else ids
