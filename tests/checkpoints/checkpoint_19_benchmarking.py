"""Checkpoint 19 (benchmarking): can I compare two models fairly and reproducibly?

Fair: both models are measured on the same data with the same protocol, and the comparison's
accuracies and sizes agree with what numpy computes independently from the models' own arrays.
Reproducible: TinyMLPerf with the same seed regenerates the same data and trains the same
reference model to the same score; another seed gives other data. Written against the public
API of `tinytorch.bench` (API.md), with an INT8 copy from `tinytorch.perf.quantization`.
"""

import json

import numpy as np
import pytest

from tinytorch.bench import Benchmark, BenchmarkResult, BenchmarkSuite, TinyMLPerf
from tinytorch.core.tensor import Tensor
from tinytorch.perf.quantization import quantize_model


def numpy_accuracy(model, inputs, labels):
    return float(np.mean(np.argmax(model.forward(Tensor(inputs)).data, axis=1) == labels))


def stored_bytes(model):
    return sum(p.data.nbytes for p in {id(p): p for p in model.parameters()}.values())


def test_same_seed_reproduces_data_model_and_score():
    scores, tasks = [], []
    for _ in range(2):
        perf = TinyMLPerf(random_seed=42, measurement_runs=3)
        tasks.append(perf.load_task("blobs"))
        scores.append(perf.run(perf.reference_model("blobs"), "blobs"))
    assert np.array_equal(tasks[0]["test"][0], tasks[1]["test"][0])
    assert scores[0]["accuracy"] == scores[1]["accuracy"] >= 0.85
    assert scores[0]["parameter_bytes"] == scores[1]["parameter_bytes"]
    assert scores[0]["random_seed"] == 42
    other = TinyMLPerf(random_seed=43).load_task("blobs")
    assert not np.array_equal(tasks[0]["test"][0], other["test"][0])


def test_two_models_compared_on_the_same_data_with_consistent_numbers(tmp_path):
    perf = TinyMLPerf(random_seed=42)
    data = perf.load_task("blobs")
    reference = perf.reference_model("blobs")
    int8 = quantize_model(reference, calibration_data=Tensor(data["train"][0]))
    test_x, test_y = data["test"]

    suite = BenchmarkSuite({"fp32": reference, "int8": int8}, {"blobs": (test_x, test_y)},
                           warmup_runs=2, measurement_runs=5)
    results = suite.run_all()
    rows = results["comparison"]["models"]
    for name, model in (("fp32", reference), ("int8", int8)):
        assert rows[name]["accuracy"] == pytest.approx(numpy_accuracy(model, test_x, test_y))
        assert rows[name]["parameter_bytes"] == stored_bytes(model)
        assert len(results["latency"][name].values) == 5 and results["latency"][name].median > 0
    assert rows["int8"]["compression_ratio"] == pytest.approx(stored_bytes(reference) / stored_bytes(int8))
    assert rows["int8"]["compression_ratio"] > 3  # int8 weights, float32 biases
    assert rows["int8"]["accuracy_delta"] == pytest.approx(rows["int8"]["accuracy"] - rows["fp32"]["accuracy"])
    assert abs(rows["int8"]["accuracy_delta"]) <= 0.03

    saved = json.loads(suite.save_report(tmp_path / "report.json").read_text())
    assert saved["settings"]["measurement_runs"] == 5 and saved["system"]["numpy"] == np.__version__
    assert saved["comparison"] == json.loads(json.dumps(results["comparison"]))


def test_repeated_measurements_come_with_their_uncertainty():
    values = [1.0, 1.2, 0.9, 1.1, 1.0, 5.0]  # one disturbed run
    result = BenchmarkResult("latency_ms", values)
    assert result.median == pytest.approx(np.median(values)) and result.median < result.mean
    assert result.ci_lower < result.mean < result.ci_upper
    bench = Benchmark([TinyMLPerf(1).reference_model("xor")], [TinyMLPerf(1).load_task("xor")["test"]],
                      measurement_runs=4)
    latency = bench.run_latency_benchmark()["model_0"]
    assert len(latency.to_dict()["values"]) == 4
