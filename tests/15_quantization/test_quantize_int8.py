"""quantize_int8 / dequantize_int8: the affine map, checked against its definition."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tinytorch.core.tensor import Tensor
from tinytorch.perf.quantization import Quantizer, dequantize_int8, quantization_params, quantize_int8

finite_floats = st.floats(-1e3, 1e3, allow_nan=False, width=32)
float_arrays = arrays(np.float32, st.integers(1, 40), elements=finite_floats)


def test_asymmetric_params_follow_the_formula():
    scale, zero_point = quantization_params(-1.0, 3.0)
    assert scale == pytest.approx(4.0 / 255)
    assert zero_point == round(-128 + 1.0 / (4.0 / 255))


def test_symmetric_params_follow_the_formula():
    scale, zero_point = quantization_params(-2.0, 0.5, symmetric=True)
    assert scale == pytest.approx(2.0 / 127) and zero_point == 0


def test_range_is_widened_to_contain_zero():
    """All-positive values still map 0.0 to the zero point."""
    scale, zero_point = quantization_params(2.0, 4.0)
    assert scale == pytest.approx(4.0 / 255) and zero_point == -128


def test_all_zero_tensor_round_trips_exactly():
    q, scale, zero_point = quantize_int8(Tensor(np.zeros(5)))
    assert np.array_equal(dequantize_int8(q, scale, zero_point).data, np.zeros(5, dtype=np.float32))


@settings(max_examples=30, deadline=None)
@given(float_arrays, st.booleans())
def test_round_trip_error_is_at_most_half_a_step(values, symmetric):
    q, scale, zero_point = quantize_int8(Tensor(values), symmetric=symmetric)
    assert q.data.dtype == np.int8
    restored = dequantize_int8(q, scale, zero_point).data
    assert restored.dtype == np.float32
    assert np.all(np.abs(restored - values) <= scale / 2 * (1 + 1e-4) + 1e-6)


@settings(max_examples=30, deadline=None)
@given(float_arrays)
def test_zero_is_exact_and_extremes_use_the_full_range(values):
    values = np.append(values, np.float32(0.0))
    q, scale, zero_point = quantize_int8(Tensor(values))
    assert dequantize_int8(q, scale, zero_point).data[-1] == 0.0
    if values.max() > 0 and values.min() < 0:
        assert q.data.min() <= -127 and q.data.max() >= 126


def test_dequantize_subtracts_in_wide_integers():
    """-128 - 127 must not wrap around in int8."""
    restored = dequantize_int8(Tensor(np.array([-128], dtype=np.int8)), 1.0, 127)
    assert restored.data[0] == -255.0


def test_dequantize_accepts_a_plain_int8_ndarray():
    restored = dequantize_int8(np.array([-128, 0, 127], dtype=np.int8), 0.5, -2)
    assert isinstance(restored, Tensor) and restored.data.dtype == np.float32
    assert np.array_equal(restored.data, [-63.0, 1.0, 64.5])  # (q + 2) * 0.5
    assert dequantize_int8(np.array([-128], dtype=np.int8), 1.0, 127).data[0] == -255.0  # no int8 wrap-around


def test_tiny_values_do_not_overflow_the_division():
    """A float32 scale of 1e-42 / 127 underflows to 0; the division must not produce inf."""
    values = np.array([1e-42, -3e-43, 0.0], dtype=np.float32)
    for symmetric in (False, True):
        q, scale, zero_point = quantize_int8(Tensor(values), symmetric=symmetric)
        restored = dequantize_int8(q, scale, zero_point).data
        assert np.all(np.abs(restored.astype(np.float64) - values) <= scale / 2 * (1 + 1e-6))


def test_dequantize_rejects_float_input():
    with pytest.raises(TypeError):
        dequantize_int8(Tensor(np.array([0.5, 1.5])), 0.1, 0)


def test_input_tensor_is_not_modified():
    values = np.array([0.3, -0.7, 1.1], dtype=np.float32)
    tensor = Tensor(values.copy())
    quantize_int8(tensor)
    assert np.array_equal(tensor.data, values)


@pytest.mark.parametrize("bad", [np.array([], dtype=np.float32), np.array([1.0, np.nan]), np.array([np.inf, 0.0])])
def test_empty_or_non_finite_input_is_rejected(bad):
    with pytest.raises(ValueError):
        quantize_int8(Tensor(bad))


def test_quantizer_namespace_exposes_the_same_operations():
    assert Quantizer.quantize_int8 is quantize_int8
    assert Quantizer.dequantize_int8 is dequantize_int8
