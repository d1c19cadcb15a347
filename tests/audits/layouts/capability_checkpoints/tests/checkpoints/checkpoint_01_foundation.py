"""Capability checkpoint 01: upstream TinyTorch numbers these in their own sequence, not by module."""

from tinytorch.core.tensor import Tensor


def test_checkpoint():
    assert Tensor([1.0]).data.shape == (1,)
