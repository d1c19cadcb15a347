"""Module 02 (Activations): values against numpy formulas, properties, stability, shapes, bad input.

Expected values come from plain numpy written here (float64), from hand-worked
numbers, or from math.erf for the exact GELU; never from the classes under test.
Gradients are module 05's business: this suite does not import autograd.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays
from testkit.references import softmax

from tinytorch.core.activations import GELU, ReLU, Sigmoid, Softmax, Tanh, sums_along
from tinytorch.core.tensor import Tensor

FEW = settings(max_examples=30, deadline=None, derandomize=True)  # same examples on every run
ELEMENTWISE = [Sigmoid, ReLU, Tanh, GELU]


# ---- independent numpy references (float64) ---------------------------------------------
def ref_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def ref_relu(x):
    return np.where(x > 0, x, 0.0)


def ref_tanh(x):
    return (np.exp(2 * x) - 1.0) / (np.exp(2 * x) + 1.0)


def ref_gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


def ref_gelu_exact(x):
    return x * 0.5 * (1.0 + np.vectorize(math.erf)(x / np.sqrt(2.0)))


REFERENCES = {Sigmoid: ref_sigmoid, ReLU: ref_relu, Tanh: ref_tanh, GELU: ref_gelu_tanh}

moderate = arrays(np.float64, array_shapes(min_dims=1, max_dims=3, max_side=5),
                  elements=st.floats(-8, 8, allow_nan=False))


# ---- forward values --------------------------------------------------------------------
@pytest.mark.parametrize("cls", ELEMENTWISE)
def test_elementwise_matches_numpy_formula(cls):
    x = np.random.uniform(-6, 6, size=(4, 7))
    out = cls()(Tensor(x))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, REFERENCES[cls](x), atol=1e-6, rtol=1e-5)


def test_hand_worked_values():
    assert np.allclose(Sigmoid()(Tensor([0.0])).data, [0.5])
    assert np.allclose(Sigmoid()(Tensor([math.log(3.0)])).data, [0.75])  # 1 / (1 + 1/3)
    assert np.array_equal(ReLU()(Tensor([-1.5, 0.0, 2.5])).data, [0.0, 0.0, 2.5])
    assert np.allclose(Tanh()(Tensor([math.log(2.0)])).data, [0.6])  # (4 - 1) / (4 + 1)
    assert np.allclose(GELU()(Tensor([0.0])).data, [0.0])
    # softmax of [ln 1, ln 2, ln 5] is [1, 2, 5] / 8
    out = Softmax()(Tensor([[0.0, math.log(2.0), math.log(5.0)]])).data
    assert np.allclose(out, [[0.125, 0.25, 0.625]], atol=1e-6)


def test_gelu_is_the_tanh_approximation_close_to_exact():
    x = np.linspace(-6, 6, 241)
    out = GELU()(Tensor(x)).data
    np.testing.assert_allclose(out, ref_gelu_tanh(x), atol=1e-5)
    assert np.max(np.abs(out - ref_gelu_exact(x))) < 1e-3
    # the approximation is not the exact erf form (documented choice)
    assert np.max(np.abs(out - ref_gelu_exact(x))) > 1e-5
    # the dip below zero sits near x = -0.75 with depth about -0.17
    assert -0.175 < out.min() < -0.165 and abs(x[out.argmin()] + 0.75) < 0.06


@pytest.mark.parametrize("shape, dim", [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -3)])
def test_softmax_matches_numpy_along_dim(shape, dim):
    x = np.random.randn(*shape) * 3
    out = Softmax(dim=dim)(Tensor(x))
    assert out.shape == shape and out.dtype == np.float32
    np.testing.assert_allclose(out.data, softmax(x, dim), atol=1e-6)


def test_softmax_default_dim_is_last():
    x = np.random.randn(3, 4)
    np.testing.assert_allclose(Softmax()(Tensor(x)).data, softmax(x, -1), atol=1e-6)
    assert Softmax().dim == -1


# ---- properties --------------------------------------------------------------------------
@FEW
@given(moderate)
def test_softmax_is_a_distribution_along_its_axis(x):
    out = Softmax()(Tensor(x)).data
    assert np.all(out >= 0) and np.all(out <= 1)
    np.testing.assert_allclose(out.sum(axis=-1), 1.0, atol=1e-5)


@FEW
@given(moderate, st.floats(-500, 500))
def test_softmax_ignores_a_constant_shift(x, c):
    np.testing.assert_allclose(Softmax()(Tensor(x + c)).data, Softmax()(Tensor(x)).data, atol=1e-5)


@FEW
@given(st.lists(st.integers(-80, 80), min_size=6, max_size=6, unique=True))
def test_softmax_preserves_the_order_of_scores(tenths):
    x = np.array(tenths) / 10.0  # distinct even after the float32 conversion
    out = Softmax()(Tensor(x)).data
    assert np.argmax(out) == np.argmax(x)
    order = np.argsort(x)
    assert np.all(np.diff(out[order]) >= -1e-7)


@FEW
@given(moderate)
def test_sigmoid_strictly_inside_unit_interval_and_symmetric(x):
    x = np.clip(x * 2, -15, 15)  # float32 keeps sigmoid strictly inside (0, 1) on this range
    out = Sigmoid()(Tensor(x)).data
    assert np.all(out > 0) and np.all(out < 1)
    np.testing.assert_allclose(Sigmoid()(Tensor(-x)).data, 1.0 - out, atol=1e-6)


@FEW
@given(arrays(np.float64, (12,), elements=st.floats(-1e6, 1e6)))
def test_sigmoid_stays_in_closed_unit_interval_anywhere(x):
    out = Sigmoid()(Tensor(x)).data
    assert np.all(np.isfinite(out)) and np.all(out >= 0) and np.all(out <= 1)


@pytest.mark.parametrize("cls", [Sigmoid, ReLU, Tanh])
@FEW
@given(x=arrays(np.float64, (10,), elements=st.floats(-20, 20)))
def test_monotone_activations_never_decrease(cls, x):
    xs = np.sort(x)
    out = cls()(Tensor(xs)).data
    assert np.all(np.diff(out) >= 0)


def test_gelu_increases_to_the_right_of_its_dip():
    x = np.linspace(-0.7, 10, 500)
    assert np.all(np.diff(GELU()(Tensor(x)).data) >= 0)


@FEW
@given(moderate)
def test_tanh_odd_and_bounded(x):
    out = Tanh()(Tensor(x)).data
    assert np.all(np.abs(out) <= 1)
    np.testing.assert_allclose(Tanh()(Tensor(-x)).data, -out, atol=1e-7)


@FEW
@given(moderate)
def test_relu_keeps_positive_part(x):
    out = ReLU()(Tensor(x)).data
    np.testing.assert_allclose(out - ReLU()(Tensor(-x)).data, x.astype(np.float32), atol=1e-6)  # x = relu(x) - relu(-x)
    assert np.all(out >= 0)


# ---- stability for extreme inputs -------------------------------------------------------
EXTREMES = np.array([-1e6, -1e4, -1000.0, -100.0, -88.8, 88.8, 100.0, 1000.0, 1e4, 1e6])


@pytest.mark.parametrize("cls", ELEMENTWISE)
def test_elementwise_extreme_inputs_are_finite_and_saturate(cls):
    with np.errstate(over="raise", invalid="raise"):  # no intermediate overflows (a naive exp(-x) would)
        out = cls()(Tensor(EXTREMES)).data
    assert np.all(np.isfinite(out))
    big = np.abs(EXTREMES) >= 100
    limits = {
        Sigmoid: (EXTREMES > 0).astype(float),
        Tanh: np.sign(EXTREMES),
        ReLU: np.maximum(EXTREMES, 0),
        GELU: np.maximum(EXTREMES, 0),
    }[cls]
    np.testing.assert_allclose(out[big], limits[big], rtol=1e-6, atol=1e-6)


def test_relu_maps_minus_infinity_to_zero():
    assert np.array_equal(ReLU()(Tensor([-np.inf, np.inf])).data, [0.0, np.inf])


@pytest.mark.parametrize("logits, expected", [
    ([1000.0, 999.0], [1 / (1 + math.exp(-1)), 1 / (1 + math.exp(1))]),
    ([-1000.0, -1000.0, -1000.0], [1 / 3, 1 / 3, 1 / 3]),
    ([1e4, -1e4], [1.0, 0.0]),
    ([3e38, 3e38], [0.5, 0.5]),
])
def test_softmax_extreme_logits(logits, expected):
    with np.errstate(over="raise", invalid="raise"):  # no overflow anywhere inside
        out = Softmax()(Tensor([logits])).data
    np.testing.assert_allclose(out, [expected], atol=1e-6)


def test_naive_softmax_would_fail_where_ours_does_not():
    logits = np.array([[1000.0, 999.0]], dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(logits) / np.exp(logits).sum()
    assert np.isnan(naive).all()  # the problem is real in float32
    assert np.all(np.isfinite(Softmax()(Tensor(logits)).data))


# ---- shapes, purity, types ----------------------------------------------------------------
@pytest.mark.parametrize("cls", ELEMENTWISE)
@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4), (2, 1, 3, 2)])
def test_elementwise_keeps_shape(cls, shape):
    x = np.random.randn(*shape)
    out = cls()(Tensor(x))
    assert out.shape == shape
    np.testing.assert_allclose(out.data, REFERENCES[cls](x), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("cls", ELEMENTWISE + [Softmax])
def test_input_is_not_modified_and_output_is_new(cls):
    x = Tensor(np.random.randn(3, 4))
    before = x.data.copy()
    out = cls()(x)
    assert out is not x and out.data is not x.data
    assert np.array_equal(x.data, before)


@pytest.mark.parametrize("cls", ELEMENTWISE + [Softmax])
def test_forward_and_call_agree_and_no_parameters(cls):
    x = Tensor(np.random.randn(2, 5))
    activation = cls()
    assert np.array_equal(activation(x).data, activation.forward(x).data)
    assert activation.parameters() == []


@pytest.mark.parametrize("cls", ELEMENTWISE)
def test_integer_tensors_give_float_results(cls):
    out = cls()(Tensor(np.array([-2, 0, 3])))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, REFERENCES[cls](np.array([-2.0, 0.0, 3.0])), atol=1e-6)


# ---- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ELEMENTWISE + [Softmax])
@pytest.mark.parametrize("bad", [[1.0, 2.0], np.array([1.0, 2.0]), 3.0])
def test_non_tensor_input_is_a_type_error(cls, bad):
    with pytest.raises(TypeError, match="Tensor"):
        cls()(bad)


@pytest.mark.parametrize("dim", [2, -3, 5])
def test_softmax_dim_out_of_range(dim):
    with pytest.raises(ValueError, match=r"dim=.*out of range.*\(2, 3\)"):
        Softmax(dim=dim)(Tensor(np.zeros((2, 3))))


@pytest.mark.parametrize("dim", [1.0, "last", None, True])
def test_softmax_dim_must_be_an_int(dim):
    with pytest.raises(TypeError, match="dim"):
        Softmax(dim=dim)(Tensor(np.zeros((2, 3))))


def test_softmax_of_a_scalar_is_rejected():
    with pytest.raises(ValueError, match="0-d"):
        Softmax()(Tensor(1.0))


# ---- integration with module 01 ----------------------------------------------------------
def test_chained_with_tensor_operations():
    """A hand-built affine map (module 01 ops) followed by activations, against numpy."""
    x = np.random.randn(5, 3)
    w = np.random.randn(3, 4)
    b = np.random.randn(4)
    hidden = Tanh()(Tensor(x) @ Tensor(w) + Tensor(b))
    probs = Softmax()(GELU()(hidden) * 3.0)
    h = np.tanh(x @ w + b)
    expected = softmax(ref_gelu_tanh(h) * 3.0, -1)
    np.testing.assert_allclose(probs.data, expected, atol=1e-5)
    assert np.allclose(probs.data.sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_sums_along_every_axis_matches_numpy_and_keeps_the_axis(shape):
    """The last axis goes through a product with a shared column of ones, the others through np.sum."""
    a = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    for axis in range(-len(shape), len(shape)):
        sums = sums_along(a, axis)
        assert sums.shape == np.sum(a, axis=axis, keepdims=True).shape and sums.dtype == np.float32
        np.testing.assert_allclose(sums, np.sum(a, axis=axis, keepdims=True), rtol=1e-5, atol=1e-6)


def test_sums_along_gives_callers_their_own_array():
    """The column of ones is shared between calls: a caller editing its result must not change it."""
    a = np.ones((2, 3), dtype=np.float32)
    first = sums_along(a, 1)
    first *= 10.0  # as Softmax's callers may do with what they receive
    assert np.array_equal(sums_along(a, 1), [[3.0], [3.0]])


def test_sums_along_keeps_a_bounded_number_of_shared_columns():
    """Generation sums rows one length longer each token: the shared columns of ones must not pile up
    (the cache keeps the lengths used last), and every length still sums right."""
    import tinytorch.core.activations as activations

    for n in range(1, 300):
        assert sums_along(np.ones((1, n), dtype=np.float32), -1)[0, 0] == n
    assert activations._ones_column.cache_info().currsize <= 64
