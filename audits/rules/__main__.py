"""List the audit rules, or explain one.

    python -m audits.rules                 code, severity and name of every rule
    python -m audits.rules --explain CODE  what the rule checks, why, an example and the fix

Exit status: 0, or 2 with one line on stderr for an unknown code or option.
"""

from __future__ import annotations

import sys

from audits.cli import EXIT_READY, Parser, guarded_main
from audits.rules import ALL_RULES, get_rule


def run(code: str | None) -> int:
    if code:
        rule = get_rule(code)  # InputError for an unknown code
        print(f"{rule.code} ({rule.severity.label}, {rule.category}): {rule.name}\n")
        print(rule.doc)
        return EXIT_READY
    width = max(len(rule.severity.label) for rule in ALL_RULES)
    for rule in ALL_RULES:
        print(f"{rule.code:<7} {rule.severity.label:<{width}}  {rule.category}: {rule.name}")
    return EXIT_READY


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="python -m audits.rules", description="List the audit rules, or explain one.")
    parser.add_argument("--explain", metavar="CODE", help="print the documentation of one rule")
    args = parser.parse_args(argv)
    return guarded_main(lambda: run(args.explain))


if __name__ == "__main__":
    sys.exit(main())
