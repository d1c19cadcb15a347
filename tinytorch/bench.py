# Generated from modules/19_benchmarking/benchmarking.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["CONFIDENCE", "T_CRITICAL_95", "t_critical", "to_jsonable", "BenchmarkResult", "safe_ratio", "Benchmark", "comparison_table", "system_info", "write_json_atomically", "BenchmarkSuite", "make_blobs_task", "make_xor_task", "TASKS", "ReferenceMLP", "TinyMLPerf"]


# modules/19_benchmarking/benchmarking.py:45
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


# modules/19_benchmarking/benchmarking.py:89
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
        """Store the values and compute mean, std (n - 1), median, min, max and the 95% CI."""
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


# modules/19_benchmarking/benchmarking.py:242
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
        """Validate and store the models, datasets and run counts."""
        self.models = {name: _check_model(name, m) for name, m in _named(models, "models", "model").items()}
        self.datasets = {name: _check_dataset(name, d) for name, d in _named(datasets, "datasets", "dataset").items()}
        self.warmup_runs = _check_count(warmup_runs, "warmup_runs", 0)
        self.measurement_runs = _check_count(measurement_runs, "measurement_runs", 1)
        self.profiler = Profiler()
        self.results = {}

    def run_latency_benchmark(self):
        """{model name: BenchmarkResult of milliseconds per run}; one run covers every dataset."""
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

    def run_accuracy_benchmark(self):
        """{model name: BenchmarkResult with one accuracy per dataset}; mean = average over datasets."""
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
        """Every model against the baseline (default: the first model); runs missing benchmarks."""
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


def comparison_table(comparison):
    """The dict from compare_models as aligned text, one line per model."""
    lines = [f"{'model':<14}{'latency ms':>11}{'speedup':>9}{'accuracy':>10}{'delta':>8}{'bytes':>9}{'ratio':>7}"]
    for name, row in comparison["models"].items():
        speedup = "-" if row["speedup"] is None else f"{row['speedup']:.2f}x"
        ratio = "-" if row["compression_ratio"] is None else f"{row['compression_ratio']:.2f}x"
        lines.append(f"{name:<14}{row['latency_ms']:>11.3f}{speedup:>9}{row['accuracy']:>10.3f}"
                     f"{row['accuracy_delta']:>+8.3f}{row['parameter_bytes']:>9,}{ratio:>7}")
    return "\n".join(lines)


# modules/19_benchmarking/benchmarking.py:522
def system_info():
    """Where a measurement was taken: Python and numpy versions, OS and CPU architecture."""
    return {"python": platform.python_version(), "numpy": np.__version__,
            "platform": platform.platform(), "machine": platform.machine()}


def write_json_atomically(data, filepath):
    """Write data as JSON to filepath via a temporary file and a rename; return the Path."""
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


# modules/19_benchmarking/benchmarking.py:640
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
        """Record the seed and the measurement protocol."""
        self.random_seed = _check_count(random_seed, "random_seed", 0)
        self.warmup_runs = _check_count(warmup_runs, "warmup_runs", 0)
        self.measurement_runs = _check_count(measurement_runs, "measurement_runs", 1)
        self.training_steps = _check_count(training_steps, "training_steps", 1)

    def _rng(self, task, *stream):
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}; TinyMLPerf tasks are {list(TASKS)}")
        return np.random.default_rng([self.random_seed, list(TASKS).index(task), *stream])

    def load_task(self, task="blobs"):
        """{"train": (x, y), "test": (x, y), "n_features", "n_classes"}, generated from the seed."""
        rng = self._rng(task)  # checks the task name first
        inputs, labels, n_train = TASKS[task](rng)
        return {"task": task, "random_seed": self.random_seed,
                "train": (inputs[:n_train], labels[:n_train]), "test": (inputs[n_train:], labels[n_train:]),
                "n_features": inputs.shape[1], "n_classes": int(labels.max()) + 1}

    def reference_model(self, task="blobs"):
        """A ReferenceMLP initialised from the seed and trained on the task's training split."""
        data = self.load_task(task)
        model = ReferenceMLP(data["n_features"], data["n_classes"], rng=self._rng(task, 1))
        optimizer, loss_fn = Adam(model.parameters(), lr=0.01), CrossEntropyLoss()
        inputs, labels = Tensor(data["train"][0]), data["train"][1]
        for _ in range(self.training_steps):
            optimizer.zero_grad()
            loss_fn(model.forward(inputs), labels).backward()
            optimizer.step()
        return model

    def run(self, model, task="blobs", model_name="submission"):
        """Score a model on the task's test split: accuracy, latency statistics, bytes, and the seed."""
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
