# Generated from modules/09_spatial/spatial.py by `python -m audits.export`: edit the source, not this file.
__all__ = ["output_size", "offset_pixels", "extract_windows", "scatter_windows", "im2col", "col2im", "pad_rows", "plane_view", "im2col_rows", "col2im_rows", "Conv2dFunction", "conv2d", "Conv2d", "MaxPool2dFunction", "AvgPool2dFunction", "MaxPool2d", "AvgPool2d", "BatchNorm2dFunction", "BatchNorm2d"]


# modules/09_spatial/spatial.py:38
import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from tinytorch.core.autograd import Function
from tinytorch.core.layers import Layer, positive_int
from tinytorch.core.tensor import Tensor


# modules/09_spatial/spatial.py:64
def _pair(value, name, minimum):
    """An int or a pair of ints, each >= minimum, as a (height, width) tuple."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2 or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in values):
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in values):
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(values[0]), int(values[1])


def _check_images(x, who, channels=None):
    """x must be a rank-4 NCHW Tensor, with `channels` channels if given."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who} expects a Tensor, got {type(x).__name__}; wrap the data with Tensor(...)")
    if x.ndim != 4:
        raise ValueError(f"{who} expects NCHW images of rank 4 (batch, channels, height, width), got shape {x.shape}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{who} expects {channels} input channels, got {x.shape[1]} (input shape {x.shape})")


def output_size(size, kernel, stride, padding, who="window"):
    """Number of window positions along one dimension; ValueError if the kernel does not fit."""
    padded = size + 2 * padding
    if kernel > padded:
        raise ValueError(f"{who}: kernel size {kernel} is larger than the padded input {padded} "
                         f"(size {size} + 2 * padding {padding})")
    return (padded - kernel) // stride + 1


def _pad(data, padding, value=0.0):
    """Pad the two spatial axes of an NCHW array (float32 so that -inf padding works)."""
    ph, pw = padding
    data = data.astype(np.float32, copy=False)
    if ph == pw == 0:
        return data  # nothing to pad: no copy (callers only read the padded array)
    return np.pad(data, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


# modules/09_spatial/spatial.py:147
def offset_pixels(i, j, out_hw, stride):
    """Index of the pixels that offset (i, j) of every window covers: one strided slice per spatial axis."""
    (out_h, out_w), (sh, sw) = out_hw, stride
    return (slice(None), slice(None), slice(i, i + sh * out_h, sh), slice(j, j + sw * out_w, sw))


def extract_windows(xp, kernel, stride):
    """All kernel-sized windows of a padded NCHW array: a (N, C, Ho, Wo, kh, kw) view, no copy."""
    (kh, kw), (sh, sw) = kernel, stride
    return sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def scatter_windows(windows, padded_shape, stride):
    """Adjoint of extract_windows: add every window's values back into a (N, C, Hp, Wp) array."""
    _, _, out_h, out_w, kh, kw = windows.shape
    out = np.zeros(padded_shape, dtype=windows.dtype)
    for i in range(kh):
        for j in range(kw):
            out[offset_pixels(i, j, (out_h, out_w), stride)] += windows[:, :, :, :, i, j]
    return out


def im2col(xp, kernel, stride):
    """Padded (N, C, Hp, Wp) -> matrices (N, C*kh*kw, Ho*Wo): one column per window of each image."""
    windows = extract_windows(xp, kernel, stride)
    n, c, out_h, out_w, kh, kw = windows.shape
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, out_h * out_w)


def col2im(cols, padded_shape, out_hw, kernel, stride):
    """Adjoint of im2col: matrices (N, C*kh*kw, Ho*Wo) -> padded image (N, C, Hp, Wp), overlaps summed."""
    n, c = padded_shape[:2]
    (out_h, out_w), (kh, kw) = out_hw, kernel
    windows = cols.reshape(n, c, kh, kw, out_h, out_w).transpose(0, 1, 4, 5, 2, 3)
    return scatter_windows(windows, padded_shape, stride)


# modules/09_spatial/spatial.py:289
def pad_rows(data, padding, spare):
    """Zero-padded NCHW images, each padded plane flattened row by row plus `spare` zeros: (N, C, Hp*Wp + spare)."""
    n, c, height, width = data.shape
    ph, pw = padding
    padded_hw = (height + 2 * ph, width + 2 * pw)
    rows = np.zeros((n, c, padded_hw[0] * padded_hw[1] + spare), dtype=np.float32)
    plane_view(rows, padded_hw)[:, :, ph:ph + height, pw:pw + width] = data
    return rows


def plane_view(rows, padded_hw):
    """The (N, C, Hp, Wp) padded images inside flattened planes (a view without the spare zeros)."""
    hp, wp = padded_hw
    return rows[:, :, :hp * wp].reshape(rows.shape[0], rows.shape[1], hp, wp)


def im2col_rows(rows, padded_hw, kernel):
    """Stride-1 im2col on flattened planes: (N, C*kh*kw, Ho*Wp); column y*Wp + x is window (y, x).

    Columns with x >= Wo are junk (windows wrapping around a row's edge): crop them from the product.
    """
    (hp, wp), (kh, kw) = padded_hw, kernel
    n, c, _ = rows.shape
    run = (hp - kh + 1) * wp  # Ho wide output rows
    step_n, step_c, step = rows.strides
    # Offset (i, j) of every window is one contiguous run starting at pixel i * Wp + j: a view, copied once.
    runs = as_strided(rows, (n, c, kh, kw, run), (step_n, step_c, wp * step, step, step), writeable=False)
    return runs.reshape(n, c * kh * kw, run)


def col2im_rows(cols, padded_shape, kernel):
    """Adjoint of im2col_rows for stride 1: (N, C*kh*kw, Ho*Wp) -> padded images (N, C, Hp, Wp).

    The junk columns must hold zeros (backward gives them a zero output gradient).
    """
    n, c, hp, wp = padded_shape
    kh, kw = kernel
    run = (hp - kh + 1) * wp
    grads = cols.reshape(n, c, kh, kw, run)
    rows = np.zeros((n, c, hp * wp + kw - 1), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            start = i * wp + j
            rows[:, :, start:start + run] += grads[:, :, i, j]  # one long add per offset and plane
    return plane_view(rows, (hp, wp))


# modules/09_spatial/spatial.py:395
class Conv2dFunction(Function):
    """2-D convolution as one autograd node: im2col + matmul forward, matmul + col2im backward."""

    def __init__(self, x, weight, bias, stride, padding):
        super().__init__(x, weight, bias)
        self.stride, self.padding = stride, padding
        self.wide = stride == (1, 1)  # stride 1: wide rows, whose copies move whole planes

    @property
    def xp(self):
        """The padded input (N, C, Hp, Wp), a view into the kept flattened planes."""
        return plane_view(self.rows, self.padded_shape[2:])

    def columns(self, kernel):
        """The im2col matrices of the padded input: Ho*Wp wide-row columns for stride 1, else Ho*Wo."""
        if self.wide:
            return im2col_rows(self.rows, self.padded_shape[2:], kernel)
        return im2col(self.xp, kernel, self.stride)

    def forward(self):
        """Compute the convolution of the inputs and wrap it with self.output."""
        x, weight, bias = self.inputs
        n, channels = x.shape[:2]
        out_channels, _, kh, kw = weight.shape
        self.rows = pad_rows(x.data, self.padding, kw - 1)  # kw - 1 spare zeros: the last wide run reads them
        hp, wp = x.shape[2] + 2 * self.padding[0], x.shape[3] + 2 * self.padding[1]
        self.padded_shape = (n, channels, hp, wp)
        self.out_hw = ((hp - kh) // self.stride[0] + 1, (wp - kw) // self.stride[1] + 1)  # audit: ignore[BITE006] `kh - H` is equivalent: numpy infers a negative size in every reshape of out_hw
        out = weight.data.reshape(out_channels, -1) @ self.columns((kh, kw))  # one product per image
        if bias is not None:
            out += bias.data[:, None]
        if self.wide:  # drop the junk columns x >= Wo of every wide row
            return self.output(np.ascontiguousarray(out.reshape(n, out_channels, self.out_hw[0], wp)[..., :self.out_hw[1]]))
        return self.output(out.reshape(n, out_channels, *self.out_hw))

    def backward(self, grad_output):
        """Gradients for (x, weight, bias) from the output gradient (N, O, Ho, Wo)."""
        x, weight, bias = self.inputs
        n = grad_output.shape[0]
        out_channels, _, kh, kw = weight.shape
        if self.wide:
            g = np.zeros((n, out_channels, self.out_hw[0], self.padded_shape[3]), dtype=np.float32)
            g[..., :self.out_hw[1]] = grad_output  # junk columns: zero gradient, so they add nothing below
            g = g.reshape(n, out_channels, -1)  # (N, O, Ho*Wp)
        else:
            g = grad_output.reshape(n, out_channels, -1)  # (N, O, Ho*Wo)
        grad_w = grad_b = grad_x = None
        if self.needs_grad(1):
            cols = self.columns((kh, kw))  # rebuilt, not kept since forward
            grad_w = (g @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape)
            del cols  # at most one kh*kw-times-the-input matrix alive at a time
        if self.needs_grad(2):
            grad_b = g.sum(axis=(0, 2))
        if self.needs_grad(0):
            dcols = weight.data.reshape(out_channels, -1).T @ g  # (N, C*kh*kw, columns)
            if self.wide:
                dxp = col2im_rows(dcols, self.padded_shape, (kh, kw))
            else:
                dxp = col2im(dcols, self.padded_shape, self.out_hw, (kh, kw), self.stride)
            (ph, pw), (height, width) = self.padding, x.shape[2:]
            grad_x = dxp[:, :, ph:ph + height, pw:pw + width]
        return grad_x, grad_w, grad_b


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """Functional convolution: x (N, C, H, W), weight (O, C, kh, kw), bias (O,) or None."""
    stride, padding = _pair(stride, "stride", 1), _pair(padding, "padding", 0)
    if not isinstance(weight, Tensor) or weight.ndim != 4:
        raise ValueError(f"conv2d weight must be a rank-4 Tensor (out, in, kh, kw), got {getattr(weight, 'shape', weight)}")
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape != (weight.shape[0],)):
        raise ValueError(f"conv2d bias must be a Tensor of shape ({weight.shape[0]},), got {getattr(bias, 'shape', bias)}")
    _check_images(x, "conv2d", weight.shape[1])
    for axis in (0, 1):
        output_size(x.shape[2 + axis], weight.shape[2 + axis], stride[axis], padding[axis], "conv2d")
    return Conv2dFunction(x, weight, bias, stride, padding).forward()


class Conv2d(Layer):
    """2-D convolution over NCHW images; weight (out, in, kh, kw), He-initialized; bias (out,)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True):
        self.in_channels = positive_int(in_channels, "in_channels")
        self.out_channels = positive_int(out_channels, "out_channels")
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        kh, kw = self.kernel_size
        std = math.sqrt(2.0 / (self.in_channels * kh * kw))  # He init for ReLU networks
        weight = np.random.randn(self.out_channels, self.in_channels, kh, kw) * std
        self.weight = Tensor(weight.astype(np.float32), requires_grad=True)
        self.bias = Tensor(np.zeros(self.out_channels, dtype=np.float32), requires_grad=True) if bias else None

    def forward(self, x):
        """Convolve x (N, in_channels, H, W) -> (N, out_channels, Ho, Wo)."""
        return conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def parameters(self):
        return [self.weight] if self.bias is None else [self.weight, self.bias]

    def __repr__(self):
        return (f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None})")


# modules/09_spatial/spatial.py:657
class MaxPool2dFunction(Function):
    """Window maxima; the gradient flows only to each window's (first) maximum."""

    def __init__(self, x, kernel, stride, padding):
        super().__init__(x)
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self):
        (x,) = self.inputs
        xp = _pad(x.data, self.padding, value=-np.inf)
        self.padded_shape = xp.shape
        windows = extract_windows(xp, self.kernel, self.stride)
        kh, kw = self.kernel
        best = windows[..., 0, 0].copy()
        self.argmax = np.zeros(best.shape, dtype=np.min_scalar_type(kh * kw - 1))  # uint8 up to 16x16  # audit: ignore[BITE006] any type that holds kh * kw - 1 is equivalent
        for i in range(kh):
            for j in range(kw):
                if i == j == 0:
                    continue  # best and argmax start as offset 0's: comparing it with itself changes nothing
                # One strided read into a contiguous copy: the compare and the maximum below then
                # run numpy's contiguous loops, several times faster than two strided passes.
                candidate = windows[..., i, j].copy()  # audit: ignore[BITE006] without the copy: the same maxima, only slower
                better = candidate > best  # strict: on ties the first maximum keeps the gradient
                np.maximum(best, candidate, out=best)
                # "winner = k where better": offsets come in increasing order, so that is max(winner, better * k).
                np.maximum(self.argmax, better * self.argmax.dtype.type(i * kw + j), out=self.argmax)
        return self.output(best)

    def backward(self, grad_output):
        (x,) = self.inputs
        kh, kw = self.kernel
        n, c, height, width = x.shape
        if self.kernel == self.stride and self.padding == (0, 0) and height % kh == 0 and width % kw == 0:  # audit: ignore[BITE006] a condition that never takes this path is equivalent: the general path below computes the same gradient, only slower
            # The windows tile the image, each pixel in exactly one: write every pixel once, no zeros, no adds.
            grad_x = np.empty(x.shape, dtype=np.float32)
            tiles = grad_x.reshape(n, c, height // kh, kh, width // kw, kw)  # a view: tile (y, x), offset (i, j)
            for i in range(kh):
                for j in range(kw):
                    np.multiply(grad_output, self.argmax == i * kw + j, out=tiles[:, :, :, i, :, j])
            return (grad_x,)
        dxp = np.zeros(self.padded_shape, dtype=np.float32)
        for i in range(kh):
            for j in range(kw):
                won = self.argmax == i * kw + j  # the windows whose maximum sat at offset (i, j)
                dxp[offset_pixels(i, j, grad_output.shape[2:], self.stride)] += grad_output * won
        ph, pw = self.padding
        return (dxp[:, :, ph:ph + height, pw:pw + width],)


class AvgPool2dFunction(Function):
    """Window means; the gradient is shared equally by every element of a window."""

    def __init__(self, x, kernel, stride, padding):
        super().__init__(x)
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self):
        (x,) = self.inputs
        xp = _pad(x.data, self.padding)
        self.padded_shape = xp.shape
        return self.output(extract_windows(xp, self.kernel, self.stride).mean(axis=(-2, -1)))

    def backward(self, grad_output):
        (x,) = self.inputs
        kh, kw = self.kernel
        share = (grad_output / (kh * kw))[..., None, None]
        grad_windows = np.broadcast_to(share, (*grad_output.shape, kh, kw))
        dxp = scatter_windows(grad_windows, self.padded_shape, self.stride)
        (ph, pw), (height, width) = self.padding, x.shape[2:]
        return (dxp[:, :, ph:ph + height, pw:pw + width],)


class _Pool2d(Layer):
    """Shared argument handling of the pooling layers (stride defaults to the kernel size)."""

    function = None  # the Function subclass that computes this pooling

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = _pair(kernel_size, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else _pair(stride, "stride", 1)
        self.padding = _pair(padding, "padding", 0)
        if any(p > k // 2 for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"padding {self.padding} must be at most half the kernel size {self.kernel_size}")

    def forward(self, x):
        name = type(self).__name__
        _check_images(x, name)
        for axis in (0, 1):
            output_size(x.shape[2 + axis], self.kernel_size[axis], self.stride[axis], self.padding[axis], name)
        return self.function(x, self.kernel_size, self.stride, self.padding).forward()

    def __repr__(self):
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding})"


class MaxPool2d(_Pool2d):
    """Max over each kernel window of each channel."""

    function = MaxPool2dFunction


class AvgPool2d(_Pool2d):
    """Mean over each kernel window of each channel (padding zeros count in the mean)."""

    function = AvgPool2dFunction


# modules/09_spatial/spatial.py:899
class BatchNorm2dFunction(Function):
    """Per-channel normalization with given statistics; `batch_stats` says they came from x itself."""

    def __init__(self, x, gamma, beta, mean, var, eps, batch_stats):
        super().__init__(x, gamma, beta)
        self.mean, self.var, self.eps, self.batch_stats = mean, var, eps, batch_stats

    def forward(self):
        x, gamma, beta = self.inputs
        self.inv_std = (1.0 / np.sqrt(self.var + self.eps)).astype(np.float32)
        self.x_hat = (x.data - self.mean[:, None, None]) * self.inv_std[:, None, None]
        return self.output(gamma.data[:, None, None] * self.x_hat + beta.data[:, None, None])

    def backward(self, grad_output):
        """Gradients for (x, gamma, beta); see the formula above for x in training mode."""
        x, gamma, beta = self.inputs
        axes = (0, 2, 3)
        grad_gamma = (grad_output * self.x_hat).sum(axis=axes)
        grad_beta = grad_output.sum(axis=axes)
        dx_hat = grad_output * gamma.data[:, None, None]
        inv_std = self.inv_std[:, None, None]
        if not self.needs_grad(0):
            return None, grad_gamma, grad_beta
        if not self.batch_stats:
            return dx_hat * inv_std, grad_gamma, grad_beta
        m = x.shape[0] * x.shape[2] * x.shape[3]
        grad_x = inv_std / m * (m * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
                                - self.x_hat * (dx_hat * self.x_hat).sum(axis=axes, keepdims=True))
        return grad_x, grad_gamma, grad_beta


class BatchNorm2d(Layer):
    """Batch normalization over the channels of NCHW images, with a `training` flag."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        self.num_features = positive_int(num_features, "num_features")
        if not isinstance(eps, numbers.Real) or not eps > 0:
            raise ValueError(f"eps must be a positive number, got {eps!r}")
        if not isinstance(momentum, numbers.Real) or not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {momentum!r}")
        self.eps, self.momentum = float(eps), float(momentum)
        self.gamma = Tensor(np.ones(self.num_features, dtype=np.float32), requires_grad=True)
        self.beta = Tensor(np.zeros(self.num_features, dtype=np.float32), requires_grad=True)
        self.running_mean = np.zeros(self.num_features, dtype=np.float32)
        self.running_var = np.ones(self.num_features, dtype=np.float32)
        self.training = True

    def forward(self, x):
        """Normalize with batch statistics (training) or running statistics (evaluation)."""
        _check_images(x, "BatchNorm2d", self.num_features)
        if not self.training:
            mean, var = self.running_mean, self.running_var
        else:
            m = x.shape[0] * x.shape[2] * x.shape[3]
            if m < 2:
                raise ValueError(f"BatchNorm2d in training mode needs more than one value per channel, got shape {x.shape}")
            data = x.data.astype(np.float32, copy=False)
            mean, var = data.mean(axis=(0, 2, 3)), data.var(axis=(0, 2, 3))
            keep = 1.0 - self.momentum
            # In place: the Tensors handed out by buffers() must see every update.
            self.running_mean[...] = keep * self.running_mean + self.momentum * mean
            self.running_var[...] = keep * self.running_var + self.momentum * var * m / (m - 1)
        return BatchNorm2dFunction(x, self.gamma, self.beta, mean, var, self.eps, self.training).forward()

    def parameters(self):
        return [self.gamma, self.beta]

    def buffers(self):
        """State saved with the model but not trained: [running_mean, running_var] as Tensors.

        Each Tensor wraps the layer's own float32 array (no copy), so writing
        `buffer.data[...] = saved` restores the statistics in place.
        """
        # Tensor() copies anything but float32, so make sure the arrays are float32 first.
        self.running_mean = np.asarray(self.running_mean, dtype=np.float32)
        self.running_var = np.asarray(self.running_var, dtype=np.float32)
        return [Tensor(self.running_mean), Tensor(self.running_var)]

    def __repr__(self):
        return f"BatchNorm2d({self.num_features}, eps={self.eps}, momentum={self.momentum})"
