# Generated from modules/15_quantization/quantization.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["FLOAT32_EXACT_INTEGERS", "FLOAT32_TINY", "quantization_params", "quantize_int8", "dequantize_int8", "exact_accumulator_dtype", "QuantizedLinear", "quantize_model", "model_bytes", "compare_model_sizes", "Quantizer"]


# modules/15_quantization/quantization.py:40
import copy
import types

import numpy as np

from tinytorch.core.layers import Layer, Linear
from tinytorch.core.tensor import Tensor
from tinytorch.perf.profiling import unique_parameters

INT8_MIN, INT8_MAX = -128, 127
FLOAT32_EXACT_INTEGERS = 2**24  # every integer of magnitude up to 2**24 is exact in float32
FLOAT32_TINY = float(np.finfo(np.float32).tiny)  # the smallest normal float32 (about 1.2e-38)


# modules/15_quantization/quantization.py:81
def _as_array(values):
    """The float ndarray behind a Tensor, array or list (float32, or float64 if it was)."""
    data = np.asarray(values.data if isinstance(values, Tensor) else values)
    return data if data.dtype == np.float64 else data.astype(np.float32, copy=False)  # callers only read it


def quantization_params(lo, hi, symmetric=False):
    """Scale and zero point that map the float range [lo, hi] onto int8."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if symmetric:
        bound = max(abs(lo), abs(hi))
        scale = bound / INT8_MAX if bound > 0 else 1.0
        return float(scale), 0
    if hi == lo:
        return 1.0, 0
    scale = (hi - lo) / (INT8_MAX - INT8_MIN)
    zero_point = int(np.clip(round(INT8_MIN - lo / scale), INT8_MIN, INT8_MAX))
    return float(scale), zero_point


def quantize_int8(tensor, symmetric=False):
    """Quantize a float tensor to int8 with one scale and zero point for all entries."""
    values = _as_array(tensor)
    if values.size == 0:
        raise ValueError("cannot quantize an empty tensor")
    if not np.all(np.isfinite(values)):
        raise ValueError("cannot quantize a tensor holding NaN or Inf")
    scale, zero_point = quantization_params(values.min(), values.max(), symmetric)
    q = np.clip(np.round(values.astype(np.float64) / scale) + zero_point, INT8_MIN, INT8_MAX)
    return Tensor(q.astype(np.int8)), scale, zero_point


def dequantize_int8(q_tensor, scale, zero_point):
    """Map int8 values back to float32: (q - zero_point) * scale."""
    q = q_tensor.data if isinstance(q_tensor, Tensor) else np.asarray(q_tensor)
    if q.dtype.kind not in "iu":
        raise TypeError(f"dequantize_int8 expects integer values, got dtype {q.dtype}")
    return Tensor(((q.astype(np.int32) - zero_point) * scale).astype(np.float32))


# modules/15_quantization/quantization.py:256
def exact_accumulator_dtype(in_features):
    """float32 when every sum of `in_features` int8 products is provably exact in float32, else float64."""
    largest_product = (INT8_MAX - INT8_MIN) * -INT8_MIN  # |x_q - zx| <= 255 times |w_q| <= 128
    return np.float32 if in_features * largest_product <= FLOAT32_EXACT_INTEGERS else np.float64


class QuantizedLinear(Layer):
    """A Linear layer whose weight is stored as int8 (4x less memory), for inference.

    Weights use symmetric quantization (zero point 0), so the integer matmul needs
    no weight-offset correction; inputs use the asymmetric range seen in calibration.
    Nothing here is trainable: the forward pass builds no autograd graph.
    """

    def __init__(self, linear):
        """Quantize the weight of an existing Linear layer (which stays unchanged)."""
        if not isinstance(linear, Linear):
            raise TypeError(f"QuantizedLinear wraps a Linear layer, got {type(linear).__name__}")
        self.in_features, self.out_features = linear.weight.shape
        self.weight_q, self.weight_scale, self.weight_zero_point = quantize_int8(linear.weight, symmetric=True)
        # The same integers as floats for BLAS (numpy has no int8 matrix product): a working copy
        # made once from weight_q, not stored (see memory_usage and the text above).
        self.weight_for_blas = self.weight_q.data.astype(exact_accumulator_dtype(self.in_features))
        self.bias = None if linear.bias is None else Tensor(linear.bias.data.copy())
        self.input_scale = None
        self.input_zero_point = None
        self.input_constants = None  # (lo, hi, 1 / input_scale, input_scale * weight_scale): set_input_range
        self.observed_range = None  # [lo, hi] of the inputs seen while quantize_model calibrates

    def set_input_range(self, lo, hi):
        """Quantize inputs over [lo, hi] from now on: input scale and zero point, and forward's constants."""
        scale, zero_point = quantization_params(lo, hi)
        self.input_scale, self.input_zero_point = scale, zero_point
        work = np.float32 if scale >= FLOAT32_TINY else np.float64  # audit: ignore[BITE006] at exactly FLOAT32_TINY both types hold 1 / scale
        constants = ((INT8_MIN - zero_point) * scale, (INT8_MAX - zero_point) * scale,
                     1.0 / scale, scale * self.weight_scale)
        self.input_constants = tuple(np.array(value, dtype=work) for value in constants)

    def calibrate(self, inputs):
        """Learn the input range from representative inputs (a Tensor or a list of them)."""
        batches = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        if not batches:
            raise ValueError("calibrate needs at least one input batch")
        arrays = [_as_array(batch) for batch in batches]
        if any(a.size == 0 or not np.all(np.isfinite(a)) for a in arrays):
            raise ValueError("calibration inputs must be non-empty and finite")
        lo = min(float(a.min()) for a in arrays)
        hi = max(float(a.max()) for a in arrays)
        self.set_input_range(lo, hi)

    @property
    def calibrated(self):
        return self.input_constants is not None

    def forward(self, x):
        """y = x @ W + b, computed from the int8 weight (and int8 input once calibrated)."""
        data = _as_array(x)
        if data.shape[-1] != self.in_features:
            raise ValueError(f"QuantizedLinear expects last dimension {self.in_features}, got input shape {data.shape}")
        if self.observed_range is not None:  # quantize_model is calibrating: remember the range
            self.observed_range = [min(self.observed_range[0], float(data.min())),
                                   max(self.observed_range[1], float(data.max()))]
        if self.input_constants is None:
            out = data @ dequantize_int8(self.weight_q, self.weight_scale, self.weight_zero_point).data
        else:
            low, high, to_steps, to_output = self.input_constants
            # The array's own clip method: np.clip reaches the same loop through several Python layers.
            steps = data.clip(low, high)  # the one new input-sized array: scaled and rounded in place
            steps *= to_steps
            np.rint(steps, out=steps)  # the integers x_q - input_zero_point, in [-128 - zx, 127 - zx]
            out = steps @ self.weight_for_blas  # integers held as floats: BLAS, exact sums (see above)
            out *= to_output
        if self.bias is not None:
            out += self.bias.data
        return Tensor(out)  # float32 (a float64 product of a wide layer is stored as float32)

    def parameters(self):
        """What the layer stores: the int8 weight and the float bias (not trainable)."""
        return [self.weight_q] + ([self.bias] if self.bias is not None else [])

    def memory_usage(self):
        """Bytes of the float32 layer this replaced vs bytes stored now, from the arrays; and the
        bytes of the float working copy BLAS multiplies (held in memory only, not stored)."""
        stored = sum(p.data.nbytes for p in self.parameters())
        original = self.weight_q.data.size * 4 + (self.bias.data.nbytes if self.bias is not None else 0)
        return {"original_bytes": original, "quantized_bytes": stored, "compression_ratio": original / stored,
                "working_bytes": self.weight_for_blas.nbytes}


# modules/15_quantization/quantization.py:464
# Objects whose attributes are not part of a model: never searched for layers.
_NOT_MODEL_PARTS = (Tensor, np.ndarray, str, bytes, int, float, type, types.ModuleType,
                    types.FunctionType, types.MethodType, types.BuiltinFunctionType)


def _linear_slots(obj, seen=None):
    """(container, key, Linear) for every place a Linear sits, reachable from obj's attributes."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, _NOT_MODEL_PARTS):
        return []
    seen.add(id(obj))
    if isinstance(obj, dict):
        items = list(obj.items())
    elif isinstance(obj, (list, tuple)):
        items = list(enumerate(obj))
    elif hasattr(obj, "__dict__"):
        items = list(vars(obj).items())
    else:
        return []
    slots = []
    for key, value in items:
        if isinstance(value, Linear):
            if isinstance(obj, tuple):
                raise TypeError("a Linear inside a tuple cannot be replaced; keep layers in a list or an attribute")
            slots.append((obj, key, value))
        else:
            slots.extend(_linear_slots(value, seen))
    return slots


def _replace(container, key, layer):
    if isinstance(container, (dict, list)):
        container[key] = layer
    else:
        setattr(container, key, layer)


def _calibrate_in_place(model, quantized_layers, calibration_data):
    """Run the data through the model once; each layer takes the range of the inputs it received."""
    batches = calibration_data if isinstance(calibration_data, list) else [calibration_data]
    for layer in quantized_layers:
        layer.observed_range = [np.inf, -np.inf]
    try:
        for batch in batches:
            model.forward(*batch) if isinstance(batch, tuple) else model.forward(batch)
        for layer in quantized_layers:
            lo, hi = layer.observed_range
            if lo <= hi:  # a layer the data never reached stays weight-only
                layer.set_input_range(lo, hi)
    finally:
        for layer in quantized_layers:
            layer.observed_range = None


def quantize_model(model, calibration_data=None):
    """Return a copy of model with every Linear replaced by a QuantizedLinear.

    calibration_data: None (weights only), one input, or a list of inputs. An input
    that is a tuple is unpacked into forward's arguments, e.g. (x, mask) for a
    TransformerBlock: calibrate on the inputs the model will really see.
    """
    if not hasattr(model, "forward") or not hasattr(model, "parameters"):
        raise TypeError("quantize_model expects a model with forward() and parameters()")
    quantized = copy.deepcopy(model)
    if isinstance(quantized, Linear):
        layer = QuantizedLinear(quantized)
        if calibration_data is not None:
            _calibrate_in_place(layer, [layer], calibration_data)
        return layer
    slots = _linear_slots(quantized)
    if not slots:
        raise ValueError(f"{type(model).__name__} has no Linear layers to quantize")
    layers = {}
    for container, key, linear in slots:
        if id(linear) not in layers:  # a Linear shared by two places is quantized once
            layers[id(linear)] = QuantizedLinear(linear)
        _replace(container, key, layers[id(linear)])
    if calibration_data is not None:
        _calibrate_in_place(quantized, list(layers.values()), calibration_data)
    return quantized


def model_bytes(model):
    """Bytes held by a model's parameters, each tensor counted once."""
    return int(sum(p.data.nbytes for p in unique_parameters(model)))


def compare_model_sizes(original, quantized):
    """Measured sizes of two models and the ratio between them."""
    original_bytes, quantized_bytes = model_bytes(original), model_bytes(quantized)
    if quantized_bytes == 0:
        raise ValueError(f"{type(quantized).__name__} holds no parameters, so there is no size to compare")
    return {
        "original_bytes": original_bytes,
        "quantized_bytes": quantized_bytes,
        "compression_ratio": original_bytes / quantized_bytes,
        "bytes_saved": original_bytes - quantized_bytes,
    }


class Quantizer:
    """The quantization operations of this module in one namespace."""

    quantization_params = staticmethod(quantization_params)
    quantize_int8 = staticmethod(quantize_int8)
    dequantize_int8 = staticmethod(dequantize_int8)
    quantize_model = staticmethod(quantize_model)
    compare_model_sizes = staticmethod(compare_model_sizes)
    model_bytes = staticmethod(model_bytes)
