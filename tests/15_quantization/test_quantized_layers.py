"""QuantizedLinear and quantize_model: memory measured from arrays, outputs close, originals untouched."""

import numpy as np
import pytest
from testkit.models import Identity

from tinytorch.core.layers import Layer, Linear
from tinytorch.core.tensor import Tensor
from tinytorch.perf.quantization import QuantizedLinear, compare_model_sizes, exact_accumulator_dtype, quantize_model


class Stack:
    """Layers reachable three ways: an attribute, a list and a dict."""

    def __init__(self):
        self.first = Linear(6, 12)
        self.middle = [Linear(12, 12)]
        self.heads = {"out": Linear(12, 3)}

    def forward(self, x):
        x = self.first(x)
        x = self.middle[0](x)
        return self.heads["out"](x)

    def parameters(self):
        return self.first.parameters() + self.middle[0].parameters() + self.heads["out"].parameters()


class Tied:
    """One Linear used twice."""

    def __init__(self):
        self.shared = Linear(5, 5)
        self.again = self.shared

    def forward(self, x):
        return self.again(self.shared(x))

    def parameters(self):
        return self.shared.parameters()


def float_forward(linear, x):
    return x @ linear.weight.data + linear.bias.data


def test_quantized_linear_stores_int8_and_saves_four_times_on_weights():
    layer = QuantizedLinear(Linear(64, 32))
    usage = layer.memory_usage()
    assert layer.weight_q.data.dtype == np.int8
    assert usage["quantized_bytes"] == 64 * 32 * 1 + 32 * 4
    assert usage["original_bytes"] == 64 * 32 * 4 + 32 * 4
    assert usage["compression_ratio"] == pytest.approx(usage["original_bytes"] / usage["quantized_bytes"])


def test_quantized_linear_output_is_close_to_float_on_both_paths():
    linear = Linear(32, 16)
    x = np.random.randn(8, 32).astype(np.float32)
    expected = float_forward(linear, x)
    layer = QuantizedLinear(linear)
    weight_step = layer.weight_scale
    # Each output sums 32 products whose weight error is at most half a step.
    bound = 32 * np.abs(x).max() * weight_step / 2
    assert np.max(np.abs(layer(Tensor(x)).data - expected)) <= bound
    layer.calibrate(Tensor(x))
    assert layer.calibrated
    assert np.max(np.abs(layer(Tensor(x)).data - expected)) <= 3 * bound


def test_integer_path_does_not_overflow_on_extreme_values():
    linear = Linear(256, 4)
    linear.weight.data[:] = 1.0
    x = np.full((2, 256), 50.0, dtype=np.float32)
    layer = QuantizedLinear(linear)
    layer.calibrate(Tensor(np.concatenate([x, -x])))
    out = layer(Tensor(x)).data
    assert np.allclose(out, float_forward(linear, x), rtol=0.02)


def test_integer_path_matches_a_hand_computed_int8_matmul():
    """Quantize input and weight by the formulas, multiply the integers, rescale: the layer must agree."""
    linear = Linear(6, 3)
    x = np.random.randn(4, 6).astype(np.float32)
    layer = QuantizedLinear(linear)
    layer.calibrate(Tensor(x))
    w_scale = np.abs(linear.weight.data).max() / 127
    w_q = np.round(linear.weight.data.astype(np.float64) / w_scale)
    lo, hi = min(x.min(), 0.0), max(x.max(), 0.0)
    x_scale = (hi - lo) / 255
    x_zero = round(-128 - lo / x_scale)
    x_q = np.clip(np.round(x.astype(np.float64) / x_scale) + x_zero, -128, 127)
    expected = (x_q - x_zero) @ w_q * (x_scale * w_scale) + linear.bias.data
    assert np.array_equal(layer.weight_q.data, w_q.astype(np.int8))
    assert np.allclose(layer(Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


def asymmetric_params(lo, hi):
    """The module's affine formula worked out by hand: scale and zero point of [lo, hi] widened to 0."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = (hi - lo) / 255
    return scale, round(-128 - lo / scale)


def test_calibrate_takes_the_range_over_batches_of_different_sizes():
    """The minimum sits in a small 3-D batch, the maximum in a larger 2-D ndarray batch."""
    layer = QuantizedLinear(Linear(4, 2))
    low = Tensor(np.array([[[-3.0, 0.5, 0.1, 0.2]]]))  # (1, 1, 4)
    high = np.array([[0.1, 0.2, 0.3, 0.4]] * 4 + [[0.0, 5.0, 1.0, 1.0]])  # (5, 4), a plain ndarray
    layer.calibrate([low, high])
    scale, zero_point = asymmetric_params(-3.0, 5.0)
    assert layer.input_scale == pytest.approx(scale) and layer.input_zero_point == zero_point
    layer.calibrate((high, low))  # a tuple of batches, in the other order
    assert layer.input_scale == pytest.approx(scale) and layer.input_zero_point == zero_point


def test_calibrate_accepts_one_ndarray_as_one_batch():
    layer = QuantizedLinear(Linear(3, 2))
    data = np.array([[-0.5, 2.0, 1.0], [0.25, -1.0, 4.0]])
    layer.calibrate(data)
    scale, zero_point = asymmetric_params(-1.0, 4.0)
    assert layer.input_scale == pytest.approx(scale) and layer.input_zero_point == zero_point


def test_narrow_layers_accumulate_in_float32_and_wide_ones_in_float64():
    """255 * 128 = 32,640 per product: 514 of them stay within float32's exact integers (2**24), 515 may not."""
    assert exact_accumulator_dtype(1) is np.float32
    assert exact_accumulator_dtype(514) is np.float32 and 514 * 32_640 <= 2**24
    assert exact_accumulator_dtype(515) is np.float64 and 515 * 32_640 > 2**24


@pytest.mark.parametrize("in_features", [40, 600])
def test_integer_path_equals_integer_arithmetic_on_both_sides_of_the_float32_bound(in_features):
    """The float BLAS product on integer values gives the integer sums: compare with int64 arithmetic."""
    linear = Linear(in_features, 5)
    x = np.random.randn(7, in_features).astype(np.float32)
    layer = QuantizedLinear(linear)
    layer.calibrate(Tensor(x))
    x_q = np.clip(np.round(x.astype(np.float64) / layer.input_scale) + layer.input_zero_point, -128, 127)
    sums = (x_q.astype(np.int64) - layer.input_zero_point) @ layer.weight_q.data.astype(np.int64)
    expected = sums * (layer.input_scale * layer.weight_scale) + linear.bias.data
    assert np.allclose(layer(Tensor(x)).data, expected, rtol=1e-6, atol=1e-6)


def test_the_weights_float_copy_holds_the_int8_integers_and_is_reported_as_memory_not_storage():
    """BLAS multiplies weight_for_blas: the int8 integers as floats, counted in working_bytes, not in what is stored."""
    narrow, wide = QuantizedLinear(Linear(64, 32)), QuantizedLinear(Linear(600, 3))
    for layer, dtype in ((narrow, np.float32), (wide, np.float64)):
        assert layer.weight_for_blas.dtype == dtype and np.array_equal(layer.weight_for_blas, layer.weight_q.data)
        assert layer.memory_usage()["working_bytes"] == layer.weight_q.data.size * np.dtype(dtype).itemsize
    assert all(p.data.dtype != np.float32 or p.data.ndim == 1 for p in narrow.parameters())  # stored: int8 + bias
    assert compare_model_sizes(Linear(64, 32), narrow)["quantized_bytes"] == 64 * 32 + 32 * 4


def test_set_input_range_is_what_calibrate_sets_and_its_bounds_land_on_the_extreme_levels():
    """clip(x, low, high) * (1 / scale) rounds to -128 - zero_point at low and 127 - zero_point at high."""
    x = np.array([[-0.7, 0.1, 2.3]], dtype=np.float32)
    by_data, by_range = QuantizedLinear(Linear(3, 2)), QuantizedLinear(Linear(3, 2))
    by_data.calibrate(Tensor(x))
    by_range.set_input_range(-0.7, 2.3)
    assert (by_range.input_scale, by_range.input_zero_point) == asymmetric_params(-0.7, 2.3)
    assert by_data.input_scale == pytest.approx(by_range.input_scale)
    assert by_data.input_zero_point == by_range.input_zero_point
    low, high, to_steps, to_output = by_range.input_constants
    zero = by_range.input_zero_point
    assert np.rint(low * to_steps) == -128 - zero and np.rint(high * to_steps) == 127 - zero
    assert to_steps == pytest.approx(1 / by_range.input_scale, rel=1e-6)
    assert to_output == pytest.approx(by_range.input_scale * by_range.weight_scale, rel=1e-6)
    assert all(c.dtype == np.float32 for c in by_range.input_constants)
    by_range.set_input_range(-1e-44, 1e-44)  # a scale below float32's normal range: worked in float64
    assert all(c.dtype == np.float64 for c in by_range.input_constants)


def test_every_input_level_matches_the_formula_to_within_one_step_at_exact_halves():
    """Inputs on every level and exactly halfway between levels: the integers the layer multiplies are
    the formula's, or one level apart where float rounding of the scale decides a tie."""
    linear = Linear(1, 1)
    linear.weight.data[:] = 1.0
    linear.bias.data[:] = 0.0
    layer = QuantizedLinear(linear)
    layer.set_input_range(0.0, 1.0)
    scale, zero = layer.input_scale, layer.input_zero_point
    levels = np.arange(-128, 128) - zero
    inputs = np.concatenate([levels * scale, (levels[:-1] + 0.5) * scale]).astype(np.float32)[:, None]
    expected_steps = np.clip(np.round(inputs.astype(np.float64) / scale) + zero, -128, 127) - zero
    steps = layer(Tensor(inputs)).data / (scale * layer.weight_scale * 127)  # the weight 1.0 quantizes to 127
    assert np.max(np.abs(steps - expected_steps)) <= 1 + 1e-4
    on_levels = len(levels)
    assert np.allclose(steps[:on_levels], expected_steps[:on_levels], atol=1e-4), "inputs on a level land on it"


def test_integer_path_divides_in_float64_when_the_scale_is_below_float32_range():
    """Inputs around 1e-44 give an input scale that is 0 in float32 (0 / 0 would be NaN)."""
    linear = Linear(3, 2)
    linear.bias.data[:] = [1.0, -2.0]
    x = np.array([[1e-44, -3e-45, 0.0]], dtype=np.float32)
    layer = QuantizedLinear(linear)
    layer.calibrate(Tensor(x))
    assert layer.input_scale < np.finfo(np.float32).tiny
    out = layer(Tensor(x)).data
    assert np.all(np.isfinite(out)) and np.allclose(out, [[1.0, -2.0]])


def test_inputs_beyond_the_calibrated_range_are_clipped():
    """Far outside the range, every input maps to the extreme levels -128 and 127."""
    linear = Linear(2, 2)
    layer = QuantizedLinear(linear)
    layer.calibrate(Tensor(np.array([[-1.0, 1.0]])))
    far = layer(Tensor(np.array([[-5.0, 9.0]]))).data
    farther = layer(Tensor(np.array([[-50.0, 90.0]]))).data
    assert np.array_equal(far, farther)
    scale, zero = layer.input_scale, layer.input_zero_point
    edges = np.array([[(-128 - zero) * scale, (127 - zero) * scale]])
    assert np.allclose(far, float_forward(linear, edges), atol=0.02)


def test_quantizing_leaves_the_float_layer_unchanged():
    linear = Linear(4, 4)
    before = linear.weight.data.copy()
    QuantizedLinear(linear)
    assert np.array_equal(linear.weight.data, before)


def test_bad_inputs_are_rejected_clearly():
    with pytest.raises(TypeError):
        QuantizedLinear(np.zeros((3, 3)))
    layer = QuantizedLinear(Linear(4, 2))
    with pytest.raises(ValueError, match="last dimension 4"):
        layer(Tensor(np.zeros((3, 5))))
    with pytest.raises(ValueError):
        layer.calibrate([])
    with pytest.raises(ValueError):
        layer.calibrate(Tensor(np.array([[1.0, np.nan, 0.0, 0.0]])))


def test_quantize_model_replaces_every_reachable_linear_and_keeps_the_original():
    model = Stack()
    weights_before = [p.data.copy() for p in model.parameters()]
    quantized = quantize_model(model)
    assert isinstance(quantized.first, QuantizedLinear)
    assert isinstance(quantized.middle[0], QuantizedLinear)
    assert isinstance(quantized.heads["out"], QuantizedLinear)
    assert isinstance(model.first, Linear) and isinstance(model.heads["out"], Linear)
    for before, p in zip(weights_before, model.parameters()):
        assert np.array_equal(before, p.data)


def test_shared_linear_is_quantized_once():
    quantized = quantize_model(Tied())
    assert quantized.shared is quantized.again
    assert isinstance(quantized.shared, QuantizedLinear)


def test_calibration_sees_each_layers_own_inputs():
    model = Stack()
    x = Tensor(np.random.randn(10, 6))
    quantized = quantize_model(model, calibration_data=[x])
    first_inputs = x.data
    hidden = float_forward(model.first, first_inputs)
    assert quantized.first.input_scale == pytest.approx((max(first_inputs.max(), 0) - min(first_inputs.min(), 0)) / 255)
    assert quantized.middle[0].input_scale == pytest.approx((max(hidden.max(), 0) - min(hidden.min(), 0)) / 255, rel=0.05)
    assert all(layer.observed_range is None for layer in (quantized.first, quantized.middle[0], quantized.heads["out"]))


def test_compare_model_sizes_counts_bytes_of_both_models():
    model = Stack()
    sizes = compare_model_sizes(model, quantize_model(model))
    weights = 6 * 12 + 12 * 12 + 12 * 3
    biases = 12 + 12 + 3
    assert sizes["original_bytes"] == (weights + biases) * 4
    assert sizes["quantized_bytes"] == weights + biases * 4
    assert sizes["bytes_saved"] == sizes["original_bytes"] - sizes["quantized_bytes"]


def test_quantized_linear_is_a_layer_without_a_gradient_graph():
    layer = QuantizedLinear(Linear(3, 2))
    out = layer(Tensor(np.ones((1, 3)), requires_grad=True))
    assert isinstance(layer, Layer) and not out.requires_grad


def test_linear_inside_a_tuple_is_reported_not_skipped():
    class Frozen:
        def __init__(self):
            self.pair = (Linear(2, 2), Linear(2, 2))

        def forward(self, x):
            return self.pair[1](self.pair[0](x))

        def parameters(self):
            return self.pair[0].parameters() + self.pair[1].parameters()

    with pytest.raises(TypeError, match="tuple"):
        quantize_model(Frozen())


def test_model_without_linear_layers_is_rejected():
    with pytest.raises(ValueError, match="no Linear"):
        quantize_model(Identity())  # a model without a Linear layer
    with pytest.raises(TypeError):
        quantize_model(object())


def test_calibration_data_may_be_a_single_input():
    model = Stack()
    x = Tensor(np.random.randn(10, 6))
    single, listed = quantize_model(model, calibration_data=x), quantize_model(model, calibration_data=[x])
    assert single.first.calibrated
    assert (single.first.input_scale, single.first.input_zero_point) == (listed.first.input_scale, listed.first.input_zero_point)
