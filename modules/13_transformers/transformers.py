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
# Module 13: Transformers - Building a GPT

Everything is in place. Module 10 (Tokenization) turns text into ids, Module 11
(Embeddings) turns ids into vectors, Module 12 (Attention) lets the vectors
exchange information. This module assembles them into a decoder-only
transformer, the architecture of GPT, and teaches it to generate text.

You will build:
- `create_causal_mask(seq_len)`: the rule "a token may only look backwards".
- `LayerNorm`: keeps every token vector at a stable scale, layer after layer.
- `MLP`: the per-token feed-forward network (expand 4x, GELU, project back).
- `TransformerBlock`: attention + MLP, each wrapped in pre-norm and a residual connection.
- `GPT`: embeddings, a stack of blocks, a final norm and an output head, with `generate`.

It also uses Module 02 (Activations: `GELU`), Module 03 (Layers: `Linear`),
Module 05 (Autograd: `no_grad` while generating), and is trained in the tests
with Module 04 (Losses: `CrossEntropyLoss`) and Module 06 (Optimizers: `Adam`).
"""

# %% nbgrader={"grade": false, "grade_id": "transformer-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.transformer
#| export
import functools

import numpy as np

from tinytorch.core.activations import GELU
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.autograd import Function, no_grad
from tinytorch.core.embeddings import Embedding, PositionalEncoding
from tinytorch.core.layers import Layer, Linear, positive_int
from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. The causal mask

A language model predicts token `t+1` from tokens `0..t`. During training all
positions are predicted at once, so we must stop position `t` from peeking at
the answer. With the mask convention of Module 12 (1 = keep, 0 = masked):

```
            keys ->  0  1  2  3
 query 0          [  1  0  0  0 ]     "the"      sees "the"
 query 1          [  1  1  0  0 ]     "cat"      sees "the cat"
 query 2          [  1  1  1  0 ]     "sat"      sees "the cat sat"
 query 3          [  1  1  1  1 ]     "down"     sees everything before it
```
"""

# %% nbgrader={"grade": false, "grade_id": "causal-mask", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def create_causal_mask(seq_len):
    """A (seq_len, seq_len) Tensor with 1 on and below the diagonal (keep), 0 above (masked).

    TODO: build the lower-triangular keep mask.

    APPROACH:
    1. seq_len must be a positive integer (`positive_int`, module 03: TypeError for a
       non-integer, ValueError below 1).
    2. np.tril of a matrix of ones.

    EXAMPLE:
    >>> create_causal_mask(3).data
    array([[1., 0., 0.],
           [1., 1., 0.],
           [1., 1., 1.]], dtype=float32)

    HINTS:
    - It broadcasts over batch and heads in scaled_dot_product_attention.
    """
    ### BEGIN SOLUTION
    positive_int(seq_len, "seq_len")
    return Tensor(np.tril(np.ones((seq_len, seq_len), dtype=np.float32)))
    ### END SOLUTION


# %% [markdown]
"""
## 2. Layer normalization

Each token vector is normalised on its own: subtract its mean, divide by its
standard deviation, then let the network rescale (`gamma`) and shift (`beta`):

```
 x = [2, 4, 6, 8]   mean 5, var 5   ->   x_hat = [-1.34, -0.45, 0.45, 1.34]
 y = gamma * x_hat + beta            (gamma = 1, beta = 0 at the start)
```
Unlike batch norm it needs no batch statistics, so it behaves the same in
training and generation, for any batch size, even one token.

### One graph node instead of ten

Written with Tensor operations, the formula records about ten autograd nodes
(mean, subtract, multiply, mean, add, power, divide, multiply, add), each keeping
its inputs alive until backward, and backward walks all of them. LayerNorm runs
twice per block, so instead we give it its own backward and record it as **one**
node: a module 05 `Function`, like module 09's `BatchNorm2d`. Per token vector of
n numbers (sums and means over the normalized axes):

```
forward:   mu = mean(x)   var = mean((x - mu)^2)   inv_std = 1 / sqrt(var + eps)
           x_hat = (x - mu) * inv_std              (kept for backward, with inv_std)
           y = gamma * x_hat + beta
backward (g = dL/dy):
           d_beta  = g summed over every token        d_gamma = (g * x_hat) summed over every token
           dx_hat  = g * gamma
           dx      = inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat))
```

The two mean terms are the gradient that flows through `mu` and `var`: adding a
constant to a whole vector changes nothing after normalization, so each token's
`dx` sums to zero. The test compares these gradients with finite differences.

**Every mean is a row mean.** The normalized axes are the trailing ones, so
`x.reshape(-1, n)` has one row per token vector. numpy's `rows.mean(axis=1)`
runs one short reduction per row, which is slow for rows of a few dozen numbers;
`rows @ column` with a column of n values 1/n gives the same means in one
matrix-vector product that BLAS runs over every row at once (`row_means`).
"""

# %% nbgrader={"grade": false, "grade_id": "layer-norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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
        """Normalize, scale and shift; keep x_hat and inv_std for backward.

        TODO: the forward formulas of the diagram above, on the numpy arrays, one row per token vector.

        APPROACH:
        1. rows = x.reshape(-1, n) as float32 (an integer x stays int), n = gamma.size;
           centered = rows - row_means(rows).
        2. self.inv_std = 1 / sqrt(row_means(centered ** 2) + eps); self.x_hat = centered * self.inv_std
        3. y = x_hat * gamma + beta (gamma and beta flattened to n numbers), reshaped back to x's shape.
        4. return self.output(y)

        EXAMPLE:
        >>> LayerNormFunction(Tensor([[2.0, 4.0, 6.0, 8.0]]), gamma, beta, 1e-5).forward()   # gamma 1, beta 0
        Tensor([[-1.3416, -0.4472,  0.4472,  1.3416]], ...)

        HINTS:
        - self.output(data) records this node when an input requires grad (module 05).
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def backward(self, grad_output):
        """Gradients for (x, gamma, beta) from g = dL/dy, with the formulas of the diagram.

        TODO: reduce g over the tokens (rows) for gamma and beta; apply the dx formula.

        APPROACH:
        1. g = grad_output reshaped like self.x_hat: (tokens, n).
        2. grad_gamma = (g * x_hat).sum(axis=0); grad_beta = g.sum(axis=0), reshaped to gamma's shape.
        3. dx_hat = g * gamma; dx = inv_std * (dx_hat - row_means(dx_hat) - x_hat * row_means(dx_hat * x_hat)),
           reshaped to x's shape.

        EXAMPLE:
        >>> dx, dgamma, dbeta = fn.backward(np.ones(y.shape))   # dx is 0: a constant g shifts nothing

        HINTS:
        - Return None for an input that needs no gradient (self.needs_grad(i)).
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION


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
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def forward(self, x):
        """Normalise x over its trailing normalized_shape axes.

        TODO: check the input, then run the one-node LayerNormFunction over the trailing axes.

        APPROACH:
        1. x's trailing shape must equal normalized_shape (ValueError otherwise).
        2. return LayerNormFunction(x, gamma, beta, eps).forward()

        EXAMPLE:
        >>> LayerNorm(4)(Tensor([[2.0, 4.0, 6.0, 8.0]])).data.round(2)
        array([[-1.34, -0.45,  0.45,  1.34]], dtype=float32)

        HINTS:
        - The same formula from Tensor operations (x.mean, -, *, ** 0.5, ...) gives the same
          values and gradients through autograd, with about ten graph nodes instead of one.
        """
        ### BEGIN SOLUTION
        if not isinstance(x, Tensor):
            raise TypeError(f"LayerNorm expects a Tensor, got {type(x).__name__}")
        k = len(self.normalized_shape)
        if tuple(x.shape[-k:]) != self.normalized_shape or x.data.ndim < k:
            raise ValueError(f"LayerNorm expects trailing shape {self.normalized_shape}, got input shape {x.shape}")
        return LayerNormFunction(x, self.gamma, self.beta, self.eps).forward()
        ### END SOLUTION

    def parameters(self):
        return [self.gamma, self.beta]


# %% nbgrader={"grade": true, "grade_id": "test-layer-norm", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_layer_norm():
    """Matches the numpy formula; gamma and beta scale and shift; the causal mask is lower-triangular."""
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(2, 3, 5))
    ln = LayerNorm(5)
    ln.gamma.data[:] = 2.0
    ln.beta.data[:] = 0.5
    out = ln(Tensor(x)).data
    expected = 2.0 * (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) + 0.5
    assert np.allclose(out, expected, atol=1e-4)
    assert np.all(np.isfinite(LayerNorm(3)(Tensor(np.ones((1, 3)))).data))  # constant row: var 0
    assert np.allclose(LayerNorm(3)(Tensor([1.0, 2.0, 3.0])).data, np.array([-1.0, 0.0, 1.0]) * np.sqrt(1.5), atol=1e-4)  # one vector
    try:
        LayerNorm(5, eps=0.0)
        raise AssertionError("eps=0 must be rejected: a constant row would divide by zero")
    except ValueError:
        pass

    # The one-node backward gives what autograd gives through the plain Tensor formula.
    rng = np.random.default_rng(1)
    x, probe = Tensor(x, requires_grad=True), Tensor(rng.normal(size=(2, 3, 5)))
    y = ln(x)
    assert y._grad_fn.inputs == (x, ln.gamma, ln.beta)  # one recorded node
    (y * probe).sum().backward()
    x2, gamma2, beta2 = (Tensor(t.data, requires_grad=True) for t in (x, ln.gamma, ln.beta))
    centered = x2 - x2.mean(axis=-1, keepdims=True)
    plain = centered / ((centered * centered).mean(axis=-1, keepdims=True) + 1e-5) ** 0.5 * gamma2 + beta2
    (plain * probe).sum().backward()
    for fused, composed in ((x, x2), (ln.gamma, gamma2), (ln.beta, beta2)):
        assert np.allclose(fused.grad, composed.grad, atol=1e-4)
    assert np.allclose(x.grad.sum(axis=-1), 0.0, atol=1e-4)  # shifting a token vector changes nothing

    assert np.array_equal(create_causal_mask(3).data, [[1, 0, 0], [1, 1, 0], [1, 1, 1]])
    print("✅ LayerNorm and create_causal_mask work")


if __name__ == "__main__":
    test_unit_layer_norm()

# %% [markdown]
"""
## 3. The MLP and the transformer block

Attention mixes information *between* tokens; the MLP then processes each token
*on its own*: expand to `4 x embed_dim`, apply GELU, project back.

A block wraps both in the **pre-norm residual** pattern used by GPT-2 and later:

```
 x ----------------+                       x ---------------+
 |                 |                       |                |
 LayerNorm (ln1)   |                       LayerNorm (ln2)  |
 |                 |                       |                |
 MultiHeadAttention|  (causal mask)        MLP              |
 |                 |                       |                |
 +<----------------+  x = x + attn         +<---------------+  x = x + mlp
```
The residual path `x + f(x)` lets gradients reach early layers unchanged, and
normalising *before* each sub-layer keeps their inputs at a stable scale.
"""

# %% nbgrader={"grade": false, "grade_id": "mlp-block", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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
        ### BEGIN SOLUTION
        super().__init__()
        hidden_dim = 4 * embed_dim if hidden_dim is None else hidden_dim
        self.embed_dim, self.hidden_dim = embed_dim, hidden_dim
        self.linear1 = Linear(embed_dim, hidden_dim)
        self.gelu = GELU()
        self.linear2 = Linear(hidden_dim, embed_dim)
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        hidden = self.gelu(self.linear1(x))
        return self.linear2(hidden)
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        super().__init__()
        positive_int(mlp_ratio, "mlp_ratio")
        self.ln1 = LayerNorm(embed_dim)
        self.attention = MultiHeadAttention(embed_dim, num_heads)
        self.ln2 = LayerNorm(embed_dim)
        self.mlp = MLP(embed_dim, mlp_ratio * embed_dim)
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        x = x + self.attention(self.ln1(x), mask)
        x = x + self.mlp(self.ln2(x))
        return x
        ### END SOLUTION

    def parameters(self):
        return self.ln1.parameters() + self.attention.parameters() + self.ln2.parameters() + self.mlp.parameters()


# %% nbgrader={"grade": true, "grade_id": "test-mlp-block", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_transformer_block():
    """The MLP matches numpy; the block keeps shapes, and its residuals mean zeroed sub-layers give the identity."""
    mlp = MLP(4, hidden_dim=6)
    x = np.random.default_rng(2).normal(size=(2, 3, 4)).astype(np.float32)
    h = x @ mlp.linear1.weight.data + mlp.linear1.bias.data
    h = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h**3)))  # tanh-form GELU
    expected = h @ mlp.linear2.weight.data + mlp.linear2.bias.data
    assert np.allclose(mlp(Tensor(x)).data, expected, atol=1e-3)  # tolerance covers the exact-erf GELU too

    block = TransformerBlock(embed_dim=4, num_heads=2)
    assert block(Tensor(x), create_causal_mask(3)).shape == (2, 3, 4)
    for linear in (block.attention.out_proj, block.mlp.linear2):
        linear.weight.data[:] = 0.0
        linear.bias.data[:] = 0.0
    assert np.allclose(block(Tensor(x)).data, x)  # both residual branches now add zero
    assert MLP(4).linear1.weight.shape == (4, 16) and block.mlp.linear1.weight.shape == (4, 16)  # 4 x embed_dim

    block = TransformerBlock(embed_dim=4, num_heads=2)  # pre-norm residuals, written out with the block's own parts
    mask = create_causal_mask(3)
    middle = x + block.attention(block.ln1(Tensor(x)), mask).data
    expected = middle + block.mlp(block.ln2(Tensor(middle))).data
    assert np.allclose(block(Tensor(x), mask).data, expected, atol=1e-5)
    print("✅ MLP and TransformerBlock work")


if __name__ == "__main__":
    test_unit_transformer_block()

# %% [markdown]
"""
## 4. GPT

The whole model, step by step (no container: each step is a line in `forward`):

```
 ids (batch, seq)
   -> token_embedding + position_encoding        (batch, seq, embed)   Module 11
   -> block 0 .. block N-1, all with the causal mask                   Module 12 + above
   -> ln_f (final LayerNorm)
   -> lm_head (Linear embed -> vocab)             logits (batch, seq, vocab)
```
Logits at position `t` score every possible next token after `ids[:, :t+1]`.

**Generation** repeats: run the model, take the logits of the last position,
turn them into probabilities with `softmax(logits / temperature)`, sample one id,
append it, continue. Low temperature sharpens the distribution; `temperature=0`
means greedy decoding (always the most likely id). Sampling uses `np.random`,
so `np.random.seed(...)` makes it reproducible. Contexts longer than
`max_seq_len` are cut to their last `max_seq_len` tokens.
"""

# %% nbgrader={"grade": false, "grade_id": "gpt", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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
        ### BEGIN SOLUTION
        super().__init__()
        positive_int(num_layers, "num_layers")
        self.vocab_size, self.embed_dim = vocab_size, embed_dim
        self.num_layers, self.num_heads, self.max_seq_len = num_layers, num_heads, max_seq_len
        self.token_embedding = Embedding(vocab_size, embed_dim)
        self.position_encoding = PositionalEncoding(max_seq_len, embed_dim)
        self.blocks = [TransformerBlock(embed_dim, num_heads) for _ in range(num_layers)]
        self.ln_f = LayerNorm(embed_dim)
        self.lm_head = Linear(embed_dim, vocab_size)
        ### END SOLUTION

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
        ### BEGIN SOLUTION
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
        ### END SOLUTION

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
        ### BEGIN SOLUTION
        ids, single = prepare_prompt(prompt_ids, max_new_tokens, temperature)
        with no_grad():
            for _ in range(max_new_tokens):
                context = ids[:, -self.max_seq_len :]
                last_logits = self.forward(context).data[:, -1, :]  # (batch, vocab)
                next_ids = next_token_ids(last_logits, temperature)
                ids = np.concatenate([ids, next_ids[:, None]], axis=1)
        return ids[0] if single else ids
        ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "test-gpt", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_gpt():
    """Logit shape, causality, and generation length / validity / greedy determinism / context cropping."""
    np.random.seed(0)  # the weights: the cropping check below needs a model whose answer depends on the 10th id back
    model = GPT(vocab_size=12, embed_dim=8, num_layers=2, num_heads=2, max_seq_len=10)
    ids = np.array([[1, 5, 7, 2, 9]])
    logits = model(ids).data
    assert logits.shape == (1, 5, 12)

    changed = ids.copy()
    changed[0, 3:] = [11, 0]  # change the last two tokens
    assert np.allclose(model(changed).data[:, :3], logits[:, :3], atol=1e-6)  # earlier positions unaffected
    assert not np.allclose(model(changed).data[:, 3:], logits[:, 3:])

    out = model.generate([1, 2, 3], max_new_tokens=12, temperature=1.0)  # longer than max_seq_len: context crops
    assert out.shape == (15,) and np.all((out >= 0) & (out < 12)) and list(out[:3]) == [1, 2, 3]
    greedy = model.generate(ids, max_new_tokens=3, temperature=0)
    assert np.array_equal(greedy, model.generate(ids, max_new_tokens=3, temperature=0))
    expected_first = model(ids).data[0, -1].argmax()
    assert greedy.shape == (1, 8) and greedy[0, 5] == expected_first
    assert len(model.blocks) == 2
    full = np.array([[3, 1, 4, 1, 5, 9, 2, 6, 5, 3]])  # exactly max_seq_len ids: the whole prompt is the context
    assert model.generate(full, max_new_tokens=1, temperature=0)[0, -1] == model(full).data[0, -1].argmax()
    long = np.array([[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]])  # 12 ids: the context is exactly the last 10
    last_ten = model(long[:, -10:]).data[0, -1].argmax()
    assert model(long[:, -9:]).data[0, -1].argmax() != last_ten  # this model tells 9 ids of context from 10
    assert model.generate(long, max_new_tokens=1, temperature=0)[0, -1] == last_ten
    print("✅ GPT works")


if __name__ == "__main__":
    test_unit_gpt()

# %% [markdown]
"""
## 5. Systems analysis: where do a GPT's parameters live?

We build a small GPT and count the entries of every parameter Tensor, grouped
by component. The measurement shows what the formulas predict: each block
holds about `12 x embed_dim^2` parameters (4 attention projections + an MLP of
`2 x 4 x embed_dim^2`), while the embedding and output head scale with the
vocabulary. We also time a forward pass at two sequence lengths.
"""

# %% nbgrader={"grade": false, "grade_id": "analyze-gpt-parameters", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_gpt_parameters(vocab_size=2000, embed_dim=128, num_layers=4, num_heads=4, max_seq_len=256):
    """Count a GPT's parameters by component (from the Tensors themselves) and time its forward pass."""
    import time

    model = GPT(vocab_size, embed_dim, num_layers, num_heads, max_seq_len)

    def count(params):
        return sum(p.data.size for p in params)

    block = model.blocks[0]
    groups = {
        "token embedding": count(model.token_embedding.parameters()),
        "position encoding": count(model.position_encoding.parameters()),
        f"{num_layers} x attention": num_layers * count(block.attention.parameters()),
        f"{num_layers} x MLP": num_layers * count(block.mlp.parameters()),
        f"{num_layers} x 2 LayerNorms": num_layers * count(block.ln1.parameters() + block.ln2.parameters()),
        "final LayerNorm": count(model.ln_f.parameters()),
        "lm_head": count(model.lm_head.parameters()),
    }
    total = count(model.parameters())
    assert total == sum(groups.values())  # the groups cover every parameter exactly once
    for name, n in groups.items():
        print(f"{name:>20}: {n:>9,} ({100 * n / total:5.1f}%)")
    print(f"{'total':>20}: {total:>9,} = {total * 4 / 1e6:.1f} MB of float32 (x3 with Adam state)")
    print(f"per block: {count(block.parameters()):,} vs 12*d^2 = {12 * embed_dim**2:,}")

    with no_grad():
        for seq in (32, 64):
            ids = np.random.randint(0, vocab_size, size=(1, seq))
            runs = []
            for _ in range(3):  # fastest of three: the least disturbed run on a shared machine
                start = time.perf_counter()
                model(ids)
                runs.append(time.perf_counter() - start)
            print(f"forward, batch 1, seq {seq}: {min(runs) * 1e3:.1f} ms")
    return groups


if __name__ == "__main__":
    analyze_gpt_parameters()

# %% [markdown]
"""
## 6. Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Run every unit test, then train a tiny GPT to continue a repeating pattern."""
    from tinytorch.core.losses import CrossEntropyLoss
    from tinytorch.core.optimizers import Adam

    test_unit_layer_norm()
    test_unit_transformer_block()
    test_unit_gpt()

    np.random.seed(0)
    pattern = np.tile(np.arange(6), 4)  # 0 1 2 3 4 5 0 1 2 ...: each id predicts the next
    inputs, targets = pattern[None, :-1], pattern[None, 1:]
    model = GPT(vocab_size=6, embed_dim=16, num_layers=1, num_heads=2, max_seq_len=32)
    optimizer, loss_fn = Adam(model.parameters(), lr=0.01), CrossEntropyLoss()
    losses = []
    for _ in range(20):
        logits = model(inputs)
        loss = loss_fn(logits.reshape(-1, 6), Tensor(targets.reshape(-1)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0], f"loss only went from {losses[0]:.3f} to {losses[-1]:.3f}"
    continuation = model.generate([0, 1, 2], max_new_tokens=6, temperature=0)
    assert list(continuation) == [0, 1, 2, 3, 4, 5, 0, 1, 2]
    print("🎉 Module 13 (Transformers) tests pass")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- `create_causal_mask` stops every position from seeing the future, so one
  forward pass trains all next-token predictions at once.
- `LayerNorm` normalises each token vector; `MLP` processes each token;
  `TransformerBlock` wraps attention and MLP in pre-norm residual connections.
- `GPT` is embeddings -> blocks -> final norm -> output head, and `generate`
  samples one token at a time (temperature 0 = greedy).
- Parameters concentrate in the blocks (~12 d^2 each) and in the vocabulary-sized
  embedding and head. Generation re-runs the whole prefix for every new token:
  Module 17 (Memoization) caches keys and values to avoid exactly that.
"""
