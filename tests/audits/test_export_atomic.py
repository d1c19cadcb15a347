"""The package is replaced as one rename: a reader at any instant of an export, killed or not, sees one version.

A kill is simulated by an exception no handler catches (`Killed`, a BaseException
like the end of a process) raised from inside `audits.files` at a chosen step;
benchmarks/kill_export.py does the same with real SIGKILLs. Since a kill stops the
export between two steps, the package on disk after a kill at step k is what a
reader finds at that instant: checking it after a kill at every step checks every instant.
"""

import os
import shutil
import subprocess
import sys
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
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def leftovers(root: Path) -> list[str]:
    """Journal folders and temporary files anywhere in the checkout (not listing what a journal holds)."""
    found = [p.relative_to(root) for p in root.rglob("*") if p.name == files.JOURNAL or p.suffix == ".tmp"]
    return sorted(p.as_posix() for p in found if files.JOURNAL not in p.parts[:-1])


# Every filesystem call the tree swap makes (the copy's own chmods included): each is a place a kill may land.
STEPS = [(Path, "mkdir"), (Path, "unlink"), (Path, "write_bytes"), (os, "rename"), (os, "replace"), (os, "chmod"),
         (shutil, "copytree"), (shutil, "rmtree"), (files, "_exchange")]  # fmt: skip


def kill_at_step(monkeypatch, step: int) -> list[str]:
    """Make the `step`-th filesystem call a kill (0: kill none); returns the calls made, by name."""
    calls: list[str] = []
    for owner, name in STEPS:
        real = getattr(owner, name)

        def wrapper(*args, _real=real, _name=name, **kwargs):
            calls.append(_name)
            if len(calls) == step:
                raise Killed
            return _real(*args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)
    return calls


OLD = {"__init__.py": b"V = 'old'\n", "core/__init__.py": b"", "core/a.py": b"V = 'old'\n", "core/b.py": b"V = 'old'\n", "stale/gone.py": b"V = 'old'\n"}
NEW = {"__init__.py": b"V = 'old'\n", "core/__init__.py": b"", "core/a.py": b"V = 'new'\n", "core/b.py": b"V = 'new'\n", "core/c.py": b"V = 'new'\n"}


def old_package(root: Path) -> Path:
    folder = root / "tinytorch"
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in OLD.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (folder / "core" / "__pycache__").mkdir()  # caches are copied along (still valid for unchanged files)
    (folder / "core" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"cache")
    return folder


def swap_in_new(root: Path, folder: Path) -> None:
    changes = {folder / "core" / "a.py": "V = 'new'\n", folder / "core" / "b.py": "V = 'new'\n", folder / "core" / "c.py": "V = 'new'\n", folder / "stale" / "gone.py": None}
    files.replace_tree(root, folder, changes)


def without_exchange(monkeypatch, exchange: bool) -> None:
    """On a system without renameat2(RENAME_EXCHANGE) the swap is two renames (the folder may be missing for an instant)."""
    if not exchange:
        monkeypatch.setattr(files, "_exchange", lambda a, b: False)


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_a_reader_at_every_step_of_a_killed_swap_sees_one_version_and_recovery_completes_it(tmp_path, monkeypatch, exchange):
    folder = old_package(tmp_path)
    without_exchange(monkeypatch, exchange)
    calls = kill_at_step(monkeypatch, 0)
    swap_in_new(tmp_path, folder)
    assert package(tmp_path) == NEW and not (tmp_path / "tinytorch" / "stale").exists() and leftovers(tmp_path) == []
    assert (tmp_path / "tinytorch" / "core" / "__pycache__" / "a.cpython-311.pyc").exists()
    assert len(calls) >= 8 and ("_exchange" in calls) and (calls.count("rename") == (0 if exchange else 2))
    seen = []
    for step in range(1, len(calls) + 1):
        monkeypatch.undo()
        folder = old_package(tmp_path)
        without_exchange(monkeypatch, exchange)
        kill_at_step(monkeypatch, step)
        with pytest.raises(Killed):
            swap_in_new(tmp_path, folder)
        monkeypatch.undo()
        on_disk = package(tmp_path) if folder.exists() else None  # what a reader finds at this instant
        assert on_disk in (OLD, NEW) or (on_disk is None and not exchange), f"killed at step {step} ({calls[step - 1]}): a mixed package"
        seen.append("old" if on_disk == OLD else "new" if on_disk == NEW else "missing")
        committed = (tmp_path / files.JOURNAL / files.SWAP).exists()  # two renames: recorded, so completed
        files.recover(tmp_path)  # what the next command does first
        assert package(tmp_path) == (OLD if seen[-1] == "old" and not committed else NEW) and leftovers(tmp_path) == []
    assert seen[0] == "old" and seen[-1] == "new" and ("missing" in seen) == (not exchange)


def test_killed_recovery_of_a_two_rename_swap_is_itself_recovered(tmp_path, monkeypatch):
    folder = old_package(tmp_path)
    without_exchange(monkeypatch, False)
    calls = kill_at_step(monkeypatch, 0)
    swap_in_new(tmp_path, folder)
    second_rename = [n for n, name in enumerate(calls, start=1) if name == "rename"][1]
    monkeypatch.undo()
    folder = old_package(tmp_path)
    without_exchange(monkeypatch, False)
    kill_at_step(monkeypatch, second_rename)  # the live folder has moved aside, the new one not yet in
    with pytest.raises(Killed):
        swap_in_new(tmp_path, folder)
    monkeypatch.undo()
    assert not folder.exists()
    kill_at_step(monkeypatch, 1)  # the recovery's own first step
    with pytest.raises(Killed):
        files.recover(tmp_path)
    monkeypatch.undo()
    files.recover(tmp_path)
    assert package(tmp_path) == NEW and leftovers(tmp_path) == []


@pytest.fixture
def checkout(tmp_path):
    """A checkout exported at version "old", whose sources now say "new"."""
    modules = {f"0{n}_{name}": widget("old").replace("core.widget", f"core.{name}") for n, name in ((1, "widget"), (2, "gadget"), (3, "gizmo"))}
    root = make_checkout(tmp_path / "checkout", modules)
    assert export_main(["--root", str(root)]) == 0
    for folder in modules:
        path = root / "modules" / folder / f"{folder[3:]}.py"
        path.write_text(path.read_text(encoding="utf-8").replace("'old'", "'new'"), encoding="utf-8")
    return root


READER = "import tinytorch.core.widget as a, tinytorch.core.gadget as b, tinytorch.core.gizmo as c; print(sorted({m.part_0() for m in (a, b, c)}))"


@pytest.mark.parametrize("at", ["before", "after"])
def test_import_tinytorch_right_after_a_killed_export_sees_one_version(checkout, monkeypatch, at):
    """A real `import tinytorch` (a fresh interpreter in the checkout) where the export was killed beside the swap."""
    real = files._exchange

    def exchange(a, b):
        if at == "after":
            real(a, b)
        raise Killed

    monkeypatch.setattr(files, "_exchange", exchange)
    with pytest.raises(Killed):
        export_main(["--root", str(checkout)])
    monkeypatch.undo()
    reader = subprocess.run([sys.executable, "-c", READER], cwd=checkout, capture_output=True, text=True, timeout=60)
    assert reader.stdout.strip() == ("['old']" if at == "before" else "['new']"), reader.stderr
    assert leftovers(checkout) == [".audits-journal"]
    assert run_command("audits", "--root", checkout).returncode in (0, 1)  # any command deletes the journal first
    assert leftovers(checkout) == []
    assert export_main(["--root", str(checkout), "--check"]) == (0 if at == "after" else 1)


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
