"""A rule that raises on one module is a finding (INT001) naming the rule and the module;
the module's other rules and every other module are still audited (as ruff goes on past a file it failed on)."""

import dataclasses
import json

import pytest

import audits.check
from audits.__main__ import main as audits_main
from audits.discover import find_module
from audits.module import main as module_main
from audits.parse import parse_module
from testkit.auditkit import make_checkout, marker, source

# Twenty small modules, each with one composition container (CC001 has something to find everywhere).
MODULES = {
    f"{number:02d}_part{number}": source(
        marker(f"part{number}") + f"\n#| export\nclass Stack{number}:\n    def __init__(self, layers):\n        self.layers = layers\n\n"
        "    def forward(self, x):\n        for layer in self.layers:\n            x = layer.forward(x)\n        return x\n",
        target=f"core.part{number}",
    )
    for number in range(1, 21)
}


@pytest.fixture
def course(tmp_path):
    return make_checkout(tmp_path / "course", MODULES)


@pytest.fixture
def cc001_raises_on_module_07(monkeypatch):
    def broken(rule):
        def check(module, index):
            if module.ref is not None and module.ref.number == 7:
                raise RecursionError("maximum recursion depth exceeded")
            return rule.check(module, index)

        return dataclasses.replace(rule, check=check)

    monkeypatch.delenv("AUDITS_DEBUG", raising=False)
    monkeypatch.setattr(audits.check, "ALL_RULES", [broken(r) if r.code == "CC001" else r for r in audits.check.ALL_RULES])


def test_the_other_modules_are_audited_and_the_rule_is_named(cc001_raises_on_module_07, course, capsys):
    code = audits_main(["--root", str(course), "--jobs", "1", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1  # the crashed module cannot be called ready
    modules = {m["module"]["folder"]: m for m in document["modules"]}
    assert len(modules) == 20
    crashed = [f for f in modules["07_part7"]["findings"] if f["code"] == "INT001"]
    assert len(crashed) == 1 and crashed[0]["line"] == 1 and crashed[0]["severity"] == "high"
    assert "rule CC001" in crashed[0]["message"] and "RecursionError" in crashed[0]["message"] and "07_part7" in crashed[0]["message"]
    # the other 19 were audited by every rule, CC001 included
    assert all([f["code"] for f in m["findings"]] == ["CC001"] for folder, m in modules.items() if folder != "07_part7")
    assert "CC001" not in [f["code"] for f in modules["07_part7"]["findings"]]


def test_the_table_keeps_every_row(cc001_raises_on_module_07, course, capsys):
    assert audits_main(["--root", str(course), "--jobs", "1"]) == 1
    out, err = capsys.readouterr()
    rows = out.splitlines()[1:-1]
    assert len(rows) == 20 and err == ""
    assert all("NOT READY" in row for row in rows)  # CC001 everywhere, INT001 in 07


def test_one_module_names_the_rule_in_text(cc001_raises_on_module_07, course, capsys):
    code = module_main(["7", "--root", str(course), "--format", "text"])
    out = capsys.readouterr().out
    assert code == 1 and "modules/07_part7/part7.py:1:1: INT001 rule CC001 (composition container) raised RecursionError" in out


def test_audits_debug_lets_the_exception_through(cc001_raises_on_module_07, course, monkeypatch):
    monkeypatch.setenv("AUDITS_DEBUG", "1")
    with pytest.raises(RecursionError):
        audits.check.audit_source(parse_module(find_module(course, 7)), None)
