"""Benchmark: accuracy and memory against independent numpy computations, compare_models math, input checks."""

import numpy as np
import pytest

from testkit.blobs import BlobMLP, make_blobs
from testkit.models import Identity, OnlyForward, OnlyParameters, TwoLayerMLP, tied_mlp
from tinytorch.bench import Benchmark, comparison_table
from tinytorch.core.autograd import is_grad_enabled
from tinytorch.core.tensor import Tensor


class MatrixModel:
    """logits = x @ W: its predictions are known in advance."""

    def __init__(self, weight):
        self.weight = Tensor(np.asarray(weight, dtype=np.float32), requires_grad=True)

    def forward(self, x):
        return x @ self.weight

    def parameters(self):
        return [self.weight]


def numpy_accuracy(model, inputs, labels):
    weights = [p.data for p in model.parameters()]
    return float(np.mean(np.argmax(inputs @ weights[0], axis=1) == labels))


@pytest.fixture
def blobs():
    return make_blobs(n_per_class=10, seed=3)


def test_accuracy_per_dataset_matches_numpy():
    rng = np.random.default_rng(0)
    model = MatrixModel(rng.normal(size=(5, 3)))
    first = (rng.normal(size=(30, 5)).astype(np.float32), rng.integers(0, 3, 30))
    second = (rng.normal(size=(12, 5)).astype(np.float32), rng.integers(0, 3, 12))
    result = Benchmark([model], {"a": first, "b": second}, measurement_runs=1).run_accuracy_benchmark()["model_0"]
    expected = [numpy_accuracy(model, *first), numpy_accuracy(model, *second)]
    assert result.values == pytest.approx(expected)
    assert result.mean == pytest.approx(np.mean(expected))
    pooled = (expected[0] * 30 + expected[1] * 12) / 42
    assert result.metadata["pooled_accuracy"] == pytest.approx(pooled)


def test_accuracy_accepts_tensors_and_integer_label_tensors():
    x = np.array([[2.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    y = np.array([0, 0])
    result = Benchmark([MatrixModel(np.eye(2))], [(Tensor(x), Tensor(y))]).run_accuracy_benchmark()
    assert result["model_0"].values == [0.5]


def test_memory_is_the_parameter_bytes_each_shared_tensor_once(blobs):
    models = {"mlp": BlobMLP(), "shared": tied_mlp(6)}
    shared_input = (np.ones((4, 6), dtype=np.float32), np.zeros(4, dtype=np.int64))
    memory = Benchmark({"mlp": models["mlp"]}, [blobs], measurement_runs=1).run_memory_benchmark()["mlp"]
    expected = sum(p.data.nbytes for p in models["mlp"].parameters())  # no sharing here
    assert memory.values == [expected] and expected == 4 * (8 * 32 + 32 + 32 * 32 + 32 + 32 * 4 + 4)
    assert memory.metadata["parameters"] == expected // 4
    shared = Benchmark([models["shared"]], [shared_input]).run_memory_benchmark()["model_0"]
    assert shared.values == [4 * (36 + 6 + 6)]


def test_memory_metadata_has_activation_bytes_per_dataset(blobs):
    model = TwoLayerMLP(8, 16, 4)
    memory = Benchmark([model], {"blobs": blobs}).run_memory_benchmark()["model_0"]
    n = blobs[0].shape[0]
    # the two Linear outputs, float32: (n, 16) and (n, 4)
    assert memory.metadata["activation_bytes"] == {"blobs": 4 * n * (16 + 4)}
    assert memory.metadata["peak_forward_bytes"]["blobs"] > 0


def test_latency_has_one_positive_value_per_measurement_run(blobs):
    bench = Benchmark({"a": BlobMLP(), "b": BlobMLP(hidden=8)}, [blobs, blobs], warmup_runs=2, measurement_runs=7)
    latency = bench.run_latency_benchmark()
    for result in latency.values():
        assert len(result.values) == 7 and min(result.values) > 0
        assert result.metadata["samples_per_run"] == 2 * blobs[1].size
    assert bench.results["latency"] is latency


def test_benchmarking_records_no_graph_and_leaves_gradients_alone(blobs):
    model = BlobMLP()
    Benchmark([model], [blobs], warmup_runs=1, measurement_runs=2).compare_models()
    assert all(p.grad is None for p in model.parameters())


def test_compare_models_math_follows_the_measured_results():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4)).astype(np.float32)
    y = rng.integers(0, 2, 40)
    models = {"big": MatrixModel(rng.normal(size=(4, 2))), "small": MatrixModel(rng.normal(size=(4, 2))),
              "wide": MatrixModel(np.hstack([rng.normal(size=(4, 2)), np.full((4, 2), -100.0)]))}
    bench = Benchmark(models, [(x, y)], warmup_runs=1, measurement_runs=5)
    comparison = bench.compare_models()
    latency, accuracy = bench.results["latency"], bench.results["accuracy"]
    assert comparison["baseline"] == "big"
    for name in models:
        row = comparison["models"][name]
        base_ms, ms = np.median(latency["big"].values), np.median(latency[name].values)
        assert row["latency_ms"] == pytest.approx(ms)
        assert row["speedup"] == pytest.approx(base_ms / ms)
        assert row["accuracy"] == pytest.approx(numpy_accuracy(models[name], x, y))
        assert row["accuracy"] == accuracy[name].mean  # the measured result, not a second computation
        assert row["accuracy_delta"] == pytest.approx(numpy_accuracy(models[name], x, y) - numpy_accuracy(models["big"], x, y))
    assert comparison["models"]["wide"]["parameter_bytes"] == 4 * 4 * 4
    assert comparison["models"]["wide"]["compression_ratio"] == pytest.approx(0.5)  # 32 bytes vs 64
    assert comparison["models"]["big"]["speedup"] == 1.0


def test_compare_models_with_another_baseline(blobs):
    bench = Benchmark({"a": BlobMLP(hidden=4), "b": BlobMLP(hidden=8)}, [blobs], measurement_runs=2)
    comparison = bench.compare_models(baseline="b")
    bytes_a = 4 * (8 * 4 + 4 + 4 * 4 + 4 + 4 * 4 + 4)
    bytes_b = 4 * (8 * 8 + 8 + 8 * 8 + 8 + 8 * 4 + 4)
    assert comparison["baseline"] == "b"
    assert comparison["models"]["a"]["compression_ratio"] == pytest.approx(bytes_b / bytes_a)
    with pytest.raises(ValueError, match="baseline 'c'"):
        bench.compare_models(baseline="c")


def test_models_without_parameters_have_no_size_ratio():
    x, y = np.eye(3, dtype=np.float32), np.arange(3)
    comparison = Benchmark([MatrixModel(np.eye(3)), Identity()], [(x, y)], measurement_runs=2).compare_models()
    assert comparison["models"]["model_1"]["compression_ratio"] is None
    assert comparison["models"]["model_1"]["accuracy_delta"] == 0.0


def test_list_names_and_the_comparison_table(blobs):
    bench = Benchmark([BlobMLP(), BlobMLP()], [blobs], measurement_runs=2)
    assert list(bench.models) == ["model_0", "model_1"] and list(bench.datasets) == ["dataset_0"]
    table = comparison_table(bench.compare_models())
    assert table.splitlines()[1].startswith("model_0") and len(table.splitlines()) == 3


@pytest.mark.parametrize("models, error, words", [
    ([], ValueError, "models is empty"),
    ({}, ValueError, "models is empty"),
    (BlobMLP(), TypeError, "list or a dict"),
    ([object()], TypeError, "forward"),
    ([OnlyForward()], TypeError, r"forward\(\) and parameters\(\)"),
    ([OnlyParameters()], TypeError, r"forward\(\) and parameters\(\)"),
    ({"": BlobMLP()}, TypeError, "names"),
])
def test_bad_models_are_rejected(models, error, words, blobs):
    with pytest.raises(error, match=words):
        Benchmark(models, [blobs])


def test_bad_datasets_are_rejected(blobs):
    x, y = blobs
    cases = [
        ((x, y), TypeError, "pair"),                               # a bare pair, not a list of pairs
        ([(x, y[:-1])], ValueError, "labels"),                     # lengths differ
        ([(x, y.astype(np.float32))], ValueError, "integer"),      # float labels
        ([(x, y[:, None])], ValueError, "1-D"),                    # 2-D labels
        ([(x, y, y)], TypeError, "pair"),
        ([], ValueError, "datasets is empty"),
    ]
    for datasets, error, words in cases:
        with pytest.raises(error, match=words):
            Benchmark([BlobMLP()], datasets)


@pytest.mark.parametrize("kwargs", [{"warmup_runs": -1}, {"measurement_runs": 0}, {"measurement_runs": 2.5},
                                    {"measurement_runs": True}])
def test_bad_run_counts_are_rejected(kwargs, blobs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        Benchmark([BlobMLP()], [blobs], **kwargs)


def test_outputs_that_are_not_logits_are_rejected(blobs):
    one_column = MatrixModel(np.ones((8, 1)))
    with pytest.raises(ValueError, match="logits"):
        Benchmark([one_column], [blobs]).run_accuracy_benchmark()
    with pytest.raises(ValueError, match="labels outside"):
        Benchmark([MatrixModel(np.ones((8, 2)))], [blobs]).run_accuracy_benchmark()  # labels go up to 3


class Recorder:
    """logits = one-hot(first feature) with 3 classes; remembers every input it saw and whether grad was on."""

    def __init__(self):
        self.weight = Tensor(np.zeros((1, 1), dtype=np.float32))
        self.calls = []

    def forward(self, x):
        self.calls.append((x.shape, x.data.dtype, is_grad_enabled()))
        return Tensor(np.eye(3, dtype=np.float32)[np.asarray(x.data[:, 0], dtype=np.int64)])

    def parameters(self):
        return [self.weight]


def test_latency_runs_warmup_then_measured_passes_over_every_dataset_without_recording():
    model = Recorder()
    datasets = {"a": (np.zeros((4, 2), dtype=np.int64), np.zeros(4, dtype=np.int64)),
                "b": (np.ones((6, 2), dtype=np.int64), np.ones(6, dtype=np.int64))}
    Benchmark([model], datasets, warmup_runs=2, measurement_runs=3).run_latency_benchmark()
    assert len(model.calls) == 2 * (2 + 3)  # per dataset: 2 warm-up passes + one per measured run
    assert sorted(shape for shape, _, _ in model.calls) == [(4, 2)] * 5 + [(6, 2)] * 5
    assert not any(grad_on for _, _, grad_on in model.calls)


def test_accuracy_and_memory_passes_record_no_graph_and_keep_the_input_dtype():
    model = Recorder()
    ids = np.array([[0, 5], [2, 5], [1, 5]], dtype=np.int64)  # token-id-like integer inputs
    bench = Benchmark([model], [(ids, np.array([0, 2, 2]))], measurement_runs=1)
    assert bench.run_accuracy_benchmark()["model_0"].values == pytest.approx([2 / 3])
    bench.run_memory_benchmark()
    assert model.calls and not any(grad_on for _, _, grad_on in model.calls)
    assert {dtype for _, dtype, _ in model.calls} == {np.dtype(np.int64)}


def test_one_latency_run_is_the_sum_over_the_datasets():
    bench = Benchmark([Recorder()], [(np.zeros((4, 1), dtype=np.int64), np.zeros(4, dtype=np.int64)),
                                     (np.zeros((6, 1), dtype=np.int64), np.zeros(6, dtype=np.int64))],
                      warmup_runs=0, measurement_runs=3)
    bench.profiler.measure_latency = lambda model, inputs, warmup, iterations: float(inputs.shape[0])  # "ms" = rows
    assert bench.run_latency_benchmark()["model_0"].values == [10.0, 10.0, 10.0]


def test_negative_labels_are_rejected():
    x, y = np.eye(3, dtype=np.float32), np.array([0, -1, 2])
    with pytest.raises(ValueError, match="labels outside"):
        Benchmark([MatrixModel(np.eye(3))], [(x, y)]).run_accuracy_benchmark()
