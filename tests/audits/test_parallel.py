"""A whole-repository audit in several processes (audits.parallel) gives exactly what the serial audit gives:
the same output, exit status and result-cache entries, the same table rows for unreadable modules and
the same internal error when a rule fails. And the workers really do part of the work.

How much faster it is, is printed by benchmarks/audit_speed.py.
"""

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import audits.check
import audits.index
import audits.parallel
import audits.rules.syntax
from audits.auditor import Auditor
from audits.cache import CACHE_DIR, RECORD
from audits.model import unfold
from audits.module import audit_every_module
from audits.parallel import jobs_wanted
from testkit.auditkit import assert_one_line_error, bare_env, run_command

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CHECKOUTS = {
    "ours": REPO,  # 20 modules, their test folders and checkpoints
    "duplicates": HERE / "layouts" / "duplicates",  # two folders numbered 02: whose exports count
    "misplaced_tests": HERE / "layouts" / "misplaced_tests",  # test folders named for another module
    "nbgrader_course": HERE / "layouts" / "nbgrader_course",  # notebooks
    "source_layout": HERE / "realistic" / "source_layout",  # five modules, eleven findings
}


def audit(root, jobs, *options):
    return run_command("audits", "--root", root, "--jobs", jobs, *options)


@pytest.fixture
def forks(monkeypatch):
    """How many workers the audits of this test forked: a comparison with the serial run
    proves nothing if the "parallel" run quietly stayed in one process."""
    forked = []
    real = audits.parallel.Team._fork

    def counting(self, group, siblings):
        child = real(self, group, siblings)  # only the parent returns from it
        forked.append(group)
        return child

    monkeypatch.setattr(audits.parallel.Team, "_fork", counting)
    return forked


@pytest.mark.parametrize("name", sorted(CHECKOUTS))
@pytest.mark.parametrize("options", [("--format", "json", "--date", "2026-01-02"), ()], ids=["json", "table"])
def test_two_processes_give_the_serial_output(name, options, forks):
    serial = audit(CHECKOUTS[name], 1, *options)
    assert forks == []
    parallel = audit(CHECKOUTS[name], 2, *options)
    assert len(forks) == 1 and forks[0]  # one worker, auditing some modules
    assert serial.returncode in (0, 1), serial.stderr
    assert serial.stdout  # something was audited and printed
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (serial.returncode, serial.stdout, serial.stderr)


def test_more_processes_than_modules_give_the_serial_output(forks):
    serial, parallel = audit(CHECKOUTS["source_layout"], 1), audit(CHECKOUTS["source_layout"], 8)  # five modules
    assert sorted(len(group) for group in forks) == [1, 1, 1, 1]  # the parent audits the fifth
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (serial.returncode, serial.stdout, serial.stderr)


def test_without_fork_the_audit_is_serial_in_this_process(monkeypatch, forks):
    """Where os.fork is missing or unsafe (Windows, a threaded process) every module is audited here."""
    monkeypatch.setattr(audits.parallel, "can_fork", lambda: False)
    serial = audit_every_module(Auditor(CHECKOUTS["source_layout"]), jobs=1)[0]
    parsed = []
    real = audits.index.parse_module
    monkeypatch.setattr(audits.index, "parse_module", lambda ref: parsed.append(ref) or real(ref))
    fallback = audit_every_module(Auditor(CHECKOUTS["source_layout"]), jobs=2)[0]
    assert len(parsed) == len(fallback) == 5 and forks == []  # every module parsed here, once
    assert [audit.findings for audit in fallback] == [audit.findings for audit in serial]
    assert sum(len(unfold(audit.findings)) for audit in serial) == 11  # places (findings of one rule in one cell fold into one)


def test_the_fixtures_have_findings_to_compare():
    """The comparison above is only as strong as what there is to compare."""
    assert audit(CHECKOUTS["source_layout"], 1).returncode == 1
    assert '"code": ' in audit(CHECKOUTS["duplicates"], 1, "--format", "json").stdout


def test_the_workers_audit_part_of_the_modules():
    """In a fresh process (single-threaded, so it may fork): the parent parses only part of the
    modules (a child parses and audits the others). On the five-module checkout: the split is the
    same on ours, whose serial and parallel outputs the tests above compare (a third of the CPU)."""
    script = (
        "import audits.index; from audits.auditor import Auditor; from audits.module import audit_every_module; "
        "parsed = []; real = audits.index.parse_module; "
        "audits.index.parse_module = lambda ref: parsed.append(ref) or real(ref); "
        f"audits, _ = audit_every_module(Auditor({str(CHECKOUTS['source_layout'])!r}), jobs=2); "
        "print(len(parsed), len(audits))"
    )
    env = bare_env(AUDITS_NO_CACHE="1")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    parsed_here, total = map(int, result.stdout.split())
    assert total == 5 and 0 < parsed_here < total


def test_a_whole_checkout_audit_lets_go_of_each_parse(monkeypatch):
    """Once a module is audited its parse and test files are let go (at 200 modules they would hold
    hundreds of megabytes to the end); its exports stay, and its findings are those of auditing
    it alone."""
    monkeypatch.setenv("AUDITS_NO_CACHE", "1")
    auditor = Auditor(CHECKOUTS["source_layout"])
    whole = audit_every_module(auditor, jobs=1)[0]
    assert all(audit.parsed is None for audit in whole)
    assert auditor.index._sources == {} and auditor.index._tests == {}
    assert sorted(auditor.index._exports) == sorted(auditor.index.refs)
    alone = Auditor(CHECKOUTS["source_layout"])
    assert [audit.findings for audit in whole] == [alone.audit_ref(ref).findings for ref in alone.refs]
    assert [audit.info for audit in whole] == [audit.info for audit in (alone.audit_ref(ref) for ref in alone.refs)]


def test_cache_entries_are_those_of_the_serial_run(tmp_path, monkeypatch, forks):
    monkeypatch.delenv("AUDITS_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    root = tmp_path / "course"
    shutil.copytree(CHECKOUTS["source_layout"], root)

    def entries():
        folder = root / CACHE_DIR
        return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}

    serial = audit(root, 1)
    written = entries()
    shutil.rmtree(root / CACHE_DIR)
    parallel = audit(root, 2)
    assert len(forks) == 1  # the entries of the worker's modules came up its pipe
    assert sum(name.endswith(".json") and not name.split("/")[-1].startswith(RECORD) for name in written) == 5  # one entry per module
    assert sum(name.split("/")[-1].startswith(RECORD) for name in written) == 1  # and the table (--jobs is not part of its key)
    assert entries() == written
    assert (parallel.returncode, parallel.stdout) == (serial.returncode, serial.stdout)


def test_an_unreadable_module_is_the_same_row(tmp_path, forks):
    root = tmp_path / "course"
    shutil.copytree(CHECKOUTS["source_layout"], root)
    victim = sorted(root.rglob("*.py"))[0]
    victim.write_bytes(b"x = '\xff'\n")  # not UTF-8
    serial, parallel = audit(root, 1), audit(root, 2)
    assert serial.returncode == 1 and "not UTF-8" in serial.stdout and forks
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (serial.returncode, serial.stdout, serial.stderr)


def with_rule(monkeypatch, check):
    """Every audit in this process (and the children it forks) also runs `check` as a rule."""
    extra = dataclasses.replace(audits.rules.syntax.RULE, check=check)
    monkeypatch.setattr(audits.check, "ALL_RULES", [*audits.check.ALL_RULES, extra])


def test_a_failing_rule_is_the_same_finding(monkeypatch, forks):
    def broken(module, index):
        raise ZeroDivisionError("rule bug")

    monkeypatch.delenv("AUDITS_DEBUG", raising=False)
    with_rule(monkeypatch, broken)
    serial, parallel = audit(CHECKOUTS["source_layout"], 1), audit(CHECKOUTS["source_layout"], 2)
    assert serial.returncode == 1 and serial.stderr == "" and forks  # INT001 in every module, every row kept
    assert len(serial.stdout.splitlines()) == 7 and "5 of 5 NOT READY" in serial.stdout
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (serial.returncode, serial.stdout, serial.stderr)


def test_a_child_that_dies_leaves_its_modules_to_the_parent(monkeypatch, tmp_path, forks):
    """A worker killed half-way (here: it leaves in the middle of a rule) costs time, never findings."""
    parent = os.getpid()
    died = tmp_path / "died"

    def dies_in_a_child(module, index):
        if os.getpid() != parent:
            died.mkdir(exist_ok=True)
            (died / str(os.getpid())).touch()
            os._exit(3)
        return []

    serial = audit(CHECKOUTS["source_layout"], 1)
    with_rule(monkeypatch, dies_in_a_child)
    parallel = audit(CHECKOUTS["source_layout"], 3)
    assert len(forks) == 2 and len(list(died.iterdir())) == 2  # both workers died in the rule
    assert serial.returncode == 1 and serial.stdout.count("NOT READY") >= 2
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (serial.returncode, serial.stdout, serial.stderr)


@pytest.mark.parametrize("value", ["0", "two", "-1", "²", "٣", "1" + "0" * 5000], ids=["0", "two", "-1", "²", "٣", "5001-digits"])
def test_a_bad_number_of_jobs_is_a_usage_error(value, monkeypatch):
    result = audit(CHECKOUTS["source_layout"], value)
    assert_one_line_error(result.returncode, result.stderr, "--jobs")
    monkeypatch.setenv("AUDITS_JOBS", value)
    result = run_command("audits", "--root", CHECKOUTS["source_layout"])
    assert_one_line_error(result.returncode, result.stderr, "AUDITS_JOBS")


def test_the_default_is_one_process_per_usable_cpu_unless_audits_jobs_says_otherwise(monkeypatch):
    monkeypatch.delenv("AUDITS_JOBS", raising=False)
    assert jobs_wanted() == len(os.sched_getaffinity(0))
    monkeypatch.setenv("AUDITS_JOBS", "3")
    assert jobs_wanted() == 3
