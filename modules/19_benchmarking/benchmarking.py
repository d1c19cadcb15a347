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
# Module 19: Benchmarking - Comparing Models Fairly

Module 14 (Profiling) measures one model once. Modules 15 (Quantization) and
16 (Compression) then produce *other* models, and the question becomes: is the
optimized model really faster, smaller, and about as accurate? One timing of each
cannot answer it: timings wobble from run to run, and two models timed on
different inputs, or one with warm caches and one without, are not comparable.

This module builds the tools that make a comparison fair and repeatable:

- `BenchmarkResult`: the repeated measurements of one metric, with mean, standard
  deviation, median and a 95% confidence interval.
- `Benchmark`: runs every model on the same datasets with the same protocol
  (warm-up runs, then measured runs) for latency, accuracy and memory, and
  compares the models against a baseline.
- `BenchmarkSuite`: runs everything and writes a JSON report that records the
  machine it ran on.
- `TinyMLPerf`: a small benchmark protocol in the spirit of MLPerf: synthetic tasks
  generated from a recorded random seed, a fixed reference model, and one
  function that scores any submitted model on them.

Measurement goes through Module 14's `Profiler`; the reference model is built from
Module 03 (Layers) and trained with Module 05 (Autograd) and Module 06 (Optimizers).
Module 20 (Capstone) uses all of this to report what the optimizations bought.
"""

# %% nbgrader={"grade": false, "grade_id": "benchmarking-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp bench
#| export
import json
import math
import numbers
import os
import platform
import tempfile
from pathlib import Path

import numpy as np

from tinytorch.core.tensor import Tensor
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.autograd import no_grad
from tinytorch.core.optimizers import Adam
from tinytorch.perf.profiling import Profiler

# %% [markdown]
"""
## 1. Repeated measurements and their statistics

A single timing is one draw from a noisy distribution. We keep every measured
value and summarise them:

```
values (ms)   0.41  0.39  0.40  0.62  0.40     <- one slow run (another process)
mean          0.444        pulled up by the outlier
median        0.40         the typical run: robust to outliers
std (n-1)     0.098        spread of single runs
95% CI        mean +- t * std / sqrt(n)        where the true mean plausibly lies

      |----[=====|=====]----|
         ci_lower  mean  ci_upper
```

`t` is Student's t critical value for n - 1 degrees of freedom (12.71 for two
runs, 2.78 for five, close to 1.96 for many): with few runs we know the spread
badly, so the interval must be wider. The interval shrinks like `1 / sqrt(n)`:
four times the runs, half the width.
"""

# %% nbgrader={"grade": false, "grade_id": "benchmark-result", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
CONFIDENCE = 0.95
# Two-sided 95% critical values of Student's t for 1..30 degrees of freedom.
T_CRITICAL_95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t_critical(degrees_of_freedom):
    """Two-sided 95% critical value of Student's t distribution.

    Table for 1..30 degrees of freedom; above that the Cornish-Fisher expansion around
    the normal value 1.96, accurate to about 0.001.
    """
    df = int(degrees_of_freedom)
    if df < 1:
        raise ValueError(f"degrees_of_freedom must be >= 1, got {degrees_of_freedom}")
    if df <= len(T_CRITICAL_95):
        return T_CRITICAL_95[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def to_jsonable(obj):
    """A copy of obj made of dicts, lists, str, int, float, bool and None (numpy values converted)."""
    if isinstance(obj, dict):
        return {str(key): to_jsonable(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(value) for value in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    raise TypeError(f"cannot store a {type(obj).__name__} in a JSON report")


class BenchmarkResult:
    """All measured values of one metric for one model, and their summary statistics."""

    def __init__(self, metric_name, values, metadata=None):
        """Store the values and compute mean, std (n - 1), median, min, max and the 95% CI.

        TODO: Validate the inputs, then compute the statistics with numpy.

        APPROACH:
        1. metric_name: a non-empty str; values: a non-empty 1-D list of finite numbers
        2. mean, median, min, max with numpy; std with ddof=1 (0.0 for a single value)
        3. half-width = t_critical(n - 1) * std / sqrt(n) (0.0 for a single value)
        4. ci_lower = mean - half-width, ci_upper = mean + half-width

        EXAMPLE:
        >>> r = BenchmarkResult("latency_ms", [1.0, 2.0, 3.0])
        >>> r.mean, r.median, r.std
        (2.0, 2.0, 1.0)

        HINTS:
        - np.asarray(values, dtype=np.float64) raises for non-numbers; check np.isfinite too
        """
        ### BEGIN SOLUTION
        if not isinstance(metric_name, str) or not metric_name:
            raise ValueError(f"metric_name must be a non-empty string, got {metric_name!r}")
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"values of {metric_name!r} must be numbers, got {values!r}") from None
        if array.ndim != 1 or array.size == 0:
            raise ValueError(f"values of {metric_name!r} must be a non-empty 1-D sequence, got shape {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"values of {metric_name!r} must be finite, got {array.tolist()}")
        self.metric_name = metric_name
        self.values = array.tolist()
        self.metadata = dict(metadata or {})
        n = array.size
        self.mean = float(array.mean())
        self.std = float(array.std(ddof=1)) if n > 1 else 0.0
        self.median = float(np.median(array))
        self.min, self.max = float(array.min()), float(array.max())
        half_width = t_critical(n - 1) * self.std / math.sqrt(n) if n > 1 else 0.0
        self.ci_lower, self.ci_upper = self.mean - half_width, self.mean + half_width
        ### END SOLUTION

    def to_dict(self):
        """Everything as plain JSON-serialisable types (numpy values converted)."""
        return to_jsonable({
            "metric": self.metric_name, "values": self.values, "n": len(self.values),
            "mean": self.mean, "std": self.std, "median": self.median, "min": self.min, "max": self.max,
            "confidence": CONFIDENCE, "ci_lower": self.ci_lower, "ci_upper": self.ci_upper,
            "metadata": self.metadata,
        })

    def __repr__(self):
        return (f"BenchmarkResult({self.metric_name!r}, n={len(self.values)}, mean={self.mean:.4g}, "
                f"95% CI [{self.ci_lower:.4g}, {self.ci_upper:.4g}])")

# %% nbgrader={"grade": true, "grade_id": "test-benchmark-result", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_benchmark_result():
    """Statistics match numpy and a hand-computed t interval; to_dict survives json."""
    values = [0.41, 0.39, 0.40, 0.62, 0.40]
    result = BenchmarkResult("latency_ms", values, {"unit": np.str_("ms")})
    assert np.isclose(result.mean, np.mean(values)) and np.isclose(result.median, 0.40)
    assert np.isclose(result.std, np.std(values, ddof=1))
    assert result.min == 0.39 and result.max == 0.62
    half = 2.776 * np.std(values, ddof=1) / np.sqrt(5)  # t for 4 degrees of freedom
    assert np.isclose(result.ci_lower, np.mean(values) - half) and np.isclose(result.ci_upper, np.mean(values) + half)
    assert json.loads(json.dumps(result.to_dict()))["metadata"] == {"unit": "ms"}
    single = BenchmarkResult("bytes", [100])
    assert single.std == 0.0 and single.ci_lower == single.ci_upper == 100.0
    for bad in ([], [1.0, float("nan")], [[1.0, 2.0]]):
        try:
            BenchmarkResult("x", bad)
            raise AssertionError(f"{bad!r} should be rejected")
        except ValueError:
            pass


if __name__ == "__main__":
    test_unit_benchmark_result()

# %% [markdown]
"""
## 2. A fair benchmark: same data, same protocol, every model

```
models   {"baseline": m0, "int8": m1}          datasets  {"test": (inputs, labels)}
              |                                               |
              +----------------------+------------------------+
                                     v
  latency   per model: warm-up runs (not timed), then measurement_runs timed runs;
            one run = one forward pass over every dataset's inputs (Profiler.measure_latency)
  accuracy  per model and dataset: arg-max of the logits == label
  memory    per model: parameter bytes, plus activation and peak bytes (Profiler.measure_memory)
                                     v
  compare_models()   every model against the first (the baseline):
            speedup = baseline median latency / model median latency
            compression_ratio = baseline bytes / model bytes
            accuracy_delta = model accuracy - baseline accuracy
```

Fairness comes from doing exactly the same thing to every model: the same
inputs, the same number of warm-up and timed runs, and all forward passes under
`no_grad()` (Module 05), so no model pays for recording a graph it will never use.
The median, not the mean, drives the speedup, so one disturbed run does not decide
the comparison.

`models` is a list (named `model_0`, `model_1`, ...) or a dict name -> model;
`datasets` is a list (named `dataset_0`, ...) or a dict name -> `(inputs, labels)`,
where `inputs` is an array or Tensor with one row per example and `labels` a 1-D
integer array of class ids. Models return logits of shape `(examples, classes)`.
"""

# %% nbgrader={"grade": false, "grade_id": "benchmark", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def _named(collection, kind, prefix):
    """A dict name -> item from a list (auto-named) or a dict; errors name `kind`."""
    if isinstance(collection, dict):
        items = dict(collection)
        if not all(isinstance(name, str) and name for name in items):
            raise TypeError(f"{kind} names must be non-empty strings, got {list(items)}")
    elif isinstance(collection, (list, tuple)):
        items = {f"{prefix}_{i}": item for i, item in enumerate(collection)}
    else:
        raise TypeError(f"{kind} must be a list or a dict of name -> item, got {type(collection).__name__}")
    if not items:
        raise ValueError(f"{kind} is empty: a benchmark needs at least one")
    return items


def _check_model(name, model):
    if not callable(getattr(model, "forward", None)) or not callable(getattr(model, "parameters", None)):
        raise TypeError(f"model {name!r} must have forward() and parameters(), got {type(model).__name__}")
    return model


def _check_dataset(name, pair):
    """(inputs Tensor, labels int array) from an (inputs, labels) pair, or a clear error."""
    if not isinstance(pair, (tuple, list)) or len(pair) != 2:
        raise TypeError(f"dataset {name!r} must be an (inputs, labels) pair; wrap a single pair in a list")
    inputs, labels = pair
    inputs = inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs))
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.ndim != 1 or labels.size == 0 or labels.dtype.kind not in "iu":
        raise ValueError(f"labels of dataset {name!r} must be a non-empty 1-D integer array, got {labels.dtype} {labels.shape}")
    if inputs.data.ndim == 0 or inputs.shape[0] != labels.size:
        raise ValueError(f"dataset {name!r}: {labels.size} labels but inputs of shape {inputs.shape}")
    return inputs, labels


def _check_count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def safe_ratio(numerator, denominator):
    """numerator / denominator, or None when the denominator is 0 (JSON has no infinity)."""
    return float(numerator / denominator) if denominator else None


class Benchmark:
    """Latency, accuracy and memory of several models, measured the same way on the same data."""

    def __init__(self, models, datasets, warmup_runs=3, measurement_runs=10):
        """Validate and store the models, datasets and run counts.

        TODO: Name the models and datasets, check each one, check the run counts.

        APPROACH:
        1. _named(...) turns a list or dict into {name: item}
        2. _check_model for each model, _check_dataset for each dataset
        3. warmup_runs >= 0 and measurement_runs >= 1 with _check_count

        EXAMPLE:
        >>> bench = Benchmark({"small": m1, "big": m2}, [(x, y)], measurement_runs=5)
        >>> list(bench.models), list(bench.datasets)
        (['small', 'big'], ['dataset_0'])

        HINTS:
        - Keep a Profiler (Module 14) and an empty results dict for later
        """
        ### BEGIN SOLUTION
        self.models = {name: _check_model(name, m) for name, m in _named(models, "models", "model").items()}
        self.datasets = {name: _check_dataset(name, d) for name, d in _named(datasets, "datasets", "dataset").items()}
        self.warmup_runs = _check_count(warmup_runs, "warmup_runs", 0)
        self.measurement_runs = _check_count(measurement_runs, "measurement_runs", 1)
        self.profiler = Profiler()
        self.results = {}
        ### END SOLUTION

    def run_latency_benchmark(self):
        """{model name: BenchmarkResult of milliseconds per run}; one run covers every dataset.

        TODO: Warm each model up, then time measurement_runs runs with the Profiler.

        APPROACH:
        1. Under no_grad(): warmup_runs untimed forward passes on each dataset
        2. Each run: sum over datasets of profiler.measure_latency(model, inputs, warmup=0, iterations=1)
        3. Store the results in self.results["latency"] and return them
        """
        ### BEGIN SOLUTION
        results = {}
        samples = int(sum(labels.size for _, labels in self.datasets.values()))
        with no_grad():
            for name, model in self.models.items():
                for inputs, _ in self.datasets.values():
                    for _ in range(self.warmup_runs):
                        model.forward(inputs)
                runs = [sum(self.profiler.measure_latency(model, inputs, warmup=0, iterations=1)
                            for inputs, _ in self.datasets.values())
                        for _ in range(self.measurement_runs)]
                results[name] = BenchmarkResult("latency_ms", runs, {
                    "unit": "ms", "datasets": list(self.datasets), "samples_per_run": samples,
                    "warmup_runs": self.warmup_runs, "measurement_runs": self.measurement_runs})
        self.results["latency"] = results
        return results
        ### END SOLUTION

    def run_accuracy_benchmark(self):
        """{model name: BenchmarkResult with one accuracy per dataset}; mean = average over datasets.

        TODO: For every model and dataset, compare the arg-max of the logits with the labels.

        HINTS:
        - Reject outputs that are not (examples, classes >= 2), and labels >= classes
        - Record the pooled accuracy (all correct / all examples) in the metadata
        """
        ### BEGIN SOLUTION
        results = {}
        with no_grad():
            for name, model in self.models.items():
                accuracies, correct = [], 0
                for data_name, (inputs, labels) in self.datasets.items():
                    output = model.forward(inputs)
                    logits = np.asarray(output.data if isinstance(output, Tensor) else output)
                    if logits.ndim != 2 or logits.shape[0] != labels.size or logits.shape[1] < 2:
                        raise ValueError(f"model {name!r} on {data_name!r}: expected logits of shape "
                                         f"({labels.size}, classes >= 2), got {logits.shape}")
                    if labels.min() < 0 or labels.max() >= logits.shape[1]:
                        raise ValueError(f"dataset {data_name!r} has labels outside 0..{logits.shape[1] - 1}")
                    hits = np.argmax(logits, axis=1) == labels
                    accuracies.append(float(hits.mean()))
                    correct += int(hits.sum())
                total = sum(labels.size for _, labels in self.datasets.values())
                results[name] = BenchmarkResult("accuracy", accuracies, {
                    "datasets": list(self.datasets), "pooled_accuracy": correct / total})
        self.results["accuracy"] = results
        return results
        ### END SOLUTION

    def run_memory_benchmark(self):
        """{model name: BenchmarkResult of parameter bytes}; activation and peak bytes per dataset in metadata."""
        results = {}
        with no_grad():
            for name, model in self.models.items():
                activation, peak, parameter_bytes = {}, {}, 0
                for data_name, (inputs, _) in self.datasets.items():
                    memory = self.profiler.measure_memory(model, inputs.shape, dtype=inputs.data.dtype)
                    parameter_bytes = memory["parameter_bytes"]
                    activation[data_name] = memory["activation_bytes"]
                    peak[data_name] = memory["peak_forward_bytes"]
                results[name] = BenchmarkResult("parameter_bytes", [parameter_bytes], {
                    "unit": "bytes", "parameters": self.profiler.count_parameters(model),
                    "activation_bytes": activation, "peak_forward_bytes": peak})
        self.results["memory"] = results
        return results

    def compare_models(self, baseline=None):
        """Every model against the baseline (default: the first model); runs missing benchmarks.

        TODO: Build {"baseline": name, "models": {name: row}} from the three benchmarks.

        APPROACH:
        1. Run any benchmark not in self.results yet
        2. Per model: median latency, mean accuracy, parameter bytes
        3. speedup = base latency / latency; compression_ratio = base bytes / bytes;
           accuracy_delta = accuracy - base accuracy

        HINTS:
        - _ratio returns None instead of dividing by zero
        """
        ### BEGIN SOLUTION
        base = next(iter(self.models)) if baseline is None else baseline
        if base not in self.models:
            raise ValueError(f"baseline {base!r} is not one of the models {list(self.models)}")
        latency = self.results.get("latency") or self.run_latency_benchmark()
        accuracy = self.results.get("accuracy") or self.run_accuracy_benchmark()
        memory = self.results.get("memory") or self.run_memory_benchmark()
        rows = {}
        for name in self.models:
            rows[name] = {
                "latency_ms": latency[name].median,
                "accuracy": accuracy[name].mean,
                "parameter_bytes": int(memory[name].mean),
                "speedup": safe_ratio(latency[base].median, latency[name].median),
                "compression_ratio": safe_ratio(memory[base].mean, memory[name].mean),
                "accuracy_delta": accuracy[name].mean - accuracy[base].mean,
            }
        return {"baseline": base, "models": rows}
        ### END SOLUTION


def comparison_table(comparison):
    """The dict from compare_models as aligned text, one line per model."""
    lines = [f"{'model':<14}{'latency ms':>11}{'speedup':>9}{'accuracy':>10}{'delta':>8}{'bytes':>9}{'ratio':>7}"]
    for name, row in comparison["models"].items():
        speedup = "-" if row["speedup"] is None else f"{row['speedup']:.2f}x"
        ratio = "-" if row["compression_ratio"] is None else f"{row['compression_ratio']:.2f}x"
        lines.append(f"{name:<14}{row['latency_ms']:>11.3f}{speedup:>9}{row['accuracy']:>10.3f}"
                     f"{row['accuracy_delta']:>+8.3f}{row['parameter_bytes']:>9,}{ratio:>7}")
    return "\n".join(lines)

# %% nbgrader={"grade": true, "grade_id": "test-benchmark", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
class _Scaled:
    """A model whose logits are x @ W: predictions known in advance."""

    def __init__(self, weight):
        self.weight = Tensor(np.asarray(weight, dtype=np.float32))

    def forward(self, x):
        return x @ self.weight

    def parameters(self):
        return [self.weight]


def test_unit_benchmark():
    """Accuracy, memory and the comparison follow from hand-checked numbers; bad input is rejected."""
    x = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    y = np.array([0, 1, 0, 0])
    right, swapped = _Scaled(np.eye(2)), _Scaled(np.eye(2)[::-1])
    bench = Benchmark({"right": right, "swapped": swapped}, [(x, y)], warmup_runs=1, measurement_runs=4)
    accuracy = bench.run_accuracy_benchmark()
    assert accuracy["right"].mean == 0.75 and accuracy["swapped"].mean == 0.25
    assert bench.run_memory_benchmark()["right"].values == [2 * 2 * 4]
    latency = bench.run_latency_benchmark()
    assert len(latency["right"].values) == 4 and latency["right"].min > 0
    row = bench.compare_models()["models"]["swapped"]
    assert np.isclose(row["accuracy_delta"], -0.5) and row["compression_ratio"] == 1.0
    assert np.isclose(row["speedup"], latency["right"].median / latency["swapped"].median)

    class Counting(_Scaled):
        calls = 0

        def forward(self, x):
            Counting.calls += 1
            return super().forward(x)

    Benchmark([Counting(np.eye(2))], [(x, y)], warmup_runs=2, measurement_runs=3).run_latency_benchmark()
    assert Counting.calls == 2 + 3, "2 warm-up calls, then 3 timed ones"
    two_sets = Benchmark([right], [(x, y), (x[:2], y[:2])], warmup_runs=0, measurement_runs=1)
    pooled = two_sets.run_accuracy_benchmark()["model_0"]
    assert pooled.values == [0.75, 1.0] and np.isclose(pooled.metadata["pooled_accuracy"], 5 / 6)  # (3 + 2) / 6
    assert Benchmark([right], [(x, np.array([1, 1, 1, 1]))]).run_accuracy_benchmark()["model_0"].mean == 0.5
    for labels in ([0, 1, 0, -1], [0, 1, 0, 2]):
        try:
            Benchmark([right], [(x, np.array(labels))]).run_accuracy_benchmark()
            raise AssertionError(f"labels {labels} outside 0..1 must be rejected")
        except ValueError:
            pass
    for bad_call in (lambda: Benchmark([], [(x, y)]), lambda: Benchmark([right], (x, y)),
                     lambda: Benchmark([right], [(x, y[:3])]), lambda: Benchmark([right], [(x, y)], measurement_runs=0)):
        try:
            bad_call()
            raise AssertionError("bad input should be rejected")
        except (TypeError, ValueError):
            pass


if __name__ == "__main__":
    test_unit_benchmark()

# %% [markdown]
"""
## 3. A suite and its report

A number without its context cannot be reproduced. The suite runs all three
benchmarks and the comparison, then writes one JSON report that also records how
(warm-up and measured runs) and where (Python, numpy, operating system, CPU
architecture) it was measured:

```
BenchmarkSuite.run_all()  ->  latency / accuracy / memory results + comparison
BenchmarkSuite.report()   ->  {"system": ..., "settings": ..., "results": ..., "comparison": ...}
save_report(path)         ->  JSON written to a temporary file, then renamed over path
```

Writing to a temporary file in the same folder and renaming it (`os.replace`, one
step for the file system) means a crash mid-write leaves either the old report or
the new one, never half a file. Module 20 (Capstone) writes its submission the same way.
"""

# %% nbgrader={"grade": false, "grade_id": "benchmark-suite", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def system_info():
    """Where a measurement was taken: Python and numpy versions, OS and CPU architecture."""
    return {"python": platform.python_version(), "numpy": np.__version__,
            "platform": platform.platform(), "machine": platform.machine()}


def write_json_atomically(data, filepath):
    """Write data as JSON to filepath via a temporary file and a rename; return the Path.

    TODO: Serialise first (so bad data never touches the disk), then write and rename.

    APPROACH:
    1. text = json.dumps(to_jsonable(data), indent=2, allow_nan=False)
    2. tempfile.mkstemp in the target's folder; write the text there
    3. os.replace(temporary, path); on any error delete the temporary file and re-raise

    HINTS:
    - allow_nan=False turns NaN and infinity into a ValueError instead of invalid JSON
    """
    ### BEGIN SOLUTION
    text = json.dumps(to_jsonable(data), indent=2, allow_nan=False)
    path = Path(filepath)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: folder {path.parent} does not exist")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
    ### END SOLUTION


class BenchmarkSuite:
    """Runs every benchmark of a Benchmark and writes one self-describing JSON report."""

    def __init__(self, models, datasets, warmup_runs=3, measurement_runs=10, name="benchmark"):
        self.name = str(name)
        self.benchmark = Benchmark(models, datasets, warmup_runs, measurement_runs)
        self.results = None

    def run_all(self):
        """{"latency", "accuracy", "memory": {model: BenchmarkResult}, "comparison": compare_models()}."""
        self.results = {
            "latency": self.benchmark.run_latency_benchmark(),
            "accuracy": self.benchmark.run_accuracy_benchmark(),
            "memory": self.benchmark.run_memory_benchmark(),
        }
        self.results["comparison"] = self.benchmark.compare_models()
        return self.results

    def report(self):
        """The results as a JSON-serialisable dict with system info and settings (runs them if needed)."""
        results = self.results or self.run_all()
        metrics = {metric: {model: result.to_dict() for model, result in results[metric].items()}
                   for metric in ("latency", "accuracy", "memory")}
        return {
            "name": self.name,
            "system": system_info(),
            "settings": {"warmup_runs": self.benchmark.warmup_runs, "measurement_runs": self.benchmark.measurement_runs,
                         "models": list(self.benchmark.models), "datasets": list(self.benchmark.datasets)},
            "results": metrics,
            "comparison": to_jsonable(results["comparison"]),
        }

    def save_report(self, filepath="benchmark_report.json"):
        """Write report() atomically as JSON; return the Path written."""
        return write_json_atomically(self.report(), filepath)

# %% nbgrader={"grade": true, "grade_id": "test-benchmark-suite", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_benchmark_suite():
    """The saved report reads back equal to report(); a failed write leaves no file behind."""
    x, y = np.eye(3, dtype=np.float32), np.array([0, 1, 2])
    suite = BenchmarkSuite([_Scaled(np.eye(3))], [(x, y)], warmup_runs=0, measurement_runs=2)
    with tempfile.TemporaryDirectory() as folder:
        path = suite.save_report(Path(folder) / "report.json")
        saved = json.loads(path.read_text())
        assert saved == suite.report() and saved["results"]["accuracy"]["model_0"]["mean"] == 1.0
        assert path.read_text().endswith("}\n"), "a text file ends with a newline"
        try:
            write_json_atomically({"bad": float("nan")}, Path(folder) / "nan.json")
            raise AssertionError("NaN must be rejected")
        except ValueError:
            pass
        assert sorted(p.name for p in Path(folder).iterdir()) == ["report.json"]


if __name__ == "__main__":
    test_unit_benchmark_suite()

# %% [markdown]
"""
## 4. TinyMLPerf: a reproducible benchmark protocol

MLPerf makes results comparable by fixing everything except the system under
test: the task, the data, the quality target, the measurement rules. TinyMLPerf
does the same at our scale, without downloading anything:

```
TinyMLPerf(random_seed=42)
  load_task("blobs")     rng([seed, task]) -> train / test split      (same seed, same data)
  reference_model(task)  ReferenceMLP: Linear -> ReLU -> Linear, weights from rng([seed, task, 1]),
                         trained full-batch with Adam for a fixed number of steps
  run(model, task)       Benchmark on the test split -> latency, accuracy, bytes, and the seed
```

Two tasks: `blobs` (4 Gaussian clusters in 8 dimensions: nearly linearly separable)
and `xor` (2 classes by the sign of x0 * x1 in 2 dimensions: needs the hidden layer).
Every random number comes from a `np.random.default_rng` seeded from `random_seed`,
never from numpy's global state, so two runs with the same seed see identical data
and train identical reference models, whatever ran before them.
"""

# %% nbgrader={"grade": false, "grade_id": "tinymlperf", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def make_blobs_task(rng, n_train=200, n_test=200):
    """4 classes of Gaussian clusters (std 1) around random centres in 8 dimensions."""
    centres = rng.normal(0.0, 2.0, size=(4, 8))
    labels = rng.integers(0, 4, size=n_train + n_test)
    inputs = centres[labels] + rng.normal(size=(labels.size, 8))
    return inputs.astype(np.float32), labels.astype(np.int64), n_train


def make_xor_task(rng, n_train=200, n_test=200):
    """2 classes in 2 dimensions: label 1 where x0 * x1 > 0, points uniform in [-1, 1]^2."""
    inputs = rng.uniform(-1.0, 1.0, size=(n_train + n_test, 2))
    labels = (inputs[:, 0] * inputs[:, 1] > 0).astype(np.int64)
    return inputs.astype(np.float32), labels, n_train


TASKS = {"blobs": make_blobs_task, "xor": make_xor_task}


class ReferenceMLP:
    """The fixed reference architecture: Linear -> ReLU -> Linear, chained explicitly."""

    def __init__(self, n_features, n_classes, hidden=32, rng=None):
        self.layer1 = Linear(n_features, hidden)
        self.relu = ReLU()
        self.layer2 = Linear(hidden, n_classes)
        if rng is not None:  # reproducible He initialisation from the given generator
            for layer in (self.layer1, self.layer2):
                fan_in = layer.weight.shape[0]
                layer.weight.data[...] = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=layer.weight.shape)

    def forward(self, x):
        return self.layer2(self.relu(self.layer1(x)))

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters()


class TinyMLPerf:
    """Seeded synthetic tasks, a fixed reference model, and one scoring function for any model."""

    def __init__(self, random_seed=42, warmup_runs=3, measurement_runs=10, training_steps=150):
        """Record the seed and the measurement protocol.

        TODO: Validate every argument (non-negative integer seed, run counts, steps >= 1).
        """
        ### BEGIN SOLUTION
        self.random_seed = _check_count(random_seed, "random_seed", 0)
        self.warmup_runs = _check_count(warmup_runs, "warmup_runs", 0)
        self.measurement_runs = _check_count(measurement_runs, "measurement_runs", 1)
        self.training_steps = _check_count(training_steps, "training_steps", 1)
        ### END SOLUTION

    def _rng(self, task, *stream):
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; TinyMLPerf tasks are {list(TASKS)}")
        return np.random.default_rng([self.random_seed, list(TASKS).index(task), *stream])

    def load_task(self, task="blobs"):
        """{"train": (x, y), "test": (x, y), "n_features", "n_classes"}, generated from the seed.

        TODO: Draw the task's data from self._rng(task) and split it.
        """
        ### BEGIN SOLUTION
        rng = self._rng(task)  # checks the task name first
        inputs, labels, n_train = TASKS[task](rng)
        return {"task": task, "random_seed": self.random_seed,
                "train": (inputs[:n_train], labels[:n_train]), "test": (inputs[n_train:], labels[n_train:]),
                "n_features": inputs.shape[1], "n_classes": int(labels.max()) + 1}
        ### END SOLUTION

    def reference_model(self, task="blobs"):
        """A ReferenceMLP initialised from the seed and trained on the task's training split.

        TODO: Full-batch Adam (lr 0.01) on cross-entropy for training_steps steps.
        """
        ### BEGIN SOLUTION
        data = self.load_task(task)
        model = ReferenceMLP(data["n_features"], data["n_classes"], rng=self._rng(task, 1))
        optimizer, loss_fn = Adam(model.parameters(), lr=0.01), CrossEntropyLoss()
        inputs, labels = Tensor(data["train"][0]), data["train"][1]
        for _ in range(self.training_steps):
            optimizer.zero_grad()
            loss_fn(model.forward(inputs), labels).backward()
            optimizer.step()
        return model
        ### END SOLUTION

    def run(self, model, task="blobs", model_name="submission"):
        """Score a model on the task's test split: accuracy, latency statistics, bytes, and the seed.

        TODO: Benchmark the one model on the one test set and collect the results in a dict.
        """
        ### BEGIN SOLUTION
        data = self.load_task(task)
        bench = Benchmark({model_name: model}, {task: data["test"]}, self.warmup_runs, self.measurement_runs)
        accuracy = bench.run_accuracy_benchmark()[model_name]
        memory = bench.run_memory_benchmark()[model_name]
        latency = bench.run_latency_benchmark()[model_name]
        return {
            "benchmark": "TinyMLPerf", "task": task, "random_seed": self.random_seed, "model": model_name,
            "test_samples": int(data["test"][1].size), "accuracy": accuracy.mean,
            "parameter_bytes": int(memory.mean), "parameters": memory.metadata["parameters"],
            "latency": latency.to_dict(),
        }
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-tinymlperf", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_unit_tinymlperf():
    """Same seed: same data and same reference accuracy; another seed: other data."""
    first, again = TinyMLPerf(7, measurement_runs=2, training_steps=30), TinyMLPerf(7, measurement_runs=2, training_steps=30)
    other = TinyMLPerf(8)
    a, b, c = first.load_task("xor"), again.load_task("xor"), other.load_task("xor")
    assert np.array_equal(a["train"][0], b["train"][0]) and not np.array_equal(a["train"][0], c["train"][0])
    score = first.run(first.reference_model("blobs"), "blobs")
    assert score["accuracy"] == again.run(again.reference_model("blobs"), "blobs")["accuracy"]
    assert score["accuracy"] > 0.9 and score["random_seed"] == 7
    assert score["parameters"] == 8 * 32 + 32 + 32 * 4 + 4 and score["parameter_bytes"] == 4 * score["parameters"]
    once = TinyMLPerf(7, training_steps=1)
    data = once.load_task("blobs")
    untrained = ReferenceMLP(data["n_features"], data["n_classes"], rng=once._rng("blobs", 1))
    trained = once.reference_model("blobs")
    moved = max(np.abs(a.data - b.data).max() for a, b in zip(trained.parameters(), untrained.parameters()))
    assert 0.009 < moved < 0.0101, "one Adam step of lr 0.01 moves a weight by about 0.01"
    try:
        first.load_task("mnist")
        raise AssertionError("unknown tasks must be rejected")
    except ValueError:
        pass


if __name__ == "__main__":
    test_unit_tinymlperf()

# %% [markdown]
"""
## 5. Systems analysis: how sure are we, and what did the optimizations buy?

Two measurements. First, the same model timed with more and more runs: the mean
and median settle, and the 95% interval narrows roughly like `1 / sqrt(n)`.
Second, a fair comparison of the TinyMLPerf reference model with its INT8 copy
(Module 15) and a 70%-pruned copy (Module 16), on the same test data.
"""

# %% nbgrader={"grade": false, "grade_id": "benchmarking-analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_benchmark_confidence():
    """Print latency statistics for growing run counts, then a three-model comparison."""
    import copy

    from tinytorch.perf.compression import magnitude_prune
    from tinytorch.perf.quantization import quantize_model

    perf = TinyMLPerf(random_seed=42)
    data = perf.load_task("blobs")
    reference = perf.reference_model("blobs")
    print(f"{'runs':>5}{'mean ms':>10}{'median ms':>11}{'std ms':>9}{'95% CI width':>14}")
    for runs in (5, 20, 80):
        bench = Benchmark([reference], [data["test"]], warmup_runs=3, measurement_runs=runs)
        r = bench.run_latency_benchmark()["model_0"]
        print(f"{runs:>5}{r.mean:>10.4f}{r.median:>11.4f}{r.std:>9.4f}{r.ci_upper - r.ci_lower:>14.4f}")

    int8 = quantize_model(reference, calibration_data=Tensor(data["train"][0]))
    pruned = magnitude_prune(copy.deepcopy(reference), sparsity=0.7)
    models = {"reference": reference, "int8": int8, "pruned 70%": pruned}
    bench = Benchmark(models, {"blobs": data["test"]}, warmup_runs=3, measurement_runs=30)
    print()
    print(comparison_table(bench.compare_models()))


if __name__ == "__main__":
    analyze_benchmark_confidence()

# %% [markdown]
"""
What to look for. The interval width falls as runs grow, but not always smoothly:
background load on a shared machine adds slow runs that widen it again, which is
why the comparison uses medians. In the comparison, INT8 cuts the stored bytes by
a little less than 4x (the biases stay float32), and its accuracy delta shows what
rounding the weights cost. Do not expect it to be faster: our quantized layer
spends extra numpy calls on rounding and rescaling, and matrices this small give
int8 arithmetic nothing to pay that back with. Pruning zeroes 70% of the weights
but stores them densely, so its bytes stay the same and its speedup stays near 1
(sparsity only pays with sparse storage or sparse kernels); on a reference model
this small, read its accuracy delta before calling it free.
Only a measurement tells these apart from the claims.

## Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module-benchmarking", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test, then a suite over two TinyMLPerf models compares them consistently."""
    test_unit_benchmark_result()
    test_unit_benchmark()
    test_unit_benchmark_suite()
    test_unit_tinymlperf()
    perf = TinyMLPerf(random_seed=3, measurement_runs=2, training_steps=30)
    data = perf.load_task("blobs")
    suite = BenchmarkSuite({"trained": perf.reference_model(), "untrained": ReferenceMLP(8, 4, rng=np.random.default_rng(0))},
                           {"blobs": data["test"]}, warmup_runs=1, measurement_runs=3)
    comparison = suite.run_all()["comparison"]["models"]
    assert comparison["trained"]["speedup"] == 1.0 and comparison["untrained"]["compression_ratio"] == 1.0
    assert comparison["untrained"]["accuracy_delta"] < 0, "training must beat random weights"
    print("Module 19 (Benchmarking): all tests passed")


if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- A benchmark result is a set of measurements, not one number: keep the values,
  report the median and a confidence interval, and say how many runs were made.
- A comparison is fair when every model sees the same data, the same warm-up and
  the same number of timed runs, and it is reproducible when the data comes from a
  recorded seed and the report records the machine.
- Measured, INT8 shrinks the weights and pruning zeroes them; whether either makes
  a model faster depends on the kernels that run it.

Next, Module 20 (Capstone) takes a trained model through Modules 14 to 18 and
reports, with these tools, what each optimization bought.
"""
