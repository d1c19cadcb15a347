"""Each extension point is one registry that every command reads.

Output formats (audits.report.FORMATS): a format registered here, and nowhere else,
is offered by `tinyaudit`/`python -m audits`, `python -m audits.module` and
`python -m audits.bite`, and each renders all modules of a run in ONE call of the
format's `render_all` (a command with its own branch per format, or rendering module by
module, fails here). Rules (audits.rules.every_rule): bite's codes are explained,
selected, ignored and suppressed as the static ones are.
"""

import json
import sys
import types

import pytest

from audits import report
from audits.__main__ import main as audits_main
from audits.bite.__main__ import main as bite_main
from audits.bite.mutation import RULES as MUTATION_RULES
from audits.bite.verdicts import RULES as VERDICT_RULES
from audits.module import main as module_main
from audits.rules import ALL_RULES, every_rule, get_rule
from audits.rules.__main__ import main as rules_main
from testkit.auditkit import make_checkout, marker, source

BITE_RULES = [*VERDICT_RULES, *MUTATION_RULES]  # every module of audits.rules.DYNAMIC_RULE_MODULES

SCALE = source(marker("scale", "impl") + "\ndef scale(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n")
TESTED = source(
    marker("double", "impl") + "\ndef double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n",
    marker("test-double", "test") + "\ndef test_unit_double():\n    assert double(2) == 4\n\nif __name__ == \"__main__\":\n    test_unit_double()\n",
    target="core.double",
)


@pytest.fixture
def probe(monkeypatch):
    """A format registered in one line (FORMATS) plus one module, as CONTRIBUTING describes; records its calls."""
    calls = []
    module = types.ModuleType("audits.report.probe")

    def render_all(reports, rules, options):
        calls.append(sorted(r.info.path for r in reports))
        return f"PROBE {len(reports)} module(s)\n"

    module.render_all = render_all
    monkeypatch.setitem(sys.modules, "audits.report.probe", module)
    monkeypatch.setitem(report.FORMATS, "probe", ".probe")
    return calls


@pytest.fixture
def checkout(tmp_path):
    return make_checkout(tmp_path / "course", {"01_scale": SCALE, "02_double": TESTED})


@pytest.mark.parametrize("command", [audits_main, module_main], ids=["audits", "audits.module"])
def test_a_registered_format_is_offered_by_the_static_commands_and_renders_a_run_at_once(command, probe, checkout, capsys):
    targets = [] if command is audits_main else ["1", "2"]
    command([*targets, "--root", str(checkout), "--format", "probe", "--exit-zero"])
    assert capsys.readouterr().out == "PROBE 2 module(s)\n"
    assert probe == [["modules/01_scale/scale.py", "modules/02_double/double.py"]]


def test_a_registered_format_is_offered_by_bite_and_renders_a_run_at_once(probe, checkout, capsys):
    bite_main(["--root", str(checkout), "--format", "probe", "--exit-zero", "--timeout", "20"])
    out, err = capsys.readouterr()
    assert out == "PROBE 2 module(s)\n", err
    assert probe == [["modules/01_scale/scale.py", "modules/02_double/double.py"]]


def test_an_output_file_suffix_names_a_registered_format(probe, checkout, capsys, tmp_path):
    target = tmp_path / "out" / "audit.probe"
    target.parent.mkdir()
    audits_main(["--root", str(checkout), "--output", str(target), "--exit-zero"])
    assert target.read_text(encoding="utf-8") == "PROBE 2 module(s)\n"


@pytest.mark.parametrize("name", list(report.FORMATS))
def test_every_registered_format_is_one_module_with_render_all(name):
    module = report.renderer(name)
    assert callable(module.render_all), name
    assert report.format_for_path(f"x{report.FORMATS[name]}") == name


# -- rules: one registry for the static audit and bite -----------------------------------------


def test_every_rule_is_the_static_rules_and_bites():
    assert [rule.code for rule in every_rule()] == sorted(rule.code for rule in [*ALL_RULES, *BITE_RULES])
    assert {"BITE001", "BITE002", "BITE003", "BITE004", "BITE005", "BITE006"} <= {rule.code for rule in BITE_RULES}
    assert not {rule.code for rule in BITE_RULES} & {rule.code for rule in ALL_RULES}


@pytest.mark.parametrize("code", [rule.code for rule in BITE_RULES])
def test_explain_works_for_bite_codes(code, capsys):
    assert rules_main(["--explain", code]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{code}: {get_rule(code).name}\n") and "How to fix" in out


def test_rule_list_names_bite_codes(capsys):
    assert rules_main([]) == 0
    assert "BITE001 " in capsys.readouterr().out


def test_select_and_ignore_take_bite_codes_in_the_static_audit(tmp_path, capsys):
    flawed = make_checkout(tmp_path / "course", {"01_scale": SCALE + "\nprint(scale(2))\n"})
    assert module_main(["1", "--root", str(flawed), "--format", "json", "--ignore", "BITE003"]) == 1
    assert json.loads(capsys.readouterr().out)["findings"] != []
    # Selecting only bite's rules leaves the static audit nothing to report: accepted, clean, exit 0.
    assert module_main(["1", "--root", str(flawed), "--format", "json", "--select", "BITE"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_bite_takes_select_and_ignore(checkout, capsys):
    args = ["2", "--root", str(checkout), "--format", "json", "--timeout", "20"]
    bite_main([*args, "--select", "BITE003"])
    kept = {f["code"] for m in json.loads(capsys.readouterr().out)["modules"] for f in m["findings"]}
    assert kept <= {"BITE003"}
    bite_main([*args, "--ignore", "BITE,GR"])
    assert [f for m in json.loads(capsys.readouterr().out)["modules"] for f in m["findings"]] == []


def test_a_suppressed_bite_code_is_not_an_unknown_code(tmp_path, capsys):
    root = make_checkout(
        tmp_path / "course",
        {"01_scale": SCALE.replace("def scale(x):", "def scale(x):  # audit: ignore[BITE003]")},
    )
    module_main(["1", "--root", str(root), "--format", "json"])
    codes = [f["code"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert "SUP001" not in codes and "SUP002" not in codes, codes
    spelled_wrong = make_checkout(tmp_path / "other", {"01_scale": SCALE.replace("def scale(x):", "def scale(x):  # audit: ignore[BITE03]")})
    module_main(["1", "--root", str(spelled_wrong), "--format", "json"])
    unknown = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["code"] == "SUP001"]
    assert len(unknown) == 1 and "BITE003" in unknown[0]["message"]  # did you mean BITE003?
