"""The package is replaced as one change: after a kill at any step it is all old, or the next command completes it.

A kill is simulated by an exception no handler catches (`Killed`, a BaseException
like the end of a process) raised from inside `audits.files` at a chosen step;
benchmarks/kill_export.py does the same with real SIGKILLs.
"""

import os
from pathlib import Path

import pytest

from audits import files
from audits.export import main as export_main
from testkit.auditkit import make_checkout, marker, run_command, source


class Killed(BaseException):
    """Stands for SIGKILL: nothing after the raising step runs."""


def widget(version: str) -> str:
    body = "\n\n".join(f"def part_{n}():\n    return {version!r}\n" for n in range(3))
    return source(marker("parts") + "\n#| export\n" + body)


def package(root: Path) -> dict[str, bytes]:
    folder = root / "tinytorch"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(root: Path) -> list[str]:
    """Journal folders and temporary files anywhere in the checkout (not listing what a journal holds)."""
    found = [p.relative_to(root) for p in root.rglob("*") if p.name == files.JOURNAL or p.suffix == ".tmp"]
    return sorted(p.as_posix() for p in found if files.JOURNAL not in p.parts[:-1])


@pytest.fixture
def checkout(tmp_path):
    """A checkout exported at version "old", with its package ("old") and the package version "new" gives."""
    modules = {f"0{n}_{name}": widget("new").replace("core.widget", f"core.{name}") for n, name in ((1, "widget"), (2, "gadget"), (3, "gizmo"))}
    root = make_checkout(tmp_path / "checkout", modules)
    assert export_main(["--root", str(root)]) == 0
    new = package(root)
    sources = [root / "modules" / folder / f"{folder[3:]}.py" for folder in modules]
    for path in sources:
        path.write_text(path.read_text(encoding="utf-8").replace("'new'", "'old'"), encoding="utf-8")
    assert export_main(["--root", str(root)]) == 0
    old = package(root)
    for path in sources:
        path.write_text(path.read_text(encoding="utf-8").replace("'old'", "'new'"), encoding="utf-8")
    assert old != new
    return root, old, new


def kill_at_replace(monkeypatch, call: int):
    """Make the `call`-th os.replace inside audits.files (1 = the manifest, the commit point) a kill."""
    real, calls = os.replace, []

    def replace(source, target):
        calls.append(target)
        if len(calls) == call:
            raise Killed
        real(source, target)

    monkeypatch.setattr(files.os, "replace", replace)
    return calls


def test_killed_before_the_commit_point_leaves_the_old_package_and_the_next_command_rolls_back(checkout, monkeypatch):
    root, old, _ = checkout
    kill_at_replace(monkeypatch, 1)
    with pytest.raises(Killed):
        export_main(["--root", str(root)])
    monkeypatch.undo()
    assert package(root) == old and leftovers(root) == [".audits-journal"]
    assert run_command("audits", "--root", root).returncode in (0, 1)  # any command recovers first
    assert package(root) == old and leftovers(root) == []


@pytest.mark.parametrize("call", [2, 3, 4])
def test_killed_while_files_are_replaced_the_next_command_completes_the_new_package(checkout, monkeypatch, call):
    root, old, new = checkout
    kill_at_replace(monkeypatch, call)
    with pytest.raises(Killed):
        export_main(["--root", str(root)])
    monkeypatch.undo()
    on_disk = package(root)
    assert sum(on_disk[name] != old[name] for name in old) == call - 2, "files moved before the kill"
    assert run_command("audits.module", "1", "--root", root, "--format", "json").returncode in (0, 1)
    assert package(root) == new and leftovers(root) == []
    assert export_main(["--root", str(root), "--check"]) == 0


def test_killed_recovery_is_itself_recovered(checkout, monkeypatch):
    root, _, new = checkout
    kill_at_replace(monkeypatch, 2)
    with pytest.raises(Killed):
        export_main(["--root", str(root)])
    monkeypatch.undo()
    kill_at_replace(monkeypatch, 1)  # the recovery's own first move
    with pytest.raises(Killed):
        files.recover(root)
    monkeypatch.undo()
    assert export_main(["--root", str(root), "--check"]) == 0  # --check recovers, then compares
    assert package(root) == new and leftovers(root) == []


def test_replace_files_writes_and_deletes_as_one_and_keeps_permissions(tmp_path):
    (tmp_path / "a.py").write_text("old a\n", encoding="utf-8")
    (tmp_path / "a.py").chmod(0o755)
    (tmp_path / "gone.py").write_text("x\n", encoding="utf-8")
    files.replace_files(tmp_path, {tmp_path / "a.py": "new a\n", tmp_path / "sub" / "b.py": "b\r\n", tmp_path / "gone.py": None})
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == "new a\n" and (tmp_path / "a.py").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "sub" / "b.py").read_bytes() == b"b\r\n"
    assert not (tmp_path / "gone.py").exists() and leftovers(tmp_path) == []


def test_text_that_cannot_be_written_changes_nothing(tmp_path):
    (tmp_path / "a.py").write_text("old\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        files.replace_files(tmp_path, {tmp_path / "a.py": "new\n", tmp_path / "b.py": "\ud800"})
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == "old\n" and not (tmp_path / "b.py").exists()
    assert leftovers(tmp_path) == []


def test_recover_without_a_journal_writes_nothing(tmp_path):
    (tmp_path / "a.py").write_text("a\n", encoding="utf-8")
    assert files.recover(tmp_path) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]


def test_a_new_file_gets_the_permissions_open_would_give_and_an_existing_one_keeps_its_own(tmp_path):
    import os
    import stat

    from audits.files import write_atomically

    old = os.umask(0o022)
    try:
        write_atomically(tmp_path / "new.txt", "x\n")
        existing = tmp_path / "existing.txt"
        existing.write_text("old\n")
        existing.chmod(0o640)
        write_atomically(existing, "new\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640 and existing.read_text() == "new\n"
