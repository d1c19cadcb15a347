# Generated from modules/20_capstone/capstone.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["METRIC_KEYS", "BenchmarkReport", "SCHEMA_VERSION", "SUBMISSION_KEYS", "IMPROVEMENT_KEYS", "compute_improvements", "generate_submission", "validate_submission", "save_submission"]


# modules/20_capstone/capstone.py:46
import math
import numbers

import numpy as np

from tinytorch.bench import Benchmark, safe_ratio, system_info, write_json_atomically
from tinytorch.perf.profiling import unique_parameters


# modules/20_capstone/capstone.py:106
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
        """Measure the model on (inputs, labels); store and return the metrics dict."""
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


# modules/20_capstone/capstone.py:223
SCHEMA_VERSION = 1
SUBMISSION_KEYS = ("schema_version", "system", "baseline", "optimized", "improvements", "techniques")
IMPROVEMENT_KEYS = ("speedup", "compression_ratio", "nonzero_reduction", "accuracy_delta")


def compute_improvements(baseline, optimized):
    """The four improvement numbers from two metrics dicts."""
    return {
        "speedup": safe_ratio(baseline["latency_ms"], optimized["latency_ms"]),
        "compression_ratio": safe_ratio(baseline["size_bytes"], optimized["size_bytes"]),
        "nonzero_reduction": safe_ratio(baseline["nonzero_parameters"], optimized["nonzero_parameters"]),
        "accuracy_delta": float(optimized["accuracy"] - baseline["accuracy"]),
    }


def _metrics_of(report, role):
    if not isinstance(report, BenchmarkReport):
        raise TypeError(f"{role} must be a BenchmarkReport, got {type(report).__name__}")
    if report.metrics is None:
        raise ValueError(f"{role} {report.model_name!r} has no metrics yet: call benchmark_model(...) first")
    return dict(report.metrics)


def generate_submission(baseline_report, optimized_report=None, techniques=()):
    """A submission dict from one or two measured reports (see the diagram above)."""
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


# modules/20_capstone/capstone.py:380
def save_submission(submission, filepath="submission.json"):
    """Validate the submission and write it as JSON atomically; return the Path written."""
    validate_submission(submission)
    return write_json_atomically(submission, filepath)  # converts numpy values itself
