"""Module 16 with the rest of the stack: consistency, trained-model inference, distillation, other layers.

Covers the seed-003 integration points that need more than one module: sparsity measured
three ways, inference of a pruned *trained* model, structured after unstructured pruning,
the distillation loss under autograd, pruning conv filters (09) and attention projections (12),
and pruning before INT8 quantization (15).
"""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (turns autograd on)
from testkit.blobs import accuracy, make_blobs, train
from testkit.references import softmax
from testkit.compression_models import (
    TiedMLP,
    TinyMLP,
    manual_sparsity,
    mask_sparsity,
    numpy_distillation_loss,
    unique_weights,
)
from tinytorch.core.activations import ReLU
from tinytorch.core.attention import MultiHeadAttention
from tinytorch.core.optimizers import Adam
from tinytorch.core.spatial import Conv2d
from tinytorch.core.tensor import Tensor
from tinytorch.perf.compression import KnowledgeDistillation, magnitude_prune, measure_sparsity, structured_prune
from tinytorch.perf.quantization import compare_model_sizes, dequantize_int8, quantize_model


@pytest.fixture
def trained():
    """(model, inputs, labels): an MLP trained in the test to near-perfect accuracy."""
    inputs, labels = make_blobs(n_per_class=40, n_features=8, n_classes=3, seed=3)
    model = TinyMLP(8, 32, 3)
    train(model, Adam(model.parameters(), lr=0.02), inputs, labels, steps=80)
    assert accuracy(model, inputs, labels) >= 0.95
    return model, inputs, labels


class TestSparsityConsistency:
    @pytest.mark.parametrize("make", [TinyMLP, TiedMLP])
    @pytest.mark.parametrize("sparsity", [0.3, 0.6, 0.9])
    def test_three_measurements_agree_after_magnitude_pruning(self, make, sparsity):
        model = make()
        magnitude_prune(model, sparsity)
        measured, manual, masked = measure_sparsity(model), manual_sparsity(model), mask_sparsity(model)
        assert measured == pytest.approx(manual, abs=1e-12) and manual == pytest.approx(masked, abs=1e-12)
        n = sum(w.data.size for w in unique_weights(model))
        assert abs(measured - sparsity) <= 0.5 / n + 1e-12

    def test_three_measurements_agree_after_structured_then_magnitude(self):
        model = TiedMLP(width=12, n_out=3)
        structured_prune(model, 0.25, exclude=[model.layer3])
        assert measure_sparsity(model) == pytest.approx(manual_sparsity(model))
        magnitude_prune(model, 0.5)
        assert measure_sparsity(model) == pytest.approx(manual_sparsity(model))
        assert manual_sparsity(model) == pytest.approx(mask_sparsity(model))

    def test_three_measurements_still_agree_after_fine_tuning(self, trained):
        model, inputs, labels = trained
        magnitude_prune(model, 0.6)
        train(model, Adam(model.parameters(), lr=0.01), inputs, labels, steps=20)
        assert measure_sparsity(model) == pytest.approx(manual_sparsity(model))
        assert manual_sparsity(model) == pytest.approx(mask_sparsity(model))


class TestPrunedInference:
    def test_pruned_trained_model_runs_with_a_bounded_change(self, trained):
        model, inputs, labels = trained
        x = Tensor(inputs)
        baseline = model(x).data.copy()
        magnitude_prune(model, 0.5)
        pruned = model(x).data
        assert pruned.shape == baseline.shape and np.all(np.isfinite(pruned))
        assert not np.array_equal(pruned, baseline)  # pruning did something
        # half the weights gone, yet the trained model mostly keeps its decisions
        assert np.mean(np.argmax(pruned, axis=1) == np.argmax(baseline, axis=1)) >= 0.9
        assert np.mean(np.abs(pruned - baseline)) < np.mean(np.abs(baseline))

    @pytest.mark.parametrize("batch", [1, 7, 64])
    def test_output_shapes_for_any_batch(self, batch):
        model = TinyMLP(8, 16, 4)
        structured_prune(model, 0.5, exclude=[model.layer2])
        magnitude_prune(model, 0.8)
        out = model(Tensor(np.random.randn(batch, 8))).data
        assert out.shape == (batch, 4) and np.all(np.isfinite(out))


class TestStructuredAfterUnstructured:
    @pytest.mark.parametrize("sparsity, ratio", [(0.3, 0.2), (0.5, 0.5), (0.8, 0.25), (0.9, 0.1)])
    def test_never_lowers_sparsity_and_keeps_old_zeros(self, sparsity, ratio):
        model = TinyMLP(8, 16, 4)
        magnitude_prune(model, sparsity)
        before = measure_sparsity(model)
        zeros = [w.data == 0 for w in unique_weights(model)]
        structured_prune(model, ratio)
        assert measure_sparsity(model) >= before
        for weight, dead in zip(unique_weights(model), zeros):
            assert np.all(weight.data[dead] == 0) and np.all(weight.prune_mask[dead] == 0)
        assert mask_sparsity(model) == pytest.approx(manual_sparsity(model))
        assert model(Tensor(np.random.randn(3, 8))).shape == (3, 4)

    def test_magnitude_after_structured_keeps_dead_neurons(self):
        model = TinyMLP(8, 16, 4)
        structured_prune(model, 0.5, exclude=[model.layer2])
        dead = np.all(model.layer1.weight.data == 0, axis=0)
        magnitude_prune(model, 0.6)
        assert np.all(model.layer1.weight.data[:, dead] == 0)
        assert np.all(model.layer1.bias.data[dead] == 0)


class TestKnowledgeDistillationIntegration:
    def setup_method(self):
        rng = np.random.default_rng(11)
        self.s, self.t = rng.normal(size=(6, 4)), 3.0 * rng.normal(size=(6, 4))
        self.y = rng.integers(0, 4, size=6)

    @pytest.mark.parametrize("temperature, alpha", [(1.0, 0.5), (3.0, 0.7), (4.0, 1.0), (2.0, 0.0)])
    def test_gradient_wrt_student_logits_matches_the_formula(self, temperature, alpha):
        student = Tensor(self.s, requires_grad=True)
        loss = KnowledgeDistillation(None, None, temperature, alpha).distillation_loss(student, self.t, self.y)
        loss.backward()
        n = len(self.y)
        expected = (alpha * temperature * (softmax(self.s / temperature) - softmax(self.t / temperature))
                    + (1 - alpha) * (softmax(self.s) - np.eye(4)[self.y])) / n
        assert student.grad.shape == self.s.shape
        assert np.allclose(student.grad, expected, atol=1e-5)

    def test_gradient_matches_finite_differences(self):
        student = Tensor(self.s, requires_grad=True)
        KnowledgeDistillation(None, None, 2.5, 0.6).distillation_loss(student, self.t, self.y).backward()
        s32 = self.s.astype(np.float32).astype(np.float64)  # the values the Tensor actually holds
        numeric = np.zeros_like(s32)
        eps = 1e-5
        for index in np.ndindex(*s32.shape):
            plus, minus = s32.copy(), s32.copy()
            plus[index] += eps
            minus[index] -= eps
            numeric[index] = (numpy_distillation_loss(plus, self.t, self.y, 2.5, 0.6)
                              - numpy_distillation_loss(minus, self.t, self.y, 2.5, 0.6)) / (2 * eps)
        assert np.allclose(student.grad, numeric, atol=1e-4)

    def test_no_gradient_flows_into_the_teacher(self):
        teacher, student = Tensor(self.t, requires_grad=True), Tensor(self.s, requires_grad=True)
        KnowledgeDistillation(None, None).distillation_loss(student, teacher, self.y).backward()
        assert teacher.grad is None and student.grad is not None

    def test_a_small_student_learns_from_a_trained_teacher(self, trained):
        teacher, inputs, labels = trained
        student = TinyMLP(8, 6, 3)  # 75 parameters; 4 hidden units sometimes lose one to a dead ReLU
        kd = KnowledgeDistillation(teacher, student, temperature=3.0, alpha=0.7)
        x, teacher_logits = Tensor(inputs), teacher(Tensor(inputs)).data
        optimizer = Adam(student.parameters(), lr=0.03)
        losses = []
        for _ in range(60):
            optimizer.zero_grad()
            loss = kd.distillation_loss(student(x), teacher_logits, labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        assert all(np.isfinite(losses)) and min(losses) > 0
        assert losses[-1] < 0.5 * losses[0]
        assert accuracy(student, inputs, labels) >= 0.9
        student_size = sum(p.data.size for p in student.parameters())
        assert student_size < sum(p.data.size for p in teacher.parameters()) / 5


class ConvNet:
    """conv -> relu -> conv, chained explicitly."""

    def __init__(self):
        self.conv1 = Conv2d(3, 8, kernel_size=3, padding=1)
        self.relu = ReLU()
        self.conv2 = Conv2d(8, 4, kernel_size=3)

    def forward(self, x):
        return self.conv2(self.relu(self.conv1(x)))

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        return self.conv1.parameters() + self.conv2.parameters()


class TestCrossModule:
    def test_structured_pruning_removes_conv_filters(self):
        conv = Conv2d(3, 8, kernel_size=3)
        conv.bias.data[:] = np.random.randn(8)
        x = Tensor(np.random.randn(2, 3, 6, 6))
        before = conv(x).data.copy()
        norms = np.sqrt((conv.weight.data.astype(np.float64) ** 2).sum(axis=(1, 2, 3)))
        structured_prune(conv, prune_ratio=0.5)
        removed = np.sort(np.argsort(norms)[:4])
        kept = np.setdiff1d(np.arange(8), removed)
        assert np.array_equal(np.flatnonzero(np.all(conv.weight.data == 0, axis=(1, 2, 3))), removed)
        after = conv(x).data
        assert after.shape == before.shape
        assert np.all(after[:, removed] == 0)  # filter and bias gone: the channel is silent
        assert np.allclose(after[:, kept], before[:, kept], atol=1e-5)

    def test_magnitude_pruning_a_conv_net_and_fine_tuning_keeps_masks(self):
        net = ConvNet()
        magnitude_prune(net, 0.7)
        assert measure_sparsity(net) == pytest.approx(manual_sparsity(net))
        assert abs(measure_sparsity(net) - 0.7) <= 0.5 / (8 * 3 * 9 + 4 * 8 * 9)
        dead = [w.data == 0 for w in unique_weights(net)]
        x = Tensor(np.random.randn(2, 3, 6, 6))
        optimizer = Adam(net.parameters(), lr=0.01)
        for _ in range(3):
            optimizer.zero_grad()
            (net(x) * net(x)).mean().backward()
            optimizer.step()
        assert all(np.all(w.data[d] == 0) for w, d in zip(unique_weights(net), dead))
        assert np.all(np.isfinite(net(x).data))

    def test_pruned_attention_projections_still_compute(self):
        attention = MultiHeadAttention(embed_dim=16, num_heads=4)
        x = Tensor(np.random.randn(2, 5, 16))
        structured_prune(attention, prune_ratio=0.25)
        weights = unique_weights(attention)
        assert len(weights) == 4  # q, k, v and output projections
        for weight in weights:
            assert np.sum(np.all(weight.data == 0, axis=0)) == 4  # 4 of 16 output columns
        out = attention.forward(x)
        out = out[0] if isinstance(out, tuple) else out
        assert out.shape == (2, 5, 16) and np.all(np.isfinite(out.data))

    def test_magnitude_pruned_attention_has_exact_sparsity(self):
        attention = MultiHeadAttention(embed_dim=8, num_heads=2)
        magnitude_prune(attention, 0.5)
        assert manual_sparsity(attention) == pytest.approx(0.5)
        out = attention.forward(Tensor(np.random.randn(1, 3, 8)))
        out = out[0] if isinstance(out, tuple) else out
        assert np.all(np.isfinite(out.data))

    def test_prune_then_quantize_keeps_the_zeros_and_the_accuracy(self, trained):
        model, inputs, labels = trained
        magnitude_prune(model, 0.7)
        pruned_accuracy = accuracy(model, inputs, labels)
        quantized = quantize_model(model, calibration_data=Tensor(inputs))
        for float_layer, int8_layer in ((model.layer1, quantized.layer1), (model.layer2, quantized.layer2)):
            q = int8_layer.weight_q.data
            assert q.dtype == np.int8 and q.shape == float_layer.weight.shape
            pruned = float_layer.weight.data == 0
            assert np.all(q[pruned] == 0)  # symmetric int8: zero stays exactly zero
            restored = dequantize_int8(int8_layer.weight_q, int8_layer.weight_scale, int8_layer.weight_zero_point).data
            assert np.all(restored[pruned] == 0)
            assert np.max(np.abs(restored - float_layer.weight.data)) <= int8_layer.weight_scale / 2 + 1e-6
        assert measure_sparsity(quantized) >= measure_sparsity(model)  # quantizing never un-prunes
        assert measure_sparsity(model) == pytest.approx(manual_sparsity(model))  # the original is untouched
        assert compare_model_sizes(model, quantized)["compression_ratio"] > 3
        assert accuracy(quantized, inputs, labels) >= pruned_accuracy - 0.05
