"""bite shows its progress on a terminal (one line per finished module on stderr) and nothing elsewhere."""

import io
import sys

from audits.bite import __main__ as bite
from testkit.auditkit import make_checkout, marker, source
from testkit.bitekit import reuse_bite_runs

DOUBLE = source(
    marker("double", "impl") + "\ndef double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n",
    marker("test-double", "test") + "\ndef test_unit_double():\n    assert double(2) == 4\n\ntest_unit_double()\n",
)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_on_a_terminal_only(tmp_path, capsys, monkeypatch):
    reuse_bite_runs(monkeypatch)  # the course runs once: on the terminal, then its run is rendered again
    root = make_checkout(tmp_path / "course", {"01_double": DOUBLE, "02_twice": DOUBLE.replace("core.widget", "core.twice")})
    args = ["--root", str(root), "--timeout", "20", "--exit-zero"]
    terminal, captured = Terminal(), sys.stderr
    monkeypatch.setattr(sys, "stderr", terminal)
    assert bite.main(args) == 0
    lines = terminal.getvalue().splitlines()
    assert lines[0].startswith("bite: running 2 module(s), ")
    assert [line.split()[1] for line in lines[1:]] == ["1/2", "2/2"]  # counted as they finish
    assert {line.split()[2] for line in lines[1:]} == {"01_double", "02_twice"} and all(line.endswith(" bites") for line in lines[1:])
    monkeypatch.setattr(sys, "stderr", captured)
    assert bite.main(args) == 0
    assert capsys.readouterr().err == ""  # not a terminal: nothing but the table
