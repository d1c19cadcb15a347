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
# Module 17: Compression

A deliberately flawed fixture with the defects the seed review found: a layer
container in the module, test and analysis calls that run at import time, and
incomplete nbgrader metadata. It builds on module 01 (tensor).
"""

# %% nbgrader={"grade": false, "grade_id": "imports", "solution": true}
#| default_exp perf.compression
#| export
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "sequential", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class Sequential:
    """Chains layers: exactly the container the course forbids."""

    def __init__(self, *layers):
        self.layers = list(layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def parameters(self):
        params = []
        for layer in self.layers:
            params.extend(layer.parameters())
        return params

# %% nbgrader={"grade": false, "grade_id": "dense", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| export
class Dense:
    """A tiny linear layer over numpy arrays, so the fixture needs no other module."""

    def __init__(self, weight):
        self.weight = np.asarray(weight, dtype=np.float64)

    def forward(self, x):
        return x @ self.weight

    def parameters(self):
        return [self.weight]

# %% nbgrader={"grade": false, "grade_id": "measure-sparsity", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def measure_sparsity(model):
    """Fraction of weights that are exactly zero."""
    ### BEGIN SOLUTION
    weights = [p for p in model.parameters() if p.ndim >= 2]
    total = sum(w.size for w in weights)
    zeros = sum(int(np.sum(w == 0)) for w in weights)
    return zeros / total if total else 0.0
    ### END SOLUTION

# %%
def test_unit_measure_sparsity():
    model = Dense([[0.0, 1.0], [0.0, 2.0]])
    assert measure_sparsity(model) == 0.5

test_unit_measure_sparsity()

# %% nbgrader={"grade": false, "grade_id": "magnitude-prune", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def magnitude_prune(model, sparsity=0.9):
    """Zero the smallest-magnitude weights of every weight matrix, in place."""
    ### BEGIN SOLUTION
    for weight in model.parameters():
        if weight.ndim >= 2:
            threshold = np.quantile(np.abs(weight), sparsity)
            weight[np.abs(weight) < threshold] = 0.0
    return model
    ### END SOLUTION

# %% nbgrader={"grade_id": "test-magnitude-prune", "solution": false}
def test_unit_magnitude_prune():
    model = Dense([[1.0, -4.0], [3.0, 2.0]])
    magnitude_prune(model, sparsity=0.5)
    assert model.weight.tolist() == [[0.0, -4.0], [3.0, 0.0]]

test_unit_magnitude_prune()

# %% nbgrader={"grade": false, "grade_id": "structured-prune", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def structured_prune(model, prune_ratio=0.5):
    """Zero the output columns with the smallest L2 norm, in place."""
    ### BEGIN SOLUTION
    for weight in model.parameters():
        if weight.ndim >= 2:
            norms = np.linalg.norm(weight, axis=0)
            drop = np.argsort(norms)[: int(prune_ratio * weight.shape[1])]
            weight[:, drop] = 0.0
    return model
    ### END SOLUTION

# %%
def test_unit_structured_prune():
    model = Dense([[1.0, 5.0], [1.0, 5.0]])
    structured_prune(model, prune_ratio=0.5)
    assert model.weight.tolist() == [[0.0, 5.0], [0.0, 5.0]]

test_unit_structured_prune()

# %% nbgrader={"grade": false, "grade_id": "low-rank", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def low_rank_approximate(weight, rank_ratio=0.5):
    """Two thin factors whose product approximates `weight`."""
    ### BEGIN SOLUTION
    u, s, vt = np.linalg.svd(weight, full_matrices=False)
    rank = max(1, int(rank_ratio * len(s)))
    return u[:, :rank] * s[:rank], vt[:rank]
    ### END SOLUTION

# %%
def test_unit_low_rank_approximate():
    weight = np.outer([1.0, 2.0], [3.0, 4.0])
    left, right = low_rank_approximate(weight, rank_ratio=0.5)
    assert np.allclose(left @ right, weight)

test_unit_low_rank_approximate()

# %% nbgrader={"grade": false, "grade_id": "distillation", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def distillation_loss(student_logits, teacher_logits, temperature=3.0):
    """Cross-entropy between softened teacher and student distributions."""
    ### BEGIN SOLUTION
    def softmax(z):
        e = np.exp((z - z.max(axis=-1, keepdims=True)) / temperature)
        return e / e.sum(axis=-1, keepdims=True)
    return float(-np.mean(np.sum(softmax(teacher_logits) * np.log(softmax(student_logits)), axis=-1)))
    ### END SOLUTION

# %%
def test_unit_knowledge_distillation():
    logits = np.array([[2.0, 0.0]])
    same = distillation_loss(logits, logits)
    other = distillation_loss(-logits, logits)
    assert other > same > 0.0

test_unit_knowledge_distillation()

# %% nbgrader={"grade": false, "grade_id": "compress-model", "locked": false, "schema_version": 3, "solution": true, "task": false}
#| export
def compress_model(model, sparsity=0.5):
    """Prune by magnitude and report the sparsity reached."""
    ### BEGIN SOLUTION
    magnitude_prune(model, sparsity)
    return {"sparsity": measure_sparsity(model)}
    ### END SOLUTION

# %%
def test_unit_compress_model():
    model = Dense([[1.0, 2.0], [3.0, 4.0]])
    stats = compress_model(model, sparsity=0.5)
    assert stats["sparsity"] == 0.5

test_unit_compress_model()

# %% nbgrader={"grade": false, "grade_id": "demo-profiler", "locked": false, "schema_version": 3, "solution": false, "task": false}
def demo_compression_with_profiler():
    model = Dense(np.arange(1.0, 17.0).reshape(4, 4))
    magnitude_prune(model, 0.75)
    print(f"sparsity after pruning: {measure_sparsity(model):.2f}")

demo_compression_with_profiler()

# %% nbgrader={"grade": false, "grade_id": "analyze-techniques", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_compression_techniques():
    weight = np.arange(1.0, 17.0).reshape(4, 4)
    unstructured = measure_sparsity(magnitude_prune(Dense(weight.copy()), 0.5))
    structured = measure_sparsity(structured_prune(Dense(weight.copy()), 0.5))
    print(f"unstructured {unstructured:.2f} vs structured {structured:.2f}")

analyze_compression_techniques()

# %% nbgrader={"grade": false, "grade_id": "analyze-distillation", "locked": false, "schema_version": 3, "solution": false, "task": false}
def analyze_distillation_effectiveness():
    logits = np.linspace(-2.0, 2.0, 8).reshape(2, 4)
    for temperature in (1.0, 3.0, 10.0):
        print(temperature, distillation_loss(logits, logits, temperature))

analyze_distillation_effectiveness()

# %%
def test_module():
    test_unit_measure_sparsity()
    test_unit_magnitude_prune()
    test_unit_structured_prune()
    test_unit_low_rank_approximate()
    test_unit_knowledge_distillation()
    test_unit_compress_model()
    model = Sequential(Dense([[1.0, 0.0], [0.0, 1.0]]))
    assert measure_sparsity(model) == 0.5

test_module()
