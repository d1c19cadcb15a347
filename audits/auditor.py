"""The one auditor: discover a checkout's modules, parse them, run the rules.

    auditor = Auditor(root)              discovery, configuration and the repository index of one checkout
    auditor.audit_target("16")           a module number or a source path -> Audit
    auditor.audit_ref(ref)               a discovered module -> Audit

Command-line modules (`audits.module`, `audits`, `audits.export`) build on this;
nothing here prints or exits. The audited code is parsed, never run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Optional

from audits import score as scoring
from audits.check import audit_source
from audits.config import load_config
from audits.discover import find_module, parse_module_number
from audits.files import recover
from audits.index import RepoIndex
from audits.model import Finding, InputError, ModuleRef, ModuleSource
from audits.parse import parse_file, parse_module
from audits.report import ModuleInfo


@dataclass
class Audit:
    """One audited source: what was read and what was found."""

    module: ModuleSource
    findings: list[Finding]
    suppressed: list[Finding] = field(default_factory=list)  # silenced by `# audit: ignore[...]`, for the reports

    @cached_property
    def info(self) -> ModuleInfo:
        """How the reports name and quote the audited source."""
        return ModuleInfo.from_source(self.module)

    @property
    def ready(self) -> bool:
        return scoring.is_ready(self.findings)

    @property
    def stem(self) -> str:
        """File-name stem of its reports: "16_compression", or the source file's stem."""
        ref = self.module.ref
        return ref.folder if ref else self.module.path.stem


class Auditor:
    """Audits sources of one checkout, reusing its configuration and repository index."""

    def __init__(self, root: Path | str = "."):
        self.root = Path(root)
        recover(self.root)  # an export or fix killed half-way is completed (or rolled back) before anything is read
        self.index = RepoIndex.build(self.root)  # discovery only; parsing is lazy and shared with the rules
        self.refs = [self.index.refs[number] for number in sorted(self.index.refs)]
        self.config = load_config(self.root)

    def audit_source(self, module: ModuleSource) -> Audit:
        index = self.index if module.ref is not None else None
        suppressed: list[Finding] = []
        findings = audit_source(module, index, self.config, suppressed)
        return Audit(module, findings, suppressed)

    def audit_ref(self, ref: ModuleRef) -> Audit:
        """Audit a discovered module, reusing the index's parse of it when there is one."""
        cached = self.index.source(ref.number) if self.index.refs.get(ref.number) == ref else None
        return self.audit_source(cached if cached is not None else parse_module(ref))

    def resolve(self, target: str) -> tuple[Optional[ModuleRef], Path]:
        """A module number ("16") or a file path -> (its ModuleRef if it is a module of the root, its path)."""
        if target.isdigit():
            ref = find_module(self.root, parse_module_number(target))
            return ref, ref.path
        path = Path(target)
        if not path.is_absolute() and (self.root / path).exists() and (not path.exists() or self.root.resolve() != Path.cwd().resolve()):
            path = self.root / path  # a relative path is the root's file first (it may exist in the cwd checkout too)
        if path.is_dir():
            raise InputError(f"{target}: is a directory, not a module source file")
        if not path.is_file():
            raise InputError(f"{target}: no such file (give a module number or a .py source path)")
        resolved = path.resolve()
        ref = next((r for r in self.refs if r.path.resolve() == resolved), None)
        return ref, (ref.path if ref else path)

    def audit_target(self, target: str) -> Audit:
        ref, path = self.resolve(target)
        return self.audit_source(parse_module(ref) if ref else parse_file(path))
