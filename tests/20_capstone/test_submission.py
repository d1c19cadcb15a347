"""generate_submission / validate_submission / save_submission: structure, improvement math, atomic writes."""

import json
import platform

import numpy as np
import pytest

import tinytorch.bench as bench_module
from tinytorch.capstone import (
    IMPROVEMENT_KEYS,
    SUBMISSION_KEYS,
    BenchmarkReport,
    generate_submission,
    save_submission,
    validate_submission,
)
from tinytorch.core.layers import Linear
from tinytorch.perf.quantization import quantize_model

BASE = {"model_name": "base", "parameters": 1000, "nonzero_parameters": 1000, "sparsity": 0.0,
        "size_bytes": 4000, "latency_ms": 3.0, "latency_ci_ms": [2.8, 3.2], "accuracy": 0.95,
        "eval_samples": 200, "measurement_runs": 10}


def report_with(name, **changes):
    """A report whose metrics are set by hand (the formulas are checked against hand numbers)."""
    report = BenchmarkReport(name)
    report.metrics = dict(BASE, model_name=name, **changes)
    return report


@pytest.fixture
def pair():
    return report_with("base"), report_with("opt", nonzero_parameters=250, sparsity=0.75, size_bytes=1250,
                                            latency_ms=1.2, accuracy=0.93)


def test_structure(pair):
    submission = generate_submission(*pair, techniques=["magnitude_prune(0.75)", "int8"])
    assert tuple(submission) == SUBMISSION_KEYS
    assert submission["schema_version"] == 1
    assert submission["baseline"] == pair[0].metrics and submission["optimized"] == pair[1].metrics
    assert submission["techniques"] == ["magnitude_prune(0.75)", "int8"]
    assert set(submission["improvements"]) == set(IMPROVEMENT_KEYS)
    assert submission["system"]["python"] == platform.python_version()
    assert submission["system"]["numpy"] == np.__version__
    assert submission["system"]["platform"] == platform.platform()


def test_improvement_math_by_hand(pair):
    improvements = generate_submission(*pair)["improvements"]
    assert improvements["speedup"] == pytest.approx(3.0 / 1.2)
    assert improvements["compression_ratio"] == pytest.approx(4000 / 1250)
    assert improvements["nonzero_reduction"] == pytest.approx(1000 / 250)
    assert improvements["accuracy_delta"] == pytest.approx(0.93 - 0.95)


def test_baseline_only_submission_has_no_improvements(pair):
    submission = generate_submission(pair[0])
    assert submission["optimized"] is None and submission["improvements"] is None and submission["techniques"] == []
    validate_submission(submission)


def test_submission_does_not_share_the_report_metrics(pair):
    submission = generate_submission(*pair)
    submission["baseline"]["accuracy"] = 0.0
    assert pair[0].metrics["accuracy"] == 0.95


def test_zero_sizes_give_no_ratio_instead_of_a_crash():
    base, empty = report_with("base"), report_with("empty", size_bytes=0, nonzero_parameters=0, parameters=0)
    improvements = generate_submission(base, empty)["improvements"]
    assert improvements["compression_ratio"] is None and improvements["nonzero_reduction"] is None


def test_measured_compression_ratio_agrees_with_independent_sizes():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 12)).astype(np.float32)
    layer = Linear(12, 5)
    y = np.argmax(x @ layer.weight.data + layer.bias.data, axis=1)
    int8 = quantize_model(layer)
    base, opt = BenchmarkReport("fp32"), BenchmarkReport("int8")
    base.benchmark_model(layer, x, y, measurement_runs=2)
    opt.benchmark_model(int8, x, y, measurement_runs=2)
    improvements = generate_submission(base, opt, ["quantize_model"])["improvements"]
    fp32_bytes = layer.weight.data.nbytes + layer.bias.data.nbytes      # 12*5*4 + 5*4
    int8_bytes = sum(p.data.nbytes for p in int8.parameters())          # 12*5*1 + 5*4
    assert (fp32_bytes, int8_bytes) == (260, 80)
    assert improvements["compression_ratio"] == pytest.approx(260 / 80)
    int8_accuracy = float(np.mean(np.argmax(int8.forward(x).data, axis=1) == y))
    assert improvements["accuracy_delta"] == pytest.approx(int8_accuracy - 1.0)


@pytest.mark.parametrize("techniques, error", [("prune", TypeError), (["prune", ""], ValueError), (["  "], ValueError),
                                             ([3], ValueError)])
def test_bad_techniques(pair, techniques, error):
    with pytest.raises(error, match="technique"):
        generate_submission(*pair, techniques=techniques)


def test_reports_must_be_measured_reports(pair):
    with pytest.raises(ValueError, match="benchmark_model"):
        generate_submission(BenchmarkReport("never run"))
    with pytest.raises(ValueError, match="benchmark_model"):
        generate_submission(pair[0], BenchmarkReport("never run"))
    with pytest.raises(TypeError, match="BenchmarkReport"):
        generate_submission(BASE)


def broken(submission, path, value):
    """A deep copy of submission with the entry at `path` replaced (or deleted for value=KeyError)."""
    copy = json.loads(json.dumps(submission))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copy


@pytest.mark.parametrize("path, value, words", [
    (("techniques",), KeyError, "lacks keys"),
    (("schema_version",), 2, "schema_version"),
    (("system",), {"python": "3.11"}, "system"),
    (("baseline", "accuracy"), KeyError, "lacks metrics"),
    (("baseline", "accuracy"), float("nan"), "finite"),
    (("optimized", "latency_ms"), "fast", "finite"),
    (("optimized", "latency_ci_ms"), [1.0, None], "finite"),
    (("baseline", "parameters"), True, "finite"),
    (("techniques",), ["int8", "   "], "techniques"),
    (("improvements", "speedup"), 3.0 / 1.2 * (1 + 1e-6), "do not follow"),  # a claim one part per million high
    (("improvements", "speedup"), 100.0, "do not follow"),
    (("improvements", "accuracy_delta"), 0.0, "do not follow"),
    (("improvements", "bonus"), 1.0, "exactly the keys"),
    (("optimized",), None, "no optimized metrics"),
    (("techniques",), "int8", "techniques"),
])
def test_validation_names_the_problem(pair, path, value, words):
    submission = generate_submission(*pair, techniques=["int8"])
    validate_submission(submission)  # the unbroken submission is fine
    with pytest.raises(ValueError, match=words):
        validate_submission(broken(submission, path, value))


def test_validation_rejects_non_dicts():
    with pytest.raises(ValueError, match="dict"):
        validate_submission([("baseline", {})])


def test_save_round_trip(tmp_path, pair):
    submission = generate_submission(*pair, techniques=["int8"])
    path = save_submission(submission, tmp_path / "submission.json")
    assert path == tmp_path / "submission.json"
    assert json.load(open(path, encoding="utf-8")) == submission


def test_save_defaults_to_submission_json_in_the_working_folder(tmp_path, monkeypatch, pair):
    monkeypatch.chdir(tmp_path)
    path = save_submission(generate_submission(pair[0]))
    assert path.name == "submission.json" and (tmp_path / "submission.json").is_file()


def test_invalid_submission_writes_nothing(tmp_path, pair):
    submission = generate_submission(*pair)
    submission["improvements"]["speedup"] *= 2
    with pytest.raises(ValueError):
        save_submission(submission, tmp_path / "submission.json")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file_and_leaves_no_partial_file(tmp_path, monkeypatch, pair):
    target = tmp_path / "submission.json"
    old = generate_submission(pair[0])
    save_submission(old, target)

    def failing_replace(source, destination):
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(bench_module.os, "replace", failing_replace)
    with pytest.raises(OSError, match="simulated crash"):
        save_submission(generate_submission(*pair), target)
    monkeypatch.undo()
    assert json.loads(target.read_text(encoding="utf-8")) == old
    assert [p.name for p in tmp_path.iterdir()] == ["submission.json"]


def test_missing_folder_is_a_clear_error(tmp_path, pair):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_submission(generate_submission(pair[0]), tmp_path / "nope" / "submission.json")


def test_numpy_numbers_in_the_metrics_are_saved_as_plain_json(tmp_path):
    report = report_with("base", parameters=np.int64(1000), accuracy=np.float32(0.5), latency_ci_ms=[2.8, 3.2])
    submission = generate_submission(report)
    path = save_submission(submission, tmp_path / "submission.json")
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert loaded["baseline"]["parameters"] == 1000 and loaded["baseline"]["accuracy"] == 0.5
