"""What a cold audit leaves out: the result cache when it is off, and test files parsed before their module's turn."""

import sys

from audits.__main__ import replay
from audits.auditor import Auditor
from audits.parallel import Team
from testkit.auditkit import make_checkout, marker, source

CELL = marker("w", "impl") + "\n#| export\ndef widget():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
TEST = "from tinytorch.core.widget import widget\n\n\ndef test_widget():\n    assert widget() == 1\n"


def checkout(tmp_path):
    return make_checkout(
        tmp_path,
        {"01_widget": source(CELL), "02_gadget": source(CELL.replace("widget", "gadget"), target="core.gadget")},
        {"tests/01_widget/test_widget.py": TEST, "tests/02_gadget/test_gadget.py": TEST.replace("widget", "gadget")},
    )


def test_with_the_cache_off_the_cache_module_is_never_loaded(tmp_path, monkeypatch):
    """AUDITS_NO_CACHE=1 (the cold benchmark, CI): neither the replay nor the auditor imports audits.cache
    (and hashlib's OpenSSL with it, a tenth of the start-up's imports)."""
    root = checkout(tmp_path)
    monkeypatch.setenv("AUDITS_NO_CACHE", "1")
    monkeypatch.chdir(root)
    monkeypatch.delitem(sys.modules, "audits.cache", raising=False)
    monkeypatch.setitem(sys.modules, "audits.cache", None)  # importing it now raises ImportError
    assert replay([]) is None
    auditor = Auditor(root, cache=True)
    audits = [auditor.audit_ref(ref) for ref in auditor.refs]
    assert [audit.ref.number for audit in audits] == [1, 2] and auditor._cache is None


def test_the_exports_step_parses_no_test_file(tmp_path):
    """Before the processes swap exports, each parses only its module sources: the test files are parsed
    module by module during the audit and let go with it, never all held at once."""
    auditor = Auditor(checkout(tmp_path))
    refs = auditor.refs
    texts = {at: ref.path.read_text(encoding="utf-8") for at, ref in enumerate(refs)}
    team = Team(auditor, refs, texts, [[0], [1]])
    exports = team.exports([0, 1])
    assert sorted(exports) == [1, 2] and auditor.index._tests == {}
    assert sorted(team.audit([0, 1])) == [0, 1] and auditor.index._tests == {}  # parsed, audited, let go


def test_a_cells_numbered_lines_are_made_once_and_follow_its_source():
    from audits.parse import parse_text

    cell = parse_text("# %%\nx = 1\ny = 2\n").cells[0]
    assert cell.lines() == [(2, "x = 1"), (3, "y = 2")] and cell.lines() is cell.lines()
    cell.source = "z = 3"
    assert cell.lines() == [(2, "z = 3")]
    cell.body_start = 5
    assert cell.lines() == [(5, "z = 3")]
