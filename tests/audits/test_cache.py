"""The result cache: an unchanged checkout is not re-audited; any change to what findings depend on is.

Correctness only (hits, misses, invalidation, safety); how fast it is is printed
by benchmarks/audit_speed.py.
"""

import contextlib
import dataclasses
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import audits.cache
import audits.check
import audits.files
import audits.index
from audits.__main__ import main as audits_main
from audits.auditor import Auditor
from audits.cache import CACHE_DIR, RECORD, finding_from_json, finding_to_json, recorded_table
from audits.model import Edit, Finding, Fix, Safety, Severity
from testkit.auditkit import bare_env, make_checkout, marker, source

REPO = Path(__file__).resolve().parents[2]
TEST_CELL = marker("t", "test") + "\ndef test_unit_w():\n    assert 2 + 2 == 4\n"
FLAWED = source(TEST_CELL + "\ntest_unit_w()\n")  # an unguarded test call: TI001, with its fix
CLEAN = source(marker("w", "impl") + "\n#| export\ndef widget():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n")


@pytest.fixture
def cached(tmp_path, monkeypatch):
    """Caching on, with this test's own cache secret; counts how often the rules really run."""
    monkeypatch.delenv("AUDITS_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    runs = []
    real = audits.check.audit_source

    def counting(module, index, config=None, suppressed=None):
        runs.append(module.path.name)
        return real(module, index, config, suppressed)

    monkeypatch.setattr(audits.check, "audit_source", counting)  # the auditor imports it when it first audits
    root = make_checkout(tmp_path / "course", {"01_widget": FLAWED, "02_gadget": CLEAN})
    return root, runs


def audit_all(root):
    auditor = Auditor(root, cache=True)
    return {ref.folder: auditor.audit_ref(ref).findings for ref in auditor.refs}


def warm(root, runs):
    """Audit twice, the second time from the cache: a later re-audit is then the change's doing, not a cache that never hits."""
    audit_all(root)
    audit_all(root)
    assert len(runs) == 2


def test_findings_survive_the_json_round_trip_fix_and_all():
    fix = Fix("guard the call", (Edit(3, 3, 'if __name__ == "__main__":\n    test_unit_w()'), Edit(5, 4, "")), Safety.UNSAFE)
    finding = Finding("TI001", Severity.CRITICAL, "m.py", 3, "unguarded", "test_unit_w()", "guard it", "Test isolation", 5, fix, ("tests/x.py:1 uses it",))
    data = json.loads(json.dumps(finding_to_json(finding)))
    assert finding_from_json(data) == finding


def test_a_second_run_reuses_every_finding(cached):
    root, runs = cached
    first = audit_all(root)
    assert [f.code for f in first["01_widget"]] == ["TI001"] and first["02_gadget"] == []
    assert sorted(runs) == ["gadget.py", "widget.py"]
    assert audit_all(root) == first
    assert len(runs) == 2  # the rules did not run again
    assert (root / CACHE_DIR / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"


def test_changing_the_module_re_audits_it(cached):
    root, runs = cached
    audit_all(root)
    (root / "modules/01_widget/widget.py").write_text(FLAWED.replace("\ntest_unit_w()\n", "\nif __name__ == '__main__':\n    test_unit_w()\n"), encoding="utf-8")
    again = audit_all(root)
    assert again["01_widget"] == [] and len(runs) == 4
    assert len(list((root / CACHE_DIR).glob("*/*.json"))) == 2  # the entries of the earlier state are gone


def test_changing_another_file_of_the_checkout_re_audits(cached):
    """Cross-module rules read other modules, tests and which files exist: any change there counts."""
    root, runs = cached
    warm(root, runs)
    (root / "tests/01_widget").mkdir(parents=True)
    (root / "tests/01_widget/test_widget.py").write_text("def test_placeholder():\n    pass\n", encoding="utf-8")
    audit_all(root)
    assert len(runs) == 4


def test_changing_the_configuration_re_audits(cached):
    root, runs = cached
    audit_all(root)
    (root / "pyproject.toml").write_text('[tool.audits]\nignore = ["TI001"]\n', encoding="utf-8")
    again = audit_all(root)
    assert again["01_widget"] == [] and len(runs) == 4
    assert len(list((root / CACHE_DIR).glob("*/*.json"))) == 2  # the entries of the earlier state are gone


def test_a_configuration_changed_after_start_is_honoured(cached):
    """Commands narrow the configuration after building the Auditor (--select/--ignore): the cache keys on it per call."""
    root, runs = cached
    audit_all(root)
    auditor = Auditor(root, cache=True)
    auditor.config = dataclasses.replace(auditor.config, ignore=frozenset({"TI001"}))
    assert auditor.audit_target("01").findings == [] and len(runs) == 3
    auditor.config = dataclasses.replace(auditor.config, profile="nbgrader")
    auditor.audit_target("01")
    assert len(runs) == 4


def test_suppressed_findings_are_cached_too(cached):
    root, runs = cached
    path = root / "modules/01_widget/widget.py"
    path.write_text(FLAWED.replace("\ntest_unit_w()\n", "\ntest_unit_w()  # audit: ignore[TI001]\n"), encoding="utf-8")
    first = Auditor(root, cache=True).audit_target("01")
    again = Auditor(root, cache=True).audit_target("01")
    assert [f.code for f in again.suppressed] == ["TI001"] and again.suppressed == first.suppressed and len(runs) == 1


def test_a_new_auditor_version_re_audits(cached, monkeypatch):
    root, runs = cached
    warm(root, runs)
    monkeypatch.setattr(audits.cache, "auditor_fingerprint", lambda hashes=None: "another auditor")
    audit_all(root)
    assert len(runs) == 4


def test_the_auditor_fingerprint_follows_its_source(tmp_path, monkeypatch):
    copy = tmp_path / "audits"
    copy.mkdir()
    (copy / "rule.py").write_text("CODE = 'X1'\n", encoding="utf-8")
    monkeypatch.setattr(audits.cache, "AUDITS", copy)
    before = audits.cache.auditor_fingerprint()
    (copy / "rule.py").write_text("CODE = 'X2'\n", encoding="utf-8")
    assert audits.cache.auditor_fingerprint() != before


def test_entries_from_another_users_cache_never_match(cached, monkeypatch, tmp_path):
    """A cache folder shipped inside an untrusted checkout cannot supply findings: its keys hold another secret."""
    root, runs = cached
    warm(root, runs)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "grader-cache"))
    audit_all(root)
    assert len(runs) == 4


@pytest.mark.parametrize("garbage", [b"not a secret\n", b"ab" * 31, b"\xff\xfe", b""], ids=["text", "short", "binary", "empty"])
def test_a_garbage_secret_is_replaced_and_the_cache_works_again(cached, tmp_path, garbage):
    root, runs = cached
    secret = tmp_path / "user-cache" / "audits" / "secret"
    secret.parent.mkdir(parents=True)
    secret.write_bytes(garbage)
    warm(root, runs)  # the second audit is answered from the cache
    assert len(bytes.fromhex(secret.read_text(encoding="ascii"))) == audits.cache.SECRET_BYTES


def test_a_garbage_secret_that_cannot_be_replaced_is_reported(cached, tmp_path, capsys):
    root, runs = cached
    secret = tmp_path / "user-cache" / "audits" / "secret"
    (secret / "inside").mkdir(parents=True)  # a folder in its place: no file can replace it
    assert audits.cache.ResultCache.open(root) is None
    err = capsys.readouterr().err
    assert err.startswith(f"warning: result cache off: {secret} is not a cache secret and cannot be replaced") and err.count("\n") == 1


def test_a_cache_folder_that_is_a_symlink_is_never_written_or_pruned(cached, tmp_path):
    root, runs = cached
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "0123456789abcdef01234567").mkdir(parents=True)  # looks like a state folder
    (root / CACHE_DIR).symlink_to(elsewhere, target_is_directory=True)
    first = audit_all(root)
    assert audit_all(root) == first and len(runs) == 4  # nothing cached
    assert [path.name for path in elsewhere.iterdir()] == ["0123456789abcdef01234567"]


def test_a_corrupt_entry_is_a_miss(cached):
    root, runs = cached
    first = audit_all(root)
    entries = list((root / CACHE_DIR).glob("*/*.json"))
    assert len(entries) == 2  # else there is nothing to corrupt and the re-audit below proves nothing
    for entry in entries:
        entry.write_text('{"findings": [{"code": 1}]', encoding="utf-8")
    assert audit_all(root) == first and len(runs) == 4


def test_without_cache_nothing_is_written(cached, monkeypatch):
    root, _ = cached
    monkeypatch.setenv("AUDITS_NO_CACHE", "1")
    audit_all(root)
    Auditor(root).audit_target("01")  # the library default: no cache either
    assert not (root / CACHE_DIR).exists()


def test_a_fix_in_between_is_seen_by_the_same_auditor(cached):
    root, _ = cached
    auditor = Auditor(root, cache=True)
    assert [f.code for f in auditor.audit_target("01").findings] == ["TI001"]
    path = root / "modules/01_widget/widget.py"
    path.write_text(path.read_text(encoding="utf-8").replace("\ntest_unit_w()\n", "\n"), encoding="utf-8")
    assert auditor.audit_target("01").findings == []


def test_two_audits_at_once_agree_and_leave_only_whole_entries(cached, tmp_path):
    root, _ = cached
    env = bare_env(XDG_CACHE_HOME=str(tmp_path / "user-cache"))
    command = [sys.executable, "-m", "audits", "--root", str(root)]
    children = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    results = [(child.wait(timeout=120), child.stdout.read(), child.stderr.read()) for child in children]
    for child in children:
        child.stdout.close()
        child.stderr.close()
    assert [code for code, _, _ in results] == [1, 1], results  # TI001 blocks module 01
    assert results[0][1] == results[1][1] and "NOT READY" in results[0][1]
    assert sorted(path.name for path in (root / CACHE_DIR).iterdir() if path.is_file()) == [".gitignore", "CACHEDIR.TAG"]
    (state,) = [path for path in (root / CACHE_DIR).iterdir() if path.is_dir()]
    assert all(path.suffix == ".json" for path in state.iterdir())  # no temporary file left
    entries = [json.loads(path.read_text(encoding="utf-8")) for path in state.glob("*.json") if not path.name.startswith(RECORD)]
    assert len(entries) == 2 and all("findings" in entry for entry in entries)
    (record,) = [json.loads(path.read_text(encoding="utf-8")) for path in state.glob(RECORD + "*.json")]  # the table, for a replay
    assert record == {"output": results[0][1], "code": 1}


# The content hashes kept between runs (audits.cache.ContentHashes): an unchanged file is not read again.


@pytest.fixture
def hashed(tmp_path, monkeypatch):
    """A file, this test's own user cache, and no "recently changed" window (a file written now is kept at once)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(audits.cache, "RACY_SECONDS", -1)
    path = tmp_path / "course" / "widget.py"
    path.parent.mkdir()
    path.write_text("x = 1\n", encoding="utf-8")
    return path


def kept(path, content_hash: bytes) -> list:
    """The entry ContentHashes keeps for `path` as it is now, with the given hash."""
    status = path.stat()
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev, content_hash.hex()]


def test_a_kept_hash_is_used_while_the_status_is_unchanged(hashed, monkeypatch):
    hashes = audits.cache.ContentHashes.load(hashed.parent)
    real = hashes.of(str(hashed))
    assert real == hashlib.sha256(b"x = 1\n").digest()
    hashes.save()
    monkeypatch.setattr(audits.cache, "_content_hash", lambda path: pytest.fail(f"{path} read again"))
    assert audits.cache.ContentHashes.load(hashed.parent).of(str(hashed)) == real


@pytest.mark.parametrize("field", range(5), ids=["size", "mtime", "ctime", "inode", "device"])
def test_any_change_of_status_reads_the_file_again(hashed, field):
    """A kept hash whose status differs in any one field (e.g. an edit that put the size and modification time back) is not used."""
    hashes = audits.cache.ContentHashes.load(hashed.parent)
    entry = kept(hashed, b"\1" * 32)
    hashes.known[str(hashed)] = entry
    assert hashes.of(str(hashed)) == b"\1" * 32  # the forged entry is believed while it matches
    entry[field] += 1
    assert hashes.of(str(hashed)) == hashlib.sha256(b"x = 1\n").digest()


def test_a_recently_changed_file_is_not_kept(hashed, monkeypatch):
    monkeypatch.setattr(audits.cache, "RACY_SECONDS", 3600)  # written within the hour: it could change again unseen
    hashes = audits.cache.ContentHashes.load(hashed.parent)
    hashes.of(str(hashed))
    hashes.save()
    assert audits.cache.ContentHashes.load(hashed.parent).known == {}


@pytest.mark.parametrize("garbage", ["{", "[]", '{"format": 1, "files": []}', '{"format": 1, "files": {"%s": ["a", 1]}}'])
def test_corrupt_kept_hashes_only_mean_reading_again(hashed, garbage):
    hashes = audits.cache.ContentHashes.load(hashed.parent)
    hashes.file.parent.mkdir(parents=True)
    hashes.file.write_text(garbage.replace("%s", str(hashed)), encoding="utf-8")
    assert audits.cache.ContentHashes.load(hashed.parent).of(str(hashed)) == hashlib.sha256(b"x = 1\n").digest()


def test_the_kept_hashes_give_the_fingerprint_of_the_files(cached, monkeypatch):
    root, _ = cached
    monkeypatch.setattr(audits.cache, "RACY_SECONDS", -1)
    plain = audits.cache.checkout_fingerprint(root)
    for _ in range(2):  # hashing, then from the kept hashes
        hashes = audits.cache.ContentHashes.load(root)
        assert audits.cache.checkout_fingerprint(root, hashes) == plain
        hashes.save()
    read = [path for path in audits.cache.checkout_paths(str(root)) if path.endswith(audits.cache.READ_CONTENT)]
    assert len(read) >= 2 and len(audits.cache.ContentHashes.load(root).known) == len(read)  # every file rules read is kept
    (root / "modules/02_gadget/gadget.py").write_text(FLAWED, encoding="utf-8")
    assert audits.cache.checkout_fingerprint(root, audits.cache.ContentHashes.load(root)) != plain


def test_the_checkout_is_listed_in_os_walks_order(tmp_path):
    """checkout_paths is os.walk without the folders the index skips: links to folders listed, not entered."""
    for name in ("b/z.py", "b/a/x.txt", "a.py", ".hidden/h.py", "__pycache__/c.pyc", "c/d/e.ipynb"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "c", target_is_directory=True)
    expected = []
    for folder, dirs, files in os.walk(tmp_path):
        dirs[:] = sorted(d for d in dirs if d not in audits.index.SKIPPED_DIRS and not d.startswith("."))
        prefix = os.path.relpath(folder, tmp_path).replace(os.sep, "/") + "/" if folder != str(tmp_path) else ""
        expected += [prefix + name for name in dirs + sorted(files)]
    assert audits.cache.checkout_paths(str(tmp_path)) == expected
    assert expected == ["b", "c", "link", "a.py", "b/a", "b/z.py", "b/a/x.txt", "c/d", "c/d/e.ipynb"]


def test_a_fully_cached_run_loads_no_rule_and_a_replay_not_even_the_auditor(cached, tmp_path):
    """The rules are most of the harness's imports: a run whose findings all come from the cache never needs
    them; a run that replays its table (the same command again) loads only the cache."""
    root, _ = cached
    env = bare_env(XDG_CACHE_HOME=str(tmp_path / "user-cache"))

    def run(*options):
        show = (
            "import runpy, sys\n"
            f"sys.argv = ['audits', '--root', {str(root)!r}, *{options!r}]\n"
            "try:\n    runpy.run_module('audits', run_name='__main__')\n"
            "finally:\n    print('loaded:', sorted(name for name in sys.modules if name.startswith(('audits.rules', 'audits.check', 'audits.auditor'))))\n"
        )
        done = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True, env=env, timeout=120)
        table, loaded = done.stdout.split("loaded:")
        return done.returncode, table, loaded.strip()

    first, cached_findings, replayed = run(), run("--exit-zero"), run()  # --exit-zero: another command, so no replay
    assert first[0] == 1 and "audits.check" in first[2]  # TI001 blocks module 01; the first run audits, so a rule is seen loaded
    assert cached_findings == (0, first[1], "['audits.auditor']")
    assert replayed == (1, first[1], "[]")


def table_run(root, *options):
    """`tinyaudit --root ROOT OPTIONS` in this process: (stdout, exit status)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = audits_main(["--root", str(root), *options])
    return out.getvalue(), code


def test_a_table_run_is_replayed_for_the_same_command_on_the_same_checkout(cached, tmp_path, monkeypatch):
    """The table a run printed is replayed (audits.cache.recorded_table) by the same arguments from the same
    folder on the very same checkout, and by nothing else: any change runs the audit."""
    root, runs = cached
    monkeypatch.chdir(tmp_path)
    (root / ".gitignore").write_text("build/\n", encoding="utf-8")
    assert recorded_table(["--root", str(root)]) is None  # nothing recorded yet
    printed = table_run(root)
    assert printed[1] == 1 and "NOT READY" in printed[0]
    assert recorded_table(["--root", str(root)]) == printed
    assert recorded_table(["--root", str(root), "--jobs", "2"]) == printed  # how many processes audit changes no output
    unlike = [["--root", str(root), "--exit-zero"], ["--root", str(root), "--select", "TI"], ["--root", str(root), "01"], ["--root=" + str(root)],
              ["--root", str(root), "--format", "json"], ["--root", str(root), "--jobs", "0"], ["--root", str(root), "--root", str(root)]]  # fmt: skip
    assert [recorded_table(argv) for argv in unlike] == [None] * len(unlike)
    for name, value in (("AUDITS_JOBS", "x"), ("AUDITS_NO_CACHE", "1")):  # an AUDITS_JOBS the command refuses is an error, never a replay
        assert recorded_table(["--root", str(root)], environ={name: value}) is None
    assert recorded_table(["--root", str(root)], cwd=str(root)) is None  # another folder: a relative path could mean another file
    (root / ".audits-journal").mkdir()  # a change a killed run left: the command completes it first
    assert recorded_table(["--root", str(root)]) is None
    (root / ".audits-journal").rmdir()
    source = root / "modules/01_widget/widget.py"
    text = source.read_text(encoding="utf-8")
    source.write_text(text + "\n", encoding="utf-8")
    assert recorded_table(["--root", str(root)]) is None
    source.write_text(text, encoding="utf-8")  # the same checkout again: its record is still there
    assert recorded_table(["--root", str(root)]) == printed
    (root / ".gitignore").write_text("dist/\n", encoding="utf-8")  # discovery reads it: its content is keyed too
    assert recorded_table(["--root", str(root)]) is None
    (root / "notes.txt").write_text("a new path\n", encoding="utf-8")  # rules read which files exist
    assert recorded_table(["--root", str(root)]) is None
    assert table_run(root) == printed and recorded_table(["--root", str(root)]) == printed


@pytest.mark.parametrize("layout", ["modules/NN_name/name.py", "src/NN_name/NN_name.py"])
def test_without_root_only_a_folder_with_a_checkout_marker_is_replayed(cached, tmp_path, monkeypatch, layout):
    """Without --root the command audits the checkout holding the current folder: replayed when a marker
    (pyproject.toml, modules/...) makes the current folder that checkout; a checkout known by its src/
    layout alone, which the replay does not look for, is always audited."""
    root = make_checkout(tmp_path / "plain", {"01_widget": FLAWED}, layout=layout)
    monkeypatch.chdir(root)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = audits_main([])
    assert code == 1 and "NOT READY" in out.getvalue()
    marked = any((root / marker).exists() for marker in audits.files.CHECKOUT_MARKERS)
    assert marked == (layout == "modules/NN_name/name.py")
    assert recorded_table([]) == ((out.getvalue(), code) if marked else None)


def test_a_table_is_not_recorded_when_the_checkout_changed_during_the_run(cached, tmp_path, monkeypatch):
    """The table is keyed by the state hashed when the run began: a file changed before it is printed
    makes it a table of neither state, so nothing is recorded (the next run audits)."""
    root, _ = cached
    monkeypatch.chdir(tmp_path)
    real = audits.check.audit_source

    def editing(module, index, config=None, suppressed=None):
        (root / "notes.txt").write_text("written while the audit ran\n", encoding="utf-8")
        return real(module, index, config, suppressed)

    monkeypatch.setattr(audits.check, "audit_source", editing)
    printed = table_run(root)
    assert printed[1] == 1 and not list((root / CACHE_DIR).glob(f"*/{RECORD}*"))
    (root / "notes.txt").unlink()  # the state the run began in: still nothing to replay
    assert recorded_table(["--root", str(root)]) is None


def test_a_replay_into_a_closed_pipe_is_exit_2_without_a_traceback(cached, tmp_path, monkeypatch):
    root, _ = cached
    monkeypatch.chdir(tmp_path)
    table_run(root)  # recorded from this folder, as the command below runs
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "user-cache")}
    read, write = os.pipe()
    os.close(read)  # nobody will read what the replay prints
    try:
        done = subprocess.run([sys.executable, "-m", "audits", "--root", str(root)], stdout=write, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (2, "")
