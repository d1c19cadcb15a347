"""CC001: composition containers, detected structurally; mentions in prose are not findings."""

from pathlib import Path

from testkit.auditkit import audit_text, found, line_of, marker, source

GOOD = (Path(__file__).parents[1] / "fixtures" / "good_widget.py").read_text(encoding="utf-8")


def test_container_with_any_name_is_found_at_its_class_line():
    text = source(
        marker("chain")
        + "\nclass Pipeline:\n    def __init__(self, *steps):\n        self.steps = steps\n\n"
        + "    def __call__(self, x):\n        for i, step in enumerate(self.steps):\n            x = step.forward(x)\n        return x\n"
    )
    (finding,) = [f for f in audit_text(text) if f.code == "CC001"]
    assert finding.line == line_of(text, "class Pipeline") and finding.severity.label == "critical"
    assert "self.steps" in finding.message
    # the excerpt is the whole class, from its `class` line to its last line
    lines = text.split("\n")
    assert finding.excerpt == "\n".join(lines[line_of(text, "class Pipeline") - 1 : line_of(text, "return x")])


def test_list_literal_and_append_containers():
    literal = source(
        marker("mlp")
        + "\nclass Net:\n    def __init__(self):\n        self.layers = [Linear(2, 3), ReLU(), Linear(3, 1)]\n\n"
        + "    def forward(self, x):\n        for layer in self.layers:\n            x = layer(x)\n        return x\n"
    )
    assert found(audit_text(literal), "CC001") == [("CC001", line_of(literal, "class Net"))]
    appender = source(
        marker("builder")
        + "\nclass Model:\n    def __init__(self):\n        self.parts = []\n\n    def add(self, part):\n        self.parts.append(part)\n\n"
        + "    def forward(self, x):\n        for part in self.parts:\n            x = part(x)\n        return x\n"
    )
    assert found(audit_text(appender), "CC001") == [("CC001", line_of(appender, "class Model"))]


def test_imports_and_attribute_uses_of_container_names():
    text = source(marker("uses") + "\nfrom torch.nn import Sequential, Linear\nfrom typing import Sequence\nnet = nn.ModuleList([])\n")
    assert found(audit_text(text), "CC001") == [
        ("CC001", line_of(text, "from torch.nn import Sequential")),
        ("CC001", line_of(text, "nn.ModuleList")),
    ]


def test_prose_docstrings_fences_and_repeated_blocks_are_not_findings():
    # good_widget.py mentions Sequential in markdown, in a markdown code fence and in a docstring,
    # and its Stack class builds its own repeated blocks.
    assert found(audit_text(GOOD), "CC001") == []
    comment = source(marker("c") + "\n# class Sequential: never write this\nNOTE = 'Sequential(Linear(2, 2))'\n")
    assert found(audit_text(comment), "CC001") == []
