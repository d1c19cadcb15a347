"""The machine-readable report: a stable, versioned JSON document.

Schema "tinytorch-audit/1" (keys always present, always in this order):

    {
      "schema": "tinytorch-audit/1",
      "module": {"number": 16 | null, "name": "compression" | null,
                 "folder": "16_compression" | null, "path": "modules/...", "lines": 812,
                 "profile": "tinytorch" | "nbgrader",       # the course conventions applied
                 "language": "python" | "R" | ...},         # its code's (a notebook's kernel language): rules that
                                                            # read Python run only on Python
      "status": "READY FOR EXPORT" | "NOT READY FOR EXPORT",
      "score": 6.5,                                   # see audits/score.py
      "counts": {"critical": 0, "high": 0, "medium": 0, "low": 0},
      "findings": [{"code", "severity", "category", "path", "line",
                    "message", "excerpt", "suggestion",
                    "column", "impact": [...],              # 1-based column; where the flagged thing is used
                    "end_line", "end_column",               # the range's end (column just past it, in characters)
                    "lines": [12, 14, 19],                  # every line the finding is about (its own first)
                    "locations": [{"line", "column", "end_line", "end_column", "message", "excerpt"}, ...],
                                                            # each of those places: one, or several when findings
                                                            # of one rule in one cell were folded into this one
                    "cell": {"index", "id", "line", "file_line", "file_column",   # notebooks only: the cell,
                             "file_end_line", "file_end_column"},               # the line within it, and where
                                                            # the range is in the .ipynb
                    "fix": null | {"description", "safety": "safe" | "unsafe",
                                   "edits": [{"start", "end", "text"}]}}, ...],   # by path, line, severity, code
      "rules_violated": [{"code", "name", "severity", "category", "count"}, ...],  # worst first, then code
      "suppressed": [{"code", "path", "line"}, ...]        # silenced by `# audit: ignore[...]`
    }

The whole repository (`python -m audits --format json`, or several targets) is one
document, schema "tinytorch-audit-repo/1": {"schema", "status", "counts",
"modules": [the document above, per module], "skipped": [{"path", "reason"}, ...]}: the course
files (notebooks, `.py` with `# %%` cells) a whole-checkout run did not audit, and why (present
whenever the run covered the whole checkout); `REPO_SCHEMA` is its JSON Schema.

A finding is one rule's problem in one place, or in one cell: the findings of one rule in one
cell are folded into one (`audits.check.fold`), listed in its "lines" and "locations", and
counted once in "counts", "rules_violated" and the score. Severities are lower-case labels. The output is deterministic: same findings,
same bytes (no date, no absolute paths unless the path given was absolute).
Adding keys bumps nothing; renaming or removing one makes it "tinytorch-audit/2".
`SCHEMA` below is the JSON Schema of this document (tests validate against it).
"""

from __future__ import annotations

import json
from typing import Iterable, Mapping, Optional

from audits import score as scoring
from audits.model import Finding, Fix, Rule, Safety, Severity
from audits.report import ModuleInfo, Options, category_of, ordered, rule_map, rule_name

SCHEMA_ID = "tinytorch-audit/1"
SEVERITIES = [severity.label for severity in scoring.SEVERITY_ORDER]

REPO_SCHEMA_ID = "tinytorch-audit-repo/1"

_FINDING_KEYS = ["code", "severity", "category", "path", "line", "message", "excerpt", "suggestion", "column", "impact", "fix",
                 "end_line", "end_column", "lines", "locations"]
_LOCATION_KEYS = ["line", "column", "end_line", "end_column", "message", "excerpt"]
_RULE_KEYS = ["code", "name", "severity", "category", "count"]

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": SCHEMA_ID,
    "type": "object",
    "required": ["schema", "module", "status", "score", "counts", "findings", "rules_violated", "suppressed"],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "module": {
            "type": "object",
            "required": ["number", "name", "folder", "path", "lines"],
            "properties": {
                "number": {"type": ["integer", "null"], "minimum": 0},
                "name": {"type": ["string", "null"]},
                "folder": {"type": ["string", "null"]},
                "path": {"type": "string"},
                "lines": {"type": "integer", "minimum": 0},
                "profile": {"enum": ["tinytorch", "nbgrader"]},
                "language": {"type": "string"},
            },
        },
        "status": {"enum": [scoring.READY, scoring.NOT_READY]},
        "score": {"type": "number", "minimum": 0, "maximum": scoring.MAX_SCORE},
        "counts": {
            "type": "object",
            "required": SEVERITIES,
            "properties": {label: {"type": "integer", "minimum": 0} for label in SEVERITIES},
            "additionalProperties": False,
        },
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": _FINDING_KEYS,
                "properties": {
                    "code": {"type": "string", "pattern": "^[A-Z]+[0-9]+$"},
                    "severity": {"enum": SEVERITIES},
                    "category": {"type": "string"},
                    "path": {"type": "string"},
                    "line": {"type": "integer", "minimum": 0},
                    "message": {"type": "string"},
                    "excerpt": {"type": "string"},
                    "suggestion": {"type": "string"},
                    "column": {"type": "integer", "minimum": 1},
                    "impact": {"type": "array", "items": {"type": "string"}},
                    "end_line": {"type": "integer", "minimum": 0},
                    "end_column": {"type": "integer", "minimum": 1},
                    "lines": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 1},
                    "locations": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": _LOCATION_KEYS,
                            "properties": {
                                "line": {"type": "integer", "minimum": 0},
                                "column": {"type": "integer", "minimum": 1},
                                "end_line": {"type": "integer", "minimum": 0},
                                "end_column": {"type": "integer", "minimum": 1},
                                "message": {"type": "string"},
                                "excerpt": {"type": "string"},
                            },
                            "additionalProperties": False,
                        },
                    },
                    # a notebook's own finding: its cell (index, nbformat id, line within: 0 is the cell itself)
                    # and where that is in the .ipynb file; absent for a script's findings
                    "cell": {
                        "type": "object",
                        "required": ["index", "id", "line", "file_line", "file_column", "file_end_line", "file_end_column"],
                        "properties": {
                            "index": {"type": "integer", "minimum": 0},
                            "id": {"type": ["string", "null"]},
                            "line": {"type": "integer", "minimum": 0},
                            "file_line": {"type": "integer", "minimum": 1},
                            "file_column": {"type": "integer", "minimum": 1},
                            "file_end_line": {"type": "integer", "minimum": 1},
                            "file_end_column": {"type": "integer", "minimum": 1},
                        },
                    },
                    "fix": {
                        "oneOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["description", "safety", "edits"],
                                "properties": {
                                    "description": {"type": "string"},
                                    "safety": {"enum": ["safe", "unsafe"]},
                                    "edits": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["start", "end", "text"],
                                            "properties": {
                                                "start": {"type": "integer", "minimum": 1},
                                                "end": {"type": "integer", "minimum": 0},
                                                "text": {"type": "string"},
                                            },
                                        },
                                    },
                                },
                            },
                        ]
                    },
                },
            },
        },
        "rules_violated": {
            "type": "array",
            "items": {
                "type": "object",
                "required": _RULE_KEYS,
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "severity": {"enum": SEVERITIES},
                    "category": {"type": "string"},
                    "count": {"type": "integer", "minimum": 1},
                },
            },
        },
        "suppressed": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "path", "line"],
                "properties": {"code": {"type": "string"}, "path": {"type": "string"}, "line": {"type": "integer", "minimum": 0}},
            },
        },
    },
}

REPO_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": REPO_SCHEMA_ID,
    "type": "object",
    "required": ["schema", "status", "counts", "modules"],
    "properties": {
        "schema": {"const": REPO_SCHEMA_ID},
        "status": SCHEMA["properties"]["status"],
        "counts": SCHEMA["properties"]["counts"],
        "modules": {"type": "array", "items": SCHEMA},
        "skipped": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "reason"],
                "properties": {"path": {"type": "string"}, "reason": {"type": "string"}},
                "additionalProperties": False,
            },
        },
    },
}


def _fix(fix: Optional[Fix]) -> Optional[dict]:
    if fix is None:
        return None
    return {
        "description": fix.description,
        "safety": Safety(fix.safety).value,
        "edits": [{"start": edit.start, "end": edit.end, "text": edit.text} for edit in fix.edits],
    }


def document(
    info: ModuleInfo,
    findings: Iterable[Finding],
    rules: Iterable[Rule] | Mapping[str, Rule] = (),
    suppressed: Iterable[Finding] = (),
) -> dict:
    """The report as a dict (insertion order is the documented key order)."""
    rules = rule_map(rules)
    findings = ordered(findings)
    violated = scoring.violated_rules(findings)
    return {
        "schema": SCHEMA_ID,
        "module": {
            "number": info.number,
            "name": info.name,
            "folder": info.folder,
            "path": info.path,
            "lines": info.line_count,
            "profile": info.profile,
            "language": info.language,
        },
        "status": scoring.status(findings),
        "score": scoring.score(findings),
        "counts": scoring.counts(findings),
        "findings": [
            _with_cell(info, f, {
                "code": f.code,
                "severity": Severity(f.severity).label,
                "category": category_of(f.code, rules, f),
                "path": f.path,
                "line": f.line,
                "message": f.message,
                "excerpt": f.excerpt,
                "suggestion": f.suggestion,
                "column": f.span[1],
                "impact": list(f.impact),
                "fix": _fix(f.fix),
                "end_line": f.span[2],
                "end_column": f.span[3],
                "lines": list(f.lines),
                "locations": [_location(part) for part in f.parts],
            })
            for f in findings
        ],
        "rules_violated": [
            {
                "code": code,
                "name": rule_name(code, rules),
                "severity": severity.label,
                "category": category_of(code, rules, next(f for f in findings if f.code == code)),
                "count": sum(1 for f in findings if f.code == code),
            }
            for code, severity in sorted(violated.items(), key=lambda item: (-int(item[1]), item[0]))
        ],
        "suppressed": [{"code": f.code, "path": f.path, "line": f.line} for f in ordered(suppressed)],
    }


def _location(part: Finding) -> dict:
    line, column, end_line, end_column = part.span
    return {"line": line, "column": column, "end_line": end_line, "end_column": end_column, "message": part.message, "excerpt": part.excerpt}


def _with_cell(info: ModuleInfo, finding: Finding, item: dict) -> dict:
    """The finding's JSON, with "cell" when it is about a cell of a notebook (see SCHEMA)."""
    at = info.cell_at(finding.line) if info.cells and finding.path == info.path else None
    if at is not None:
        line, column, end_line, end_column = info.file_span(finding)
        item["cell"] = {"index": at[0], "id": at[1], "line": at[2], "file_line": line, "file_column": column,
                        "file_end_line": end_line, "file_end_column": end_column}  # fmt: skip
    return item


def repo_document(modules: Iterable[tuple[ModuleInfo, list[Finding], list[Finding]]], rules: Iterable[Rule] | Mapping[str, Rule] = ()) -> dict:
    """One document for many modules: (info, findings, suppressed) each, in the order given."""
    rules = rule_map(rules)
    documents = [document(info, findings, rules, suppressed) for info, findings, suppressed in modules]
    every = [f for _, findings, _ in modules for f in findings]
    return {
        "schema": REPO_SCHEMA_ID,
        "status": scoring.status(every),
        "counts": scoring.counts(every),
        "modules": documents,
    }


def render(
    info: ModuleInfo,
    findings: Iterable[Finding],
    rules: Iterable[Rule] | Mapping[str, Rule] = (),
    date=None,
    suppressed: Iterable[Finding] = (),
) -> str:
    """The JSON text (`date` is accepted for a uniform renderer signature and ignored: output is date-free)."""
    return dumps(document(info, findings, rules, suppressed))


def dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_all(reports, rules: Iterable[Rule] | Mapping[str, Rule], options: Options) -> str:
    """One module's document, or one repository document for several (or when `options.repository`);
    a report's `extra` keys are added to its module's document (the format of the registry)."""
    rules = rule_map(rules)
    if len(reports) == 1 and not options.repository:
        (r,) = reports
        return dumps({**document(r.info, r.findings, rules, r.suppressed), **getattr(r, "extra", {})})
    data = repo_document([(r.info, r.findings, r.suppressed) for r in reports], rules)
    for module, r in zip(data["modules"], reports):
        module.update(getattr(r, "extra", {}))
    if options.skipped is not None:
        data["skipped"] = [{"path": path, "reason": reason} for path, reason in options.skipped]
    return dumps(data)


def escape(text: str) -> str:
    """The same document with every non-ASCII character escaped (for a console that cannot encode it)."""
    return json.dumps(json.loads(text), indent=2, ensure_ascii=True) + "\n"
