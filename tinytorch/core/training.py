# Generated from modules/07_training/training.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["CosineSchedule", "clip_grad_norm", "reachable_objects", "set_training_mode", "model_buffers", "Trainer"]


# modules/07_training/training.py:47
import math
import numbers
import types

import numpy as np

from tinytorch.core.tensor import Tensor, as_tensor
from tinytorch.core.autograd import no_grad


# modules/07_training/training.py:123
class CosineSchedule:
    """Cosine annealing from `max_lr` at epoch 0 to `min_lr` at `total_epochs`."""

    def __init__(self, max_lr, min_lr, total_epochs):
        for name, value in (("max_lr", max_lr), ("min_lr", min_lr)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise TypeError(f"{name} must be a finite number, got {value!r}")
        if not 0 <= min_lr <= max_lr or max_lr <= 0:
            raise ValueError(f"need 0 <= min_lr <= max_lr and max_lr > 0, got min_lr={min_lr}, max_lr={max_lr}")
        if isinstance(total_epochs, bool) or not isinstance(total_epochs, numbers.Integral) or total_epochs < 1:
            raise ValueError(f"total_epochs must be a positive integer, got {total_epochs!r}")
        self.max_lr, self.min_lr, self.total_epochs = float(max_lr), float(min_lr), int(total_epochs)

    def get_lr(self, epoch):
        """The learning rate for `epoch` (0-based); epochs past the end stay at min_lr."""
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Real) or epoch < 0:
            raise ValueError(f"epoch must be a number >= 0, got {epoch!r}")
        progress = min(epoch, self.total_epochs) / self.total_epochs
        return self.min_lr + (self.max_lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2


# modules/07_training/training.py:209
def clip_grad_norm(parameters, max_norm=1.0):
    """Rescale all gradients together so their global L2 norm is at most `max_norm`."""
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real) or not max_norm > 0:
        raise ValueError(f"max_norm must be a number > 0, got {max_norm!r}")
    if isinstance(parameters, Tensor):
        raise TypeError("clip_grad_norm takes a list of Tensors, not a single Tensor: wrap it as [tensor]")
    unique = {id(p): p for p in parameters}.values()
    for param in unique:
        if not isinstance(param, Tensor):
            raise TypeError(f"clip_grad_norm takes Tensors, got a {type(param).__name__}")
    with_grad = [p for p in unique if p.grad is not None]
    total = math.sqrt(sum(float(np.sum(np.square(p.grad, dtype=np.float64))) for p in with_grad))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for param in with_grad:
            param.grad = param.grad * scale
    return total


# modules/07_training/training.py:309
def reachable_objects(model):
    """Yield the model and every object reachable from its attributes, once each.

    Lists, tuples and dicts are walked through; Tensors, arrays, numbers, strings,
    classes, functions and modules are not entered. The order is stable for a given
    model, so checkpoints can match saved state to objects by position.
    """
    skip = (Tensor, np.ndarray, str, bytes, numbers.Number, type, types.ModuleType,
            types.FunctionType, types.MethodType, types.BuiltinFunctionType)
    stack, seen = [model], set()
    while stack:
        obj = stack.pop()
        if obj is None or isinstance(obj, skip) or id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (list, tuple)):
            stack.extend(reversed(obj))
        elif isinstance(obj, dict):
            stack.extend(reversed(list(obj.values())))
        elif hasattr(obj, "__dict__"):
            yield obj
            stack.extend(reversed(list(vars(obj).values())))


def set_training_mode(model, training):
    """Set the boolean `training` flag on the model and every object reachable from its attributes.

    Returns the number of flags set, so callers can tell whether any were found.
    """
    count = 0
    for obj in reachable_objects(model):
        if isinstance(vars(obj).get("training"), bool):
            obj.training = bool(training)
            count += 1
    return count


def model_buffers(model):
    """State saved with the model but not trained, e.g. BatchNorm running statistics.

    A layer may expose `buffers()`: a list of Tensors wrapping the arrays it updates in
    place. We collect them from every reachable object, in the walk's stable order.
    """
    buffers = []
    for obj in reachable_objects(model):
        method = getattr(obj, "buffers", None)
        if callable(method):
            buffers.extend(method())
    return buffers


def _batch_accuracy_counts(predictions, targets):
    """(correct, total) for class-index targets and (N, C) scores, else None."""
    scores, labels = np.asarray(predictions.data), np.asarray(targets.data)
    if scores.ndim != 2 or labels.ndim != 1 or labels.shape[0] != scores.shape[0]:
        return None
    if not np.issubdtype(labels.dtype, np.integer):
        return None
    return int(np.sum(np.argmax(scores, axis=1) == labels)), labels.shape[0]


# modules/07_training/training.py:371
class Trainer:
    """Run epochs of training and evaluation, and save/restore checkpoints."""

    def __init__(self, model, optimizer, loss_fn, scheduler=None, grad_clip_norm=None):
        if not (callable(getattr(model, "forward", None)) and callable(getattr(model, "parameters", None))):
            raise TypeError("model must have forward(x) and parameters()")
        if not (callable(getattr(optimizer, "step", None)) and callable(getattr(optimizer, "zero_grad", None))):
            raise TypeError("optimizer must have step() and zero_grad()")
        if not callable(loss_fn):
            raise TypeError("loss_fn must be callable as loss_fn(predictions, targets)")
        if scheduler is not None and not callable(getattr(scheduler, "get_lr", None)):
            raise TypeError("scheduler must have get_lr(epoch)")
        if grad_clip_norm is not None and (isinstance(grad_clip_norm, bool) or not isinstance(grad_clip_norm, numbers.Real) or grad_clip_norm <= 0):
            raise ValueError(f"grad_clip_norm must be None or a number > 0, got {grad_clip_norm!r}")
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.scheduler, self.grad_clip_norm = scheduler, grad_clip_norm
        self.epoch = 0
        self.history = {"train_loss": [], "lr": []}

    def train_epoch(self, dataloader):
        """One pass over `dataloader` (any iterable of (inputs, targets)); returns the mean loss per example."""
        if self.scheduler is not None:
            self.optimizer.lr = self.scheduler.get_lr(self.epoch)
        set_training_mode(self.model, True)
        total_loss, examples = 0.0, 0
        for inputs, targets in dataloader:
            inputs, targets = as_tensor(inputs), as_tensor(targets)
            loss = self.loss_fn(self.model.forward(inputs), targets)
            self.optimizer.zero_grad()
            loss.backward()
            if self.grad_clip_norm is not None:
                clip_grad_norm(self.model.parameters(), self.grad_clip_norm)
            self.optimizer.step()
            size = inputs.shape[0] if inputs.data.ndim else 1
            total_loss += float(loss.item()) * size
            examples += size
        if examples == 0:
            raise ValueError("train_epoch got no batches: is the dataloader empty?")
        self.epoch += 1
        mean_loss = total_loss / examples
        self.history["train_loss"].append(mean_loss)
        self.history["lr"].append(getattr(self.optimizer, "lr", None))
        return mean_loss

    def evaluate(self, dataloader):
        """Mean loss per example and accuracy (None unless targets are class indices), without gradients."""
        set_training_mode(self.model, False)
        total_loss, examples, correct, counted = 0.0, 0, 0, 0
        classification = True
        with no_grad():
            for inputs, targets in dataloader:
                inputs, targets = as_tensor(inputs), as_tensor(targets)
                predictions = self.model.forward(inputs)
                loss = self.loss_fn(predictions, targets)
                size = inputs.shape[0] if inputs.data.ndim else 1
                total_loss += float(loss.item()) * size
                examples += size
                counts = _batch_accuracy_counts(predictions, targets)
                if counts is None:
                    classification = False
                else:
                    correct, counted = correct + counts[0], counted + counts[1]
        if examples == 0:
            raise ValueError("evaluate got no batches: is the dataloader empty?")
        accuracy = correct / counted if classification and counted else None
        return total_loss / examples, accuracy

    def save_checkpoint(self, path):
        """Write parameters, buffers (see model_buffers), optimizer state and epoch to one .npz file at `path`."""
        arrays = {"epoch": np.array(self.epoch)}
        for index, param in enumerate(self.model.parameters()):
            arrays[f"model.{index}"] = param.data
        for index, buffer in enumerate(model_buffers(self.model)):
            arrays[f"buffer.{index}"] = buffer.data
        if callable(getattr(self.optimizer, "state_dict", None)):
            saved = self.optimizer.state_dict()
            if saved.get("lr") is not None:
                arrays["optimizer.lr"] = np.array(saved["lr"])
            for index, buffers in saved["state"].items():
                for name, value in buffers.items():
                    arrays[f"optimizer.{index}.{name}"] = np.asarray(value)
        with open(path, "wb") as stream:
            np.savez(stream, **arrays)

    def load_checkpoint(self, path):
        """Restore a checkpoint IN PLACE into the existing parameter arrays; ValueError on any mismatch."""
        with np.load(path, allow_pickle=False) as saved:
            params = self.model.parameters()
            saved_params = [key for key in saved.files if key.startswith("model.")]
            if len(saved_params) != len(params):
                raise ValueError(f"checkpoint holds {len(saved_params)} parameters, the model has {len(params)}")
            values = [saved[f"model.{index}"] for index in range(len(params))]
            for index, (param, value) in enumerate(zip(params, values)):
                if value.shape != param.data.shape:
                    raise ValueError(f"checkpoint parameter {index} has shape {value.shape}, model parameter has shape {param.data.shape}")
            buffers = model_buffers(self.model)
            saved_buffers = [saved[f"buffer.{index}"] for index in range(len(buffers)) if f"buffer.{index}" in saved.files]
            if len(saved_buffers) != len(buffers) or sum(key.startswith("buffer.") for key in saved.files) != len(buffers):
                raise ValueError(f"checkpoint holds {sum(key.startswith('buffer.') for key in saved.files)} buffers, the model has {len(buffers)}")
            for index, (buffer, value) in enumerate(zip(buffers, saved_buffers)):
                if value.shape != buffer.data.shape:
                    raise ValueError(f"checkpoint buffer {index} has shape {value.shape}, model buffer has shape {buffer.data.shape}")
            state = {}
            for key in saved.files:
                parts = key.split(".", 2)
                if parts[0] == "optimizer" and len(parts) == 3:
                    state.setdefault(int(parts[1]), {})[parts[2]] = saved[key]
            if callable(getattr(self.optimizer, "load_state_dict", None)):
                lr = float(saved["optimizer.lr"]) if "optimizer.lr" in saved.files else None
                self.optimizer.load_state_dict({"lr": lr, "state": state})
            for param, value in zip(params, values):
                param.data[...] = value
            for buffer, value in zip(buffers, saved_buffers):
                buffer.data[...] = value
            self.epoch = int(saved["epoch"])
