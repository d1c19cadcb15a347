"""Checkpoint 20 (capstone): can I show, with measured numbers, what my optimizations bought?

Trains a small explicit MLP here, prunes it (module 16) and quantizes it to INT8 (module 15),
measures both with `BenchmarkReport`, and produces a submission. Its improvements must agree
with sizes and accuracies measured independently from the models' own arrays, it must survive a
save/load round trip, and a submission claiming more than was measured must be refused.
Public API only (API.md): `tinytorch.capstone`, `tinytorch.perf.*`, `tinytorch.core.*`.
"""

import copy
import json

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (turns autograd on)
from testkit.blobs import BlobMLP
from tinytorch.capstone import BenchmarkReport, generate_submission, save_submission
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import Adam
from tinytorch.core.tensor import Tensor
from tinytorch.perf.compression import magnitude_prune
from tinytorch.perf.quantization import quantize_model


def three_clusters():
    rng = np.random.default_rng(20)
    centres = rng.normal(0.0, 2.0, size=(3, 6))
    labels = rng.integers(0, 3, size=500)
    inputs = (centres[labels] + rng.normal(size=(500, 6))).astype(np.float32)
    return (inputs[:300], labels[:300]), (inputs[300:], labels[300:])


def independent_accuracy(model, inputs, labels):
    return float(np.mean(np.argmax(model.forward(Tensor(inputs)).data, axis=1) == labels))


def independent_bytes(model):
    return sum(p.data.nbytes for p in {id(p): p for p in model.parameters()}.values())


# Its module-scoped fixture (`journey`) is built once: every test of this file runs on one xdist worker.
pytestmark = pytest.mark.xdist_group("checkpoint_20_capstone")


@pytest.fixture(scope="module")
def journey():
    np.random.seed(20)
    (train_x, train_y), (test_x, test_y) = three_clusters()
    model = BlobMLP(n_features=6, hidden=48, n_classes=3)  # 6 -> 48 -> 48 -> 3
    optimizer, loss_fn = Adam(model.parameters(), lr=0.01), CrossEntropyLoss()
    for _ in range(120):
        optimizer.zero_grad()
        loss_fn(model.forward(Tensor(train_x)), train_y).backward()
        optimizer.step()
    optimized = quantize_model(magnitude_prune(copy.deepcopy(model), sparsity=0.5),
                               calibration_data=Tensor(train_x))
    baseline_report, optimized_report = BenchmarkReport("baseline"), BenchmarkReport("pruned+int8")
    baseline_report.benchmark_model(model, test_x, test_y, warmup_runs=2, measurement_runs=5)
    optimized_report.benchmark_model(optimized, test_x, test_y, warmup_runs=2, measurement_runs=5)
    submission = generate_submission(baseline_report, optimized_report,
                                     techniques=["magnitude_prune(sparsity=0.5)", "quantize_model"])
    return model, optimized, (test_x, test_y), submission


def test_the_baseline_learned_before_it_was_optimized(journey):
    model, _, test_set, submission = journey
    assert independent_accuracy(model, *test_set) >= 0.9
    assert submission["baseline"]["accuracy"] == pytest.approx(independent_accuracy(model, *test_set))


def test_improvements_agree_with_independent_measurements(journey):
    model, optimized, test_set, submission = journey
    improvements = submission["improvements"]
    assert improvements["compression_ratio"] == pytest.approx(independent_bytes(model) / independent_bytes(optimized))
    assert improvements["compression_ratio"] > 3  # int8 weights; float32 biases keep it under 4
    nonzeros = [sum(int(np.count_nonzero(p.data)) for p in m.parameters()) for m in (model, optimized)]
    assert improvements["nonzero_reduction"] == pytest.approx(nonzeros[0] / nonzeros[1])
    assert improvements["nonzero_reduction"] > 1.8  # half of the weights are gone
    delta = independent_accuracy(optimized, *test_set) - independent_accuracy(model, *test_set)
    assert improvements["accuracy_delta"] == pytest.approx(delta)
    assert delta >= -0.05, "pruning half and quantizing keeps the accuracy of a trained model"
    latency = submission["baseline"]["latency_ms"], submission["optimized"]["latency_ms"]
    assert min(latency) > 0 and improvements["speedup"] == pytest.approx(latency[0] / latency[1])


def test_the_submission_is_saved_and_reads_back(tmp_path, journey):
    submission = journey[3]
    path = save_submission(submission, tmp_path / "submission.json")
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert loaded == submission
    assert loaded["techniques"] == ["magnitude_prune(sparsity=0.5)", "quantize_model"]
    assert {"python", "numpy", "platform"} <= set(loaded["system"])


def test_claims_beyond_the_measurements_are_refused(tmp_path, journey):
    inflated = json.loads(json.dumps(journey[3]))
    inflated["improvements"]["compression_ratio"] = 10.0
    with pytest.raises(ValueError, match="do not follow"):
        save_submission(inflated, tmp_path / "submission.json")
    assert not (tmp_path / "submission.json").exists()
