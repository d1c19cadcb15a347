# Generated from modules/11_embeddings/embeddings.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["Embedding", "PositionalEncoding", "create_sinusoidal_embeddings", "EmbeddingLayer"]


# modules/11_embeddings/embeddings.py:37
import numpy as np

from tinytorch.core.layers import Layer, positive_int
from tinytorch.core.tensor import Tensor


# modules/11_embeddings/embeddings.py:69
def _token_ids(indices, vocab_size):
    """Validate token ids and return them as an int64 numpy array.

    Accepts a Tensor, numpy array or (nested) list. Floats are accepted only when
    every value is a whole number (e.g. ids that went through a float Tensor).
    """
    ids = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if ids.dtype.kind == "f":
        if not np.all(np.isfinite(ids)) or not np.all(ids == np.round(ids)):
            raise ValueError("token ids must be whole numbers, got non-integer values")
        ids = ids.astype(np.int64)
    elif ids.dtype.kind not in "iu":
        raise ValueError(f"token ids must be integers, got dtype {ids.dtype}")
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        bad = ids.min() if ids.min() < 0 else ids.max()
        raise ValueError(f"token id {int(bad)} is out of range for a vocabulary of size {vocab_size} (valid: 0..{vocab_size - 1})")
    return ids.astype(np.int64)


def _check_sequence_input(x, max_seq_len, embed_dim):
    """Positions are added to (batch, seq, embed_dim) Tensors whose seq fits the table."""
    if not isinstance(x, Tensor):
        raise TypeError(f"positional encoding expects a Tensor of shape (batch, seq, embed_dim), got {type(x).__name__}")
    if x.data.ndim != 3:
        raise ValueError(f"expected input of shape (batch, seq, embed_dim), got shape {x.shape}")
    if x.shape[-1] != embed_dim:
        raise ValueError(f"input has embed_dim {x.shape[-1]}, positional encoding expects {embed_dim}")
    if x.shape[1] > max_seq_len:
        raise ValueError(f"sequence length {x.shape[1]} exceeds max_seq_len {max_seq_len}")


# modules/11_embeddings/embeddings.py:102
class Embedding(Layer):
    """A trainable lookup table mapping token ids to dense vectors.

    `weight` has shape `(vocab_size, embed_dim)`; `forward(ids)` returns a Tensor
    of shape `ids.shape + (embed_dim,)`.
    """

    def __init__(self, vocab_size, embed_dim):
        """Create the table with small random rows."""
        super().__init__()
        self.vocab_size = positive_int(vocab_size, "vocab_size")
        self.embed_dim = positive_int(embed_dim, "embed_dim")
        table = np.random.randn(self.vocab_size, self.embed_dim) / np.sqrt(self.embed_dim)
        self.weight = Tensor(table.astype(np.float32), requires_grad=True)

    def forward(self, indices):
        """Look up one row per id."""
        ids = _token_ids(indices, self.vocab_size)
        return self.weight[ids]

    def parameters(self):
        return [self.weight]

    def __repr__(self):
        return f"Embedding(vocab_size={self.vocab_size}, embed_dim={self.embed_dim})"


# modules/11_embeddings/embeddings.py:225
class PositionalEncoding(Layer):
    """Learned positional encoding: adds a trainable vector per position."""

    def __init__(self, max_seq_len, embed_dim):
        """Create the trainable position table."""
        super().__init__()
        self.max_seq_len = positive_int(max_seq_len, "max_seq_len")
        self.embed_dim = positive_int(embed_dim, "embed_dim")
        table = np.random.randn(self.max_seq_len, self.embed_dim) / np.sqrt(self.embed_dim)
        self.position_embeddings = Tensor(table.astype(np.float32), requires_grad=True)

    def forward(self, x):
        """Add the first `seq` position vectors to a (batch, seq, embed_dim) input."""
        _check_sequence_input(x, self.max_seq_len, self.embed_dim)
        seq_len = x.shape[1]
        return x + self.position_embeddings[:seq_len]

    def parameters(self):
        return [self.position_embeddings]


# modules/11_embeddings/embeddings.py:284
def create_sinusoidal_embeddings(max_seq_len, embed_dim):
    """The fixed sin/cos position table of "Attention Is All You Need"."""
    positive_int(max_seq_len, "max_seq_len")
    positive_int(embed_dim, "embed_dim")
    positions = np.arange(max_seq_len, dtype=np.float64)[:, None]
    pair_index = np.arange(0, embed_dim, 2, dtype=np.float64)  # 2i for every sin column
    frequencies = 1.0 / (10000.0 ** (pair_index / embed_dim))
    angles = positions * frequencies[None, :]
    table = np.zeros((max_seq_len, embed_dim), dtype=np.float64)
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, : embed_dim // 2])
    return Tensor(table.astype(np.float32))


# modules/11_embeddings/embeddings.py:357
class EmbeddingLayer(Layer):
    """Token embedding plus a positional encoding of the chosen kind."""

    POSITION_KINDS = ("learned", "sinusoidal", None)

    def __init__(self, vocab_size, embed_dim, max_seq_len=512, pos_encoding="learned"):
        """Build the token table and the position part."""
        super().__init__()
        if pos_encoding not in self.POSITION_KINDS:
            raise ValueError(f"pos_encoding must be 'learned', 'sinusoidal' or None, got {pos_encoding!r}")
        self.vocab_size, self.embed_dim = vocab_size, embed_dim
        self.max_seq_len = positive_int(max_seq_len, "max_seq_len")
        self.pos_encoding = pos_encoding
        self.token_embedding = Embedding(vocab_size, embed_dim)
        self.position_encoding = None  # trainable positions ('learned')
        self.sinusoidal_table = None  # fixed positions ('sinusoidal')
        if pos_encoding == "learned":
            self.position_encoding = PositionalEncoding(max_seq_len, embed_dim)
        elif pos_encoding == "sinusoidal":
            self.sinusoidal_table = create_sinusoidal_embeddings(max_seq_len, embed_dim)

    def forward(self, indices):
        """Embed a (batch, seq) array of ids and add positions."""
        ids = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
        if ids.ndim != 2:
            raise ValueError(f"expected token ids of shape (batch, seq), got shape {ids.shape}; for one sequence use ids[None, :]")
        tokens = self.token_embedding(ids)
        if self.pos_encoding == "learned":
            return self.position_encoding(tokens)
        if self.pos_encoding == "sinusoidal":
            _check_sequence_input(tokens, self.max_seq_len, self.embed_dim)
            return tokens + self.sinusoidal_table[: ids.shape[1]]
        return tokens

    def parameters(self):
        params = self.token_embedding.parameters()
        if self.position_encoding is not None:
            params = params + self.position_encoding.parameters()
        return params
