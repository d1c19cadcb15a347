# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 11: Embeddings - Turning Token Ids into Vectors

Module 10 (Tokenization) turned text into integer ids. A network cannot do
arithmetic on an id: token 42 is not "twice" token 21. This module gives every
id a learned vector, and every position in a sequence a vector too, so that a
model can tell *what* a token is and *where* it sits.

You will build:
- `Embedding`: a trainable lookup table, id -> row of a `(vocab_size, embed_dim)` matrix.
- `PositionalEncoding`: a learned vector per position, added to the token vectors.
- `create_sinusoidal_embeddings`: the fixed sin/cos position table of the original Transformer.
- `EmbeddingLayer`: tokens + positions in one layer, ready for Module 12 (Attention).

It builds on Module 01 (Tensor) for indexing and addition, Module 03 (Layers) for
the `Layer` base class, and Module 05 (Autograd), which makes indexing
differentiable: the gradient of a lookup flows back into exactly the rows used.
"""

# %% nbgrader={"grade": false, "grade_id": "embeddings-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.embeddings
#| export
import numpy as np

from tinytorch.core.layers import Layer, positive_int
from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. The embedding table

An embedding is a matrix with one row per token id. Looking up a batch of ids is
plain integer indexing: the output has the ids' shape plus one trailing axis.

```
 weight (vocab=5, dim=3)          ids (batch=1, seq=3) = [[2, 0, 2]]
 row 0 [ 0.1  0.4 -0.2]  ---+
 row 1 [ 0.7 -0.1  0.3]     |     output (1, 3, 3)
 row 2 [-0.5  0.2  0.9]  -+-|-->  [[[-0.5  0.2  0.9]    <- row 2
 row 3 [ 0.0  0.6 -0.8]   | +-->    [ 0.1  0.4 -0.2]    <- row 0
 row 4 [ 0.3 -0.3  0.1]   +---->    [-0.5  0.2  0.9]]]  <- row 2 again
```

Backward is the mirror image: the gradient of each output vector is *added*
into the row it came from. Row 2 is used twice above, so it receives the sum of
two gradients; rows 1, 3, 4 receive nothing. Module 05 does this scatter-add
for any `Tensor` indexed with an integer array, so we only have to index.

Ids must be whole numbers in `[0, vocab_size)`. Numpy would silently wrap a
negative id to the end of the table; we refuse it with a clear message instead.
"""

# %% nbgrader={"grade": false, "grade_id": "embedding-input-checks", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
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


# %% nbgrader={"grade": false, "grade_id": "embedding", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Embedding(Layer):
    """A trainable lookup table mapping token ids to dense vectors.

    `weight` has shape `(vocab_size, embed_dim)`; `forward(ids)` returns a Tensor
    of shape `ids.shape + (embed_dim,)`.
    """

    def __init__(self, vocab_size, embed_dim):
        """Create the table with small random rows.

        TODO: validate the sizes and create `self.weight`, a trainable Tensor of
        shape (vocab_size, embed_dim).

        APPROACH:
        1. Both sizes must be positive integers (`positive_int`, module 03: TypeError for a
           non-integer, ValueError below 1).
        2. Draw the rows from N(0, 1/embed_dim): vectors of roughly unit length.
        3. Wrap them in a Tensor with requires_grad=True.

        EXAMPLE:
        >>> emb = Embedding(100, 8)
        >>> emb.weight.shape
        (100, 8)

        HINTS:
        - np.random.randn(vocab_size, embed_dim) / np.sqrt(embed_dim)
        """
        ### BEGIN SOLUTION
        super().__init__()
        self.vocab_size = positive_int(vocab_size, "vocab_size")
        self.embed_dim = positive_int(embed_dim, "embed_dim")
        table = np.random.randn(self.vocab_size, self.embed_dim) / np.sqrt(self.embed_dim)
        self.weight = Tensor(table.astype(np.float32), requires_grad=True)
        ### END SOLUTION

    def forward(self, indices):
        """Look up one row per id.

        TODO: return the rows of `self.weight` selected by `indices`.

        APPROACH:
        1. Validate the ids with `_token_ids` (range and integer checks).
        2. Index the weight Tensor with the id array: autograd records the lookup.

        EXAMPLE:
        >>> emb = Embedding(10, 4)
        >>> emb(np.array([[1, 2, 3]])).shape
        (1, 3, 4)

        HINTS:
        - Index the Tensor (self.weight[ids]), not its .data, or gradients are lost.
        """
        ### BEGIN SOLUTION
        ids = _token_ids(indices, self.vocab_size)
        return self.weight[ids]
        ### END SOLUTION

    def parameters(self):
        return [self.weight]

    def __repr__(self):
        return f"Embedding(vocab_size={self.vocab_size}, embed_dim={self.embed_dim})"


# %% nbgrader={"grade": true, "grade_id": "test-embedding", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_embedding():
    """Lookups return the table rows; gradients scatter-add into the rows used."""
    import tinytorch.core.autograd  # noqa: F401  (turns on gradients for indexing)

    emb = Embedding(5, 3)
    ids = np.array([[2, 0, 2]])
    out = emb(ids)
    assert out.shape == (1, 3, 3)
    assert np.array_equal(out.data[0], emb.weight.data[[2, 0, 2]])

    out.sum().backward()
    expected = np.zeros((5, 3), dtype=np.float32)
    expected[0] = 1.0
    expected[2] = 2.0  # used twice: the two gradients add up
    assert np.array_equal(emb.weight.grad, expected)
    spread = Embedding(1000, 64).weight.data.std()  # N(0, 1) / sqrt(embed_dim): 64,000 draws
    assert 0.9 / 8 < spread < 1.1 / 8

    for bad in ([[5]], [[-1]], np.array([0.5])):
        try:
            emb(bad)
        except ValueError:
            continue
        raise AssertionError(f"ids {bad!r} should be rejected")
    print("✅ Embedding works")


if __name__ == "__main__":
    test_unit_embedding()

# %% [markdown]
"""
## 2. Positions

Attention (Module 12) compares every token with every other token and, on its
own, ignores order: "dog bites man" and "man bites dog" give the same set of
vectors. We fix that by *adding* a position vector to each token vector.

```
 token vectors (batch, seq, dim)      position table (max_seq_len, dim)
 [ t0 ][ t1 ][ t2 ]             +      [ p0 ][ p1 ][ p2 ][ p3 ] ... (first seq rows used)
                                =      [t0+p0][t1+p1][t2+p2]
```

Two ways to get the table:
- **learned**: a trainable `(max_seq_len, dim)` Tensor, like GPT-2. Flexible,
  but it cannot go past `max_seq_len`.
- **sinusoidal**: fixed waves of geometric wavelengths (the original Transformer):

```
 PE[pos, 2i]   = sin(pos / 10000^(2i/dim))     dim 0,1: fast wave  ~~~~~~~~
 PE[pos, 2i+1] = cos(pos / 10000^(2i/dim))     dim 8,9: slow wave  ~   ~   ~
```
Each position gets a unique pattern, and nothing is trained.
"""

# %% nbgrader={"grade": false, "grade_id": "positional-encoding", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class PositionalEncoding(Layer):
    """Learned positional encoding: adds a trainable vector per position."""

    def __init__(self, max_seq_len, embed_dim):
        """Create the trainable position table.

        TODO: create `self.position_embeddings`, a trainable Tensor of shape
        (max_seq_len, embed_dim), small random values.

        APPROACH:
        1. Validate both sizes (positive integers).
        2. Initialise like Embedding: N(0, 1/embed_dim).

        EXAMPLE:
        >>> pe = PositionalEncoding(16, 8)
        >>> pe.position_embeddings.shape
        (16, 8)

        HINTS:
        - The same shape rules as the token table, one row per position.
        """
        ### BEGIN SOLUTION
        super().__init__()
        self.max_seq_len = positive_int(max_seq_len, "max_seq_len")
        self.embed_dim = positive_int(embed_dim, "embed_dim")
        table = np.random.randn(self.max_seq_len, self.embed_dim) / np.sqrt(self.embed_dim)
        self.position_embeddings = Tensor(table.astype(np.float32), requires_grad=True)
        ### END SOLUTION

    def forward(self, x):
        """Add the first `seq` position vectors to a (batch, seq, embed_dim) input.

        TODO: check the input shape, slice the table, add.

        APPROACH:
        1. `_check_sequence_input` raises ValueError for a wrong shape or a too-long sequence.
        2. Slice rows 0..seq-1 of the table (a Tensor slice keeps the gradient).
        3. Broadcasting adds the same (seq, dim) positions to every batch item.

        EXAMPLE:
        >>> pe = PositionalEncoding(16, 8)
        >>> pe(Tensor(np.zeros((2, 5, 8)))).shape
        (2, 5, 8)

        HINTS:
        - self.position_embeddings[:seq] is a (seq, dim) Tensor.
        """
        ### BEGIN SOLUTION
        _check_sequence_input(x, self.max_seq_len, self.embed_dim)
        seq_len = x.shape[1]
        return x + self.position_embeddings[:seq_len]
        ### END SOLUTION

    def parameters(self):
        return [self.position_embeddings]


# %% nbgrader={"grade": false, "grade_id": "sinusoidal", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def create_sinusoidal_embeddings(max_seq_len, embed_dim):
    """The fixed sin/cos position table of "Attention Is All You Need".

    TODO: return a Tensor of shape (max_seq_len, embed_dim) with
    PE[pos, 2i] = sin(pos / 10000^(2i/embed_dim)) and PE[pos, 2i+1] = cos(same angle).

    APPROACH:
    1. positions: a column (max_seq_len, 1); frequencies: a row, one per sin/cos pair.
    2. angles = positions * frequencies (broadcast to a matrix, no loops).
    3. Fill even columns with sin(angles), odd columns with cos(angles).

    EXAMPLE:
    >>> pe = create_sinusoidal_embeddings(4, 6)
    >>> pe.data[0]          # position 0: sin(0)=0, cos(0)=1
    array([0., 1., 0., 1., 0., 1.], dtype=float32)

    HINTS:
    - For an odd embed_dim the last column is a sin with no cos partner.
    """
    ### BEGIN SOLUTION
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
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-positions", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_positions():
    """Learned positions add per-position vectors; the sinusoidal table matches the formula."""
    pe = PositionalEncoding(max_seq_len=6, embed_dim=4)
    x = Tensor(np.ones((2, 3, 4)))
    out = pe(x)
    assert np.allclose(out.data[1], 1.0 + pe.position_embeddings.data[:3])
    spread = PositionalEncoding(max_seq_len=1000, embed_dim=64).position_embeddings.data.std()
    assert 0.9 / 8 < spread < 1.1 / 8, "learned positions start at the scale of the token embeddings"
    try:
        pe(Tensor(np.ones((1, 7, 4))))
        raise AssertionError("a sequence longer than max_seq_len must be rejected")
    except ValueError:
        pass

    table = create_sinusoidal_embeddings(10, 6).data
    pos, i = 7, 1  # column 2i = 2 is a sin, 2i+1 = 3 its cos
    angle = pos / 10000 ** (2 * i / 6)
    assert np.isclose(table[pos, 2], np.sin(angle)) and np.isclose(table[pos, 3], np.cos(angle))
    assert create_sinusoidal_embeddings(3, 5).shape == (3, 5)
    print("✅ Positional encodings work")


if __name__ == "__main__":
    test_unit_positions()

# %% [markdown]
"""
## 3. The complete embedding layer

`EmbeddingLayer` is the front door of every language model in this course:

```
 ids (batch, seq) --> Embedding --> (batch, seq, dim) --+--> + positions --> to attention
                                                        |    'learned' | 'sinusoidal' | None
```
"""

# %% nbgrader={"grade": false, "grade_id": "embedding-layer", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class EmbeddingLayer(Layer):
    """Token embedding plus a positional encoding of the chosen kind."""

    POSITION_KINDS = ("learned", "sinusoidal", None)

    def __init__(self, vocab_size, embed_dim, max_seq_len=512, pos_encoding="learned"):
        """Build the token table and the position part.

        TODO: create `self.token_embedding` and the position encoding named by
        `pos_encoding`.

        APPROACH:
        1. `pos_encoding` must be 'learned', 'sinusoidal' or None (ValueError otherwise).
        2. 'learned' -> a PositionalEncoding layer (trainable);
           'sinusoidal' -> a fixed table from create_sinusoidal_embeddings;
           None -> no positions at all.

        EXAMPLE:
        >>> layer = EmbeddingLayer(100, 16, max_seq_len=32, pos_encoding='sinusoidal')
        >>> len(layer.parameters())   # only the token table trains
        1

        HINTS:
        - Keep the sinusoidal table as a plain Tensor (requires_grad=False).
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def forward(self, indices):
        """Embed a (batch, seq) array of ids and add positions.

        TODO: look up the tokens, then add positions according to `pos_encoding`.

        APPROACH:
        1. Ids must be 2-D (batch, seq); for one sequence pass ids[None, :].
        2. tokens = self.token_embedding(ids)  -> (batch, seq, dim)
        3. Add learned or sinusoidal positions (or nothing).

        EXAMPLE:
        >>> layer = EmbeddingLayer(50, 8, max_seq_len=10)
        >>> layer(np.array([[1, 2, 3]])).shape
        (1, 3, 8)

        HINTS:
        - The sinusoidal path needs the same length check as PositionalEncoding.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def parameters(self):
        params = self.token_embedding.parameters()
        if self.position_encoding is not None:
            params = params + self.position_encoding.parameters()
        return params


# %% nbgrader={"grade": true, "grade_id": "test-embedding-layer", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_embedding_layer():
    """The three position kinds give the expected sums and parameter lists."""
    ids = np.array([[3, 1, 4, 1]])
    for kind, n_params in (("learned", 2), ("sinusoidal", 1), (None, 1)):
        layer = EmbeddingLayer(10, 6, max_seq_len=8, pos_encoding=kind)
        out = layer(ids)
        assert out.shape == (1, 4, 6)
        assert len(layer.parameters()) == n_params
        tokens = layer.token_embedding.weight.data[ids[0]]
        if kind == "learned":
            positions = layer.position_encoding.position_embeddings.data[:4]
        elif kind == "sinusoidal":
            positions = create_sinusoidal_embeddings(8, 6).data[:4]
        else:
            positions = 0.0
        assert np.allclose(out.data[0], tokens + positions, atol=1e-6)
    try:
        EmbeddingLayer(10, 6, pos_encoding="rotary")
        raise AssertionError("an unknown pos_encoding must be rejected")
    except ValueError:
        pass
    print("✅ EmbeddingLayer works")


if __name__ == "__main__":
    test_unit_embedding_layer()

# %% [markdown]
"""
## 4. Systems analysis: what does an embedding table cost?

The table holds `vocab_size x embed_dim` float32 numbers, and every one of them
is a trainable parameter (Adam keeps two more copies). A lookup, on the other
hand, touches only the rows it needs. The measurement below checks both claims:
memory grows linearly with the vocabulary, lookup time does not.
"""

# %% nbgrader={"grade": false, "grade_id": "analyze-embedding-memory", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_embedding_memory(vocab_sizes=(100, 1_000, 10_000), embed_dim=128, batch=32, seq=64, repeats=20):
    """Measure table memory (bytes actually allocated) and lookup time per vocabulary size."""
    import time

    print(f"{'vocab':>8} {'table MB':>9} {'Adam state MB':>14} {'lookup ms':>10}  (lookup: fastest of {repeats})")
    results = []
    for vocab in vocab_sizes:
        emb = Embedding(vocab, embed_dim)
        ids = np.random.randint(0, vocab, size=(batch, seq))
        emb(ids)  # warm-up
        times = []
        for _ in range(repeats):  # the fastest run: load on a shared machine only ever adds time
            start = time.perf_counter()
            emb(ids)
            times.append(time.perf_counter() - start)
        lookup_ms = min(times) * 1e3
        table_mb = emb.weight.data.nbytes / 1e6
        results.append((vocab, table_mb, lookup_ms))
        print(f"{vocab:>8} {table_mb:>9.2f} {2 * table_mb:>14.2f} {lookup_ms:>10.3f}")
    (v0, mb0, ms0), (v1, mb1, ms1) = results[0], results[-1]
    print(f"vocab x{v1 / v0:.0f}: table memory x{mb1 / mb0:.0f}, lookup time x{ms1 / ms0:.1f} (same batch*seq)")
    return results


if __name__ == "__main__":
    analyze_embedding_memory()

# %% [markdown]
"""
## 5. Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Run every unit test, then a tokens -> vectors -> gradient round trip."""
    import tinytorch.core.autograd  # noqa: F401

    test_unit_embedding()
    test_unit_positions()
    test_unit_embedding_layer()

    layer = EmbeddingLayer(vocab_size=20, embed_dim=8, max_seq_len=16)
    out = layer(np.random.randint(0, 20, size=(4, 10)))
    out.sum().backward()
    assert layer.token_embedding.weight.grad is not None
    # every position row 0..9 was used once per batch item: gradient 4 per entry, rows 10.. untouched
    grad = layer.position_encoding.position_embeddings.grad
    assert np.allclose(grad[:10], 4.0) and np.allclose(grad[10:], 0.0)
    print("🎉 Module 11 (Embeddings) tests pass")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- `Embedding` is a lookup table; its backward pass scatter-adds gradients into
  the rows that were used, so repeated tokens accumulate.
- Positions are added, either learned (`PositionalEncoding`) or fixed
  (`create_sinusoidal_embeddings`); `EmbeddingLayer` combines both parts.
- The table's memory is `vocab x dim x 4` bytes (times three with Adam), while a
  lookup costs only `batch x seq x dim`: large vocabularies cost memory, not speed.

Next, Module 12 (Attention) lets these vectors look at each other.
"""
