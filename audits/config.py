"""The `[tool.audits]` table of a checkout's pyproject.toml.

    [tool.audits]
    ignore = ["REF002"]                 # codes never reported in this checkout
    severity = { "REF001" = "low" }     # per-code severity overrides
    profile = "nbgrader"                # "tinytorch" or "nbgrader" (default: detected from the sources)
    modules = ["tensor", "layers"]      # the order of unnumbered module folders (forward-dependency checks need it)
    sources = ["lessons/*/*.py"]        # globs (relative to the checkout) that replace discovery altogether
    per-file-ignores = { "modules/20_*/*.py" = ["REF002"] }   # codes ignored in the files a pattern
                                        # (.gitignore syntax, relative to the checkout) matches

    # The course's conventions (audits.conventions; each defaults to today's value):
    package = "tinytorch"               # the package module sources export into (<root>/tinytorch/)
    tests = "tests"                     # the folder of per-module test folders (tests/16_compression/)
    checkpoints = "tests/checkpoints"   # the folder of checkpoint_NN_name.py (default: <tests>/checkpoints)
    module-synonyms = { compression = ["pruning", "sparsity"] }   # words prose uses for a module
                                        # (replaces TinyTorch's table of twenty modules)
    begin-solution = "BEGIN SOLUTION"   # nbgrader's delimiters and stub, as in nbgrader_config.py
    end-solution = "END SOLUTION"
    code-stub = "# YOUR CODE HERE\nraise NotImplementedError()"   # or { python = "...", R = "..." }: one per kernel language
    begin-hidden-tests = "BEGIN HIDDEN TESTS"
    end-hidden-tests = "END HIDDEN TESTS"

The course's `nbgrader_config.py`, when present beside pyproject.toml, gives the same
delimiters and stub the way nbgrader reads them (`c.ClearSolutions.begin_solution_delimeter`,
`end_solution_delimeter`, `code_stub`, `text_stub`, `c.ClearHiddenTests.begin_test_delimeter`,
`end_test_delimeter`): its literal values are read with `ast`, the file is never run; a value
that is not a literal leaves the default and becomes a one-line warning (`Conventions.warnings`,
printed by each command). `[tool.audits]` and `nbgrader_config.py` must agree where both set a key.

A missing file or table means the defaults (every rule, default severities).
Anything malformed is an InputError with one line saying what to change.
"""

from __future__ import annotations

import ast
import dataclasses
import keyword
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Optional

from audits.conventions import DEFAULT, Conventions
from audits.model import InputError, Severity

# [tool.audits] key -> Conventions field, for the course's conventions
CONVENTION_KEYS = {
    "package": "package", "tests": "tests", "checkpoints": "checkpoints", "module-synonyms": "synonyms",
    "begin-solution": "begin_solution", "end-solution": "end_solution", "code-stub": "code_stub",
    "begin-hidden-tests": "begin_hidden_tests", "end-hidden-tests": "end_hidden_tests",
}  # fmt: skip
KNOWN_KEYS = ("ignore", "severity", "profile", "modules", "sources", "per-file-ignores", *CONVENTION_KEYS)
# nbgrader_config.py: (configurable class, trait) -> Conventions field. nbgrader spells "delimeter".
NBGRADER_KEYS = {
    ("ClearSolutions", "begin_solution_delimeter"): "begin_solution",
    ("ClearSolutions", "end_solution_delimeter"): "end_solution",
    ("ClearSolutions", "code_stub"): "code_stub",
    ("ClearSolutions", "text_stub"): "text_stub",
    ("ClearHiddenTests", "begin_test_delimeter"): "begin_hidden_tests",
    ("ClearHiddenTests", "end_test_delimeter"): "end_hidden_tests",
    ("CourseDirectory", "ignore"): "copy_ignore",
    ("CourseDirectory", "include"): "copy_include",
    ("CourseDirectory", "max_file_size"): "max_file_kb",
    ("CourseDirectory", "notebook_id"): "notebook_id",
}
NBGRADER_CONFIG = "nbgrader_config.py"
PROFILES = ("tinytorch", "nbgrader")


@dataclass(frozen=True)
class Config:
    ignore: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    source: str = ""  # where it was read from ("" for the defaults)
    profile: Optional[str] = None  # None: detected from the sources (see audits.discover.detect_profile)
    modules: tuple[str, ...] = ()  # order of unnumbered modules, by folder name (or "assignment/notebook")
    sources: tuple[str, ...] = ()  # globs that replace discovery
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()  # (pattern, codes): codes ignored in the matching files
    conventions: Conventions = DEFAULT  # the course's package, test layout, module names, nbgrader delimiters

    def ignored_in(self, path: str) -> frozenset[str]:
        """The codes ignored in one file (its path relative to the checkout): `ignore` plus its per-file ignores."""
        if not self.per_file_ignores:
            return self.ignore
        import pathspec  # only checkouts with per-file ignores pay for it

        codes = set(self.ignore)
        for pattern, ignored in self.per_file_ignores:
            if pathspec.GitIgnoreSpec.from_lines([pattern]).match_file(path):
                codes |= ignored
        return frozenset(codes)


def _known_code(code: object, where: str) -> str:
    from audits.rules import get_rule  # late import: the rules package imports this module's siblings

    if not isinstance(code, str):
        raise InputError(f"{where}: rule codes must be strings like \"TI001\", not {code!r}")
    try:
        return get_rule(code).code
    except InputError as error:
        raise InputError(f"{where}: {error}") from None


def parse_config(table: object, where: str = "[tool.audits]", nbgrader: Optional["NbgraderValues"] = None) -> Config:
    """A Config from the already-loaded `[tool.audits]` table (and what the course's nbgrader_config.py sets)."""
    if not isinstance(table, dict):
        raise InputError(f"{where} must be a table")
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(KNOWN_KEYS)})")
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list):
        raise InputError(f"{where}: ignore must be a list of rule codes, e.g. ignore = [\"REF002\"]")
    codes = frozenset(_known_code(code, f"{where} ignore") for code in ignore)
    overrides = table.get("severity", {})
    if not isinstance(overrides, dict):
        raise InputError(f"{where}: severity must be a table, e.g. severity = {{ \"REF001\" = \"low\" }}")
    severity = {}
    for code, label in overrides.items():
        code = _known_code(code, f"{where} severity")
        if not isinstance(label, str):
            raise InputError(f"{where} severity: {code} must be one of critical, high, medium, low, not {label!r}")
        try:
            severity[code] = Severity.parse(label)
        except InputError as error:
            raise InputError(f"{where} severity: {code}: {error}") from None
    profile = table.get("profile")
    if profile is not None and profile not in PROFILES:
        raise InputError(f"{where}: profile must be one of {', '.join(PROFILES)}, not {profile!r}")
    modules = _strings(table, "modules", where, 'modules = ["tensor", "activations"]')
    sources = _strings(table, "sources", where, 'sources = ["lessons/*/*.py"]')
    for pattern in sources:
        _inside_checkout(pattern, where)
    per_file = table.get("per-file-ignores", {})
    example = 'per-file-ignores = { "modules/20_*/*.py" = ["REF002"] }'
    if not isinstance(per_file, dict) or not all(isinstance(codes, list) for codes in per_file.values()):
        raise InputError(f"{where}: per-file-ignores must be a table of patterns to lists of rule codes, e.g. {example}")
    per_file_ignores = tuple(
        (pattern, frozenset(_known_code(code, f"{where} per-file-ignores {pattern!r}") for code in codes)) for pattern, codes in per_file.items()
    )
    conventions = conventions_from(_convention_values(table, where), where, nbgrader)
    return Config(codes, severity, where, profile, modules, sources, per_file_ignores, conventions)


def _strings(table: dict, key: str, where: str, example: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise InputError(f"{where}: {key} must be a list of non-empty strings, e.g. {example}")
    return tuple(item.strip() for item in value)


def _inside_checkout(pattern: str, where: str, problem: str = "") -> None:
    """A `sources` glob (or a configured folder) must name files of the checkout: relative, no `..`, not the checkout itself."""
    parts = [part for part in PurePosixPath(pattern.replace("\\", "/")).parts if part != "."]
    if pattern.startswith(("/", "\\")) or PureWindowsPath(pattern).drive or ".." in parts or not parts:
        if problem:
            raise InputError(f"{where} {problem}, not {pattern!r}")
        raise InputError(f"{where}: sources: {pattern!r} must match files inside the checkout, relative to it, e.g. sources = [\"lessons/*/*.py\"]")


# -- the course's conventions ----------------------------------------------------------------


def _folder(value: object, where: str, example: str) -> str:
    """A folder of the course: relative to its root, inside it."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where} must be a folder relative to the course root, e.g. {example}, not {value!r}")
    _inside_checkout(value, where, f"must be a folder inside the course, relative to its root, e.g. {example}")
    return PurePosixPath(value.replace("\\", "/")).as_posix().strip("/")


def _convention_value(name: str, value: object, where: str):
    """One convention (by Conventions field) as read from [tool.audits] or nbgrader_config.py, checked:
    InputError with one line naming `where` (the key and its file) otherwise; None for a table of
    code stubs without a "python" one (it sets no Python stub)."""
    if name == "package":
        if not isinstance(value, str) or not value.isidentifier() or keyword.iskeyword(value):
            raise InputError(f'{where} must be a Python package name, e.g. package = "tinytorch", not {value!r}')
        return value
    if name in ("tests", "checkpoints"):
        return _folder(value, where, f'{name} = "{getattr(DEFAULT, name)}"')
    if name == "synonyms":
        example = 'module-synonyms = { compression = ["pruning", "sparsity"] }'
        if not isinstance(value, dict) or not all(
            isinstance(words, list) and all(isinstance(word, str) and word.strip() for word in words) for words in value.values()
        ):
            raise InputError(f"{where} must be a table of module names to lists of words, e.g. {example}")
        return tuple((str(module).lower(), tuple(word.strip().lower() for word in words)) for module, words in value.items())
    if name in ("copy_ignore", "copy_include"):
        if not isinstance(value, list) or not all(isinstance(glob, str) and glob for glob in value):
            raise InputError(f"{where} must be a list of file names or globs, e.g. {list(getattr(DEFAULT, name))!r}, not {value!r}")
        return tuple(value)
    if name == "max_file_kb":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InputError(f"{where} must be a number of kilobytes, e.g. {DEFAULT.max_file_kb}, not {value!r}")
        return value
    if name == "code_stub" and isinstance(value, dict):  # nbgrader's form: one stub per kernel language
        if "python" not in value:
            return None  # no Python stub set (a course without Python notebooks: NB007 names any that nbgrader would refuse)
        value, where = value["python"], f'{where}["python"]'
    multiline = name in ("code_stub", "text_stub")
    if not isinstance(value, str) or not value.strip() or (not multiline and "\n" in value):
        kind = "a non-empty string" if multiline else "a non-empty one-line string"
        raise InputError(f"{where} must be {kind}, e.g. {getattr(DEFAULT, name)!r}, not {value!r}")
    return value


def _convention_values(table: dict, where: str) -> dict:
    """The conventions `[tool.audits]` sets, by Conventions field."""
    values = {name: _convention_value(name, table[key], f"{where} {key}") for key, name in CONVENTION_KEYS.items() if key in table}
    values = {name: value for name, value in values.items() if value is not None}  # a stub table without "python" sets none
    if isinstance(table.get("code-stub"), dict):
        values["stub_languages"] = _stub_languages(table["code-stub"], f"{where} code-stub")
    return values


def _stub_languages(stubs: dict, where: str) -> tuple[str, ...]:
    """The kernel languages a `{"python": "...", "R": "..."}` table of stubs has one for (checked: each a non-empty string)."""
    for language, stub in stubs.items():
        if not isinstance(language, str) or not isinstance(stub, str) or not stub.strip():
            raise InputError(f"{where} must map kernel language names to non-empty stubs, e.g. {{\"R\": \"fail()\"}}, not {language!r}: {stub!r}")
    return tuple(stubs)


@dataclass(frozen=True)
class NbgraderValues:
    """What a course's nbgrader_config.py sets that the conventions read: literal values by Conventions field."""

    path: str  # how messages name the file
    values: dict  # Conventions field -> (line, value)
    warnings: tuple[str, ...] = ()


def _trait(target: ast.expr) -> Optional[tuple[str, str, Optional[str]]]:
    """`c.ClearSolutions.code_stub` -> ("ClearSolutions", "code_stub", None); `c.X.y["R"]` -> (..., "R")."""
    key = None
    if isinstance(target, ast.Subscript):
        if not (isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str)):
            return None
        key, target = target.slice.value, target.value
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute) and isinstance(target.value.value, ast.Name):
        return target.value.attr, target.attr, key
    return None


def read_nbgrader_config(root: Path | str) -> Optional[NbgraderValues]:
    """The delimiters and stubs a course's nbgrader_config.py sets, read with `ast` (never run); None without the file.

    Only top-level assignments of literals count (`c.ClearSolutions.begin_solution_delimeter = "..."`,
    `c.ClearSolutions.code_stub = {"python": "..."}` or `c.ClearSolutions.code_stub["python"] = "..."`).
    Anything else that sets one of those traits (a computed value, an assignment inside a block)
    is a warning and the default stays; invalid Python or a literal of the wrong kind is an InputError.
    """
    path = Path(root) / NBGRADER_CONFIG
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    try:
        tree = ast.parse(data.decode("utf-8"), NBGRADER_CONFIG)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8") from None
    except (SyntaxError, ValueError) as error:
        raise InputError(f"{path}: not valid Python (line {getattr(error, 'lineno', None) or 1}: {getattr(error, 'msg', error)})") from None
    top = {id(node) for node in tree.body}
    values: dict = {}
    warnings: list[str] = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            trait = _trait(target)
            if trait is None or trait[:2] not in NBGRADER_KEYS:
                continue
            name, key = NBGRADER_KEYS[trait[:2]], trait[2]
            if key is not None and name != "code_stub":
                continue  # a subscript of a trait that is no table of stubs: not one the audit reads
            spelled = f"c.{trait[0]}.{trait[1]}" + (f"[{key!r}]" if key is not None else "")
            other_language = key not in (None, "python")  # code_stub["julia"] = ...: a stub the audit never writes
            if other_language and id(node) in top:
                known = values.get("stub_languages", (0, DEFAULT.stub_languages))[1]
                values["stub_languages"] = (node.lineno, tuple(dict.fromkeys((*known, key))))
                continue  # its language has a stub now, whatever the value: nbgrader releases such notebooks (NB007)
            why = "is set inside a block" if id(node) not in top else "is not a plain assignment" if isinstance(node, ast.AugAssign) or node.value is None else ""
            try:
                value = None if why else ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                why = "is not set to a literal value"
            if why:
                used = f"no {key!r} stub" if other_language else repr(getattr(DEFAULT, name))
                warnings.append(f"{NBGRADER_CONFIG}:{node.lineno}: {spelled} {why} (the file is read, never run): the audit uses {used}")
                continue
            where = f"{NBGRADER_CONFIG}:{node.lineno}: {spelled}"
            if name == "code_stub":  # which kernel languages have a stub: nbgrader refuses a notebook in any other
                if key is None:  # the whole table: a string is nbgrader's {"python": ...}
                    values["stub_languages"] = (node.lineno, _stub_languages(value, where) if isinstance(value, dict) else ("python",))
                else:
                    value = {"python": value}
            value = _convention_value(name, value, where)
            if value is not None:  # None: a table of stubs without "python" sets no Python stub
                values[name] = (node.lineno, value)
    return NbgraderValues(NBGRADER_CONFIG, values, tuple(warnings))


def conventions_from(values: dict, where: str, nbgrader: Optional[NbgraderValues] = None) -> Conventions:
    """The Conventions of `[tool.audits]` values (by field) and nbgrader_config.py's; they must agree where both set one."""
    merged = dict(values)
    for name, (line, value) in (nbgrader.values.items() if nbgrader else ()):
        if name in values and values[name] != value and name != "stub_languages":  # the stubs nbgrader has are the ones nbgrader_config.py gives it
            key = next(key for key, field_name in CONVENTION_KEYS.items() if field_name == name)
            raise InputError(f"{where} {key} = {values[name]!r} disagrees with {nbgrader.path}:{line} ({value!r}): set it in one place")
        merged[name] = value
    if "tests" in merged and "checkpoints" not in merged:
        merged["checkpoints"] = f"{merged['tests']}/checkpoints"
    conventions = dataclasses.replace(DEFAULT, **merged, warnings=nbgrader.warnings if nbgrader else ())
    for begin, end, what in (("begin_solution", "end_solution", "solution"), ("begin_hidden_tests", "end_hidden_tests", "hidden-test")):
        first, second = getattr(conventions, begin), getattr(conventions, end)
        if first in second or second in first:
            raise InputError(f"{where}: the {what} delimiters {first!r} and {second!r} must not contain each other (nbgrader "
                             "could not tell a region's start from its end)")  # fmt: skip
    return conventions


def load_config(root: Path | str) -> Config:
    """The audit configuration of the checkout at root (defaults without pyproject.toml or [tool.audits]),
    with the course's conventions from [tool.audits] and nbgrader_config.py."""
    nbgrader = read_nbgrader_config(root)
    path = Path(root) / "pyproject.toml"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Config(conventions=conventions_from({}, NBGRADER_CONFIG, nbgrader))
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: invalid TOML ({error})") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict) or "audits" not in tool:
        return Config(conventions=conventions_from({}, NBGRADER_CONFIG, nbgrader))
    return parse_config(tool["audits"], f"{path.name} [tool.audits]", nbgrader)
