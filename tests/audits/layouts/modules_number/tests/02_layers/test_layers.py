from tinytorch.core.layers import linear


def test_linear_shape():
    assert linear is not None
