"""Writing files so that a killed run never leaves them half-written (used by fix and export).

Two levels:

- `write_atomically(path, text)`: one file, via a temporary file and a rename.
- `replace_files(root, {path: text or None})`: several files as one change (the
  exporter's package, a fix across files). After a kill at any instant the files
  are all old, or the change is recorded in a journal that `recover(root)` (run
  first by every command, and by the next `replace_files`) completes.

The journal is the folder `root/.audits-journal/` and exists only while a change is
being applied. It holds the new contents ("staged/") and, once every one of them
is written, `manifest.json` naming where each goes. Writing the manifest is the
commit point:

- killed before it: the journal is incomplete, nothing outside it changed yet;
  recovery deletes it (the change is rolled back);
- killed after it: recovery moves the remaining staged files into place and
  deletes what the change deletes (the change is rolled forward), then removes
  the journal.

Each step is a rename within one file system, so no file is ever half-written,
and recovery can be repeated after being killed itself. One change at a time per
root: a lock (`flock` on the root folder) serialises writers and recovery, so
two commands started at once see the package before or after an export, never
during. The guarantee covers a killed process, not a power cut (nothing is fsynced).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator, Mapping, Optional

from audits.model import InputError

JOURNAL = ".audits-journal"
MANIFEST = "manifest.json"
STAGED = "staged"


def _umask() -> int:
    """The process's umask (read by setting it, then putting it back)."""
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomically(path: Path | str, text: str, errors: str = "strict") -> None:
    """Replace `path` with `text` (exact bytes, UTF-8) via a temporary file and a rename.

    Missing parent folders are created; an existing file keeps its permission bits, a new
    one gets those `open()` would give it (mkstemp's private 0600 is for the temporary only).
    `errors` is the encoder's handler for what UTF-8 cannot hold (a lone surrogate): strict
    (UnicodeEncodeError, nothing written) for sources and the package, a replacement for reports.
    """
    path = Path(path)
    data = text.encode("utf-8", errors)  # before anything is created: text that cannot be encoded changes nothing
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def locked(root: Path | str) -> Iterator[None]:
    """Hold the root's change lock (an exclusive `flock` on the folder itself: no lock file to leave behind)."""
    handle = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def recover(root: Path | str) -> list[Path]:
    """Complete or roll back a change a killed run left in `root`; return the files it completed.

    Does nothing (and writes nothing) when there is no journal, the usual case.
    """
    root = Path(root)
    if not (root / JOURNAL).exists():
        return []
    try:
        with locked(root):
            return _recover_locked(root)
    except OSError as error:
        raise InputError(f"cannot complete the interrupted change recorded in {root / JOURNAL}: {error.strerror or error}") from None


def _recover_locked(root: Path) -> list[Path]:
    journal = root / JOURNAL
    if not journal.exists():
        return []
    completed = []
    try:
        entries = json.loads((journal / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        entries = []  # killed before the commit point: nothing outside the journal changed
    for entry in entries:
        target = root / entry["path"]
        staged = entry["staged"]
        if staged is None:
            if target.exists():
                target.unlink()
                completed.append(target)
        elif (journal / STAGED / staged).exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(journal / STAGED / staged, target)
            completed.append(target)
    (journal / MANIFEST).unlink(missing_ok=True)
    shutil.rmtree(journal)
    return completed


def replace_files(root: Path | str, changes: Mapping[Path, Optional[str]]) -> None:
    """Write (text) or delete (None) every file in `changes`, all under `root`, as one change.

    Text is written as exact UTF-8 bytes; an existing file keeps its permission bits.
    Text that cannot be encoded raises before any file changes.
    """
    root = Path(root)
    encoded = {Path(path): None if text is None else text.encode("utf-8") for path, text in changes.items()}
    relative = {path: path.resolve().relative_to(root.resolve()).as_posix() for path in encoded}
    with locked(root):
        _recover_locked(root)  # an earlier killed change goes first
        journal = root / JOURNAL
        (journal / STAGED).mkdir(parents=True)
        entries = []
        for number, (path, data) in enumerate(encoded.items()):
            staged = None
            if data is not None:
                staged = str(number)
                (journal / STAGED / staged).write_bytes(data)
                if path.exists():
                    os.chmod(journal / STAGED / staged, path.stat().st_mode & 0o7777)
            entries.append({"path": relative[path], "staged": staged})
        manifest = journal / (MANIFEST + ".tmp")
        manifest.write_text(json.dumps(entries, indent=1), encoding="utf-8")
        os.replace(manifest, journal / MANIFEST)  # the commit point
        _recover_locked(root)
