"""List the audit rules, or explain one.

    python -m audits.rules                 code, severity and name of every rule (the static audit's and bite's)
    python -m audits.rules --explain CODE  what the rule checks, why, an example and the fix (BITE001 too)

Exit status: 0, or 2 with one line on stderr for an unknown code or option.
"""

from __future__ import annotations

import sys
import textwrap

from audits.cli import EXIT_READY, Parser, guarded_main
from audits.rules import every_rule, get_rule
from audits.rules._base import doc_sections


def explain(rule) -> str:
    """The rule's documentation under its four headings, with its severity and effort."""
    blocking = "blocks export" if rule.severity.blocks_export else "does not block export"
    out = [f"{rule.code}: {rule.name}", f"{rule.severity.label} ({blocking}), {rule.category}; about {rule.effort_minutes} min to fix one finding", ""]
    for label, text in doc_sections(rule.doc).items():
        text = text if "\n" in text else text[:1].upper() + text[1:]  # code blocks stay as written
        out += [label, *textwrap.wrap(text, 88, initial_indent="  ", subsequent_indent="  ")] if "\n" not in text else [label, textwrap.indent(text, "  ")]
        out.append("")
    return "\n".join(out)


def run(code: str | None) -> int:
    if code:
        print(explain(get_rule(code)), end="")  # InputError for an unknown code
        return EXIT_READY
    width = max(len(rule.severity.label) for rule in every_rule())
    for rule in every_rule():
        print(f"{rule.code:<7} {rule.severity.label:<{width}}  {rule.category}: {rule.name}")
    return EXIT_READY


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="python -m audits.rules", description="List the audit rules, or explain one.")
    parser.add_argument("--explain", metavar="CODE", help="print the documentation of one rule")
    args = parser.parse_args(argv)
    return guarded_main(lambda: run(args.explain))


if __name__ == "__main__":
    sys.exit(main())
