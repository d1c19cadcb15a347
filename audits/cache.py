"""A content-hash cache of audit results, so an unchanged checkout is re-audited in a blink (as ruff keeps one).

    cache = ResultCache.open(root)                 None when caching is off or impossible
    cache.get(ref, text, config)                   (findings, suppressed findings) or None
    cache.put(ref, text, config, findings, suppressed)

What a module's findings depend on is hashed into its key:
- the auditor: the source of every `audits` file, the Python version and
  jupytext's cell reader (any change to a rule, the parser or the splitter);
- the configuration in effect (`[tool.audits]` and command-line selections:
  ignored codes, severity overrides);
- the checkout: every path under the root and the content of every file a rule
  or discovery reads (`.py`, `.ipynb`, `.toml`, `.gitignore`), since the
  cross-module rules read other modules, the tests and which files exist. Any
  change re-audits every module; an unchanged checkout audits none;
- the module's own path and text, and a secret kept in the user's cache folder, so a
  cache folder planted in an untrusted checkout (a student's submission) can
  never supply findings: its keys cannot match ours.

Entries are JSON (never pickle: the folder lives in the audited checkout), one
file per module under `<root>/.audits_cache/<state>/`, written atomically so two
audits running at once never read a torn entry; the folders of earlier states
are removed, so the cache holds one state of the checkout. A corrupt or
unreadable entry is a miss. Set `AUDITS_NO_CACHE=1` to turn the cache off.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional

from audits.config import Config
from audits.files import user_cache_folder, write_atomically
from audits.index import SKIPPED_DIRS
from audits.model import Edit, Finding, Fix, ModuleRef, Safety, Severity

CACHE_DIR = ".audits_cache"
FORMAT = 1  # bump when the entry layout changes
SECRET_BYTES = 32
STATE = re.compile(r"^[0-9a-f]{24}$")  # the name of a state folder
READ_CONTENT = frozenset({".py", ".ipynb", ".toml", ".gitignore"})  # files whose content a rule or discovery reads
AUDITS = Path(__file__).resolve().parent


def enabled() -> bool:
    return os.environ.get("AUDITS_NO_CACHE", "") in ("", "0")


def _hash_files(digest, root: str, relative_paths) -> None:
    """Each path (relative to root, posix form) and, for the files rules read, their content."""
    for relative in relative_paths:
        digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
        name = relative.rsplit("/", 1)[-1]
        if os.path.splitext(name)[1] in READ_CONTENT or name in READ_CONTENT:
            try:
                with open(os.path.join(root, relative), "rb") as stream:
                    digest.update(hashlib.sha256(stream.read()).digest())
            except OSError:
                digest.update(b"unreadable")


def auditor_fingerprint() -> str:
    """Changes whenever the auditor could give other findings for the same input."""
    digest = hashlib.sha256(f"{FORMAT} {sys.version}".encode())
    sources = sorted(p.relative_to(AUDITS).as_posix() for p in AUDITS.rglob("*.py") if "__pycache__" not in p.parts)
    _hash_files(digest, str(AUDITS), sources)
    spec = importlib.util.find_spec("jupytext")
    if spec is not None and spec.submodule_search_locations:
        _hash_files(digest, spec.submodule_search_locations[0], ["cell_reader.py"])
    return digest.hexdigest()


def checkout_fingerprint(root: Path) -> str:
    """Every path under root and the content of the files rules read (the folders RepoIndex skips are skipped)."""
    digest = hashlib.sha256()
    paths = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        prefix = os.path.relpath(folder, root).replace(os.sep, "/") + "/" if folder != str(root) else ""
        paths.extend(prefix + name for name in dirs + sorted(files))
    _hash_files(digest, str(root), paths)
    return digest.hexdigest()


def _read_secret(path: Path) -> Optional[bytes]:
    try:
        secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
    return secret if len(secret) == SECRET_BYTES else None


def _secret() -> Optional[bytes]:
    """This user's cache secret (created on first use), or None when it cannot be kept (e.g. a read-only home).

    A secret file that is there but not a secret (garbage, cut short, unreadable) is replaced
    by a new one: it keyed nothing worth keeping, and left alone it would turn the cache off
    for good without a word. When it cannot be replaced, a warning on stderr says so.
    """
    home = user_cache_folder()
    path = home / "secret"
    secret = _read_secret(path)
    if secret is not None:
        return secret
    damaged = os.path.lexists(path)
    try:
        home.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=home, prefix=".secret.")  # private (0600) and complete before it is linked
        with os.fdopen(handle, "w", encoding="ascii") as stream:
            stream.write(secrets.token_hex(SECRET_BYTES))
        try:
            if damaged:
                os.replace(temporary, path)  # two audits repairing at once: the last one's secret stays, both valid
            else:
                os.link(temporary, path)  # never replaces: when two audits race, both read the winner's secret
        except FileExistsError:
            pass
        finally:
            Path(temporary).unlink(missing_ok=True)
    except OSError as error:
        if damaged:
            print(f"warning: result cache off: {path} is not a cache secret and cannot be replaced ({error.strerror or error})", file=sys.stderr)
        return None
    return _read_secret(path)


def _stable(value):
    """A JSON-able form of a setting that is the same in every run (sets sorted, enums by name)."""
    if isinstance(value, (set, frozenset)):
        return sorted(_stable(item) for item in value)
    if isinstance(value, dict):
        return sorted([str(key), _stable(item)] for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_stable(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.name
    return value if value is None or isinstance(value, (str, int, float, bool)) else repr(value)


def config_fingerprint(config: Config) -> str:
    """Every setting of the configuration (a new setting is keyed without a change here)."""
    return json.dumps({f.name: _stable(getattr(config, f.name)) for f in dataclasses.fields(config)}, sort_keys=True)


def finding_to_json(finding: Finding) -> dict:
    data = dataclasses.asdict(dataclasses.replace(finding, folded=()))
    data["severity"] = finding.severity.name
    if finding.fix is not None:
        data["fix"]["safety"] = finding.fix.safety.value
    data["folded"] = [finding_to_json(part) for part in finding.folded]
    return data


def finding_from_json(data: dict) -> Finding:
    fix = data.get("fix")
    if fix is not None:
        fix = Fix(fix["description"], tuple(Edit(**edit) for edit in fix["edits"]), Safety(fix["safety"]))
    folded = tuple(finding_from_json(part) for part in data.get("folded", ()))
    return Finding(**{**data, "severity": Severity[data["severity"]], "fix": fix, "impact": tuple(data.get("impact", ())), "folded": folded})


class ResultCache:
    """Findings of a checkout's modules, keyed by everything they depend on."""

    def __init__(self, folder: Path, base_key: str):
        self.folder = folder  # <root>/.audits_cache
        self.base_key = base_key
        self.entries = folder / base_key[:24]  # this state of the checkout and auditor; older states are pruned
        self._prepared = False

    @classmethod
    def open(cls, root: Path | str) -> Optional["ResultCache"]:
        if not enabled():
            return None
        secret = _secret()
        if secret is None:
            return None
        root = Path(root).resolve()
        parts = (secret.hex(), auditor_fingerprint(), checkout_fingerprint(root))
        return cls(root / CACHE_DIR, hashlib.sha256("\0".join(parts).encode()).hexdigest())

    def _entry(self, ref: ModuleRef, text: str, config: Config) -> Path:
        digest = hashlib.sha256(f"{self.base_key}\0{config_fingerprint(config)}\0{ref.path.resolve()}\0".encode("utf-8", "surrogateescape"))
        digest.update(text.encode("utf-8", "surrogatepass"))  # the text as audited now (a --fix may have changed it)
        return self.entries / f"{digest.hexdigest()}.json"

    def get(self, ref: ModuleRef, text: str, config: Config) -> Optional[tuple[list[Finding], list[Finding]]]:
        """(findings, suppressed findings) of `ref` with this text and configuration, or None (never cached, stale, unreadable)."""
        try:
            entry = json.loads(self._entry(ref, text, config).read_text(encoding="utf-8"))
            return [finding_from_json(item) for item in entry["findings"]], [finding_from_json(item) for item in entry["suppressed"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, ref: ModuleRef, text: str, config: Config, findings: list[Finding], suppressed: list[Finding]) -> None:
        """Store the findings; silently skipped when they do not survive the round trip or the folder is not writable."""
        data = {"findings": [finding_to_json(f) for f in findings], "suppressed": [finding_to_json(f) for f in suppressed]}
        try:
            entry = json.dumps(data, ensure_ascii=True)
            read = json.loads(entry)
            if [finding_from_json(item) for item in read["findings"]] != findings or [finding_from_json(item) for item in read["suppressed"]] != suppressed:
                return
            self._prepare()
            write_atomically(self._entry(ref, text, config), entry)
        except (OSError, ValueError, TypeError):
            return

    def _prepare(self) -> None:
        """Create the folders (marked as a cache that git and backup tools skip, as ruff marks .ruff_cache)
        and, once per run, remove the entries of earlier states of the checkout: they can never match again."""
        if self._prepared:
            return
        if self.folder.is_symlink():  # planted in an untrusted checkout, it could point anywhere: never write or prune there
            raise OSError(f"{self.folder} is a symbolic link")
        if not (self.folder / ".gitignore").exists():
            self.folder.mkdir(exist_ok=True)
            write_atomically(self.folder / ".gitignore", "# Created by the audits result cache: never commit it.\n*\n")
            write_atomically(self.folder / "CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# audits result cache\n")
        for stale in self.folder.iterdir():
            if STATE.match(stale.name) and stale != self.entries and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)  # an audit still writing there just skips its entry
        self.entries.mkdir(exist_ok=True)
        self._prepared = True
