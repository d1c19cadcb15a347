"""The `[tool.audits]` table of a checkout's pyproject.toml.

    [tool.audits]
    ignore = ["REF002"]                 # codes never reported in this checkout
    severity = { "REF001" = "low" }     # per-code severity overrides
    profile = "nbgrader"                # "tinytorch" or "nbgrader" (default: detected from the sources)
    modules = ["tensor", "layers"]      # the order of unnumbered module folders (forward-dependency checks need it)
    sources = ["lessons/*/*.py"]        # globs (relative to the checkout) that replace discovery altogether
    per-file-ignores = { "modules/20_*/*.py" = ["REF002"] }   # codes ignored in the files a pattern
                                        # (.gitignore syntax, relative to the checkout) matches

A missing file or table means the defaults (every rule, default severities).
Anything malformed is an InputError with one line saying what to change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Optional

from audits.model import InputError, Severity

KNOWN_KEYS = ("ignore", "severity", "profile", "modules", "sources", "per-file-ignores")
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


def parse_config(table: object, where: str = "[tool.audits]") -> Config:
    """A Config from the already-loaded `[tool.audits]` table."""
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
    return Config(codes, severity, where, profile, modules, sources, per_file_ignores)


def _strings(table: dict, key: str, where: str, example: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise InputError(f"{where}: {key} must be a list of non-empty strings, e.g. {example}")
    return tuple(item.strip() for item in value)


def _inside_checkout(pattern: str, where: str) -> None:
    """A `sources` glob must name files of the checkout: relative, no `..`, not the checkout itself."""
    parts = [part for part in PurePosixPath(pattern.replace("\\", "/")).parts if part != "."]
    if pattern.startswith(("/", "\\")) or PureWindowsPath(pattern).drive or ".." in parts or not parts:
        raise InputError(f"{where}: sources: {pattern!r} must match files inside the checkout, relative to it, e.g. sources = [\"lessons/*/*.py\"]")


def load_config(root: Path | str) -> Config:
    """The audit configuration of the checkout at root (defaults without pyproject.toml or [tool.audits])."""
    path = Path(root) / "pyproject.toml"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return Config()
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
        return Config()
    return parse_config(tool["audits"], f"{path.name} [tool.audits]")
