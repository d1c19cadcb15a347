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
# Module 12: Attention - Letting Tokens Look at Each Other

Module 11 (Embeddings) gave every token a vector that knows *what* it is and
*where* it is. But each vector still knows nothing about its neighbours: in
"the bank of the river", the vector for "bank" cannot tell it is not a money bank.

Attention fixes this. Every token asks a question (a *query*), every token
offers a label (a *key*) and a content (a *value*); each token's output is a
weighted average of all values, weighted by how well its query matches each key.

You will build:
- `scaled_dot_product_attention(Q, K, V, mask=None)`: the core formula, batched, with masking.
- `MultiHeadAttention(embed_dim, num_heads)`: several attentions in parallel, each on
  its own slice of the embedding, with learned projections.

It builds on Module 01 (Tensor: batched `@`, `reshape`, `transpose`), Module 02
(Activations: the numerically stable `Softmax`), Module 03 (Layers: `Linear`) and
Module 05 (Autograd), which differentiates all of it without new code.
"""

# %% nbgrader={"grade": false, "grade_id": "attention-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.attention
#| export
import numpy as np

from tinytorch.core.activations import Softmax
from tinytorch.core.layers import Layer, Linear
from tinytorch.core.tensor import Tensor, as_tensor

# Added to a masked score before the softmax; exp(score + MASKED_SCORE - row_max)
# underflows to exactly 0.0 in float32 for any realistic scores.
MASKED_SCORE = -1e9

# %% [markdown]
"""
## 1. Scaled dot-product attention

```
            Q (seq_q, d)      K^T (d, seq_k)          scores (seq_q, seq_k)
 query i  [ q_i ]   @   [ k_0 k_1 k_2 ]   / sqrt(d) =  [ s_i0 s_i1 s_i2 ]
                                                            | softmax per row
                                                       [ w_i0 w_i1 w_i2 ]  (sums to 1)
                                                            | @ V (seq_k, d_v)
                                         output_i  =  w_i0 v_0 + w_i1 v_1 + w_i2 v_2
```

Why divide by `sqrt(d)`? A dot product of two random `d`-dimensional vectors
has a spread that grows like `sqrt(d)`. Without the scaling, large `d` pushes
the softmax into a one-hot corner where gradients vanish.

**Masks.** A mask says which keys a query may look at. Convention used
throughout this course:

```
 mask value 1 / True  = keep      mask value 0 / False = masked (weight exactly 0)

 causal mask (seq=3)     query 0 sees key 0
   [[1, 0, 0],           query 1 sees keys 0-1
    [1, 1, 0],           query 2 sees keys 0-2
    [1, 1, 1]]
```
The mask must broadcast to the scores' shape `(..., seq_q, seq_k)`, so one
`(seq_q, seq_k)` mask serves a whole batch. We add a huge negative number
(`MASKED_SCORE`) to the masked scores before the softmax: their weight underflows
to exactly 0.0. A **fully masked row** (a query allowed to see nothing) needs one
more step: its softmax sees only huge negative numbers, so we multiply the weights
by the mask, and its weights are all 0 and its output the zero vector, never NaN.
A causal mask has no such row, so the multiplication is skipped there.

**Where to scale.** `Q @ K^T / sqrt(d)` equals `(Q / sqrt(d)) @ K^T`. The scores
hold seq_q * seq_k numbers, the queries seq_q * d, usually far fewer (64 x 64
scores against 64 x 16 queries per head in module 13's GPT): we scale the queries.
Every operation here is recorded for autograd, so each one we save is also a
backward step saved.
"""

# %% nbgrader={"grade": false, "grade_id": "mask-check", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
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


# %% nbgrader={"grade": false, "grade_id": "scaled-dot-product", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def scaled_dot_product_attention(Q, K, V, mask=None):
    """softmax(Q @ K^T / sqrt(d_k)) @ V, for any number of leading batch axes.

    Args:
        Q: (..., seq_q, d_k) queries.   K: (..., seq_k, d_k) keys.   V: (..., seq_k, d_v) values.
        mask: optional, 1/True = keep, 0/False = masked; broadcastable to (..., seq_q, seq_k).
              A query whose keys are all masked gets all-zero weights and a zero output.

    Returns:
        (output, attention_weights): (..., seq_q, d_v) and (..., seq_q, seq_k).

    TODO: compute the scaled scores, apply the mask, softmax, weight the values.

    APPROACH:
    1. Check shapes: Q and K share d_k; K and V share seq_k (ValueError otherwise).
    2. scores = (Q * (1 / sqrt(d_k))) @ K^T   (K.transpose(-2, -1) swaps the last two axes)
    3. With a mask: scores = scores + (1 - keep) * MASKED_SCORE.
    4. weights = Softmax(dim=-1)(scores); if a row of keep is all 0, weights = weights * keep.
    5. output = weights @ V.

    EXAMPLE:
    >>> Q = K = V = Tensor(np.eye(2))
    >>> out, w = scaled_dot_product_attention(Q, K, V)
    >>> w.shape
    (2, 2)

    HINTS:
    - Every step is a Tensor operation, so autograd differentiates it for free.
    - No loops: `@` on (..., a, b) @ (..., b, c) is already batched.
    """
    ### BEGIN SOLUTION
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
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-scaled-dot-product", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_scaled_dot_product_attention():
    """Matches a plain numpy computation; masks give exact zeros; fully masked rows give zeros."""
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 6))
    out, w = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v))

    scores = q @ k.transpose(0, 2, 1) / 2.0  # sqrt(4) = 2
    expected_w = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
    assert out.shape == (2, 3, 6) and w.shape == (2, 3, 5)
    assert np.allclose(w.data, expected_w, atol=1e-5)
    assert np.allclose(out.data, expected_w @ v, atol=1e-5)

    mask = np.array([[1, 1, 0, 0, 0], [1, 0, 1, 0, 1], [0, 0, 0, 0, 0]])
    out, w = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), mask=mask)
    assert np.all(w.data[..., mask == 0] == 0.0)
    assert np.allclose(w.data[:, :2].sum(axis=-1), 1.0)
    assert np.all(out.data[:, 2] == 0.0) and np.all(np.isfinite(out.data))  # fully masked query
    middle = np.array([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1]])  # every key is kept by some query
    out, w = scaled_dot_product_attention(Tensor(q), Tensor(k), Tensor(v), mask=middle)
    assert np.all(w.data[:, 1] == 0.0) and np.all(out.data[:, 1] == 0.0)
    try:
        scaled_dot_product_attention(Tensor(q[0, 0]), Tensor(k[0]), Tensor(v[0]))
        raise AssertionError("a 1-D query must be rejected")
    except ValueError as error:
        assert "at least 2 dims" in str(error)

    big = Tensor(np.array([[1000.0, 0.0], [0.0, -1000.0]]))
    _, w = scaled_dot_product_attention(big, Tensor(np.eye(2)), Tensor(np.eye(2)))
    assert np.all(np.isfinite(w.data)) and np.allclose(w.data.sum(axis=-1), 1.0)
    print("✅ scaled_dot_product_attention works")


if __name__ == "__main__":
    test_unit_scaled_dot_product_attention()

# %% [markdown]
"""
## 2. Multi-head attention

One attention computes one kind of "relevance". Multi-head attention runs
`num_heads` of them side by side, each on its own `head_dim = embed_dim / num_heads`
slice, then mixes the heads with an output projection:

```
 x (batch, seq, embed)
   |-- q_proj --> Q --reshape--> (batch, seq, heads, head_dim) --transpose--> (batch, heads, seq, head_dim)
   |-- k_proj --> K --  same  --> (batch, heads, seq, head_dim)
   |-- v_proj --> V --  same  --> (batch, heads, seq, head_dim)
   |
   scaled_dot_product_attention over all (batch, heads) at once
   |
   (batch, heads, seq, head_dim) --transpose+reshape--> (batch, seq, embed) --> out_proj --> output
```
The heads are an extra batch axis: no Python loop over heads or batch items.
A mask of shape `(seq, seq)` applies to every batch item and head; a mask of
shape `(batch, seq, seq)` gets a head axis inserted, so it applies to every head.
"""

# %% nbgrader={"grade": false, "grade_id": "multi-head-attention", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class MultiHeadAttention(Layer):
    """Self-attention with `num_heads` parallel heads and learned Q/K/V/output projections."""

    def __init__(self, embed_dim, num_heads):
        """Create the four projections.

        TODO: validate the sizes and create q_proj, k_proj, v_proj and out_proj,
        each a Linear(embed_dim, embed_dim).

        APPROACH:
        1. embed_dim and num_heads positive integers; embed_dim % num_heads == 0
           (ValueError otherwise: every head needs the same slice width).
        2. head_dim = embed_dim // num_heads.

        EXAMPLE:
        >>> mha = MultiHeadAttention(embed_dim=16, num_heads=4)
        >>> mha.head_dim
        4

        HINTS:
        - One Linear per projection computes all heads at once; heads are split by reshape.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def split_heads(self, x, batch, seq):
        """(batch, seq, embed) -> (batch, heads, seq, head_dim)"""
        return x.reshape(batch, seq, self.num_heads, self.head_dim).transpose(1, 2)

    def forward(self, x, mask=None):
        """Self-attention over a (batch, seq, embed_dim) input.

        TODO: project, split into heads, attend, merge heads, project out.

        APPROACH:
        1. Check x is (batch, seq, embed_dim) (ValueError otherwise).
        2. Q, K, V = projections of x, each split with split_heads.
        3. A 3-D mask (batch, seq, seq) gets a head axis: mask[:, None].
        4. out, _ = scaled_dot_product_attention(Q, K, V, mask)
        5. Merge: transpose(1, 2) then reshape(batch, seq, embed_dim); apply out_proj.

        EXAMPLE:
        >>> mha = MultiHeadAttention(8, 2)
        >>> mha(Tensor(np.ones((3, 5, 8)))).shape
        (3, 5, 8)

        HINTS:
        - transpose(1, 2) swaps the seq and heads axes in both directions.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def parameters(self):
        params = []
        for projection in (self.q_proj, self.k_proj, self.v_proj, self.out_proj):
            params.extend(projection.parameters())
        return params


# %% nbgrader={"grade": true, "grade_id": "test-multi-head-attention", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_multi_head_attention():
    """Matches a per-head numpy computation with the layer's own weights."""
    mha = MultiHeadAttention(embed_dim=6, num_heads=2)
    x = np.random.default_rng(1).normal(size=(2, 4, 6)).astype(np.float32)
    out = mha(Tensor(x))
    assert out.shape == (2, 4, 6)
    assert len(mha.parameters()) == 8  # 4 projections x (weight, bias)

    def project(layer, a):
        return a @ layer.weight.data + layer.bias.data

    q, k, v = project(mha.q_proj, x), project(mha.k_proj, x), project(mha.v_proj, x)
    heads = []
    for h in range(2):  # the reference loops over heads on purpose: an independent computation
        cols = slice(3 * h, 3 * h + 3)
        s = q[..., cols] @ k[..., cols].transpose(0, 2, 1) / np.sqrt(3)
        w = np.exp(s - s.max(-1, keepdims=True))
        w /= w.sum(-1, keepdims=True)
        heads.append(w @ v[..., cols])
    expected = project(mha.out_proj, np.concatenate(heads, axis=-1))
    assert np.allclose(out.data, expected, atol=1e-5)

    for embed_dim, num_heads in ((10, 3), (6, 0), (0, 2)):
        try:
            MultiHeadAttention(embed_dim=embed_dim, num_heads=num_heads)
            raise AssertionError(f"MultiHeadAttention({embed_dim}, {num_heads}) must be rejected")
        except ValueError:
            pass
    print("✅ MultiHeadAttention works")


if __name__ == "__main__":
    test_unit_multi_head_attention()

# %% [markdown]
"""
## 3. Systems analysis: attention is quadratic in sequence length

The weights matrix has `seq x seq` entries per head. Doubling the sequence
quadruples its memory and the FLOPs of the two matmuls. Time follows at least
as fast: once the scores outgrow the CPU caches, every pass over them waits on
main memory and time can grow faster than the FLOPs. We measure both instead
of taking it on faith.
"""

# %% nbgrader={"grade": false, "grade_id": "analyze-attention-scaling", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_attention_scaling(seq_lengths=(64, 128, 256, 512), heads=4, head_dim=32, repeats=3):
    """Time scaled_dot_product_attention and measure its weights' bytes for growing sequences.

    The time is the fastest of `repeats` runs: on a shared machine the minimum is the
    least disturbed estimate of what the computation itself costs.
    """
    import time

    print(f"{'seq':>5} {'weights MB':>11} {'x prev':>7} {'time ms':>9} {'x prev':>7}")
    results, previous = [], None
    for seq in seq_lengths:
        q = Tensor(np.random.randn(1, heads, seq, head_dim))
        _, weights = scaled_dot_product_attention(q, q, q)  # warm-up, and the weights to measure
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            scaled_dot_product_attention(q, q, q)
            runs.append(time.perf_counter() - start)
        ms = min(runs) * 1e3
        mb = weights.data.nbytes / 1e6
        ratios = (f"{mb / previous[0]:.2f}", f"{ms / previous[1]:.2f}") if previous else ("-", "-")
        print(f"{seq:>5} {mb:>11.2f} {ratios[0]:>7} {ms:>9.2f} {ratios[1]:>7}")
        results.append((seq, mb, ms))
        previous = (mb, ms)
    (first_seq, first_mb, first_ms), (last_seq, last_mb, last_ms) = results[0], results[-1]
    growth = last_seq / first_seq
    print(f"seq x{growth:.0f} (so seq^2 x{growth ** 2:.0f}): weights' memory x{last_mb / first_mb:.0f}, "
          f"time x{last_ms / first_ms:.0f}")
    return results


if __name__ == "__main__":
    analyze_attention_scaling()

# %% [markdown]
"""
## 4. Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Run every unit test, then check gradients reach every projection through a masked attention."""
    import tinytorch.core.autograd  # noqa: F401

    test_unit_scaled_dot_product_attention()
    test_unit_multi_head_attention()

    mha = MultiHeadAttention(embed_dim=8, num_heads=2)
    causal = np.tril(np.ones((5, 5)))
    out = mha(Tensor(np.random.randn(2, 5, 8)), mask=causal)
    (out * out).sum().backward()
    for param in mha.parameters():
        assert param.grad is not None and param.grad.shape == param.shape
        assert np.all(np.isfinite(param.grad))
    print("🎉 Module 12 (Attention) tests pass")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- Attention is `softmax(Q K^T / sqrt(d)) V`: each output is a weighted average of
  values, weighted by query-key similarity; `sqrt(d)` keeps the softmax soft.
- Masks (1 = keep, 0 = masked) give masked keys exactly zero weight; a query with
  nothing to see gets a zero output instead of NaN.
- Multi-head attention splits the embedding into heads with `reshape` and
  `transpose`, so all heads and batch items run in one batched matmul.
- The weights matrix is `seq x seq` per head: memory and time grow
  quadratically with sequence length, which is what Module 17 (Memoization)
  and long-context tricks fight against.

Next, Module 13 (Transformers) stacks attention and MLPs into a GPT.
"""
