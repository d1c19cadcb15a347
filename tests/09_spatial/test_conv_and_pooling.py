"""Module 09 spatial: Conv2d and pooling against naive loop references and finite differences.

The references below loop over every output pixel; they share no code with the
module's im2col / stride-trick implementation.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from testkit.gradcheck import assert_gradients_match

from tinytorch.core.spatial import AvgPool2d, Conv2d, MaxPool2d, col2im, conv2d, im2col
from tinytorch.core.tensor import Tensor

FEW = settings(max_examples=20, deadline=None)


# --------------------------------------------------------------------------- naive references
def naive_conv(x, w, b, stride, padding):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    (sh, sw), (ph, pw) = stride, padding
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    out = np.zeros((n, o, out_h, out_w))
    for i in range(n):
        for j in range(o):
            for r in range(out_h):
                for q in range(out_w):
                    patch = xp[i, :, r * sh:r * sh + kh, q * sw:q * sw + kw]
                    out[i, j, r, q] = np.sum(patch * w[j]) + (0.0 if b is None else b[j])
    return out


def naive_pool(x, kernel, stride, padding, reduce):
    """reduce='max' pads with -inf; reduce='avg' pads with 0 and divides by kh*kw."""
    n, c, h, wd = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    fill = -np.inf if reduce == "max" else 0.0
    xp = np.full((n, c, h + 2 * ph, wd + 2 * pw), fill)
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    out_h, out_w = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    out = np.zeros((n, c, out_h, out_w))
    for r in range(out_h):
        for q in range(out_w):
            window = xp[:, :, r * sh:r * sh + kh, q * sw:q * sw + kw]
            out[:, :, r, q] = window.max(axis=(2, 3)) if reduce == "max" else window.sum(axis=(2, 3)) / (kh * kw)
    return out


@st.composite
def conv_cases(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, kh - 2 * ph), 6))
    w = draw(st.integers(max(1, kw - 2 * pw), 6))
    return dict(
        n=draw(st.integers(1, 2)), c=draw(st.integers(1, 3)), o=draw(st.integers(1, 3)), h=h, w=w,
        kernel=(kh, kw), stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))), padding=(ph, pw),
        bias=draw(st.booleans()),
    )


@st.composite
def pool_cases(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    return dict(
        n=draw(st.integers(1, 2)), c=draw(st.integers(1, 3)),
        h=draw(st.integers(kh, 6)), w=draw(st.integers(kw, 6)),
        kernel=(kh, kw), stride=(draw(st.integers(1, 3)), draw(st.integers(1, 3))), padding=(ph, pw),
    )


def distinct_values(shape):
    """Values at least 0.1 apart, so a 1e-3 finite-difference step never changes a max."""
    return (np.random.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0)


# --------------------------------------------------------------------------- im2col
@FEW
@given(case=conv_cases())
def test_col2im_is_the_adjoint_of_im2col(case):
    """<im2col(x), y> == <x, col2im(y)>: exactly the property backward relies on."""
    (ph, pw), (kh, kw), (sh, sw) = case["padding"], case["kernel"], case["stride"]
    x = np.random.randn(case["n"], case["c"], case["h"] + 2 * ph, case["w"] + 2 * pw)  # an already padded input
    cols = im2col(x, case["kernel"], case["stride"])
    out_h, out_w = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    assert cols.shape == (case["n"], case["c"] * case["kernel"][0] * case["kernel"][1], out_h * out_w)
    y = np.random.randn(*cols.shape)
    back = col2im(y, x.shape, (out_h, out_w), case["kernel"], case["stride"])
    assert np.isclose(np.sum(cols * y), np.sum(x * back))


# --------------------------------------------------------------------------- Conv2d
@FEW
@given(case=conv_cases())
def test_conv_forward_matches_naive_loops(case):
    conv = Conv2d(case["c"], case["o"], case["kernel"], stride=case["stride"], padding=case["padding"], bias=case["bias"])
    if conv.bias is not None:
        conv.bias.data[...] = np.random.randn(case["o"])
    x = np.random.randn(case["n"], case["c"], case["h"], case["w"]).astype(np.float32)
    bias = None if conv.bias is None else conv.bias.data
    expected = naive_conv(x, conv.weight.data, bias, case["stride"], case["padding"])
    out = conv(Tensor(x))
    assert out.shape == expected.shape
    assert out.data.dtype == np.float32
    assert np.allclose(out.data, expected, atol=1e-4)


@settings(max_examples=10, deadline=None)
@given(case=conv_cases())
def test_conv_gradients_match_finite_differences(case):
    x = np.random.randn(case["n"], case["c"], case["h"], case["w"])
    w = np.random.randn(case["o"], case["c"], *case["kernel"]) * 0.5
    if case["bias"]:
        b = np.random.randn(case["o"])
        assert_gradients_match(lambda x, w, b: conv2d(x, w, b, case["stride"], case["padding"]), x, w, b)
    else:
        assert_gradients_match(lambda x, w: conv2d(x, w, None, case["stride"], case["padding"]), x, w)


def test_conv_weight_shape_and_he_initialization():
    conv = Conv2d(16, 64, 3)
    assert conv.weight.shape == (64, 16, 3, 3)
    assert conv.bias.shape == (64,)
    assert conv.parameters() == [conv.weight, conv.bias]
    assert all(p.requires_grad for p in conv.parameters())
    assert np.all(conv.bias.data == 0)
    # He init: std = sqrt(2 / fan_in), fan_in = 16 * 3 * 3 = 144 (9216 samples: within 5%).
    assert abs(conv.weight.data.std() - np.sqrt(2 / 144)) < 0.05 * np.sqrt(2 / 144)
    assert Conv2d(2, 3, 1, bias=False).parameters()[0].shape == (3, 2, 1, 1)
    assert len(Conv2d(2, 3, 1, bias=False).parameters()) == 1


def test_conv_hand_worked_edge_detector():
    """A [-1, 1] kernel computes horizontal differences."""
    conv = Conv2d(1, 1, (1, 2), bias=False)
    conv.weight.data[...] = np.array([[[[-1.0, 1.0]]]])
    image = np.array([[0.0, 0.0, 5.0, 5.0], [1.0, 2.0, 3.0, 4.0]])[None, None]
    assert np.array_equal(conv(Tensor(image)).data[0, 0], [[0, 5, 0], [1, 1, 1]])


def test_conv_gradient_skips_frozen_input_but_fills_weights():
    conv = Conv2d(2, 2, 3, padding=1)
    x = Tensor(np.random.randn(1, 2, 4, 4))  # data, not a parameter
    conv(x).sum().backward()
    assert x.grad is None
    # d sum(out) / d bias[o] = number of output pixels (16), for each channel.
    assert np.allclose(conv.bias.grad, 16.0)


def test_conv_node_keeps_the_padded_input_not_the_im2col_matrices():
    """Module 09's memory claim: from forward to backward a Conv2d node holds no array larger than
    the padded input (the im2col matrices, 9x larger for a 3x3 kernel, are rebuilt in backward)."""
    conv = Conv2d(3, 4, 3, padding=1)
    x = np.random.randn(2, 3, 8, 8)
    node = conv(Tensor(x))._grad_fn  # recorded: the weight requires grad
    # float32, each padded 10x10 plane plus kw - 1 = 2 spare zeros (wide rows); the im2col matrices:
    # 2 * 27 * 64 * 4 bytes, 5.6x that
    padded_bytes = 2 * 3 * (10 * 10 + 2) * 4
    held = [value.nbytes for value in vars(node).values() if isinstance(value, np.ndarray)]
    assert held and max(held) == padded_bytes


# --------------------------------------------------------------------------- pooling
@FEW
@given(case=pool_cases(), kind=st.sampled_from(["max", "avg"]))
def test_pool_forward_matches_naive_loops(case, kind):
    layer = (MaxPool2d if kind == "max" else AvgPool2d)(case["kernel"], stride=case["stride"], padding=case["padding"])
    x = np.random.randn(case["n"], case["c"], case["h"], case["w"]).astype(np.float32)
    expected = naive_pool(x, case["kernel"], case["stride"], case["padding"], kind)
    out = layer(Tensor(x))
    assert out.shape == expected.shape
    assert np.allclose(out.data, expected, atol=1e-6)


@settings(max_examples=12, deadline=None)
@given(case=pool_cases(), kind=st.sampled_from(["max", "avg"]))
def test_pool_gradients_match_finite_differences(case, kind):
    layer = (MaxPool2d if kind == "max" else AvgPool2d)(case["kernel"], stride=case["stride"], padding=case["padding"])
    x = distinct_values((case["n"], case["c"], case["h"], case["w"]))
    assert_gradients_match(lambda x: layer(x), x)


def test_pool_stride_defaults_to_kernel_size():
    assert MaxPool2d(3).stride == (3, 3)
    assert AvgPool2d(2, stride=1).stride == (1, 1)
    assert MaxPool2d(2)(Tensor(np.zeros((1, 1, 7, 6)))).shape == (1, 1, 3, 3)


def test_maxpool_tie_sends_gradient_to_first_maximum_only():
    x = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    MaxPool2d(2)(x).sum().backward()
    assert np.array_equal(x.grad[0, 0], [[1, 0], [0, 0]])


def test_maxpool_padding_never_wins_even_for_negative_inputs():
    x = Tensor(-np.ones((1, 1, 2, 2)) * np.array([[1, 2], [3, 4]]))
    out = MaxPool2d(2, stride=1, padding=1)(x)
    assert np.all(np.isfinite(out.data))
    assert out.data[0, 0, 0, 0] == -1.0  # the only real pixel in the corner window


def test_pooling_keeps_channels_independent():
    x = np.random.randn(2, 3, 4, 4)
    x[:, 1] += 100.0  # a huge channel must not leak into the others
    out = MaxPool2d(2)(Tensor(x)).data
    assert np.allclose(out[:, 0], naive_pool(x[:, :1], (2, 2), (2, 2), (0, 0), "max")[:, 0], atol=1e-5)
    assert out[:, 0].max() < 50.0


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call",
    [
        lambda: Conv2d(3, 4, 3)(Tensor(np.zeros((3, 5, 5)))),  # rank 3
        lambda: Conv2d(3, 4, 3)(Tensor(np.zeros((1, 2, 5, 5)))),  # wrong channel count
        lambda: Conv2d(1, 1, 5)(Tensor(np.zeros((1, 1, 4, 4)))),  # kernel larger than input
        lambda: Conv2d(1, 1, 5, padding=1)(Tensor(np.zeros((1, 1, 2, 2)))),  # larger than padded input
        lambda: Conv2d(0, 4, 3),
        lambda: Conv2d(3, 0, 3),
        lambda: Conv2d(3, 4, 0),
        lambda: Conv2d(3, 4, 3, stride=0),
        lambda: Conv2d(3, 4, 3, padding=-1),
        lambda: MaxPool2d(0),
        lambda: MaxPool2d(2, stride=0),
        lambda: MaxPool2d(2, padding=2),  # more than half the kernel
        lambda: AvgPool2d(3)(Tensor(np.zeros((1, 1, 2, 2)))),
        lambda: AvgPool2d(2)(Tensor(np.zeros((2, 2)))),
        lambda: conv2d(Tensor(np.zeros((1, 1, 3, 3))), Tensor(np.zeros((1, 1, 3)))),  # weight rank 3
        lambda: conv2d(Tensor(np.zeros((1, 1, 3, 3))), Tensor(np.zeros((2, 1, 1, 1))), Tensor(np.zeros(3))),
    ],
)
def test_bad_arguments_raise_value_error(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("pool", [MaxPool2d, AvgPool2d])
@pytest.mark.parametrize("height, width", [(6, 2), (2, 6)])
def test_pooling_checks_both_height_and_width_against_the_kernel(pool, height, width):
    """A kernel that fits one spatial axis but not the other: the error names the layer and the sizes."""
    name = pool.__name__
    with pytest.raises(ValueError, match=rf"{name}: kernel size 3 is larger than the padded input 2"):
        pool(3)(Tensor(np.zeros((1, 1, height, width))))
    with pytest.raises(ValueError, match=name):
        pool((2, 3))(Tensor(np.zeros((1, 1, 4, 2))))  # height fits exactly, width does not


@pytest.mark.parametrize(
    "call",
    [
        lambda: Conv2d(3.0, 4, 3),
        lambda: Conv2d(True, 4, 3),
        lambda: Conv2d(3, 4, (3, 3, 3)),
        lambda: MaxPool2d("2"),
        lambda: Conv2d(1, 1, 1)(np.zeros((1, 1, 2, 2))),  # a bare array, not a Tensor
    ],
)
def test_wrong_types_raise_type_error(call):
    with pytest.raises(TypeError):
        call()
