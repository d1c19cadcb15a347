# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
# ---

# %% [markdown]
"""
# Module 13: Transformers - Stacking Attention Blocks

You combine Module 12: Self-Attention with Module 11: Token Embeddings and the
tokenizer of Module 10 (Tokenization). The non-linearity comes from Module 02: ReLU.

```
 tokens ─▶ Embedding ─▶ [Block ─▶ Block ─▶ ... ─▶ Block] ─▶ LayerNorm ─▶ logits
                          │  attention + MLP, residual  │
```

A framework would hide the stack in a container:

```python
blocks = nn.ModuleList([Block(d) for _ in range(n)])
model = nn.Sequential(embedding, *blocks, head)
for block in model:
    x = block(x)
```
We write every step out instead.
"""

# %% nbgrader={"grade": false, "grade_id": "transformers-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp models.transformer
#| export
import functools
from typing import List, overload

import numpy as np

from tinytorch.core.tensor import Tensor
from tinytorch.core.attention import AttentionThing

# %% nbgrader={"grade": false, "grade_id": "block", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class TransformerBlock:
    """Attention then MLP, each with a residual connection. Explicit named layers."""

    def __init__(self, dim: int, seed: int = 0):
        ### BEGIN SOLUTION
        rng = np.random.default_rng(seed)
        self.w_attn = rng.standard_normal((dim, dim)) / np.sqrt(dim)
        self.w_up = rng.standard_normal((dim, 4 * dim)) / np.sqrt(dim)
        self.w_down = rng.standard_normal((4 * dim, dim)) / np.sqrt(4 * dim)
        ### END SOLUTION

    def forward(self, x):
        ### BEGIN SOLUTION
        x = x + x @ self.w_attn
        hidden = np.maximum(x @ self.w_up, 0.0)
        return x + hidden @ self.w_down
        ### END SOLUTION

    def parameters(self):
        return [self.w_attn, self.w_up, self.w_down]

# %% nbgrader={"grade": false, "grade_id": "tiny-gpt", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
class TinyGPT:
    """Builds its own repeated blocks: not a container of layers handed to it."""

    def __init__(self, dim: int, depth: int):
        ### BEGIN SOLUTION
        self.blocks = [TransformerBlock(dim, seed=i) for i in range(depth)]
        ### END SOLUTION

    def forward(self, x):
        for block in self.blocks:
            x = block.forward(x)
        return x

    def parameters(self):
        return [p for block in self.blocks for p in block.parameters()]

# %% nbgrader={"grade": false, "grade_id": "ensemble", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class Ensemble:
    """Averages several models' predictions on the same input: nothing is chained."""

    def __init__(self, models):
        self.models = list(models)

    def forward(self, x):
        outputs = [model.forward(x) for model in self.models]
        return sum(outputs) / len(outputs)

    def all_outputs(self, x):
        results = []
        for model in self.models:
            out = model.forward(x)
            results.append(out)
        return results

# %% nbgrader={"grade": false, "grade_id": "layer-stack", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class LayerStack:
    """Collects layers one by one, then runs them in order (a ModuleList by another name)."""

    def __init__(self):
        self.layers = []

    def add(self, layer):
        self.layers.append(layer)
        return self

    def __call__(self, x):
        out = x
        for layer in self.layers:
            out = layer.forward(out)
        return out

# %% nbgrader={"grade": false, "grade_id": "pipeline-variants", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class IndexedStack:
    """Chains stored layers through indices instead of iterating them."""

    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for i in range(len(self.layers)):
            x = self.layers[i].forward(x)
        return x


class ActivatedStack:
    """Chains stored layers with an activation after each one."""

    def __init__(self, layers, activation):
        self.layers = layers
        self.activation = activation

    def forward(self, x):
        for layer in self.layers:
            x = self.activation(layer.forward(x))
        return x


class ReducedStack:
    """Chains stored layers with functools.reduce."""

    def __init__(self, layers):
        self.layers = tuple(layers)

    def forward(self, x):
        return functools.reduce(lambda h, layer: layer.forward(h), self.layers, x)

# %% nbgrader={"grade": false, "grade_id": "helpers", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
@overload
def count_parameters(model: TinyGPT) -> int: ...
@overload
def count_parameters(model: TransformerBlock) -> int: ...
def count_parameters(model) -> int:
    """Number of scalar parameters."""
    return int(sum(np.size(p) for p in model.parameters()))

# %% nbgrader={"grade": true, "grade_id": "test-transformer", "locked": true, "points": 10, "schema_version": 3, "solution": false, "task": false}
def _check_shape(out, expected):
    assert out.shape == expected, f"{out.shape} != {expected}"


def test_unit_transformer_block():
    """🔬 A block keeps the input shape."""
    block = TransformerBlock(8)
    _check_shape(block.forward(np.ones((2, 8))), (2, 8))


def test_unit_tiny_gpt():
    """🔬 Depth-2 GPT equals two blocks applied by hand."""
    gpt = TinyGPT(4, depth=2)
    x = np.ones((1, 4))
    expected = gpt.blocks[1].forward(gpt.blocks[0].forward(x))
    np.testing.assert_allclose(gpt.forward(x), expected)


def test_unit_count_parameters():
    """🔬 Placeholder: counts are printed, not checked yet."""
    print(count_parameters(TransformerBlock(4)))


def test_unit_not_done():
    raise NotImplementedError("write this test")


if __name__ == "__main__":
    for test in (test_unit_transformer_block, test_unit_tiny_gpt):
        test()

# %% nbgrader={"grade": false, "grade_id": "analysis", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_depth_cost(dims=(16, 32)):
    """📊 Parameters grow as 9 * dim^2 per block: count them."""
    for dim in dims:
        print(dim, count_parameters(TransformerBlock(dim)))


(lambda: analyze_depth_cost())()
if __name__ == "__main__":
    analyze_depth_cost()

# %% [markdown]
"""
## Summary

Module 14 (Profiling) measures where this model spends its time.
"""
