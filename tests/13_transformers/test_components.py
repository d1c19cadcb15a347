"""create_causal_mask, LayerNorm, MLP and TransformerBlock against numpy references and finite differences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch.core.autograd  # noqa: F401
from tinytorch.core.activations import GELU
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.tensor import Tensor
from tinytorch.core.transformer import MLP, LayerNorm, TransformerBlock, create_causal_mask
from testkit.gradcheck import assert_gradients_match


def numpy_layer_norm(x, gamma, beta, axes, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def numpy_gelu(h):
    return 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h**3)))


# ---- causal mask -----------------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(seq_len=st.integers(1, 12))
def test_causal_mask_keeps_exactly_the_past_and_present(seq_len):
    mask = create_causal_mask(seq_len).data
    assert mask.shape == (seq_len, seq_len)
    rows, cols = np.indices((seq_len, seq_len))
    assert np.array_equal(mask != 0, cols <= rows)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-2, ValueError), (2.5, TypeError), (True, TypeError)])
def test_causal_mask_rejects_bad_lengths(bad, error):
    with pytest.raises(error, match="seq_len"):
        create_causal_mask(bad)


# ---- LayerNorm -------------------------------------------------------------------------
def test_layer_norm_matches_numpy_with_learned_scale_and_shift():
    x = np.random.randn(2, 3, 6) * 4 + 7
    ln = LayerNorm(6)
    ln.gamma.data[:] = np.linspace(0.5, 2.0, 6)
    ln.beta.data[:] = np.linspace(-1.0, 1.0, 6)
    expected = numpy_layer_norm(x, ln.gamma.data, ln.beta.data, axes=-1)
    assert np.allclose(ln(Tensor(x)).data, expected, atol=1e-4)
    assert ln.parameters() == [ln.gamma, ln.beta]


def test_layer_norm_default_output_has_zero_mean_and_unit_variance_per_token():
    out = LayerNorm(16)(Tensor(np.random.randn(4, 16) * 10 - 3)).data
    assert np.allclose(out.mean(axis=-1), 0.0, atol=1e-5)
    assert np.allclose(out.var(axis=-1), 1.0, atol=1e-3)


def test_layer_norm_over_the_last_two_axes():
    x = np.random.randn(3, 2, 4)
    ln = LayerNorm((2, 4))
    assert ln.gamma.shape == (2, 4)
    assert np.allclose(ln(Tensor(x)).data, numpy_layer_norm(x, 1.0, 0.0, axes=(-2, -1)), atol=1e-4)


@pytest.mark.parametrize("eps", [1e-5, 0.1])
def test_layer_norm_adds_eps_to_the_variance_inside_the_square_root(eps):
    """Tokens whose variance is about eps: eps inside vs outside the sqrt differ by tens of percent."""
    x = np.random.randn(3, 8) * np.sqrt(eps)
    out = LayerNorm(8, eps=eps)(Tensor(x)).data
    assert np.allclose(out, numpy_layer_norm(x, 1.0, 0.0, axes=-1, eps=eps), rtol=1e-3, atol=1e-5)


def test_layer_norm_of_integer_input_equals_that_of_the_same_floats():
    """An integer Tensor stays int64 (module 01): the row means must still be fractional (mean of [1, 2] is 1.5)."""
    ints = np.array([[1, 2, 3, 4], [2, 4, 6, 9]])
    out = LayerNorm(4)(Tensor(ints)).data
    assert Tensor(ints).dtype == np.int64
    np.testing.assert_allclose(out, numpy_layer_norm(ints.astype(np.float64), 1.0, 0.0, axes=-1), atol=1e-4)
    assert np.allclose(LayerNorm(3)(Tensor([[True, False, True]])).data, [[0.7071, -1.4142, 0.7071]], atol=1e-3)


def test_layer_norm_of_a_constant_vector_is_finite():
    assert np.allclose(LayerNorm(3)(Tensor(np.full((2, 3), 5.0))).data, 0.0)


def test_layer_norm_gradients_match_finite_differences():
    ln = LayerNorm(5)

    def normalize(x, gamma, beta):
        ln.gamma, ln.beta = gamma, beta
        return ln(x)

    assert_gradients_match(normalize, np.random.randn(2, 3, 5), np.random.rand(5) + 0.5, np.random.randn(5))


def test_layer_norm_over_two_axes_gradients_match_finite_differences():
    ln = LayerNorm((2, 4))

    def normalize(x, gamma, beta):
        ln.gamma, ln.beta = gamma, beta
        return ln(x)

    assert_gradients_match(normalize, np.random.randn(3, 2, 4), np.random.rand(2, 4) + 0.5, np.random.randn(2, 4))


def test_layer_norm_is_one_recorded_operation_on_x_gamma_and_beta():
    x = Tensor(np.random.randn(2, 3, 5), requires_grad=True)
    ln = LayerNorm(5)
    node = ln(x)._grad_fn
    assert len(node.inputs) == 3
    assert node.inputs[0] is x and node.inputs[1] is ln.gamma and node.inputs[2] is ln.beta


def test_layer_norm_input_gradient_sums_to_zero_per_token():
    """Adding a constant to a token vector changes nothing after normalization."""
    x = Tensor(np.random.randn(4, 6) * 3 + 1, requires_grad=True)
    ln = LayerNorm(6)
    ln.gamma.data[:] = np.random.rand(6) + 0.5
    (ln(x) * Tensor(np.random.randn(4, 6))).sum().backward()
    assert np.allclose(x.grad.sum(axis=-1), 0.0, atol=1e-4)
    assert not np.allclose(x.grad, 0.0)


def test_layer_norm_bad_input():
    with pytest.raises(ValueError, match="trailing shape"):
        LayerNorm(4)(Tensor(np.zeros((2, 5))))
    for bad in (0, (), (3, -1)):
        with pytest.raises(ValueError):
            LayerNorm(bad)
    with pytest.raises(TypeError):  # not an integer (module 03's positive_int)
        LayerNorm(2.5)
    for eps in (0.0, -1e-5, "1e-5", None):
        with pytest.raises(ValueError, match="eps"):
            LayerNorm(4, eps=eps)
    with pytest.raises(TypeError, match="Tensor"):
        LayerNorm(4)(np.zeros((2, 4)))


# ---- MLP -------------------------------------------------------------------------------
def test_mlp_defaults_to_four_times_wider_and_matches_numpy():
    mlp = MLP(6)
    assert mlp.linear1.weight.shape == (6, 24) and mlp.linear2.weight.shape == (24, 6)
    assert isinstance(mlp.gelu, GELU)
    x = np.random.randn(2, 3, 6)
    hidden = numpy_gelu(x @ mlp.linear1.weight.data + mlp.linear1.bias.data)
    expected = hidden @ mlp.linear2.weight.data + mlp.linear2.bias.data
    assert np.allclose(mlp(Tensor(x)).data, expected, atol=1e-4)
    assert len(mlp.parameters()) == 4
    assert MLP(6, hidden_dim=10).linear1.weight.shape == (6, 10)


# ---- TransformerBlock ------------------------------------------------------------------
def test_block_is_pre_norm_attention_then_mlp_with_residuals():
    block = TransformerBlock(embed_dim=8, num_heads=2, mlp_ratio=2)
    assert isinstance(block.attention, MultiHeadAttention) and block.mlp.hidden_dim == 16
    block.ln1.gamma.data[:] = np.random.rand(8) + 0.5  # make the norms non-trivial
    block.ln2.beta.data[:] = np.random.randn(8)
    x = np.random.randn(2, 4, 8)
    mask = create_causal_mask(4)

    # the same computation, composed by hand from the block's own parts
    after_attention = x + block.attention(block.ln1(Tensor(x)), mask).data
    expected = after_attention + block.mlp(block.ln2(Tensor(after_attention))).data
    assert np.allclose(block(Tensor(x), mask).data, expected, atol=1e-5)

    # and from numpy for the normalisation: an attention sub-layer that outputs 0 leaves x + mlp(ln2(x))
    block.attention.out_proj.weight.data[:] = 0.0
    block.attention.out_proj.bias.data[:] = 0.0
    ln2 = numpy_layer_norm(x, block.ln2.gamma.data, block.ln2.beta.data, axes=-1)
    mlp = numpy_gelu(ln2 @ block.mlp.linear1.weight.data + block.mlp.linear1.bias.data)
    mlp = mlp @ block.mlp.linear2.weight.data + block.mlp.linear2.bias.data
    assert np.allclose(block(Tensor(x), mask).data, x + mlp, atol=1e-4)


def test_block_parameters_cover_norms_attention_and_mlp():
    block = TransformerBlock(8, 2)
    parts = block.ln1.parameters() + block.attention.parameters() + block.ln2.parameters() + block.mlp.parameters()
    assert len(block.parameters()) == 16
    assert all(a is b for a, b in zip(block.parameters(), parts))
    assert sum(p.data.size for p in block.parameters()) == 12 * 8 * 8 + 13 * 8  # weights 12d^2, biases+norms 13d


def test_block_gradients_match_finite_differences():
    block = TransformerBlock(embed_dim=4, num_heads=2, mlp_ratio=2)
    block.ln1.gamma.data[:] = np.random.rand(4) + 0.5  # non-trivial norms
    block.ln2.beta.data[:] = np.random.randn(4)
    mask = create_causal_mask(3)
    assert_gradients_match(lambda x: block(x, mask), np.random.randn(2, 3, 4))


def test_block_gradient_reaches_every_parameter():
    block = TransformerBlock(4, 2)
    (block(Tensor(np.random.randn(2, 3, 4)), create_causal_mask(3)) ** 2).sum().backward()
    for param in block.parameters():
        assert param.grad is not None and param.grad.shape == param.shape and np.any(param.grad != 0)


def test_block_bad_arguments():
    with pytest.raises(ValueError):
        TransformerBlock(10, 3)
    with pytest.raises(ValueError):
        TransformerBlock(8, 2, mlp_ratio=0)
