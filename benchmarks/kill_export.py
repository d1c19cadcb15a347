"""Do a killed export or --fix leave torn files? Do concurrent commands? (a robustness script: it prints counts)

    python benchmarks/kill_export.py [--runs 200] [--fix-runs 50] [--concurrent 10] [--seed N]

Works on a throw-away copy of the checkout (modules/, tinytorch/, pyproject.toml).

- Export: each run switches the module sources between two versions ("old" and
  "new": a comment added to every export cell, so every package file changes) and
  starts `python -m audits.export`. The script watches for the change journal
  (`.audits-journal/`, which exists only while files are being replaced) and
  sends SIGKILL a random 0-20 ms after it appears; one run in four is killed at a
  random instant of the whole run instead. Then it runs the next command
  (`python -m audits.export --check`, which first completes or rolls back an
  interrupted change) and counts:
  - torn right after the kill: `tinytorch/` on disk, as a reader (`import tinytorch`,
    pytest) would find it before any other command runs, is neither entirely the old
    package nor entirely the new one (must be 0: the package is swapped in with one rename);
  - torn packages: the same after the next command (must be 0);
  - leftover temporary files: a journal or `*.tmp` file still in the checkout
    (must be 0);
  and, for information, how many kills hit the write phase (the journal existed:
  the new package was being built, or the old one not yet deleted).
- --fix: the same with `python -m audits.module 16 --fix` on the seed review's
  flawed module 16 (its edits go through the same journal): the source must be
  the original or the completely fixed text after the next command.
- Concurrency: two audits (`python -m audits.module N` writing the same reports)
  and an export started together, --concurrent times: every report must be
  complete (the JSON parses) and the package must be exactly the expected one.

Exit 1 when a must-be-0 count is not 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOURNAL = ".audits-journal"
FLAWED = ROOT / "tests" / "audits" / "seedlike" / "flawed" / "modules" / "16_compression" / "compression.py"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder (caches aside), by relative path."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def leftovers(root: Path) -> list[str]:
    """The journal and temporary files in the checkout (os.walk: folders may vanish while it looks)."""
    found = []
    for folder, subfolders, names in os.walk(root):
        if JOURNAL in subfolders:
            found.append(Path(folder, JOURNAL).relative_to(root).as_posix())
            subfolders.remove(JOURNAL)  # what a journal holds is part of it
        found += [Path(folder, name).relative_to(root).as_posix() for name in names if name.endswith(".tmp")]
    return found


# The commands run this checkout's `audits`, whatever an installed copy points to, without the
# result cache (its own files are not what this script measures).
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
       "AUDITS_NO_CACHE": "1"}


def python(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, env=ENV)


def start(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)


def kill_during_writes(process: subprocess.Popen, root: Path, rng: random.Random, aim_at_writes: bool, expected_seconds: float) -> bool:
    """SIGKILL the process: soon after the journal appears, or at a random instant. True if the journal was seen."""
    if not aim_at_writes:
        time.sleep(rng.uniform(0, expected_seconds))
        process.send_signal(signal.SIGKILL)
        process.wait()
        return (root / JOURNAL).exists()
    journal = root / JOURNAL
    while process.poll() is None and not journal.exists():
        pass  # a busy wait: the write phase lasts milliseconds
    seen = journal.exists()
    time.sleep(rng.uniform(0, 0.02))
    process.send_signal(signal.SIGKILL)
    process.wait()
    return seen


def two_versions(root: Path) -> dict[str, dict[Path, str]]:
    """{"old": {source: text}, "new": {source: text}}: "new" adds a comment to the top of every export cell."""
    versions: dict[str, dict[Path, str]] = {"old": {}, "new": {}}
    for source in sorted((root / "modules").glob("[0-9][0-9]_*/*.py")):
        text = source.read_text(encoding="utf-8")
        versions["old"][source] = text
        versions["new"][source] = text.replace("\n#| export\n", "\n#| export\n# (a new version)\n")
    return versions


def write_version(version: dict[Path, str]) -> None:
    for path, text in version.items():
        path.write_text(text, encoding="utf-8")


def export_runs(root: Path, runs: int, rng: random.Random) -> dict[str, int]:
    versions = two_versions(root)
    packages = {}
    for name in ("new", "old"):  # the package each version gives, from complete runs
        write_version(versions[name])
        result = python("-m", "audits.export", "--force", cwd=root)
        assert result.returncode == 0, result.stderr
        packages[name] = snapshot(root / "tinytorch")
    assert packages["old"] != packages["new"]
    started = time.perf_counter()
    python("-m", "audits.export", "--force", "--check", cwd=root)
    expected_seconds = time.perf_counter() - started
    counts = dict.fromkeys(["runs", "kills in the write phase", "torn right after the kill", "torn packages", "leftover temp files"], 0)
    current = "old"
    for run in range(runs):
        target = "new" if current == "old" else "old"
        write_version(versions[target])
        process = start("-m", "audits.export", "--force", cwd=root)
        in_writes = kill_during_writes(process, root, rng, aim_at_writes=run % 4 != 3, expected_seconds=expected_seconds)
        counts["runs"] += 1
        counts["kills in the write phase"] += in_writes
        counts["torn right after the kill"] += snapshot(root / "tinytorch") not in (packages["old"], packages["new"])
        python("-m", "audits.export", "--check", cwd=root)  # the next command: completes or rolls back first
        after = snapshot(root / "tinytorch")
        if after not in (packages["old"], packages["new"]):
            counts["torn packages"] += 1
        counts["leftover temp files"] += len(leftovers(root))
        current = "new" if after == packages["new"] else "old"
    return counts


def fix_runs(root: Path, runs: int, rng: random.Random) -> dict[str, int]:
    source = root / "modules" / "16_compression" / "compression.py"
    original = source.read_text(encoding="utf-8")
    flawed = FLAWED.read_text(encoding="utf-8")
    source.write_text(flawed, encoding="utf-8")
    started = time.perf_counter()
    python("-m", "audits.module", "16", "--fix", "--format", "json", cwd=root)
    expected_seconds = time.perf_counter() - started
    fixed = source.read_text(encoding="utf-8")
    assert fixed != flawed, "--fix changed nothing: nothing to interrupt"
    counts = dict.fromkeys(["runs", "kills in the write phase", "torn sources", "leftover temp files"], 0)
    for run in range(runs):
        source.write_text(flawed, encoding="utf-8")
        process = start("-m", "audits.module", "16", "--fix", "--format", "json", cwd=root)
        in_writes = kill_during_writes(process, root, rng, aim_at_writes=run % 4 != 3, expected_seconds=expected_seconds)
        counts["runs"] += 1
        counts["kills in the write phase"] += in_writes
        python("-m", "audits.module", "16", "--format", "json", cwd=root)  # the next command
        text = source.read_text(encoding="utf-8")
        counts["torn sources"] += text not in (flawed, fixed)
        counts["leftover temp files"] += len(leftovers(root))
    source.write_text(original, encoding="utf-8")
    return counts


def concurrent_runs(root: Path, rounds: int) -> dict[str, int]:
    result = python("-m", "audits.export", "--force", cwd=root)
    assert result.returncode == 0, result.stderr
    package = snapshot(root / "tinytorch")
    shutil.rmtree(root / "tinytorch")
    counts = dict.fromkeys(["rounds", "broken reports", "inconsistent packages", "leftover temp files"], 0)
    for _ in range(rounds):
        shutil.rmtree(root / "reports", ignore_errors=True)
        processes = [start("-m", "audits.module", "16", cwd=root), start("-m", "audits.module", "16", cwd=root),
                     start("-m", "audits.export", "--force", cwd=root)]
        for process in processes:
            process.wait()
        counts["rounds"] += 1
        try:
            json.loads((root / "reports" / "16_compression.json").read_text(encoding="utf-8"))
            review = (root / "reports" / "16_compression.review.md").read_text(encoding="utf-8")
            if not review.startswith("# Module 16"):
                raise ValueError("review does not start with its title")
        except (OSError, ValueError):
            counts["broken reports"] += 1
        counts["inconsistent packages"] += snapshot(root / "tinytorch") != package
        counts["leftover temp files"] += len(leftovers(root))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="killed export runs (default 200)")
    parser.add_argument("--fix-runs", type=int, default=50, help="killed --fix runs (default 50)")
    parser.add_argument("--concurrent", type=int, default=10, help="rounds of two audits and an export at once (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill delays")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    must_be_zero = 0
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "checkout"
        root.mkdir()
        for name in ("modules", "tinytorch"):
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "pyproject.toml", root)
        env_note = f"(checkout copy in {root}; each command is a fresh `python -m ...` process)"
        print(env_note)
        for title, counts, zero in (
            ("export killed", export_runs(root, args.runs, rng), ("torn right after the kill", "torn packages", "leftover temp files")),
            ("--fix killed", fix_runs(root, args.fix_runs, rng), ("torn sources", "leftover temp files")),
            ("two audits and an export at once", concurrent_runs(root, args.concurrent), ("broken reports", "inconsistent packages", "leftover temp files")),
        ):
            print(f"{title}: " + ", ".join(f"{name} {n}" for name, n in counts.items()), flush=True)
            must_be_zero += sum(counts[name] for name in zero)
    print("all must-be-0 counts are 0" if not must_be_zero else f"FAILED: {must_be_zero} torn or leftover")
    return 1 if must_be_zero else 0


if __name__ == "__main__":
    sys.exit(main())
