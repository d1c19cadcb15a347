"""Find the module sources of a checkout, in every layout seen in TinyTorch and nbgrader courses.

The layouts are one table, `LAYOUTS` (data): discovery walks it, every "looked in ..." message
names its folders (`looked_in`), the pre-commit hook's `files:` pattern is `precommit_pattern()`
(a test compares the two) and the test kit builds a checkout for each of its examples:

    modules/NN_name/name.py              (ours)
    modules/NN_name/name_dev.py
    modules/source/NN_name/name_dev.py
    src/NN_name/NN_name.py
    modules/source/NN/name_dev.py        folders named by number alone (also modules/NN/, src/NN/NN_name.py)
    modules/name/name_dev.py             unnumbered folders (ordered by `[tool.audits] modules`)
    source/<assignment>/<name>.ipynb     nbgrader (`nbgrader quickstart`); also `source (Fall2020)/...`
                                         and nested assignments, source/Project/<topic>/<name>.ipynb
    <any folder>/<name>.ipynb            a course with none of these folders: every notebook, and every
                                         `.py` with nbgrader cell metadata (old-style percent sources)

Numbers have two digits or more (`100_capstone/`). A folder with no file named after it holds
its course files as modules (one: numbered by the folder; several: each unnumbered). Unnumbered
folders beside numbered ones are audited after them. Every notebook and every `.py` with `# %%`
cells that is not audited is listed in `Discovery.skipped` with its reason (a second candidate,
a git-ignored copy, nbgrader's output folders, outside any layout...): nothing in silence.

A source may be a percent-format `.py` or an `.ipynb` notebook (a `.py` wins in one folder).
Numbers come from the folder names (NN_name or NN) and nowhere else. Anything odd is data, not an
abort: two folders with one number are both kept (`Discovery.duplicates`); copies the
checkout's `.gitignore` ignores are generated and skipped whenever a tracked source of the
same module exists; `[tool.audits] sources = [globs]` replaces all of this.

    discover(root, config)   -> Discovery (refs in course order, duplicates, skipped copies)
    find_modules(root)       -> the refs
    find_module(root, 16)    -> one ref (InputError when missing or ambiguous)
    find_root(start)         -> the checkout holding `start`, searched upward as git and ruff do
    detect_profile(refs)     -> "tinytorch" when any source uses `#| default_exp`, else "nbgrader"
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from audits.files import CHECKOUT_MARKERS
from audits.model import InputError, ModuleRef

if TYPE_CHECKING:  # imported for real only when a .gitignore must be read (see _GitIgnore)
    import pathspec

FOLDER = re.compile(r"^(\d{2,})_([A-Za-z0-9_]+)$")  # two digits or more: a 200-module course numbers 100 and up
NUMBER_ONLY = re.compile(r"^\d{2,}$")  # older TinyTorch checkouts: modules/source/01/tensor_dev.py, src/01/01_tensor.py
NAMED_FILE = re.compile(r"^(?:\d{2,}_)?([A-Za-z][A-Za-z0-9_]*?)(_dev)?$")  # 01_tensor, tensor_dev, tensor -> tensor
UNNUMBERED = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
SUFFIXES = (".py", ".ipynb")


@dataclass(frozen=True)
class Layout:
    """One place module sources live in a checkout.

    base:     the folder, relative to the root, whose sub-folders are the modules
    kind:     "folders"   each sub-folder (NN_name, NN or an unnumbered name) is one module, its
                          source a `.py` or `.ipynb` named after it (see `_sources_in`, `_named_source`)
              "notebooks" nbgrader's assignments: every `.ipynb` in a sub-folder is a module
    examples: where a module source sits, as templates ({folder} "16_compression", {number} "16",
              {name} "compression"); the test kit writes a checkout for each one
    """

    base: str
    kind: str
    examples: tuple[str, ...]

    def example_names(self) -> list[str]:
        """The examples as people write them: "modules/NN_name/name.py"."""
        return [example.format(folder="NN_name", number="NN", name="name") for example in self.examples]


# In order of precedence: an earlier layout wins a module present in several (the others are mirror copies).
LAYOUTS = (
    Layout("modules", "folders", ("modules/{folder}/{name}.py", "modules/{folder}/{name}_dev.py", "modules/{number}/{name}_dev.py")),
    Layout("modules/source", "folders", ("modules/source/{folder}/{name}_dev.py", "modules/source/{number}/{name}_dev.py")),
    Layout("src", "folders", ("src/{folder}/{folder}.py", "src/{number}/{folder}.py")),
    Layout("source", "notebooks", ("source/{folder}/{name}.ipynb",)),
)


def looked_in() -> str:
    """The folders discovery searches, for "no module sources" messages."""
    where = [f"{layout.base}/" if layout.kind == "folders" else f"{layout.base}/<assignment>/*.ipynb" for layout in LAYOUTS]
    return f"looked in {', '.join(where)}; or set [tool.audits] sources"


def nothing_found(root: Path) -> InputError:
    """The error every command raises when a checkout holds no module source."""
    return InputError(f"no module sources under {Path(root).resolve()} ({looked_in()})")


def precommit_pattern() -> str:
    """The `files:` regex of the pre-commit hooks: any file of a source's kind. The hook runs with
    `--sources-only`, which keeps exactly the files discovery takes as module sources (so helpers and
    conftest.py are left alone, notebooks of a course without source/ and `[tool.audits] sources` are not)."""
    suffixes = "|".join(suffix.lstrip(".") for suffix in SUFFIXES)
    return f"\\.({suffixes})$"

DEFAULT_EXP = re.compile(r"#\s*\|\s*default_exp\b")
HEAD = 16384  # bytes of a `.py` read to see whether it holds `# %%` cells
PERCENT_CELL = re.compile(r"^#\s*%%", re.MULTILINE)  # a `.py` holding cells looks like a course source
NBGRADER_PERCENT = re.compile(r"^#\s*%%.*(?:\bnbgrader\s*=|\"nbgrader\")", re.MULTILINE)  # nbgrader metadata on a cell marker
# Folders that hold no course sources: the tests' own fixtures and helpers, environments, build output.
NOT_COURSE = {"tests", "test", "node_modules", "__pycache__", "site-packages", "build", "dist", "venv", "env", "reports"}
NOT_RELEASED = "not an assignment notebook"  # why a notebook of source/ that CourseDirectory.notebook_id does not match is skipped
# nbgrader's folders beside source/, never a course's source: what each holds (the skipped list says it).
NBGRADER_OUTPUT = {
    "release": "nbgrader output (release/ is made from source/ by generate_assignment)",
    "submitted": "a student's submission (submitted/ holds what students hand in)",
    "autograded": "nbgrader output (autograded/ is made from submitted/ by autograde)",
    "feedback": "nbgrader output (feedback/ is made from autograded/ by generate_feedback)",
    "downloaded": "a student's submission (downloaded/ holds submissions collected from a learning platform)",
}


@dataclass
class Discovery:
    """What discovery found under one root."""

    root: Path
    refs: list[ModuleRef]  # every module, in course order
    duplicates: dict[int, list[ModuleRef]] = field(default_factory=dict)  # number -> the folders sharing it
    generated: list[Path] = field(default_factory=list)  # git-ignored copies skipped in favour of a tracked source
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path relative to root, why it is not audited), sorted
    order_note: str = ""  # why forward-dependency checks are off (unnumbered modules without an order), or ""

    def duplicates_of(self, ref: ModuleRef) -> list[ModuleRef]:
        """The other modules carrying ref's number."""
        return [other for other in self.duplicates.get(ref.number, []) if other.key != ref.key]


@dataclass
class _Candidate:
    rank: int  # index of the layout (lower wins)
    folder: str
    name: str
    number: Optional[int]
    paths: list[Path]  # source files of this folder, in order of preference


class _GitIgnore:
    """Does the checkout's `.gitignore` (root and nested ones, git's semantics) ignore a path? No git needed."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self._specs: dict[Path, Optional[pathspec.GitIgnoreSpec]] = {}

    def _spec(self, folder: Path) -> Optional[pathspec.GitIgnoreSpec]:
        if folder not in self._specs:
            spec = None
            try:
                lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                pass  # no .gitignore here
            else:
                import pathspec  # 10 ms of imports, paid only when a module has copies to choose among

                spec = pathspec.GitIgnoreSpec.from_lines(lines)
            self._specs[folder] = spec
        return self._specs[folder]

    def __call__(self, path: Path) -> bool:
        path = path.resolve()
        try:
            inside = path.relative_to(self.root).parts
        except ValueError:
            return False
        # As git: a file in an ignored folder is ignored whatever a deeper .gitignore says
        for depth in range(1, len(inside)):
            if self._ignored_by_nearest(self.root.joinpath(*inside[:depth]), folder=True):
                return True
        return self._ignored_by_nearest(path, folder=False)

    def _ignored_by_nearest(self, path: Path, folder: bool) -> bool:
        """The nearest .gitignore with a pattern for `path` decides (a deeper `!name` re-includes it)."""
        here = path.parent
        while True:
            spec = self._spec(here)
            if spec is not None:
                verdict = spec.check_file(path.relative_to(here).as_posix() + ("/" if folder else "")).include
                if verdict is not None:
                    return verdict
            if here == self.root or here == here.parent:
                return False
            here = here.parent


def _children(base: Path) -> list[Path]:
    try:
        return sorted(child for child in base.iterdir() if child.is_dir() and not child.name.startswith("."))
    except OSError as error:
        raise InputError(f"cannot read {base} ({error.strerror})") from None


def _sources_in(folder: Path, name: str) -> list[Path]:
    """The folder's module source files, in order of preference (.py before .ipynb)."""
    stems = (name, f"{name}_dev", folder.name)
    names = [f"{stem}{suffix}" for suffix in SUFFIXES for stem in dict.fromkeys(stems)]
    where = str(folder)  # a path is made only for the files that are there (discovery asks this of every module folder)
    return [folder / name for name in names if os.path.isfile(os.path.join(where, name))]


def _named_source(folder: Path) -> Optional[tuple[str, list[Path]]]:
    """(module name, its source files) of a folder named by its number alone: the one module
    its file names give (`tensor_dev.py`, `01_tensor.py`; such marked names first, else any
    source file), or None when there is none or several."""
    files = [path for suffix in SUFFIXES for path in sorted(folder.glob(f"*{suffix}")) if NAMED_FILE.match(path.stem)]
    marked = [path for path in files if path.stem.endswith("_dev") or path.stem.startswith(f"{folder.name}_")]
    chosen = marked or files
    names = {NAMED_FILE.match(path.stem).group(1) for path in chosen}
    if len(names) != 1:
        return None
    return names.pop(), chosen


def _folder_candidates(root: Path) -> tuple[list[_Candidate], list[_Candidate]]:
    """(numbered, unnumbered) module folders of the LAYOUTS."""
    numbered, unnumbered = [], []
    for rank, layout in enumerate(LAYOUTS):
        base = root / layout.base
        if layout.kind != "folders" or not base.is_dir():
            continue
        for folder in _children(base):
            match = FOLDER.match(folder.name)
            if match:
                number, name = int(match.group(1)), match.group(2)
                paths = _sources_in(folder, name)
                if paths:
                    numbered.append(_Candidate(rank, folder.name, name, number, paths))
                    continue
            elif NUMBER_ONLY.match(folder.name):
                found = _named_source(folder)
                if found:
                    numbered.append(_Candidate(rank, folder.name, found[0], int(folder.name), found[1]))
                    continue
            elif UNNUMBERED.match(folder.name):
                paths = _sources_in(folder, folder.name)
                if paths:
                    unnumbered.append(_Candidate(rank, folder.name, folder.name, None, paths))
                    continue
            else:
                continue
            # No file named after the folder: each course source in it is a module (numbered by the
            # folder when it is the only one), e.g. modules/02_loops/exercise.ipynb, or two notebooks.
            loose = _course_files_in(folder)
            number = int(match.group(1)) if match else int(folder.name) if NUMBER_ONLY.match(folder.name) else None
            for path in loose:
                alone = number if len(loose) == 1 else None
                (numbered if alone is not None else unnumbered).append(_Candidate(rank, folder.name, path.stem, alone, [path]))
    return numbered, unnumbered


def _is_course_file(path: Path) -> bool:
    """A notebook, or a `.py` holding percent-format cells (a `# %%` line in its first HEAD bytes)."""
    if path.suffix == ".ipynb":
        return True
    if path.suffix != ".py":
        return False
    try:
        with open(path, "rb", buffering=0) as stream:  # one read: discovery looks at every .py of the checkout
            head = stream.read(HEAD)
    except OSError:
        return False
    # The substring test first, on the bytes (a `%` byte is `%` whatever surrounds it): the regex is 100x slower
    return b"%%" in head and bool(PERCENT_CELL.search(head.decode("utf-8", errors="replace")))


def _course_files_in(folder: Path) -> list[Path]:
    """The course sources directly in `folder` (notebooks first), sorted."""
    files = _listing(folder)[0]
    return [path for suffix in (".ipynb", ".py") for path in files if path.suffix == suffix and _is_course_file(path)]


def _listing(folder: Path) -> tuple[list[Path], list[Path]]:
    """(source-suffixed files, sub-folders) of a folder, sorted; sub-folders without hidden ones and symbolic links.
    Only files with a source suffix (SUFFIXES) are listed: no caller looks at others, and discovery
    walks the whole checkout, so the rest are not made into paths."""
    files, folders = [], []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file():
                    if os.path.splitext(entry.name)[1] in SUFFIXES:
                        files.append(entry.name)
                elif entry.is_dir(follow_symlinks=False) and not entry.name.startswith("."):
                    folders.append(entry.name)
    except OSError:
        pass
    # sorted by name: the same order as sorting the paths, which share their folder
    return [folder / name for name in sorted(files)], [folder / name for name in sorted(folders)]


def _walk(root: Path, top: Path, tests: frozenset[str] = frozenset(), relative: Optional[str] = None):
    """(folder, its course files) under `top`, in sorted order, without hidden folders or folders that
    hold no course sources (NOT_COURSE, and the course's own test folders `tests`, relative to root).
    `relative`: top's path relative to root (posix, "" for root), when the caller knows it."""
    if relative is None:
        relative = "" if top == root else _rel(top, root)
    files, folders = _listing(top)
    yield top, [path for path in files if path.suffix in SUFFIXES and _is_course_file(path)]
    for child in folders:
        inside = f"{relative}/{child.name}" if relative else child.name
        if child.name not in NOT_COURSE and not child.name.endswith(".egg-info") and inside not in tests:
            yield from _walk(root, child, tests, inside)


def _source_folders(root: Path, base: str) -> list[Path]:
    """nbgrader's source folder and its variants beside it (`source (Fall2020)/`, `source_2019/`), base first."""
    found = []
    try:
        children = sorted(root.iterdir())
    except OSError:
        return found
    for child in children:
        if child.is_dir() and (child.name == base or (child.name.startswith(base) and not child.name[len(base)].isalnum())):
            found.append(child)
    return sorted(found, key=lambda folder: (folder.name != base, folder.name))


def _notebook_candidates(root: Path, skipped: dict[Path, str], tests: frozenset[str] = frozenset(), notebook_id: str = "*") -> list[_Candidate]:
    """nbgrader's `source/<assignment>/<name>.ipynb`: every notebook of an assignment is a module, in
    every source folder (`source (Fall2020)/` beside `source/`: its assignments keep the folder's name)
    and at any depth (`source/Project/<topic>/<name>.ipynb`: the assignment is `Project/<topic>`),
    whose name matches the course's CourseDirectory.notebook_id (nbgrader releases no other)."""
    found = []
    for rank, layout in enumerate(LAYOUTS):
        if layout.kind != "notebooks":
            continue
        for base in _source_folders(root, layout.base):
            prefix = "" if base.name == layout.base else base.name + "/"
            for folder, files in _walk(root, base, tests):
                notebooks = [path for path in files if path.suffix == ".ipynb"]
                if folder == base:
                    for path in notebooks:
                        skipped[path] = f"in {base.name}/ itself, not in an assignment folder (nbgrader: a header or template)"
                    continue
                match = FOLDER.match(folder.name)
                assignment = prefix + folder.relative_to(base).as_posix()
                for notebook in notebooks:
                    if not fnmatch.fnmatchcase(notebook.stem, notebook_id):
                        skipped[notebook] = f"{NOT_RELEASED}: nbgrader_config.py's CourseDirectory.notebook_id ({notebook_id!r}) does not match its name"
                        continue
                    number = int(match.group(1)) if match and len(notebooks) == 1 and not prefix and folder.parent == base else None
                    found.append(_Candidate(rank, assignment, notebook.stem, number, [notebook]))
    return found


def _loose_candidates(root: Path, tests: frozenset[str] = frozenset()) -> tuple[list[_Candidate], list[_Candidate]]:
    """A course without any layout's folder: every notebook, and every `.py` with nbgrader cell metadata
    (old-style percent sources, `# %% {"nbgrader": ...}`), in any folder (`ps1/`, `Notebooks/`), is a module;
    numbered by its folder (`02_loops/`) when it is the only one there. nbgrader's output folders are not sources."""
    numbered, unnumbered = [], []
    for folder, files in _walk(root, root, tests):
        if folder != root and folder.relative_to(root).parts[0] in NBGRADER_OUTPUT:
            continue
        sources = [path for path in files if path.suffix == ".ipynb" or _nbgrader_percent(path)]
        match = FOLDER.match(folder.name) if folder != root else None
        name = folder.relative_to(root).as_posix() if folder != root else "."
        for path in sources:
            if match and len(sources) == 1:
                numbered.append(_Candidate(0, name, path.stem, int(match.group(1)), [path]))
            else:
                unnumbered.append(_Candidate(0, name if folder != root else path.stem, path.stem, None, [path]))
    return numbered, unnumbered


def _nbgrader_percent(path: Path) -> bool:
    try:
        return path.suffix == ".py" and bool(NBGRADER_PERCENT.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def _glob_candidates(root: Path, patterns: tuple[str, ...]) -> tuple[list[_Candidate], list[_Candidate]]:
    """`[tool.audits] sources`: every matching file is a module, numbered by its folder (or its own) NN_ name."""
    numbered, unnumbered = [], []
    seen = set()
    for pattern in patterns:
        if any("**" in part and part != "**" for part in pattern.replace("\\", "/").split("/")):
            # Python 3.11 and 3.12 reject it, 3.13 reads it as "*": one answer on every version
            raise InputError(f"[tool.audits] sources: {pattern!r} is not a glob pattern ('**' must be a whole path component)")
        try:
            matches = sorted(root.glob(pattern))
        except ValueError as error:  # e.g. "**" inside a path component
            raise InputError(f"[tool.audits] sources: {pattern!r} is not a glob pattern ({error})") from None
        for path in matches:
            if not path.is_file() or path in seen:
                continue
            seen.add(path)
            folder = path.parent.name if path.parent != root else path.stem
            match = FOLDER.match(folder) or FOLDER.match(path.stem)
            if match:
                numbered.append(_Candidate(0, match.group(0), match.group(2), int(match.group(1)), [path]))
            else:
                unnumbered.append(_Candidate(0, folder, path.stem, None, [path]))
    return numbered, unnumbered


def _keep_tracked(group: list[_Candidate], ignored: _GitIgnore, generated: list[Path]) -> list[_Candidate]:
    """Drop the git-ignored copies of one module when a tracked source of it exists."""
    if len(group) == 1 and len(group[0].paths) == 1:
        return group  # one file: kept whether ignored or not (the usual case: .gitignore is not even read)
    tracked = [[path for path in c.paths if not ignored(path)] for c in group]
    if not any(tracked):
        return group  # nothing tracked: the ignored files are all there is
    kept = []
    for candidate, paths in zip(group, tracked):
        generated.extend(path for path in candidate.paths if path not in paths)
        if paths:
            kept.append(_Candidate(candidate.rank, candidate.folder, candidate.name, candidate.number, paths))
    return kept


def _keys(chosen: list[_Candidate]) -> list[str]:
    """The folder, or "folder/name" when one folder holds several modules (an assignment's notebooks)."""
    counts: dict[str, int] = {}
    for candidate in chosen:
        counts[candidate.folder] = counts.get(candidate.folder, 0) + 1
    return [c.folder if counts[c.folder] == 1 else f"{c.folder}/{c.name}" for c in chosen]


def _order(chosen: list[_Candidate], keys: list[str], order: tuple[str, ...]) -> tuple[list[int], bool]:
    """Course positions (0-based) of unnumbered modules: the configured order, then the rest alphabetically."""
    rank = {}
    for key, candidate in zip(keys, chosen):
        for alias in (key, candidate.folder, candidate.name):
            rank.setdefault(alias, []).append(key)
    listed: list[str] = []
    for name in order:
        if name not in rank:
            known = ", ".join(keys) or "none"
            raise InputError(f"[tool.audits] modules: no unnumbered module folder {name!r} in this checkout (found: {known})")
        listed.extend(key for key in rank[name] if key not in listed)
    rest = sorted(key for key in keys if key not in listed)
    position = {key: i for i, key in enumerate(listed + rest)}
    return [position[key] for key in keys], bool(order) and not rest


def discover(root: Path | str = ".", config=None, walk: bool = True) -> Discovery:
    """Every module source under root (see the module docstring); InputError only when root is unusable.

    Whatever looks like a course source (a notebook, a `.py` with `# %%` cells) and is not audited
    is listed in `Discovery.skipped` with the reason: nothing is left out in silence. `walk=False`
    looks only in the layouts' folders: for a current directory that is no checkout (`/`, a home
    folder), whose whole tree is not a course to search.
    """
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"root {root} is not a readable directory")
    patterns = config.sources if config is not None else ()
    order = config.modules if config is not None else ()
    # the course's test folders (audits.conventions) hold tests, never module sources
    tests = frozenset((config.conventions.tests, config.conventions.checkpoints)) if config is not None else frozenset()
    skipped: dict[Path, str] = {}
    if patterns:
        numbered, unnumbered = _glob_candidates(root, patterns)
    else:
        numbered, unnumbered = _folder_candidates(root)
        notebook_id = config.conventions.notebook_id if config is not None else "*"
        notebooks = _notebook_candidates(root, skipped, tests, notebook_id)
        numbered += [c for c in notebooks if c.number is not None]
        unnumbered += [c for c in notebooks if c.number is None]
        unreleased = any(why.startswith(NOT_RELEASED) for why in skipped.values())  # source/ has notebooks: no loose layout
        if not numbered and not unnumbered and not unreleased and walk:
            numbered, unnumbered = _loose_candidates(root, tests)  # a course without source/ or modules/
    ignored = _GitIgnore(root)
    generated: list[Path] = []

    refs: list[ModuleRef] = []
    duplicates: dict[int, list[ModuleRef]] = {}
    for number in sorted({c.number for c in numbered}):
        group = _keep_tracked([c for c in numbered if c.number == number], ignored, generated)
        best = min(c.rank for c in group)
        mine = [c for c in group if c.rank == best]  # other layouts hold mirror copies of this module
        these = [ModuleRef(number, c.folder, c.name, c.paths[0], root) for c in mine]
        for candidate in group:
            if candidate.rank != best:
                for path in candidate.paths:
                    skipped.setdefault(path, f"a copy of module {number:02d} in a later layout ({_rel(these[0].path, root)} is audited)")
        refs.extend(these)
        if len(these) > 1:
            duplicates[number] = these

    note = ""
    if unnumbered or order:  # an order naming no unnumbered folder is an error, not ignored
        chosen = []
        for identity in sorted({(c.folder, c.name) for c in unnumbered}):
            group = _keep_tracked([c for c in unnumbered if (c.folder, c.name) == identity], ignored, generated)
            best = min(group, key=lambda c: c.rank)
            chosen.append(best)
            for candidate in group:
                if candidate is not best:
                    for path in candidate.paths:
                        skipped.setdefault(path, f"a copy of {best.folder} in a later layout ({_rel(best.paths[0], root)} is audited)")
        keys = _keys(chosen)
        positions, ordered = _order(chosen, keys, order)
        offset = max((ref.number for ref in refs), default=0)
        unnumbered_refs = [
            ModuleRef(offset + position + 1, c.folder, c.name, c.paths[0], root, key, ordered)
            for c, key, position in zip(chosen, keys, positions)
        ]
        if not ordered and len(chosen) + len(refs) > 1:  # a lone module has nothing to be ordered against
            beside = "; they are audited after the numbered ones" if refs else ""
            note = (
                f"{'some' if refs else 'the'} module folders carry no numbers and [tool.audits] modules = [...] does not order them all{beside}, "
                "so forward-dependency and module-number checks are off"
            )
        refs.extend(sorted(unnumbered_refs, key=lambda ref: ref.number))
    by_first: dict[Path, list[_Candidate]] = {}  # candidates by their first source (one pass, not one per module)
    for candidate in numbered + unnumbered:
        by_first.setdefault(candidate.paths[0], []).append(candidate)
    for ref in refs:
        for candidate in by_first.get(ref.path, ()):
            for path in candidate.paths[1:]:
                skipped.setdefault(path, f"a second source of {ref.key} ({_rel(ref.path, root)} is audited)")
    for path in generated:
        skipped[path] = "a generated copy (the checkout's .gitignore ignores it; the tracked source is audited)"
    listed = _skipped(root, refs, skipped, bool(patterns), tests) if walk else sorted((_rel(path, root), why) for path, why in skipped.items())
    return Discovery(root, refs, duplicates, sorted(set(generated)), order_note=note, skipped=listed)


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return Path(path).as_posix()


def _has_source(root: Path) -> bool:
    """Whether the course keeps nbgrader's source/ folder (beside which release/, submitted/... are its output)."""
    return any(root.joinpath(layout.base).is_dir() for layout in LAYOUTS if layout.kind == "notebooks")


def nbgrader_copy(root: Path | str, path: Path | str) -> tuple[str, Path | None] | None:
    """(what it is, its source notebook if the course has it) for a file in one of nbgrader's folders beside
    source/ (release/ps1/x.ipynb, submitted/<student>/ps1/x.ipynb, ...), else None."""
    root = Path(root).resolve()
    try:
        parts = Path(path).resolve().relative_to(root).parts
    except ValueError:
        return None
    if len(parts) < 2 or parts[0] not in NBGRADER_OUTPUT or not _has_source(root):
        return None
    rest = parts[2:] if parts[0] in ("submitted", "autograded", "feedback") else parts[1:]  # past the student's folder
    source = root.joinpath("source", *rest) if rest else None
    return NBGRADER_OUTPUT[parts[0]], source if source is not None and source.is_file() else None


def _skipped(root: Path, refs: list[ModuleRef], known: dict[Path, str], configured: bool, tests: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(path, reason) for every course-looking file under root that is not audited."""
    audited = {ref.path for ref in refs}
    listed = dict(known)
    has_source = _has_source(root)
    module_folders = {ref.path.parent for ref in refs}
    for folder, files in _walk(root, root, tests):
        top = folder.relative_to(root).parts[0] if folder != root else ""
        for path in files:
            if path in audited or path in listed:
                continue
            if configured:
                listed[path] = "not matched by [tool.audits] sources"
            elif top in NBGRADER_OUTPUT and has_source:
                listed[path] = NBGRADER_OUTPUT[top]
            elif path.parent != root and path.parent in module_folders:
                listed[path] = "a second course file in a module folder (the folder's module source is audited)"
            else:
                listed[path] = f"not in a module layout ({looked_in()})"
    return sorted((_rel(path, root), reason) for path, reason in listed.items() if path not in audited)


def find_modules(root: Path | str = ".", config=None) -> list[ModuleRef]:
    """Every module source under root, in course order (see `discover`)."""
    return discover(root, config).refs


def find_module(root: Path | str, number: int, config=None) -> ModuleRef:
    """The module numbered `number`; InputError when there is none or when two folders share it."""
    modules = find_modules(root, config)
    matches = [ref for ref in modules if ref.number == number and ref.ordered]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = " and ".join(ref.folder for ref in matches)
        raise InputError(f"{names} both have number {number:02d}: give the folder name or the source path instead")
    listing = ", ".join(f"{ref.number:02d}" for ref in modules if ref.ordered) or "none"
    unordered = [ref.key for ref in modules if not ref.ordered]
    if unordered:
        listing += f"; unnumbered, name them instead: {', '.join(unordered)}"
    raise InputError(f"no module {number} under {Path(root).resolve()} (found: {listing})")


MAX_DIGITS = 9  # a number typed on the command line (module, processes) longer than this is a mistake


def whole_number(text: str) -> Optional[int]:
    """`text` as a whole number, or None unless it is ASCII digits, at most MAX_DIGITS after leading zeros.

    `"²".isdigit()` is true but `int("²")` fails; `int()` refuses more than 4,300 digits.
    """
    digits = text.lstrip("0") or "0"  # int() counts leading zeros toward its limit too
    if not (text.isascii() and text.isdigit()) or len(digits) > MAX_DIGITS:
        return None
    return int(digits)


def quoted(text: str, limit: int = 40) -> str:
    """`text` for a one-line message: its repr, cut with its length when it is long."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def parse_module_number(text: str) -> int:
    """A module number given on the command line: "16" or "07"."""
    number = whole_number(text)
    if number is None:
        raise InputError(f"module number must be a whole number like 16 (at most {MAX_DIGITS} digits), not {quoted(text)}")
    return number


def _is_checkout(folder: Path) -> bool:
    if any((folder / marker).exists() for marker in CHECKOUT_MARKERS):
        return True
    src = folder / "src"
    if src.is_dir() and any(FOLDER.match(child.name) or NUMBER_ONLY.match(child.name) for child in _children(src)):
        return True
    return _nbgrader_course(folder)


def _nbgrader_course(folder: Path) -> bool:
    """An nbgrader course directory without nbgrader_config.py: source/<assignment>/ holding a notebook
    (nbgrader runs in such a folder with its defaults)."""
    source = folder / "source"
    return source.is_dir() and any(any(child.glob("*.ipynb")) for child in _children(source))


def find_root(start: Path | str) -> Optional[Path]:
    """The nearest folder at or above `start` that is a checkout (.git, pyproject.toml,
    nbgrader_config.py, modules/, src/NN_name/ or src/NN/, or nbgrader's source/<assignment>/*.ipynb),
    as git and ruff find theirs; None if none is."""
    folder = Path(start).resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        try:
            if _is_checkout(candidate):
                return candidate
        except (OSError, InputError):
            continue
    return None


def detect_profile(refs: list[ModuleRef]) -> str:
    """The course's conventions: "tinytorch" when any source uses `#| default_exp` (nbdev export), else "nbgrader"."""
    if not refs:
        return "tinytorch"
    for ref in refs:
        try:
            text = ref.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if DEFAULT_EXP.search(text):
            return "tinytorch"
    return "nbgrader"
