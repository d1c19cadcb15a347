"""Module 07 training: cosine schedule, gradient clipping, the Trainer loop and checkpoints.

Batches are plain lists of (inputs, targets) Tensor pairs: module 08 (dataloader) comes later.
"""

import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinytorch.core.autograd  # noqa: F401  (gradients on)
from tinytorch.core.activations import Tanh
from tinytorch.core.layers import Dropout, Linear
from tinytorch.core.losses import CrossEntropyLoss, MSELoss
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import CosineSchedule, Trainer, clip_grad_norm

from testkit.models import OnlyForward, OnlyParameters, TwoLayerMLP, batches_of, make_blobs, make_xor, tanh_mlp, tied_mlp


def cosine_reference(max_lr, min_lr, total, epoch):
    progress = min(epoch, total) / total
    return min_lr + 0.5 * (max_lr - min_lr) * (1.0 + np.cos(np.pi * progress))


def numpy_relu_mlp(model, features):
    """The logits of a TwoLayerMLP (ReLU), recomputed in float64 numpy from its weights."""
    w1, b1, w2, b2 = (p.data.astype(np.float64) for p in model.parameters())
    return np.maximum(features @ w1 + b1, 0.0) @ w2 + b2


def numpy_cross_entropy(logits, labels):
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.mean(log_probs[np.arange(len(labels)), labels])


class FrozenOptimizer:
    """Has the optimizer interface but never moves a weight; records what it saw at each step."""

    def __init__(self, params):
        self.params = list(params)
        self.lr = 0.1
        self.seen_lr, self.seen_grads = [], []

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self.seen_lr.append(self.lr)
        self.seen_grads.append([None if p.grad is None else p.grad.copy() for p in self.params])


# ---- CosineSchedule --------------------------------------------------------------------

def test_schedule_endpoints_and_midpoint():
    schedule = CosineSchedule(max_lr=0.2, min_lr=0.002, total_epochs=10)
    assert math.isclose(schedule.get_lr(0), 0.2)
    assert math.isclose(schedule.get_lr(10), 0.002)
    assert math.isclose(schedule.get_lr(5), (0.2 + 0.002) / 2)
    assert math.isclose(schedule.get_lr(100), 0.002), "past the end the rate stays at min_lr"


@settings(max_examples=30, deadline=None)
@given(max_lr=st.floats(1e-4, 1.0), fraction=st.floats(0.0, 1.0), total=st.integers(1, 60))
def test_schedule_matches_formula_and_never_increases(max_lr, fraction, total):
    min_lr = max_lr * fraction
    schedule = CosineSchedule(max_lr=max_lr, min_lr=min_lr, total_epochs=total)
    rates = [schedule.get_lr(e) for e in range(total + 3)]
    np.testing.assert_allclose(rates, [cosine_reference(max_lr, min_lr, total, e) for e in range(total + 3)], rtol=1e-12)
    assert all(a >= b - 1e-15 for a, b in zip(rates, rates[1:]))
    assert all(min_lr - 1e-15 <= r <= max_lr + 1e-15 for r in rates)


def test_schedule_with_equal_rates_is_constant():
    schedule = CosineSchedule(max_lr=0.05, min_lr=0.05, total_epochs=4)
    assert {schedule.get_lr(e) for e in range(6)} == {0.05}


@pytest.mark.parametrize(
    "args",
    [(0.01, 0.1, 10), (0.1, -0.01, 10), (0.0, 0.0, 10), (0.1, 0.01, 0), (0.1, 0.01, 2.5)],
)
def test_schedule_rejects_bad_arguments(args):
    with pytest.raises(ValueError):
        CosineSchedule(*args)


def test_schedule_rejects_negative_epoch():
    with pytest.raises(ValueError):
        CosineSchedule(0.1, 0.0, 5).get_lr(-1)


# ---- clip_grad_norm ----------------------------------------------------------------------

def params_with_grads(*grads):
    params = []
    for g in grads:
        p = Tensor(np.zeros(np.shape(g)), requires_grad=True)
        p.grad = np.array(g, dtype=np.float32)
        params.append(p)
    return params


@settings(max_examples=30, deadline=None)
@given(scale=st.floats(0.01, 100.0), max_norm=st.floats(0.1, 10.0))
def test_clip_returns_global_norm_and_caps_it(scale, max_norm):
    rng = np.random.default_rng(3)
    grads = [scale * rng.normal(size=(3, 2)), scale * rng.normal(size=4)]
    params = params_with_grads(*grads)
    original = [p.grad.astype(np.float64) for p in params]
    expected_norm = np.linalg.norm(np.concatenate([g.ravel() for g in original]))
    norm = clip_grad_norm(params, max_norm=max_norm)
    assert math.isclose(norm, expected_norm, rel_tol=1e-5)
    after = np.linalg.norm(np.concatenate([p.grad.ravel() for p in params]))
    if expected_norm > max_norm:
        assert math.isclose(after, max_norm, rel_tol=1e-4)
        ratio = max_norm / expected_norm
        for p, g in zip(params, original):
            np.testing.assert_allclose(p.grad, g * ratio, rtol=1e-4, atol=1e-7)
    else:
        for p, g in zip(params, original):
            np.testing.assert_array_equal(p.grad, g.astype(np.float32))


def test_clip_by_hand():
    a, b = params_with_grads([3.0, 0.0], [[0.0], [4.0]])
    assert math.isclose(clip_grad_norm([a, b], max_norm=2.5), 5.0, rel_tol=1e-6)
    np.testing.assert_allclose(a.grad, [1.5, 0.0], rtol=1e-5)
    np.testing.assert_allclose(b.grad, [[0.0], [2.0]], rtol=1e-5)


def test_clip_counts_a_shared_parameter_once_and_skips_missing_grads():
    (a,) = params_with_grads([3.0, 4.0])
    b = Tensor(np.zeros(2), requires_grad=True)  # no gradient
    assert math.isclose(clip_grad_norm([a, b, a], max_norm=10.0), 5.0, rel_tol=1e-6)
    assert b.grad is None
    assert clip_grad_norm([b], max_norm=1.0) == 0.0


def test_clip_refuses_a_single_tensor_and_non_tensors():
    """Iterating a lone Tensor would yield its elements, whose .grad is None: a silent no-op."""
    (w,) = params_with_grads([30.0, 40.0])
    with pytest.raises(TypeError, match="list"):
        clip_grad_norm(w, max_norm=1.0)
    with pytest.raises(TypeError, match="ndarray"):
        clip_grad_norm([w, np.ones(2)], max_norm=1.0)
    np.testing.assert_array_equal(w.grad, [30.0, 40.0])


@pytest.mark.parametrize("max_norm", [0.0, -1.0, "1"])
def test_clip_rejects_bad_max_norm(max_norm):
    with pytest.raises(ValueError):
        clip_grad_norm(params_with_grads([1.0]), max_norm=max_norm)


# ---- Trainer: the loop ------------------------------------------------------------------

def regression_batches(sizes=(4, 4, 2), seed=0):
    rng = np.random.default_rng(seed)
    return [(Tensor(rng.normal(size=(n, 3))), Tensor(rng.normal(size=(n, 2)))) for n in sizes]


def test_train_epoch_returns_the_per_example_mean_loss():
    model = TwoLayerMLP(3, 5, 2)
    batches = regression_batches()
    # Independent: with weights frozen, the per-example mean is the MSE over all rows at once.
    inputs = np.concatenate([x.data for x, _ in batches])
    targets = np.concatenate([y.data for _, y in batches])
    expected = np.mean((numpy_relu_mlp(model, inputs) - targets) ** 2)
    trainer = Trainer(model, FrozenOptimizer(model.parameters()), MSELoss())
    assert math.isclose(trainer.train_epoch(batches), expected, rel_tol=1e-5)
    assert trainer.epoch == 1 and len(trainer.optimizer.seen_lr) == 3


def test_gradients_do_not_accumulate_across_batches():
    model = TwoLayerMLP(3, 4, 2)
    x, y = regression_batches(sizes=(5,))[0]
    optimizer = FrozenOptimizer(model.parameters())
    Trainer(model, optimizer, MSELoss()).train_epoch([(x, y), (x, y), (x, y)])
    first, third = optimizer.seen_grads[0], optimizer.seen_grads[2]
    for g1, g3 in zip(first, third):
        np.testing.assert_allclose(g3, g1, rtol=1e-6)


def test_scheduler_sets_the_learning_rate_each_epoch():
    model = TwoLayerMLP(3, 4, 2)
    optimizer = FrozenOptimizer(model.parameters())
    trainer = Trainer(model, optimizer, MSELoss(), scheduler=CosineSchedule(0.1, 0.001, total_epochs=4))
    batches = regression_batches(sizes=(3, 3))
    for _ in range(5):
        trainer.train_epoch(batches)
    expected = [cosine_reference(0.1, 0.001, 4, e) for e in range(5)]
    np.testing.assert_allclose(optimizer.seen_lr, np.repeat(expected, 2), rtol=1e-12)
    np.testing.assert_allclose(trainer.history["lr"], expected, rtol=1e-12)


def test_gradient_clipping_is_applied_before_the_step():
    model = TwoLayerMLP(3, 8, 2)
    optimizer = FrozenOptimizer(model.parameters())
    x, y = regression_batches(sizes=(6,))[0]
    Trainer(model, optimizer, MSELoss(), grad_clip_norm=0.01).train_epoch([(Tensor(100 * x.data), y)])
    grads = optimizer.seen_grads[0]
    norm = np.sqrt(sum(np.sum(g.astype(np.float64) ** 2) for g in grads))
    assert norm <= 0.01 * (1 + 1e-4)


def test_numpy_batches_are_accepted():
    features, labels = make_blobs(n_per_class=5, n_classes=2, n_features=2)
    model = TwoLayerMLP(2, 4, 2)
    # one batch: the returned loss is the cross-entropy of the weights before the step
    expected = numpy_cross_entropy(numpy_relu_mlp(model, features), labels)
    before = model.layer2.weight.data.copy()
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1), CrossEntropyLoss())
    assert math.isclose(trainer.train_epoch([(features, labels)]), expected, rel_tol=1e-5)
    assert not np.array_equal(model.layer2.weight.data, before), "the step ran"


def test_empty_dataloader_is_an_error():
    model = TwoLayerMLP(2, 3, 2)
    trainer = Trainer(model, SGD(model.parameters()), CrossEntropyLoss())
    with pytest.raises(ValueError):
        trainer.train_epoch([])
    with pytest.raises(ValueError):
        trainer.evaluate([])


class DropoutEverywhere:
    """A model whose Dropout layers hide in an attribute, a list and a dict."""

    def __init__(self):
        self.layer1 = Linear(2, 6)
        self.dropout = Dropout(0.5)
        self.extra = [Dropout(0.2)]
        self.named = {"late": Dropout(0.3)}
        self.layer2 = Linear(6, 2)

    def forward(self, x):
        hidden = self.named["late"].forward(self.extra[0].forward(self.dropout.forward(self.layer1.forward(x).tanh())))
        return self.layer2.forward(hidden)

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters()


def test_training_flags_are_switched_for_train_and_evaluate():
    model = DropoutEverywhere()
    dropouts = [model.dropout, model.extra[0], model.named["late"]]
    features, labels = make_blobs(n_per_class=4, n_classes=2, n_features=2)
    batches = batches_of(features, labels, 4)
    trainer = Trainer(model, SGD(model.parameters(), lr=0.01), CrossEntropyLoss())
    trainer.evaluate(batches)
    assert all(d.training is False for d in dropouts)
    trainer.train_epoch(batches)
    assert all(d.training is True for d in dropouts)
    # In evaluation dropout is off, so two evaluations agree exactly.
    assert trainer.evaluate(batches) == trainer.evaluate(batches)


def test_evaluate_returns_loss_and_accuracy_without_touching_the_model():
    features, labels = make_blobs(n_per_class=10, n_classes=3, n_features=3, seed=4)
    model = TwoLayerMLP(3, 6, 3)
    before = [p.data.copy() for p in model.parameters()]
    trainer = Trainer(model, SGD(model.parameters(), lr=0.5), CrossEntropyLoss())
    loss, accuracy = trainer.evaluate(batches_of(features, labels, 7))

    logits = numpy_relu_mlp(model, features)
    assert math.isclose(loss, numpy_cross_entropy(logits, labels), rel_tol=1e-5)
    assert math.isclose(accuracy, np.mean(np.argmax(logits, axis=1) == labels))
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, b)
        assert p.grad is None
    assert trainer.epoch == 0


class RecordingLoss:
    """MSELoss that remembers whether each prediction it saw was recorded for backward."""

    def __init__(self):
        self.recorded = []

    def __call__(self, predictions, targets):
        self.recorded.append(predictions.requires_grad)
        return MSELoss()(predictions, targets)


def test_evaluate_builds_no_graph_and_train_epoch_does():
    model = TwoLayerMLP(3, 4, 2)
    loss_fn = RecordingLoss()
    trainer = Trainer(model, FrozenOptimizer(model.parameters()), loss_fn)
    trainer.evaluate(regression_batches())
    assert loss_fn.recorded == [False, False, False], "evaluate must run under no_grad"
    trainer.train_epoch(regression_batches())
    assert loss_fn.recorded[3:] == [True, True, True]


def test_evaluate_reports_no_accuracy_for_regression():
    model = TwoLayerMLP(3, 4, 2)
    loss, accuracy = Trainer(model, SGD(model.parameters()), MSELoss()).evaluate(regression_batches())
    assert accuracy is None and loss > 0


@pytest.mark.parametrize(
    "kwargs, error",
    [({"grad_clip_norm": 0.0}, ValueError), ({"grad_clip_norm": -1}, ValueError), ({"scheduler": 0.1}, TypeError)],
)
def test_trainer_rejects_bad_arguments(kwargs, error):
    model = TwoLayerMLP(2, 3, 2)
    with pytest.raises(error):
        Trainer(model, SGD(model.parameters()), CrossEntropyLoss(), **kwargs)


def test_trainer_rejects_objects_that_are_not_models_or_optimizers():
    model = TwoLayerMLP(2, 3, 2)
    with pytest.raises(TypeError):
        Trainer(object(), SGD(model.parameters()), CrossEntropyLoss())
    with pytest.raises(TypeError):
        Trainer(model, object(), CrossEntropyLoss())


@pytest.mark.parametrize("half_a_model", [OnlyForward(), OnlyParameters()], ids=["only-forward", "only-parameters"])
def test_trainer_rejects_an_object_with_only_half_of_a_model(half_a_model):
    """A model needs both forward(x) and parameters(): either one alone is a TypeError naming both."""
    model = TwoLayerMLP(2, 3, 2)
    with pytest.raises(TypeError, match=r"model must have forward\(x\) and parameters\(\)"):
        Trainer(half_a_model, SGD(model.parameters()), CrossEntropyLoss())


# ---- Trainer: learning -------------------------------------------------------------------

def test_learns_xor():
    np.random.seed(0)
    features, labels = make_xor(copies=2)
    model = tanh_mlp(2, 8, 2)
    trainer = Trainer(model, Adam(model.parameters(), lr=0.05), CrossEntropyLoss())
    batches = batches_of(features, labels, 8)
    losses = [trainer.train_epoch(batches) for _ in range(150)]
    loss, accuracy = trainer.evaluate(batches)
    assert accuracy >= 0.95 and losses[-1] < 0.1 * losses[0]


def test_learns_four_gaussian_blobs_with_schedule_and_clipping():
    np.random.seed(1)
    features, labels = make_blobs(n_per_class=40, n_classes=4, n_features=4, seed=1)
    test_features, test_labels = make_blobs(n_per_class=25, n_classes=4, n_features=4, seed=2)
    model = TwoLayerMLP(4, 16, 4)
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1, momentum=0.9), CrossEntropyLoss(),
                      scheduler=CosineSchedule(0.1, 0.001, total_epochs=15), grad_clip_norm=5.0)
    for _ in range(15):
        order = np.random.permutation(len(labels))
        trainer.train_epoch(batches_of(features[order], labels[order], 16))
    _, accuracy = trainer.evaluate(batches_of(test_features, test_labels, 50))
    assert accuracy >= 0.95


# ---- checkpoints -----------------------------------------------------------------------------

def blob_trainer(make_optimizer, seed):
    np.random.seed(seed)
    model = TwoLayerMLP(3, 6, 3)
    return Trainer(model, make_optimizer(model.parameters()), CrossEntropyLoss(),
                   scheduler=CosineSchedule(0.05, 0.005, total_epochs=6))


@pytest.mark.parametrize(
    "make_optimizer",
    [lambda p: SGD(p, lr=0.05, momentum=0.9), lambda p: Adam(p, lr=0.05)],
    ids=["sgd-momentum", "adam"],
)
def test_checkpoint_resume_matches_uninterrupted_training(tmp_path, make_optimizer):
    features, labels = make_blobs(n_per_class=8, n_classes=3, n_features=3, seed=5)
    batches = batches_of(features, labels, 6)
    straight = blob_trainer(make_optimizer, seed=0)
    for _ in range(4):
        straight.train_epoch(batches)

    first = blob_trainer(make_optimizer, seed=0)
    for _ in range(2):
        first.train_epoch(batches)
    path = tmp_path / "half.ckpt"
    first.save_checkpoint(str(path))

    resumed = blob_trainer(make_optimizer, seed=99)  # different initial weights, overwritten by the load
    objects = [p for p in resumed.model.parameters()]
    arrays = [p.data for p in objects]
    resumed.load_checkpoint(str(path))
    assert resumed.epoch == 2
    assert all(p is q and p.data is a for p, q, a in zip(resumed.model.parameters(), objects, arrays)), \
        "load must restore values into the existing Tensors and arrays"
    for _ in range(2):
        resumed.train_epoch(batches)
    for p, q in zip(resumed.model.parameters(), straight.model.parameters()):
        np.testing.assert_array_equal(p.data, q.data)


def test_checkpoint_restores_exact_values(tmp_path):
    features, labels = make_blobs(n_per_class=6, n_classes=3, n_features=3, seed=6)
    trainer = blob_trainer(lambda p: Adam(p, lr=0.05), seed=3)
    trainer.train_epoch(batches_of(features, labels, 6))
    saved = [p.data.copy() for p in trainer.model.parameters()]
    path = tmp_path / "exact.ckpt"
    trainer.save_checkpoint(str(path))
    assert path.exists() and not os.path.exists(str(path) + ".npz"), "the file is written at exactly the given path"
    for p in trainer.model.parameters():
        p.data[...] = 123.0
    trainer.epoch = 40
    trainer.load_checkpoint(str(path))
    for p, s in zip(trainer.model.parameters(), saved):
        np.testing.assert_array_equal(p.data, s)
    assert trainer.epoch == 1


def test_checkpoint_shape_mismatch_is_a_clear_error_and_changes_nothing(tmp_path):
    source = blob_trainer(lambda p: SGD(p, lr=0.05), seed=0)
    path = tmp_path / "small.ckpt"
    source.save_checkpoint(str(path))
    np.random.seed(1)
    wider = TwoLayerMLP(2, 7, 3)
    before = [p.data.copy() for p in wider.parameters()]
    trainer = Trainer(wider, SGD(wider.parameters(), lr=0.05), CrossEntropyLoss())
    with pytest.raises(ValueError, match="shape"):
        trainer.load_checkpoint(str(path))
    for p, b in zip(wider.parameters(), before):
        np.testing.assert_array_equal(p.data, b)


def test_checkpoint_parameter_count_mismatch(tmp_path):
    source = blob_trainer(lambda p: SGD(p, lr=0.05), seed=0)
    path = tmp_path / "count.ckpt"
    source.save_checkpoint(str(path))
    single = Linear(2, 3)

    class OneLayer:
        def forward(self, x):
            return single.forward(x)

        def parameters(self):
            return single.parameters()

    with pytest.raises(ValueError, match="parameters"):
        Trainer(OneLayer(), SGD(single.parameters()), CrossEntropyLoss()).load_checkpoint(str(path))


def test_checkpoint_keeps_tied_weights_tied(tmp_path):
    model = tied_mlp(3, activation=Tanh())  # layer2 uses layer1's weight Tensor
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1), MSELoss())
    trainer.train_epoch([(Tensor(np.random.normal(size=(4, 3))), Tensor(np.zeros((4, 3))))])
    path = tmp_path / "tied.ckpt"
    trainer.save_checkpoint(str(path))
    saved = model.layer1.weight.data.copy()
    model.layer1.weight.data[...] = 0.0
    trainer.load_checkpoint(str(path))
    assert model.layer2.weight is model.layer1.weight
    np.testing.assert_array_equal(model.layer2.weight.data, saved)
