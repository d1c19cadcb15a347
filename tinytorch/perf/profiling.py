# Generated from modules/14_profiling/profiling.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["WATCHED_TYPES", "find_layers", "layer_flops", "watch_forward", "unique_parameters", "Profiler", "quick_profile", "analyze_weight_distribution"]


# modules/14_profiling/profiling.py:32
import time
import tracemalloc
import types

import numpy as np

import tinytorch.core.autograd  # noqa: F401  (turns gradients on for profile_backward_pass)
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.layers import Linear
from tinytorch.core.spatial import Conv2d
from tinytorch.core.tensor import Tensor


# modules/14_profiling/profiling.py:77
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
    """FLOPs of one call of a watched layer, from its input and output shapes."""
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


# modules/14_profiling/profiling.py:211
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
        """Number of trainable numbers in the model, each shared tensor counted once."""
        return int(sum(p.data.size for p in unique_parameters(model)))

    def count_flops(self, model, input_shape, dtype=np.float32):
        """FLOPs of one forward pass on an input of input_shape (batch dimension included)."""
        _, calls = watch_forward(model, _zeros_input(input_shape, dtype))
        return int(sum(call["flops"] for call in calls))

    def flops_by_layer_type(self, model, input_shape, dtype=np.float32):
        """FLOPs of one forward pass grouped by layer type, e.g. {"Linear": 1200, "Conv2d": 5400}."""
        _, calls = watch_forward(model, _zeros_input(input_shape, dtype))
        return _totals_by_type(calls)

    def measure_memory(self, model, input_shape, dtype=np.float32):
        """Bytes of the parameters, of the watched layers' outputs, and the peak allocated during forward."""
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

    def measure_latency(self, model, input_tensor, warmup=3, iterations=10):
        """Median milliseconds of model.forward(input_tensor) after warm-up runs."""
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
