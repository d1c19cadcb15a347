"""BenchmarkReport: every metric against an independent count, sum or numpy computation."""

import copy

import numpy as np
import pytest

from testkit.blobs import accuracy, trained_blob_model
from testkit.models import Identity, tied_mlp
from tinytorch.capstone import METRIC_KEYS, BenchmarkReport
from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor
from tinytorch.perf.compression import magnitude_prune
from tinytorch.perf.profiling import Profiler
from tinytorch.perf.quantization import quantize_model


# Its module-scoped fixture (`trained`) is built once: every test of this file runs on one xdist worker.
pytestmark = pytest.mark.xdist_group("test_benchmark_report")


@pytest.fixture(scope="module")
def trained():
    return trained_blob_model(seed=1)


def unique(model):
    return list({id(p): p for p in model.parameters()}.values())


def test_metrics_of_a_trained_model(trained):
    model, _, (test_x, test_y) = trained
    report = BenchmarkReport("mlp")
    metrics = report.benchmark_model(model, test_x, test_y, warmup_runs=1, measurement_runs=4)
    assert set(metrics) == set(METRIC_KEYS) and report.metrics == metrics
    assert metrics["model_name"] == "mlp"
    assert metrics["parameters"] == 8 * 32 + 32 + 32 * 32 + 32 + 32 * 4 + 4
    assert metrics["size_bytes"] == sum(p.data.nbytes for p in model.parameters())
    assert metrics["nonzero_parameters"] == sum(int(np.count_nonzero(p.data)) for p in model.parameters())
    assert metrics["accuracy"] == pytest.approx(accuracy(model, test_x, test_y))
    assert metrics["eval_samples"] == test_y.size and metrics["measurement_runs"] == 4
    low, high = metrics["latency_ci_ms"]
    assert metrics["latency_ms"] > 0 and low <= high


def test_pruning_shows_as_nonzeros_not_bytes(trained):
    model, _, (test_x, test_y) = trained
    pruned = magnitude_prune(copy.deepcopy(model), sparsity=0.5)
    dense = BenchmarkReport("dense").benchmark_model(model, test_x, test_y, measurement_runs=2)
    sparse = BenchmarkReport("sparse").benchmark_model(pruned, test_x, test_y, measurement_runs=2)
    zeros = sum(int(np.sum(p.data == 0)) for p in pruned.parameters())
    assert sparse["size_bytes"] == dense["size_bytes"]
    assert sparse["nonzero_parameters"] == sparse["parameters"] - zeros
    assert sparse["sparsity"] == pytest.approx(zeros / sparse["parameters"])
    weights = 8 * 32 + 32 * 32 + 32 * 4
    assert zeros >= round(0.5 * weights)  # half of the weight entries, biases untouched


def test_quantization_shows_as_bytes(trained):
    model, train_set, (test_x, test_y) = trained
    int8 = quantize_model(model, calibration_data=Tensor(train_set[0]))
    metrics = BenchmarkReport("int8").benchmark_model(int8, test_x, test_y, measurement_runs=2)
    weights, biases = 8 * 32 + 32 * 32 + 32 * 4, 32 + 32 + 4
    assert metrics["size_bytes"] == weights * 1 + biases * 4
    assert metrics["accuracy"] == pytest.approx(accuracy(int8, test_x, test_y))


def test_shared_weights_are_counted_once():
    model = tied_mlp(3)  # two layers, one weight Tensor
    x, y = np.eye(3, dtype=np.float32), np.arange(3)
    metrics = BenchmarkReport().benchmark_model(model, x, y, measurement_runs=1)
    assert metrics["parameters"] == 9 + 3 + 3 and metrics["size_bytes"] == 4 * 15
    assert metrics["nonzero_parameters"] == sum(int(np.count_nonzero(p.data)) for p in unique(model))


def test_a_report_can_be_rerun_and_keeps_the_latest_metrics(trained):
    model, _, (test_x, test_y) = trained
    report = BenchmarkReport("again")
    report.benchmark_model(model, test_x[:10], test_y[:10], measurement_runs=1)
    report.benchmark_model(model, test_x, test_y, measurement_runs=2)
    assert report.metrics["eval_samples"] == test_y.size and report.metrics["measurement_runs"] == 2


def test_returned_metrics_are_a_copy(trained):
    model, _, (test_x, test_y) = trained
    report = BenchmarkReport("copy")
    returned = report.benchmark_model(model, test_x, test_y, measurement_runs=1)
    returned["accuracy"] = -1.0
    assert report.metrics["accuracy"] >= 0


@pytest.mark.parametrize("name", ["", "   ", None, 7])
def test_bad_model_name(name):
    with pytest.raises(ValueError, match="model_name"):
        BenchmarkReport(name)


def test_bad_model_and_data_are_rejected(trained):
    model, _, (test_x, test_y) = trained
    report = BenchmarkReport("bad")
    with pytest.raises(TypeError, match="forward"):
        report.benchmark_model(object(), test_x, test_y)
    with pytest.raises(ValueError, match="labels"):
        report.benchmark_model(model, test_x, test_y[:-1])
    with pytest.raises(ValueError, match="measurement_runs"):
        report.benchmark_model(model, test_x, test_y, measurement_runs=0)
    assert report.metrics is None, "a failed measurement stores nothing"


def test_headline_latency_is_the_median_and_its_interval_the_t_interval(monkeypatch):
    """With known per-run times (one slow run) the metrics follow from the numbers by hand."""
    runs = iter([1.0, 2.0, 9.0])
    monkeypatch.setattr(Profiler, "measure_latency", lambda self, model, inputs, warmup, iterations: next(runs))
    x, y = np.eye(3, dtype=np.float32), np.arange(3)
    metrics = BenchmarkReport("timed").benchmark_model(Linear(3, 3), x, y, warmup_runs=0, measurement_runs=3)
    assert metrics["latency_ms"] == 2.0  # the median: the slow run does not move it
    half = 4.303 * np.sqrt(((1 - 4) ** 2 + (2 - 4) ** 2 + (9 - 4) ** 2) / 2) / np.sqrt(3)  # t(2) = 4.303, mean 4
    assert metrics["latency_ci_ms"] == pytest.approx([4 - half, 4 + half], abs=1e-3)


def test_a_model_without_parameters_has_no_sparsity():
    metrics = BenchmarkReport("identity").benchmark_model(Identity(), np.eye(3, dtype=np.float32), np.arange(3),
                                                          measurement_runs=1)
    assert (metrics["parameters"], metrics["nonzero_parameters"], metrics["sparsity"]) == (0, 0, 0.0)
    assert metrics["size_bytes"] == 0 and metrics["accuracy"] == 1.0
