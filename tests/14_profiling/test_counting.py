"""Parameter and FLOP counts, checked against hand counts from the layer shapes."""

import numpy as np
import pytest

from tinytorch.core.activations import ReLU
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.layers import Linear
from tinytorch.core.spatial import Conv2d
from tinytorch.core.tensor import Tensor
from tinytorch.perf.profiling import Profiler, find_layers, layer_flops, watch_forward


class MLP:
    def __init__(self):
        self.fc1 = Linear(12, 24)
        self.relu = ReLU()
        self.fc2 = Linear(24, 3)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))

    def parameters(self):
        return self.fc1.parameters() + self.fc2.parameters()


class ConvNet:
    def __init__(self):
        self.conv = Conv2d(3, 4, kernel_size=3, stride=1, padding=1)
        self.head = Linear(4 * 6 * 6, 2)

    def forward(self, x):
        features = self.conv(x)
        return self.head(features.reshape(features.shape[0], -1))

    def parameters(self):
        return self.conv.parameters() + self.head.parameters()


class TiedLayers:
    def __init__(self):
        self.a = Linear(4, 4)
        self.b = Linear(4, 4)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))

    def parameters(self):
        return self.a.parameters() + self.b.parameters()


def naive_conv_multiply_adds(n, c_in, c_out, h_out, w_out, kh, kw):
    """Count the multiply-adds of a convolution one output element at a time."""
    count = 0
    for _ in range(n * c_out * h_out * w_out):
        count += c_in * kh * kw
    return count


def test_count_parameters_counts_every_entry():
    assert Profiler().count_parameters(MLP()) == 12 * 24 + 24 + 24 * 3 + 3


def test_shared_weight_is_counted_once():
    assert Profiler().count_parameters(TiedLayers()) == 16 + 4 + 4


def test_linear_flops_cover_every_leading_dimension():
    assert layer_flops(Linear(5, 7), (2, 3, 5), (2, 3, 7)) == 2 * 6 * 5 * 7


def test_mlp_flops_match_the_hand_count():
    assert Profiler().count_flops(MLP(), (8, 12)) == 2 * 8 * (12 * 24 + 24 * 3)


def test_conv_flops_match_a_naive_count():
    flops = Profiler().flops_by_layer_type(ConvNet(), (2, 3, 6, 6))
    assert flops["Conv2d"] == 2 * naive_conv_multiply_adds(2, 3, 4, 6, 6, 3, 3)
    assert flops["Linear"] == 2 * 2 * (4 * 6 * 6) * 2


def test_attention_flops_count_scores_and_projections():
    flops = Profiler().flops_by_layer_type(MultiHeadAttention(16, 4), (3, 7, 16))
    assert flops["MultiHeadAttention"] == 2 * (2 * 3 * 7 * 7 * 16)
    assert flops["Linear"] == 4 * 2 * (3 * 7) * 16 * 16


def test_find_layers_reaches_lists_dicts_and_nested_objects_once():
    class Holder:
        def __init__(self):
            self.inner = MLP()
            self.items = [Linear(2, 2)]
            self.table = {"x": self.items[0]}

    found = find_layers(Holder())
    assert sum(isinstance(layer, Linear) for layer in found) == 3


def test_watching_restores_layers_even_when_forward_fails():
    model = MLP()
    with pytest.raises(ValueError):
        watch_forward(model, Tensor(np.ones((2, 5))))  # wrong width
    assert "forward" not in vars(model.fc1) and "forward" not in vars(model.fc2)
    output, calls = watch_forward(model, Tensor(np.ones((2, 12))))
    assert output.shape == (2, 3) and [call["layer"] for call in calls] == ["Linear", "Linear"]


def test_unknown_layer_type_has_no_formula():
    with pytest.raises(TypeError):
        layer_flops(ReLU(), (2,), (2,))


def test_non_positive_input_shape_is_rejected():
    with pytest.raises(ValueError):
        Profiler().count_flops(MLP(), (0, 12))
