# %% [markdown]
# A `Sequential` in prose, or in a fenced block, is never a finding:
# ```python
# class Sequential: ...
# ```

# %% nbgrader={"grade": false, "grade_id": "models", "locked": false, "schema_version": 3, "solution": false, "task": false}
class SimpleModel:  # expect: CC001
    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class TwoLayer:
    """Chains its own layers explicitly: not a container."""

    def __init__(self, first, second):
        self.first, self.second = first, second

    def forward(self, x):
        return self.second(self.first(x))


class Compose:
    """A data pipeline chaining transforms in __call__: not a container of layers."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, x):
        for transform in self.transforms:
            x = transform(x)
        return x

# %% nbgrader={"grade": false, "grade_id": "again", "locked": false, "schema_version": 3, "solution": false, "task": false}
class SimpleModel:  # expect: CC001
    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class Sequential:  # expect: CC001
    pass
