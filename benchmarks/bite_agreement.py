"""Does bite agree with nbgrader, cell by cell? (a script, not a test: it prints figures)

    python benchmarks/bite_agreement.py [--limit N] [--timeout S]

Gathers every notebook it can: the ones nbgrader ships in its installed package (its
documentation's example assignments and its own test notebooks) and our fixture course
(tests/audits/bite_courses/nbcourse). Each becomes an assignment of its own in a scratch
nbgrader course, with the files that sit beside it. nbgrader then runs once over all of
them (generate_assignment, autograde of the source and of the release: see
tests/testkit/nbgraderkit.py), and `audits.bite` runs each notebook. Printed: notebooks and
cells compared, agreement (a cell agrees when bite and nbgrader both say it failed, or both
say it did not, on the solution version and on the student version; failed: it raised, or, for a
graded test cell, autograde scores it below its points; a notebook nbgrader
refuses agrees when bite refuses it too), the disagreements grouped by cause, and bite's
time next to nbgrader's for the same notebooks.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from testkit.nbgraderkit import VERSIONS, bite_run, compare, nbgrader_run  # noqa: E402
from timing import machine  # noqa: E402  (the CPU model, the load and the pace, which every timing benchmark prints)

# Folders of nbgrader's package holding notebooks that are sources (not its generated copies).
NBGRADER_FOLDERS = ("docs/source/user_guide/source", "tests/apps/files", "tests/preprocessors/files", "tests/ui-tests/files")
SKIPPED_FILES = ("gradebook.db", "notebooks.zip", "__init__.py", "myexporter.py")  # nbgrader's test fixtures, not course files
FIXTURES = ROOT / "tests" / "audits" / "bite_courses" / "nbcourse" / "source"


def gather() -> list[tuple[str, Path]]:
    """(label, path) of every distinct notebook: nbgrader's, then our fixtures."""
    import nbgrader

    package = Path(nbgrader.__file__).resolve().parent
    found, seen = [], set()
    for folder in [package / name for name in NBGRADER_FOLDERS] + [FIXTURES]:
        for path in sorted(folder.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            found.append((str(path.relative_to(package if folder != FIXTURES else ROOT)), path))
    return found


def build_course(notebooks: list[tuple[str, Path]], course: Path) -> dict[str, str]:
    """One assignment per notebook, with the (non-notebook) files beside it; -> notebook key -> label."""
    keys = {}
    for number, (label, path) in enumerate(notebooks):
        assignment = f"a{number:03d}_" + re.sub(r"[^A-Za-z0-9_]", "_", path.stem)[:40]
        folder = course / "source" / assignment
        folder.mkdir(parents=True)
        shutil.copy(path, folder / path.name)
        for other in path.parent.iterdir():
            if other.is_file() and other.suffix != ".ipynb" and other.name not in SKIPPED_FILES and other.stat().st_size < 1_000_000:
                shutil.copy(other, folder / other.name)
        guide = _user_guide_autotests(path)
        if guide is not None and not (folder / "autotests.yml").exists():  # its course keeps autotests.yml in the root
            shutil.copy(guide, folder / "autotests.yml")
        keys[f"{assignment}/{path.name}"] = label
    return keys


def _user_guide_autotests(path: Path) -> Path | None:
    """The autotests.yml of the course an AUTOTEST notebook of nbgrader's user guide belongs to (`nbgrader
    quickstart --autotest` puts it in the course root), else None."""
    if b"### AUTOTEST" not in path.read_bytes():
        return None
    for folder in path.parents:
        if folder.name == "user_guide" and (folder / "autotests.yml").is_file():
            return folder / "autotests.yml"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N notebooks (default: all)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds a cell may run, in both tools (default: %(default)s)")
    parser.add_argument("--nbgrader-results", help="a JSON file: read nbgrader's results from it if it exists, else write them there")
    args = parser.parse_args(argv)
    notebooks = gather()[: args.limit or None]
    scratch = Path(tempfile.mkdtemp(prefix="bite-agreement-"))
    try:
        course = scratch / "course"
        keys = build_course(notebooks, course)
        (course / "nbgrader_config.py").write_text("c = get_config()\n")
        print(f"{len(keys)} notebooks (nbgrader {nbgrader_version()}: its docs and test notebooks; our fixtures)", flush=True)
        saved = Path(args.nbgrader_results) if args.nbgrader_results else None
        if saved is not None and saved.is_file():
            theirs, nbgrader_seconds = json.loads(saved.read_text())
        else:
            started = time.perf_counter()
            theirs = nbgrader_run(course, grade=tuple(key.split("/")[0] for key in keys), scratch=scratch, timeout=7200, cell_timeout=args.timeout)
            nbgrader_seconds = time.perf_counter() - started
            if saved is not None:
                saved.write_text(json.dumps([theirs, nbgrader_seconds]))
        compared, differences, bite_seconds = 0, [], 0.0
        causes: collections.Counter = collections.Counter()
        for key, label in keys.items():
            ours = bite_run(course, f"{key.split('/')[0]}/{key.split('/')[1]}", cell_timeout=args.timeout)
            bite_seconds += ours["seconds"]
            count, found = compare(key, ours, theirs)
            compared += count
            for difference in found:
                differences.append((label, difference))
                causes[cause(difference, ours, theirs)] += 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    agreed = compared - len(differences)
    print(f"cells compared: {compared} (code cells x {len(VERSIONS)} versions, plus one per notebook nbgrader refuses)")
    print(f"agreement: {agreed}/{compared} = {100 * agreed / max(compared, 1):.1f}%")
    print(f"refused by nbgrader: {len(theirs['refused'])}; autograde failures: {len(theirs.get('failed', {}))}")
    print("disagreements by cause:" + ("" if causes else " none"))
    for text, count in causes.most_common():
        print(f"  {count:4d}  {text}")
    for label, difference in differences[:20]:
        print(f"    {label}: {difference.version} cell {difference.cell}: bite {difference.ours}, nbgrader {difference.theirs}")
    print(f"time: bite {bite_seconds:.1f} s, nbgrader {nbgrader_seconds:.1f} s (generate_assignment + two autogrades) for the same notebooks")
    print(f"machine after: {machine()}")
    return 0


def cause(difference, ours: dict, theirs: dict) -> str:
    """A short account of one disagreement: which side says what, and the error involved."""
    if difference.version == "release":
        if difference.theirs:
            return f"nbgrader releases it, bite refuses it: {ours.get('why', '')[:120]}"
        return "nbgrader refuses it, bite releases it"
    if difference.cell == -1:
        return f"{difference.version}: nbgrader's autograde failed on the notebook"
    if difference.ours is None:
        return f"{difference.version}: bite did not reach the cell (it stopped)"
    if difference.ours:
        return f"{difference.version}: fails in bite only ({ours['errors'][difference.version][difference.cell]})"
    their = theirs["errors"][difference.notebook][difference.version][difference.cell]
    return f"{difference.version}: fails in nbgrader only ({their})"


def nbgrader_version() -> str:
    import nbgrader

    return nbgrader.__version__


if __name__ == "__main__":
    sys.exit(main())
