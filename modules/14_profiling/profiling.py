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

Modules 15 to 19 make models smaller and faster. Every one of those changes needs a
before and after: how many parameters, how many floating-point operations (FLOPs),
how many bytes, how many milliseconds. This module builds the `Profiler` that
answers those four questions for any model.

It builds on Module 03 (Layers: `Linear`), Module 05 (Autograd: backward passes),
Module 09 (Spatial: `Conv2d`) and Module 12 (Attention: `MultiHeadAttention`), whose
costs it counts. Module 15 (Quantization) and Module 16 (Compression) use it to show
what they saved.
"""

# %% nbgrader={"grade": false, "grade_id": "profiling-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp perf.profiling
#| export
import time
import tracemalloc

import numpy as np

import tinytorch.core.autograd  # noqa: F401  (turns gradients on for profile_backward_pass)
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.layers import Linear
from tinytorch.core.spatial import Conv2d
from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. Counting parameters and FLOPs

A FLOP count comes from the shapes alone. One multiply-add is 2 FLOPs:

```
Linear      x (rows, in) @ W (in, out)          2 * rows * in * out
Conv2d      each output pixel is a dot product  2 * N * C_out * H_out * W_out * C_in * kh * kw
Attention   scores Q @ K^T, then weights @ V    2 * B * S * S * D  +  2 * B * S * S * D
            (its q/k/v/out projections are Linear layers, counted as such)
```

To know the shapes, the profiler runs one forward pass while *watching* the layers:
it finds every `Linear`, `Conv2d` and `MultiHeadAttention` reachable from the model's
attributes and temporarily wraps their `forward` so each call records its input and
output. This is the idea behind the "forward hooks" of production frameworks.
"""

# %% nbgrader={"grade": false, "grade_id": "layer-watching", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
WATCHED_TYPES = (Linear, Conv2d, MultiHeadAttention)


def find_layers(model, types=WATCHED_TYPES):
    """Every object of the given types reachable from model's attributes, lists and dicts, once each."""
    found, seen, stack = [], set(), [model]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (Tensor, np.ndarray, str, bytes, int, float)):
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

    HINTS:
    - Read sizes from layer.weight.shape: Linear is (in, out), Conv2d is (out, in, kh, kw)
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
    """Run model.forward once and return (output, calls): one record per watched layer call."""
    calls = []
    layers = find_layers(model)
    for layer in layers:
        def recording_forward(*args, layer=layer, original=layer.forward, **kwargs):
            output = original(*args, **kwargs)
            result = output[0] if isinstance(output, tuple) else output
            calls.append({"layer": type(layer).__name__, "object": layer,
                          "input_shape": tuple(args[0].shape), "output_shape": tuple(result.shape),
                          "output_bytes": int(result.data.nbytes)})
            return output
        layer.forward = recording_forward  # an instance attribute shadows the class method
    try:
        output = model.forward(input_tensor)
    finally:
        for layer in layers:
            del layer.forward  # the class method is visible again
    for call in calls:
        call["flops"] = layer_flops(call["object"], call["input_shape"], call["output_shape"])
    return output, calls

# %% nbgrader={"grade": true, "grade_id": "test-layer-flops", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_layer_flops():
    """FLOP formulas match hand counts; watching leaves the layers unchanged."""
    linear = Linear(3, 4)
    assert layer_flops(linear, (5, 3), (5, 4)) == 2 * 5 * 3 * 4
    conv = Conv2d(2, 3, kernel_size=3)
    assert layer_flops(conv, (1, 2, 5, 5), (1, 3, 3, 3)) == 2 * (3 * 3 * 3) * 2 * 3 * 3
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
├─ count_flops(model, input_shape)      FLOPs of one forward pass, by layer type
├─ measure_memory(model, input_shape)   parameter, activation and peak bytes
├─ measure_latency(model, x)            median milliseconds over timed runs
├─ profile_forward_pass(model, x)       all of the above in one dict
└─ profile_backward_pass(model, x)      forward + backward time, gradient bytes
```

Two measuring habits matter. **Warm-up**: the first runs pay one-off costs (memory
allocation, caches), so they are not timed. **Median**: a background process can
slow any single run; the median of several runs ignores such outliers, the mean
does not.
"""

# %% nbgrader={"grade": false, "grade_id": "profiler", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _unique_parameters(model):
    return list({id(p): p for p in model.parameters()}.values())


def _zeros_input(input_shape, dtype=np.float32):
    if any(int(n) <= 0 for n in input_shape):
        raise ValueError(f"input_shape must be positive sizes, got {tuple(input_shape)}")
    return Tensor(np.zeros(tuple(int(n) for n in input_shape), dtype=dtype))


class Profiler:
    """Counts and measures what a model costs: parameters, FLOPs, bytes and time."""

    def count_parameters(self, model):
        """Number of trainable numbers in the model, each shared tensor counted once.

        TODO: Sum the sizes of the model's unique parameters.
        """
        ### BEGIN SOLUTION
        return int(sum(p.data.size for p in _unique_parameters(model)))
        ### END SOLUTION

    def count_flops(self, model, input_shape, dtype=np.float32):
        """FLOPs of one forward pass on an input of input_shape (batch dimension included).

        TODO: Watch one forward pass on a zero input and add up each call's FLOPs.
        """
        ### BEGIN SOLUTION
        _, calls = watch_forward(model, _zeros_input(input_shape, dtype))
        return int(sum(call["flops"] for call in calls))
        ### END SOLUTION

    def flops_by_layer_type(self, model, input_shape, dtype=np.float32):
        """FLOPs of one forward pass grouped by layer type, e.g. {"Linear": 1200}."""
        _, calls = watch_forward(model, _zeros_input(input_shape, dtype))
        totals = {}
        for call in calls:
            totals[call["layer"]] = totals.get(call["layer"], 0) + call["flops"]
        return totals

    def measure_memory(self, model, input_shape, dtype=np.float32):
        """Bytes of parameters, of watched layer outputs, and the peak allocated during forward.

        TODO: Return a dict with parameter_bytes, activation_bytes and peak_forward_bytes.

        HINTS:
        - tracemalloc measures the memory Python and numpy allocate between start() and stop()
        """
        ### BEGIN SOLUTION
        x = _zeros_input(input_shape, dtype)
        parameter_bytes = int(sum(p.data.nbytes for p in _unique_parameters(model)))
        tracemalloc.start()
        try:
            _, calls = watch_forward(model, x)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return {
            "parameter_bytes": parameter_bytes,
            "activation_bytes": int(sum(call["output_bytes"] for call in calls)),
            "peak_forward_bytes": int(peak),
        }
        ### END SOLUTION

    def measure_latency(self, model, input_tensor, warmup=3, iterations=10):
        """Median milliseconds of model.forward(input_tensor) after warm-up runs.

        TODO: Run warmup untimed calls, then time each of `iterations` calls and return the median.
        """
        ### BEGIN SOLUTION
        if warmup < 0 or iterations < 1:
            raise ValueError(f"need warmup >= 0 and iterations >= 1, got {warmup} and {iterations}")
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
        """Parameters, FLOPs, bytes and latency of one forward pass, plus a per-layer list."""
        _, calls = watch_forward(model, input_tensor)
        return {
            "parameters": self.count_parameters(model),
            "flops": int(sum(call["flops"] for call in calls)),
            "parameter_bytes": int(sum(p.data.nbytes for p in _unique_parameters(model))),
            "activation_bytes": int(sum(call["output_bytes"] for call in calls)),
            "latency_ms": self.measure_latency(model, input_tensor, warmup, iterations),
            "layers": [{key: call[key] for key in ("layer", "input_shape", "output_shape", "flops")} for call in calls],
        }

    def profile_backward_pass(self, model, input_tensor, warmup=1, iterations=3):
        """Median milliseconds of forward + backward (loss = sum of outputs) and gradient bytes."""
        parameters = _unique_parameters(model)
        times = []
        for run in range(warmup + iterations):
            for p in parameters:
                p.grad = None
            start = time.perf_counter()
            model.forward(input_tensor).sum().backward()
            if run >= warmup:
                times.append((time.perf_counter() - start) * 1000.0)
        gradient_bytes = int(sum(p.grad.nbytes for p in parameters if p.grad is not None))
        for p in parameters:
            p.grad = None
        return {"forward_backward_ms": float(np.median(times)), "gradient_bytes": gradient_bytes,
                "forward_ms": self.measure_latency(model, input_tensor, warmup, iterations)}


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
    """Statistics of the absolute values of the model's weight matrices (ndim >= 2).

    Compression (Module 16) reads this to choose pruning thresholds: the p-th percentile
    of |w| is the threshold that zeroes p% of the weights.
    """
    weights = [p.data.ravel() for p in _unique_parameters(model) if p.data.ndim >= 2]
    if not weights:
        raise ValueError(f"{type(model).__name__} has no weight matrices (parameters with ndim >= 2)")
    magnitudes = np.abs(np.concatenate(weights))
    return {
        "count": int(magnitudes.size),
        "mean_abs": float(magnitudes.mean()),
        "std": float(np.concatenate(weights).std()),
        "max_abs": float(magnitudes.max()),
        "zero_fraction": float(np.mean(magnitudes == 0)),
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
    assert profiler.measure_latency(model, Tensor(np.ones((4, 10))), warmup=1, iterations=3) > 0
    stats = analyze_weight_distribution(model)
    assert stats["count"] == 10 * 20 + 20 * 5
    assert stats["percentiles"][50] <= stats["percentiles"][90] <= stats["max_abs"]


if __name__ == "__main__":
    test_unit_profiler()

# %% [markdown]
"""
## 3. Systems analysis: where the time goes

FLOPs predict time only roughly: small operations are dominated by Python and numpy
call overhead, large ones by arithmetic. We measure FLOPs per millisecond for Linear
layers of growing width: the achieved rate climbs as the matrices grow, until the
machine's arithmetic throughput becomes the limit.
"""

# %% nbgrader={"grade": false, "grade_id": "profiling-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_flops_per_second():
    """Measure achieved GFLOP/s of a Linear layer as its width grows."""
    profiler = Profiler()
    print(f"{'width':>6}{'FLOPs':>14}{'median ms':>11}{'GFLOP/s':>9}")
    for width in (16, 64, 256, 1024):
        layer = Linear(width, width)
        x = Tensor(np.random.default_rng(0).normal(size=(64, width)))
        flops = profiler.count_flops(layer, x.shape)
        ms = profiler.measure_latency(layer, x, warmup=2, iterations=7)
        print(f"{width:>6}{flops:>14,}{ms:>11.3f}{flops / ms / 1e6:>9.2f}")


if __name__ == "__main__":
    analyze_flops_per_second()

# %% [markdown]
"""
## Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module-profiling", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test, then a profile of a model with a convolution and an attention layer."""
    test_unit_layer_flops()
    test_unit_profiler()
    attention = MultiHeadAttention(8, 2)
    flops = Profiler().flops_by_layer_type(attention, (2, 5, 8))
    assert flops["MultiHeadAttention"] == 4 * 2 * 5 * 5 * 8
    assert flops["Linear"] == 4 * (2 * 2 * 5 * 8 * 8)
    print("Module 14 (Profiling): all tests passed")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- Parameters, FLOPs, bytes and milliseconds are four different costs; the profiler
  measures each for any model with `forward` and `parameters()`.
- FLOPs follow from shapes, so one watched forward pass is enough to count them.
- Time is measured after warm-up and summarised by the median.

Next, Module 15 (Quantization) uses these measurements to show a 4x smaller model.
"""
