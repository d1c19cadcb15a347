"""List the audit rules, or explain one.

    python -m audits.rules                 code, severity and name of every rule
    python -m audits.rules --explain CODE  what the rule checks, why, an example and the fix
"""

from __future__ import annotations

import argparse
import sys

from audits.model import InputError
from audits.rules import ALL_RULES, get_rule


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m audits.rules", description="List the audit rules, or explain one.")
    parser.add_argument("--explain", metavar="CODE", help="print the documentation of one rule")
    args = parser.parse_args(argv)
    if args.explain:
        try:
            rule = get_rule(args.explain)
        except InputError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"{rule.code} ({rule.severity.label}, {rule.category}): {rule.name}\n")
        print(rule.doc)
        return 0
    width = max(len(rule.severity.label) for rule in ALL_RULES)
    for rule in ALL_RULES:
        print(f"{rule.code:<7} {rule.severity.label:<{width}}  {rule.category}: {rule.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
