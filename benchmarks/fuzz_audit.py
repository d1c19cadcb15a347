"""Does any input make a command crash? (a robustness script, not a test: it prints counts)

    python benchmarks/fuzz_audit.py --examples 10000 [--seed N] [--jobs 2] [--save DIR] [--minutes M]

Hypothesis draws each example: a module source (the course's own, the harness's
fixture sources) and a mutation of it, as a percent file or as a notebook.
Percent files: truncation, byte flips, a wrong encoding, a huge cell, deeply nested
code, malformed nbgrader metadata JSON, cell and solution markers inside strings,
random text spliced in, random bytes, and the four input classes of issue 14
(a JSON integer past Python's digit limit, 100,000 `[` in the `{"nbgrader": ...}`
header, an unhashable `grade_id` and a lone surrogate `grade_id` under --fix).
Notebooks (issue 23): JSON nested 50 to 3,000 levels deep in every place a notebook
holds JSON, every nbformat version (1-3 converted by nbformat, and spoiled), empty
notebooks, notebooks nbformat's schema rejects, lone surrogates in sources, ids,
metadata keys and values, truncated, byte-flipped or key-dropped JSON, and kernel languages
other than Python (or nonsense) wherever a notebook names its language.
Fixed regression inputs run first (those four, `²` as a module number, 10,000
unguarded test calls in one cell, points of 320 digits, a 4,400-digit module number,
and one notebook of each issue-23 class).

Every example goes through every command and output format, in this process
through each command's `main` (the code path of `python -m ...` minus the
interpreter start): `audits.module N` (writes the review, fix plan and JSON
report files), `audits.module N --format json`, `--format sarif`, one of the
other formats (text, markdown, fixplan, github; drawn), `audits.module N --fix`,
`audits.export N`, and the whole-repository table `audits --jobs 2` and one
repository format (json, sarif, github, markdown, text; drawn), both run once a
clean neighbour module (99_widget) has joined the checkout, so the table's forked
workers and their exchange of exports meet the mutated module too. Counted per command:

- traceback: an exception escaped `main` (must be 0);
- internal error: the command printed "internal error" (must be 0);
- bad error: exit 2 without exactly one `error: ...` line on stderr, or an exit
  code other than 0, 1, 2 (must be 0);
- slow: one command over --timeout seconds of CPU time (default 20);
- --fix broke it: a source that parsed as Python no longer does, or the audit
  after --fix has more blocking (critical/high) findings than before (must be 0).

Exit 1 when any must-be-0 count is not 0. --save DIR keeps each failing input.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEIGHBOUR = ROOT / "tests" / "audits" / "seedlike" / "clean" / "modules" / "01_widget" / "widget.py"  # a clean module
NOTEBOOK_FIXTURES = [*(ROOT / "tests" / "audits" / "notebooks").glob("*.ipynb"), *(ROOT / "tests" / "audits" / "layouts" / "nbgrader_course" / "source" / "ps1").glob("*.ipynb")]
sys.path.insert(0, str(ROOT))
# Hypothesis keeps its caches in the temp folder, not in a .hypothesis/ of the checkout.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "tinytorch-qa-hypothesis"))

import jupytext  # noqa: E402  (after the path set-up)
from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings, strategies as st  # noqa: E402

from audits import __main__ as audits_cli, export as export_cli, module as module_cli  # noqa: E402

MUST_BE_ZERO = ("traceback", "internal error", "bad error", "fix broke it")
NBGRADER = re.compile(r"(nbgrader=)(\{.*\})\s*$")


class Slow(BaseException):
    """Raised by the alarm when one command runs past the time limit."""


# ---- the inputs ---------------------------------------------------------------------------

def corpus() -> list[tuple[str, str]]:
    """(folder "NN_name", text) of every module source and fixture source the repository holds."""
    found = []
    for path in sorted((ROOT / "modules").glob("[0-9][0-9]_*/*.py")):
        found.append((path.parent.name, path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "tests" / "audits").rglob("*.py")):
        match = re.search(r"(\d\d)_([a-z_]+)", str(path.relative_to(ROOT / "tests" / "audits")))
        if match and "test_" not in path.name and path.stat().st_size < 200_000:
            try:
                found.append((f"{match.group(1)}_{match.group(2)}", path.read_text(encoding="utf-8")))
            except UnicodeDecodeError:
                continue
    return found


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def truncate(data, text: str) -> bytes:
    raw = text.encode("utf-8")
    return raw[: data.draw(st.integers(0, len(raw)), label="cut at")]


def flip_bytes(data, text: str) -> bytes:
    raw = bytearray(text.encode("utf-8"))
    for _ in range(data.draw(st.integers(1, 20), label="flips")):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    return bytes(raw)


def wrong_encoding(data, text: str) -> bytes:
    accented = text.replace("# %%", "# é²ü — %%", data.draw(st.integers(1, 3)))
    encoding = data.draw(st.sampled_from(["latin-1", "cp1252", "utf-16", "utf-32", "utf-8-sig", "shift_jis"]), label="encoding")
    return accented.encode(encoding, errors="replace")


def huge_cell(data, text: str) -> bytes:
    lines = lines_of(text)
    at = data.draw(st.integers(0, len(lines)), label="at line")
    shape = data.draw(st.sampled_from(["long line", "many lines", "many calls", "many cells"]), label="shape")
    if shape == "long line":
        block = ["x = " + "1 + " * data.draw(st.integers(10_000, 100_000)) + "1"]
    elif shape == "many lines":
        block = ["# %%"] + [f"v{n} = {n}" for n in range(data.draw(st.integers(1_000, 20_000)))]
    elif shape == "many calls":
        block = ["# %%"] + [f"test_unit_{n}()" for n in range(data.draw(st.integers(1_000, 10_000)))]
    else:
        block = [f'# %% nbgrader={{"grade_id": "c{n}", "grade": false, "locked": false, "solution": false, "schema_version": 3, "task": false}}\nx{n} = {n}'
                 for n in range(data.draw(st.integers(500, 5_000)))]
    return "\n".join(lines[:at] + block + lines[at:]).encode("utf-8")


def deep_nesting(data, text: str) -> bytes:
    depth = data.draw(st.integers(50, 5_000), label="depth")
    shape = data.draw(st.sampled_from(["parens", "lists", "dicts", "calls", "unary", "lambdas", "blocks", "strings"]), label="shape")
    code = {
        "parens": "x = " + "(" * depth + "1" + ")" * depth,
        "lists": "x = " + "[" * depth + "]" * depth,
        "dicts": "x = " + "{'a': " * depth + "1" + "}" * depth,
        "calls": "x = " + "f(" * depth + ")" * depth,
        "unary": "x = " + "-" * depth + "1",
        "lambdas": "x = " + "lambda: " * min(depth, 500) + "1",
        "blocks": "\n".join("    " * n + "if x:" for n in range(min(depth, 120))) + "\n" + "    " * min(depth, 120) + "pass",
        "strings": "x = " + "f'{" * min(depth, 200) + "1" + "}'" * min(depth, 200),
    }[shape]
    lines = lines_of(text)
    at = data.draw(st.integers(0, len(lines)), label="at line")
    return "\n".join(lines[:at] + ["# %%", code] + lines[at:]).encode("utf-8")


BAD_JSON = [
    "{", "}", "{}", "[]", "null", "1", '"x"', "{'grade': true}", '{"grade": true,}', '{"grade": NaN}',
    '{"grade": Infinity}', '{"points": 1e999}', '{"points": -1}', '{"points": "many"}', '{"grade_id": null}',
    '{"grade_id": 7}', '{"grade_id": ["a"]}', '{"grade_id": {"a": 1}}', '{"grade_id": "\\ud800"}', '{"grade_id": ""}',
    '{"grade_id": "a b/c"}', '{"grade": "yes", "locked": 0}', '{"schema_version": 99}', '{"nbgrader": {}}',
    '{"grade_id": "dup"}', '{"a": ' * 2000 + "1" + "}" * 2000, '{"points": 1' + "0" * 5000 + "}",
]


def _json_values(texts: list[str]) -> list:
    values = []
    for text in texts:
        try:
            values.append(json.loads(text))
        except (ValueError, RecursionError):  # not JSON Python reads: only usable inside a percent file
            continue
    return values


NOTEBOOK_METADATA = _json_values(BAD_JSON)  # the valid-JSON ones, as notebook cell metadata values


def malformed_metadata(data, text: str) -> bytes:
    lines = lines_of(text)
    markers = [n for n, line in enumerate(lines) if line.startswith("# %%")] or [0]
    for _ in range(data.draw(st.integers(1, 5), label="cells spoiled")):
        n = data.draw(st.sampled_from(markers), label="marker")
        how = data.draw(st.sampled_from(["replace json", "header form", "drop closing brace", "random json"]), label="how")
        if how == "replace json":
            lines[n] = "# %% nbgrader=" + data.draw(st.sampled_from(BAD_JSON))
        elif how == "header form":
            lines[n] = '# %% {"nbgrader": ' + data.draw(st.sampled_from(BAD_JSON)) + "}"
        elif how == "drop closing brace":
            lines[n] = lines[n].rstrip().rstrip("}")
        else:
            value = data.draw(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                                           max_leaves=20))
            lines[n] = "# %% nbgrader=" + json.dumps(value)
    return "\n".join(lines).encode("utf-8", errors="surrogatepass")


def markers_in_strings(data, text: str) -> bytes:
    inside = data.draw(st.lists(st.sampled_from([
        "# %%", "# %% [markdown]", '# %% nbgrader={"grade": true, "grade_id": "in-string", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}',
        "### BEGIN SOLUTION", "### END SOLUTION", "#| export", "#| default_exp core.elsewhere", "if __name__ == '__main__':",
        "test_unit_all()", '"""', "'''",
    ]), min_size=1, max_size=6), label="lines in the string")
    quote = data.draw(st.sampled_from(['"""', "'''", 'r"""', 'f"""']))
    block = ["# %%", "TEXT = " + quote, *inside, quote[-3:]]
    lines = lines_of(text)
    at = data.draw(st.integers(0, len(lines)), label="at line")
    return "\n".join(lines[:at] + block + lines[at:]).encode("utf-8", errors="surrogatepass")


def splice_text(data, text: str) -> bytes:
    lines = lines_of(text)
    at = data.draw(st.integers(0, len(lines)), label="at line")
    return "\n".join(lines[:at] + [data.draw(st.text(max_size=200), label="spliced")] + lines[at:]).encode("utf-8", errors="surrogatepass")


def random_bytes(data, text: str) -> bytes:
    return data.draw(st.binary(max_size=2000), label="bytes")


def issue_14(data, text: str) -> bytes:
    """The four classes of issue 14, with drawn sizes."""
    kind = data.draw(st.sampled_from(["big integer", "big integer markdown", "deep header", "unhashable grade_id", "surrogate grade_id"]))
    if kind.startswith("big integer"):
        cell = "# %% [markdown] " if kind.endswith("markdown") else "# %% "
        return (cell + 'nbgrader={"points": 1' + "0" * data.draw(st.integers(4_300, 6_000)) + "}\n").encode("utf-8") + text.encode("utf-8")
    if kind == "deep header":
        return ('# %% {"nbgrader": ' + "[" * data.draw(st.integers(10_000, 100_000)) + "\nx = 1\n").encode("utf-8")
    value = data.draw(st.sampled_from(['{"a": 1}', "[1, 2]", '{"b": [1]}'])) if kind == "unhashable grade_id" else '"\\ud800"'
    return f'{text}\n# %% nbgrader={{"grade_id": {value}}}\nx = 1\n'.encode("utf-8")


MUTATIONS = {f.__name__: f for f in (truncate, flip_bytes, wrong_encoding, huge_cell, deep_nesting, malformed_metadata,
                                      markers_in_strings, splice_text, random_bytes, issue_14)}


def as_notebook(text: str) -> str | None:
    """The source as an .ipynb (None when jupytext cannot read it)."""
    try:
        return jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="ipynb")
    except Exception:  # noqa: BLE001 - a source jupytext cannot convert is simply not used as a notebook
        return None


def spoil_notebook(data, notebook: str) -> bytes:
    how = data.draw(st.sampled_from(["truncate", "cell metadata", "cell source type", "drop key", "bytes"]), label="notebook mutation")
    if how == "truncate":
        return truncate(data, notebook)
    if how == "bytes":
        return flip_bytes(data, notebook)
    document = json.loads(notebook)
    cells = document.get("cells") or [{}]
    cell = cells[data.draw(st.integers(0, len(cells) - 1))]
    if how == "cell metadata":
        cell.setdefault("metadata", {})["nbgrader"] = data.draw(st.sampled_from(NOTEBOOK_METADATA), label="nbgrader metadata")
    elif how == "cell source type":
        cell["source"] = data.draw(st.sampled_from([None, 7, {"a": 1}, [1, 2], ["ok\n", None]]))
    else:
        document.pop(data.draw(st.sampled_from(["cells", "metadata", "nbformat", "nbformat_minor"])), None)
    return json.dumps(document).encode("utf-8")


DEEP = "__deep__"  # a placeholder value, replaced by the nested text (json.dumps itself stops near 1,000 levels)


def _some_cell(data, document: dict) -> dict:
    cells = document.setdefault("cells", [])
    if not cells:
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": "x = 1\n"})
    return cells[data.draw(st.integers(0, len(cells) - 1), label="cell")]


def deep_json(data, notebook: str) -> bytes:
    """JSON nested 50 to 3,000 levels deep in a place a notebook holds JSON."""
    depth = data.draw(st.integers(50, 3_000), label="depth")
    opener, closer = data.draw(st.sampled_from([("[", "]"), ('{"a": ', "}")]), label="nesting")
    document = json.loads(notebook)
    cell = _some_cell(data, document)
    where = data.draw(st.sampled_from(["notebook metadata", "cell metadata", "nbgrader", "output", "source"]), label="where")
    if where == "notebook metadata":
        document["metadata"]["deep"] = DEEP
    elif where == "cell metadata":
        cell.setdefault("metadata", {})["deep"] = DEEP
    elif where == "nbgrader":
        cell.setdefault("metadata", {}).setdefault("nbgrader", {})["grade_id"] = DEEP
    elif where == "output":
        cell["cell_type"], cell["outputs"], cell["execution_count"] = "code", [{"output_type": "execute_result", "data": {"application/json": DEEP}, "metadata": {}, "execution_count": 1}], 1
    else:
        cell["source"] = DEEP
    inner = "1" if closer == "}" else ""
    return json.dumps(document).replace(f'"{DEEP}"', opener * depth + inner + closer * depth, 1).encode("utf-8")


def old_format(data, notebook: str) -> bytes:
    """The notebook in nbformat 1, 2 or 3 (as nbformat writes them), whole or spoiled."""
    import nbformat

    version = data.draw(st.sampled_from([1, 2, 3]), label="nbformat version")
    try:
        old = json.loads(json.dumps(nbformat.convert(nbformat.reads(notebook, as_version=4), version)))
    except Exception:  # noqa: BLE001 - nbformat cannot write every version: a hand-made one then
        old = {"nbformat": version, "nbformat_minor": 0, "metadata": {},
               "worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1\n", "language": "python", "outputs": []}]}]}
    old["nbformat"] = version
    how = data.draw(st.sampled_from(["whole", "drop a key", "wrong type", "junk cells"]), label="old notebook")
    if how == "drop a key":
        old.pop(data.draw(st.sampled_from(["worksheets", "metadata", "nbformat_minor", "cells"])), None)
    elif how == "wrong type":
        old[data.draw(st.sampled_from(["worksheets", "metadata", "cells"]))] = data.draw(st.sampled_from([None, 7, "x", [1], {"a": 1}]))
    elif how == "junk cells":
        junk = data.draw(st.lists(st.sampled_from([1, None, "x", {}, {"cell_type": "heading"}, {"cell_type": "code"}, {"cell_type": "markdown", "source": 3}]), max_size=4))
        old.setdefault("worksheets", [{}])
        if isinstance(old["worksheets"], list) and old["worksheets"] and isinstance(old["worksheets"][0], dict):
            old["worksheets"][0]["cells"] = junk
        old["cells"] = junk
    return json.dumps(old).encode("utf-8")


def empty_notebook(data, notebook: str) -> bytes:
    """A valid notebook with no cells, or with cells that hold nothing."""
    minor = data.draw(st.integers(0, 5), label="nbformat_minor")
    kinds = data.draw(st.lists(st.sampled_from(["code", "markdown", "raw"]), max_size=3), label="empty cells")
    cells = []
    for number, kind in enumerate(kinds):
        cell = {"cell_type": kind, "metadata": {}, "source": data.draw(st.sampled_from(["", [], "\n\n", [""]]))}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        if data.draw(st.booleans(), label="nbgrader"):
            cell["metadata"]["nbgrader"] = {"grade": False, "grade_id": f"c{number}", "locked": False, "schema_version": 3, "solution": kind == "code", "task": False}
        if minor >= 5:
            cell["id"] = f"cell-{number}"
        cells.append(cell)
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": minor}).encode("utf-8")


def invalid_notebook(data, notebook: str) -> bytes:
    """JSON a notebook reader can still read, which nbformat's schema rejects."""
    document = json.loads(notebook)
    for _ in range(data.draw(st.integers(1, 3), label="spoils")):
        cell = _some_cell(data, document)
        how = data.draw(st.sampled_from(["no outputs", "no execution_count", "unknown key", "collapsed", "bad id", "duplicate id",
                                         "minor type", "no metadata", "unknown output", "execution_count type", "attachments"]))
        if how == "no outputs":
            cell.pop("outputs", None)
        elif how == "no execution_count":
            cell.pop("execution_count", None)
        elif how == "unknown key":
            cell["colour"] = "red"
        elif how == "collapsed":
            cell.setdefault("metadata", {})["collapsed"] = "sometimes"
        elif how == "bad id":
            cell["id"] = data.draw(st.sampled_from(["a b", "", "x" * 100, "é"]))
        elif how == "duplicate id":
            for other in document["cells"]:
                other["id"] = "same"
        elif how == "minor type":
            document["nbformat_minor"] = data.draw(st.sampled_from(["5", None, -1, 99]))
        elif how == "no metadata":
            document.pop("metadata", None)
        elif how == "unknown output":
            cell["outputs"] = [{"output_type": "hologram"}]
        elif how == "execution_count type":
            cell["execution_count"] = "one"
        else:
            cell["attachments"] = {"a.png": "not a bundle"}
    return json.dumps(document).encode("utf-8")


SURROGATES = ["\ud800", "\udfff", "\ud83d", "x\udc80y"]


def surrogates(data, notebook: str) -> bytes:
    """Lone surrogates (legal as JSON escapes, no UTF-8 form) where a notebook holds text."""
    document = json.loads(notebook)
    for _ in range(data.draw(st.integers(1, 3), label="surrogates")):
        cell = _some_cell(data, document)
        bad = data.draw(st.sampled_from(SURROGATES), label="surrogate")
        where = data.draw(st.sampled_from(["source", "source list", "grade_id", "metadata key", "metadata value", "id", "notebook metadata", "output"]))
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if where == "source":
            cell["source"] = source + f"\nname = '{bad}'\n"
        elif where == "source list":
            cell["source"] = [source, f"# {bad}\n"]
        elif where == "grade_id":
            cell.setdefault("metadata", {}).setdefault("nbgrader", {"grade": False, "locked": False, "schema_version": 3, "solution": False})["grade_id"] = bad
        elif where == "metadata key":
            cell.setdefault("metadata", {})[bad] = 1
        elif where == "metadata value":
            cell.setdefault("metadata", {})["tags"] = [bad]
        elif where == "id":
            cell["id"] = bad
        elif where == "notebook metadata":
            document.setdefault("metadata", {})["title"] = bad
        else:
            cell["cell_type"], cell["execution_count"] = "code", None
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": bad}]
    return json.dumps(document).encode("utf-8")  # ensure_ascii: each surrogate is a \\udXXX escape


LANGUAGES = ["R", "julia", "Python", "python3", "", "  ", "sage", "\ud800", "R\n", "x" * 5000, 7, None, {"a": 1}, ["R"]]


def kernel_language(data, notebook: str) -> bytes:
    """Another (or a nonsense) kernel language in each place a notebook names one: its code is then
    not read as Python, and every command must still work."""
    document = json.loads(notebook)
    metadata = document.setdefault("metadata", {})
    for _ in range(data.draw(st.integers(1, 3), label="languages")):
        section, key = data.draw(st.sampled_from([("kernelspec", "language"), ("language_info", "name"), ("jupytext", "main_language")]), label="where")
        value = data.draw(st.sampled_from(LANGUAGES), label="language")
        if data.draw(st.booleans(), label="whole section"):
            metadata[section] = {key: value, "name": "ir", "display_name": "R"} if section == "kernelspec" else {key: value}
        else:
            metadata[section] = value  # the section itself of the wrong type
    return json.dumps(document).encode("utf-8")


NOTEBOOK_MUTATIONS = {f"notebook {f.__name__}": f for f in (spoil_notebook, deep_json, old_format, empty_notebook, invalid_notebook, surrogates, kernel_language)}


# ---- running the commands -----------------------------------------------------------------

def run(main, argv: list[str], timeout: float) -> tuple[object, str, str, float]:
    """(exit code or the escaped exception, stdout, stderr, CPU seconds) of one command in this process."""
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    # CPU time, not wall time: on a shared machine the wall clock says more about the neighbours.
    previous = signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, timeout)
    start = time.process_time()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code: object = main(argv)
            except SystemExit as exit:
                code = exit.code
            except Slow as slow:
                code = slow
            except Exception as error:  # noqa: BLE001 - the very thing counted
                code = error
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
    elapsed = time.process_time() - start
    out.flush()
    err.flush()
    return code, out.buffer.getvalue().decode("utf-8", "replace"), err.buffer.getvalue().decode("utf-8", "replace"), elapsed


def _alarm(signum, frame):
    raise Slow


def judge(code, err: str) -> str:
    """The outcome class of one command run."""
    if isinstance(code, Slow):
        return "slow"
    if isinstance(code, BaseException):
        return "traceback"
    if "internal error" in err:
        return "internal error"
    # Exit 2 ends in one `error: ...` line (export --force may list the findings before it).
    lines = err.splitlines()
    one_error = bool(lines) and lines[-1].startswith("error: ") and sum(line.startswith("error: ") for line in lines) == 1
    if code not in (0, 1, 2) or (code == 2 and not one_error) or "Traceback" in err:
        return "bad error"
    return f"exit {code}"


def blocking(stdout: str) -> int | None:
    try:
        counts = json.loads(stdout)["counts"]
        return counts["critical"] + counts["high"]
    except (ValueError, KeyError, TypeError):
        return None


def parses(raw: bytes) -> bool:
    try:
        ast.parse(raw.decode("utf-8"))
        return True
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
        return False


class Tally:
    def __init__(self):
        self.inputs = 0  # drawn inputs run so far
        self.counts: dict[tuple[str, str], Counter] = defaultdict(Counter)  # (mutation, command) -> outcome counts
        self.failures: list[tuple[str, str, str, str]] = []  # (mutation, command, outcome, detail)
        self.slowest: list[tuple[float, str, str]] = []

    def add(self, mutation: str, command: str, outcome: str, detail: str = "", seconds: float = 0.0):
        self.counts[(mutation, command)][outcome] += 1
        if outcome in MUST_BE_ZERO or outcome == "slow":
            self.failures.append((mutation, command, outcome, detail[:300]))
        self.slowest.append((seconds, mutation, command))
        self.slowest = sorted(self.slowest, reverse=True)[:5]


MODULE_FORMATS = ("text", "markdown", "fixplan", "github")  # beside the report files, json and sarif, which every input gets
REPO_FORMATS = ("json", "sarif", "github", "markdown", "text")
COMMANDS = ["module json", "module reports", "module sarif", *(f"module {f}" for f in MODULE_FORMATS), "module --fix", "export",
            "table", *(f"table {f}" for f in REPO_FORMATS)]  # the report's order


def check_one(tally: Tally, mutation: str, folder: str, raw: bytes, suffix: str, timeout: float, save: Path | None,
              module_arg: str | None = None, formats: tuple[str, str] = ("text", "json")) -> None:
    """Write one input into a throw-away checkout and run every command on it (`formats`: the drawn
    module and repository formats, beside the ones every input gets)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "modules" / folder / f"{folder.split('_', 1)[1]}{suffix}"
        source.parent.mkdir(parents=True)
        source.write_bytes(raw)
        target = module_arg or (str(int(folder[:2])) if suffix == ".py" else str(source))
        module_format, repo_format = formats
        commands = [
            ("module json", module_cli.main, [target, "--root", str(root), "--format", "json"]),
            ("module reports", module_cli.main, [target, "--root", str(root)]),  # writes reports/NN_name.{review.md,fixes.md,json}
            ("module sarif", module_cli.main, [target, "--root", str(root), "--format", "sarif"]),
            (f"module {module_format}", module_cli.main, [target, "--root", str(root), "--format", module_format]),
            ("module --fix", module_cli.main, [target, "--root", str(root), "--fix", "--format", "json"]),
            ("export", export_cli.main, ([target] if module_arg or suffix == ".py" else []) + ["--root", str(root), "--force"]),
            ("table", audits_cli.main, ["--root", str(root), "--jobs", "2"]),
            (f"table {repo_format}", audits_cli.main, ["--root", str(root), "--jobs", "2", "--format", repo_format]),
        ]
        before = None
        failed = False
        for name, main, argv in commands:
            if name.startswith("table"):  # two modules, so the table runs in two processes
                neighbour = root / "modules" / "99_widget" / NEIGHBOUR.name
                neighbour.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(NEIGHBOUR, neighbour)
            code, out, err, seconds = run(main, argv, timeout)
            outcome = judge(code, err)
            detail = f"{type(code).__name__}: {code}" if isinstance(code, BaseException) else err.strip()
            if name == "module json":
                before = blocking(out)
            if name == "module --fix" and outcome.startswith("exit"):
                after, fixed = blocking(out), source.read_bytes() if source.exists() else b""
                if parses(raw) and not parses(fixed):
                    outcome, detail = "fix broke it", "the source parsed before --fix and not after"
                elif before is not None and after is not None and after > before:
                    outcome, detail = "fix broke it", f"blocking findings {before} -> {after}"
            tally.add(mutation, name, outcome, detail, seconds)
            failed = failed or outcome in MUST_BE_ZERO or outcome == "slow"
        if failed and save is not None:
            save.mkdir(parents=True, exist_ok=True)
            (save / f"{os.getpid()}-{len(tally.failures):05d}-{mutation.replace(' ', '_')}{suffix}").write_bytes(raw)  # pid: one name space per shard


def regression_inputs(bases: dict[str, str], notebooks: dict[str, str]) -> list[tuple[str, str, bytes, str | None, str]]:
    """(label, folder, raw bytes, module argument, suffix) of the fixed inputs that run before the drawn ones."""
    text = bases.get("16_compression") or next(iter(bases.values()))
    notebook = json.loads(next(iter(notebooks.values())))
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": "x = 1\n"}
    points = '{"grade": true, "grade_id": "t", "locked": true, "points": 1' + "0" * 320 + ', "schema_version": 3, "solution": false, "task": false}'
    return [
        ("issue 14: big integer", "16_compression", ('# %% nbgrader={"points": 1' + "0" * 4300 + "}\nx = 1\n").encode(), None, ".py"),
        ("issue 14: big integer markdown", "16_compression", ('# %% [markdown] nbgrader={"points": 1' + "0" * 4300 + '}\n"""\ntext\n"""\n').encode(), None, ".py"),
        ("issue 14: deep header", "16_compression", ('# %% {"nbgrader": ' + "[" * 100_000 + "\nx = 1\n").encode(), None, ".py"),
        ("issue 14: unhashable grade_id", "16_compression", b'# %% nbgrader={"grade_id": {"a": 1}}\nx = 1\n', None, ".py"),
        ("issue 14: list grade_id", "16_compression", b'# %% nbgrader={"grade_id": [1]}\nx = 1\n', None, ".py"),
        ("issue 14: surrogate grade_id", "16_compression", b'# %% nbgrader={"grade_id": "\\ud800"}\nx = 1\n', None, ".py"),
        ("issue 14: superscript number", "16_compression", text.encode(), "²", ".py"),
        ("issue 14: 10,000 unguarded calls", "16_compression", ("# %%\n" + "\n".join(f"test_unit_{n}()" for n in range(10_000)) + "\n").encode(), None, ".py"),
        ("issue 23: points of 320 digits", "16_compression", (text + f"\n# %% nbgrader={points}\ndef test_x():\n    assert 1 == 1\n").encode(), None, ".py"),
        ("issue 23: a 4,400-digit module number", "16_compression", text.encode(), "1" * 4400, ".py"),
        ("issue 23: notebook nested 700 deep", "16_compression", json.dumps({**notebook, "metadata": {"a": DEEP}}).replace(f'"{DEEP}"', "[" * 700 + "]" * 700).encode(), None, ".ipynb"),
        ("issue 23: nbformat 3 without worksheets", "16_compression", b'{"nbformat": 3, "nbformat_minor": 0, "metadata": {}}', None, ".ipynb"),
        ("issue 23: surrogate grade_id notebook", "16_compression", json.dumps({"cells": [{**cell, "metadata": {"nbgrader": {"grade_id": "\ud800"}}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}).encode(), None, ".ipynb"),
        ("issue 23: valid empty notebook", "16_compression", b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', None, ".ipynb"),
        ("issue 23: notebook nbformat rejects", "16_compression", json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}).encode(), None, ".ipynb"),
    ]


def fuzz(args) -> Tally:
    tally = Tally()
    bases = dict(corpus())
    names = sorted(bases)
    notebooks = {name: nb for name in names[:8] if (nb := as_notebook(bases[name])) is not None}
    for number, path in enumerate(sorted(NOTEBOOK_FIXTURES), start=90):  # real notebooks: nbgrader quickstart's and ours
        notebooks[f"{number}_{path.stem.lower()}"] = path.read_text(encoding="utf-8")
    if args.shard == 0:
        for label, folder, raw, module_arg, suffix in regression_inputs(bases, notebooks):
            check_one(tally, label, folder, raw, suffix, args.timeout, args.save, module_arg)

    deadline = time.monotonic() + 60 * args.minutes if args.minutes else None

    @settings(max_examples=args.examples, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def example(data):
        # Every example draws the same way to the end (hypothesis stops a run whose examples draw less
        # than before: FlakyStrategyDefinition); past --minutes only the commands are skipped.
        formats = (data.draw(st.sampled_from(MODULE_FORMATS), label="module format"), data.draw(st.sampled_from(REPO_FORMATS), label="repository format"))
        if data.draw(st.integers(0, 9), label="notebook?") < 4:  # 4 in 10: the newer surface
            name = data.draw(st.sampled_from(sorted(notebooks)), label="notebook base")
            mutation = data.draw(st.sampled_from(sorted(NOTEBOOK_MUTATIONS)), label="notebook mutation")
            raw, folder, suffix = NOTEBOOK_MUTATIONS[mutation](data, notebooks[name]), name, ".ipynb"
        else:
            name = data.draw(st.sampled_from(names), label="base")
            mutation = data.draw(st.sampled_from(sorted(MUTATIONS)), label="mutation")
            raw, folder, suffix = MUTATIONS[mutation](data, bases[name]), name, ".py"
        if deadline is not None and time.monotonic() > deadline:
            return  # out of time: the report counts the inputs run
        tally.inputs += 1
        if tally.inputs % 50 == 0:
            print(f"shard {args.shard}: {tally.inputs} inputs", file=sys.stderr, flush=True)  # progress, on the terminal
        check_one(tally, mutation, folder, raw, suffix, args.timeout, args.save, formats=formats)

    hypothesis_seed(args.seed + args.shard)(example)()
    return tally


def report(counts: dict, failures: list, slowest: list, examples: int, seconds: float) -> int:
    commands = [command for command in COMMANDS if any(name == command for _, name in counts)]
    outcomes = ["exit 0", "exit 1", "exit 2", "slow", *MUST_BE_ZERO]
    runs = sum(sum(counter.values()) for counter in counts.values())
    inputs = sum(counter.total() for (_, name), counter in counts.items() if name == "module json")
    print(f"{inputs} inputs run (the regression inputs, then up to {examples} drawn), {runs} command runs (8 per input) in {seconds:.0f} s (wall)\n")
    for command in commands:
        total = Counter()
        for (mutation, name), counter in counts.items():
            if name == command:
                total.update(counter)
        print(f"{command:<16} " + "  ".join(f"{o}: {total[o]}" for o in outcomes))
    print("\nper input class (all commands):")
    by_class: dict[str, Counter] = defaultdict(Counter)
    for (mutation, _), counter in counts.items():
        by_class[mutation].update(counter)
    for mutation in sorted(by_class):
        counter = by_class[mutation]
        print(f"  {mutation:<34} " + "  ".join(f"{o}: {counter[o]}" for o in outcomes if counter[o]))
    zero = {o: sum(c[o] for c in counts.values()) for o in MUST_BE_ZERO}
    print("\nmust be 0: " + ", ".join(f"{o} {n}" for o, n in zero.items()))
    for mutation, command, outcome, detail in failures[:15]:
        print(f"  [{outcome}] {mutation} / {command}: {detail}")
    if slowest:
        print("slowest commands (CPU): " + "; ".join(f"{s:.1f} s {m} / {c}" for s, m, c in slowest))
    return 1 if any(zero.values()) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=500, help="inputs drawn by hypothesis (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed: the same seed draws the same inputs")
    parser.add_argument("--jobs", type=int, default=1, help="processes, each drawing its share with its own seed")
    parser.add_argument("--timeout", type=float, default=20.0, help="CPU seconds one command may take before it counts as slow")
    parser.add_argument("--save", type=Path, help="folder to keep each failing input in")
    parser.add_argument("--minutes", type=float, help="stop running new inputs after this many minutes (the report counts those run)")
    parser.add_argument("--shard", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # a shard's result, for --jobs
    args = parser.parse_args(argv)
    os.environ.pop("AUDITS_DEBUG", None)  # internal errors stay one line, as a user sees them
    os.environ["AUDITS_NO_CACHE"] = "1"  # every input audited for real, never answered from the result cache
    start = time.perf_counter()
    if args.jobs > 1:
        share = -(-args.examples // args.jobs)
        shards = [subprocess.Popen([sys.executable, __file__, "--json", "--shard", str(n), "--examples", str(share), "--seed", str(args.seed),
                                    "--timeout", str(args.timeout), *(["--save", str(args.save)] if args.save else []),
                                    *(["--minutes", str(args.minutes)] if args.minutes else [])],
                                   stdout=subprocess.PIPE, text=True) for n in range(args.jobs)]
        counts: dict = defaultdict(Counter)
        failures, slowest = [], []
        for shard in shards:
            result = json.loads(shard.communicate()[0])
            for mutation, command, outcome, n in result["counts"]:
                counts[(mutation, command)][outcome] += n
            failures += result["failures"]
            slowest += result["slowest"]
        return report(counts, failures, sorted(slowest, reverse=True)[:5], share * args.jobs, time.perf_counter() - start)
    tally = fuzz(args)
    if args.json:
        rows = [(m, c, o, n) for (m, c), counter in tally.counts.items() for o, n in counter.items()]
        print(json.dumps({"counts": rows, "failures": tally.failures, "slowest": tally.slowest}))
        return 0
    return report(tally.counts, tally.failures, tally.slowest, args.examples, time.perf_counter() - start)


if __name__ == "__main__":
    sys.exit(main())
