"""Memory, latency, forward/backward profiles and weight statistics."""

import numpy as np
import pytest

from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor
from tinytorch.perf.profiling import Profiler, analyze_weight_distribution, quick_profile


class MLP:
    def __init__(self):
        self.fc1 = Linear(10, 20)
        self.fc2 = Linear(20, 4)

    def forward(self, x):
        return self.fc2(self.fc1(x))

    def parameters(self):
        return self.fc1.parameters() + self.fc2.parameters()


def test_memory_reports_parameter_activation_and_peak_bytes():
    memory = Profiler().measure_memory(MLP(), (5, 10))
    assert memory["parameter_bytes"] == (10 * 20 + 20 + 20 * 4 + 4) * 4
    assert memory["activation_bytes"] == (5 * 20 + 5 * 4) * 4
    assert memory["peak_forward_bytes"] >= 5 * 4 * 4


def test_latency_is_a_positive_median_and_arguments_are_validated():
    profiler = Profiler()
    x = Tensor(np.ones((3, 10)))
    assert profiler.measure_latency(MLP(), x, warmup=0, iterations=3) > 0
    with pytest.raises(ValueError):
        profiler.measure_latency(MLP(), x, iterations=0)


def test_latency_runs_warmup_plus_iterations_forward_passes():
    class Counting(MLP):
        calls = 0

        def forward(self, x):
            Counting.calls += 1
            return super().forward(x)

    Profiler().measure_latency(Counting(), Tensor(np.ones((1, 10))), warmup=2, iterations=5)
    assert Counting.calls == 7


def test_forward_profile_lists_each_layer_call():
    profile = Profiler().profile_forward_pass(MLP(), Tensor(np.ones((2, 10))), warmup=0, iterations=1)
    assert profile["parameters"] == 10 * 20 + 20 + 20 * 4 + 4
    assert profile["flops"] == 2 * 2 * (10 * 20 + 20 * 4)
    assert [layer["output_shape"] for layer in profile["layers"]] == [(2, 20), (2, 4)]


def test_backward_profile_measures_gradient_bytes_and_clears_gradients():
    model = MLP()
    profile = Profiler().profile_backward_pass(model, Tensor(np.ones((2, 10))), warmup=0, iterations=2)
    assert profile["gradient_bytes"] == sum(p.data.nbytes for p in model.parameters())
    assert profile["forward_backward_ms"] > 0
    assert all(p.grad is None for p in model.parameters())


def test_weight_distribution_matches_numpy_over_weight_matrices_only():
    model = MLP()
    model.fc1.bias.data[:] = 100.0  # biases must not enter the statistics
    magnitudes = np.abs(np.concatenate([model.fc1.weight.data.ravel(), model.fc2.weight.data.ravel()]))
    stats = analyze_weight_distribution(model, percentiles=(50, 90))
    assert stats["count"] == magnitudes.size
    assert stats["max_abs"] == pytest.approx(magnitudes.max())
    assert stats["percentiles"][50] == pytest.approx(np.median(magnitudes))
    ordered, position = np.sort(magnitudes), 0.9 * (magnitudes.size - 1)
    low = int(position)
    interpolated = ordered[low] + (position - low) * (ordered[low + 1] - ordered[low])
    assert stats["percentiles"][90] == pytest.approx(interpolated)


def test_weight_distribution_needs_weight_matrices():
    class BiasOnly:
        def parameters(self):
            return [Tensor(np.ones(3))]

    with pytest.raises(ValueError):
        analyze_weight_distribution(BiasOnly())


def test_quick_profile_prints_a_summary_unless_quiet(capsys):
    profile = quick_profile(MLP(), Tensor(np.ones((2, 10))))
    printed = capsys.readouterr().out
    assert f"{profile['parameters']:,}" in printed and printed.count("Linear") == 2
    quick_profile(MLP(), Tensor(np.ones((2, 10))), verbose=False)
    assert capsys.readouterr().out == ""
