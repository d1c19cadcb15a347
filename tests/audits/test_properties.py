"""Property tests: no text makes the auditor crash, and fixing is idempotent.

Arbitrary text and mutated real sources (deleted, duplicated and inserted lines,
extra `# %%` markers, byte flips) must give findings, or an InputError (exit 2)
when the bytes are not UTF-8. The Python API is called directly, for speed.
"""

import functools
import json
import tempfile
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audits.check import audit_source
from audits.fix import fix_source
from audits.model import Finding, InputError
from audits.auditor import Auditor
from audits.parse import parse_text
from audits.report import ModuleInfo, fixplan, markdown, text
from audits.report import json as json_report
from audits.rules import ALL_RULES

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SOURCES = sorted(HERE.glob("seedlike/*/modules/*/*.py")) + sorted(REPO.glob("modules/[0-9][0-9]_*/*.py"))[:6]
SEEDS = [path.read_bytes() for path in SOURCES]
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

MARKERS = [b"# %%", b"# %% [markdown]", b'# %% nbgrader={"grade": true', b"# %% nbgrader={}", b"#| export", b"#| default_exp x.y",
           b"if __name__ == \"__main__\":", b"test_module()", b"    ### BEGIN SOLUTION", b'"""', b"class Sequential:"]


@functools.cache
def report_schema():
    """The JSON report's schema as a validator, checked against its metaschema once: `jsonschema.validate`
    checks the schema itself on every call, which was 95% of an example's time here."""
    validator = jsonschema.validators.validator_for(json_report.SCHEMA)
    validator.check_schema(json_report.SCHEMA)
    return validator(json_report.SCHEMA)


def check_findings(module, findings):
    assert isinstance(findings, list)
    for finding in findings:
        assert isinstance(finding, Finding) and finding.code and isinstance(finding.line, int)
    info = ModuleInfo.from_source(module)
    for render in (text.render, markdown.render, fixplan.render):
        assert isinstance(render(info, findings, ALL_RULES, "2025-01-01"), str)
    report_schema().validate(json.loads(json_report.render(info, findings, ALL_RULES)))


@SETTINGS
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_arbitrary_text_gives_findings(source):
    module = parse_text(source, "fuzz.py")
    check_findings(module, audit_source(module, None, None))


@st.composite
def mutated(draw):
    lines = draw(st.sampled_from(SEEDS)).split(b"\n")
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, max(0, len(lines) - 1)))
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "flip"]))
        if op == "delete" and len(lines) > 1:
            del lines[where]
        elif op == "duplicate":
            lines.insert(where, lines[where])
        elif op == "insert":
            lines.insert(where, draw(st.sampled_from(MARKERS)))
        elif op == "flip" and lines[where]:
            line = bytearray(lines[where])
            at = draw(st.integers(0, len(line) - 1))
            line[at] ^= 1 << draw(st.integers(0, 7))
            lines[where] = bytes(line)
    return b"\n".join(lines)


@SETTINGS
@given(mutated())
def test_mutated_sources_give_findings_or_an_input_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mutant.py"
        path.write_bytes(data)
        try:
            audit = Auditor(folder).audit_target(str(path))
        except InputError as error:
            assert "not UTF-8" in str(error)
            return
        check_findings(audit.module, audit.findings)


def fix(module, findings, text):
    """`fix_source` with its default audit (the file alone), given the findings of `module` itself so that it
    does not audit its starting point again: the tests below have just audited it (a third of their time)."""
    return fix_source(module, findings, text, audit=lambda version: findings if version is module else audit_source(version, None, None))


# Each example fixes a mutated module source twice, up to ~1,000 lines each time: 25 examples by default
# (the same ones every run), 250 new ones under HYPOTHESIS_PROFILE=thorough.
@settings(SETTINGS, max_examples=25)
@given(mutated())
def test_fixing_twice_changes_nothing_the_second_time(data):
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    module = parse_text(source, "mutant.py")
    first = fix(module, audit_source(module, None, None), source)
    refixed = parse_text(first.text, "mutant.py")
    second = fix(refixed, audit_source(refixed, None, None), first.text)
    assert second.text == first.text
    # the fixer never breaks a cell that compiled
    before = sum(1 for cell in module.code_cells() if cell.tree is not None)
    after = sum(1 for cell in refixed.code_cells() if cell.tree is not None)
    assert after >= before


# --------------------------------------------------------------------------- safe fixes
# `--fix` never adds blocking findings, is idempotent, and never grades or locks a cell
# holding solution code: on every fixture source and on generated ones.

FIXTURE_SOURCES = sorted(
    path
    for folder in ("seedlike", "realistic", "fixtures", "rule_fixtures")
    for path in (HERE / folder).rglob("*.py")
    if not path.name.startswith("test_")
) + sorted(REPO.glob("modules/[0-9][0-9]_*/*.py"))


def _locked_solutions(module) -> int:
    """Cells holding solution code (markers or `"solution": true`) that are graded or locked."""
    from audits.rules.nbgrader import solution_markers

    count = 0
    for cell in module.code_cells():
        meta = cell.nbgrader if isinstance(cell.nbgrader, dict) else {}
        if (solution_markers(cell) or meta.get("solution") is True) and (meta.get("grade") is True or meta.get("locked") is True):
            count += 1
    return count


def assert_fix_is_safe(source: str, name: str = "m.py") -> None:
    from audits.score import blocking

    module = parse_text(source, name)
    before = audit_source(module, None, None)
    first = fix(module, before, source)
    fixed = parse_text(first.text, name)
    after = audit_source(fixed, None, None)
    assert len(blocking(after)) <= len(blocking(before)), (first.text, [f.code for f in blocking(after)])
    assert _locked_solutions(fixed) <= _locked_solutions(module), first.text
    assert sum(c.syntax_error is not None for c in fixed.code_cells()) <= sum(c.syntax_error is not None for c in module.code_cells())
    assert fix(fixed, after, first.text).text == first.text, "fixing twice changed the text again"


def test_the_fixture_list_is_not_empty():
    assert len(FIXTURE_SOURCES) >= 30


def test_fix_is_safe_and_idempotent_on_every_fixture_source():
    for path in FIXTURE_SOURCES:
        assert_fix_is_safe(path.read_text(encoding="utf-8"), path.name)


METAS = [
    "", ' nbgrader={"grade": false, "grade_id": "g%d", "locked": false, "schema_version": 3, "solution": true, "task": false}',
    ' nbgrader={"grade": true, "grade_id": "g%d", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}',
    ' nbgrader={"grade_id": "g%d", "solution": true}', ' nbgrader={"grade": true}', " nbgrader={'grade': True}",
    ' nbgrader={"grade": false, "grade_id": "g%d", "locked": false, "schema_version": 2, "solution": false}',
]
BODIES = [
    "import numpy as np",
    "#| export\ndef widget(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
    "def test_unit_widget():\n    assert widget(1) == 2",
    "def test_unit_widget():\n    assert widget(1) == 2\n\ntest_unit_widget()",
    "def widget(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n\ndef test_unit_widget():\n    assert widget(1) == 2\n\ntest_unit_widget()",
    "#| export\nclass Model:\n    def forward(self, x):\n        return x\n\ndef test_unit_model():\n    assert Model().forward(1) == 1",
    "demo_widget()\nanalyze_widget(\n    1)",
    'for i in range(2):\n    test_unit_widget()',
    'x = """a\nb"""; test_unit_widget()',
    "def broken(:\n    pass",
]


@st.composite
def generated_sources(draw):
    cells = ['# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}\n#| default_exp core.widget\n#| export\nimport numpy as np']
    for number in range(draw(st.integers(1, 6))):
        meta = draw(st.sampled_from(METAS))
        cells.append("# %%" + (meta % number if "%d" in meta else meta) + "\n" + draw(st.sampled_from(BODIES)))
    return "\n\n".join(cells) + draw(st.sampled_from(["\n", "", "\n\n"]))


@SETTINGS
@given(generated_sources())
def test_fix_is_safe_and_idempotent_on_generated_sources(source):
    assert_fix_is_safe(source)
