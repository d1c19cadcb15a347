"""REF001/REF002: stale module numbers and file paths in prose."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from functools import lru_cache
from typing import Iterator, Optional

from audits.astutil import nodes
from audits.conventions import DEFAULT, Conventions
from audits.model import Rule, Severity
from audits.parse import DIRECTIVE
from audits.rules._base import finding

CATEGORY = "Stale references"
# "Module 16: Compression", "Module 16 (compression)", "Module 16 - Compression": the name is a
# whole word (so "Module 02 (x*x*x ...)" names nothing); after a dash it must be capitalised,
# because "Module 03 - we build layers" is a sentence, not a name.
MODULE_REF = re.compile(
    r"\b[Mm]odule\s+(\d{1,2})\b"
    r"(?:\s*(?::|\()\s*([A-Za-z][A-Za-z-]*(?:[ \t]+[A-Za-z][A-Za-z-]*){0,2})(?=[\s),.:;!?'\"]|$)"
    r"|\s*[-–—]\s*([A-Z][A-Za-z-]*(?:[ \t]+[A-Za-z][A-Za-z-]*){0,2})(?=[\s),.:;!?'\"]|$))?"
)  # the name is up to three words ("Token Embeddings", "Self-Attention"), cut at the first function word
# Words that follow "Module NN (" or "Module NN:" in a sentence without naming the module.
NOT_NAMES = {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "is", "it", "of", "on", "or",
             "see", "so", "that", "the", "then", "this", "to", "we", "where", "which", "with", "you"}
# Top folders whose paths prose cites, besides the course's package and test folder (audits.conventions).
PATH_FOLDERS = ("modules", "audits", "benchmarks", "src", "milestones", "docs", "examples", "scripts")


@lru_cache(maxsize=16)
def slash_path(package: str, tests: str) -> re.Pattern:
    """A path under one of the folders prose cites (`modules/...`, `tinytorch/...`, `tests/...`)."""
    folders = sorted({*PATH_FOLDERS, package, tests.split("/")[0]})
    return re.compile(r"(?<![\w./-])((?:" + "|".join(re.escape(folder) for folder in folders) + r")/[\w./-]*\w)")


BARE_PY = re.compile(r"(?<![\w./-])([A-Za-z_][\w-]*\.py)\b(?![\w/])")
PLACEHOLDER = re.compile(r"NN|XX|\bname\b|<|\*|\.\.\.|\{")
HEADING = re.compile(r"^\s*(?:#\s*)?#+\s")
def _stem(word: str) -> str:
    word = word.lower().strip("-")
    return word[:-1] if word.endswith("s") else word


def name_matches(word: str, folder_name: str, conventions: Conventions = DEFAULT) -> bool:
    """Does the word prose uses ("Compression", "KV") name the module folder ("compression")?
    The course's synonyms (`module-synonyms`, TinyTorch's by default) count too."""
    a, b = _stem(word), _stem(folder_name)
    if not a:
        return False
    if a == b or a.startswith(b) or b.startswith(a) and len(a) >= 4:
        return True
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return common >= 5 or word.lower() in conventions.synonyms_of(folder_name)


def _title_line(module) -> Optional[int]:
    """The first heading line of the first markdown cell (the module's title)."""
    for cell in module.cells:
        if cell.kind == "markdown":
            for number, text in cell.lines():
                if HEADING.match(text):
                    return number
            return None
        if cell.is_code and cell.source.strip():
            return None
    return None


def name_words(phrase: Optional[str]) -> list[str]:
    """The words of a cited name up to the first function word, hyphenated parts too:
    "Self-Attention with" -> ["Self-Attention", "Self", "Attention"]."""
    words: list[str] = []
    for word in (phrase or "").split():
        if word.lower() in NOT_NAMES:
            break
        words.append(word)
        if "-" in word.strip("-"):
            words.extend(part for part in word.split("-") if part)
    return [word for word in words if len(word) >= 2]


def check_modules(module, index):
    own = module.number
    title = _title_line(module)
    refs = index.refs if index is not None else ({own: module.ref} if module.ref else {})
    for number in range(module.header_end + 1, len(module.lines) + 1):
        text = module.lines[number - 1]
        if "odule" not in text:
            continue
        for match in MODULE_REF.finditer(text):
            cited, words = int(match.group(1)), name_words(match.group(2) or match.group(3))
            if number == title and own is not None and cited != own:
                fixed = text[: match.start(1)] + f"{own:02d}" + text[match.end(1) :]
                yield finding(
                    REF001, module, number, f"the module's title calls it Module {cited}, but its folder {module.ref.folder} makes it module {own:02d}.",
                    suggestion=fixed, columns=_citation(text, match),
                )  # fmt: skip
                continue
            if not words or index is None:
                continue
            ref = refs.get(cited)
            if ref is not None and any(name_matches(word, ref.name, module.conventions) for word in words):
                continue
            elsewhere = [(n, word) for word in words for n, r in sorted(refs.items()) if name_matches(word, r.name, module.conventions)]
            if not elsewhere:
                continue  # a name this checkout does not know (or a module it does not have): cannot judge
            right, word = elsewhere[0]
            cited_text = match.group(0).strip()
            message = f"\"{cited_text}\" is stale: {word} is module {right:02d} ({refs[right].folder}) in this checkout"
            message += f", and module {cited:02d} is {ref.name}." if ref else "."
            fixed = text[: match.start(1)] + f"{right:02d}" + text[match.end(1) :]
            yield finding(REF001, module, number, message, suggestion=fixed, columns=_citation(text, match))  # the citation


def _citation(text: str, match: re.Match) -> tuple[int, int]:
    """(column, end column) of a citation in its line, 1-based: "Module 01 (Later)" with its parenthesis."""
    end = match.end() + (1 if "(" in match.group(0) and text[match.end() : match.end() + 1] == ")" else 0)
    return match.start() + 1, end + 1


def _prose_lines(module) -> Iterator[tuple[int, str, bool]]:
    """(line, text, known_prose) for lines that may hold prose; known_prose is False for code lines
    whose comment part still has to be found."""
    docstrings: set[int] = set()
    for cell in module.cells:
        if cell.is_code and cell.tree is not None:
            for node in nodes(cell.tree, ast.Expr):
                if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                    docstrings.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    for cell in module.cells:
        for number, text in cell.lines():
            if cell.kind == "markdown" or number in docstrings:
                yield number, text, True
            elif cell.is_code:
                stripped = text.lstrip()
                if stripped.startswith("#"):
                    yield number, text, not DIRECTIVE.match(stripped)
                elif "#" in text:
                    yield number, text, False


def _comment_part(text: str) -> str:
    try:
        for token in tokenize.generate_tokens(io.StringIO(text.strip() + "\n").readline):
            if token.type == tokenize.COMMENT:
                return token.string
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return ""


def check_paths(module, index):
    if index is None:
        return
    paths = slash_path(module.conventions.package, module.conventions.tests)
    for number, text, prose in _prose_lines(module):
        if "/" not in text and ".py" not in text:
            continue
        if not prose:
            text = _comment_part(text)
            if not text:
                continue
        missing = []
        for match in paths.finditer(text):
            path = match.group(1).rstrip(".")
            if not (PLACEHOLDER.search(path) or index.exists(path)) and path not in missing:
                missing.append(path)
        for match in BARE_PY.finditer(text):
            name = match.group(1)
            if not (PLACEHOLDER.search(name) or name in index.file_names) and name not in missing:
                missing.append(name)
        if missing:
            listing = ", ".join(f"`{path}`" for path in missing)
            verb = "does" if len(missing) == 1 else "do"
            yield finding(
                REF002, module, number, f"prose refers to {listing}, which {verb} not exist in this checkout.",
                suggestion="Point to the file's current path, or drop the reference.",
            )  # fmt: skip


REF001 = Rule("REF001", "stale module number or name", Severity.MEDIUM, CATEGORY, """\
What it does: finds prose (markdown, comments, docstrings, strings) that cites a module in a
way that contradicts the checkout's numbering, which comes from the modules/NN_name folders:
the module's own title gives another number than its folder, or "Module NN: Name" /
"Module NN (Name)" names a module that is not module NN here (a word of the name, up to three
words, matches another module's folder or a known synonym, "KV cache" for memoization, and
none matches module NN; synonyms are the course's `[tool.audits] module-synonyms`, TinyTorch's by default). A name the checkout does not know is not judged; bare "Module NN"
without a name is only checked in the title.
Why it matters: renumberings leave such references behind and send students to the wrong
module.
Example: a "Module 17: Compression" title in 16_compression.
How to fix: use the current number and name (the suggestion gives the corrected line when the
right number is known).""", check_modules, effort_minutes=3, any_language=True)

REF002 = Rule("REF002", "file path in prose that does not exist", Severity.MEDIUM, CATEGORY, """\
What it does: finds prose (markdown, comments, docstrings) naming a file that is not in the
checkout: a path under modules/, tests/, tinytorch/ (the course's test folder and package:
`[tool.audits] tests`, `package`), audits/, benchmarks/, src/, milestones/, docs/ ... that does not exist, or a bare `something.py` that no file in the checkout is called.
Placeholders such as `modules/NN_name/name.py` are ignored.
Why it matters: readers follow these paths and find nothing.
Example: a `compression_dev.py` from an older layout.
How to fix: point to the current path or remove the reference.""", check_paths, effort_minutes=3, any_language=True)

RULES = [REF001, REF002]
