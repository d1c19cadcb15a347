"""Parameter and FLOP counts, checked against hand counts from the layer shapes."""

import numpy as np
import pytest

from testkit.models import TwoLayerMLP, tied_mlp
from tinytorch.core.activations import ReLU
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.layers import Linear
from tinytorch.core.spatial import AvgPool2d, Conv2d, MaxPool2d
from tinytorch.core.tensor import Tensor
from tinytorch.core.transformer import GPT, TransformerBlock
from tinytorch.perf.profiling import Profiler, find_layers, layer_flops, watch_forward


def MLP():
    """12 -> 24 -> ReLU -> 3."""
    return TwoLayerMLP(12, 24, 3)


class SmallCNN:
    """conv(3->4, 3x3, pad 1) -> ReLU -> maxpool 2 -> conv(4->6, 3x3) -> avgpool 2 -> Linear, on 2x3x10x10."""

    def __init__(self):
        self.conv1 = Conv2d(3, 4, kernel_size=3, padding=1)
        self.relu = ReLU()
        self.pool1 = MaxPool2d(2)
        self.conv2 = Conv2d(4, 6, kernel_size=3)
        self.pool2 = AvgPool2d(2)
        self.head = Linear(6 * 1 * 1, 5)

    def forward(self, x):
        x = self.pool1(self.relu(self.conv1(x)))  # (N, 4, 10, 10) -> (N, 4, 5, 5)
        x = self.pool2(self.conv2(x))  # (N, 6, 3, 3) -> (N, 6, 1, 1)
        return self.head(x.reshape(x.shape[0], -1))

    def parameters(self):
        return self.conv1.parameters() + self.conv2.parameters() + self.head.parameters()




def naive_conv_multiply_adds(n, c_in, c_out, h_out, w_out, kh, kw):
    """Count the multiply-adds of a convolution one output element at a time."""
    count = 0
    for _ in range(n * c_out * h_out * w_out):
        count += c_in * kh * kw
    return count


def test_count_parameters_counts_every_entry():
    assert Profiler().count_parameters(MLP()) == 12 * 24 + 24 + 24 * 3 + 3


def test_shared_weight_is_counted_once():
    assert Profiler().count_parameters(tied_mlp(4)) == 16 + 4 + 4


def test_linear_flops_cover_every_leading_dimension():
    assert layer_flops(Linear(5, 7), (2, 3, 5), (2, 3, 7)) == 2 * 6 * 5 * 7


def test_mlp_flops_match_the_hand_count():
    assert Profiler().count_flops(MLP(), (8, 12)) == 2 * 8 * (12 * 24 + 24 * 3)


def test_cnn_flops_match_a_naive_count_and_pooling_adds_none():
    model = SmallCNN()
    flops = Profiler().flops_by_layer_type(model, (2, 3, 10, 10))
    conv1 = naive_conv_multiply_adds(2, 3, 4, 10, 10, 3, 3)
    conv2 = naive_conv_multiply_adds(2, 4, 6, 3, 3, 3, 3)
    assert flops == {"Conv2d": 2 * (conv1 + conv2), "Linear": 2 * 2 * 6 * 5}
    assert Profiler().count_parameters(model) == (4 * 3 * 9 + 4) + (6 * 4 * 9 + 6) + (6 * 5 + 5)


def test_cnn_profile_lists_calls_in_execution_order_with_their_shapes():
    profile = Profiler().profile_forward_pass(SmallCNN(), Tensor(np.random.randn(2, 3, 10, 10)), warmup=0, iterations=1)
    assert [(c["layer"], c["output_shape"]) for c in profile["layers"]] == [
        ("Conv2d", (2, 4, 10, 10)), ("Conv2d", (2, 6, 3, 3)), ("Linear", (2, 5))]
    assert profile["activation_bytes"] == 4 * (2 * 4 * 10 * 10 + 2 * 6 * 3 * 3 + 2 * 5)


def test_strided_conv_flops_use_the_output_size():
    model = Conv2d(2, 3, kernel_size=3, stride=2, padding=1)  # 9x9 -> 5x5
    assert Profiler().count_flops(model, (1, 2, 9, 9)) == 2 * naive_conv_multiply_adds(1, 2, 3, 5, 5, 3, 3)


def test_attention_flops_count_scores_and_projections():
    flops = Profiler().flops_by_layer_type(MultiHeadAttention(16, 4), (3, 7, 16))
    assert flops["MultiHeadAttention"] == 2 * (2 * 3 * 7 * 7 * 16)
    assert flops["Linear"] == 4 * 2 * (3 * 7) * 16 * 16


def test_attention_score_flops_match_a_per_head_count():
    """Each head multiplies (S, d) by (d, S), then (S, S) by (S, d): count them head by head."""
    batch, seq, dim, heads = 2, 6, 12, 3
    head_dim = dim // heads
    per_head = 2 * seq * head_dim * seq + 2 * seq * seq * head_dim
    flops = Profiler().flops_by_layer_type(MultiHeadAttention(dim, heads), (batch, seq, dim))
    assert flops["MultiHeadAttention"] == batch * heads * per_head


def test_transformer_block_flops_by_type():
    batch, seq, dim = 2, 5, 8
    flops = Profiler().flops_by_layer_type(TransformerBlock(dim, num_heads=2, mlp_ratio=4), (batch, seq, dim))
    projections = 4 * 2 * batch * seq * dim * dim
    mlp = 2 * (2 * batch * seq * dim * 4 * dim)
    assert flops == {"Linear": projections + mlp, "MultiHeadAttention": 4 * batch * seq * seq * dim}


def test_gpt_flops_cover_every_block_and_the_head():
    vocab, dim, layers, heads, batch, seq = 11, 8, 2, 2, 1, 4
    model = GPT(vocab, dim, layers, heads, max_seq_len=8)
    per_block = 4 * 2 * seq * dim * dim + 4 * seq * seq * dim + 2 * 2 * seq * dim * 4 * dim
    expected = batch * (layers * per_block + 2 * seq * dim * vocab)
    assert Profiler().count_flops(model, (batch, seq), dtype=np.int64) == expected


def test_find_layers_reaches_lists_tuples_dicts_and_nested_objects_once():
    class Holder:
        def __init__(self):
            self.inner = MLP()
            self.items = [Linear(2, 2)]
            self.table = {"x": self.items[0]}
            self.pair = (Conv2d(1, 1, 1), "name")
            self.library = np  # a module, not part of the model
            self.kind = Linear  # a class, not a layer

    found = find_layers(Holder())
    assert sum(isinstance(layer, Linear) for layer in found) == 3
    assert sum(isinstance(layer, Conv2d) for layer in found) == 1


def test_watching_restores_layers_even_when_forward_fails():
    model = MLP()
    with pytest.raises(ValueError):
        watch_forward(model, Tensor(np.ones((2, 5))))  # wrong width
    assert "forward" not in vars(model.layer1) and "forward" not in vars(model.layer2)
    output, calls = watch_forward(model, Tensor(np.ones((2, 12))))
    assert output.shape == (2, 3) and [call["layer"] for call in calls] == ["Linear", "Linear"]


def test_watching_keeps_a_forward_the_instance_already_had():
    """A layer whose forward was replaced on the instance (e.g. by a cache) keeps that replacement."""
    layer = Linear(3, 2)
    doubled = lambda x: Linear.forward(layer, x) * 2.0  # noqa: E731
    layer.forward = doubled
    output, calls = watch_forward(layer, Tensor(np.ones((1, 3))))
    assert layer.forward is doubled
    assert np.allclose(output.data, 2 * (np.ones((1, 3)) @ layer.weight.data + layer.bias.data))
    assert len(calls) == 1


def test_a_layer_called_twice_is_recorded_twice():
    class Twice:
        def __init__(self):
            self.fc = Linear(4, 4)

        def forward(self, x):
            return self.fc(self.fc(x))

        def parameters(self):
            return self.fc.parameters()

    assert Profiler().count_flops(Twice(), (3, 4)) == 2 * (2 * 3 * 4 * 4)


def test_unknown_layer_type_has_no_formula():
    with pytest.raises(TypeError):
        layer_flops(ReLU(), (2,), (2,))


@pytest.mark.parametrize("shape", [(0, 12), (), (-1, 12)])
def test_non_positive_or_empty_input_shape_is_rejected(shape):
    with pytest.raises(ValueError, match="input_shape"):
        Profiler().count_flops(MLP(), shape)
