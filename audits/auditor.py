"""The one auditor: discover a checkout's modules, parse them, run the rules.

    auditor = Auditor(root)              discovery, configuration and the repository index of one checkout
    auditor = Auditor()                  the checkout holding the current directory (searched upward)
    auditor.audit_target("16")           a module number, a module folder or a source path -> Audit
    auditor.audit_ref(ref)               a discovered module -> Audit
    Auditor(root, cache=True)            reuse the findings of an unchanged checkout (audits.cache)
    audits.parallel.audit_refs(auditor, refs, jobs)   many modules at once, in several processes

Without an explicit root, a source path brings its own checkout: the file is audited
with that checkout's index, configuration and profile, so path mode and number mode
give the same findings for the same file.

Command-line modules (`audits.module`, `audits`, `audits.export`) build on this;
nothing here prints or exits. The audited code is parsed, never run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Optional

from audits import score as scoring
from audits.config import Config, load_config
from audits.conventions import DEFAULT as DEFAULT_CONVENTIONS
from audits.conventions import Conventions
from audits.discover import SUFFIXES, detect_profile, find_module, find_root, parse_module_number
from audits.files import cache_enabled, recover
from audits.index import RepoIndex
from audits.model import Finding, InputError, ModuleRef, ModuleSource
from audits.parse import line_count, normalize_newlines, parse_file, parse_source, read_source, source_lines
from audits.report import ModuleInfo


@dataclass
class Audit:
    """One audited source: what was read and what was found."""

    path: Path  # the audited file
    ref: Optional[ModuleRef]  # None for a file audited outside a checkout
    text: str  # the file's text as audited (a notebook's JSON)
    findings: list[Finding]
    suppressed: list[Finding] = field(default_factory=list)  # silenced by `# audit: ignore[...]`, for the reports
    parsed: Optional[ModuleSource] = field(default=None, repr=False)  # None when the findings came from the cache or a worker process
    profile: str = "tinytorch"  # the course conventions the audit applied ("tinytorch" or "nbgrader")
    conventions: Conventions = DEFAULT_CONVENTIONS  # the course's package, layout, names and delimiters (audits.conventions)

    @property
    def module(self) -> ModuleSource:
        """The parsed source (parsed now when the findings came from the cache or a worker process)."""
        if self.parsed is None:
            self.parsed = parse_source(self.text, self.path, self.ref)
            self.parsed.profile = self.profile
            self.parsed.conventions = self.conventions
        return self.parsed

    @cached_property
    def info(self) -> ModuleInfo:
        """How the reports name and quote the audited source (its lines need no parse)."""
        if self.parsed is not None or self.path.suffix == ".ipynb":  # a notebook's lines are its rendering
            return ModuleInfo.from_source(self.module)
        return ModuleInfo.from_source(ModuleSource(self.path, self.text, source_lines(self.text), [], self.ref, profile=self.profile, conventions=self.conventions))

    @property
    def line_count(self) -> int:
        """The source's lines as the reports count them (`info.line_count`); counted in the text
        when nothing was parsed, so a table of cached findings splits no source into lines."""
        if "info" in self.__dict__ or self.parsed is not None or self.path.suffix == ".ipynb":
            return self.info.line_count
        return line_count(self.text)

    @property
    def ready(self) -> bool:
        return scoring.is_ready(self.findings)

    @property
    def stem(self) -> str:
        """File-name stem of its reports: "16_compression" ("ps1-problem1" for one of an assignment's notebooks), or the source file's stem."""
        return self.ref.key.replace("/", "-") if self.ref else self.path.stem


class Auditor:
    """Audits sources of one checkout, reusing its configuration, repository index and (optionally) cached results."""

    def __init__(self, root: Path | str | None = None, cache: bool = False, config: Optional[Config] = None):
        """root None: the checkout holding the current directory, found upward (the current directory if none).
        `config`: the root's configuration when the command already loaded it (else read here)."""
        self.explicit_root = root is not None
        self.cache = cache
        self.selection: frozenset[str] = frozenset()  # codes the command line leaves out (--select/--ignore), in any checkout
        found = Path(root) if root is not None else find_root(Path.cwd())
        self._load(found or Path("."), walk=found is not None, config=config)  # a current directory in no checkout: its layouts only

    def leave_out(self, codes: frozenset[str]) -> None:
        """Never report these codes (the command line's --select/--ignore), whichever checkout a file brings."""
        self.selection = frozenset(codes)
        self.config = dataclasses.replace(self.config, ignore=self.config.ignore | self.selection)

    def _load(self, root: Path, walk: bool = True, config: Optional[Config] = None) -> None:
        if not root.is_dir():
            raise InputError(f"root {root} is not a readable directory")
        self.root = root
        recover(self.root)  # an export or fix killed half-way is completed (or rolled back) before anything is read
        self.config = config or load_config(self.root)  # the cache keys on it per call; it holds the course's conventions
        self.config = dataclasses.replace(self.config, ignore=self.config.ignore | getattr(self, "selection", frozenset()))
        self.index = RepoIndex.build(self.root, self.config, walk)  # discovery only; parsing is lazy and shared with the rules
        self.refs = list(self.index.all_refs)
        self.profile = self.config.profile or detect_profile(self.refs)
        self.__dict__.pop("_cache", None)  # the cache belongs to the checkout

    @cached_property
    def _cache(self):
        if not self.cache or not cache_enabled():
            return None
        from audits.cache import ResultCache  # only the commands that ask for it pay for hashing the checkout

        return ResultCache.open(self.root)

    def inside(self, module: ModuleSource) -> bool:
        """Whether `module` is a file of this checkout (else it is judged on its own)."""
        return module.ref is not None or bool(self.refs and _within(module.path, self.root))

    @property
    def conventions(self) -> Conventions:
        """The course's conventions (package, test layout, module names, nbgrader delimiters), read once per root."""
        return self.config.conventions

    def conventions_of(self, module: ModuleSource) -> Conventions:
        """The conventions that apply to `module`: the checkout's, or the defaults for a file outside it."""
        return self.conventions if self.inside(module) else DEFAULT_CONVENTIONS

    def profile_of(self, module: ModuleSource) -> str:
        """The course conventions that apply to `module`: the checkout's, or, for a file outside it, its own
        (the static audit and `audits.bite` both name it in their reports)."""
        return self.profile if self.inside(module) else detect_profile_of_text(module)

    def audit_source(self, module: ModuleSource) -> Audit:
        """Audit a parsed source. A file of this checkout gets its profile and configuration; a file
        outside it (a notebook in no checkout) is audited on its own: its own detected profile, the
        default configuration, so the verdict does not depend on the folder the command runs in."""
        inside = self.inside(module)
        module.profile = self.profile_of(module)
        module.conventions = self.conventions_of(module)
        config = self.config if inside else Config(ignore=self.selection)
        from audits.check import audit_source  # the rules: imported by the first audit (a cached run needs none)

        index = self.index if module.ref is not None else None
        suppressed: list[Finding] = []
        findings = audit_source(module, index, config, suppressed)
        return Audit(module.path, module.ref, module.file_text, findings, suppressed, module, module.profile, module.conventions)

    def audit_ref(self, ref: ModuleRef) -> Audit:
        """Audit a discovered module as it is on disk now.

        Reuses the cached findings for this exact text and configuration, else
        the index's parse of it (shared with the cross-module rules) unless the
        file changed since (e.g. after `--fix`), else parses it.
        """
        text = read_text(ref)
        audit = self.cached(ref, text)
        if audit is None:
            audit = self.audit_text(ref, text)
            self.remember(ref, text, audit.findings, audit.suppressed)
        return audit

    def cached(self, ref: ModuleRef, text: str) -> Optional[Audit]:
        """The audit of `ref` with this text from the result cache, or None (no cache, or a miss)."""
        hit = self._cache.get(ref, text, self.config) if self._cache is not None else None
        return None if hit is None else self.audit_of(ref, text, *hit)

    def audit_of(self, ref: ModuleRef, text: str, findings: list[Finding], suppressed: list[Finding]) -> Audit:
        """The Audit of findings made elsewhere (the cache, a worker process: audits.parallel); parsed again only if a report needs it."""
        return Audit(ref.path, ref, text, findings, suppressed, profile=self.profile, conventions=self.conventions)

    def audit_text(self, ref: ModuleRef, text: str) -> Audit:
        """Audit `ref` as `text` (its content read from disk; the cache is not consulted)."""
        module = self.index.source_of(ref)
        if module is None or module.file_text != text:
            module = parse_source(text, ref.path, ref)
        return self.audit_source(module)

    def release(self, audit: Audit) -> None:
        """Free the parse of an audited module of a whole-checkout run (see RepoIndex.release): the
        Audit keeps its text and findings, and parses again if a report asks for the parse, as
        for findings from the cache or a worker process. A notebook keeps its parse (the table
        counts the lines of its rendering)."""
        if audit.ref is not None and audit.path.suffix == ".py":
            audit.parsed = None
            self.index.release(audit.ref)

    def remember(self, ref: ModuleRef, text: str, findings: list[Finding], suppressed: list[Finding]) -> None:
        """Put the findings of `ref` as `text` in the result cache (when it is on)."""
        if self._cache is not None:
            self._cache.put(ref, text, self.config, findings, suppressed)

    def record_table(self, options: dict, printed: str, code: int) -> None:
        """Keep the table a whole-checkout run printed (and its exit status) in the result cache, when it
        is on, so the same command on the same checkout replays it (audits.cache.recorded_table)."""
        if self._cache is not None:
            import os

            from audits.cache import table_request

            request = table_request(options, os.getcwd(), os.environ)
            if request is not None:
                self._cache.record(request, printed, code)

    def resolve(self, target: str) -> tuple[Optional[ModuleRef], Path]:
        """A module number ("16"), a module folder ("20_competition") or a file path -> (its ModuleRef
        if it is a module of the root, its path). Without an explicit root, a file's own checkout is the root."""
        if target.isdigit():
            ref = find_module(self.root, parse_module_number(target), self.config)
            return ref, ref.path
        by_key = [ref for ref in self.refs if target.rstrip("/") in (ref.key, ref.folder)]
        if len(by_key) == 1 and not Path(target).is_file():
            return by_key[0], by_key[0].path
        path = Path(target)
        if not self.explicit_root and path.is_file():
            home = find_root(path.resolve().parent)  # the file's own checkout, never the current directory's
            if home is None:
                return None, path  # in no checkout: audited on its own (see audit_source)
            if home.resolve() != self.root.resolve():
                self._load(home)
        elif not path.is_absolute() and (self.root / path).exists() and (not path.exists() or self.root.resolve() != Path.cwd().resolve()):
            path = self.root / path  # a relative path is the root's file first (it may exist in the cwd checkout too)
        if path.is_dir():
            raise InputError(f"{target}: is a directory, not a module source file")
        if not path.is_file():
            raise InputError(f"{target}: no such file (give a module number or the path of a .py or .ipynb source)")
        if path.suffix not in SUFFIXES:
            raise InputError(f"{target}: not a module source (a .py or .ipynb file; give a module number, a source path or a folder)")
        resolved = path.resolve()
        ref = next((r for r in self.refs if r.path.resolve() == resolved), None)
        return ref, (ref.path if ref else path)

    def audit_target(self, target: str) -> Audit:
        ref, path = self.resolve(target)
        return self.audit_ref(ref) if ref else self.audit_source(parse_file(path))


def _within(path: Path, root: Path) -> bool:
    try:
        Path(path).resolve().relative_to(Path(root).resolve())
    except (ValueError, OSError):
        return False
    return True


def read_text(ref: ModuleRef) -> str:
    """A module's text as it is audited (newlines normalised); InputError when it cannot be read."""
    return normalize_newlines(read_source(ref.path))


def detect_profile_of_text(module: ModuleSource) -> str:
    """The profile of a file audited on its own: "tinytorch" when it names an export target."""
    return "tinytorch" if module.export_target else "nbgrader"
