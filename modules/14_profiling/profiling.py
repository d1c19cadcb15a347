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
# Module 14: Profiling - Measuring Before Optimizing

Modules 15 to 18 make models smaller and faster. Every one of those changes needs a
before and after: how many parameters, how many floating-point operations (FLOPs),
how many bytes, how many milliseconds. This module builds the `Profiler` that
answers those four questions for any model with `forward` and `parameters()`.

It builds on Module 03 (Layers: `Linear`), Module 05 (Autograd: backward passes),
Module 09 (Spatial: `Conv2d`) and Module 12 (Attention: `MultiHeadAttention`), whose
costs it counts. Module 15 (Quantization) and Module 16 (Compression) shrink the
parameter bytes measured here.
"""

# %% nbgrader={"grade": false, "grade_id": "profiling-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp perf.profiling
#| export
import time
import tracemalloc
import types

import numpy as np

import tinytorch.core.autograd  # noqa: F401  (turns gradients on for profile_backward_pass)
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.layers import Linear
from tinytorch.core.spatial import Conv2d
from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. Counting FLOPs by watching a forward pass

A FLOP count comes from the shapes alone. One multiply-add is 2 FLOPs:

```
Linear      x (rows, in) @ W (in, out)            2 * rows * in * out
Conv2d      each output value is a dot product    2 * N * C_out * H_out * W_out * C_in * kh * kw
Attention   scores Q @ K^T, then weights @ V      2 * B * S * S * D  +  2 * B * S * S * D
on (B, S, D)  (its q/k/v/out projections are Linear layers, counted as Linear)
```

Bias additions, activations, pooling and softmax are left out: they cost one
operation per output value, while the products above cost `in` (or `C_in * kh * kw`,
or `D`) multiply-adds per output value.

To know the shapes, the profiler runs one forward pass while *watching* the layers:
it finds every `Linear`, `Conv2d` and `MultiHeadAttention` reachable from the model's
attributes, lists and dicts, and gives each one, for the duration of that pass, an
instance attribute `forward` that records the call's input and output shapes:

```
layer(x) -> Layer.__call__ -> self.forward   (instance attribute: the recorder)
                                   └─> class forward (the real computation)
```

This is the idea behind the "forward hooks" of production frameworks. Afterwards
each layer gets its own `forward` back, even when the pass raised an error.
"""

# %% nbgrader={"grade": false, "grade_id": "layer-watching", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
WATCHED_TYPES = (Linear, Conv2d, MultiHeadAttention)
# Objects whose attributes are not part of a model: skipped while searching for layers.
_NOT_MODEL_PARTS = (Tensor, np.ndarray, str, bytes, int, float, type, types.ModuleType,
                    types.FunctionType, types.MethodType, types.BuiltinFunctionType)


def find_layers(model, types=WATCHED_TYPES):
    """Every object of the given types reachable from model's attributes, lists, tuples and dicts, once each."""
    found, seen, stack = [], set(), [model]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, _NOT_MODEL_PARTS):
            continue
        seen.add(id(obj))
        if isinstance(obj, types):
            found.append(obj)
        if isinstance(obj, dict):
            stack.extend(reversed(list(obj.values())))
        elif isinstance(obj, (list, tuple)):
            stack.extend(reversed(obj))
        elif hasattr(obj, "__dict__"):
            stack.extend(reversed(list(vars(obj).values())))
    return found


def layer_flops(layer, input_shape, output_shape):
    """FLOPs of one call of a watched layer, from its input and output shapes.

    TODO: Return the FLOP count for Linear, Conv2d and MultiHeadAttention calls.

    APPROACH:
    1. Linear: rows = product of all but the last input dimension; 2 * rows * in * out
    2. Conv2d: 2 * (output elements) * C_in * kh * kw, using the weight's shape
    3. MultiHeadAttention on (B, S, D): the two S x S products, 4 * B * S * S * D

    EXAMPLE:
    >>> layer_flops(Linear(3, 4), (5, 3), (5, 4))
    120

    HINTS:
    - Read sizes from layer.weight.shape: Linear is (in, out), Conv2d is (out, in, kh, kw)
    - Any other layer type: raise a TypeError naming it
    """
    ### BEGIN SOLUTION
    if isinstance(layer, Linear):
        fan_in, fan_out = layer.weight.shape
        rows = int(np.prod(input_shape[:-1]))
        return 2 * rows * fan_in * fan_out
    if isinstance(layer, Conv2d):
        _, in_channels, kh, kw = layer.weight.shape
        return 2 * int(np.prod(output_shape)) * in_channels * kh * kw
    if isinstance(layer, MultiHeadAttention):
        batch, seq, dim = input_shape
        return 4 * batch * seq * seq * dim
    raise TypeError(f"no FLOP formula for {type(layer).__name__}")
    ### END SOLUTION


def watch_forward(model, input_tensor):
    """Run model.forward once; return (output, calls) with one record per watched layer call.

    A record holds the layer type, the layer object, input and output shapes, the
    output's bytes and the call's FLOPs.
    """
    calls = []
    layers = find_layers(model)
    own_forwards = {id(layer): vars(layer).get("forward") for layer in layers}  # usually None

    def recorder(layer, original):
        def recording_forward(x, *args, **kwargs):
            output = original(x, *args, **kwargs)
            result = output[0] if isinstance(output, tuple) else output
            calls.append({"layer": type(layer).__name__, "object": layer,
                          "input_shape": tuple(x.shape), "output_shape": tuple(result.shape),
                          "output_bytes": int(result.data.nbytes)})
            return output
        return recording_forward

    for layer in layers:
        layer.forward = recorder(layer, layer.forward)  # an instance attribute shadows the class method
    try:
        output = model.forward(input_tensor)
    finally:
        for layer in layers:
            if own_forwards[id(layer)] is None:
                del layer.forward  # the class method is visible again
            else:
                layer.forward = own_forwards[id(layer)]
    for call in calls:
        call["flops"] = layer_flops(call["object"], call["input_shape"], call["output_shape"])
    return output, calls

# %% nbgrader={"grade": true, "grade_id": "test-layer-flops", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_layer_flops():
    """FLOP formulas match hand counts; watching records each call and leaves the layers unchanged."""
    linear = Linear(3, 4)
    assert layer_flops(linear, (5, 3), (5, 4)) == 2 * 5 * 3 * 4
    conv = Conv2d(2, 3, kernel_size=3)
    # 27 output values (3 channels x 3 x 3), each a dot product of 2 * 3 * 3 = 18 pairs
    assert layer_flops(conv, (1, 2, 5, 5), (1, 3, 3, 3)) == 2 * 27 * 18
    output, calls = watch_forward(linear, Tensor(np.ones((5, 3))))
    assert output.shape == (5, 4) and [c["flops"] for c in calls] == [120]
    assert "forward" not in vars(linear), "watching must not leave a wrapper behind"


if __name__ == "__main__":
    test_unit_layer_flops()

# %% [markdown]
"""
## 2. The Profiler

```
Profiler
├─ count_parameters(model)              unique parameter entries
├─ count_flops(model, input_shape)      FLOPs of one forward pass
├─ measure_memory(model, input_shape)   parameter, layer-output and peak bytes
├─ measure_latency(model, x)            median milliseconds over timed runs
├─ profile_forward_pass(model, x)       all of the above in one dict, per layer too
└─ profile_backward_pass(model, x)      forward + backward time, gradient bytes
```

Two measuring habits matter. **Warm-up**: the first runs pay one-off costs (memory
allocation, caches), so they are not timed. **Median**: a background process can
slow any single run; the median of several runs ignores such outliers, the mean
does not.

Memory has two parts: the parameters (their `nbytes`) and what the forward pass
allocates. `tracemalloc` (Python's allocation tracer, which numpy reports to) gives
the peak of the second.
"""

# %% nbgrader={"grade": false, "grade_id": "profiler", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def unique_parameters(model):
    """The model's parameters, a tensor shared by two layers listed once."""
    return list({id(p): p for p in model.parameters()}.values())


def _zeros_input(input_shape, dtype=np.float32):
    shape = tuple(input_shape)
    if not shape or any(int(n) <= 0 for n in shape):
        raise ValueError(f"input_shape must be a non-empty tuple of positive sizes, got {shape}")
    return Tensor(np.zeros(tuple(int(n) for n in shape), dtype=dtype))


class Profiler:
    """Counts and measures what a model costs: parameters, FLOPs, bytes and time.

    Shape-based methods build a zero input of `input_shape`; pass `dtype=np.int64` for
    models that take token ids (Module 13's GPT).
    """

    def count_parameters(self, model):
        """Number of trainable numbers in the model, each shared tensor counted once.

        TODO: Sum the sizes of the model's unique parameters.

        EXAMPLE:
        >>> Profiler().count_parameters(Linear(10, 20))
        220

        HINTS:
        - Two layers may hold the same Tensor: deduplicate by id()
        """
        ### BEGIN SOLUTION
        return int(sum(p.data.size for p in unique_parameters(model)))
        ### END SOLUTION

    def count_flops(self, model, input_shape, dtype=np.float32):
        """FLOPs of one forward pass on an input of input_shape (batch dimension included).

        TODO: Watch one forward pass on a zero input and add up each call's FLOPs.

        EXAMPLE:
        >>> Profiler().count_flops(Linear(10, 20), (4, 10))
        1600

        HINTS:
        - watch_forward(model, x) returns the calls, each with its "flops"
        """
        ### BEGIN SOLUTION
        _, calls = watch_forward(model, _zeros_input(input_shape, dtype))
        return int(sum(call["flops"] for call in calls))
        ### END SOLUTION

    def flops_by_layer_type(self, model, input_shape, dtype=np.float32):
        """FLOPs of one forward pass grouped by layer type, e.g. {"Linear": 1200, "Conv2d": 5400}."""
        _, calls = watch_forward(model, _zeros_input(input_shape, dtype))
        return _totals_by_type(calls)

    def measure_memory(self, model, input_shape, dtype=np.float32):
        """Bytes of the parameters, of the watched layers' outputs, and the peak allocated during forward.

        TODO: Return a dict with parameter_bytes, activation_bytes and peak_forward_bytes.

        APPROACH:
        1. parameter_bytes: sum of nbytes of the unique parameters
        2. Start tracemalloc, note the memory already traced, run a watched forward pass
        3. peak_forward_bytes: traced peak minus what was traced before the pass
        4. activation_bytes: sum of the recorded output bytes

        HINTS:
        - If tracemalloc is already running (someone else is tracing), reset_peak() and leave it running
        """
        ### BEGIN SOLUTION
        x = _zeros_input(input_shape, dtype)
        parameter_bytes = int(sum(p.data.nbytes for p in unique_parameters(model)))
        was_tracing = tracemalloc.is_tracing()
        if not was_tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        try:
            _, calls = watch_forward(model, x)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            if not was_tracing:
                tracemalloc.stop()
        return {
            "parameter_bytes": parameter_bytes,
            "activation_bytes": int(sum(call["output_bytes"] for call in calls)),
            "peak_forward_bytes": int(peak - before),
        }
        ### END SOLUTION

    def measure_latency(self, model, input_tensor, warmup=3, iterations=10):
        """Median milliseconds of model.forward(input_tensor) after warm-up runs.

        TODO: Run warmup untimed calls, then time each of `iterations` calls and return the median.

        EXAMPLE:
        >>> Profiler().measure_latency(Linear(10, 20), Tensor(np.ones((4, 10))))   # doctest: +SKIP
        0.011

        HINTS:
        - time.perf_counter() is the clock for short intervals
        - Reject warmup < 0 or iterations < 1 with a ValueError
        """
        ### BEGIN SOLUTION
        if int(warmup) != warmup or int(iterations) != iterations or warmup < 0 or iterations < 1:
            raise ValueError(f"need integers warmup >= 0 and iterations >= 1, got {warmup} and {iterations}")
        for _ in range(warmup):
            model.forward(input_tensor)
        times = []
        for _ in range(iterations):
            start = time.perf_counter()
            model.forward(input_tensor)
            times.append((time.perf_counter() - start) * 1000.0)
        return float(np.median(times))
        ### END SOLUTION

    def profile_forward_pass(self, model, input_tensor, warmup=2, iterations=5):
        """Parameters, FLOPs (total and by layer type), bytes and latency of one forward pass, plus a per-layer list."""
        _, calls = watch_forward(model, input_tensor)
        return {
            "parameters": self.count_parameters(model),
            "flops": int(sum(call["flops"] for call in calls)),
            "flops_by_layer_type": _totals_by_type(calls),
            "parameter_bytes": int(sum(p.data.nbytes for p in unique_parameters(model))),
            "activation_bytes": int(sum(call["output_bytes"] for call in calls)),
            "latency_ms": self.measure_latency(model, input_tensor, warmup, iterations),
            "layers": [{key: call[key] for key in ("layer", "input_shape", "output_shape", "flops")} for call in calls],
        }

    def profile_backward_pass(self, model, input_tensor, warmup=1, iterations=3):
        """Median milliseconds of forward alone and of forward + backward (loss = sum of outputs), and gradient bytes.

        The parameters' .grad are restored afterwards, so profiling never disturbs training.
        """
        if int(warmup) != warmup or int(iterations) != iterations or warmup < 0 or iterations < 1:
            raise ValueError(f"need integers warmup >= 0 and iterations >= 1, got {warmup} and {iterations}")
        parameters = unique_parameters(model)
        saved_grads = [p.grad for p in parameters]
        times = []
        try:
            for run in range(warmup + iterations):
                for p in parameters:
                    p.grad = None  # a fresh backward pass, not accumulation
                start = time.perf_counter()
                model.forward(input_tensor).sum().backward()
                if run >= warmup:
                    times.append((time.perf_counter() - start) * 1000.0)
            gradient_bytes = int(sum(p.grad.nbytes for p in parameters if p.grad is not None))
        finally:
            for p, grad in zip(parameters, saved_grads):
                p.grad = grad
        return {"forward_ms": self.measure_latency(model, input_tensor, warmup, iterations),
                "forward_backward_ms": float(np.median(times)), "gradient_bytes": gradient_bytes}


def _totals_by_type(calls):
    totals = {}
    for call in calls:
        totals[call["layer"]] = totals.get(call["layer"], 0) + call["flops"]
    return totals


def quick_profile(model, input_tensor, verbose=True):
    """Profile one forward pass and (by default) print a one-screen summary."""
    profile = Profiler().profile_forward_pass(model, input_tensor)
    if verbose:
        print(f"parameters {profile['parameters']:,} | FLOPs {profile['flops']:,} | "
              f"weights {profile['parameter_bytes'] / 1024:.1f} KiB | latency {profile['latency_ms']:.3f} ms")
        for call in profile["layers"]:
            print(f"  {call['layer']:<20}{str(call['input_shape']):>18} -> {str(call['output_shape']):<18}{call['flops']:>14,}")
    return profile


def analyze_weight_distribution(model, percentiles=(10, 25, 50, 75, 90, 99)):
    """Statistics of the model's weight matrices (parameters with ndim >= 2; biases are left out).

    Compression (Module 16) reads this to choose pruning thresholds: the p-th percentile
    of |w| is the threshold that zeroes p% of the weights.
    """
    weights = [p.data.ravel() for p in unique_parameters(model) if p.data.ndim >= 2]
    if not weights:
        raise ValueError(f"{type(model).__name__} has no weight matrices (parameters with ndim >= 2)")
    values = np.concatenate(weights).astype(np.float64)
    magnitudes = np.abs(values)
    return {
        "count": int(values.size),
        "mean_abs": float(magnitudes.mean()),
        "std": float(values.std()),
        "max_abs": float(magnitudes.max()),
        "zero_fraction": float(np.mean(values == 0)),
        "percentiles": {int(p): float(np.percentile(magnitudes, p)) for p in percentiles},
    }

# %% nbgrader={"grade": true, "grade_id": "test-profiler", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
class _TwoLayerNet:
    """A small model chained explicitly: Linear -> Linear."""

    def __init__(self):
        self.fc1 = Linear(10, 20)
        self.fc2 = Linear(20, 5)

    def forward(self, x):
        return self.fc2.forward(self.fc1.forward(x))

    def parameters(self):
        return self.fc1.parameters() + self.fc2.parameters()


def test_unit_profiler():
    """Parameter and FLOP counts match hand counts; memory and time are positive measurements."""
    model = _TwoLayerNet()
    profiler = Profiler()
    assert profiler.count_parameters(model) == 10 * 20 + 20 + 20 * 5 + 5
    assert profiler.count_flops(model, (4, 10)) == 2 * 4 * (10 * 20 + 20 * 5)
    memory = profiler.measure_memory(model, (4, 10))
    assert memory["parameter_bytes"] == (10 * 20 + 20 + 20 * 5 + 5) * 4
    assert memory["activation_bytes"] == (4 * 20 + 4 * 5) * 4
    assert memory["peak_forward_bytes"] >= 4 * 20 * 4, "the first layer's output is allocated during forward"
    assert profiler.measure_latency(model, Tensor(np.ones((4, 10))), warmup=1, iterations=3) > 0

    import time
    import tracemalloc

    tracemalloc.start()  # someone else is tracing, and holds 8 MB: the forward pass still measures only its own bytes
    held = np.ones(1_000_000)
    assert profiler.measure_memory(model, (4, 10))["peak_forward_bytes"] < held.nbytes / 8
    assert tracemalloc.is_tracing(), "a trace started by someone else keeps running"
    tracemalloc.stop()

    class Counting(_TwoLayerNet):
        calls = 0

        def forward(self, x):
            Counting.calls += 1
            return super().forward(x)

    profiler.measure_latency(Counting(), Tensor(np.ones((4, 10))), warmup=2, iterations=5)
    assert Counting.calls == 7, "2 warm-up calls and 5 timed ones"

    class Sleepy:  # at least 20 ms per call: the result is in milliseconds
        def forward(self, x):
            time.sleep(0.02)
            return x

    assert 20.0 <= profiler.measure_latency(Sleepy(), Tensor(np.ones(1)), warmup=0, iterations=3) < 10_000.0
    backward = profiler.profile_backward_pass(model, Tensor(np.ones((4, 10))), warmup=0, iterations=1)
    assert backward["gradient_bytes"] == memory["parameter_bytes"]
    stats = analyze_weight_distribution(model)
    assert stats["count"] == 10 * 20 + 20 * 5
    assert stats["percentiles"][50] <= stats["percentiles"][90] <= stats["max_abs"]


if __name__ == "__main__":
    test_unit_profiler()

# %% [markdown]
"""
## 3. Systems analysis: where the time goes

FLOPs predict time only roughly: small operations are dominated by Python and numpy
call overhead, large ones by arithmetic. We measure the achieved FLOP rate of Linear
layers of growing width, then compare a training step with inference: backward
computes two products per Linear (the input's gradient and the weight's), so
expect forward + backward to take about three forward passes once the matrices are
large enough for arithmetic to dominate.
"""

# %% nbgrader={"grade": false, "grade_id": "profiling-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_flops_per_second():
    """Measure achieved GFLOP/s of a Linear layer as its width grows, and the cost of backward."""
    profiler = Profiler()
    rng = np.random.default_rng(0)
    print(f"{'width':>6}{'FLOPs':>14}{'fwd ms':>9}{'GFLOP/s':>9}{'fwd+bwd ms':>12}{'ratio':>7}")
    for width in (16, 64, 256, 512):
        layer = Linear(width, width)
        x = Tensor(rng.normal(size=(64, width)))
        flops = profiler.count_flops(layer, x.shape)
        backward = profiler.profile_backward_pass(layer, x, warmup=3, iterations=9)
        ms, both = backward["forward_ms"], backward["forward_backward_ms"]
        print(f"{width:>6}{flops:>14,}{ms:>9.3f}{flops / ms / 1e6:>9.2f}{both:>12.3f}{both / ms:>7.1f}")


if __name__ == "__main__":
    analyze_flops_per_second()

# %% [markdown]
"""
Read the table top to bottom: the rate grows with width because the fixed cost of
a call (Python, argument checks, creating a Tensor) is paid once per call whatever
the size. At small widths the backward ratio is above three for the same reason:
the autograd graph walk is overhead that no FLOP count sees. A row far off the
trend means another process competed for the CPU during those runs; the median
hides single slow runs, not a busy machine, so measure again before concluding.

## Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module-profiling", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test, then the FLOPs of an attention layer: score products and projections."""
    test_unit_layer_flops()
    test_unit_profiler()
    attention = MultiHeadAttention(8, 2)
    flops = Profiler().flops_by_layer_type(attention, (2, 5, 8))
    assert flops["MultiHeadAttention"] == 4 * 2 * 5 * 5 * 8  # Q @ K^T and weights @ V
    assert flops["Linear"] == 4 * (2 * 2 * 5 * 8 * 8)  # q, k, v and out projections
    print("Module 14 (Profiling): all tests passed")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- Parameters, FLOPs, bytes and milliseconds are four different costs; the profiler
  measures each for any model with `forward` and `parameters()`.
- FLOPs follow from shapes, so one watched forward pass is enough to count them.
- Time is measured after warm-up and summarised by the median; small layers are
  dominated by per-call overhead, not by their FLOPs.

Next, Module 15 (Quantization) stores weights in 8 bits and makes the parameter
bytes measured here 4x smaller.
"""
