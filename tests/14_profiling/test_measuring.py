"""Memory, latency, forward/backward profiles and weight statistics."""

import tracemalloc

import numpy as np
import pytest

import tinytorch.perf.profiling as profiling
from testkit.models import Identity, TwoLayerMLP
from tinytorch.core.tensor import Tensor
from tinytorch.perf.profiling import Profiler, analyze_weight_distribution, quick_profile


def MLP():
    """10 -> 20 -> 4, two Linear layers back to back."""
    return TwoLayerMLP(10, 20, 4, activation=Identity())


class FakeClock:
    """A perf_counter whose time only moves when a model call says how long it took."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class ScriptedModel:
    """forward() advances the fake clock by the next duration (milliseconds) of a script."""

    def __init__(self, clock, durations_ms):
        self.clock, self.durations = clock, list(durations_ms)

    def forward(self, x):
        self.clock.now += self.durations.pop(0) / 1000.0
        return x

    def parameters(self):
        return []


def test_memory_reports_parameter_activation_and_peak_bytes():
    memory = Profiler().measure_memory(MLP(), (5, 10))
    assert memory["parameter_bytes"] == (10 * 20 + 20 + 20 * 4 + 4) * 4
    assert memory["activation_bytes"] == (5 * 20 + 5 * 4) * 4
    assert memory["peak_forward_bytes"] >= 5 * 20 * 4, "the (5, 20) hidden activation exists at the peak"


def test_peak_memory_grows_with_the_batch():
    small = Profiler().measure_memory(MLP(), (10, 10))["peak_forward_bytes"]
    large = Profiler().measure_memory(MLP(), (1000, 10))["peak_forward_bytes"]
    assert large - small >= (1000 - 10) * 20 * 4


def test_memory_measurement_leaves_a_running_tracer_running():
    tracemalloc.start()
    try:
        Profiler().measure_memory(MLP(), (2, 10))
        assert tracemalloc.is_tracing()
    finally:
        tracemalloc.stop()
    Profiler().measure_memory(MLP(), (2, 10))
    assert not tracemalloc.is_tracing()


def test_latency_is_the_median_of_the_timed_runs_after_warmup(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(profiling.time, "perf_counter", clock)
    # warm-up takes 500 ms (excluded); the timed runs' median is 3 ms (their mean would be 12 ms)
    model = ScriptedModel(clock, [500.0, 1.0, 50.0, 3.0, 2.0, 4.0])
    assert Profiler().measure_latency(model, Tensor([0.0]), warmup=1, iterations=5) == pytest.approx(3.0)
    assert model.durations == [], "exactly warmup + iterations forward passes"



def test_latency_defaults_to_three_untimed_warmup_runs_then_ten_timed_runs(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(profiling.time, "perf_counter", clock)
    # three 500 ms warm-ups, then timed runs of 1..10 ms: median 5.5 (a 500 in the timed runs would move it)
    model = ScriptedModel(clock, [500.0] * 3 + [float(ms) for ms in range(1, 11)])
    assert Profiler().measure_latency(model, Tensor([0.0])) == pytest.approx(5.5)
    assert model.durations == [], "exactly 3 + 10 forward passes"

def test_latency_is_positive_on_a_real_model_and_arguments_are_validated():
    profiler = Profiler()
    x = Tensor(np.ones((3, 10)))
    assert profiler.measure_latency(MLP(), x, warmup=0, iterations=3) > 0
    for bad in ({"iterations": 0}, {"warmup": -1}, {"iterations": 2.5}):
        with pytest.raises(ValueError):
            profiler.measure_latency(MLP(), x, **bad)


def test_forward_profile_lists_each_layer_call():
    profile = Profiler().profile_forward_pass(MLP(), Tensor(np.ones((2, 10))), warmup=0, iterations=1)
    assert profile["parameters"] == 10 * 20 + 20 + 20 * 4 + 4
    assert profile["flops"] == 2 * 2 * (10 * 20 + 20 * 4)
    assert profile["flops_by_layer_type"] == {"Linear": profile["flops"]}
    assert [layer["output_shape"] for layer in profile["layers"]] == [(2, 20), (2, 4)]
    assert profile["latency_ms"] > 0


def test_backward_profile_measures_gradient_bytes():
    model = MLP()
    profile = Profiler().profile_backward_pass(model, Tensor(np.ones((2, 10))), warmup=0, iterations=2)
    assert profile["gradient_bytes"] == sum(p.data.nbytes for p in model.parameters())
    assert profile["forward_backward_ms"] > 0 and profile["forward_ms"] > 0


def test_backward_profile_restores_the_gradients_it_found():
    model = MLP()
    marks = [np.full(p.shape, 7.0, dtype=np.float32) for p in model.parameters()]
    for p, mark in zip(model.parameters(), marks):
        p.grad = mark
    Profiler().profile_backward_pass(model, Tensor(np.ones((2, 10))), warmup=1, iterations=1)
    assert all(p.grad is mark for p, mark in zip(model.parameters(), marks))


def test_weight_distribution_matches_numpy_over_weight_matrices_only():
    model = MLP()
    model.layer1.bias.data[:] = 100.0  # biases must not enter the statistics
    model.layer2.weight.data[0, :2] = 0.0
    values = np.concatenate([model.layer1.weight.data.ravel(), model.layer2.weight.data.ravel()]).astype(np.float64)
    magnitudes = np.abs(values)
    stats = analyze_weight_distribution(model, percentiles=(50, 90))
    assert stats["count"] == magnitudes.size
    assert stats["max_abs"] == pytest.approx(magnitudes.max())
    assert stats["mean_abs"] == pytest.approx(magnitudes.sum() / magnitudes.size)
    assert stats["std"] == pytest.approx(np.sqrt(np.mean((values - values.mean()) ** 2)))
    assert stats["zero_fraction"] == pytest.approx(2 / magnitudes.size)
    assert stats["percentiles"][50] == pytest.approx(np.median(magnitudes))
    ordered, position = np.sort(magnitudes), 0.9 * (magnitudes.size - 1)
    low = int(position)
    interpolated = ordered[low] + (position - low) * (ordered[low + 1] - ordered[low])
    assert stats["percentiles"][90] == pytest.approx(interpolated)


def test_weight_distribution_needs_weight_matrices():
    class BiasOnly:
        def parameters(self):
            return [Tensor(np.ones(3))]

    with pytest.raises(ValueError, match="no weight matrices"):
        analyze_weight_distribution(BiasOnly())


def test_quick_profile_prints_a_summary_unless_quiet(capsys):
    profile = quick_profile(MLP(), Tensor(np.ones((2, 10))))
    printed = capsys.readouterr().out
    assert f"{profile['parameters']:,}" in printed and printed.count("Linear") == 2
    quick_profile(MLP(), Tensor(np.ones((2, 10))), verbose=False)
    assert capsys.readouterr().out == ""
