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
    source/<assignment>/<name>.ipynb     nbgrader (`nbgrader quickstart`)

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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from audits.model import InputError, ModuleRef

if TYPE_CHECKING:  # imported for real only when a .gitignore must be read (see _GitIgnore)
    import pathspec

FOLDER = re.compile(r"^(\d{2})_([A-Za-z0-9_]+)$")
NUMBER_ONLY = re.compile(r"^\d{2}$")  # older TinyTorch checkouts: modules/source/01/tensor_dev.py, src/01/01_tensor.py
NAMED_FILE = re.compile(r"^(?:\d{2}_)?([A-Za-z][A-Za-z0-9_]*?)(_dev)?$")  # 01_tensor, tensor_dev, tensor -> tensor
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
    """The `files:` regex of the pre-commit hooks: a module source under any layout's top folder."""
    tops = dict.fromkeys(layout.base.split("/")[0] for layout in LAYOUTS)
    suffixes = "|".join(suffix.lstrip(".") for suffix in SUFFIXES)
    return f"^({'|'.join(tops)})/.*\\.({suffixes})$"

DEFAULT_EXP = re.compile(r"#\s*\|\s*default_exp\b")
CHECKOUT_MARKERS = (".git", "pyproject.toml", "nbgrader_config.py", "modules")


@dataclass
class Discovery:
    """What discovery found under one root."""

    root: Path
    refs: list[ModuleRef]  # every module, in course order
    duplicates: dict[int, list[ModuleRef]] = field(default_factory=dict)  # number -> the folders sharing it
    generated: list[Path] = field(default_factory=list)  # git-ignored copies skipped in favour of a tracked source
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
    return [folder / f"{stem}{suffix}" for suffix in SUFFIXES for stem in dict.fromkeys(stems) if (folder / f"{stem}{suffix}").is_file()]


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
            elif NUMBER_ONLY.match(folder.name):
                found = _named_source(folder)
                if found:
                    numbered.append(_Candidate(rank, folder.name, found[0], int(folder.name), found[1]))
            elif UNNUMBERED.match(folder.name):
                paths = _sources_in(folder, folder.name)
                if paths:
                    unnumbered.append(_Candidate(rank, folder.name, folder.name, None, paths))
    return numbered, unnumbered


def _notebook_candidates(root: Path) -> list[_Candidate]:
    """nbgrader's `source/<assignment>/<name>.ipynb`: every notebook of an assignment is a module."""
    found = []
    for rank, layout in enumerate(LAYOUTS):
        base = root / layout.base
        if layout.kind != "notebooks" or not base.is_dir():
            continue
        for folder in _children(base):
            notebooks = sorted(folder.glob("*.ipynb"))
            for notebook in notebooks:
                match = FOLDER.match(folder.name)
                number = int(match.group(1)) if match and len(notebooks) == 1 else None
                found.append(_Candidate(rank, folder.name, notebook.stem, number, [notebook]))
    return found


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


def discover(root: Path | str = ".", config=None) -> Discovery:
    """Every module source under root (see the module docstring); InputError only when root is unusable."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(f"root {root} is not a readable directory")
    patterns = config.sources if config is not None else ()
    order = config.modules if config is not None else ()
    if patterns:
        numbered, unnumbered = _glob_candidates(root, patterns)
    else:
        numbered, unnumbered = _folder_candidates(root)
        notebooks = _notebook_candidates(root)
        numbered += [c for c in notebooks if c.number is not None]
        unnumbered += [c for c in notebooks if c.number is None]
    ignored = _GitIgnore(root)
    generated: list[Path] = []

    refs: list[ModuleRef] = []
    duplicates: dict[int, list[ModuleRef]] = {}
    for number in sorted({c.number for c in numbered}):
        group = _keep_tracked([c for c in numbered if c.number == number], ignored, generated)
        best = min(c.rank for c in group)
        mine = [c for c in group if c.rank == best]  # other layouts hold mirror copies of this module
        these = [ModuleRef(number, c.folder, c.name, c.paths[0], root) for c in mine]
        refs.extend(these)
        if len(these) > 1:
            duplicates[number] = these

    note = ""
    if (unnumbered and not numbered) or order:  # an order naming no unnumbered folder is an error, not ignored
        chosen = []
        for identity in sorted({(c.folder, c.name) for c in unnumbered}):
            group = _keep_tracked([c for c in unnumbered if (c.folder, c.name) == identity], ignored, generated)
            chosen.append(min(group, key=lambda c: c.rank))
        keys = _keys(chosen)
        positions, ordered = _order(chosen, keys, order)
        offset = max((ref.number for ref in refs), default=0)
        unnumbered_refs = [
            ModuleRef(offset + position + 1, c.folder, c.name, c.paths[0], root, key, ordered)
            for c, key, position in zip(chosen, keys, positions)
        ]
        refs.extend(sorted(unnumbered_refs, key=lambda ref: ref.number))
        if not ordered:
            note = (
                "the module folders carry no numbers and [tool.audits] modules = [...] does not order them all, "
                "so forward-dependency and module-number checks are off"
            )
    return Discovery(root, refs, duplicates, sorted(set(generated)), note)


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
    return src.is_dir() and any(FOLDER.match(child.name) or NUMBER_ONLY.match(child.name) for child in _children(src))


def find_root(start: Path | str) -> Optional[Path]:
    """The nearest folder at or above `start` that is a checkout (.git, pyproject.toml,
    nbgrader_config.py, modules/, src/NN_name/ or src/NN/), as git and ruff find theirs; None if none is."""
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
