"""Module 16 in the progressive stack: the earlier modules still work, and compression plugs into them.

`pytest --module 16` runs every earlier suite as the regression suite; this file adds the
end-to-end paths a student follows: tensors and gradients (01, 05), a Trainer/DataLoader
pipeline (07, 08), then pruning, fine-tuning and checkpointing that pipeline's model.
"""

import numpy as np
import pytest

import tinytorch.core.autograd  # noqa: F401  (turns autograd on)
from testkit.blobs import make_blobs
from testkit.compression_models import TinyMLP, manual_sparsity, unique_weights
from tinytorch.core.dataloader import DataLoader, TensorDataset
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD, Adam
from tinytorch.core.tensor import Tensor
from tinytorch.core.training import Trainer
from tinytorch.perf.compression import compress_model, magnitude_prune, measure_sparsity, structured_prune


def make_pipeline(optimizer=Adam, lr=0.02, grad_clip_norm=None):
    inputs, labels = make_blobs(n_per_class=40, n_features=8, n_classes=3, seed=5)
    loader = DataLoader(TensorDataset(Tensor(inputs), Tensor(labels)), batch_size=30, shuffle=True)
    model = TinyMLP(8, 24, 3)
    trainer = Trainer(model, optimizer(model.parameters(), lr=lr), CrossEntropyLoss(), grad_clip_norm=grad_clip_norm)
    return model, trainer, loader


class TestPriorStackStillWorking:
    def test_tensor_operations_match_numpy(self):
        a, b, c = np.random.randn(3, 4), np.random.randn(4, 5), np.random.randn(5)
        out = (Tensor(a) @ Tensor(b) + Tensor(c)) * 2.0
        assert np.allclose(out.data, (a @ b + c) * 2.0, atol=1e-5)
        assert np.allclose(out.sum(axis=0).data, ((a @ b + c) * 2.0).sum(axis=0), atol=1e-4)
        assert out.reshape(5, 3).shape == (5, 3) and out.transpose().shape == (5, 3)

    def test_autograd_gradient_of_a_quadratic(self):
        x, w = np.random.randn(6, 3), np.random.randn(3, 2)
        weight = Tensor(w, requires_grad=True)
        y = Tensor(x) @ weight
        (y * y).sum().backward()
        x32, w32 = x.astype(np.float32), w.astype(np.float32)
        assert np.allclose(weight.grad, 2 * x32.T @ (x32 @ w32), atol=1e-4)

    def test_training_pipeline_learns(self):
        model, trainer, loader = make_pipeline()
        first = trainer.train_epoch(loader)
        for _ in range(10):
            last = trainer.train_epoch(loader)
        loss, acc = trainer.evaluate(loader)
        assert last < 0.5 * first and acc >= 0.95


class TestCompressionInThePipeline:
    def test_prune_then_fine_tune_with_the_trainer_keeps_sparsity_and_accuracy(self):
        model, trainer, loader = make_pipeline()
        for _ in range(10):
            trainer.train_epoch(loader)
        _, dense_accuracy = trainer.evaluate(loader)
        stats = compress_model(model, {"magnitude_sparsity": 0.7})
        assert stats["sparsity"] == pytest.approx(manual_sparsity(model))
        dead = [w.data == 0 for w in unique_weights(model)]
        for _ in range(5):
            trainer.train_epoch(loader)  # the optimizer predates pruning; masks still hold
        _, pruned_accuracy = trainer.evaluate(loader)
        assert all(np.all(w.data[d] == 0) for w, d in zip(unique_weights(model), dead))
        assert measure_sparsity(model) == pytest.approx(stats["sparsity"])
        assert pruned_accuracy >= dense_accuracy - 0.05

    def test_gradient_clipping_and_momentum_respect_structured_masks(self):
        model, trainer, loader = make_pipeline(optimizer=lambda p, lr: SGD(p, lr=lr, momentum=0.9), lr=0.05,
                                               grad_clip_norm=0.5)
        trainer.train_epoch(loader)
        structured_prune(model, 0.5, exclude=[model.layer2])
        dead = np.all(model.layer1.weight.data == 0, axis=0)
        for _ in range(3):
            trainer.train_epoch(loader)
        assert dead.sum() == 12
        assert np.all(model.layer1.weight.data[:, dead] == 0) and np.all(model.layer1.bias.data[dead] == 0)

    def test_checkpoint_round_trip_restores_the_pruned_weights(self, tmp_path):
        model, trainer, loader = make_pipeline()
        trainer.train_epoch(loader)
        magnitude_prune(model, 0.6)
        trainer.train_epoch(loader)
        saved = [p.data.copy() for p in model.parameters()]
        path = tmp_path / "pruned.npz"
        trainer.save_checkpoint(path)
        for param in model.parameters():
            param.data[...] = 1.0  # scribble over everything
        trainer.load_checkpoint(path)
        assert all(np.array_equal(p.data, s) for p, s in zip(model.parameters(), saved))
        assert manual_sparsity(model) == pytest.approx(0.6, abs=1 / (8 * 24 + 24 * 3))

    def test_compressing_one_model_leaves_another_untouched(self):
        pruned, bystander = TinyMLP(), TinyMLP()
        before = [p.data.copy() for p in bystander.parameters()]
        magnitude_prune(pruned, 0.9)
        structured_prune(pruned, 0.5)
        assert all(np.array_equal(p.data, b) for p, b in zip(bystander.parameters(), before))
        assert all(getattr(p, "prune_mask", None) is None for p in bystander.parameters())
