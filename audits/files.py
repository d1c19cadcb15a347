"""Writing files so that a killed run never leaves them half-written (used by fix and export).

Three levels:

- `write_atomically(path, text)`: one file, via a temporary file and a rename.
- `replace_files(root, {path: text or None})`: several files as one change (a fix
  across files). After a kill at any instant the files are all old, or the change
  is recorded in a journal that `recover(root)` (run first by every command, and by
  the next change) completes.
- `replace_tree(root, folder, {path: text or None})`: a whole folder (the exporter's
  package) as one rename. The new folder is built complete in the journal, then
  swapped with the live one in a single `renameat2(RENAME_EXCHANGE)`, so a reader
  finds it entirely old or entirely new at every instant, and a kill can only leave a
  journal behind (recovery deletes it: before the swap it holds the unfinished new
  folder, after it the old one). Where the system has no exchange (not Linux, or a
  file system without it) the swap is two renames recorded in the journal: between
  them the folder is missing for an instant (never mixed) and recovery completes it.

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
root: a lock serialises writers and recovery, so two commands started at once see
the package before or after an export, never during. The lock is `filelock`'s (an
OS lock on every platform, released when the process dies); its lock file lives in
the user's cache folder (platformdirs), named by the root's path, so nothing is left
in the checkout. The guarantee covers a killed process, not a power cut (nothing is fsynced).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

# filelock, platformdirs, ctypes, hashlib, shutil and tempfile are imported by the functions that
# write: every command imports this module (the auditor calls `recover`), most only read, and
# these imports cost about a tenth of a cold audit's start-up. It imports no other module of the
# harness, so a cached run's replay (audits.cache.recorded_table) can use it without the auditor.

# What every walk of a checkout shares (discovery, the repository index, the cache's fingerprint):
CHECKOUT_MARKERS = (".git", "pyproject.toml", "nbgrader_config.py", "modules")  # a folder holding one is a checkout
SKIPPED_DIRS = {".git", ".venv", "venv", "__pycache__", "node_modules", "build", "dist", ".pytest_cache", ".hypothesis"}  # never entered

JOURNAL = ".audits-journal"
MANIFEST = "manifest.json"
STAGED = "staged"
TREE = "tree"  # replace_tree: the new folder, built here (after the swap: the old one)
SWAP = "swap.json"  # replace_tree without an exchange: the folder whose two renames recovery completes
OLD = "old"  # ... and where the live folder goes between them


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
    import tempfile

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


# The harness's runtime dependencies, by the name they are imported as -> the name pip installs
# (audits/pyproject.toml's dependencies; tests/audits/test_distribution.py keeps the two in step).
DEPENDENCIES = {
    "jupytext": "jupytext", "nbformat": "nbformat", "pathspec": "pathspec", "IPython": "ipython", "traitlets": "traitlets",
    "filelock": "filelock", "platformdirs": "platformdirs", "jinja2": "jinja2", "yaml": "pyyaml",
}  # fmt: skip
def install_command() -> str:
    """How to install the harness with its dependencies, for the copy of it that is running: its
    checkout's own paths (a command may run in another course's folder), else its PyPI name."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "audits" / "pyproject.toml").is_file():
        return f"pip install -e {checkout}, or the harness alone: pip install {checkout / 'audits'}"
    return "pip install tinyaudit"


def missing_dependency(error: BaseException) -> str | None:
    """One line for an import of a dependency that is not installed in this Python (a command run by an
    interpreter the harness was not installed for), else None."""
    if not isinstance(error, ModuleNotFoundError) or (error.name or "").split(".")[0] not in DEPENDENCIES:
        return None
    package = DEPENDENCIES[error.name.split(".")[0]]
    return f"{package}, a dependency of the harness, is not installed for {sys.executable}: install the harness with its dependencies ({install_command()})"


_platformdirs: bool | None = None  # whether platformdirs, which says where the user's cache folder is, can be imported


def _platformdirs_installed() -> bool:
    """Asked once per process; the first time it is missing, one warning says the cache is off."""
    global _platformdirs
    if _platformdirs is None:
        import importlib.util

        _platformdirs = importlib.util.find_spec("platformdirs") is not None
        if not _platformdirs:
            print(f"warning: platformdirs is not installed for {sys.executable}: the result cache is off ({install_command()})", file=sys.stderr)
    return _platformdirs


def cache_enabled() -> bool:
    """Is the result cache on (AUDITS_NO_CACHE unset, empty or 0)? Asked before `audits.cache` is
    imported: a run with the cache off never loads it (nor hashlib, a tenth of the imports).
    Without platformdirs (an interpreter the harness was not installed for) the cache is off and
    one warning says so: the cache only saves time, the audit runs without it."""
    return os.environ.get("AUDITS_NO_CACHE", "") in ("", "0") and _platformdirs_installed()


def user_cache_folder() -> Path:
    """This user's cache folder for the harness (XDG_CACHE_HOME or ~/.cache/audits on Linux,
    ~/Library/Caches/audits on macOS, %LOCALAPPDATA%\\audits\\Cache on Windows)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("audits", appauthor=False))


def lock_path(root: Path | str) -> Path:
    """The lock file of one checkout: in the user's cache folder (a temporary folder when that is not
    writable), named by the checkout's resolved path."""
    import hashlib
    import tempfile

    name = hashlib.sha256(str(Path(root).resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:32] + ".lock"
    folders = [Path(tempfile.gettempdir()) / "audits-locks"]
    if _platformdirs_installed():
        folders.insert(0, user_cache_folder() / "locks")
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return folder / name
        except OSError:
            continue
    raise OSError(f"no writable folder for the lock of {root}")


@contextlib.contextmanager
def locked(root: Path | str) -> Iterator[None]:
    """Hold the root's change lock (exclusive; waits for another command holding it)."""
    import filelock

    with filelock.FileLock(lock_path(root)):
        yield


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
        from audits.model import InputError

        raise InputError(f"cannot complete the interrupted change recorded in {root / JOURNAL}: {error.strerror or error}") from None


def _recover_locked(root: Path) -> list[Path]:
    import shutil

    journal = root / JOURNAL
    if not journal.exists():
        return []
    completed = []
    try:
        entries = json.loads((journal / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        entries = []  # killed before the commit point: nothing outside the journal changed
    if (journal / SWAP).exists():
        _complete_swap(root, journal)
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


def replace_files(root: Path | str, changes: Mapping[Path, str | None]) -> None:
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


def replace_tree(root: Path | str, folder: Path | str, changes: Mapping[Path, str | None]) -> None:
    """Write (text) or delete (None) files under `folder` (inside `root`) by swapping in a changed copy.

    The copy (caches included: they stay valid for the unchanged files) is made in the
    journal, changed there, then exchanged with `folder` in one rename; a folder left
    holding only caches by the deletions goes too. Text that cannot be encoded raises
    before anything is copied.
    """
    import shutil

    root, folder = Path(root), Path(folder)
    encoded = {Path(path): None if text is None else text.encode("utf-8") for path, text in changes.items()}
    relative = {path: path.resolve().relative_to(folder.resolve()) for path in encoded}
    with locked(root):
        _recover_locked(root)  # an earlier killed change goes first
        journal = root / JOURNAL
        journal.mkdir()
        tree = journal / TREE
        if folder.is_dir():
            shutil.copytree(folder, tree, symlinks=True)
        else:
            tree.mkdir()
        for path, data in encoded.items():
            target = tree / relative[path]
            if data is None:
                target.unlink(missing_ok=True)
                _prune(target.parent, tree)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
            target.write_bytes(data)
            os.chmod(target, mode)
        if not folder.exists():
            os.rename(tree, folder)  # nothing to swap with: one rename creates it
        elif not _exchange(tree, folder):
            write_atomically(journal / SWAP, json.dumps(folder.resolve().relative_to(root.resolve()).as_posix()))  # the commit point
            _complete_swap(root, journal)
        shutil.rmtree(journal)  # the old folder, or nothing


def _prune(folder: Path, top: Path) -> None:
    """Delete `folder` and its parents below `top` while they hold nothing but `__pycache__`."""
    import shutil

    while folder != top and folder.is_dir() and all(child.name == "__pycache__" for child in folder.iterdir()):
        shutil.rmtree(folder)
        folder = folder.parent


def _complete_swap(root: Path, journal: Path) -> None:
    """The two-rename swap of replace_tree (no exchange here), from wherever a kill stopped it."""
    target = root / json.loads((journal / SWAP).read_text(encoding="utf-8"))
    if (journal / TREE).exists():
        if target.exists():
            os.rename(target, journal / OLD)
        os.rename(journal / TREE, target)
    (journal / SWAP).unlink()


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 with RENAME_EXCHANGE); False where the system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)  # glibc 2.28 and later
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # a file system or kernel without the exchange
        return False
    raise OSError(code, os.strerror(code), str(b))
