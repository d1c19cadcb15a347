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
# Module 20: Capstone - Showing What Your Optimizations Bought

You have built a framework: tensors, layers, losses, autograd, optimizers and
training (Modules 01 to 08), convolutions, tokenizers, embeddings, attention and
transformers (Modules 09 to 13). Then you made models cheaper: Module 14
(Profiling) to see where the cost is, Module 15 (Quantization) to store weights in
8 bits, Module 16 (Compression) to remove weights, Module 17 (Memoization) to stop
recomputing attention keys and values, Module 18 (Acceleration) to fuse and
vectorize kernels, and Module 19 (Benchmarking) to compare models fairly.

The capstone asks one question: **with measured numbers, what did your
optimizations buy?** You build three small tools and then use them end to end:

- `BenchmarkReport`: measures one model (parameters, non-zeros, bytes, latency,
  accuracy) with Module 19's `Benchmark`, and keeps the metrics.
- `generate_submission`: baseline and optimized metrics, the improvements computed
  from them (speedup, compression ratio, accuracy change), the techniques applied,
  and the system the numbers were measured on.
- `save_submission`: checks the submission is complete and self-consistent, then
  writes it as JSON atomically.

```
train (01-08) -> profile (14) -> optimize (15, 16, 18) -> BenchmarkReport x2 -> submission.json
                                  KV cache (17) for generation, measured the same way
```
"""

# %% nbgrader={"grade": false, "grade_id": "capstone-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp capstone
#| export
import math
import numbers

import numpy as np

from tinytorch.bench import Benchmark, safe_ratio, system_info, write_json_atomically
from tinytorch.perf.profiling import unique_parameters

# %% [markdown]
"""
The package file `tinytorch/capstone.py` needs only the imports above (Module 19).
The tests and the end-to-end analysis in this module also use the rest of the course:
"""

# %% nbgrader={"grade": false, "grade_id": "capstone-demo-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
import copy
import json
import tempfile
from pathlib import Path

import tinytorch.core.autograd  # noqa: F401  (training needs backward)
from tinytorch.core.activations import GELU
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import Tensor
from tinytorch.core.transformer import GPT
from tinytorch.bench import TinyMLPerf, comparison_table
from tinytorch.perf.acceleration import fused_gelu
from tinytorch.perf.compression import magnitude_prune
from tinytorch.perf.memoization import disable_kv_cache, enable_kv_cache
from tinytorch.perf.profiling import Profiler
from tinytorch.perf.quantization import quantize_model

# %% [markdown]
"""
## 1. BenchmarkReport: one model, measured

```
BenchmarkReport("baseline").benchmark_model(model, inputs, labels)
        |
        +-- Benchmark({name: model}, {"eval": (inputs, labels)})     (Module 19)
        |      latency  -> median ms and its 95% interval
        |      accuracy -> fraction of arg-max predictions equal to the labels
        |      memory   -> parameter bytes, parameter count          (Module 14 Profiler)
        +-- non-zero parameters, counted from the arrays             (what pruning changes)
        v
   report.metrics = {"model_name", "parameters", "nonzero_parameters", "sparsity",
                     "size_bytes", "latency_ms", "latency_ci_ms", "accuracy", ...}
```

`size_bytes` is what the parameters occupy as stored: an int8 weight counts one
byte per entry, a pruned float32 weight still four (zeros are stored densely).
`nonzero_parameters` is what pruning reduces. Reporting both keeps the two claims
apart: quantization shrinks storage, pruning shrinks the work a sparse kernel
would have to do.
"""

# %% nbgrader={"grade": false, "grade_id": "benchmark-report", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
METRIC_KEYS = ("model_name", "parameters", "nonzero_parameters", "sparsity", "size_bytes",
               "latency_ms", "latency_ci_ms", "accuracy", "eval_samples", "measurement_runs")


class BenchmarkReport:
    """Measures one model on evaluation data and keeps the metrics for a submission."""

    def __init__(self, model_name="model"):
        if not isinstance(model_name, str) or not model_name.strip():
            raise ValueError(f"model_name must be a non-empty string, got {model_name!r}")
        self.model_name = model_name
        self.metrics = None

    def benchmark_model(self, model, inputs, labels, warmup_runs=3, measurement_runs=10):
        """Measure the model on (inputs, labels); store and return the metrics dict.

        TODO: Run Module 19's Benchmark on this one model and dataset, then fill the metrics.

        APPROACH:
        1. bench = Benchmark({self.model_name: model}, {"eval": (inputs, labels)}, warmup_runs, measurement_runs)
        2. latency, accuracy, memory = its three run_*_benchmark() results for this model
        3. nonzero_parameters = count of non-zero entries over the unique parameters
        4. Fill every key of METRIC_KEYS; sparsity = 1 - nonzero / parameters

        EXAMPLE:
        >>> BenchmarkReport("tiny").benchmark_model(Linear(4, 2), x, y)["parameters"]
        10

        HINTS:
        - Benchmark validates the model and data (TypeError / ValueError), nothing to repeat here
        - Use the median latency: one disturbed run should not move the headline number
        """
        ### BEGIN SOLUTION
        bench = Benchmark({self.model_name: model}, {"eval": (inputs, labels)}, warmup_runs, measurement_runs)
        latency = bench.run_latency_benchmark()[self.model_name]
        accuracy = bench.run_accuracy_benchmark()[self.model_name]
        memory = bench.run_memory_benchmark()[self.model_name]
        parameters = memory.metadata["parameters"]
        nonzero = int(sum(np.count_nonzero(p.data) for p in unique_parameters(model)))
        self.metrics = {
            "model_name": self.model_name,
            "parameters": parameters,
            "nonzero_parameters": nonzero,
            "sparsity": 1.0 - nonzero / parameters if parameters else 0.0,
            "size_bytes": int(memory.mean),
            "latency_ms": latency.median,
            "latency_ci_ms": [latency.ci_lower, latency.ci_upper],
            "accuracy": accuracy.mean,
            "eval_samples": int(bench.datasets["eval"][1].size),
            "measurement_runs": bench.measurement_runs,
        }
        return dict(self.metrics)
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-benchmark-report", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
class _Fixed:
    """logits = x @ W with a given W: every metric can be worked out by hand."""

    def __init__(self, weight):
        self.weight = Tensor(np.asarray(weight, dtype=np.float32))

    def forward(self, x):
        return x @ self.weight

    def parameters(self):
        return [self.weight]


def test_unit_benchmark_report():
    """Counts, bytes and accuracy of a hand-made model; metrics are stored on the report."""
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, 0.0]], dtype=np.float32)
    y = np.array([0, 1, 1, 0])
    report = BenchmarkReport("fixed")
    metrics = report.benchmark_model(_Fixed([[1.0, 0.0], [0.0, 2.0]]), x, y, warmup_runs=0, measurement_runs=3)
    assert metrics["parameters"] == 4 and metrics["nonzero_parameters"] == 2 and metrics["sparsity"] == 0.5
    assert metrics["size_bytes"] == 16 and metrics["accuracy"] == 1.0  # row 3: logits (1, 2) -> class 1
    assert metrics["latency_ms"] > 0 and report.metrics == metrics and set(metrics) == set(METRIC_KEYS)
    try:
        BenchmarkReport("")
        raise AssertionError("an empty name must be rejected")
    except ValueError:
        pass


if __name__ == "__main__":
    test_unit_benchmark_report()

# %% [markdown]
"""
## 2. The submission: metrics, improvements, context

Improvements are *computed* from the two sets of metrics, never typed in:

```
speedup            = baseline latency_ms      / optimized latency_ms       (> 1: faster)
compression_ratio  = baseline size_bytes      / optimized size_bytes       (> 1: smaller)
nonzero_reduction  = baseline nonzero_params  / optimized nonzero_params   (> 1: sparser)
accuracy_delta     = optimized accuracy       - baseline accuracy          (< 0: accuracy lost)
```

```
submission = {
  "schema_version": 1,
  "system":       {"python", "numpy", "platform", "machine"}   where it was measured
  "baseline":     metrics of the model before optimization
  "optimized":    metrics after (or None: a baseline-only submission)
  "improvements": the four numbers above (None without an optimized model)
  "techniques":   ["magnitude_prune(sparsity=0.5)", "quantize_model (INT8)", ...]
}
```

`validate_submission` recomputes the improvements from the metrics, so a
submission whose headline numbers were edited by hand is rejected.
"""

# %% nbgrader={"grade": false, "grade_id": "submission", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
SCHEMA_VERSION = 1
SUBMISSION_KEYS = ("schema_version", "system", "baseline", "optimized", "improvements", "techniques")
IMPROVEMENT_KEYS = ("speedup", "compression_ratio", "nonzero_reduction", "accuracy_delta")


def compute_improvements(baseline, optimized):
    """The four improvement numbers from two metrics dicts.

    TODO: Apply the formulas in the table above.

    EXAMPLE:
    >>> compute_improvements({"latency_ms": 2.0, "size_bytes": 400, "nonzero_parameters": 100, "accuracy": 0.9},
    ...                      {"latency_ms": 1.0, "size_bytes": 100, "nonzero_parameters": 50, "accuracy": 0.85})
    {'speedup': 2.0, 'compression_ratio': 4.0, 'nonzero_reduction': 2.0, 'accuracy_delta': -0.05...}

    HINTS:
    - _ratio avoids dividing by zero
    """
    ### BEGIN SOLUTION
    return {
        "speedup": safe_ratio(baseline["latency_ms"], optimized["latency_ms"]),
        "compression_ratio": safe_ratio(baseline["size_bytes"], optimized["size_bytes"]),
        "nonzero_reduction": safe_ratio(baseline["nonzero_parameters"], optimized["nonzero_parameters"]),
        "accuracy_delta": float(optimized["accuracy"] - baseline["accuracy"]),
    }
    ### END SOLUTION


def _metrics_of(report, role):
    if not isinstance(report, BenchmarkReport):
        raise TypeError(f"{role} must be a BenchmarkReport, got {type(report).__name__}")
    if report.metrics is None:
        raise ValueError(f"{role} {report.model_name!r} has no metrics yet: call benchmark_model(...) first")
    return dict(report.metrics)


def generate_submission(baseline_report, optimized_report=None, techniques=()):
    """A submission dict from one or two measured reports (see the diagram above).

    TODO: Collect the metrics, compute the improvements, record techniques and system.

    APPROACH:
    1. _metrics_of(...) for each report (it raises when a report was never run)
    2. techniques: a list or tuple of non-empty strings (a bare string is a mistake: TypeError)
    3. improvements = compute_improvements(...) when there is an optimized report, else None

    HINTS:
    - system_info() from Module 19 records Python, numpy and platform
    """
    ### BEGIN SOLUTION
    baseline = _metrics_of(baseline_report, "baseline_report")
    optimized = None if optimized_report is None else _metrics_of(optimized_report, "optimized_report")
    if not isinstance(techniques, (list, tuple)):
        raise TypeError(f"techniques must be a list of strings, got {type(techniques).__name__}")
    if not all(isinstance(t, str) and t.strip() for t in techniques):
        raise ValueError(f"every technique must be a non-empty string, got {list(techniques)}")
    return {
        "schema_version": SCHEMA_VERSION,
        "system": system_info(),
        "baseline": baseline,
        "optimized": optimized,
        "improvements": None if optimized is None else compute_improvements(baseline, optimized),
        "techniques": list(techniques),
    }
    ### END SOLUTION


def _check_metrics(metrics, role):
    if not isinstance(metrics, dict):
        raise ValueError(f"submission[{role!r}] must be a metrics dict, got {type(metrics).__name__}")
    missing = [key for key in METRIC_KEYS if key not in metrics]
    if missing:
        raise ValueError(f"submission[{role!r}] lacks metrics {missing}")
    for key in METRIC_KEYS[1:]:
        values = metrics[key] if isinstance(metrics[key], list) else [metrics[key]]
        if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            raise ValueError(f"submission[{role!r}][{key!r}] must be a finite number, got {metrics[key]!r}")


def _same(a, b):
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12))


def validate_submission(submission):
    """Raise a ValueError naming the first problem; return None for a complete, consistent submission."""
    if not isinstance(submission, dict):
        raise ValueError(f"a submission is a dict, got {type(submission).__name__}")
    missing = [key for key in SUBMISSION_KEYS if key not in submission]
    if missing:
        raise ValueError(f"submission lacks keys {missing}")
    if submission["schema_version"] != SCHEMA_VERSION:
        raise ValueError(f"schema_version must be {SCHEMA_VERSION}, got {submission['schema_version']!r}")
    system = submission["system"]
    if not isinstance(system, dict) or not all(isinstance(system.get(k), str) for k in ("python", "numpy", "platform")):
        raise ValueError("submission['system'] must give python, numpy and platform as strings")
    _check_metrics(submission["baseline"], "baseline")
    techniques = submission["techniques"]
    if not isinstance(techniques, list) or not all(isinstance(t, str) and t.strip() for t in techniques):
        raise ValueError("submission['techniques'] must be a list of non-empty strings")
    optimized, improvements = submission["optimized"], submission["improvements"]
    if optimized is None:
        if improvements is not None:
            raise ValueError("submission has improvements but no optimized metrics to compute them from")
        return
    _check_metrics(optimized, "optimized")
    expected = compute_improvements(submission["baseline"], optimized)
    if not isinstance(improvements, dict) or set(improvements) != set(IMPROVEMENT_KEYS):
        raise ValueError(f"submission['improvements'] must have exactly the keys {list(IMPROVEMENT_KEYS)}")
    wrong = [key for key in IMPROVEMENT_KEYS if not _same(improvements[key], expected[key])]
    if wrong:
        raise ValueError(f"improvements {wrong} do not follow from the baseline and optimized metrics")

# %% nbgrader={"grade": true, "grade_id": "test-submission", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_submission():
    """Improvements follow the formulas; edited numbers and unmeasured reports are rejected."""
    baseline, optimized = BenchmarkReport("base"), BenchmarkReport("small")
    baseline.metrics = {"model_name": "base", "parameters": 100, "nonzero_parameters": 100, "sparsity": 0.0,
                        "size_bytes": 400, "latency_ms": 2.0, "latency_ci_ms": [1.9, 2.1], "accuracy": 0.90,
                        "eval_samples": 50, "measurement_runs": 5}
    optimized.metrics = dict(baseline.metrics, model_name="small", nonzero_parameters=40, sparsity=0.6,
                             size_bytes=100, latency_ms=0.5, accuracy=0.88)
    submission = generate_submission(baseline, optimized, techniques=["prune", "int8"])
    assert submission["improvements"]["speedup"] == 4.0 and submission["improvements"]["compression_ratio"] == 4.0
    assert submission["improvements"]["nonzero_reduction"] == 2.5
    assert np.isclose(submission["improvements"]["accuracy_delta"], -0.02)
    validate_submission(submission)
    assert generate_submission(baseline)["improvements"] is None
    submission["improvements"]["speedup"] = 10.0
    for bad_call in (lambda: validate_submission(submission), lambda: generate_submission(BenchmarkReport("new")),
                     lambda: generate_submission(baseline, optimized, techniques="prune")):
        try:
            bad_call()
            raise AssertionError("should be rejected")
        except (TypeError, ValueError):
            pass


if __name__ == "__main__":
    test_unit_submission()

# %% [markdown]
"""
## 3. Saving: validate first, then write atomically

```
save_submission(submission, "submission.json")
   validate_submission        a ValueError here: nothing is written
   json text in memory        NaN or a non-JSON value: nothing is written
   temporary file -> os.replace(temporary, "submission.json")
                              a crash here: the old file (if any) is intact, no half file
```

The write uses Module 19's `write_json_atomically`.
"""

# %% nbgrader={"grade": false, "grade_id": "save-submission", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def save_submission(submission, filepath="submission.json"):
    """Validate the submission and write it as JSON atomically; return the Path written.

    TODO: validate_submission, then write_json_atomically.

    EXAMPLE:
    >>> path = save_submission(generate_submission(report), "submission.json")
    >>> json.loads(path.read_text())["baseline"]["model_name"]
    'model'

    HINTS:
    - Both steps raise before the file is touched when something is wrong
    """
    ### BEGIN SOLUTION
    validate_submission(submission)
    return write_json_atomically(submission, filepath)  # converts numpy values itself
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-save-submission", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_save_submission():
    """A saved submission reads back equal; an invalid one leaves the folder empty."""
    x, y = np.eye(2, dtype=np.float32), np.array([0, 1])
    report = BenchmarkReport("identity")
    report.benchmark_model(_Fixed(np.eye(2)), x, y, warmup_runs=0, measurement_runs=2)
    submission = generate_submission(report)
    with tempfile.TemporaryDirectory() as folder:
        path = save_submission(submission, Path(folder) / "submission.json")
        assert json.loads(path.read_text()) == submission
        broken = dict(submission, baseline=dict(submission["baseline"], accuracy=float("nan")))
        try:
            save_submission(broken, Path(folder) / "broken.json")
            raise AssertionError("NaN accuracy must be rejected")
        except ValueError:
            pass
        assert [p.name for p in Path(folder).iterdir()] == ["submission.json"]


if __name__ == "__main__":
    test_unit_save_submission()

# %% [markdown]
"""
## 4. Systems analysis: the whole journey, measured

Now the capstone itself, on a model small enough to train in a fraction of a second:

```
TinyMLPerf "blobs" data (19)
  -> MLP 8 -> 64 -> 64 -> 4 with GELU (02, 03), trained with Adam on cross-entropy (04-06)
  -> Profiler: where do the FLOPs go? (14)
  -> each technique alone, then all three: 50% magnitude pruning (16), INT8 weights (15),
     fused GELU (18), compared by Module 19's Benchmark
  -> BenchmarkReport for baseline and all three -> submission with measured improvements
  -> GPT generation with and without the KV cache (13, 17), timed by the same Profiler
```

Every number printed below is measured on this machine as the cell runs.
"""

# %% nbgrader={"grade": false, "grade_id": "capstone-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
class FusedGELULayer:
    """GELU through Module 18's fused kernel: same values, one buffer instead of seven."""

    def forward(self, x):
        return fused_gelu(x)

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return []


class CapstoneMLP:
    """Linear -> GELU -> Linear -> GELU -> Linear, chained explicitly."""

    def __init__(self, n_features=8, hidden=64, n_classes=4):
        self.layer1 = Linear(n_features, hidden)
        self.layer2 = Linear(hidden, hidden)
        self.layer3 = Linear(hidden, n_classes)
        self.activation = GELU()

    def forward(self, x):
        x = self.activation(self.layer1(x))
        x = self.activation(self.layer2(x))
        return self.layer3(x)

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters() + self.layer3.parameters()


class GenerationTask:
    """Makes generation timeable by the Profiler: forward(prompt) greedily generates new_tokens ids."""

    def __init__(self, gpt, new_tokens):
        self.gpt, self.new_tokens = gpt, new_tokens

    def forward(self, prompt):
        return self.gpt.generate(prompt.data, self.new_tokens, temperature=0)

    def parameters(self):
        return self.gpt.parameters()


def optimize(model, calibration_inputs, sparsity=0.5):
    """A pruned, INT8, fused-GELU copy of a trained model (the original is left untouched)."""
    pruned = magnitude_prune(copy.deepcopy(model), sparsity=sparsity)
    optimized = quantize_model(pruned, calibration_data=calibration_inputs)
    optimized.activation = FusedGELULayer()
    return optimized


def analyze_capstone():
    """Train, profile, optimize, report and save; then time generation with and without the KV cache."""
    np.random.seed(0)  # Linear draws its initial weights from numpy's global generator
    data = TinyMLPerf(random_seed=42).load_task("blobs")
    (train_x, train_y), (test_x, test_y) = data["train"], data["test"]
    model, loss_fn = CapstoneMLP(), CrossEntropyLoss()
    optimizer = Adam(model.parameters(), lr=0.01)
    for _ in range(50):
        optimizer.zero_grad()
        loss_fn(model.forward(Tensor(train_x)), train_y).backward()
        optimizer.step()

    profile = Profiler().profile_forward_pass(model, Tensor(test_x))
    print(f"profile: {profile['parameters']:,} parameters, {profile['flops']:,} FLOPs per batch of {len(test_y)}")

    fused = copy.deepcopy(model)
    fused.activation = FusedGELULayer()
    one_at_a_time = {"baseline": model, "fused gelu": fused,
                     "pruned 50%": magnitude_prune(copy.deepcopy(model), sparsity=0.5),
                     "int8": quantize_model(model, calibration_data=Tensor(train_x)),
                     "all three": optimize(model, Tensor(train_x))}
    bench = Benchmark(one_at_a_time, {"blobs": (test_x, test_y)}, warmup_runs=1, measurement_runs=10)
    print(comparison_table(bench.compare_models()))

    techniques = ["magnitude_prune(sparsity=0.5)", "quantize_model (INT8 weights, calibrated)", "fused_gelu"]
    optimized = one_at_a_time["all three"]
    baseline_report, optimized_report = BenchmarkReport("fp32 baseline"), BenchmarkReport("optimized")
    for report, subject in ((baseline_report, model), (optimized_report, optimized)):
        m = report.benchmark_model(subject, test_x, test_y, warmup_runs=1, measurement_runs=10)
        print(f"{m['model_name']:<14} {m['size_bytes']:>7,} bytes  {m['nonzero_parameters']:>6,} non-zeros  "
              f"{m['latency_ms']:.3f} ms  accuracy {m['accuracy']:.3f}")
    submission = generate_submission(baseline_report, optimized_report, techniques)
    with tempfile.TemporaryDirectory() as folder:
        path = save_submission(submission, Path(folder) / "submission.json")
        print(f"saved {path.name} ({path.stat().st_size:,} bytes): " +
              ", ".join(f"{k} {v:+.3f}" if k == "accuracy_delta" else f"{k} {v:.2f}x"
                        for k, v in submission["improvements"].items()))

    gpt = GPT(vocab_size=32, embed_dim=32, num_layers=1, num_heads=2, max_seq_len=64)
    prompt = Tensor(np.arange(8) % 32)
    for new_tokens in (4, 24):
        task = GenerationTask(gpt, new_tokens)
        plain_ids = task.forward(prompt)  # the tokens to compare, and the warm-up run
        plain_ms = Profiler().measure_latency(task, prompt, warmup=0, iterations=3)
        enable_kv_cache(gpt)
        cached_ids = task.forward(prompt)
        cached_ms = Profiler().measure_latency(task, prompt, warmup=0, iterations=3)
        disable_kv_cache(gpt)
        print(f"GPT, {new_tokens} new tokens: {plain_ms:.1f} ms without KV cache, {cached_ms:.1f} ms with "
              f"({plain_ms / cached_ms:.1f}x), same tokens: {np.array_equal(plain_ids, cached_ids)}")


if __name__ == "__main__":
    analyze_capstone()

# %% [markdown]
"""
How to read it. The table first takes one technique at a time, so each number has
one cause. The compression ratio is close to 4x minus the biases, which stay
float32: that is quantization, the only step that changes what is stored. Pruning
shows up as the non-zero reduction instead: half the weights are zero, but dense
kernels multiply zeros as fast as anything else. The speedup is whatever the
measurement says: at this size the quantized layer's extra rounding and rescaling
can cost more than it saves, and the fused GELU helps only the activation's share
of the time. The KV cache is different in kind: it removes work (each new token
attends with cached keys and values instead of re-running the whole prefix), so
its gain should grow with the number of tokens generated; compare the two lengths
(and measure again if another process disturbed them). At
this tiny width the per-call overhead of Python and numpy still takes much of the
time, which caps every speedup here. Trust the submission file, not the
expectation: it was measured.

## Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module-capstone", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test, then a real before/after: INT8 stores a Linear in fewer bytes, as measured."""
    test_unit_benchmark_report()
    test_unit_submission()
    test_unit_save_submission()
    x = np.random.default_rng(0).normal(size=(20, 16)).astype(np.float32)
    layer = Linear(16, 4)
    y = np.argmax(layer.forward(Tensor(x)).data, axis=1)
    baseline, optimized = BenchmarkReport("fp32"), BenchmarkReport("int8")
    baseline.benchmark_model(layer, x, y, warmup_runs=0, measurement_runs=3)
    optimized.benchmark_model(quantize_model(layer), x, y, warmup_runs=0, measurement_runs=3)
    improvements = generate_submission(baseline, optimized, ["quantize_model"])["improvements"]
    assert improvements["compression_ratio"] == (16 * 4 * 4 + 4 * 4) / (16 * 4 + 4 * 4)
    assert improvements["accuracy_delta"] >= -0.1, "INT8 keeps nearly every prediction of the float layer"
    print("Module 20 (Capstone): all tests passed")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- A claim about an optimization is a pair of measurements: the same data, the same
  protocol, before and after, with the system recorded.
- Storage (bytes), work (non-zeros, FLOPs) and time (milliseconds) are different
  costs; each technique moves some of them and not others, and the submission
  reports them separately.
- Improvements are computed from the metrics and checked again on save, so the
  submission cannot claim more than was measured.

That is the course: a framework you built yourself, and the habit of measuring it.
"""
