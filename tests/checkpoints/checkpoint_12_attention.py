"""Checkpoint 12, attention: can every token gather information from exactly the tokens it
is allowed to see, for all heads and batch items at once?

Written against the public API only: scaled_dot_product_attention(Q, K, V, mask=None)
-> (output, attention_weights) with mask 1 = keep / 0 = masked, and
MultiHeadAttention(embed_dim, num_heads) with forward(x, mask=None) and parameters().
"""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.attention import MultiHeadAttention, scaled_dot_product_attention
from tinytorch.core.tensor import Tensor


def test_a_query_copies_the_value_of_the_key_it_matches():
    keys = Tensor(np.eye(3) * 20.0)
    values = Tensor([[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    out, weights = scaled_dot_product_attention(Tensor(np.eye(3)[[2]] * 20.0), keys, values)
    assert np.allclose(weights.data, [[0.0, 0.0, 1.0]], atol=1e-6)
    assert np.allclose(out.data, [[5.0, 5.0]], atol=1e-4)


def test_a_causal_mask_hides_the_future_exactly():
    x = Tensor(np.random.randn(2, 5, 4))
    causal = np.tril(np.ones((5, 5)))
    _, weights = scaled_dot_product_attention(x, x, x, mask=causal)
    assert np.all(weights.data[:, np.triu_indices(5, k=1)[0], np.triu_indices(5, k=1)[1]] == 0.0)
    assert np.allclose(weights.data.sum(axis=-1), 1.0, atol=1e-6)


def test_multi_head_attention_keeps_the_shape_and_trains():
    mha = MultiHeadAttention(embed_dim=8, num_heads=4)
    out = mha.forward(Tensor(np.random.randn(3, 6, 8)), mask=np.tril(np.ones((6, 6))))
    assert out.shape == (3, 6, 8)
    (out * out).sum().backward()
    assert len(mha.parameters()) == 8
    assert all(p.grad is not None and np.all(np.isfinite(p.grad)) for p in mha.parameters())


def test_heads_must_divide_the_embedding():
    with pytest.raises(ValueError):
        MultiHeadAttention(embed_dim=8, num_heads=3)
