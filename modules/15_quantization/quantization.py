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
# Module 15: Quantization - Storing Weights in 8 Bits

A trained network stores every weight as a 32-bit float, but inference rarely
needs that precision: the weights of a layer sit in a narrow range, and 256 evenly
spaced levels describe that range well enough to keep the predictions. Quantization
stores each weight as an 8-bit integer plus one shared scale, making the weights
4x smaller.

You will build:
- `quantize_int8` / `dequantize_int8`: the affine map between floats and int8
- `QuantizedLinear`: a Linear layer (Module 03) that stores int8 weights and can
  also quantize its inputs after calibration
- `quantize_model` and `compare_model_sizes`: quantize the `Linear` layers of any
  model (an MLP, attention from Module 12, a GPT from Module 13) and measure what
  it saved

It builds on Module 01 (Tensor), Module 03 (Layers) and Module 14 (Profiling), where
you measured parameter bytes. Module 16 (Compression) removes weights instead of
shrinking them; the two combine.
"""

# %% nbgrader={"grade": false, "grade_id": "quantization-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp perf.quantization
#| export
import copy
import types

import numpy as np

from tinytorch.core.layers import Layer, Linear
from tinytorch.core.tensor import Tensor
from tinytorch.perf.profiling import unique_parameters

INT8_MIN, INT8_MAX = -128, 127
FLOAT32_EXACT_INTEGERS = 2**24  # every integer of magnitude up to 2**24 is exact in float32
FLOAT32_TINY = float(np.finfo(np.float32).tiny)  # the smallest normal float32 (about 1.2e-38)

# %% [markdown]
"""
## 1. The affine map between floats and integers

Pick the float range `[lo, hi]` of a tensor and spread 256 integer levels over it:

```
float:  lo ------------------ 0.0 ---------------------------- hi
          |                    |                               |
int8:  -128 ............. zero_point .......................  127

scale      = (hi - lo) / 255            # float step between two levels
q          = round(x / scale) + zero_point, clipped to [-128, 127]
x_restored = (q - zero_point) * scale
```

`zero_point` is the integer that stands for 0.0, so zero (padding, ReLU outputs,
pruned weights) is represented exactly. The rounding error of any value inside the
range is at most `scale / 2`.

*Symmetric* quantization forces `zero_point = 0` and uses `scale = max|x| / 127`:
simpler integer arithmetic, but it wastes levels when the values are lopsided
(e.g. all positive after ReLU). *Asymmetric* quantization (the default here) uses
the full range.
"""

# %% nbgrader={"grade": false, "grade_id": "quantize-int8", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _as_array(values):
    """The float ndarray behind a Tensor, array or list (float32, or float64 if it was)."""
    data = np.asarray(values.data if isinstance(values, Tensor) else values)
    return data if data.dtype == np.float64 else data.astype(np.float32, copy=False)  # callers only read it


def quantization_params(lo, hi, symmetric=False):
    """Scale and zero point that map the float range [lo, hi] onto int8.

    TODO: Return (scale, zero_point) for the range, widened to include 0.0.

    APPROACH:
    1. Widen the range so it contains 0 (zero must be exactly representable)
    2. Symmetric: scale = max(|lo|, |hi|) / 127, zero_point = 0
    3. Asymmetric: scale = (hi - lo) / 255, zero_point = round(-128 - lo / scale)
    4. A range of width 0 (all zeros) gets scale 1.0 so nothing divides by zero

    EXAMPLE:
    >>> quantization_params(-1.0, 1.0, symmetric=True)
    (0.007874015748031496, 0)

    HINTS:
    - Clip the zero point into [-128, 127]
    - Return the scale as a Python float and the zero point as a Python int
    """
    ### BEGIN SOLUTION
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
    ### END SOLUTION


def quantize_int8(tensor, symmetric=False):
    """Quantize a float tensor to int8 with one scale and zero point for all entries.

    TODO: Return (q_tensor, scale, zero_point) where q_tensor holds int8 data.

    APPROACH:
    1. Find the tensor's range and compute scale and zero point
    2. q = round(x / scale) + zero_point, clipped to [-128, 127], stored as int8

    EXAMPLE:
    >>> q, scale, zp = quantize_int8(Tensor([-1.0, 0.0, 2.0]))
    >>> q.data.dtype
    dtype('int8')

    HINTS:
    - np.round rounds half to even; that is fine
    - Divide in float64: a tiny float32 scale would underflow and turn x / scale into inf
    - Reject empty tensors and non-finite values with a ValueError
    """
    ### BEGIN SOLUTION
    values = _as_array(tensor)
    if values.size == 0:
        raise ValueError("cannot quantize an empty tensor")
    if not np.all(np.isfinite(values)):
        raise ValueError("cannot quantize a tensor holding NaN or Inf")
    scale, zero_point = quantization_params(values.min(), values.max(), symmetric)
    q = np.clip(np.round(values.astype(np.float64) / scale) + zero_point, INT8_MIN, INT8_MAX)
    return Tensor(q.astype(np.int8)), scale, zero_point
    ### END SOLUTION


def dequantize_int8(q_tensor, scale, zero_point):
    """Map int8 values back to float32: (q - zero_point) * scale.

    TODO: Return a float32 Tensor.

    HINTS:
    - Convert to int32 before subtracting so -128 - 127 does not wrap around
    """
    ### BEGIN SOLUTION
    q = q_tensor.data if isinstance(q_tensor, Tensor) else np.asarray(q_tensor)
    if q.dtype.kind not in "iu":
        raise TypeError(f"dequantize_int8 expects integer values, got dtype {q.dtype}")
    return Tensor(((q.astype(np.int32) - zero_point) * scale).astype(np.float32))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-quantize-int8", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_quantize_int8():
    """Round trip error is at most half a step; zero is exact; int8 storage."""
    values = np.array([-1.5, -0.2, 0.0, 0.7, 3.0], dtype=np.float32)
    q, scale, zero_point = quantize_int8(Tensor(values))
    assert q.data.dtype == np.int8
    assert abs(scale - 4.5 / 255) < 1e-7
    restored = dequantize_int8(q, scale, zero_point).data
    assert np.max(np.abs(restored - values)) <= scale / 2 + 1e-6
    assert restored[2] == 0.0, "zero must survive quantization exactly"
    q_sym, scale_sym, zp_sym = quantize_int8(Tensor(values), symmetric=True)
    assert zp_sym == 0 and abs(scale_sym - 3.0 / 127) < 1e-7
    assert q_sym.data.max() == 127
    q_zero, scale_zero, _ = quantize_int8(Tensor(np.zeros(3)), symmetric=True)
    assert scale_zero == 1.0 and np.array_equal(q_zero.data, [0, 0, 0]), "all zeros: any positive scale, here 1"


if __name__ == "__main__":
    test_unit_quantize_int8()

# %% [markdown]
"""
## 2. A quantized Linear layer

`QuantizedLinear` keeps the int8 weight, its scale (zero point 0: weights are
quantized symmetrically) and a float32 bias (one number per output; quantizing it
would save little). Its forward pass works in one of two ways:

```
weights only (default)         x (float) @ dequantize(W_q) + b
after calibrate(inputs)        x_q = quantize(x, calibrated range)      # int8 input
                               acc = (x_q - zx) @ W_q                   # int32 sums
                               y   = acc * (sx * sw) + b                # back to float
```

Calibration runs representative inputs through the layer to learn the range of
its activations (inputs outside that range are clipped later). The integer path
then computes what int8 hardware computes: products of int8 values summed in
int32, which cannot overflow below about 66,000 input features (255 * 128 per
product).

numpy has no fast integer matmul: an int32 product runs a plain loop, while a
float32 product goes to BLAS, often 10x faster or more. So we hold the *same
integers* in float32 and let BLAS multiply them. That changes no result as long as
every number on the way is an integer float32 represents exactly, i.e. of
magnitude at most 2**24 = 16,777,216:

```
|x_q - zx| <= 255,  |w_q| <= 128          each product:  |p| <= 255 * 128 = 32,640
a sum of K products (and every partial sum BLAS forms on the way, in any order):
                                          |s| <= K * 32,640 <= 2**24   while K <= 514
```

So layers with at most 514 input features compute in float32, wider ones in
float64 (exact up to 2**53): either way the sums are exactly the int32 sums, which
the tests check. Only the final rescaling `acc * (sx * sw)` rounds, as it always did.

Quantizing the input is where the int8 path pays: numpy makes one full pass over
the input per operation and cannot fuse them. Two rewrites keep it to three passes
and one new array, with the same integers as the formula:

```
x_q - zx = clip(round(x / sx) + zx, -128, 127) - zx      the formula
         = round(clip(x, lo, hi) * (1 / sx))              what forward runs
           lo = (-128 - zx) * sx,  hi = (127 - zx) * sx   the inputs that land on -128 and 127
```

Clipping first, in input units, folds the zero point into the bounds; multiplying
by the reciprocal replaces a division (which costs more per element). `lo`,
`hi`, `1 / sx` and `sx * sw` depend only on the calibrated range, so they are
worked out once, when the range is set, not on every call. (They can differ from
the formula in the last bit of a float, which moves an input lying exactly halfway
between two levels by one level: float rounding, not a different scheme.)

The weight side has a choice to make. BLAS needs float operands, so the integers
of `W_q` must be held as floats. Converting them on every call costs a pass over
the weights per call (on the digits MLP of `benchmarks/vs_pytorch.py`, about
0.08x of the float model's time); keeping the converted copy costs memory. This
layer keeps it: `weight_for_blas` is derived from `W_q` once, when the layer is
made, and holds exactly the same integers. What the layer *stores* (its
`parameters()`, what `compare_model_sizes` counts, what you would save or ship) is
still the int8 weight and its scale. In memory, though, this numpy layer holds
4 more bytes per weight than it stores, more than the float layer it replaced, and
`memory_usage()` says so (`working_bytes`). A real int8 kernel reads the int8
weights directly and needs no such copy: the copy is the price of running integer
arithmetic on a float BLAS, not part of quantization.
"""

# %% nbgrader={"grade": false, "grade_id": "quantized-linear", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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
        """Quantize the weight of an existing Linear layer (which stays unchanged).

        TODO: Store the int8 weight, its scale and zero point, its float working copy
        (weight_for_blas) and a copy of the bias.

        HINTS:
        - Use quantize_int8(linear.weight, symmetric=True)
        - weight_for_blas: weight_q's integers in exact_accumulator_dtype(in_features)
        - Keep `in_features`/`out_features` for error messages
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def set_input_range(self, lo, hi):
        """Quantize inputs over [lo, hi] from now on: input scale and zero point, and forward's constants.

        TODO: Set input_scale and input_zero_point, and input_constants = (low, high, 1 / scale,
        scale * weight_scale): the inputs that land on levels -128 and 127, and the two factors.

        APPROACH:
        1. scale, zero_point = quantization_params(lo, hi)
        2. low = (-128 - zero_point) * scale, high = (127 - zero_point) * scale
        3. Store the four constants as 0-d arrays of one float type: float32, or float64 when
           the scale is below float32's normal range (1 / scale would overflow float32)

        HINTS:
        - A ufunc takes a 0-d array as it is; a Python or NumPy scalar is converted on every call
        """
        ### BEGIN SOLUTION
        scale, zero_point = quantization_params(lo, hi)
        self.input_scale, self.input_zero_point = scale, zero_point
        work = np.float32 if scale >= FLOAT32_TINY else np.float64  # audit: ignore[BITE006] at exactly FLOAT32_TINY both types hold 1 / scale
        constants = ((INT8_MIN - zero_point) * scale, (INT8_MAX - zero_point) * scale,
                     1.0 / scale, scale * self.weight_scale)
        self.input_constants = tuple(np.array(value, dtype=work) for value in constants)
        ### END SOLUTION

    def calibrate(self, inputs):
        """Learn the input range from representative inputs (a Tensor or a list of them).

        TODO: Set the input range (set_input_range) from the min and max over all inputs.

        HINTS:
        - set_input_range(lo, hi) turns the range into the asymmetric scale and zero point
        """
        ### BEGIN SOLUTION
        batches = inputs if isinstance(inputs, (list, tuple)) else [inputs]
        if not batches:
            raise ValueError("calibrate needs at least one input batch")
        arrays = [_as_array(batch) for batch in batches]
        if any(a.size == 0 or not np.all(np.isfinite(a)) for a in arrays):
            raise ValueError("calibration inputs must be non-empty and finite")
        lo = min(float(a.min()) for a in arrays)
        hi = max(float(a.max()) for a in arrays)
        self.set_input_range(lo, hi)
        ### END SOLUTION

    @property
    def calibrated(self):
        return self.input_constants is not None

    def forward(self, x):
        """y = x @ W + b, computed from the int8 weight (and int8 input once calibrated).

        TODO: Implement both paths shown in the diagram above.

        APPROACH:
        1. Not calibrated: x @ dequantize_int8(weight_q, ...) + bias
        2. Calibrated, with (low, high, to_steps, to_output) = input_constants:
           steps = round(clip(x, low, high) * to_steps), which is x_q - input_zero_point;
           multiply steps by weight_for_blas (weight_q's integers as floats: BLAS, exact
           sums), then rescale by to_output and add the bias

        EXAMPLE:
        >>> QuantizedLinear(Linear(4, 2))(Tensor(np.ones((3, 4)))).shape
        (3, 2)

        HINTS:
        - int8 @ int8 would overflow; int32 @ int32 is exact but slow in numpy (no BLAS);
          integer values in float32 are exact below 2**24 (see the diagram) and fast
        - The clip makes the one new input-sized array; multiply and round it in place (out=)
        - Check the last input dimension against in_features
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

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

# %% nbgrader={"grade": true, "grade_id": "test-quantized-linear", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_quantized_linear():
    """Outputs stay close to the float layer; int8 weights take a quarter of the bytes."""
    np.random.seed(0)
    linear = Linear(16, 8)
    linear.bias.data[...] = np.linspace(-1.0, 1.0, 8)
    x = Tensor(np.random.randn(4, 16))
    expected = x.data @ linear.weight.data + linear.bias.data
    layer = QuantizedLinear(linear)
    assert layer.weight_q.data.dtype == np.int8
    assert np.max(np.abs(layer.forward(x).data - expected)) < 0.05
    layer.calibrate([x])
    assert np.max(np.abs(layer.forward(x).data - expected)) < 0.1
    linear.bias.data[...] += 100.0  # the quantized layer holds its own copy of the bias
    assert np.max(np.abs(layer.forward(x).data - expected)) < 0.1

    # Calibrated on [-0.5, 2] over two batches; inputs outside that range are clipped to it.
    layer.calibrate([Tensor(np.full((1, 16), -0.5)), Tensor(np.full((1, 16), 2.0))])
    scale, zero_point = quantization_params(-0.5, 2.0)
    assert layer.input_scale == scale and layer.input_zero_point == zero_point and zero_point != 0
    wide = np.linspace(-1.0, 3.0, 16)[None]
    x_q = np.clip(np.round(wide / scale) + zero_point, -128, 127) - zero_point
    formula = (x_q @ layer.weight_q.data.astype(np.float64)) * scale * layer.weight_scale + layer.bias.data
    assert np.allclose(layer.forward(Tensor(wide)).data, formula, atol=2e-2)  # float32 rounding may move a step
    weight_bytes = layer.memory_usage()
    assert weight_bytes["quantized_bytes"] == 16 * 8 + 8 * 4
    assert weight_bytes["original_bytes"] == 16 * 8 * 4 + 8 * 4
    assert weight_bytes["working_bytes"] == 16 * 8 * 4, "the float copy BLAS multiplies is held in memory"
    assert np.array_equal(layer.weight_for_blas, layer.weight_q.data) and layer.weight_for_blas.dtype == np.float32

    # Inputs around 1e-44 give a scale below float32's normal range: 1 / scale is worked in float64.
    tiny = QuantizedLinear(linear)
    tiny.calibrate(Tensor(np.array([[1e-44] * 16], dtype=np.float32)))
    assert tiny.input_scale < np.finfo(np.float32).tiny
    assert np.allclose(tiny.forward(Tensor(np.array([[1e-44] * 16]))).data, 1e-44 * linear.weight.data.sum(0) + linear.bias.data)


if __name__ == "__main__":
    test_unit_quantized_linear()

# %% [markdown]
"""
## 3. Quantizing a whole model

A model is any object with `forward` and `parameters()` (Module 03). Its `Linear`
layers live in attributes: directly (`self.fc1`), in lists (`self.blocks`), or inside
other layers (`block.attention.q_proj`). `quantize_model` copies the model, finds
every `Linear` reachable through attributes, lists and dicts, swaps it for a
`QuantizedLinear`, and calibrates each one on the inputs it really receives when
the calibration data flows through the copy. Calibrate with inputs like the real
ones (a causal mask included): a range learned without the mask is too narrow for
masked attention, and the clipped activations cost accuracy.

```
model (copy) ── fc1: Linear ──────────►  fc1: QuantizedLinear
             ├─ act: ReLU                act: ReLU (unchanged)
             └─ blocks: [Block, Block]   each Block's Linear layers swapped too
```

The original model is left untouched, so `compare_model_sizes` can measure both.
"""

# %% nbgrader={"grade": false, "grade_id": "quantize-model", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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

    TODO: Deep-copy the model, swap its Linear layers, and calibrate them if data is given.

    APPROACH:
    1. copy.deepcopy(model) so the original keeps its float weights
    2. For each (container, key, linear) from _linear_slots: put a QuantizedLinear there
    3. With calibration_data, run it through the copy and calibrate each layer

    EXAMPLE:
    >>> small = quantize_model(model, calibration_data=[Tensor(x_train[:64])])
    >>> compare_model_sizes(model, small)["compression_ratio"]   # about 4 for an MLP

    HINTS:
    - Raise a ValueError when the model has no Linear layer: nothing would be quantized
    """
    ### BEGIN SOLUTION
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
    ### END SOLUTION


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

# %% nbgrader={"grade": true, "grade_id": "test-quantize-model", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
class _TwoLayerNet:
    """A small model chained explicitly: Linear -> ReLU -> Linear."""

    def __init__(self):
        self.fc1 = Linear(8, 32)
        self.fc2 = Linear(32, 4)

    def forward(self, x):
        hidden = self.fc1.forward(x)
        hidden = Tensor(np.maximum(hidden.data, 0.0))
        return self.fc2.forward(hidden)

    def parameters(self):
        return self.fc1.parameters() + self.fc2.parameters()


def test_unit_quantize_model():
    """The copy is about 4x smaller, close in output, and the original is untouched."""
    np.random.seed(1)
    model = _TwoLayerNet()
    x = Tensor(np.random.randn(16, 8))
    before = model.forward(x).data.copy()
    quantized = quantize_model(model, calibration_data=[x])
    assert isinstance(model.fc1, Linear) and isinstance(quantized.fc1, QuantizedLinear)
    assert quantized.fc1.calibrated and quantized.fc2.calibrated
    assert np.array_equal(model.forward(x).data, before)
    assert np.max(np.abs(quantized.forward(x).data - before)) < 0.15
    sizes = compare_model_sizes(model, quantized)
    assert sizes["original_bytes"] == (8 * 32 + 32 + 32 * 4 + 4) * 4
    assert 3.0 < sizes["compression_ratio"] < 4.0
    single = Linear(8, 3)
    alone = quantize_model(single, calibration_data=[x])  # a bare Linear is a model too
    assert isinstance(alone, QuantizedLinear) and alone.calibrated
    assert np.max(np.abs(alone.forward(x).data - single.forward(x).data)) < 0.15


if __name__ == "__main__":
    test_unit_quantize_model()

# %% [markdown]
"""
## 4. Systems analysis: what 8 bits cost and save

Two measurements, both on real arrays:
- **Error vs distribution**: quantization error depends on the *range*, so one outlier
  weight stretches the scale and blurs every other weight. We measure the mean error
  with and without a single large outlier, for both schemes.
- **Memory and time vs layer size**: bytes of float32 and int8 layers, read from
  `nbytes`, and the median forward time of each.
"""

# %% nbgrader={"grade": false, "grade_id": "quantization-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
import time


def analyze_quantization_error():
    """Measure the mean round-trip error of 9,999 normal weights, alone and next to one outlier."""
    rng = np.random.default_rng(0)
    weights = rng.normal(0.0, 0.05, size=10_000).astype(np.float32)
    with_outlier = weights.copy()
    with_outlier[0] = 2.0
    print(f"{'weights':<22}{'scheme':<12}{'scale':>10}{'mean |error|':>14}")
    for label, values in (("normal(0, 0.05)", weights), ("same + one 2.0", with_outlier)):
        for symmetric in (False, True):
            q, scale, zero_point = quantize_int8(Tensor(values), symmetric=symmetric)
            error = np.abs(dequantize_int8(q, scale, zero_point).data - values)[1:].mean()  # outlier excluded
            scheme = "symmetric" if symmetric else "asymmetric"
            print(f"{label:<22}{scheme:<12}{scale:>10.5f}{error:>14.6f}")


def _median_ms(run, x, repeats=5):
    run(x)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(x)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def analyze_layer_memory():
    """Measure float32 vs int8 bytes (from nbytes), median forward time for Linear layers of growing size,
    and the same integer matmul computed on int32 arrays and on float32 arrays holding the integers."""
    print(f"{'layer':<12}{'float32 KiB':>12}{'int8 KiB':>10}{'ratio':>7}{'float ms':>10}{'int8 ms':>9}"
          f"{'int32 @ ms':>12}{'as float32 @ ms':>17}")
    rng = np.random.default_rng(0)
    for size in (64, 128, 256):
        linear = Linear(size, size)
        layer = QuantizedLinear(linear)
        x = Tensor(rng.normal(size=(32, size)))
        layer.calibrate([x])
        float_bytes = sum(p.data.nbytes for p in linear.parameters())
        int8_bytes = sum(p.data.nbytes for p in layer.parameters())
        float_ms, int8_ms = _median_ms(linear.forward, x), _median_ms(layer.forward, x)
        x_q = rng.integers(-255, 256, size=(32, size)).astype(np.int32)  # (x_q - zx) values
        w_q = layer.weight_q.data.astype(np.int32)
        int32_ms = _median_ms(lambda a: a @ w_q, x_q)
        as_float_ms = _median_ms(lambda a: a @ w_q.astype(np.float32), x_q.astype(np.float32))
        assert np.array_equal(x_q @ w_q, x_q.astype(np.float32) @ w_q.astype(np.float32))  # exact: sums < 2**24
        print(f"{f'{size}x{size}':<12}{float_bytes / 1024:>12.1f}{int8_bytes / 1024:>10.1f}"
              f"{float_bytes / int8_bytes:>7.2f}{float_ms:>10.3f}{int8_ms:>9.3f}{int32_ms:>12.3f}{as_float_ms:>17.3f}")


if __name__ == "__main__":
    analyze_quantization_error()
    analyze_layer_memory()

# %% [markdown]
"""
One outlier stretches the range, so the scale grows several times over and the
error of every *other* weight grows with it (symmetric quantization suffers more:
its range must reach the outlier on both sides). This is why real systems quantize
per output channel and clip outliers. The ratio approaches 4 as the layer grows,
because the float32 bias is a smaller share of the bytes. The int8 forward pass is
a little *slower* than the float one, not faster: it runs the same float matmul (on
integer values) plus the work of quantizing the input: three passes over it (clip,
multiply by 1 / scale, round; the last two in place, so no temporaries) and one over
the output (rescale). NumPy cannot fuse them
into one pass, so they cost the most where the matmul is cheapest (small layers, few
rows); hardware int8 kernels do all of it while loading the values. The last two columns show
why it holds the integers in float32: numpy hands float matmuls to an optimised
BLAS library but has no such kernel for integers, so the identical int32 product is
many times slower. The speed of int8 comes from hardware with int8 instructions;
the saving in what is stored is real here already (the int8 KiB column), while in
memory this numpy layer also holds the float copy BLAS multiplies (`working_bytes`).

## Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module-quantization", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test of the module, then a quantized model end to end."""
    test_unit_quantize_int8()
    test_unit_quantized_linear()
    test_unit_quantize_model()
    model = _TwoLayerNet()
    x = Tensor(np.random.randn(8, 8))
    quantized = quantize_model(model)
    assert quantized.forward(x).shape == model.forward(x).shape
    print("Module 15 (Quantization): all tests passed")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- Quantization maps floats onto 256 integer levels with a scale and a zero point;
  the error per value is at most half a step, and zero stays exact.
- `QuantizedLinear` stores int8 weights (4x smaller) and, after calibration, runs the
  integer matmul that int8 hardware performs.
- `quantize_model` swaps the `Linear` layers of any model without changing the original,
  and `compare_model_sizes` measures the saving from the arrays themselves.

Next, Module 16 (Compression) removes weights altogether.
"""
