from tinytorch.core.tensor import Tensor


def test_more():
    assert Tensor([1.0]).data.shape == (1,)
