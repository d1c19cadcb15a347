# Generated from modules/06_optimizers/optimizers.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]


# modules/06_optimizers/optimizers.py:47
import numbers

import numpy as np

from tinytorch.core.tensor import Tensor


# modules/06_optimizers/optimizers.py:92
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


# modules/06_optimizers/optimizers.py:117
class Optimizer:
    """Base class: owns the parameter list, clears gradients, enforces prune masks."""

    def __init__(self, params):
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

    def zero_grad(self):
        """Forget the gradients of the last backward pass (they accumulate otherwise)."""
        for param in self.params:
            param.grad = None

    def step(self):
        """Update every parameter that has a gradient, holding pruned entries at zero."""
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


# modules/06_optimizers/optimizers.py:293
class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and L2 weight decay."""

    def __init__(self, params, lr=0.01, momentum=0.0, weight_decay=0.0):
        super().__init__(params)
        self.lr = _check_number("lr", lr, 0.0, low_inclusive=False)
        self.momentum = _check_number("momentum", momentum, 0.0)
        self.weight_decay = _check_number("weight_decay", weight_decay, 0.0)

    def _update(self, param, grad, state):
        if self.weight_decay:
            grad = grad + self.weight_decay * param.data
        if self.momentum:
            velocity = state.setdefault("momentum", np.zeros_like(param.data))
            velocity *= self.momentum
            velocity += grad
            grad = velocity
        param.data -= self.lr * grad


# modules/06_optimizers/optimizers.py:402
class Adam(Optimizer):
    """Adam: bias-corrected first/second moment estimates, with optional L2 weight decay."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params)
        self.lr = _check_number("lr", lr, 0.0, low_inclusive=False)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check_number("beta1", betas[0], 0.0, 1.0), _check_number("beta2", betas[1], 0.0, 1.0))
        self.eps = _check_number("eps", eps, 0.0, low_inclusive=False)
        self.weight_decay = _check_number("weight_decay", weight_decay, 0.0)
        self._scratch = {}  # id(param) -> a work array for _update; not state: never saved

    def _decay(self, param, grad):
        """Coupled L2 decay: the penalty's gradient joins the loss gradient."""
        if self.weight_decay:
            grad = grad + self.weight_decay * param.data
        return grad

    def _update(self, param, grad, state):
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


# modules/06_optimizers/optimizers.py:478
class AdamW(Adam):
    """Adam with decoupled weight decay: shrink the weights, leave the moments alone."""

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    def _decay(self, param, grad):
        if self.weight_decay:
            param.data *= 1 - self.lr * self.weight_decay
        return grad
