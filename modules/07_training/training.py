# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
"""
# Module 07: Training - The Loop That Makes Models Learn

Every piece is in place: Tensors (Module 01 tensor), activations (Module 02
activations), layers (Module 03 layers), losses (Module 04 losses), gradients
(Module 05 autograd) and update rules (Module 06 optimizers). Training is the
loop that runs them in order, thousands of times, plus the tools that keep the
loop healthy and resumable:

- `CosineSchedule`: a learning rate that starts high and anneals smoothly;
- `clip_grad_norm`: rescales gradients when one bad batch makes them explode;
- `Trainer`: `train_epoch`, `evaluate`, and checkpoints that save and restore
  the parameters, the optimizer state and the epoch.

```
  for each epoch:                                  (Trainer.train_epoch)
      optimizer.lr = schedule.get_lr(epoch)
      for inputs, targets in batches:
          predictions = model.forward(inputs)      Modules 02-03
          loss = loss_fn(predictions, targets)     Module 04
          optimizer.zero_grad(); loss.backward()   Module 05
          clip_grad_norm(parameters, max_norm)     this module
          optimizer.step()                         Module 06
```

A "model" here is any object with `forward(x)` and `parameters()`: you chain
layers explicitly in your own small class; no container is needed.
"""

# %% nbgrader={"grade": false, "grade_id": "training-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.training
#| export
import math
import numbers
import types

import numpy as np

from tinytorch.core.tensor import Tensor, as_tensor
from tinytorch.core.autograd import no_grad

# %% nbgrader={"grade": false, "grade_id": "training-test-helpers", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Small helpers for this module's tests and analysis (not exported).
from tinytorch.core.activations import ReLU
from tinytorch.core.layers import Dropout, Linear
from tinytorch.core.losses import CrossEntropyLoss
from tinytorch.core.optimizers import SGD, Adam


class BlobMLP:
    """Two Linear layers with a ReLU and a Dropout between them, chained by hand."""

    def __init__(self, n_in, n_hidden, n_out, dropout=0.0):
        self.layer1 = Linear(n_in, n_hidden)
        self.activation = ReLU()
        self.dropout = Dropout(dropout)
        self.layer2 = Linear(n_hidden, n_out)

    def forward(self, x):
        hidden = self.dropout.forward(self.activation.forward(self.layer1.forward(x)))
        return self.layer2.forward(hidden)

    def parameters(self):
        return self.layer1.parameters() + self.layer2.parameters()


def make_blobs(n_per_class=40, n_classes=3, seed=0):
    """Gaussian blobs around well-separated centres: features float, labels int."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centres = 3.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    features = centres[labels] + rng.normal(scale=0.6, size=(labels.size, 2))
    return features, labels


def make_batches(features, labels, batch_size):
    """A list of (inputs, targets) Tensor pairs: what Module 08 (dataloader) will automate."""
    return [(Tensor(features[i:i + batch_size]), Tensor(labels[i:i + batch_size]))
            for i in range(0, len(labels), batch_size)]

# %% [markdown]
"""
## 1. Learning-rate schedules: cosine annealing

Early in training a large step crosses the loss landscape quickly; late in
training a small step settles into a minimum instead of bouncing around it.
Cosine annealing moves smoothly from one to the other:

```
  lr(epoch) = min_lr + (max_lr - min_lr) * (1 + cos(pi * epoch / total)) / 2

  max_lr |**
         |   **
         |      *
         |       *
         |        **
  min_lr |          ****------   (epochs past `total` stay at min_lr)
         +----------------------> epoch
          0        total
```

`get_lr(0) == max_lr`, `get_lr(total_epochs) == min_lr`, and it never rises
in between.
"""

# %% nbgrader={"grade": false, "grade_id": "cosine-schedule", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class CosineSchedule:
    """Cosine annealing from `max_lr` at epoch 0 to `min_lr` at `total_epochs`.

    TODO: Validate the arguments and implement `get_lr(epoch)`.

    APPROACH:
    1. Check `0 <= min_lr <= max_lr`, `max_lr > 0`, `total_epochs` a
       positive integer.
    2. `get_lr`: clamp the epoch to `total_epochs`, take
       `progress = epoch / total_epochs`, return
       `min_lr + (max_lr - min_lr) * (1 + cos(pi * progress)) / 2`.

    EXAMPLE:
    >>> s = CosineSchedule(max_lr=0.1, min_lr=0.0, total_epochs=10)
    >>> s.get_lr(0), round(s.get_lr(5), 6), s.get_lr(10)
    (0.1, 0.05, 0.0)

    HINTS:
    - `math.cos(math.pi) == -1`, so progress 1 gives exactly `min_lr`.
    """

    def __init__(self, max_lr, min_lr, total_epochs):
        ### BEGIN SOLUTION
        for name, value in (("max_lr", max_lr), ("min_lr", min_lr)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
                raise TypeError(f"{name} must be a finite number, got {value!r}")
        if not 0 <= min_lr <= max_lr or max_lr <= 0:
            raise ValueError(f"need 0 <= min_lr <= max_lr and max_lr > 0, got min_lr={min_lr}, max_lr={max_lr}")
        if isinstance(total_epochs, bool) or not isinstance(total_epochs, numbers.Integral) or total_epochs < 1:
            raise ValueError(f"total_epochs must be a positive integer, got {total_epochs!r}")
        self.max_lr, self.min_lr, self.total_epochs = float(max_lr), float(min_lr), int(total_epochs)
        ### END SOLUTION

    def get_lr(self, epoch):
        """The learning rate for `epoch` (0-based); epochs past the end stay at min_lr."""
        ### BEGIN SOLUTION
        if isinstance(epoch, bool) or not isinstance(epoch, numbers.Real) or epoch < 0:
            raise ValueError(f"epoch must be a number >= 0, got {epoch!r}")
        progress = min(epoch, self.total_epochs) / self.total_epochs
        return self.min_lr + (self.max_lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-cosine-schedule", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def test_unit_cosine_schedule():
    """Endpoints, midpoint and monotonic decay."""
    schedule = CosineSchedule(max_lr=0.1, min_lr=0.01, total_epochs=20)
    assert math.isclose(schedule.get_lr(0), 0.1)
    assert math.isclose(schedule.get_lr(10), 0.055)  # halfway: the average of the two
    assert math.isclose(schedule.get_lr(20), 0.01) and math.isclose(schedule.get_lr(35), 0.01)
    rates = [schedule.get_lr(e) for e in range(21)]
    assert all(a >= b for a, b in zip(rates, rates[1:])), "cosine annealing never increases"
    for edge in ((0.1, 0.0, 5), (0.1, 0.1, 5), (0.1, 0.01, 1)):  # min_lr 0, min_lr == max_lr, one epoch: allowed
        assert math.isclose(CosineSchedule(*edge).get_lr(0), 0.1)
    for bad in ((0.01, 0.1, 5), (0.0, 0.0, 5), (0.1, 0.01, 0)):  # min_lr > max_lr, max_lr 0, no epochs
        try:
            CosineSchedule(*bad)
            raise AssertionError(f"CosineSchedule{bad} must raise")
        except ValueError:
            pass
    print("✅ CosineSchedule works")

if __name__ == "__main__":
    test_unit_cosine_schedule()

# %% [markdown]
"""
## 2. Gradient clipping by global norm

One outlier batch can produce a gradient hundreds of times larger than usual
and throw the weights far away. Clipping treats all gradients as one long
vector and, if its length exceeds `max_norm`, shrinks every gradient by the
same factor: the direction is kept, only the step length is capped.

```
  g = [g_1 | g_2 | ... ]   total = sqrt(sum of g_i^2 over all parameters)

  total <= max_norm:  unchanged             total = 10, max_norm = 1:
  total >  max_norm:  g *= max_norm/total        every gradient * 0.1
```

The function returns the norm *before* clipping, so a training loop can log
how often and how hard it clips.
"""

# %% nbgrader={"grade": false, "grade_id": "clip-grad-norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def clip_grad_norm(parameters, max_norm=1.0):
    """Rescale all gradients together so their global L2 norm is at most `max_norm`.

    TODO: Compute the global norm of all gradients, scale them down if it is
    above `max_norm`, and return the norm measured before clipping.

    APPROACH:
    1. Check `max_norm > 0`.
    2. Keep each parameter once (by identity) and skip those whose `.grad`
       is None.
    3. `total = sqrt(sum(np.sum(g ** 2)))` over the gradients.
    4. If `total > max_norm`: `p.grad = p.grad * (max_norm / (total + 1e-6))`.

    EXAMPLE:
    >>> w = Tensor([0.0, 0.0], requires_grad=True); w.grad = np.array([3.0, 4.0])
    >>> norm = clip_grad_norm([w], max_norm=1.0)
    >>> norm, np.round(w.grad, 4)
    (5.0, array([0.6, 0.8]))

    HINTS:
    - Accumulate the sum of squares in float64 so large models do not
      overflow or lose precision.
    - The small `1e-6` keeps the division safe and the clipped norm just
      under `max_norm`.
    """
    ### BEGIN SOLUTION
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
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-clip-grad-norm", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def test_unit_clip_grad_norm():
    """The global norm is measured over all parameters and capped at max_norm."""
    a = Tensor(np.zeros(2), requires_grad=True)
    b = Tensor(np.zeros((1, 1)), requires_grad=True)
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([[4.0]])
    norm = clip_grad_norm([a, b, a], max_norm=1.0)  # a listed twice counts once
    assert math.isclose(norm, 5.0)
    assert np.allclose(a.grad, [0.6, 0.0], atol=1e-5) and np.allclose(b.grad, [[0.8]], atol=1e-5)
    a.grad = np.array([0.3, 0.4])
    assert math.isclose(clip_grad_norm([a], max_norm=1.0), 0.5, rel_tol=1e-6)
    assert np.allclose(a.grad, [0.3, 0.4]), "gradients under the limit are untouched"
    a.grad = np.array([3.0, 4.0])
    assert clip_grad_norm([a], max_norm=5.0) == 5.0 and np.array_equal(a.grad, [3.0, 4.0]), "a norm at the limit is untouched"
    clip_grad_norm([a], max_norm=1.0)
    assert 1.0 - 1e-5 < np.sqrt(np.sum(a.grad ** 2)) < 1.0 - 1e-8, "the clipped norm sits just under max_norm"
    try:
        clip_grad_norm([a], max_norm=0.0)
        raise AssertionError("max_norm=0 must raise")
    except ValueError:
        pass
    print("✅ clip_grad_norm works")

if __name__ == "__main__":
    test_unit_clip_grad_norm()

# %% [markdown]
"""
## 3. The Trainer

The Trainer owns nothing new; it sequences what exists and keeps the
bookkeeping honest:

```
  train_epoch(batches) -> mean loss          evaluate(batches) -> (loss, accuracy)
  ----------------------------------         ----------------------------------
  lr <- scheduler.get_lr(epoch)              training flags -> False (dropout off)
  training flags -> True (dropout on)        with no_grad():  forward, loss
  per batch: forward, loss, zero_grad,       accuracy = mean(argmax(pred) == y)
     backward, clip, step                      (class-index targets only,
  epoch += 1                                    otherwise None)
```

Mean loss is per *example*: each batch loss is weighted by its batch size, so
a short last batch counts for what it holds.

**Training flags.** Layers such as `Dropout` (Module 03 layers) behave
differently in training and evaluation and expose a boolean `training`
attribute. The Trainer finds them by walking the model's attributes
(`vars(obj)`, recursively through lists, tuples and dicts; Tensors and arrays
are not entered) and sets every boolean `training` it meets, on the model
itself too. So `self.dropout = Dropout(0.5)` inside your own model class is
switched automatically.
"""

# %% nbgrader={"grade": false, "grade_id": "training-mode", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
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

# %% nbgrader={"grade": false, "grade_id": "trainer", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Trainer:
    """Run epochs of training and evaluation, and save/restore checkpoints.

    TODO: Implement `train_epoch`, `evaluate`, `save_checkpoint` and
    `load_checkpoint` (the constructor is given).

    APPROACH:
    1. `train_epoch(batches)`: apply the schedule (`optimizer.lr =
       scheduler.get_lr(self.epoch)`), switch training flags on, then per
       `(inputs, targets)`: forward, loss, `zero_grad`, `backward`, optional
       `clip_grad_norm`, `step`; weight each loss by its batch size;
       `self.epoch += 1`; return the mean.
    2. `evaluate(batches)`: flags off, `no_grad()`, mean loss and accuracy
       (None when targets are not class indices); return `(loss, accuracy)`.
    3. `save_checkpoint(path)`: one `.npz` with `model.<i>` for each
       parameter, `optimizer.<i>.<name>` for each state buffer,
       `optimizer.lr` and `epoch`.
    4. `load_checkpoint(path)`: check the parameter count and every shape
       first, then copy values *into* the existing arrays
       (`param.data[...] = saved`), restore optimizer state and epoch.

    EXAMPLE:
    >>> trainer = Trainer(model, SGD(model.parameters(), lr=0.1), CrossEntropyLoss())
    >>> loss = trainer.train_epoch(batches)
    >>> val_loss, accuracy = trainer.evaluate(batches)

    HINTS:
    - Call `zero_grad()` before `backward()`: gradients accumulate.
    - `np.savez` on an open file object writes exactly to that path (given a
      name it would append `.npz`).
    - Validate everything before copying anything, so a bad checkpoint
      leaves the model untouched.
    """

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
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def evaluate(self, dataloader):
        """Mean loss per example and accuracy (None unless targets are class indices), without gradients."""
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def save_checkpoint(self, path):
        """Write parameters, buffers (see model_buffers), optimizer state and epoch to one .npz file at `path`."""
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def load_checkpoint(self, path):
        """Restore a checkpoint IN PLACE into the existing parameter arrays; ValueError on any mismatch."""
        ### BEGIN SOLUTION
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
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-trainer", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_trainer():
    """The Trainer learns three blobs, applies the schedule and toggles dropout."""
    np.random.seed(0)
    features, labels = make_blobs(n_per_class=30, n_classes=3, seed=0)
    order = np.random.permutation(len(labels))
    batches = make_batches(features[order], labels[order], batch_size=16)
    model = BlobMLP(2, 16, 3, dropout=0.1)
    schedule = CosineSchedule(max_lr=0.1, min_lr=0.01, total_epochs=15)
    trainer = Trainer(model, SGD(model.parameters(), lr=0.1, momentum=0.9), CrossEntropyLoss(),
                      scheduler=schedule, grad_clip_norm=5.0)
    losses = [trainer.train_epoch(batches) for _ in range(15)]
    assert model.dropout.training is True, "train_epoch switches dropout on"
    loss, trained_accuracy = trainer.evaluate(batches)
    assert model.dropout.training is False, "evaluate switches dropout off"
    assert losses[-1] < 0.5 * losses[0] and trained_accuracy >= 0.95
    assert trainer.epoch == 15 and math.isclose(trainer.history["lr"][0], 0.1)
    assert math.isclose(trainer.optimizer.lr, schedule.get_lr(14))

    # Batches of different sizes: the mean is per example, checked against numpy on an untrained model.
    np.random.seed(2)
    fresh = BlobMLP(2, 16, 3)
    judge = Trainer(fresh, SGD(fresh.parameters(), lr=1e-9), CrossEntropyLoss())
    x, y = features[order][:12], labels[order][:12]
    uneven = [(x[:5], y[:5]), (x[5:], y[5:])]
    logits = fresh.forward(Tensor(x)).data.astype(np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    nll = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(12), y]
    right = np.mean(logits.argmax(axis=1) == y)
    assert 0 < right < 1
    loss, accuracy = judge.evaluate(uneven)
    assert math.isclose(loss, nll.mean(), rel_tol=1e-5) and math.isclose(accuracy, right)
    assert math.isclose(judge.train_epoch(uneven), nll.mean(), rel_tol=1e-4), "lr 1e-9 leaves the weights as they were"
    assert judge.epoch == 1
    print(f"✅ Trainer works (loss {losses[0]:.3f} -> {losses[-1]:.3f}, accuracy {trained_accuracy:.2f})")

if __name__ == "__main__":
    test_unit_trainer()

# %% [markdown]
"""
## 4. Checkpoints

Long runs get interrupted. A checkpoint must hold everything needed to resume
*as if nothing happened*: the weights, the optimizer's memory (momentum, Adam
moments and step counts; resuming Adam with empty moments restarts its bias
correction) and the epoch, which drives the schedule.

```
  checkpoint.npz
  +-----------------------+
  | epoch                 |  -> trainer.epoch (schedule continues)
  | model.0 ... model.K   |  -> param.data[...] = saved   (same objects!)
  | buffer.0 ... buffer.J |  -> running statistics, e.g. BatchNorm (Module 09)
  | optimizer.lr          |
  | optimizer.<i>.m / v / |  -> optimizer.state[i]
  |   momentum / step     |
  +-----------------------+
```

Loading copies values *into* the existing arrays rather than replacing the
Tensors: the optimizer (and any layer sharing a weight) keeps referring to
the same objects.

Some state is not trained but must survive a restart: BatchNorm's running mean
and variance are what it uses at evaluation time. A layer exposes such state
through `buffers()`, a list of Tensors wrapping the arrays it updates in place;
`model_buffers` collects them with the same attribute walk as the training flags.
"""

# %% nbgrader={"grade": true, "grade_id": "test-checkpoint", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_unit_checkpoint():
    """Save, disturb, load: exact values come back into the same objects."""
    import os
    import tempfile

    np.random.seed(1)
    features, labels = make_blobs(n_per_class=10, n_classes=3, seed=1)
    batches = make_batches(features, labels, batch_size=10)
    model = BlobMLP(2, 8, 3)
    trainer = Trainer(model, Adam(model.parameters(), lr=0.01), CrossEntropyLoss())
    trainer.train_epoch(batches)
    saved_weights = [p.data.copy() for p in model.parameters()]
    saved_m = trainer.optimizer.state[0]["m"].copy()
    objects = [p.data for p in model.parameters()]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "run.ckpt")
        trainer.save_checkpoint(path)
        trainer.train_epoch(batches)
        trainer.load_checkpoint(path)
        assert os.path.exists(path)
        for param, weights, original in zip(model.parameters(), saved_weights, objects):
            assert param.data is original and np.array_equal(param.data, weights)
        assert np.array_equal(trainer.optimizer.state[0]["m"], saved_m) and trainer.epoch == 1
        trainer.optimizer.lr = 0.5
        trainer.load_checkpoint(path)
        assert math.isclose(trainer.optimizer.lr, 0.01), "the learning rate comes back too"

        class Counting(BlobMLP):  # a model with a buffer, as BatchNorm (module 09) has
            def __init__(self, size):
                super().__init__(2, 8, 3)
                self.seen = Tensor(np.zeros(size))

            def buffers(self):
                return [self.seen]

        counting = Counting(3)
        counting.seen.data[...] = [1.0, 2.0, 3.0]
        buffered = Trainer(counting, SGD(counting.parameters()), CrossEntropyLoss())
        buffered.save_checkpoint(path)
        held = counting.seen.data
        held[...] = 0.0
        buffered.load_checkpoint(path)
        assert counting.seen.data is held and np.array_equal(held, [1.0, 2.0, 3.0])
        other = Counting(4)
        try:
            Trainer(other, SGD(other.parameters()), CrossEntropyLoss()).load_checkpoint(path)
            raise AssertionError("a buffer of another shape must raise")
        except ValueError as error:
            assert "buffer" in str(error)
        try:
            Trainer(BlobMLP(2, 9, 3), SGD(model.parameters()), CrossEntropyLoss()).load_checkpoint(path)
            raise AssertionError("a shape mismatch must raise")
        except ValueError as error:
            assert "shape" in str(error)
    print("✅ Checkpoints round-trip exactly")

if __name__ == "__main__":
    test_unit_checkpoint()

# %% [markdown]
"""
## 5. Systems analysis: what the schedule buys

Does annealing actually help, or is it folklore? We train the same model from
the same initial weights twice, with a constant learning rate and with cosine
annealing from the same starting value, and record the loss curve of each.
We also measure what a checkpoint costs on disk compared with the weights
alone: Adam's two moment arrays per weight should make it about three times
the weights, plus a small header per saved array.
"""

# %% nbgrader={"grade": false, "grade_id": "analyze-schedule", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_schedule_and_checkpoint_size(epochs=20, batch_size=32):
    """Loss curves with and without cosine annealing; checkpoint bytes vs parameter bytes."""
    import os
    import tempfile

    features, labels = make_blobs(n_per_class=60, n_classes=4, seed=3)
    features = features + np.random.default_rng(3).normal(scale=0.8, size=features.shape)  # overlapping blobs
    curves = {}
    for name in ("constant lr=0.05", "cosine 0.05 -> 0.0005"):
        np.random.seed(3)  # same initial weights for both runs
        model = BlobMLP(2, 32, 4)
        schedule = CosineSchedule(0.05, 0.0005, epochs) if name.startswith("cosine") else None
        trainer = Trainer(model, SGD(model.parameters(), lr=0.05, momentum=0.9), CrossEntropyLoss(), scheduler=schedule)
        shuffle = np.random.default_rng(0)
        for _ in range(epochs):
            order = shuffle.permutation(len(labels))
            trainer.train_epoch(make_batches(features[order], labels[order], batch_size=batch_size))
        loss, accuracy = trainer.evaluate(make_batches(features, labels, batch_size=64))
        curves[name] = trainer.history["train_loss"]
        print(f"{name:<22} loss on the full set {loss:.4f}  accuracy {accuracy:.3f}")
    print(f"{'epoch':>5} " + " ".join(f"{name:>22}" for name in curves))
    for epoch in range(0, epochs, 5):
        print(f"{epoch:>5} " + " ".join(f"{curve[epoch]:>22.4f}" for curve in curves.values()))
    print("Epoch-to-epoch jitter of the last 10 epochs (std of loss):",
          ", ".join(f"{name}: {np.std(curve[-10:]):.4f}" for name, curve in curves.items()))

    model = BlobMLP(2, 256, 4)
    trainer = Trainer(model, Adam(model.parameters()), CrossEntropyLoss())
    trainer.train_epoch(make_batches(features, labels, batch_size=64))
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "adam.ckpt")
        trainer.save_checkpoint(path)
        weight_bytes = sum(p.data.nbytes for p in model.parameters())
        print(f"Adam checkpoint: {os.path.getsize(path) / 1024:.1f} KB on disk for {weight_bytes / 1024:.1f} KB of weights")

if __name__ == "__main__":
    analyze_schedule_and_checkpoint_size()

# %% [markdown]
"""
## 6. Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module-training", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Run every unit test of this module."""
    test_unit_cosine_schedule()
    test_unit_clip_grad_norm()
    test_unit_trainer()
    test_unit_checkpoint()
    print("✅ Module 07 (training): all tests passed")

if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- A training epoch is forward, loss, `zero_grad`, backward, (clip), step, for
  every batch; the Trainer adds the schedule, dropout flags and per-example
  loss averaging.
- `CosineSchedule` anneals from `max_lr` to `min_lr`; `clip_grad_norm` caps
  the global gradient norm and reports the norm it saw.
- Checkpoints restore values into the same Tensor objects, together with the
  optimizer's state and the epoch, so training resumes exactly.
- Measured: the loss curves with and without annealing, and the on-disk cost
  of a checkpoint that carries Adam's moments.

Next, Module 08 (dataloader) replaces our hand-made batch lists with a
`DataLoader` that shuffles a `Dataset` afresh each epoch.
"""
