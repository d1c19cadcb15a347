"""Checkpoint 14, profiling: can I say what a model costs before I try to make it cheaper?

Parameters, FLOPs, bytes and milliseconds for models built from earlier modules
(an MLP, a CNN, attention), through the public API only. Expected values are hand
counts from the layer shapes.
"""

import numpy as np
from testkit.models import Identity, TwoLayerMLP

from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.layers import Linear
from tinytorch.core.spatial import Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor
from tinytorch.perf.profiling import Profiler, analyze_weight_distribution, quick_profile


class TinyCNN:
    """conv 1->8 (3x3, pad 1) -> 2x2 max pool -> Linear, on 1x8x8 images."""

    def __init__(self):
        self.conv = Conv2d(1, 8, kernel_size=3, padding=1)
        self.pool = MaxPool2d(2)
        self.head = Linear(8 * 4 * 4, 3)

    def forward(self, x):
        features = self.pool(self.conv(x))
        return self.head(features.reshape(features.shape[0], -1))

    def parameters(self):
        return self.conv.parameters() + self.head.parameters()


def test_profiler_answers_the_four_cost_questions():
    model, profiler = TwoLayerMLP(32, 64, 10, activation=Identity()), Profiler()
    assert profiler.count_parameters(model) == 32 * 64 + 64 + 64 * 10 + 10
    assert profiler.count_flops(model, (16, 32)) == 2 * 16 * (32 * 64 + 64 * 10)
    assert profiler.measure_memory(model, (16, 32))["parameter_bytes"] == (32 * 64 + 64 + 64 * 10 + 10) * 4
    assert profiler.measure_latency(model, Tensor(np.ones((16, 32))), warmup=1, iterations=3) > 0
    assert analyze_weight_distribution(model)["count"] == 32 * 64 + 64 * 10


def test_a_cnn_costs_what_its_shapes_say():
    flops = Profiler().count_flops(TinyCNN(), (2, 1, 8, 8))
    conv = 2 * (2 * 8 * 8 * 8) * (1 * 3 * 3)  # every output value: a 3x3 dot product
    head = 2 * 2 * (8 * 4 * 4) * 3
    assert flops == conv + head


def test_attention_cost_grows_quadratically_with_sequence_length():
    """Doubling S doubles the projections' cost and quadruples the S x S products."""
    batch, dim = 2, 16
    attention, profiler = MultiHeadAttention(dim, 4), Profiler()
    short, long = (profiler.count_flops(attention, (batch, seq, dim)) for seq in (8, 16))
    projections = lambda seq: 4 * 2 * batch * seq * dim * dim  # noqa: E731
    assert long - 2 * short == 4 * batch * dim * (16 * 16 - 2 * 8 * 8)
    assert short == projections(8) + 4 * batch * 8 * 8 * dim


def test_forward_and_backward_profiles_agree_with_the_counts():
    model, x = TinyCNN(), Tensor(np.random.randn(2, 1, 8, 8))
    forward = quick_profile(model, x, verbose=False)
    assert forward["flops"] == Profiler().count_flops(model, (2, 1, 8, 8))
    assert forward["parameters"] == (8 * 9 + 8) + (128 * 3 + 3)
    backward = Profiler().profile_backward_pass(model, x)
    assert backward["gradient_bytes"] == forward["parameter_bytes"]
