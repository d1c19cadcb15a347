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
# Module 09: Spatial - Convolutions, Pooling and Batch Normalization

A `Linear` layer from module 03 Layers treats an image as a flat list of pixels:
it forgets which pixels are neighbours and needs one weight per pixel. A
convolution slides one small kernel over the image instead, so it reuses its
weights everywhere and keeps the 2-D layout.

You will build, for images in NCHW layout (batch, channels, height, width):
- `im2col` / `col2im`: the windows of an image as columns of a matrix, and the way back.
- `Conv2d`: a convolution as ONE matrix multiply, with a hand-written backward.
- `MaxPool2d`, `AvgPool2d`: shrink feature maps by taking window maxima / means.
- `BatchNorm2d`: normalize each channel over the batch, with running statistics.

It builds on module 01 Tensor (data), module 03 Layers (the `Layer` base),
module 05 Autograd (the `Function` protocol: we write `backward` ourselves for
these fused operations) and, in the final test, module 02 Activations and
module 04 Losses. Module 06 Optimizers then trains CNNs built from these layers.
"""

# %% nbgrader={"grade": false, "grade_id": "spatial-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.spatial
#| export
import math
import numbers

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from tinytorch.core.autograd import Function
from tinytorch.core.layers import Layer, positive_int
from tinytorch.core.tensor import Tensor

# %% [markdown]
"""
## Sizes and checks

For one spatial dimension of size `H`, kernel `k`, stride `s` and padding `p`:

```
H_out = (H + 2p - k) // s + 1        H=5, k=3, s=2, p=1:  (5 + 2 - 3) // 2 + 1 = 3
```

A kernel larger than the padded input has no valid position: that is an error,
as are wrong input ranks, channel counts and non-positive sizes.
"""

# %% nbgrader={"grade": false, "grade_id": "spatial-checks", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
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

# %% [markdown]
"""
## im2col and col2im

A convolution is many small dot products, one per (output pixel, output channel).
im2col copies every window of an image into one column of a matrix, so all of
them become a single matrix multiply, the operation numpy does fastest.

```
image 1x1x3x3          windows (k=2, s=1)        im2col: one matrix per image, (C*kh*kw, Ho*Wo)
 0 1 2                 [0 1]  [1 2]                         window: 0 1 2 3
 3 4 5        ->       [3 4]  [4 5]      ->       row (c=0, i=0, j=0):  0 1 3 4
 6 7 8                 [3 4]  [4 5]               row (c=0, i=0, j=1):  1 2 4 5
                       [6 7]  [7 8]               row (c=0, i=1, j=0):  3 4 6 7
                                                  row (c=0, i=1, j=1):  4 5 7 8
```

Column k is window k, flattened in (C, kh, kw) order; row (c, i, j) holds what
kernel offset (i, j) of every window sees in channel c. A batch of N images gives
N such matrices: shape (N, C*kh*kw, Ho*Wo).

`extract_windows` uses numpy's stride tricks: a *view* of shape
(N, C, Ho, Wo, kh, kw) that copies nothing. The copy happens when im2col lays
the windows out as matrices: each pixel appears in up to kh*kw columns, which is the
memory price we measure at the end. How the copy walks memory decides its speed:
in (N, C, kh, kw, Ho, Wo) order each step moves a whole run of neighbouring pixels
of one image row. Copying one window at a time instead (the (N*Ho*Wo, C*kh*kw)
layout, one window per row) moves kw pixels per step and is several times slower.

col2im goes the other way for the backward pass: each entry's gradient is added
back to the pixel it was read from. Windows overlap, so one pixel collects
several contributions. We loop over the kh*kw kernel *offsets*, never over pixels:
offset (i, j) of every window (the rows (c, i, j)) reads the pixels `xp[:, :, i::sh, j::sw]`, one strided
slice in which no pixel appears twice, so a plain `+=` into that slice is exact,
and the overlaps add up across the kh*kw iterations:

```
offset (0, 0) of every 2x2 window, stride 1      offset (0, 1)
 [x x .]                                           [. x x]
 [x x .]   out[:, :, 0:2, 0:2] += windows[..., 0, 0]   [. x x]   out[:, :, 0:2, 1:3] += windows[..., 0, 1]
 [. . .]                                           [. . .]
```
"""

# %% nbgrader={"grade": false, "grade_id": "im2col", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def offset_pixels(i, j, out_hw, stride):
    """Index of the pixels that offset (i, j) of every window covers: one strided slice per spatial axis."""
    (out_h, out_w), (sh, sw) = out_hw, stride
    return (slice(None), slice(None), slice(i, i + sh * out_h, sh), slice(j, j + sw * out_w, sw))


def extract_windows(xp, kernel, stride):
    """All kernel-sized windows of a padded NCHW array: a (N, C, Ho, Wo, kh, kw) view, no copy.

    TODO: Slide a (kh, kw) window over axes 2 and 3, then keep every stride-th position.
    APPROACH: sliding_window_view(xp, (kh, kw), axis=(2, 3)) gives stride-1 windows; slice [::sh, ::sw].
    EXAMPLE: a (1, 1, 3, 3) image, kernel (2, 2), stride (1, 1) -> shape (1, 1, 2, 2, 2, 2).
    HINTS: a view shares memory with xp: never write into it.
    """
    ### BEGIN SOLUTION
    (kh, kw), (sh, sw) = kernel, stride
    return sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]
    ### END SOLUTION


def scatter_windows(windows, padded_shape, stride):
    """Adjoint of extract_windows: add every window's values back into a (N, C, Hp, Wp) array.

    TODO: For each kernel offset (i, j), add that element of every window to the pixels it came from.

    APPROACH:
    1. out = zeros(padded_shape)
    2. for i in range(kh), j in range(kw):
       out[offset_pixels(i, j, (Ho, Wo), stride)] += windows[:, :, :, :, i, j]
       (offset_pixels(i, j, ...) is out[:, :, i:i + sh * Ho:sh, j:j + sw * Wo:sw])

    EXAMPLE:
    >>> ones = np.ones((1, 1, 2, 2, 2, 2))        # 2x2 windows of a 3x3 image, stride 1
    >>> scatter_windows(ones, (1, 1, 3, 3), (1, 1))[0, 0]
    array([[1., 2., 1.], [2., 4., 2.], [1., 2., 1.]])   # how many windows cover each pixel

    HINTS:
    - The slice for offset (i, j) holds Ho x Wo pixels, none twice: `+=` is exact there.
    - Loop over kernel offsets (kh*kw iterations), never over pixels or windows.
    """
    ### BEGIN SOLUTION
    _, _, out_h, out_w, kh, kw = windows.shape
    out = np.zeros(padded_shape, dtype=windows.dtype)
    for i in range(kh):
        for j in range(kw):
            out[offset_pixels(i, j, (out_h, out_w), stride)] += windows[:, :, :, :, i, j]
    return out
    ### END SOLUTION


def im2col(xp, kernel, stride):
    """Padded (N, C, Hp, Wp) -> matrices (N, C*kh*kw, Ho*Wo): one column per window of each image.

    TODO: Take the window view and copy it out as one matrix per image.

    APPROACH:
    1. windows = extract_windows(xp, kernel, stride)        # (N, C, Ho, Wo, kh, kw)
    2. transpose to (N, C, kh, kw, Ho, Wo) and reshape to (N, C*kh*kw, Ho*Wo): the one copy,
       made of whole runs of neighbouring pixels.

    EXAMPLE:
    >>> im2col(np.arange(9.0).reshape(1, 1, 3, 3), (2, 2), (1, 1))[0, 0]   # offset (0, 0) of each window
    array([0., 1., 3., 4.])

    HINTS:
    - The row order (C, kh, kw) matches weight.reshape(out_channels, -1), so W_mat @ cols
      is the convolution, and its (N, O, Ho*Wo) result is already NCHW once reshaped.
    - Reshaping windows.transpose(0, 2, 3, 1, 4, 5) gives one window per row instead, but its
      copy moves kw pixels at a time: several times slower (measured in the systems analysis).
    """
    ### BEGIN SOLUTION
    windows = extract_windows(xp, kernel, stride)
    n, c, out_h, out_w, kh, kw = windows.shape
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, out_h * out_w)
    ### END SOLUTION


def col2im(cols, padded_shape, out_hw, kernel, stride):
    """Adjoint of im2col: matrices (N, C*kh*kw, Ho*Wo) -> padded image (N, C, Hp, Wp), overlaps summed.

    TODO: Undo im2col's reshape and transpose, then scatter the windows back.
    APPROACH: reshape to (N, C, kh, kw, Ho, Wo), transpose to (N, C, Ho, Wo, kh, kw), scatter_windows.
    EXAMPLE: col2im(np.ones((1, 4, 4)), (1, 1, 3, 3), (2, 2), (2, 2), (1, 1))[0, 0] -> coverage counts.
    HINTS: the transpose is the inverse of im2col's (0, 1, 4, 5, 2, 3); both are views, no copy.
    """
    ### BEGIN SOLUTION
    n, c = padded_shape[:2]
    (out_h, out_w), (kh, kw) = out_hw, kernel
    windows = cols.reshape(n, c, kh, kw, out_h, out_w).transpose(0, 1, 4, 5, 2, 3)
    return scatter_windows(windows, padded_shape, stride)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "test-im2col", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def test_unit_im2col():
    """The hand-worked matrix, window coverage counts, and col2im as the exact adjoint of im2col."""
    image = np.arange(9.0).reshape(1, 1, 3, 3)
    cols = im2col(image, (2, 2), (1, 1))
    assert cols.shape == (1, 4, 4)  # (N, C*kh*kw, Ho*Wo)
    assert np.array_equal(cols[0], [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]])
    coverage = col2im(np.ones_like(cols), (1, 1, 3, 3), (2, 2), (2, 2), (1, 1))[0, 0]
    assert np.array_equal(coverage, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    # Adjoint: <im2col(x), y> == <x, col2im(y)> for any x, y (stride 2, non-square kernel).
    x = np.random.randn(2, 3, 7, 6)
    cols = im2col(x, (3, 2), (2, 2))
    y = np.random.randn(*cols.shape)
    back = col2im(y, x.shape, (3, 3), (3, 2), (2, 2))
    assert np.isclose(np.sum(cols * y), np.sum(x * back))
    print("✅ im2col / col2im work")

if __name__ == "__main__":
    test_unit_im2col()

# %% [markdown]
"""
## Wide rows: stride 1 with long copies

im2col's copy and col2im's adds move one output row (Wo pixels) at a time: 16 pixels
for a 16x16 feature map, so numpy spends much of its time starting short loops. With
stride 1 there is a layout whose copies move whole images instead. Flatten each padded
plane (Hp x Wp) row by row and let every output row be Wp wide instead of Wo: window
(y, x) at kernel offset (i, j) reads flat pixel (y + i) * Wp + x + j, so for a fixed
offset the Ho * Wp "wide" windows read ONE contiguous run of the flat plane, starting
at i * Wp + j:

```
padded plane 4x4, kernel 3, Ho = Wo = 2          offset (i, j) reads flat[i*4 + j : i*4 + j + Ho*Wp]
 a b c d                                         (0, 0): a b c d e f g h    columns x = 0, 1 are windows,
 e f g h     flat: a b c d e f g h i j ...        (0, 1): b c d e f g h i    x = 2, 3 are junk
 i j k l                                          (1, 0): e f g h i j k l
 m n o p
```

The Wp - Wo junk columns per row are windows that wrap around the row's edge. Forward
computes them and crops them off; backward gives them a zero gradient, so they add
nothing when col2im adds the runs back. Reading the last offset's run runs kw - 1
pixels past the plane, so the padded input keeps that many spare zeros at its end.
The price: matrices Wp / Wo wider (18 / 16 for a padded 16x16 map), about that much more
matmul work, to replace kh*kw*C*Ho short copies by kh*kw*C long ones.
"""

# %% nbgrader={"grade": false, "grade_id": "wide-rows", "locked": true, "schema_version": 3, "solution": false, "task": false}
#| export
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

# %% nbgrader={"grade": true, "grade_id": "test-wide-rows", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def test_unit_wide_rows():
    """Wide-row im2col holds im2col's columns plus junk ones; its col2im is col2im when the junk is zero."""
    x = np.random.randn(2, 3, 4, 5).astype(np.float32)
    rows = pad_rows(x, (1, 2), spare=2)
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2)))
    assert rows.shape == (2, 3, 6 * 9 + 2) and np.array_equal(plane_view(rows, (6, 9)), xp)
    assert not rows[:, :, 6 * 9:].any()  # the spare zeros
    wide = im2col_rows(rows, (6, 9), (2, 3))  # Ho = 5, Wo = 7, Wp = 9
    assert wide.shape == (2, 18, 5 * 9)
    cols = wide.reshape(2, 18, 5, 9)[..., :7].reshape(2, 18, 35)
    assert np.array_equal(cols, im2col(xp, (2, 3), (1, 1)))
    grads = np.zeros((2, 18, 5, 9), dtype=np.float32)
    grads[..., :7] = np.random.randn(2, 18, 5, 7)
    back = col2im_rows(grads.reshape(2, 18, 45), xp.shape, (2, 3))
    assert np.allclose(back, col2im(grads[..., :7].reshape(2, 18, 35), xp.shape, (5, 7), (2, 3), (1, 1)), atol=1e-5)
    print("✅ wide rows work")

if __name__ == "__main__":
    test_unit_wide_rows()

# %% [markdown]
"""
## Conv2d

With the input as im2col matrices, the convolution is one matmul, and its result
is already in NCHW order (the (N, O, Ho*Wo) product only needs a reshape, no copy):

```
W_mat (O, C*kh*kw)  @  cols (N, C*kh*kw, Ho*Wo)  ->  (N, O, Ho*Wo)  -> reshape -> (N, O, Ho, Wo)
```

numpy's matmul broadcasts W_mat over the batch: one matrix product per image.
Backward reuses the same matrices (g is the output gradient reshaped to (N, O, Ho*Wo)):

```
dW = sum over images n of g[n] @ cols[n].T      db = g.sum(axes 0 and 2)
dcols = W_mat.T @ g  (N, C*kh*kw, Ho*Wo)  --col2im-->  dx
```

**Memory: keep the input, rebuild cols.** dW needs cols, a matrix kh*kw times the
size of the input (9x for a 3x3 kernel). Keeping it from forward to backward for
every layer would make it the largest thing a training step holds. Instead the
node keeps the padded input and backward rebuilds cols from it (one more copy),
then frees it before building dcols, so at most one matrix of that size is alive
at a time. Recomputing instead of storing is the idea behind activation
checkpointing; here it is also faster, because a step that touches less fresh
memory spends less time having the operating system hand out pages.

We wrap this in a module-05 `Function`: `forward` computes with numpy and hands
its result to `self.output(data)`, which records the node for the backward
walk; `backward` returns one gradient per input (x, weight, bias). The
functional `conv2d(x, weight, bias, stride, padding)` checks the shapes and runs
the Function; the `Conv2d` layer owns the parameters and calls it. Weights use
He initialization, std = sqrt(2 / fan_in) with fan_in = C*kh*kw, which keeps
activation variance steady through ReLU layers.
"""

# %% nbgrader={"grade": false, "grade_id": "conv2d", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
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
        """Compute the convolution of the inputs and wrap it with self.output.

        TODO: Pad, im2col, one matmul, add the bias, reshape to NCHW.

        APPROACH:
        1. self.rows = pad_rows(x.data, padding, kw - 1) (kept: backward rebuilds cols from it);
           remember the padded shape and (Ho, Wo).
        2. cols = self.columns((kh, kw))           (N, C*kh*kw, Ho*Wp) for stride 1, else (N, C*kh*kw, Ho*Wo)
        3. out = weight.reshape(O, -1) @ cols (+ bias[:, None]), shape (N, O, columns).
        4. Wide rows: crop out.reshape(N, O, Ho, Wp)[..., :Wo] into a contiguous array;
           otherwise out.reshape(N, O, Ho, Wo). return self.output(that).

        EXAMPLE:
        >>> Conv2dFunction(x, w, None, (1, 1), (0, 0)).forward().shape   # x (2,3,5,5), w (4,3,3,3)
        (2, 4, 3, 3)

        HINTS:
        - Add the bias in place (`out += ...`): no second (N, O, columns) array.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def backward(self, grad_output):
        """Gradients for (x, weight, bias) from the output gradient (N, O, Ho, Wo).

        TODO: Lay the output gradient out like the forward product and apply the three formulas.

        APPROACH:
        1. g = grad_output.reshape(N, O, Ho*Wo); for wide rows, (N, O, Ho, Wp) zeros with
           grad_output in [..., :Wo], reshaped to (N, O, Ho*Wp): junk columns get no gradient.
        2. grad_w: cols = self.columns(...) again; (g @ cols.transpose(0, 2, 1)).sum(axis=0),
           reshaped to weight.shape; then drop cols (None when weight needs no gradient).
        3. grad_b = g.sum(axis=(0, 2)) (None without bias).
        4. grad_x: col2im_rows / col2im of W_mat.T @ g, then cut the padding off (skip if x needs no gradient).

        EXAMPLE:
        >>> fn.backward(np.ones(out.shape))   # -> (dx, dW, db) with the shapes of x, weight, bias

        HINTS:
        - Padding rows/columns of dxp belong to no input pixel: slice them away.
        - Free cols (`del`) before building dcols: both are kh*kw times the input.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION


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

# %% nbgrader={"grade": true, "grade_id": "test-conv2d", "locked": true, "points": 6, "schema_version": 3, "solution": false, "task": false}
def test_unit_conv2d():
    """Forward matches a naive loop; gradients match central finite differences."""
    conv = Conv2d(2, 3, kernel_size=(3, 2), stride=2, padding=1)
    x = Tensor(np.random.randn(2, 2, 5, 4), requires_grad=True)
    out = conv(x)
    xp = np.pad(x.data, ((0, 0), (0, 0), (1, 1), (1, 1)))
    expected = np.zeros((2, 3, 3, 3))
    for n in range(2):
        for o in range(3):
            for i in range(3):
                for j in range(3):
                    window = xp[n, :, 2 * i:2 * i + 3, 2 * j:2 * j + 2]
                    expected[n, o, i, j] = np.sum(window * conv.weight.data[o]) + conv.bias.data[o]
    assert out.shape == (2, 3, 3, 3)
    assert np.allclose(out.data, expected, atol=1e-5)

    probe = np.random.randn(*out.shape)  # loss = sum(out * probe), so d loss / d out = probe
    (out * Tensor(probe)).sum().backward()
    for tensor in (x, conv.weight, conv.bias):
        flat, numeric = tensor.data.reshape(-1), np.zeros(tensor.size)
        for k in range(tensor.size):
            old = flat[k]
            flat[k] = old + 1e-2
            plus = np.sum(conv(Tensor(x.data)).data * probe)
            flat[k] = old - 1e-2
            minus = np.sum(conv(Tensor(x.data)).data * probe)
            flat[k] = old
            numeric[k] = (plus - minus) / 2e-2
        assert np.allclose(tensor.grad.reshape(-1), numeric, rtol=1e-2, atol=1e-2)
    narrow = Conv2d(1, 1, kernel_size=2, stride=(1, 2), bias=False)  # unequal strides, no padding
    image = np.random.randn(1, 1, 5, 7)
    naive = [[np.sum(image[0, 0, i:i + 2, 2 * j:2 * j + 2] * narrow.weight.data[0, 0]) for j in range(3)] for i in range(4)]
    pixels = Tensor(image, requires_grad=True)
    out = narrow(pixels)
    assert np.allclose(out.data[0, 0], naive, atol=1e-5)
    out.sum().backward()
    spread = np.zeros((5, 7))
    for i in range(4):
        for j in range(3):
            spread[i:i + 2, 2 * j:2 * j + 2] += narrow.weight.data[0, 0]  # each window sends back the kernel
    assert np.allclose(pixels.grad[0, 0], spread, atol=1e-5)
    # Stride 1 takes the wide-row path (Wp = 10 > Wo = 8): output and every gradient against naive loops.
    same = Conv2d(2, 3, kernel_size=(2, 3), padding=(1, 2))
    image = np.random.randn(2, 2, 4, 6)
    pixels = Tensor(image, requires_grad=True)
    out = same(pixels)
    assert out.shape == (2, 3, 5, 8)
    assert out._grad_fn.rows.shape == (2, 2, 6 * 10 + 2)  # kept: the padded planes and kw - 1 spare zeros
    xp, w = np.pad(image, ((0, 0), (0, 0), (1, 1), (2, 2))), same.weight.data
    probe = np.random.randn(*out.shape)
    expected, dxp, dw = np.zeros(out.shape), np.zeros(xp.shape), np.zeros(w.shape)
    for n in range(2):
        for o in range(3):
            for i in range(5):
                for j in range(8):
                    window = xp[n, :, i:i + 2, j:j + 3]
                    expected[n, o, i, j] = np.sum(window * w[o]) + same.bias.data[o]
                    dxp[n, :, i:i + 2, j:j + 3] += probe[n, o, i, j] * w[o]
                    dw[o] += probe[n, o, i, j] * window
    assert np.allclose(out.data, expected, atol=1e-5)
    (out * Tensor(probe)).sum().backward()
    assert np.allclose(pixels.grad, dxp[:, :, 1:-1, 2:-2], atol=1e-4)
    assert np.allclose(same.weight.grad, dw, atol=1e-4)
    assert np.allclose(same.bias.grad, probe.sum(axis=(0, 2, 3)), atol=1e-4)
    try:
        conv(Tensor(np.zeros((1, 3, 5, 5))))
        raise AssertionError("3 channels into a 2-channel Conv2d must fail")
    except ValueError:
        pass
    print("✅ Conv2d works")

if __name__ == "__main__":
    test_unit_conv2d()

# %% [markdown]
"""
## Pooling

Pooling shrinks each channel by summarizing windows, with no weights to learn.

```
MaxPool2d(2)                          AvgPool2d(2)
 1 3 | 2 0                             1 3 | 2 0
 4 2 | 1 1     ->   4 2                4 2 | 1 1     ->   2.5 1.0
 ----+----          8 6                ----+----          4.5 3.5
 8 0 | 6 5                             8 0 | 6 5
 3 7 | 1 2                             3 7 | 1 2
```

Max pooling loops over the kh*kw kernel offsets, like `scatter_windows`: offset
(i, j) of every window is one strided view of the image, compared at once with the
best value so far, and we remember which offset won. No window is ever copied:

```
best   = windows[..., 0, 0]                       winner = 0 everywhere
offset (i, j):  better = windows[..., i, j] > best      (strict: the first maximum keeps ties)
                best = maximum(best, windows[..., i, j]);  winner = maximum(winner, better * (i * kw + j))
```

The last line sets the winner to k = i * kw + j where `better` holds: offsets come
in increasing order, so k is larger than any earlier winner. It is one plain
element-wise operation, several times faster than a masked assignment
`winner[better] = k`, which first turns the mask into a list of positions.

Backward: max pooling sends each output gradient to the one input that won
(the first maximum on ties); average pooling spreads it evenly, 1/(kh*kw) to
each window element. Both add their gradients back one kernel offset at a time, as
`scatter_windows` does (average pooling calls it), so overlapping windows
(stride < kernel) accumulate correctly. When max pooling's windows tile the image
(kernel == stride, no padding, sizes divisible) each pixel belongs to exactly one window,
so backward writes every pixel once through a (N, C, Ho, kh, Wo, kw) view of the
gradient: no zeroed image, no adds. Padding counts as -inf for max (never
wins) and as 0 for average (the divisor stays kh*kw, as in PyTorch's default);
padding may be at most half the kernel so every window holds a real pixel.
"""

# %% nbgrader={"grade": false, "grade_id": "pooling", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class MaxPool2dFunction(Function):
    """Window maxima; the gradient flows only to each window's (first) maximum."""

    def __init__(self, x, kernel, stride, padding):
        super().__init__(x)
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self):
        """TODO: pad with -inf, keep a running maximum over the kernel offsets and which offset won.

        APPROACH:
        1. windows = extract_windows(_pad(x, padding, -inf), kernel, stride) -> (N, C, Ho, Wo, kh, kw), a view
        2. best = a copy of windows[..., 0, 0]; self.argmax = zeros (the winning offset i * kw + j)
        3. for each offset k = i * kw + j after the first: better = windows[..., i, j] > best;
           best = max(best, windows[..., i, j]) in place (np.maximum with out=best); self.argmax = k where better
        4. return self.output(best)

        EXAMPLE:
        >>> MaxPool2dFunction(x, (2, 2), (2, 2), (0, 0)).forward().shape   # x (1, 1, 4, 4)
        (1, 1, 2, 2)

        HINTS:
        - Keeping the argmax makes backward a scatter, no second search.
        - Reshaping the window view to (..., kh*kw) would copy every window: loop over offsets instead.
        - Offsets come in increasing order, so "k where better" is np.maximum(argmax, better * k):
          several times faster than the masked assignment argmax[better] = k.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

    def backward(self, grad_output):
        """TODO: Send each output gradient to its window's winning pixel, one kernel offset at a time.

        APPROACH: dxp = zeros(padded shape); for each offset (i, j):
        dxp[offset_pixels(i, j, (Ho, Wo), stride)] += grad_output * (self.argmax == i * kw + j);
        cut the padding off.
        EXAMPLE: a 2x2 window [[1, 3], [4, 2]] with upstream 1.0 gives [[0, 0], [1, 0]].
        HINTS: overlapping windows may pick the same pixel: `+=` over the offsets adds them up,
        as in scatter_windows, without building a one-hot (N, C, Ho, Wo, kh, kw) array of kh*kw values per output.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION


class AvgPool2dFunction(Function):
    """Window means; the gradient is shared equally by every element of a window."""

    def __init__(self, x, kernel, stride, padding):
        super().__init__(x)
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self):
        """TODO: Zero-pad, take the windows, average over the two kernel axes.

        APPROACH: extract_windows(_pad(x.data, padding), kernel, stride).mean(axis=(-2, -1)).
        EXAMPLE: the 2x2 window [[1, 3], [4, 2]] averages to 2.5.
        HINTS: padding zeros count in the mean, so the divisor is always kh*kw.
        """
        ### BEGIN SOLUTION
        (x,) = self.inputs
        xp = _pad(x.data, self.padding)
        self.padded_shape = xp.shape
        return self.output(extract_windows(xp, self.kernel, self.stride).mean(axis=(-2, -1)))
        ### END SOLUTION

    def backward(self, grad_output):
        """TODO: Give every window element grad / (kh*kw) and scatter the windows back.

        APPROACH: broadcast (grad / (kh*kw))[..., None, None] to (N, C, Ho, Wo, kh, kw);
        scatter_windows; cut the padding off.
        EXAMPLE: upstream 1.0 on a 2x2 window gives 0.25 to each of its pixels.
        HINTS: np.broadcast_to avoids materializing the copies before the scatter.
        """
        ### BEGIN SOLUTION
        (x,) = self.inputs
        kh, kw = self.kernel
        share = (grad_output / (kh * kw))[..., None, None]
        grad_windows = np.broadcast_to(share, (*grad_output.shape, kh, kw))
        dxp = scatter_windows(grad_windows, self.padded_shape, self.stride)
        (ph, pw), (height, width) = self.padding, x.shape[2:]
        return (dxp[:, :, ph:ph + height, pw:pw + width],)
        ### END SOLUTION


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

# %% nbgrader={"grade": true, "grade_id": "test-pooling", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_pooling():
    """The hand-worked 4x4 example of the diagram, and where the gradients go."""
    image = np.array([[1, 3, 2, 0], [4, 2, 1, 1], [8, 0, 6, 5], [3, 7, 1, 2]], dtype=np.float32)
    x = Tensor(image[None, None], requires_grad=True)
    out = MaxPool2d(2)(x)
    assert np.array_equal(out.data[0, 0], [[4, 2], [8, 6]])
    out.sum().backward()
    winners = np.zeros((4, 4))
    winners[1, 0] = winners[0, 2] = winners[2, 0] = winners[2, 2] = 1
    assert np.array_equal(x.grad[0, 0], winners)

    x = Tensor(image[None, None], requires_grad=True)
    out = AvgPool2d(2)(x)
    assert np.allclose(out.data[0, 0], [[2.5, 1.0], [4.5, 3.5]])
    out.sum().backward()
    assert np.allclose(x.grad, 0.25)
    # Maxima in every corner of the window, a tie (the first maximum wins) and padding that never wins.
    tricky = np.array([[1, 5, 0, 0], [2, 3, 0, 9], [7, 7, 1, 2], [1, 1, 3, 8]], dtype=np.float32)
    x = Tensor(tricky[None, None], requires_grad=True)
    out = MaxPool2d(2)(x)
    assert np.array_equal(out.data[0, 0], [[5, 9], [7, 8]])
    out.sum().backward()
    winners = np.zeros((4, 4))
    winners[0, 1] = winners[1, 3] = winners[2, 0] = winners[3, 3] = 1
    assert np.array_equal(x.grad[0, 0], winners)
    padded = MaxPool2d(2, padding=1)(Tensor(-np.ones((1, 1, 2, 2)))).data
    assert np.array_equal(padded, -np.ones((1, 1, 2, 2)))
    # Windows that do not tile the image: overlapping (stride 1), a leftover row and column (5x7, kernel 2x3).
    x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3), requires_grad=True)
    MaxPool2d(2, stride=1)(x).sum().backward()
    assert np.array_equal(x.grad[0, 0], [[0, 0, 0], [0, 1, 1], [0, 1, 1]])
    x = Tensor(np.arange(35.0).reshape(1, 1, 5, 7), requires_grad=True)
    MaxPool2d((2, 3))(x).sum().backward()
    winners = np.zeros((5, 7))
    winners[[1, 1, 3, 3], [2, 5, 2, 5]] = 1
    assert np.array_equal(x.grad[0, 0], winners)
    x = Tensor(np.arange(24.0).reshape(1, 1, 4, 6), requires_grad=True)  # tiles of 2x3: the last pixel of each wins
    MaxPool2d((2, 3))(x).sum().backward()
    winners = np.zeros((4, 6))
    winners[[1, 1, 3, 3], [2, 5, 2, 5]] = 1
    assert np.array_equal(x.grad[0, 0], winners)
    # Overlapping windows (stride 1): the centre of a 3x3 image lies in all four 2x2 windows.
    x = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    AvgPool2d(2, stride=1)(x).sum().backward()
    assert np.allclose(x.grad[0, 0], np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 4)
    print("✅ Pooling works")

if __name__ == "__main__":
    test_unit_pooling()

# %% [markdown]
"""
## BatchNorm2d

Batch normalization rescales each channel to mean 0, variance 1, then lets the
network choose the scale and shift it wants (`gamma`, `beta`):

```
x (N, C, H, W)   mean_c, var_c over N, H, W      x_hat = (x - mean_c) / sqrt(var_c + eps)
                                                  y     = gamma_c * x_hat + beta_c
training:   batch statistics; running_mean/var <- (1 - momentum) * running + momentum * batch
evaluation: running statistics (one image at a time must not depend on its batch)
```

The running variance stores the *unbiased* batch variance (divided by M - 1,
M = N*H*W). In training mode the mean and variance depend on x, so the input
gradient has two correction terms:

```
dx = inv_std / M * (M * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat)),   dx_hat = dy * gamma
```

The running statistics are not trained, yet a saved model needs them to
evaluate. The convention: **a layer may expose `buffers()`, the state that is
saved with the model but not trained.** BatchNorm2d's buffers are Tensors that
wrap its own running arrays, which training updates in place, so writing
`buffer.data[...] = saved` restores them:

```
parameters() -> [gamma, beta]                  trained by the optimizer, saved
buffers()    -> [running_mean, running_var]    updated by forward, saved, never trained
```
"""

# %% nbgrader={"grade": false, "grade_id": "batchnorm", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class BatchNorm2dFunction(Function):
    """Per-channel normalization with given statistics; `batch_stats` says they came from x itself."""

    def __init__(self, x, gamma, beta, mean, var, eps, batch_stats):
        super().__init__(x, gamma, beta)
        self.mean, self.var, self.eps, self.batch_stats = mean, var, eps, batch_stats

    def forward(self):
        """TODO: Normalize with the given statistics, then scale by gamma and shift by beta.

        APPROACH: inv_std = 1 / sqrt(var + eps); x_hat = (x - mean) * inv_std (kept for backward);
        out = gamma * x_hat + beta, all per channel via [:, None, None].
        EXAMPLE: mean 2, var 4, eps 0, gamma 1, beta 0 maps x = 4 to 1.
        HINTS: keep inv_std and x_hat on self: backward needs both.
        """
        ### BEGIN SOLUTION
        x, gamma, beta = self.inputs
        self.inv_std = (1.0 / np.sqrt(self.var + self.eps)).astype(np.float32)
        self.x_hat = (x.data - self.mean[:, None, None]) * self.inv_std[:, None, None]
        return self.output(gamma.data[:, None, None] * self.x_hat + beta.data[:, None, None])
        ### END SOLUTION

    def backward(self, grad_output):
        """Gradients for (x, gamma, beta); see the formula above for x in training mode.

        TODO: Reduce over the (N, H, W) axes for gamma and beta; apply the dx formula.

        APPROACH:
        1. grad_gamma = sum(dy * x_hat), grad_beta = sum(dy) over axes (0, 2, 3).
        2. dx_hat = dy * gamma[:, None, None].
        3. Evaluation mode (fixed statistics): dx = dx_hat * inv_std.
           Training mode: the formula with M = N * H * W and sums over (0, 2, 3), keepdims.

        EXAMPLE:
        >>> dx, dgamma, dbeta = fn.backward(np.ones(out.shape))

        HINTS:
        - With batch statistics, sum(dx) over a channel is 0: shifting x changes nothing.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION


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
        """Normalize with batch statistics (training) or running statistics (evaluation).

        TODO: Pick the statistics, update the running ones when training, apply the Function.

        APPROACH:
        1. Check x (rank 4, num_features channels).
        2. Training: mean and biased var over (0, 2, 3); M = N*H*W must be > 1;
           running_mean/var move by `momentum` towards mean and var * M / (M - 1).
        3. Evaluation: use running_mean and running_var.
        4. return BatchNorm2dFunction(x, gamma, beta, mean, var, eps, training).forward()

        EXAMPLE:
        >>> bn = BatchNorm2d(3); y = bn(Tensor(np.random.randn(8, 3, 4, 4)))
        >>> np.allclose(y.data.mean(axis=(0, 2, 3)), 0, atol=1e-5)
        True

        HINTS:
        - Update the running statistics in place (`[...] =`), never from inside backward.
        """
        ### BEGIN SOLUTION
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
        ### END SOLUTION

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

# %% nbgrader={"grade": true, "grade_id": "test-batchnorm", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_unit_batchnorm():
    """Training normalizes per channel and moves running stats; evaluation uses them; dx sums to 0."""
    bn = BatchNorm2d(3, momentum=0.5)
    data = np.random.randn(4, 3, 2, 5) * np.array([1.0, 3.0, 0.5])[:, None, None] + 2.0
    x = Tensor(data, requires_grad=True)
    y = bn(x)
    assert np.allclose(y.data.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)
    assert np.allclose(y.data.var(axis=(0, 2, 3)), 1.0, atol=1e-3)
    assert np.allclose(bn.running_mean, 0.5 * data.mean(axis=(0, 2, 3)), atol=1e-5)
    assert np.allclose(bn.running_var, 0.5 + 0.5 * data.var(axis=(0, 2, 3), ddof=1), atol=1e-4)
    (y * Tensor(np.random.randn(*y.shape))).sum().backward()
    assert np.allclose(x.grad.sum(axis=(0, 2, 3)), 0.0, atol=1e-4)  # a shift of x changes nothing
    before = bn.running_var.copy()
    bn(Tensor(data))  # a second step starts from running_var != 1
    assert np.allclose(bn.running_var, 0.5 * before + 0.5 * data.var(axis=(0, 2, 3), ddof=1), atol=1e-4)

    # gamma, beta and every gradient against finite differences, with batch and with running statistics
    small = Tensor(np.random.randn(2, 3, 2, 2) * 2.0 + 1.0, requires_grad=True)
    for training in (True, False):
        norm = BatchNorm2d(3)
        norm.gamma.data[...] = [1.0, 2.0, 0.5]
        norm.beta.data[...] = [0.0, 1.0, -1.0]
        norm.running_mean[...], norm.running_var[...] = [0.5, -0.5, 1.0], [2.0, 0.5, 1.5]
        norm.training = training
        mean = small.data.mean(axis=(0, 2, 3)) if training else norm.running_mean
        var = small.data.var(axis=(0, 2, 3)) if training else norm.running_var
        x_hat = (small.data - mean[:, None, None]) / np.sqrt(var[:, None, None] + norm.eps)
        probe = np.random.randn(2, 3, 2, 2)
        out = norm(small)
        assert np.allclose(out.data, norm.gamma.data[:, None, None] * x_hat + norm.beta.data[:, None, None], atol=1e-4)
        small.grad = norm.gamma.grad = norm.beta.grad = None
        (out * Tensor(probe)).sum().backward()
        for tensor in (small, norm.gamma, norm.beta):
            flat, numeric = tensor.data.reshape(-1), np.zeros(tensor.size)
            for k in range(tensor.size):
                old = flat[k]
                flat[k] = old + 1e-2
                norm.running_mean[...], norm.running_var[...] = [0.5, -0.5, 1.0], [2.0, 0.5, 1.5]
                plus = np.sum(norm(Tensor(small.data)).data * probe)
                flat[k] = old - 1e-2
                norm.running_mean[...], norm.running_var[...] = [0.5, -0.5, 1.0], [2.0, 0.5, 1.5]
                minus = np.sum(norm(Tensor(small.data)).data * probe)
                flat[k] = old
                numeric[k] = (plus - minus) / 2e-2
            assert np.allclose(tensor.grad.reshape(-1), numeric, rtol=1e-2, atol=1e-2), (training, tensor.shape)

    flat_channel = np.random.randn(2, 2, 1, 1)
    flat_channel[:, 1] = 3.0  # variance 0: eps keeps the output finite; two values per channel are enough
    assert np.allclose(BatchNorm2d(2)(Tensor(flat_channel)).data[:, 1], 0.0)
    try:
        BatchNorm2d(2)(Tensor(np.ones((1, 2, 1, 1))))
        raise AssertionError("one value per channel has no batch variance")
    except ValueError:
        pass
    bn.training = False
    expected = (data - bn.running_mean[:, None, None]) / np.sqrt(bn.running_var[:, None, None] + bn.eps)
    assert np.allclose(bn(Tensor(data)).data, expected, atol=1e-5)
    # buffers(): saved state that is not trained; writing into .data restores the running statistics.
    saved = [buffer.data.copy() for buffer in bn.buffers()]
    bn.training = True
    bn(Tensor(data * 3.0))
    for buffer, values in zip(bn.buffers(), saved):
        buffer.data[...] = values
    assert np.array_equal(bn.running_mean, saved[0]) and np.array_equal(bn.running_var, saved[1])
    print("✅ BatchNorm2d works")

if __name__ == "__main__":
    test_unit_batchnorm()

# %% [markdown]
"""
## Systems analysis: what a convolution costs

Three measurements:
1. **Memory**: the im2col matrices versus a direct convolution that loops over the
   kh*kw kernel offsets and never builds them (peak traced allocations), and what a
   Conv2d node holds from forward to backward.
2. **Copy order**: the same im2col matrices copied in the two orders of section "im2col
   and col2im": runs of neighbouring pixels versus one window (kw pixels) at a time.
3. **Time vs channels**: forward time as in/out channels double; the FLOP formula
   `2 * N * O * Ho * Wo * C * kh * kw` says doubling both channels is 4x work.
"""

# %% nbgrader={"grade": false, "grade_id": "analyze-conv", "locked": false, "schema_version": 3, "solution": false, "task": false}
def direct_conv2d(xp, weight, stride):
    """Convolution without im2col: for each kernel offset, a strided slice times one weight slice."""
    out_channels, _, kh, kw = weight.shape
    (sh, sw), (hp, wp) = stride, xp.shape[2:]
    out_h, out_w = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    out = np.zeros((xp.shape[0], out_channels, out_h, out_w), dtype=np.float32)
    for i in range(kh):  # a loop over kernel offsets, not over pixels
        for j in range(kw):
            patch = xp[:, :, i:i + sh * out_h:sh, j:j + sw * out_w:sw]
            out += np.einsum("nchw,oc->nohw", patch, weight[:, :, i, j], optimize=True)
    return out


def analyze_conv_costs():
    """Measure im2col memory and forward time vs channel count."""
    import time
    import tracemalloc

    print("1) memory, batch 8, 16 -> 32 channels, 32x32, 3x3, padding 1")
    x = Tensor(np.random.randn(8, 16, 32, 32))
    conv = Conv2d(16, 32, 3, padding=1)
    xp = _pad(x.data, (1, 1))
    for name, run in [("im2col", lambda: conv(x).data), ("direct", lambda: direct_conv2d(xp, conv.weight.data, (1, 1)))]:
        tracemalloc.start()
        result = run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"   {name:>7}: peak {peak / 2**20:6.2f} MiB (input {x.data.nbytes / 2**20:.2f} MiB)")
    assert np.allclose(result, conv(x).data, atol=1e-4)  # both methods compute the same thing
    cols = im2col(xp, (3, 3), (1, 1))
    print(f"   im2col matrix {cols.shape}: {cols.nbytes / x.data.nbytes:.1f}x the input bytes")
    node = conv(x)._grad_fn  # recorded: the weight requires grad
    print(f"   a Conv2d node keeps {node.xp.nbytes / 2**20:.2f} MiB (the padded input) until backward, "
          f"instead of the {cols.nbytes / 2**20:.2f} MiB im2col matrices it rebuilds there")

    print("2) copying those matrices: im2col's order vs window by window (fastest of 3)")
    windows = extract_windows(xp, (3, 3), (1, 1))
    copies = {
        "runs of pixels (im2col)": lambda: im2col(xp, (3, 3), (1, 1)),  # its reshape makes the copy
        # One window per row, then a transposed view: the same matrices, copied kw pixels at a time.
        "window by window, kw at a time": lambda: windows.transpose(0, 2, 3, 1, 4, 5).reshape(
            cols.shape[0], cols.shape[2], cols.shape[1]).transpose(0, 2, 1),
    }
    best = {}
    for name, copy in copies.items():
        assert np.array_equal(copy(), cols)  # the same matrix either way
        times = []
        for _ in range(3):
            start = time.perf_counter()
            copy()
            times.append(time.perf_counter() - start)
        best[name] = min(times)
        print(f"   {name:>25}: {best[name] * 1e3:6.2f} ms")
    print(f"   window by window is {best['window by window, kw at a time'] / best['runs of pixels (im2col)']:.1f}x slower")

    print("3) forward time vs channels, batch 8, 32x32, 3x3, padding 1 (fastest of 3)")
    seconds, flops = [], []
    sweep = (4, 8, 16, 32)
    for channels in sweep:
        conv = Conv2d(channels, channels, 3, padding=1)
        x = Tensor(np.random.randn(8, channels, 32, 32))
        times = []
        for _ in range(3):  # the fastest run: load on a shared machine only ever adds time
            start = time.perf_counter()
            conv(x)
            times.append(time.perf_counter() - start)
        seconds.append(min(times))
        flops.append(2 * 8 * channels * 32 * 32 * channels * 3 * 3)  # 2 * N * O * Ho * Wo * C * kh * kw
        print(f"   C={channels:>3}: {seconds[-1] * 1e3:7.2f} ms  {flops[-1] / 1e6:8.1f} MFLOP  "
              f"{flops[-1] / seconds[-1] / 1e9:6.2f} GFLOP/s")
    print(f"   C {sweep[0]} -> {sweep[-1]}: FLOPs x{flops[-1] / flops[0]:.0f}, time x{seconds[-1] / seconds[0]:.0f} "
          f"(small convolutions use the machine poorly: GFLOP/s grows with size)")

if __name__ == "__main__":
    analyze_conv_costs()

# %% nbgrader={"grade": true, "grade_id": "test-module", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def test_module():
    """Every unit test, then a tiny CNN (Conv2d -> ReLU -> MaxPool2d -> Linear) learns a task."""
    from tinytorch.core.activations import ReLU
    from tinytorch.core.layers import Linear
    from tinytorch.core.losses import CrossEntropyLoss

    test_unit_im2col()
    test_unit_wide_rows()
    test_unit_conv2d()
    test_unit_pooling()
    test_unit_batchnorm()

    np.random.seed(0)  # the images, the lines and the initial weights: the same run every time
    # Class 1 images have a bright row, class 0 a bright column.
    images = np.random.randn(32, 1, 6, 6).astype(np.float32) * 0.3
    labels = np.arange(32) % 2
    lines = np.random.randint(0, 6, size=32)
    images[labels == 1, 0, lines[labels == 1], :] += 2.0
    images[labels == 0, 0, :, lines[labels == 0]] += 2.0
    conv, relu, pool, head = Conv2d(1, 4, 3, padding=1), ReLU(), MaxPool2d(2), Linear(4 * 3 * 3, 2)
    loss_fn = CrossEntropyLoss()
    params = conv.parameters() + head.parameters()
    losses = []
    for _ in range(25):
        features = pool(relu(conv(Tensor(images))))
        loss = loss_fn(head(features.reshape(32, -1)), Tensor(labels))
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.1 * p.grad  # plain SGD; module 06 Optimizers packages this step
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    print("✅ Module 09 spatial: all tests pass")

if __name__ == "__main__":
    test_module()

# %% [markdown]
"""
## Summary

- `im2col` turns every convolution window into a column (one matrix per image), so a
  whole convolution is one matmul whose result is already NCHW; `col2im` (one strided add
  per kernel offset) is its exact adjoint for backward. At stride 1, wide rows (output rows as
  wide as the padded plane) make each of those copies and adds one long contiguous run.
- `Conv2d` keeps only the padded input for backward and rebuilds the kh*kw-times-larger
  im2col matrices there: a little recomputation for much less memory held per layer.
- `Conv2d`, `MaxPool2d` and `AvgPool2d` are module-05 `Function`s with
  hand-written, fully vectorized backward passes; `BatchNorm2d` normalizes per
  channel with batch statistics in training and running statistics in evaluation;
  `buffers()` exposes those running statistics so a checkpoint can save them.
- The analysis measured the price of im2col's speed: a matrix about kh*kw times
  the input, which a direct offset-by-offset convolution avoids. As channels
  double the FLOPs quadruple, but the time grows more slowly: small convolutions
  are far from the machine's arithmetic peak, so FLOPs alone do not predict time.

Next, module 10 Tokenization turns text into ids, the input of language models.
"""
