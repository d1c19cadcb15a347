"""Checkpoint 14, profiling: can I say what a model costs before I try to make it cheaper?

Parameters, FLOPs, bytes and milliseconds for a model built from earlier modules,
through the public API only.
"""

import numpy as np

from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor
from tinytorch.perf.profiling import Profiler, analyze_weight_distribution


class Wide:
    def __init__(self):
        self.fc1 = Linear(32, 64)
        self.fc2 = Linear(64, 10)

    def forward(self, x):
        return self.fc2(self.fc1(x))

    def parameters(self):
        return self.fc1.parameters() + self.fc2.parameters()


def test_profiler_answers_the_four_cost_questions():
    model, profiler = Wide(), Profiler()
    assert profiler.count_parameters(model) == 32 * 64 + 64 + 64 * 10 + 10
    assert profiler.count_flops(model, (16, 32)) == 2 * 16 * (32 * 64 + 64 * 10)
    assert profiler.measure_memory(model, (16, 32))["parameter_bytes"] == profiler.count_parameters(model) * 4
    assert profiler.measure_latency(model, Tensor(np.ones((16, 32))), warmup=1, iterations=3) > 0
    assert analyze_weight_distribution(model)["count"] == 32 * 64 + 64 * 10
