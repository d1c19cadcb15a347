"""BenchmarkSuite reports and the atomic JSON writer; the benchmark on models from modules 15 and 16."""

import copy
import json
import platform

import numpy as np
import pytest

import tinytorch.bench as bench_module
from testkit.blobs import accuracy, trained_blob_model
from tinytorch.bench import Benchmark, BenchmarkSuite, system_info, write_json_atomically
from tinytorch.perf.compression import magnitude_prune
from tinytorch.perf.quantization import quantize_model
from tinytorch.core.tensor import Tensor


# Its module-scoped fixture (`trained`) is built once: every test of this file runs on one xdist worker.
pytestmark = pytest.mark.xdist_group("test_suite_and_report")


@pytest.fixture(scope="module")
def trained():
    return trained_blob_model(seed=0)


def test_suite_runs_everything_and_reports_settings(trained):
    model, _, test_set = trained
    suite = BenchmarkSuite({"mlp": model}, {"test": test_set}, warmup_runs=1, measurement_runs=3, name="blobs")
    report = suite.report()
    assert set(report) == {"name", "system", "settings", "results", "comparison"}
    assert report["name"] == "blobs"
    assert report["settings"] == {"warmup_runs": 1, "measurement_runs": 3, "models": ["mlp"], "datasets": ["test"]}
    assert report["results"]["accuracy"]["mlp"]["mean"] == pytest.approx(accuracy(model, *test_set))
    assert report["results"]["latency"]["mlp"]["n"] == 3
    assert report["comparison"]["models"]["mlp"]["speedup"] == 1.0
    assert json.loads(json.dumps(report)) == report


def test_system_info_names_this_interpreter():
    info = system_info()
    assert info["python"] == platform.python_version() and info["numpy"] == np.__version__
    assert info["platform"] == platform.platform()


def test_save_report_round_trip(tmp_path, trained):
    model, _, test_set = trained
    suite = BenchmarkSuite([model], [test_set], warmup_runs=0, measurement_runs=2)
    path = suite.save_report(tmp_path / "report.json")
    assert path == tmp_path / "report.json"
    assert json.loads(path.read_text(encoding="utf-8")) == suite.report()
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_write_refuses_bad_data_before_touching_the_file(tmp_path):
    target = tmp_path / "report.json"
    target.write_text('{"old": true}')
    for bad in ({"x": float("nan")}, {"x": float("inf")}, {"x": object()}):
        with pytest.raises((TypeError, ValueError)):
            write_json_atomically(bad, target)
    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_failed_rename_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "report.json"
    target.write_text('{"old": true}')

    def failing_replace(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(bench_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_json_atomically({"new": 1}, target)
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_write_into_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_json_atomically({"a": 1}, tmp_path / "missing" / "report.json")


def test_quantized_model_bytes_are_int8_weights_plus_float_biases(trained):
    """Module 15 integration: the memory benchmark sees what QuantizedLinear stores."""
    model, train_set, test_set = trained
    int8 = quantize_model(model, calibration_data=Tensor(train_set[0]))
    bench = Benchmark({"fp32": model, "int8": int8}, {"test": test_set}, warmup_runs=1, measurement_runs=3)
    comparison = bench.compare_models()
    weights = 8 * 32 + 32 * 32 + 32 * 4
    biases = 32 + 32 + 4
    assert comparison["models"]["fp32"]["parameter_bytes"] == 4 * (weights + biases)
    assert comparison["models"]["int8"]["parameter_bytes"] == weights + 4 * biases
    assert comparison["models"]["int8"]["compression_ratio"] == pytest.approx(4 * (weights + biases) / (weights + 4 * biases))
    assert comparison["models"]["int8"]["accuracy"] == pytest.approx(accuracy(int8, *test_set))
    assert comparison["models"]["int8"]["accuracy_delta"] >= -0.02


def test_pruned_model_keeps_its_bytes_and_its_measured_accuracy(trained):
    """Module 16 integration: dense storage of zeros does not change the byte count."""
    model, _, test_set = trained
    pruned = magnitude_prune(copy.deepcopy(model), sparsity=0.5)
    comparison = Benchmark({"dense": model, "pruned": pruned}, [test_set], measurement_runs=2).compare_models()
    row = comparison["models"]["pruned"]
    assert row["compression_ratio"] == 1.0
    assert row["accuracy_delta"] == pytest.approx(accuracy(pruned, *test_set) - accuracy(model, *test_set))
