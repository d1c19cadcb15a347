"""TinyMLPerf: seeded data and reference models are reproducible; run() scores a model like numpy does."""

import numpy as np
import pytest

from testkit.models import TwoLayerMLP
from tinytorch.bench import TASKS, ReferenceMLP, TinyMLPerf
from tinytorch.core.tensor import Tensor


def numpy_accuracy(model, inputs, labels):
    return float(np.mean(np.argmax(model.forward(Tensor(inputs)).data, axis=1) == labels))


@pytest.mark.parametrize("task", sorted(TASKS))
def test_same_seed_same_data(task):
    first, second = TinyMLPerf(random_seed=11).load_task(task), TinyMLPerf(random_seed=11).load_task(task)
    for split in ("train", "test"):
        assert np.array_equal(first[split][0], second[split][0])
        assert np.array_equal(first[split][1], second[split][1])


@pytest.mark.parametrize("task", sorted(TASKS))
def test_different_seed_different_data(task):
    first, other = TinyMLPerf(random_seed=11).load_task(task), TinyMLPerf(random_seed=12).load_task(task)
    assert not np.array_equal(first["train"][0], other["train"][0])
    assert not np.array_equal(first["test"][0], other["test"][0])


def test_data_does_not_depend_on_numpy_global_state():
    np.random.seed(1)
    first = TinyMLPerf(5).load_task("blobs")
    np.random.seed(2)
    np.random.normal(size=100)
    second = TinyMLPerf(5).load_task("blobs")
    assert np.array_equal(first["test"][0], second["test"][0])


def test_tasks_have_the_documented_shapes_and_labels():
    perf = TinyMLPerf(0)
    blobs, xor = perf.load_task("blobs"), perf.load_task("xor")
    assert blobs["train"][0].shape == (200, 8) and blobs["test"][0].shape == (200, 8)
    assert blobs["n_classes"] == 4 and set(np.unique(blobs["train"][1])) == {0, 1, 2, 3}
    x, y = xor["train"]
    assert x.shape == (200, 2) and x.dtype == np.float32 and xor["n_classes"] == 2
    assert np.array_equal(y, (x[:, 0] * x[:, 1] > 0).astype(np.int64))  # the XOR rule, checked directly
    assert not np.array_equal(blobs["train"][0][:, :2], x), "tasks draw from different streams"


def test_reference_model_is_reproducible_and_learns():
    first, second = TinyMLPerf(random_seed=21), TinyMLPerf(random_seed=21)
    model_a, model_b = first.reference_model("blobs"), second.reference_model("blobs")
    for a, b in zip(model_a.parameters(), model_b.parameters()):
        assert np.array_equal(a.data, b.data)
    test_x, test_y = first.load_task("blobs")["test"]
    assert numpy_accuracy(model_a, test_x, test_y) >= 0.85
    assert isinstance(model_a, ReferenceMLP)


def test_reference_model_does_not_depend_on_numpy_global_state():
    np.random.seed(100)
    first = TinyMLPerf(3, training_steps=5).reference_model("xor")
    np.random.seed(200)
    second = TinyMLPerf(3, training_steps=5).reference_model("xor")
    assert all(np.array_equal(a.data, b.data) for a, b in zip(first.parameters(), second.parameters()))


def test_run_reports_seed_accuracy_bytes_and_latency():
    perf = TinyMLPerf(random_seed=9, warmup_runs=1, measurement_runs=4)
    model = TwoLayerMLP(8, 16, 4)
    score = perf.run(model, "blobs", model_name="mine")
    test_x, test_y = perf.load_task("blobs")["test"]
    assert score["random_seed"] == 9 and score["task"] == "blobs" and score["model"] == "mine"
    assert score["accuracy"] == pytest.approx(numpy_accuracy(model, test_x, test_y))
    assert score["parameters"] == 8 * 16 + 16 + 16 * 4 + 4
    assert score["parameter_bytes"] == sum(p.data.nbytes for p in model.parameters())
    assert score["latency"]["n"] == 4 and score["latency"]["min"] > 0
    assert score["test_samples"] == test_y.size


def test_same_seed_same_score_for_the_reference_model():
    runs = [TinyMLPerf(random_seed=4, measurement_runs=2) for _ in range(2)]
    scores = [perf.run(perf.reference_model("xor"), "xor") for perf in runs]
    assert scores[0]["accuracy"] == scores[1]["accuracy"]
    assert scores[0]["parameter_bytes"] == scores[1]["parameter_bytes"]


def test_a_model_for_the_wrong_task_is_rejected():
    perf = TinyMLPerf(0, measurement_runs=1)
    with pytest.raises(ValueError, match="last dimension"):
        perf.run(TwoLayerMLP(8, 4, 4), "xor")  # xor inputs have 2 features
    with pytest.raises(ValueError, match="logits"):
        perf.run(TwoLayerMLP(8, 4, 1), "blobs")  # one output column is not class logits


@pytest.mark.parametrize("kwargs", [{"random_seed": -1}, {"random_seed": 1.5}, {"measurement_runs": 0},
                                    {"training_steps": 0}, {"warmup_runs": -2}])
def test_bad_settings_are_rejected(kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        TinyMLPerf(**kwargs)


@pytest.mark.parametrize("call", ["load_task", "reference_model"])
def test_unknown_task_is_named(call):
    with pytest.raises(ValueError, match="unknown task 'mnist'"):
        getattr(TinyMLPerf(), call)("mnist")


def test_reference_initialisation_is_he_scaled():
    """Weights drawn from the given generator with std sqrt(2 / fan_in) (He), not unit scale."""
    model = ReferenceMLP(200, 50, hidden=400, rng=np.random.default_rng(0))
    assert np.std(model.layer1.weight.data) == pytest.approx(np.sqrt(2 / 200), rel=0.03)
    assert np.std(model.layer2.weight.data) == pytest.approx(np.sqrt(2 / 400), rel=0.03)
    assert abs(np.mean(model.layer1.weight.data)) < 0.01
