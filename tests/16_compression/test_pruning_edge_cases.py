"""Module 16 edge cases: shared weights, training after pruning, extreme sparsity, invalid input.

These are the integration risks of the seed-003 audit that most easily fail silently:
a shared Tensor pruned twice or split in two, and an optimizer resurrecting pruned weights.
"""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (turns autograd on)
from testkit.blobs import make_blobs
from testkit.blobs import train
from testkit.compression_models import TinyMLP, TiedMLP, unique_weights
from tinytorch.core.layers import Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD, Adam, AdamW
from tinytorch.core.tensor import Tensor
from tinytorch.perf.compression import (
    KnowledgeDistillation,
    compress_model,
    low_rank_approximate,
    magnitude_prune,
    measure_sparsity,
    structured_prune,
)


class TestSharedWeightReferences:
    def test_shared_weight_is_pruned_once_and_stays_one_object(self):
        model = TiedMLP(width=12, n_out=3)
        shared, array = model.layer1.weight, model.layer1.weight.data
        n_unique = 12 * 12 + 12 * 3
        magnitude_prune(model, sparsity=0.6)
        assert model.layer2.weight is shared and model.layer1.weight is shared
        assert shared.data is array  # pruned in place, not replaced
        assert model.layer1.weight.prune_mask is model.layer2.weight.prune_mask
        # counted and pruned once: exactly round(0.6 * unique entries) zeros overall
        zeros = int(np.sum(shared.data == 0)) + int(np.sum(model.layer3.weight.data == 0))
        assert zeros == round(0.6 * n_unique)
        assert measure_sparsity(model) == pytest.approx(zeros / n_unique)

    def test_shared_layers_give_identical_outputs_after_pruning(self):
        model = TiedMLP(width=12)
        model.layer2.bias = model.layer1.bias  # tie the biases too, so both layers are the same map
        magnitude_prune(model, sparsity=0.5)
        x = Tensor(np.random.randn(5, 12))
        assert np.array_equal(model.layer1(x).data, model.layer2(x).data)

    def test_a_shared_weight_listed_twice_is_not_pruned_twice(self):
        model = TiedMLP(width=10, n_out=2)
        magnitude_prune(model, sparsity=0.5)  # second pass over the same Tensor would give 75%
        assert np.sum(model.layer1.weight.data == 0) + np.sum(model.layer3.weight.data == 0) == 60

    def test_structured_pruning_of_a_shared_weight_masks_both_biases(self):
        model = TiedMLP(width=10, n_out=2)
        model.layer1.bias.data[:] = 1.0
        model.layer2.bias.data[:] = 2.0
        structured_prune(model, prune_ratio=0.3, exclude=[model.layer3])
        dead = np.all(model.layer1.weight.data == 0, axis=0)
        assert dead.sum() == 3 and model.layer2.weight is model.layer1.weight
        assert np.all(model.layer1.bias.data[dead] == 0) and np.all(model.layer2.bias.data[dead] == 0)
        assert np.all(model.layer1.bias.data[~dead] == 1.0) and np.all(model.layer2.bias.data[~dead] == 2.0)

    def test_gradients_still_reach_a_pruned_shared_weight(self):
        model = TiedMLP(width=8, n_out=2)
        magnitude_prune(model, 0.5)
        x = Tensor(np.random.randn(6, 8))
        model.forward(x).sum().backward()
        grad = model.layer1.weight.grad
        assert grad is not None and grad.shape == (8, 8) and np.any(grad != 0)
        optimizer = SGD(model.parameters(), lr=0.1)
        optimizer.step()
        assert np.all(model.layer1.weight.data[model.layer1.weight.prune_mask == 0] == 0)


OPTIMIZERS = {  # every module-06 optimizer, with momentum / moments and each kind of weight decay
    "sgd-momentum": lambda params: SGD(params, lr=0.05, momentum=0.9),
    "sgd-momentum-decay": lambda params: SGD(params, lr=0.05, momentum=0.9, weight_decay=0.1),
    "adam": lambda params: Adam(params, lr=0.01),
    "adam-l2-decay": lambda params: Adam(params, lr=0.01, weight_decay=0.1),
    "adamw-decay": lambda params: AdamW(params, lr=0.01, weight_decay=0.1),
}


class TestTrainingAfterPruning:
    @pytest.mark.parametrize("name", sorted(OPTIMIZERS))
    @pytest.mark.parametrize("created", ["before-pruning", "after-pruning"])
    def test_pruned_weights_stay_zero_while_the_rest_learn(self, name, created):
        inputs, labels = make_blobs(n_per_class=30, n_features=6, n_classes=3, seed=1)
        model = TinyMLP(6, 16, 3)
        if created == "before-pruning":
            optimizer = OPTIMIZERS[name](model.parameters())
            train(model, optimizer, inputs, labels, steps=5)  # momentum / Adam moments now hold values
            magnitude_prune(model, sparsity=0.7)
        else:
            magnitude_prune(model, sparsity=0.7)
            optimizer = OPTIMIZERS[name](model.parameters())
        pruned = [w.data == 0 for w in unique_weights(model)]
        before = [w.data.copy() for w in unique_weights(model)]
        # Which surviving weights does the loss reach? (A hidden unit whose outgoing weights
        # were all pruned gets no gradient, so its incoming weights are not expected to move.)
        CrossEntropyLoss()(model(Tensor(inputs)), labels).backward()
        reached = [w.grad != 0 for w in unique_weights(model)]

        losses = train(model, optimizer, inputs, labels, steps=40)  # starts with zero_grad()

        for weight, dead, old, live in zip(unique_weights(model), pruned, before, reached):
            assert np.all(weight.data[dead] == 0), f"{name}: a pruned weight came back"
            learning = live & ~dead
            assert learning.any()  # so the check below is not vacuous
            assert np.all(weight.data[learning] != old[learning]), f"{name}: unpruned weights stopped learning"
        assert losses[-1] < 0.95 * losses[0]  # still falls (worst seen over 40 seeds: 0.88)
        assert measure_sparsity(model) == pytest.approx(0.7, abs=1 / (6 * 16 + 16 * 3))

    def test_shared_weight_training_keeps_masks(self):
        inputs, labels = make_blobs(n_per_class=20, n_features=10, n_classes=2, seed=2)
        model = TiedMLP(width=10, n_out=2)
        magnitude_prune(model, 0.5)
        dead = model.layer1.weight.data == 0
        losses = train(model, Adam(model.parameters(), lr=0.01), inputs, labels, steps=30)
        assert model.layer2.weight is model.layer1.weight
        assert np.all(model.layer1.weight.data[dead] == 0)
        assert losses[-1] < losses[0]


class TestExtremeSparsity:
    def test_zero_sparsity_changes_nothing(self):
        model = TinyMLP()
        x = Tensor(np.random.randn(4, 8))
        before, out_before = [p.data.copy() for p in model.parameters()], model(x).data.copy()
        magnitude_prune(model, 0.0)
        structured_prune(model, 0.0)
        assert all(np.array_equal(p.data, b) for p, b in zip(model.parameters(), before))
        assert np.array_equal(model(x).data, out_before)
        assert measure_sparsity(model) == 0.0

    def test_full_sparsity_zeroes_every_weight_and_still_runs(self):
        model = TinyMLP(8, 16, 4)
        model.layer2.bias.data[:] = [1.0, -2.0, 0.5, 3.0]
        magnitude_prune(model, 1.0)
        assert measure_sparsity(model) == 1.0
        out = model(Tensor(np.random.randn(5, 8))).data
        assert out.shape == (5, 4) and np.all(np.isfinite(out))
        assert np.allclose(out, np.tile([1.0, -2.0, 0.5, 3.0], (5, 1)))  # only the bias is left

    def test_full_structured_ratio_removes_every_neuron(self):
        model = TinyMLP(8, 16, 4)
        structured_prune(model, 1.0)
        assert measure_sparsity(model) == 1.0
        assert np.all(model.layer1.bias.data == 0) and np.all(model.layer2.bias.data == 0)
        assert np.all(model(Tensor(np.random.randn(3, 8))).data == 0)


class BiasOnly:
    """Has forward and parameters(), but no weight matrix."""

    def __init__(self):
        self.bias = Tensor(np.zeros(4), requires_grad=True)

    def forward(self, x):
        return x + self.bias

    def parameters(self):
        return [self.bias]


class NotTensors:
    def forward(self, x):
        return x

    def parameters(self):
        return [np.ones((3, 3))]


class TestInvalidArguments:
    @pytest.mark.parametrize("value", [-0.1, 1.1, float("nan"), float("inf")])
    @pytest.mark.parametrize("function", [magnitude_prune, structured_prune])
    def test_fractions_outside_zero_one_raise_value_error(self, function, value):
        model = TinyMLP()
        before = [p.data.copy() for p in model.parameters()]
        with pytest.raises(ValueError, match="must be in \\[0, 1\\]"):
            function(model, value)
        assert all(np.array_equal(p.data, b) for p, b in zip(model.parameters(), before))

    @pytest.mark.parametrize("value", ["0.5", None, True, [0.5]])
    def test_non_numbers_raise_type_error(self, value):
        with pytest.raises(TypeError, match="sparsity"):
            magnitude_prune(TinyMLP(), value)

    @pytest.mark.parametrize("function", [measure_sparsity, magnitude_prune, structured_prune])
    def test_models_without_weight_matrices_are_rejected(self, function):
        with pytest.raises(ValueError, match="no weight matrices"):
            function(BiasOnly())

    @pytest.mark.parametrize("thing", [object(), np.ones((3, 3)), Tensor(np.ones((3, 3))), [Linear(2, 2)]])
    @pytest.mark.parametrize("function", [measure_sparsity, magnitude_prune, structured_prune])
    def test_non_models_are_rejected(self, function, thing):
        with pytest.raises(ValueError, match="expected a model"):
            function(thing)

    def test_parameters_must_be_tensors(self):
        with pytest.raises(ValueError, match="Tensors"):
            measure_sparsity(NotTensors())

    @pytest.mark.parametrize("kwargs", [{"alpha": -0.1}, {"alpha": 1.01}, {"temperature": 0.0}, {"temperature": -1.0}])
    def test_distillation_hyperparameters_are_validated(self, kwargs):
        with pytest.raises(ValueError, match="alpha|temperature"):
            KnowledgeDistillation(None, None, **kwargs)

    def test_distillation_inputs_are_validated(self):
        kd = KnowledgeDistillation(None, None)
        s, t = np.zeros((4, 3)), np.zeros((4, 3))
        with pytest.raises(ValueError, match="logits"):
            kd.distillation_loss(s, np.zeros((4, 5)), np.zeros(4, dtype=int))
        with pytest.raises(ValueError, match="true_labels"):
            kd.distillation_loss(s, t, np.array([0, 1, 2, 3]))  # class 3 of 3
        with pytest.raises(ValueError, match="true_labels"):
            kd.distillation_loss(s, t, np.array([0.0, 1.0, 2.0, 1.0]))  # floats are not class ids
        with pytest.raises(ValueError, match="true_labels"):
            kd.distillation_loss(s, t, np.zeros(3, dtype=int))

    @pytest.mark.parametrize("weight, ratio", [(np.ones(5), 0.5), (np.ones((2, 3, 4)), 0.5), (np.ones((4, 4)), 0.0),
                                               (np.ones((4, 4)), 1.5)])
    def test_low_rank_rejects_bad_input(self, weight, ratio):
        with pytest.raises(ValueError):
            low_rank_approximate(weight, ratio)

    def test_compress_model_rejects_bad_configs(self):
        with pytest.raises(ValueError, match="unknown compression_config keys"):
            compress_model(TinyMLP(), {"sparsity": 0.5})
        with pytest.raises(TypeError, match="dict"):
            compress_model(TinyMLP(), 0.5)
        with pytest.raises(ValueError, match="\\[0, 1\\]"):
            compress_model(TinyMLP(), {"structured_ratio": 2.0})
