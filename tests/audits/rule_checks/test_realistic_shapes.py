"""Small fixtures for the shapes real course sources take (each found while auditing tests/audits/realistic/)."""

import json

from testkit.auditkit import audit_text, found, line_of, marker, source

TEST_CELL = marker("test-widget", "test") + "\ndef test_unit_widget():\n    assert 2 * 2 == 4\n"


def test_directives_written_the_black_way_are_directives():
    text = source(marker("widget", "impl") + "\n# | export\ndef widget():\n    return 1\n").replace("#| default_exp", "# | default_exp")
    assert found(audit_text(text), "EX001") == []
    twice = text + "\n" + marker("widget-2") + "\n# | export\ndef widget():\n    return 2\n"
    assert found(audit_text(twice), "EX003") == [("EX003", line_of(twice, "def widget", nth=2))]


def test_overload_stubs_are_not_redefinitions():
    cell = marker("size") + "\n#| export\nfrom typing import overload\n@overload\ndef size(x: int) -> int: ...\n@overload\ndef size(x: str) -> int: ...\ndef size(x):\n    return 1\n"
    assert found(audit_text(source(cell)), "EX003") == []


def test_a_raise_is_a_check_but_not_a_placeholder():
    raising = source(marker("t", "test") + "\ndef test_unit_a():\n    if 2 * 2 != 4:\n        raise ValueError('bad')\n")
    assert found(audit_text(raising), "TST001") == []
    placeholder = source(marker("t", "test") + "\ndef test_unit_a():\n    raise NotImplementedError\n")
    assert found(audit_text(placeholder), "TST001") == [("TST001", line_of(placeholder, "def test_unit_a"))]


def test_immediately_called_lambda_runs_its_body():
    text = source(TEST_CELL + "\n(lambda: test_unit_widget())()\nlater = lambda: test_unit_widget()\n")
    assert found(audit_text(text), "TI001") == [("TI001", line_of(text, "(lambda"))]
    assert found(audit_text(text), "SE001") == []


def test_side_effect_inside_a_reported_block_is_not_repeated():
    text = source(TEST_CELL + "\ntry:\n    test_unit_widget()\nexcept AssertionError as error:\n    print(error)\n")
    # one TI001 for the block, no SE001 for the print inside it; the handler that swallows
    # the test's AssertionError is TST002's
    assert found(audit_text(text)) == [("TI001", line_of(text, "try:")), ("TST002", line_of(text, "except AssertionError"))]


def test_nested_side_effect_suggests_guarding_its_block():
    text = source(marker("setup") + "\ntry:\n    import scipy\nexcept ImportError:\n    print('no scipy')\n")
    (finding,) = [f for f in audit_text(text) if f.code == "SE001"]
    assert finding.line == line_of(text, "print('no scipy')")
    assert f"block at line {line_of(text, 'try:')}" in finding.suggestion


def test_metadata_suggestions_keep_the_marker_options():
    tagged = source("# %% tags=[\"setup\"]\nX = 1\n")
    (nb001,) = [f for f in audit_text(tagged) if f.code == "NB001"]
    assert nb001.suggestion.startswith('# %% tags=["setup"] nbgrader={')
    quoted = source("# %% [markdown] nbgrader={'grade': False, 'grade_id': 'intro', 'locked': True, 'schema_version': 3, 'solution': False}\n# Intro\n")
    (nb002,) = [f for f in audit_text(quoted) if f.code == "NB002"]
    assert nb002.suggestion.startswith("# %% [markdown] nbgrader=")
    meta = json.loads(nb002.suggestion.split("nbgrader=", 1)[1])
    assert meta["grade_id"] == "intro" and meta["locked"] is True


def test_student_version_checksum_is_a_v3_key():
    meta = marker("widget", "setup", checksum="0" * 32)
    assert found(audit_text(source(meta + "\nX = 1\n")), "NB003") == []


def test_compose_of_transforms_is_not_a_container_but_layer_chains_are():
    compose = "class Compose:\n    def __init__(self, transforms):\n        self.transforms = list(transforms)\n\n    def __call__(self, x):\n        for t in self.transforms:\n            x = t(x)\n        return x\n"
    assert found(audit_text(source(marker("c") + "\n" + compose)), "CC001") == []
    stack = "class Stack:\n    def __init__(self, *layers):\n        self.layers = list(layers)\n\n    def forward(self, x):\n        for i in range(len(self.layers)):\n            x = self.act(self.layers[i](x))\n        return x\n"
    text = source(marker("s") + "\n" + stack)
    assert found(audit_text(text), "CC001") == [("CC001", line_of(text, "class Stack"))]
    ensemble = "class Ensemble:\n    def __init__(self, models):\n        self.models = models\n\n    def forward(self, x):\n        return [m.forward(x) for m in self.models]\n"
    assert found(audit_text(source(marker("e") + "\n" + ensemble)), "CC001") == []


def test_monkeypatching_at_import_is_a_side_effect():
    text = source(marker("patch") + "\nclass Tensor:\n    pass\n\n\ndef backward(self):\n    return None\n\n\nTensor.backward = backward\nos_env = {}\nos_env['x'] = 1\n")
    assert found(audit_text(text), "SE001") == [("SE001", line_of(text, "Tensor.backward = backward"))]
