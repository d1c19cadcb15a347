"""Module 16 core behaviour: every function checked against hand-worked or plain-numpy expectations."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from testkit.compression_models import TinyMLP, TiedMLP, manual_sparsity, numpy_distillation_loss
from testkit.references import log_softmax as numpy_log_softmax
from tinytorch.core.layers import Linear
from tinytorch.core.tensor import Tensor
from tinytorch.perf.compression import (
    Compressor,
    KnowledgeDistillation,
    compress_model,
    low_rank_approximate,
    magnitude_prune,
    measure_sparsity,
    structured_prune,
)


def all_weights(model):
    return np.concatenate([model.layer1.weight.data.ravel(), model.layer2.weight.data.ravel()])


class TestMeasureSparsity:
    def test_hand_worked_example(self):
        model = TinyMLP(2, 3, 1)
        model.layer1.weight.data[:] = [[0.4, 0.0, -1.2], [0.0, 0.7, 0.3]]
        model.layer2.weight.data[:] = [[0.0], [0.5], [0.0]]
        assert measure_sparsity(model) == pytest.approx(4 / 9)

    def test_biases_are_not_counted(self):
        model = TinyMLP(4, 5, 2)  # Linear biases start at exactly zero, weights have no zeros
        assert np.all(model.layer1.bias.data == 0)
        assert measure_sparsity(model) == 0.0

    def test_shared_weight_counted_once(self):
        model = TiedMLP(width=10, n_out=2)
        model.layer1.weight.data[:5] = 0.0  # 50 of the shared 100 entries
        # unique weights: shared (10x10) + layer3 (10x2) = 120 entries, 50 zeros
        assert measure_sparsity(model) == pytest.approx(50 / 120)

    def test_single_layer_is_a_model(self):
        layer = Linear(4, 4)
        layer.weight.data[0] = 0.0
        assert measure_sparsity(layer) == pytest.approx(0.25)

    def test_returns_a_python_float(self):
        assert type(measure_sparsity(TinyMLP())) is float


class TestMagnitudePrune:
    def test_zeroes_exactly_the_globally_smallest(self):
        model = TinyMLP(8, 16, 4)
        before = all_weights(model)
        magnitude_prune(model, sparsity=0.7)
        k = int(np.floor(0.7 * before.size + 0.5))
        expected_zero = np.zeros(before.size, dtype=bool)
        expected_zero[np.argsort(np.abs(before))[:k]] = True
        after = all_weights(model)
        assert np.array_equal(after == 0, expected_zero)
        assert np.array_equal(after[~expected_zero], before[~expected_zero])  # survivors untouched

    def test_threshold_is_global_not_per_layer(self):
        model = TinyMLP(4, 8, 2)
        model.layer1.weight.data[:] = 1.0 + np.random.rand(4, 8)  # all large
        model.layer2.weight.data[:] = 0.01 * np.random.rand(8, 2)  # all small: 16 of 48
        magnitude_prune(model, sparsity=16 / 48)
        assert np.all(model.layer2.weight.data == 0)
        assert np.all(model.layer1.weight.data != 0)

    def test_biases_untouched_and_no_bias_masks(self):
        model = TinyMLP()
        model.layer1.bias.data[:] = np.random.randn(16) * 1e-6  # tiny biases must survive
        biases = [p.data.copy() for p in (model.layer1.bias, model.layer2.bias)]
        magnitude_prune(model, sparsity=0.9)
        assert np.array_equal(model.layer1.bias.data, biases[0])
        assert np.array_equal(model.layer2.bias.data, biases[1])
        assert getattr(model.layer1.bias, "prune_mask", None) is None

    def test_in_place_and_returns_the_model(self):
        model = TinyMLP()
        weight, array = model.layer1.weight, model.layer1.weight.data
        assert magnitude_prune(model, 0.5) is model
        assert model.layer1.weight is weight and model.layer1.weight.data is array

    def test_masks_mark_exactly_the_zeros(self):
        model = TinyMLP()
        magnitude_prune(model, 0.6)
        for layer in (model.layer1, model.layer2):
            mask = np.asarray(layer.weight.prune_mask)
            assert mask.shape == layer.weight.shape
            assert set(np.unique(mask)) <= {0.0, 1.0}
            assert np.array_equal(mask == 0, layer.weight.data == 0)

    def test_ties_at_the_threshold_keep_the_count_exact(self):
        model = TinyMLP(4, 6, 2)
        model.layer1.weight.data[:] = np.sign(np.random.randn(4, 6))  # every |w| equals 1
        model.layer2.weight.data[:] = -1.0
        magnitude_prune(model, sparsity=0.5)
        assert int(np.sum(all_weights(model) == 0)) == 18  # half of 36, not all or nothing

    @settings(max_examples=30, deadline=None)
    @given(st.floats(min_value=0.0, max_value=1.0))
    def test_achieved_sparsity_within_one_element(self, sparsity):
        model = TinyMLP(5, 7, 3)
        n = 5 * 7 + 7 * 3
        magnitude_prune(model, sparsity)
        assert abs(measure_sparsity(model) * n - sparsity * n) <= 0.5 + 1e-9

    def test_pruning_again_never_unprunes(self):
        model = TinyMLP()
        magnitude_prune(model, 0.5)
        first_zeros = all_weights(model) == 0
        magnitude_prune(model, 0.3)  # a lower target must not bring weights back
        assert np.all(all_weights(model)[first_zeros] == 0)
        masks = np.concatenate([np.ravel(model.layer1.weight.prune_mask), np.ravel(model.layer2.weight.prune_mask)])
        assert np.all(masks[first_zeros] == 0)  # still masked, so no optimizer can regrow them
        assert measure_sparsity(model) == pytest.approx(manual_sparsity(model))
        assert manual_sparsity(model) >= 0.5 - 1e-9
        magnitude_prune(model, 0.8)
        assert np.all(all_weights(model)[first_zeros] == 0)
        assert manual_sparsity(model) == pytest.approx(0.8, abs=1 / all_weights(model).size)

    def test_masked_entries_rank_first_even_if_something_wrote_into_them(self):
        """An optimizer that ignores prune_mask can regrow pruned weights; re-pruning re-zeros
        exactly those (they count as magnitude 0) and the count stays round(sparsity * N)."""
        model = TinyMLP(4, 6, 2)
        magnitude_prune(model, 0.5)
        masked = all_weights(model) == 0
        for layer in (model.layer1, model.layer2):
            regrown = layer.weight.prune_mask == 0
            layer.weight.data[regrown] = 10.0  # larger than every surviving weight
        magnitude_prune(model, 0.5)
        assert np.array_equal(all_weights(model) == 0, masked)


class TestStructuredPrune:
    def test_removes_weakest_columns_and_their_biases(self):
        model = TinyMLP(6, 10, 3)
        model.layer1.bias.data[:] = np.random.randn(10)
        w, b = model.layer1.weight.data.copy(), model.layer1.bias.data.copy()
        structured_prune(model, prune_ratio=0.3, exclude=[model.layer2])
        weakest = np.argsort(np.sqrt((w.astype(np.float64) ** 2).sum(axis=0)))[:3]
        kept = np.setdiff1d(np.arange(10), weakest)
        assert np.all(model.layer1.weight.data[:, weakest] == 0)
        assert np.all(model.layer1.bias.data[weakest] == 0)
        assert np.array_equal(model.layer1.weight.data[:, kept], w[:, kept])
        assert np.array_equal(model.layer1.bias.data[kept], b[kept])
        assert np.array_equal(np.asarray(model.layer1.bias.prune_mask), np.isin(np.arange(10), kept).astype(float))

    @pytest.mark.parametrize("which", ["layer", "tensor"])
    def test_exclude_accepts_layers_and_tensors(self, which):
        model = TinyMLP()
        head = model.layer2.weight.data.copy()
        structured_prune(model, 0.5, exclude=[model.layer2 if which == "layer" else model.layer2.weight])
        assert np.array_equal(model.layer2.weight.data, head)
        assert np.sum(np.all(model.layer1.weight.data == 0, axis=0)) == 8

    def test_conv_shaped_weight_loses_whole_filters(self):
        class FilterBank:
            """A bare conv-shaped layer: weight (out, in, kh, kw) and bias (out,)."""

            def __init__(self):
                self.weight = Tensor(np.random.randn(6, 3, 2, 2), requires_grad=True)
                self.bias = Tensor(np.random.randn(6), requires_grad=True)

            def forward(self, x):
                return x

            def parameters(self):
                return [self.weight, self.bias]

        bank = FilterBank()
        norms = np.sqrt((bank.weight.data.astype(np.float64) ** 2).sum(axis=(1, 2, 3)))
        structured_prune(bank, prune_ratio=0.5)
        dead = np.all(bank.weight.data == 0, axis=(1, 2, 3))
        assert np.array_equal(np.flatnonzero(dead), np.sort(np.argsort(norms)[:3]))
        assert np.all(bank.bias.data[dead] == 0) and np.all(bank.bias.data[~dead] != 0)

    def test_an_already_dead_neuron_is_removed_first(self):
        model = TinyMLP(6, 10, 3)
        magnitude_prune(model, 0.0)  # sets all-ones masks
        model.layer1.weight.data[:, 4] = 0.0
        model.layer1.weight.prune_mask[:, 4] = 0.0
        structured_prune(model, prune_ratio=0.1, exclude=[model.layer2])  # removes one neuron
        assert np.array_equal(np.flatnonzero(np.all(model.layer1.weight.data == 0, axis=0)), [4])


class TestLowRank:
    @pytest.mark.parametrize("ratio, k", [(0.1, 2), (0.25, 4), (0.5, 8), (1.0, 16)])
    def test_factor_shapes(self, ratio, k):
        a, b = low_rank_approximate(np.random.randn(24, 16), rank_ratio=ratio)
        assert a.shape == (24, k) and b.shape == (k, 16)

    def test_error_is_the_dropped_singular_energy(self):
        w = np.random.randn(30, 20)
        s = np.linalg.svd(w, compute_uv=False)
        for ratio, k in [(0.25, 5), (0.5, 10)]:
            a, b = low_rank_approximate(w, ratio)
            assert np.linalg.norm(w - a @ b) == pytest.approx(np.sqrt(np.sum(s[k:] ** 2)), rel=1e-4)

    def test_full_rank_and_low_rank_inputs_are_recovered(self):
        w = np.random.randn(12, 9)
        a, b = low_rank_approximate(Tensor(w), rank_ratio=1.0)  # Tensors accepted
        assert np.allclose(a @ b, w, atol=1e-4)
        rank2 = np.random.randn(20, 2) @ np.random.randn(2, 10)
        a, b = low_rank_approximate(rank2, rank_ratio=0.2)
        assert np.allclose(a @ b, rank2, atol=1e-4)

    def test_factors_are_u_times_s_and_v_transposed(self):
        """The documented split: A = U_k * S_k (column norms are the singular values), B = V_k^T (orthonormal rows)."""
        w = np.random.randn(20, 12)
        a, b = low_rank_approximate(w, rank_ratio=0.5)
        s = np.linalg.svd(w, compute_uv=False)
        np.testing.assert_allclose(b @ b.T, np.eye(6), atol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(a, axis=0), s[:6], rtol=1e-5)

    def test_parameter_count_of_the_factors(self):
        a, b = low_rank_approximate(np.random.randn(64, 48), rank_ratio=0.25)
        assert a.size + b.size == 12 * (64 + 48) and a.size + b.size < 64 * 48


class TestDistillationLoss:
    def setup_method(self):
        rng = np.random.default_rng(7)
        self.student = rng.normal(size=(8, 5))
        self.teacher = 2.0 * rng.normal(size=(8, 5))
        self.labels = rng.integers(0, 5, size=8)

    def loss(self, temperature=3.0, alpha=0.7, student=None, teacher=None):
        kd = KnowledgeDistillation(None, None, temperature=temperature, alpha=alpha)
        s = self.student if student is None else student
        t = self.teacher if teacher is None else teacher
        return kd.distillation_loss(s, t, self.labels)

    @pytest.mark.parametrize("temperature, alpha", [(1.0, 0.5), (2.0, 0.3), (3.0, 0.7), (5.0, 0.9), (0.5, 0.2)])
    def test_matches_the_numpy_formula(self, temperature, alpha):
        loss = self.loss(temperature, alpha)
        assert isinstance(loss, Tensor) and loss.data.size == 1
        expected = numpy_distillation_loss(self.student, self.teacher, self.labels, temperature, alpha)
        assert loss.item() == pytest.approx(expected, rel=1e-4)
        assert np.isfinite(loss.item()) and loss.item() > 0

    def test_alpha_one_is_pure_soft_loss_and_alpha_zero_pure_cross_entropy(self):
        soft = self.loss(3.0, 1.0).item()
        log_pt = numpy_log_softmax(self.teacher / 3.0)
        kl = (np.exp(log_pt) * (log_pt - numpy_log_softmax(self.student / 3.0))).sum(axis=1).mean()
        assert soft == pytest.approx(9.0 * kl, rel=1e-4)
        hard = self.loss(3.0, 0.0).item()
        ce = -numpy_log_softmax(self.student)[np.arange(8), self.labels].mean()
        assert hard == pytest.approx(ce, rel=1e-5)
        assert self.loss(1.0, 0.0).item() == pytest.approx(hard, rel=1e-6)  # T only affects the soft term

    def test_loss_is_linear_in_alpha(self):
        ends = self.loss(2.0, 0.0).item(), self.loss(2.0, 1.0).item()
        for alpha in (0.25, 0.6):
            assert self.loss(2.0, alpha).item() == pytest.approx((1 - alpha) * ends[0] + alpha * ends[1], rel=1e-5)

    def test_matching_teacher_gives_zero_soft_loss(self):
        assert self.loss(4.0, 1.0, teacher=self.student).item() == pytest.approx(0.0, abs=1e-5)

    def test_stable_for_huge_logits(self):
        student = self.student * 1000.0
        teacher = self.teacher * 1000.0
        loss = self.loss(2.0, 0.5, student=student, teacher=teacher).item()
        assert np.isfinite(loss)
        assert loss == pytest.approx(numpy_distillation_loss(student, teacher, self.labels, 2.0, 0.5), rel=1e-3)

    def test_tensor_inputs_and_labels_accepted(self):
        kd = KnowledgeDistillation(None, None)
        loss = kd.distillation_loss(Tensor(self.student), Tensor(self.teacher), Tensor(self.labels))
        assert loss.item() == pytest.approx(self.loss().item(), rel=1e-6)

    def test_defaults_follow_the_api(self):
        kd = KnowledgeDistillation("teacher", "student")
        assert (kd.temperature, kd.alpha) == (3.0, 0.7)
        assert (kd.teacher_model, kd.student_model) == ("teacher", "student")


class TestCompressModel:
    def test_stats_agree_with_a_manual_count(self):
        model = TinyMLP(8, 16, 4)
        params = model.parameters()
        nonzero_before = sum(int(np.count_nonzero(p.data)) for p in params)
        stats = compress_model(model, {"structured_ratio": 0.25, "magnitude_sparsity": 0.6, "exclude": [model.layer2]})
        nonzero_after = sum(int(np.count_nonzero(p.data)) for p in params)
        assert stats["total_parameters"] == 8 * 16 + 16 + 16 * 4 + 4
        assert stats["original_parameters"] == nonzero_before
        assert stats["final_parameters"] == nonzero_after
        assert stats["compression_ratio"] == pytest.approx(nonzero_before / nonzero_after)
        assert stats["sparsity"] == pytest.approx(manual_sparsity(model))
        assert stats["sparsity"] == pytest.approx(0.6, abs=1 / 192)
        assert stats["sparsity_before"] == 0.0
        assert [t.split("(")[0] for t in stats["techniques"]] == ["structured_prune", "magnitude_prune"]

    def test_stats_count_a_shared_weight_once(self):
        model = TiedMLP(width=10, n_out=2)
        unique = {id(p): p for p in model.parameters()}.values()
        stats = compress_model(model, {"magnitude_sparsity": 0.5})
        assert stats["total_parameters"] == 10 * 10 + 10 + 10 + 10 * 2 + 2  # shared 10x10 once, three biases
        assert stats["final_parameters"] == sum(int(np.count_nonzero(p.data)) for p in unique)

    def test_empty_config_changes_nothing(self):
        model = TinyMLP()
        before = [p.data.copy() for p in model.parameters()]
        stats = compress_model(model, {})
        assert stats["techniques"] == [] and stats["original_parameters"] == stats["final_parameters"]
        assert all(np.array_equal(p.data, b) for p, b in zip(model.parameters(), before))

    def test_compressor_namespace_is_the_same_operations(self):
        assert Compressor.measure_sparsity is measure_sparsity
        assert Compressor.magnitude_prune is magnitude_prune
        assert Compressor.structured_prune is structured_prune
        assert Compressor.low_rank_approximate is low_rank_approximate
        assert Compressor.compress_model is compress_model
        assert Compressor.KnowledgeDistillation is KnowledgeDistillation
        model = TinyMLP()
        Compressor.magnitude_prune(model, 0.5)
        assert manual_sparsity(model) == pytest.approx(0.5)
