"""What an audit loads: bite's rules (most of audits.bite) only when a suppression comment names a code that is not a static rule's."""

import subprocess
import sys
from pathlib import Path

from testkit.auditkit import bare_env, marker, source

REPO = Path(__file__).resolve().parents[2]
SHOW = (
    "import sys\n"
    "from audits.auditor import Auditor\n"
    "findings = Auditor().audit_target(sys.argv[1]).findings\n"
    "print(sorted({f.code for f in findings}), 'audits.bite.verdicts' in sys.modules)\n"
)


def audit_in_a_fresh_process(tmp_path, comment: str) -> str:
    path = tmp_path / "lone.py"
    path.write_text(source(f'{marker("demo")}\nx = 1  # audit: ignore[{comment}]\n'), encoding="utf-8")
    env = bare_env(AUDITS_NO_CACHE="1")
    run = subprocess.run([sys.executable, "-c", SHOW, str(path)], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


def test_a_comment_naming_static_rules_loads_no_bite_rule(tmp_path):
    assert audit_in_a_fresh_process(tmp_path, "SE001").endswith("['SUP002'] False")  # judged unused, with bite left unloaded


def test_a_comment_naming_a_bite_rule_knows_it(tmp_path):
    """BITE001 is a rule (`python -m audits.bite` honours the comment): no SUP001, and the static audit cannot judge it unused."""
    assert audit_in_a_fresh_process(tmp_path, "BITE001").endswith("[] True")
