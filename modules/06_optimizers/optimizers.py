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
# Module 06: Optimizers - Turning Gradients into Learning

Module 05 (autograd) fills every parameter's `.grad` with the slope of the
loss. A gradient alone changes nothing: something has to *move* the weights.
That is an optimizer. In this module you build the four pieces every training
loop in this course uses:

- `Optimizer`: the base class: collects parameters once, clears gradients
  (`zero_grad`), and runs the shared bookkeeping of `step()`;
- `SGD`: plain gradient descent, with optional momentum and weight decay;
- `Adam`: per-weight adaptive step sizes from running gradient moments;
- `AdamW`: Adam with weight decay *decoupled* from the gradient.

```
  Module 01 tensor    Module 03 layers     Module 04 losses    Module 05 autograd
  param.data  <------ layer.parameters()   loss = loss_fn()    loss.backward()
      ^                                                              |
      |                        Module 06 optimizers                  v
      +----------- optimizer.step():  param.data -= lr * f(param.grad)
```

Two systems rules run through everything here:
1. Updates are **in place** (`param.data -= ...`): a Tensor shared by two
   layers stays one object, and the layers keep seeing the same weights.
2. A parameter may carry `param.prune_mask` (set by Module 16 compression).
   Pruned entries must stay exactly zero, whatever the optimizer remembers.
"""

# %% nbgrader={"grade": false, "grade_id": "optimizers-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.optimizers
#| export
import numbers

import numpy as np

from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## 1. Gradient descent in one picture

The gradient points uphill; a small step against it lowers the loss.

```
  loss
   |  \                       w_new = w - lr * grad
   |   \      .
   |    \   .   <- grad > 0: slope up to the right, so move left
   |     \.
   |      *  w        too large lr: overshoot and bounce
   |       \_____/    too small lr: crawl
   +-------------------- w
```

## 2. The Optimizer base class

Every optimizer does the same bookkeeping around its own update rule:

```
  step():
    for each parameter p (each distinct Tensor once):
        p.grad is None?  -> skip (it took no part in the loss)
        mask = p.prune_mask (if any)
        zero masked entries of p.data, the gradient and every state buffer
        _update(p, grad, state)          <- the only part SGD/Adam change
        zero masked entries of p.data again
```

State (momentum, Adam moments) lives in `self.state[i]`, a dict per parameter
index, created the first time parameter `i` is stepped and kept across steps.
Keying by position makes the state easy to save in a checkpoint (Module 07
training).
"""

# %% nbgrader={"grade": false, "grade_id": "optimizer-helpers", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
def _check_number(name, value, low, high=None, low_inclusive=True):
    """Raise a clear error unless `value` is a real number in the allowed range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    too_low = value < low if low_inclusive else value <= low
    if too_low or (high is not None and value >= high) or not np.isfinite(value):
        bound = f"{'>=' if low_inclusive else '>'} {low}" + (f" and < {high}" if high is not None else "")
        raise ValueError(f"{name} must be {bound}, got {value}")
    return float(value)


def _prune_mask(param):
    """The parameter's 0/1 prune mask as an array of its dtype, or None if it has none."""
    mask = getattr(param, "prune_mask", None)
    if mask is None:
        return None
    mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if mask.shape != param.data.shape:
        raise ValueError(f"prune_mask has shape {mask.shape} but its parameter has shape {param.data.shape}")
    if not np.all((mask == 0) | (mask == 1)):
        raise ValueError("prune_mask must contain only 0 and 1")
    return mask.astype(param.data.dtype)

# %% nbgrader={"grade": false, "grade_id": "optimizer-base", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Optimizer:
    """Base class: owns the parameter list, clears gradients, enforces prune masks.

    TODO: Store the distinct parameters, implement `zero_grad()` and the shared
    part of `step()`; subclasses implement `_update(param, grad, state)`.

    APPROACH:
    1. `__init__`: turn `params` into a list; reject a single Tensor, an empty
       list and non-Tensors; keep each Tensor once (compare with `is`, i.e. by
       `id`), in first-seen order. `self.state = {}`.
    2. `zero_grad()`: set every parameter's `.grad` to `None`.
    3. `step()`: for each index `i`, parameter `p` with a gradient: get the
       mask, zero masked entries of `p.data` and of every array in
       `self.state[i]`, and mask the gradient into a new array (never edit
       `.grad`); call `self._update(p, grad, state)`; zero masked entries of
       `p.data` again.

    EXAMPLE:
    >>> w = Tensor([1.0, 2.0], requires_grad=True)
    >>> opt = SGD([w, w], lr=0.1)        # listed twice, kept once
    >>> len(opt.params)
    1

    HINTS:
    - `{id(p) for p in ...}` finds duplicates without comparing values.
    - Masking with `array *= mask` keeps the same array object (in place).
    """

    def __init__(self, params):
        ### BEGIN SOLUTION
        if isinstance(params, Tensor):
            raise TypeError("params must be a list of Tensors, not a single Tensor: wrap it as [tensor]")
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        unique, seen = [], set()
        for position, param in enumerate(params):
            if not isinstance(param, Tensor):
                raise TypeError(f"parameter {position} is a {type(param).__name__}, expected a Tensor")
            if id(param) not in seen:
                seen.add(id(param))
                unique.append(param)
        self.params = unique
        self.state = {}
        ### END SOLUTION

    def zero_grad(self):
        """Forget the gradients of the last backward pass (they accumulate otherwise)."""
        ### BEGIN SOLUTION
        for param in self.params:
            param.grad = None
        ### END SOLUTION

    def step(self):
        """Update every parameter that has a gradient, holding pruned entries at zero."""
        ### BEGIN SOLUTION
        for index, param in enumerate(self.params):
            if param.grad is None:
                continue
            # No copy unless the dtype differs: `_update` only reads `grad`, and masking makes a new array.
            grad = np.asarray(param.grad, dtype=param.data.dtype)
            if grad.shape != param.data.shape:
                raise ValueError(f"parameter {index} has shape {param.data.shape} but its gradient has shape {grad.shape}")
            state = self.state.setdefault(index, {})
            mask = _prune_mask(param)
            if mask is not None:
                param.data *= mask
                grad = grad * mask  # a new array: never edit .grad
                for buffer in state.values():
                    if isinstance(buffer, np.ndarray) and buffer.shape == mask.shape:
                        buffer *= mask
            self._update(param, grad, state)
            if mask is not None:
                param.data *= mask
        ### END SOLUTION

    def _update(self, param, grad, state):
        """Change `param.data` in place from `grad`, which may be `param.grad` itself: read it, never write it."""
        raise NotImplementedError("an Optimizer subclass must implement _update(param, grad, state)")

    def state_dict(self):
        """A copy of everything needed to resume: the learning rate and the per-parameter state."""
        state = {index: {name: np.array(value) for name, value in buffers.items()} for index, buffers in self.state.items()}
        return {"lr": getattr(self, "lr", None), "state": state}

    def load_state_dict(self, saved):
        """Restore `state_dict()` output, checking every buffer fits its parameter."""
        restored = {}
        for index, buffers in saved["state"].items():
            index = int(index)
            if not 0 <= index < len(self.params):
                raise ValueError(f"saved optimizer state for parameter {index}, but this optimizer has {len(self.params)}")
            shape = self.params[index].data.shape
            restored[index] = {}
            for name, value in buffers.items():
                value = np.array(value)
                if value.ndim == 0:
                    restored[index][name] = value.item()
                elif value.shape != shape:
                    raise ValueError(f"saved state '{name}' of parameter {index} has shape {value.shape}, parameter has {shape}")
                else:
                    restored[index][name] = value.astype(self.params[index].data.dtype)
        self.state = restored
        if saved.get("lr") is not None:
            self.lr = float(saved["lr"])


# %% nbgrader={"grade": true, "grade_id": "test-optimizer-base", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_unit_optimizer_base():
    """Duplicates are dropped, zero_grad clears, bad input is refused."""
    class Nudge(Optimizer):
        def _update(self, param, grad, state):
            param.data -= grad

    w = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([0.5]), requires_grad=True)
    opt = Nudge([w, b, w])
    assert len(opt.params) == 2 and opt.params[0] is w and opt.params[1] is b
    w.grad = np.array([1.0, 1.0, 1.0])
    before = w.data
    opt.step()
    assert w.data is before, "the update must be in place"
    assert np.allclose(w.data, [0.0, 1.0, 2.0]), "a parameter listed twice is stepped once"
    assert np.allclose(b.data, [0.5]), "a parameter without gradient is skipped"
    w.prune_mask = np.array([1.0, 0.0, 1.0])
    w.grad = np.ones(3, dtype=w.data.dtype)  # the parameter's dtype: step() need not copy it
    opt.step()
    assert w.data[1] == 0.0 and np.allclose(w.data[[0, 2]], [-1.0, 1.0])
    assert w.data is before, "masking must be in place too"
    assert np.array_equal(w.grad, [1.0, 1.0, 1.0]), "step() masks a new array, never .grad itself"

    class Drift(Optimizer):  # an update that ignores the mask: step() still holds pruned entries at zero
        def _update(self, param, grad, state):
            param.data += 1.0

    z = Tensor(np.array([1.0, 1.0]), requires_grad=True)
    z.grad, z.prune_mask = np.zeros(2), np.array([0.0, 1.0])
    Drift([z]).step()
    assert np.array_equal(z.data, [0.0, 2.0])
    opt.zero_grad()
    assert w.grad is None and b.grad is None
    for bad in ([], w):
        try:
            Nudge(bad)
            raise AssertionError(f"Optimizer({bad!r}) must raise")
        except (ValueError, TypeError):
            pass
    print("✅ Optimizer base works")

if __name__ == "__main__":
    test_unit_optimizer_base()

# %% [markdown]
"""
## 3. SGD with momentum and weight decay

Plain SGD follows the current gradient. On a long narrow valley it zig-zags
across the steep direction and crawls along the flat one. Momentum keeps a
running velocity: components that agree from step to step add up, components
that flip sign cancel.

```
  plain SGD:   w -= lr * g                 momentum:  v = mu * v + g
                                                      w -= lr * v
   valley  \/\/\/\/\/\/--> slow             valley   \_________--> fast

  weight decay (L2 penalty wd/2 * |w|^2) adds wd * w to the gradient:
               g = grad + wd * w           (pulls every weight toward 0)
```

State per parameter: one velocity array (`state["momentum"]`), only when
`momentum > 0`. Plain SGD remembers nothing.
"""

# %% nbgrader={"grade": false, "grade_id": "sgd", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and L2 weight decay.

    TODO: Validate the hyperparameters and implement `_update`.

    APPROACH:
    1. `__init__`: call `super().__init__(params)`; check `lr > 0`,
       `momentum >= 0`, `weight_decay >= 0`.
    2. `_update(param, grad, state)`:
       - if weight_decay: `grad = grad + weight_decay * param.data`
       - if momentum: `v = state.setdefault("momentum", zeros)`;
         `v *= momentum; v += grad`; use `v` as the step direction
       - `param.data -= lr * direction`  (in place)

    EXAMPLE:
    >>> w = Tensor([1.0], requires_grad=True); w.grad = np.array([2.0])
    >>> opt = SGD([w], lr=0.1); opt.step(); w.data
    array([0.8], dtype=float32)

    HINTS:
    - `np.zeros_like(param.data)` gives a velocity of the right shape and dtype.
    - Update `v` in place so the dict keeps pointing at the same array.
    """

    def __init__(self, params, lr=0.01, momentum=0.0, weight_decay=0.0):
        ### BEGIN SOLUTION
        super().__init__(params)
        self.lr = _check_number("lr", lr, 0.0, low_inclusive=False)
        self.momentum = _check_number("momentum", momentum, 0.0)
        self.weight_decay = _check_number("weight_decay", weight_decay, 0.0)
        ### END SOLUTION

    def _update(self, param, grad, state):
        ### BEGIN SOLUTION
        if self.weight_decay:
            grad = grad + self.weight_decay * param.data
        if self.momentum:
            velocity = state.setdefault("momentum", np.zeros_like(param.data))
            velocity *= self.momentum
            velocity += grad
            grad = velocity
        param.data -= self.lr * grad
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-sgd", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_sgd():
    """SGD, momentum and weight decay match the formulas worked by hand."""
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5)
    w.grad = np.array([1.0, 1.0])
    opt.step()
    # g = [1 + 0.5*1, 1 + 0.5*(-2)] = [1.5, 0.0]; v = g; w = w - 0.1 v
    assert np.allclose(w.data, [0.85, -2.0])
    opt.step()
    # g = [1 + 0.425, 1 - 1.0] = [1.425, 0]; v = 0.9*[1.5, 0] + g = [2.775, 0]
    assert np.allclose(w.data, [0.85 - 0.2775, -2.0])

    # A mask set on live weights after a step: the pruned entry's weight and velocity stay at zero.
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = SGD([w], lr=0.1, momentum=0.9, weight_decay=0.5)
    w.grad = np.array([1.0, 1.0])
    opt.step()  # v = [1.5, 2.0], w = [0.85, 1.8]
    w.prune_mask = np.array([1.0, 0.0])
    before = w.data
    opt.step()  # v = [0.9 * 1.5 + 1 + 0.425, 0]
    assert w.data is before, "SGD updates in place"
    assert np.allclose(w.data, [0.85 - 0.1 * 2.775, 0.0])
    assert np.allclose(opt.state[0]["momentum"], [2.775, 0.0])
    assert opt.state[0]["momentum"][1] == 0.0, "the pruned entry's velocity is held at zero"
    try:
        SGD([w], lr=0.0)
        raise AssertionError("lr=0 must raise")
    except ValueError:
        pass
    print("✅ SGD works")

if __name__ == "__main__":
    test_unit_sgd()

# %% [markdown]
"""
## 4. Adam: a step size per weight

Adam keeps two running averages per weight: `m` (mean of gradients, like
momentum) and `v` (mean of squared gradients, the gradient's scale). Dividing
by `sqrt(v)` gives every weight a step of roughly `lr`, whatever its gradient
scale. Both averages start at zero, so early values are too small; dividing by
`1 - beta^t` corrects that bias.

```
  m = b1*m + (1-b1)*g          m_hat = m / (1 - b1^t)
  v = b2*v + (1-b2)*g^2        v_hat = v / (1 - b2^t)
  w -= lr * m_hat / (sqrt(v_hat) + eps)

  t=1, g=5:  m_hat = 5, v_hat = 25  ->  step = lr * 5/5 = lr   (scale-free)
```

`weight_decay` in `Adam` is the classic L2 term added to `g` (so it is
divided by `sqrt(v_hat)` too). `AdamW` instead shrinks the weights directly,
`w -= lr * wd * w`, *decoupled* from the adaptive scaling: weights with large
gradients are decayed as much as weights with small ones.

State per parameter: `m` and `v` (two arrays the size of the weight) and the
step count `t` (per parameter: a weight that skipped steps is corrected for
the steps it actually took).
"""

# %% nbgrader={"grade": false, "grade_id": "adam", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class Adam(Optimizer):
    """Adam: bias-corrected first/second moment estimates, with optional L2 weight decay.

    TODO: Validate the hyperparameters and implement `_update`.

    APPROACH:
    1. `__init__`: check `lr > 0`, two betas each in `[0, 1)`, `eps > 0`,
       `weight_decay >= 0`.
    2. `_update`: `grad = self._decay(param, grad)`; create `m`, `v`
       (zeros) and `step = 0` on first use; `step += 1`; update `m`, `v` in
       place; bias-correct; `param.data -= lr * m_hat / (sqrt(v_hat) + eps)`.
    3. `_decay` (L2): return `grad + weight_decay * param.data`.

    EXAMPLE:
    >>> w = Tensor([1.0], requires_grad=True); w.grad = np.array([5.0])
    >>> opt = Adam([w], lr=0.1); opt.step(); w.data   # first step moves by ~lr
    array([0.9], dtype=float32)

    HINTS:
    - `beta1 ** t` with the per-parameter `t` (start at 1 after incrementing).
    - Keep `m` and `v` in `state` so they survive across calls to `step()`.
    """

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        ### BEGIN SOLUTION
        super().__init__(params)
        self.lr = _check_number("lr", lr, 0.0, low_inclusive=False)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check_number("beta1", betas[0], 0.0, 1.0), _check_number("beta2", betas[1], 0.0, 1.0))
        self.eps = _check_number("eps", eps, 0.0, low_inclusive=False)
        self.weight_decay = _check_number("weight_decay", weight_decay, 0.0)
        self._scratch = {}  # id(param) -> a work array for _update; not state: never saved
        ### END SOLUTION

    def _decay(self, param, grad):
        """Coupled L2 decay: the penalty's gradient joins the loss gradient."""
        ### BEGIN SOLUTION
        if self.weight_decay:
            grad = grad + self.weight_decay * param.data
        return grad
        ### END SOLUTION

    def _update(self, param, grad, state):
        ### BEGIN SOLUTION
        grad = self._decay(param, grad)
        if "step" not in state:
            state["m"] = np.zeros_like(param.data)
            state["v"] = np.zeros_like(param.data)
            state["step"] = 0
        scratch = self._scratch.get(id(param))
        if scratch is None:
            scratch = self._scratch[id(param)] = np.empty_like(param.data)
        beta1, beta2 = self.betas
        state["step"] += 1
        t = state["step"]
        m, v = state["m"], state["v"]
        # The formulas of the docstring, each written in place (out=...): a temporary array
        # per operation would cost more than the arithmetic for large parameters.
        m *= beta1
        m += np.multiply(grad, 1 - beta1, out=scratch)  # m = beta1 m + (1 - beta1) g
        v *= beta2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - beta2
        v += scratch  # v = beta2 v + (1 - beta2) g^2
        # lr * m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t)
        np.divide(v, 1 - beta2 ** t, out=scratch)
        np.sqrt(scratch, out=scratch)
        scratch += self.eps
        np.divide(m, scratch, out=scratch)
        scratch *= self.lr / (1 - beta1 ** t)
        param.data -= scratch
        ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "adamw", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class AdamW(Adam):
    """Adam with decoupled weight decay: shrink the weights, leave the moments alone.

    TODO: Override `_decay` so it shrinks `param.data` in place by
    `lr * weight_decay * param.data` and returns the gradient unchanged.

    APPROACH:
    1. `__init__`: same as Adam, default `weight_decay=0.01`.
    2. `_decay(param, grad)`: `param.data *= 1 - lr * weight_decay`; `return grad`.

    EXAMPLE:
    >>> w = Tensor([1.0], requires_grad=True); w.grad = np.array([0.0])
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5); opt.step(); w.data
    array([0.95], dtype=float32)

    HINTS:
    - The decay happens before the Adam step, on the current weights.
    """

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        ### BEGIN SOLUTION
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        ### END SOLUTION

    def _decay(self, param, grad):
        ### BEGIN SOLUTION
        if self.weight_decay:
            param.data *= 1 - self.lr * self.weight_decay
        return grad
        ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-adam", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_adam():
    """Adam's bias correction and AdamW's decoupled decay, against the formulas."""
    w = Tensor(np.array([1.0, 1.0]), requires_grad=True)
    opt = Adam([w], lr=0.1)
    w.grad = np.array([5.0, -0.01])
    opt.step()
    # t=1: m_hat = g, v_hat = g^2, so each weight moves by lr * sign(g) (up to eps)
    assert np.allclose(w.data, [0.9, 1.1], atol=1e-5)
    w.grad = np.array([5.0, -0.01])
    opt.step()
    assert np.allclose(w.data, [0.8, 1.2], atol=1e-5), "a constant gradient keeps a step of lr"

    x = Tensor(np.array([2.0]), requires_grad=True)
    decoupled = AdamW([x], lr=0.1, weight_decay=0.5)
    x.grad = np.array([4.0])
    decoupled.step()
    # w * (1 - lr*wd) - lr * 1 = 2 * 0.95 - 0.1
    assert np.allclose(x.data, [1.8], atol=1e-5)

    before = x.data
    decoupled.step()
    assert x.data is before, "Adam and AdamW update in place"
    assert Adam([x], betas=(0.5, 0.9)).betas == (0.5, 0.9)
    coupled = Tensor(np.array([-2.0]), requires_grad=True)
    coupled.grad = np.array([0.0])
    Adam([coupled], lr=0.1, weight_decay=0.5).step()  # g = 0 + 0.5 * (-2): a step of lr against it
    assert np.allclose(coupled.data, [-1.9], atol=1e-5)
    wide = Tensor(np.array([1.0]), requires_grad=True)
    wide.grad = np.array([1.0])
    Adam([wide], lr=0.1, eps=0.5).step()  # lr * m_hat / (sqrt(v_hat) + eps) = 0.1 / 1.5
    assert np.allclose(wide.data, [1.0 - 0.1 / 1.5], atol=1e-6)
    try:
        Adam([x], betas=(0.9, 1.0))
        raise AssertionError("beta2 = 1 must raise")
    except ValueError:
        pass
    print("✅ Adam and AdamW work")

if __name__ == "__main__":
    test_unit_adam()

# %% [markdown]
"""
## 5. Prune masks: zeros that stay zero

Module 16 (compression) prunes a weight by zeroing it and attaching a 0/1
`prune_mask`. Three things could bring a pruned weight back to life, and the
base class blocks each one:

```
  entry pruned (mask 0)            what would resurrect it      blocked by
  ---------------------            -----------------------      ----------
  grad[i] != 0                     w[i] -= lr * grad[i]         grad *= mask
  momentum / m / v remember        w[i] -= lr * v[i]            state *= mask
    steps from before pruning
  weight decay, AdamW shrink       (harmless on 0, but a        w *= mask before
    of a not-yet-zeroed weight      mask set on live weights)   and after _update
```

Because the masking lives in `Optimizer.step`, every optimizer (including
one you write later) obeys it, whether it was created before or after the
mask was set. Let us check the whole stack: a Module 03 `Linear` layer,
a Module 04 loss and Module 05 gradients.
"""

# %% nbgrader={"grade": true, "grade_id": "test-prune-mask", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_prune_mask_respected():
    """Pruned weights of a trained Linear layer stay exactly zero under every optimizer."""
    import tinytorch.core.autograd  # noqa: F401  (turns gradients on)
    from tinytorch.core.layers import Linear
    from tinytorch.core.losses import MSELoss

    rng = np.random.default_rng(0)
    inputs = Tensor(rng.normal(size=(16, 4)))
    targets = Tensor(rng.normal(size=(16, 3)))
    for make in (lambda p: SGD(p, lr=0.05, momentum=0.9, weight_decay=0.1),
                 lambda p: Adam(p, lr=0.05, weight_decay=0.1),
                 lambda p: AdamW(p, lr=0.05, weight_decay=0.1)):
        np.random.seed(1)
        layer = Linear(4, 3)
        opt = make(layer.parameters())
        first_losses = []
        for step in range(30):
            if step == 3:  # prune after the optimizer has built up state
                mask = (rng.random(layer.weight.shape) > 0.5).astype(np.float32)
                layer.weight.data *= mask
                layer.weight.prune_mask = mask
                kept = layer.weight.data[mask == 1].copy()
            loss = MSELoss()(layer.forward(inputs), targets)
            first_losses.append(float(loss.data))
            opt.zero_grad()
            loss.backward()
            opt.step()
        assert np.all(layer.weight.data[mask == 0] == 0.0), f"{type(opt).__name__} resurrected pruned weights"
        assert not np.allclose(layer.weight.data[mask == 1], kept), "unpruned weights must keep learning"
        assert first_losses[-1] < first_losses[3], "the loss must still fall after pruning"
    print("✅ Prune masks hold under SGD, Adam and AdamW")

if __name__ == "__main__":
    test_unit_prune_mask_respected()

# %% [markdown]
"""
## 6. Systems analysis: what an optimizer costs

An optimizer's state is memory you pay on top of the model: for a 7-billion
parameter model in float32, every extra array the size of the weights is
another 28 GB. We measure it rather than quote it: build the parameters of a
small MLP, take one step with each optimizer, and count the bytes in
`optimizer.state`. Then we measure what the memory buys: steps to converge on
an ill-conditioned quadratic `f(w) = 0.5 * sum(a_i * w_i^2)` whose curvatures
`a_i` span 1 to 100.
"""

# %% nbgrader={"grade": false, "grade_id": "analyze-optimizers", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_optimizer_memory_and_speed():
    """Measure optimizer state bytes per parameter byte, and steps to converge on a quadratic."""
    shapes = [(784, 128), (128,), (128, 10), (10,)]
    configs = {
        "SGD": lambda p: SGD(p, lr=0.01),
        "SGD+momentum": lambda p: SGD(p, lr=0.01, momentum=0.9),
        "Adam": lambda p: Adam(p, lr=0.01),
        "AdamW": lambda p: AdamW(p, lr=0.01),
    }
    print(f"{'optimizer':<14} {'param KB':>9} {'state KB':>9} {'state/param':>12}")
    for name, make in configs.items():
        params = [Tensor(np.random.normal(size=shape)) for shape in shapes]
        for param in params:
            param.grad = np.ones_like(param.data)
        opt = make(params)
        opt.step()
        param_bytes = sum(p.data.nbytes for p in params)
        state_bytes = sum(np.asarray(v).nbytes for buffers in opt.state.values() for v in buffers.values())
        print(f"{name:<14} {param_bytes / 1024:>9.1f} {state_bytes / 1024:>9.1f} {state_bytes / param_bytes:>12.2f}")

    curvature = np.logspace(0, 2, 20)
    print("\nSteps until f(w) < 1e-6 on a quadratic with curvatures 1..100 (cap 2000):")
    configs = {
        "SGD lr=0.019": lambda p: SGD(p, lr=0.019),
        "SGD+momentum 0.9": lambda p: SGD(p, lr=0.019, momentum=0.9),
        "Adam lr=0.1": lambda p: Adam(p, lr=0.1),
    }
    for name, make in configs.items():
        w = Tensor(np.ones(20))
        opt = make([w])
        steps = 0
        while 0.5 * np.sum(curvature * w.data ** 2) >= 1e-6 and steps < 2000:
            w.grad = curvature * w.data  # the exact gradient of f
            opt.step()
            steps += 1
        print(f"  {name:<18} {steps:>5} steps")
    print("Read the two tables together: extra state bytes per parameter byte against steps saved.")

if __name__ == "__main__":
    analyze_optimizer_memory_and_speed()

# %% [markdown]
"""
## 7. Module test
"""

# %% nbgrader={"grade": true, "grade_id": "test-module-optimizers", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Run every unit test of this module."""
    test_unit_optimizer_base()
    test_unit_sgd()
    test_unit_adam()
    test_unit_prune_mask_respected()
    print("✅ Module 06 (optimizers): all tests passed")

if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- An optimizer turns `.grad` into an in-place change of `.data`; `zero_grad`
  sets gradients back to `None` because backward passes accumulate.
- `SGD` follows the gradient; momentum adds one velocity array per weight;
  weight decay adds `wd * w` to the gradient.
- `Adam` keeps two moment arrays and a step count per weight and
  bias-corrects them; `AdamW` decays the weights directly instead.
- Prune masks are enforced once, in `Optimizer.step`, on weights, gradients
  and every state buffer, so no optimizer resurrects a pruned weight.
- Measured: state memory is 0x (SGD), 1x (momentum), 2x (Adam) the weights,
  and that memory buys far fewer steps on uneven curvature.

Next, Module 07 (training) wraps forward, loss, backward and `step()` into a
`Trainer` with learning-rate schedules, gradient clipping and checkpoints.
"""
