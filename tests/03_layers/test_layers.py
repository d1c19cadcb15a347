"""Module 03 (Layers): Layer contract, Linear (values, init, shapes, errors) and Dropout.

Expected values come from numpy written here (x @ W + b on the layer's own
weights read back as arrays, binomial statistics for dropout) or hand-worked
numbers. Gradients are module 05's business: this suite does not import autograd.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.core.activations import Softmax, Tanh
from tinytorch.core.layers import Dropout, Layer, Linear
from tinytorch.core.tensor import Tensor
from testkit.models import TwoLayerMLP

FEW = settings(max_examples=30, deadline=None, derandomize=True)  # same examples on every run


# ---- Layer base ------------------------------------------------------------------------------
def test_layer_base_defaults():
    class Scale(Layer):
        def forward(self, x, factor=2.0):
            return x * factor

    layer = Scale()
    assert layer.parameters() == []
    assert np.array_equal(layer(Tensor([1.0, -3.0])).data, [2.0, -6.0])
    assert np.array_equal(layer(Tensor([1.0]), factor=5.0).data, [5.0])  # keyword arguments pass through


def test_layer_forward_is_abstract():
    with pytest.raises(NotImplementedError, match="forward"):
        Layer()(Tensor([1.0]))


def test_linear_and_dropout_are_layers():
    assert isinstance(Linear(2, 3), Layer) and isinstance(Dropout(), Layer)


# ---- Linear: parameters and initialisation ------------------------------------------------
def test_linear_parameter_shapes_dtypes_and_flags():
    layer = Linear(5, 3)
    assert (layer.in_features, layer.out_features) == (5, 3)
    assert layer.weight.shape == (5, 3) and layer.bias.shape == (3,)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    assert layer.weight.requires_grad and layer.bias.requires_grad
    assert np.array_equal(layer.bias.data, np.zeros(3))
    params = layer.parameters()
    assert len(params) == 2 and params[0] is layer.weight and params[1] is layer.bias
    assert layer.parameters()[0] is params[0]  # stable: the same Tensors every call


def test_linear_without_bias():
    layer = Linear(4, 2, bias=False)
    assert layer.bias is None
    assert len(layer.parameters()) == 1 and layer.parameters()[0] is layer.weight
    x = np.random.randn(3, 4)
    np.testing.assert_allclose(layer(Tensor(x)).data, x @ layer.weight.data, atol=1e-5)


@pytest.mark.parametrize("n_in, n_out", [(1, 1), (3, 7), (64, 10), (300, 200)])
def test_xavier_uniform_bound(n_in, n_out):
    weight = Linear(n_in, n_out).weight.data
    assert np.all(np.abs(weight) <= math.sqrt(6.0 / (n_in + n_out)))


def test_xavier_uniform_variance_and_spread():
    weight = Linear(300, 200).weight.data.astype(np.float64)
    limit = math.sqrt(6.0 / 500)
    # Var of U(-a, a) is a^2 / 3 = 2 / (in + out); 60000 draws give a ~1% standard error
    assert abs(weight.var() - 2.0 / 500) < 0.05 * (2.0 / 500)
    assert abs(weight.mean()) < 0.01 * limit
    assert weight.max() > 0.95 * limit and weight.min() < -0.95 * limit  # uses the whole range
    assert np.unique(weight, axis=1).shape[1] == 200  # no symmetry: every output unit has its own weights


def test_initialisation_is_reproducible_with_numpy_seed():
    np.random.seed(123)
    first = Linear(6, 4).weight.data.copy()
    second = Linear(6, 4).weight.data.copy()
    np.random.seed(123)
    again = Linear(6, 4).weight.data
    assert np.array_equal(first, again)
    assert not np.array_equal(first, second)


# ---- Linear: forward -------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4,), (1, 4), (8, 4), (2, 5, 4), (2, 3, 5, 4)])
def test_linear_forward_over_batch_dims(shape):
    layer = Linear(4, 3)
    layer.bias.data[...] = np.random.randn(3)
    x = np.random.randn(*shape)
    out = layer(Tensor(x))
    assert out.shape == shape[:-1] + (3,)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, x @ layer.weight.data + layer.bias.data, atol=1e-5)


def test_linear_hand_worked():
    layer = Linear(2, 2)
    layer.weight.data[...] = [[1.0, 2.0], [3.0, 4.0]]
    layer.bias.data[...] = [10.0, 20.0]
    out = layer(Tensor([[1.0, 1.0], [2.0, -1.0]]))
    # [1,1] @ W = [4, 6] ; [2,-1] @ W = [-1, 0]
    assert np.array_equal(out.data, [[14.0, 26.0], [9.0, 20.0]])


def test_linear_forward_and_call_agree_and_input_untouched():
    layer = Linear(3, 2)
    x = Tensor(np.random.randn(4, 3))
    before = x.data.copy()
    assert np.array_equal(layer(x).data, layer.forward(x).data)
    assert np.array_equal(x.data, before)


def test_linear_sees_in_place_weight_updates():
    """Optimizers (module 06) update weight.data in place; the layer must use the new values."""
    layer = Linear(2, 1)
    layer.weight.data -= layer.weight.data  # in place, as an optimizer does
    layer.bias.data += 1.5
    assert np.array_equal(layer(Tensor(np.random.randn(3, 2))).data, np.full((3, 1), 1.5))


def test_layers_can_share_a_weight_tensor():
    a, b = Linear(3, 3), Linear(3, 3)
    b.weight = a.weight
    x = np.random.randn(2, 3)
    a.weight.data *= 2.0
    np.testing.assert_allclose(b(Tensor(x)).data, x @ a.weight.data, atol=1e-5)
    assert b.parameters()[0] is a.parameters()[0]


# ---- Linear: bad input -------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 5), (5,), (2, 3, 2)])
def test_linear_rejects_wrong_input_width(shape):
    with pytest.raises(ValueError) as error:
        Linear(3, 2)(Tensor(np.ones(shape)))
    message = str(error.value)
    assert str(shape) in message and "3" in message


def test_linear_rejects_scalar_and_non_tensor_input():
    with pytest.raises(ValueError, match=r"\(\)"):
        Linear(1, 2)(Tensor(1.0))
    with pytest.raises(TypeError, match="Tensor"):
        Linear(2, 2)(np.ones((1, 2)))
    with pytest.raises(TypeError, match="Tensor"):
        Linear(2, 2)([[1.0, 2.0]])


@pytest.mark.parametrize("n_in, n_out", [(0, 3), (3, 0), (-1, 2)])
def test_linear_rejects_non_positive_sizes(n_in, n_out):
    with pytest.raises(ValueError, match="positive"):
        Linear(n_in, n_out)


@pytest.mark.parametrize("n_in, n_out", [(2.0, 3), (3, "4"), (True, 3), (None, 2)])
def test_linear_rejects_non_integer_sizes(n_in, n_out):
    with pytest.raises(TypeError, match="int"):
        Linear(n_in, n_out)


def test_linear_accepts_numpy_integer_sizes():
    layer = Linear(np.int64(3), np.int32(2))
    assert layer.weight.shape == (3, 2) and type(layer.in_features) is int


# ---- Dropout ---------------------------------------------------------------------------------
def test_dropout_defaults():
    drop = Dropout()
    assert drop.p == 0.5 and drop.training is True and drop.parameters() == []


def test_dropout_eval_mode_is_identity():
    drop = Dropout(0.7)
    drop.training = False
    x = Tensor(np.random.randn(4, 6))
    assert np.array_equal(drop(x).data, x.data)


def test_dropout_zero_probability_is_identity_in_training():
    x = Tensor(np.random.randn(4, 6))
    assert np.array_equal(Dropout(0.0)(x).data, x.data)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_training_statistics(p):
    n = 40_000
    x = np.random.uniform(0.5, 1.5, size=(200, 200))
    out = Dropout(p)(Tensor(x)).data
    kept = out != 0
    # each kept value is the input scaled by 1 / (1 - p)
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-6)
    # the kept fraction is Binomial(n, 1 - p) / n: allow 5 standard deviations
    assert abs(kept.mean() - (1 - p)) < 5 * math.sqrt(p * (1 - p) / n)
    # inverted scaling keeps the mean
    assert abs(out.mean() / x.mean() - 1.0) < 0.05


def test_dropout_hand_worked_mask():
    """With the global RNG seeded, the mask is exactly `np.random.random(shape) >= p`."""
    np.random.seed(7)
    expected_keep = np.random.random((3, 4)) >= 0.5
    np.random.seed(7)
    out = Dropout(0.5)(Tensor(np.ones((3, 4)))).data
    assert np.array_equal(out, np.where(expected_keep, 2.0, 0.0))


def test_dropout_draws_a_new_mask_each_call_and_keeps_shape():
    drop = Dropout(0.5)
    x = Tensor(np.ones((2, 3, 8, 8)))
    a, b = drop(x), drop(x)
    assert a.shape == b.shape == (2, 3, 8, 8)
    assert not np.array_equal(a.data, b.data)


@FEW
@given(st.floats(0.0, 0.95), st.integers(1, 50))
def test_dropout_outputs_are_zero_or_scaled_input(p, n):
    x = np.random.uniform(1.0, 2.0, size=n)
    out = Dropout(p)(Tensor(x)).data
    scaled = (x / (1.0 - p)).astype(np.float32)
    assert np.all(np.isclose(out, 0.0) | np.isclose(out, scaled, rtol=1e-6))


def test_dropout_input_untouched():
    x = Tensor(np.random.randn(5, 5))
    before = x.data.copy()
    Dropout(0.5)(x)
    assert np.array_equal(x.data, before)


@pytest.mark.parametrize("p", [1.0, 1.5, -0.1, float("nan")])
def test_dropout_rejects_probability_outside_range(p):
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        Dropout(p)


@pytest.mark.parametrize("p", ["0.5", None, True, [0.5]])
def test_dropout_rejects_non_number_probability(p):
    with pytest.raises(TypeError, match="number"):
        Dropout(p)


def test_dropout_rejects_non_tensor_input():
    with pytest.raises(TypeError, match="Tensor"):
        Dropout(0.5)(np.ones(3))


# ---- integration: explicit models, no container ----------------------------------------------
def test_two_layer_net_matches_numpy():
    model = TwoLayerMLP(4, 8, 3)
    for p in model.parameters():
        p.data[...] = np.random.randn(*p.shape)
    x = np.random.randn(6, 4)
    w1, b1, w2, b2 = (p.data for p in model.parameters())
    expected = np.maximum(x @ w1 + b1, 0.0) @ w2 + b2
    np.testing.assert_allclose(model.forward(Tensor(x)).data, expected, rtol=1e-5, atol=1e-5)


def test_two_layer_net_parameters_and_eval_mode():
    model = TwoLayerMLP(10, 20, 5, dropout=0.5)
    params = model.parameters()
    assert [p.shape for p in params] == [(10, 20), (20,), (20, 5), (5,)]
    assert sum(p.size for p in params) == 10 * 20 + 20 + 20 * 5 + 5
    assert all(p.requires_grad for p in params)
    x = Tensor(np.random.randn(3, 10))
    model.dropout.training = False
    assert np.array_equal(model.forward(x).data, model.forward(x).data)  # deterministic in eval
    model.dropout.training = True
    assert not np.array_equal(model.forward(x).data, model.forward(x).data)


def test_three_layer_classifier_on_sequences_gives_distributions():
    first, second = Linear(6, 16), Linear(16, 4)
    x = Tensor(np.random.randn(2, 5, 6))
    probs = Softmax()(second(Tanh()(first(x))))
    assert probs.shape == (2, 5, 4)
    np.testing.assert_allclose(probs.data.sum(axis=-1), 1.0, atol=1e-6)
