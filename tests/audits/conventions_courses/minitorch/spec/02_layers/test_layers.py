"""Module 02's suite, in this course's test folder (spec/)."""

from minitorch.core.layers import scale, shift
from minitorch.core.tensor import Tensor


def test_scale_doubles():
    assert scale(Tensor([1.0]), 2).data.tolist() == [2.0]
