"""A course's conventions, as data: what the engine would otherwise hard-code about TinyTorch.

    Conventions()                   today's values (TinyTorch's package, layout and names; nbgrader's defaults)
    conventions.package             "tinytorch": the package module sources export into (<root>/tinytorch/)
    conventions.tests               "tests": the folder of per-module test folders (tests/16_compression/)
    conventions.checkpoints         "tests/checkpoints": the folder of checkpoint_NN_name.py files
    conventions.synonyms_of(name)   words prose uses for a module ("pruning" for compression)
    conventions.begin_solution ...  nbgrader's delimiters (ClearSolutions, ClearHiddenTests) and stubs
    conventions.copy_ignore ...     what nbgrader leaves out of an assignment's copy (CourseDirectory)

One object per course root, read by `audits.config.load_config` from `[tool.audits]` in the
course's pyproject.toml and from its `nbgrader_config.py` (read with `ast`, never run), and
handed to every stage: discovery and the index, the rules (`module.conventions`), the
exporter and `audits.bite`. This file holds only the record and its defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

# TinyTorch's twenty modules: words its prose uses for each, other than the folder name.
TINYTORCH_SYNONYMS: dict[str, tuple[str, ...]] = {
    "tensor": ("tensors",),
    "activations": ("activation", "relu", "sigmoid", "tanh", "softmax", "gelu", "nonlinearity", "nonlinearities"),
    "layers": ("layer", "linear", "dense"),
    "losses": ("loss",),
    "autograd": ("autodiff", "backprop", "backpropagation", "gradients", "differentiation"),
    "optimizers": ("optimizer", "optim", "sgd", "adam"),
    "training": ("trainer", "train"),
    "dataloader": ("data", "dataloading", "dataset", "datasets", "loader"),
    "spatial": ("cnn", "cnns", "conv", "convolution", "convolutions", "convolutional"),
    "tokenization": ("tokenizer", "tokenizers"),
    "embeddings": ("embedding",),
    "transformers": ("transformer", "gpt"),
    "profiling": ("profiler",),
    "quantization": ("int8",),
    "compression": ("pruning", "prune", "sparsity", "distillation"),
    "memoization": ("kv", "kv-cache", "cache", "caching"),
    "acceleration": ("vectorization", "kernels", "speed"),
    "benchmarking": ("benchmark", "benchmarks", "mlperf", "tinymlperf"),
    "capstone": ("olympics", "torchperf", "project"),
}

# nbgrader's own defaults (nbgrader.preprocessors.ClearSolutions / ClearHiddenTests).
NBGRADER_CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
# What nbgrader leaves out when it copies an assignment's files (CourseDirectory.ignore, include and
# max_file_size, in KB of 1000 bytes): generate_assignment and the exchange copy the files beside a notebook so.
NBGRADER_COPY_IGNORE = (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback")
NBGRADER_COPY_INCLUDE = ("*",)
NBGRADER_MAX_FILE_KB = 100_000
# The kernel languages nbgrader 0.9's ClearSolutions.code_stub has a stub for: it refuses to release a
# notebook whose kernelspec language is not one of them (case counts).
NBGRADER_STUB_LANGUAGES = ("python", "R", "matlab", "octave", "sas", "java")


@dataclass(frozen=True)
class Conventions:
    """What a course calls things and where it keeps them; every field defaults to today's value."""

    package: str = "tinytorch"
    tests: str = "tests"  # relative to the course root, posix form
    checkpoints: str = "tests/checkpoints"
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = tuple(TINYTORCH_SYNONYMS.items())
    begin_solution: str = "BEGIN SOLUTION"
    end_solution: str = "END SOLUTION"
    code_stub: str = NBGRADER_CODE_STUB  # the Python stub nbgrader puts in a region's place
    stub_languages: tuple[str, ...] = NBGRADER_STUB_LANGUAGES  # the kernel languages ClearSolutions.code_stub has a stub for
    text_stub: str = "YOUR ANSWER HERE"  # ... and in a markdown solution cell's
    begin_hidden_tests: str = "BEGIN HIDDEN TESTS"
    end_hidden_tests: str = "END HIDDEN TESTS"
    copy_ignore: tuple[str, ...] = NBGRADER_COPY_IGNORE  # globs of files and folders an assignment's copy leaves out
    copy_include: tuple[str, ...] = NBGRADER_COPY_INCLUDE  # globs of the files it keeps
    max_file_kb: int = NBGRADER_MAX_FILE_KB  # larger files are left out (KB of 1000 bytes, as nbgrader counts)
    notebook_id: str = "*"  # the glob an assignment notebook's name matches (CourseDirectory.notebook_id): nbgrader releases no other
    warnings: tuple[str, ...] = field(default=(), compare=False)  # what could not be read (non-literal nbgrader_config.py values)

    @cached_property
    def _synonyms(self) -> dict[str, frozenset[str]]:
        return {name: frozenset(words) for name, words in self.synonyms}

    def synonyms_of(self, module_name: str) -> frozenset[str]:
        """Words prose uses for the module folder named `module_name` (lower case)."""
        return self._synonyms.get(module_name, frozenset())

    @property
    def stub_lines(self) -> tuple[str, ...]:
        return tuple(self.code_stub.split("\n"))

    @property
    def stub_raise(self) -> tuple[int, str]:
        """(offset of the stub's `raise` line, the exception it raises): (1, "NotImplementedError") for
        nbgrader's stub; (-1, "") when the stub raises nothing by name."""
        for offset, line in enumerate(self.stub_lines):
            words = line.strip().split()
            if len(words) >= 2 and words[0] == "raise":
                return offset, words[1].split("(")[0]
        return -1, ""

    def marker(self, delimiter: str) -> str:
        """A delimiter as a marker line is written in suggestions: "### BEGIN SOLUTION"
        (nbgrader's delimiters may carry their own comment mark)."""
        return delimiter if delimiter.lstrip().startswith("#") else f"### {delimiter}"

    @property
    def begin_marker(self) -> str:
        return self.marker(self.begin_solution)

    @property
    def end_marker(self) -> str:
        return self.marker(self.end_solution)


DEFAULT = Conventions()
