# fixture-at: tests/03_widget/test_widget.py
import numpy as np

from tinytorch.core.widget import widget
from tinytorch.core.tensor import Tensor
from tinytorch.core.widget import Widget  # expect: API001
from tinytorch.nn.utils.prune import MagnitudePruner  # expect: API001
from tinytorch.nn import TransformerBlock  # tinytorch/nn/__init__.py is a hand-written package file: an export
from tinytorch.nn import NotThere  # expect: API001


def test_widget():
    assert widget(2) == 4 and isinstance(Tensor(), Tensor) and np.ones(1)[0] == 1
