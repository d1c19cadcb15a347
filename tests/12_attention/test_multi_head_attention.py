"""MultiHeadAttention: per-head reference, masks, batch independence, gradients, bad input."""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor
from testkit.gradcheck import assert_gradients_match


def reference_mha(mha, x, keep=None):
    """Float64 numpy, one head and one batch item at a time, with the layer's own weights."""
    def project(layer, a):
        return a @ layer.weight.data.astype(np.float64) + layer.bias.data

    q, k, v = project(mha.q_proj, x), project(mha.k_proj, x), project(mha.v_proj, x)
    batch, seq, _ = x.shape
    d = mha.head_dim
    merged = np.zeros((batch, seq, mha.embed_dim))
    for b in range(batch):
        for h in range(mha.num_heads):
            cols = slice(h * d, (h + 1) * d)
            scores = q[b, :, cols] @ k[b, :, cols].T / np.sqrt(d)
            if keep is not None:
                scores = np.where(keep[b] if keep.ndim == 3 else keep, scores, -np.inf)
            w = np.exp(scores - scores.max(axis=-1, keepdims=True))
            merged[b, :, cols] = (w / w.sum(axis=-1, keepdims=True)) @ v[b, :, cols]
    return project(mha.out_proj, merged)


def test_projections_are_named_linear_layers_and_the_parameters():
    mha = MultiHeadAttention(embed_dim=8, num_heads=2)
    projections = [mha.q_proj, mha.k_proj, mha.v_proj, mha.out_proj]
    assert all(isinstance(p, Linear) and p.weight.shape == (8, 8) for p in projections)
    expected = [t for p in projections for t in (p.weight, p.bias)]
    assert len(mha.parameters()) == 8
    assert all(a is b for a, b in zip(mha.parameters(), expected))
    assert mha.head_dim == 4


@pytest.mark.parametrize("embed_dim, num_heads", [(8, 1), (8, 2), (12, 3), (8, 8)])
def test_matches_a_per_head_numpy_reference(embed_dim, num_heads):
    mha = MultiHeadAttention(embed_dim, num_heads)
    x = np.random.randn(2, 5, embed_dim)
    out = mha(Tensor(x))
    assert out.shape == (2, 5, embed_dim)
    assert np.allclose(out.data, reference_mha(mha, x), atol=1e-4)


def test_two_and_three_dimensional_masks():
    mha = MultiHeadAttention(6, 3)
    x = np.random.randn(2, 4, 6)
    causal = np.tril(np.ones((4, 4), dtype=bool))
    assert np.allclose(mha(Tensor(x), mask=causal).data, reference_mha(mha, x, causal), atol=1e-4)

    per_item = np.stack([causal, np.ones((4, 4), dtype=bool)])  # item 0 causal, item 1 sees all
    assert np.allclose(mha(Tensor(x), mask=per_item).data, reference_mha(mha, x, per_item), atol=1e-4)


def test_with_a_causal_mask_later_tokens_never_change_earlier_outputs():
    mha = MultiHeadAttention(8, 2)
    x = np.random.randn(1, 6, 8)
    causal = np.tril(np.ones((6, 6)))
    before = mha(Tensor(x), mask=causal).data
    x[0, 4:] = np.random.randn(2, 8) * 5
    after = mha(Tensor(x), mask=causal).data
    assert np.allclose(after[0, :4], before[0, :4], atol=1e-6)
    assert not np.allclose(after[0, 4:], before[0, 4:])


def test_batch_items_do_not_interact():
    mha = MultiHeadAttention(4, 2)
    x = np.random.randn(3, 5, 4)
    full = mha(Tensor(x)).data
    alone = mha(Tensor(x[1:2])).data
    assert np.allclose(full[1:2], alone, atol=1e-6)


def test_gradients_of_input_and_every_projection_match_finite_differences():
    mha = MultiHeadAttention(4, 2)
    x = np.random.randn(2, 3, 4)
    causal = np.tril(np.ones((3, 3)))
    projections = (mha.q_proj, mha.k_proj, mha.v_proj, mha.out_proj)

    def attend(x_t, *params):
        for layer, weight, bias in zip(projections, params[::2], params[1::2]):
            layer.weight, layer.bias = weight, bias
        return mha(x_t, mask=causal)

    assert_gradients_match(attend, x, *[p.data for p in mha.parameters()])


@pytest.mark.parametrize("embed_dim, num_heads", [(10, 3), (8, 0), (0, 2), (8, 2.0)])
def test_bad_sizes_raise_value_error(embed_dim, num_heads):
    with pytest.raises(ValueError):
        MultiHeadAttention(embed_dim, num_heads)


@pytest.mark.parametrize("shape", [(5, 8), (2, 5, 6), (1, 2, 5, 8)])
def test_bad_input_shapes_raise_value_error(shape):
    with pytest.raises(ValueError, match="batch, seq"):
        MultiHeadAttention(8, 2)(Tensor(np.zeros(shape)))


@pytest.mark.parametrize("bad", [np.ones((1, 2, 8)), np.ones((1, 2, 8)).tolist()])
def test_non_tensor_input_is_a_type_error(bad):
    with pytest.raises(TypeError, match="Tensor"):
        MultiHeadAttention(8, 2)(bad)


def test_mask_of_the_wrong_size_is_rejected():
    with pytest.raises(ValueError, match="does not broadcast"):
        MultiHeadAttention(8, 2)(Tensor(np.zeros((1, 4, 8))), mask=np.ones((5, 5)))
