"""A content-hash cache of audit results, so an unchanged checkout is re-audited in a blink (as ruff keeps one).

    cache = ResultCache.open(root)                 None when caching is off or impossible
    cache.get(ref, text, config)                   (findings, suppressed findings) or None
    cache.put(ref, text, config, findings, suppressed)
    recorded_table(argv)                           (stdout, exit status) of the same table run on the same checkout, or None

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

The content hashes of the checkout's files are kept too, in the user's cache
folder (`ContentHashes`), so an unchanged file is not read again to know it is
unchanged: a fully cached run only looks at the files' status.

A whole-checkout table run (`tinyaudit`, `python -m audits`) also keeps what it printed, in
the same state folder (`run-<key>.json`, keyed with the secret, the arguments and the current
folder), unless a file changed while it ran: the same command on the same checkout replays it
(`recorded_table`) after one walk of the checkout, without loading the auditor, discovery or a
single entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

from audits.files import JOURNAL, SKIPPED_DIRS, CHECKOUT_MARKERS, cache_enabled, user_cache_folder, write_atomically

# Only what a fully cached run needs is imported here (the auditor's records, its configuration and
# the rules are not): `recorded_table` replays such a run without them (see its doc).
TYPE_CHECKING = False  # typing's constant, without importing typing
if TYPE_CHECKING:
    from typing import Optional

    from audits.config import Config
    from audits.model import Finding, ModuleRef

CACHE_DIR = ".audits_cache"
RECORD = "run-"  # the file-name prefix of a recorded table run in a state folder (ResultCache.record)
FORMAT = 1  # bump when the entry layout changes
SECRET_BYTES = 32
SHA256_BYTES = 32  # the size of a kept content hash
HASHES_FORMAT = 1  # bump when the layout of the kept content hashes changes (audits.cache.ContentHashes)
RACY_SECONDS = 2  # a file changed this recently is hashed again next time (see ContentHashes)
STATE = re.compile(r"^[0-9a-f]{24}$")  # the name of a state folder
READ_CONTENT = (".py", ".ipynb", ".toml", ".gitignore")  # the endings of the files whose content a rule or discovery reads
AUDITS = Path(__file__).resolve().parent


def _hash_files(digest, root: str, relative_paths, hashes: Optional["ContentHashes"] = None) -> None:
    """Each path (relative to root, posix form) and, for the files rules read, their content
    (its SHA-256, from `hashes` when the file is unchanged since it was last read)."""
    base = root if root.endswith(os.sep) else root + os.sep
    update, read = digest.update, hashes.of if hashes is not None else _content_hash
    for relative in relative_paths:  # a fully cached run's loop: one per file of the checkout
        update(relative.encode("utf-8", "surrogateescape") + b"\0")
        if relative.endswith(READ_CONTENT):
            content = read(base + relative)
            update(content if content is not None else b"unreadable")


def _content_hash(path: str) -> Optional[bytes]:
    """The SHA-256 of a file's bytes, or None when it cannot be read."""
    try:
        with open(path, "rb") as stream:
            return hashlib.sha256(stream.read()).digest()
    except OSError:
        return None


class ContentHashes:
    """The content hashes of a checkout's files, reused while a file's status is unchanged (as git's index does).

        hashes = ContentHashes.load(root)     the hashes the last run of this user on this checkout kept
        hashes.of(path)                       SHA-256 of the file's bytes (read only when its status changed)
        hashes.save()                         keep them for the next run (only when something changed)

    Reading and hashing every file a rule reads is most of what a fully cached run does, so a file
    is read again only when its status changed: size, modification and change times (nanoseconds),
    inode and device. Any write changes the change time (ctime), which no program can set back, so
    an edit that restores the modification time and the size is still seen; a copied checkout has
    other inodes. A file changed within RACY_SECONDS of being hashed could change again within the
    file system's clock tick without a new status, so its hash is not kept (git's "racily clean"
    entries). The hashes live in the user's cache folder, one file per checkout (never in the
    checkout: a planted file could make a changed file look unchanged); a missing, corrupt or
    unwritable file only means reading everything, as without it.
    """

    def __init__(self, file: Path, known: dict):
        self.file = file
        self.known = known  # path -> [size, mtime_ns, ctime_ns, inode, device, sha256 hex], from the last run
        self.seen: dict[str, list] = {}  # what this run found, kept by save()
        self.changed = False

    @classmethod
    def load(cls, root: Path) -> "ContentHashes":
        name = hashlib.sha256(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:32]
        file = user_cache_folder() / "hashes" / f"{name}.json"
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
            known = data["files"] if data.get("format") == HASHES_FORMAT and isinstance(data["files"], dict) else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            known = {}
        return cls(file, known)

    def of(self, path: str) -> Optional[bytes]:
        """The SHA-256 of the file at `path` (None when it cannot be read)."""
        try:
            status = os.stat(path)
        except OSError:
            return None
        key = [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev]
        entry = self.known.get(path)
        if isinstance(entry, list) and len(entry) == 6 and entry[:5] == key:
            try:
                content = bytes.fromhex(entry[5])
            except (TypeError, ValueError):
                content = b""
            if len(content) == SHA256_BYTES:
                self.seen[path] = entry
                return content
        content = _content_hash(path)
        if content is not None and max(status.st_mtime_ns, status.st_ctime_ns) < time.time_ns() - RACY_SECONDS * 1_000_000_000:
            self.seen[path] = [*key, content.hex()]
            self.changed = True
        return content

    def save(self) -> None:
        """Keep this run's hashes for the next run (files gone since are dropped); skipped when nothing changed."""
        if not self.changed and self.seen.keys() == self.known.keys():
            return
        try:
            write_atomically(self.file, json.dumps({"format": HASHES_FORMAT, "files": self.seen}))
        except (OSError, ValueError):
            pass


def auditor_fingerprint(hashes: Optional[ContentHashes] = None) -> str:
    """Changes whenever the auditor could give other findings for the same input (`hashes`: as for checkout_fingerprint)."""
    import importlib.util

    digest = hashlib.sha256(f"{FORMAT} {sys.version}".encode())
    sources = sorted(p.relative_to(AUDITS).as_posix() for p in AUDITS.rglob("*.py") if "__pycache__" not in p.parts)
    _hash_files(digest, str(AUDITS), sources, hashes)
    spec = importlib.util.find_spec("jupytext")
    if spec is not None and spec.submodule_search_locations:
        _hash_files(digest, spec.submodule_search_locations[0], ["cell_reader.py"], hashes)
    return digest.hexdigest()


def checkout_fingerprint(root: Path, hashes: Optional[ContentHashes] = None) -> str:
    """Every path under root and the content of the files rules read (the folders RepoIndex skips are skipped);
    `hashes` supplies the content hashes of the files unchanged since the last run."""
    digest = hashlib.sha256()
    _hash_files(digest, str(root), checkout_paths(str(root)), hashes)
    return digest.hexdigest()


def checkout_paths(root: str) -> list[str]:
    """Every folder and file under root (posix, relative), each folder's sorted folders then sorted files, then
    its folders' contents in order (os.walk's order); symbolic links to folders are listed, not entered."""
    paths: list[str] = []

    def visit(folder: str, prefix: str) -> None:
        try:
            with os.scandir(folder) as entries:
                listing = list(entries)
        except OSError:
            return
        dirs, files, enter = [], [], set()
        for entry in listing:
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if not is_dir:
                files.append(entry.name)
            elif entry.name not in SKIPPED_DIRS and not entry.name.startswith("."):
                dirs.append(entry.name)
                if not entry.is_symlink():
                    enter.add(entry.name)
        dirs.sort()
        files.sort()
        paths.extend(prefix + name for name in dirs)
        paths.extend(prefix + name for name in files)
        for name in dirs:
            if name in enter:
                visit(os.path.join(folder, name), prefix + name + "/")

    visit(root, "")
    return paths


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
    import secrets  # creating a secret is rare: a run that reads its secret never imports these
    import tempfile

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
    import enum

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
    import dataclasses

    return json.dumps({f.name: _stable(getattr(config, f.name)) for f in dataclasses.fields(config)}, sort_keys=True)


def finding_to_json(finding: Finding) -> dict:
    import dataclasses

    data = dataclasses.asdict(dataclasses.replace(finding, folded=()))
    data["severity"] = finding.severity.name
    if finding.fix is not None:
        data["fix"]["safety"] = finding.fix.safety.value
    data["folded"] = [finding_to_json(part) for part in finding.folded]
    return data


def finding_from_json(data: dict) -> Finding:
    from audits.model import Edit, Finding, Fix, Safety, Severity

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
        self._config: tuple[Optional[Config], str] = (None, "")  # the last configuration keyed, and its fingerprint
        self._state: Optional[tuple[Path, bytes]] = None  # (root, secret) it was keyed with (see `record`)

    @classmethod
    def open(cls, root: Path | str) -> Optional["ResultCache"]:
        if not cache_enabled():
            return None
        secret = _secret()
        if secret is None:
            return None
        return cls.of_state(Path(root).resolve(), secret)

    @classmethod
    def of_state(cls, root: Path, secret: bytes) -> "ResultCache":
        """The cache of the checkout at `root` (resolved) as it is now, keyed with `secret`."""
        hashes = ContentHashes.load(root)
        parts = (secret.hex(), auditor_fingerprint(hashes), checkout_fingerprint(root, hashes))
        hashes.save()
        cache = cls(root / CACHE_DIR, hashlib.sha256("\0".join(parts).encode()).hexdigest())
        cache._state = (root, secret)
        return cache

    def _record(self, request: str) -> Path:
        key = hashlib.sha256(f"{self.base_key}\0{request}".encode("utf-8", "surrogateescape")).hexdigest()
        return self.entries / f"{RECORD}{key}.json"

    def record(self, request: str, output: str, code: int) -> None:
        """Keep what a whole-checkout table run printed (stdout) and its exit status, for `recorded_table`
        (`request`: see `table_request`). Skipped when a file changed while the run audited (the table
        may then be of neither state: the checkout is hashed again, a walk that a cold run hardly
        notices), or when the folder is not writable."""
        if self._state is None or ResultCache.of_state(*self._state).base_key != self.base_key:
            return
        try:
            self._prepare()
            write_atomically(self._record(request), json.dumps({"output": output, "code": code}, ensure_ascii=True))
        except (OSError, ValueError):
            return

    def recorded(self, request: str) -> Optional[tuple[str, int]]:
        """(stdout, exit status) of the run `record` kept for this request in this state, or None."""
        if self.folder.is_symlink():
            return None
        try:
            data = json.loads(self._record(request).read_text(encoding="utf-8"))
            output, code = data["output"], data["code"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return (output, code) if isinstance(output, str) and code in (0, 1) else None

    def _entry(self, ref: ModuleRef, text: str, config: Config) -> Path:
        if self._config[0] is not config:  # one configuration for every module of a run: its fingerprint is made once
            self._config = (config, config_fingerprint(config))
        digest = hashlib.sha256(f"{self.base_key}\0{self._config[1]}\0{ref.path.resolve()}\0".encode("utf-8", "surrogateescape"))
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
        import shutil  # only a run that writes entries prunes (a fully cached run never imports it)

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


# -- replaying a whole-checkout table run --------------------------------------------------------

def table_request(options: dict, cwd: str, environ) -> Optional[str]:
    """What a `tinyaudit` run that prints the table of every module depends on besides the checkout and
    the auditor, as one string; None for any other run (targets, a format, --fix, --reports...), which is
    never recorded. `options` are the command's parsed options (argparse's namespace as a dict)."""
    plain = not any(options.get(name) for name in ("targets", "format", "output", "quiet", "statistics", "fix", "diff", "reports", "explain", "sources_only", "no_cache"))
    if not plain or not _jobs_valid(None if options.get("jobs") else environ.get("AUDITS_JOBS")):
        return None
    return _request(cwd, options.get("root"), bool(options.get("exit_zero")), options.get("select"), options.get("ignore"))


def _request(cwd: str, root: Optional[str], exit_zero: bool, select: Optional[str], ignore: Optional[str]) -> str:
    return json.dumps([cwd, root, exit_zero, select, ignore])


def _jobs_valid(text: Optional[str]) -> bool:
    """AUDITS_JOBS unset, blank, or a plain number of processes (a value the command would refuse is never replayed)."""
    text = (text or "").strip()
    return not text or (text.isascii() and text.isdigit() and len(text) < 6 and int(text) > 0)


def _argv_request(argv: list[str], cwd: str, environ) -> Optional[tuple[Optional[str], str]]:
    """(--root, table_request) for a command line of only `--root DIR`, `--jobs N`, `--exit-zero`,
    `--select CODES` and `--ignore CODES`, each at most once and spelt out; None for any other."""
    values: dict[str, Optional[str]] = {}
    at = 0
    while at < len(argv):
        word = argv[at]
        if word == "--exit-zero" and word not in values:
            values[word], at = "", at + 1
        elif word in ("--root", "--jobs", "--select", "--ignore") and word not in values and at + 1 < len(argv) and not argv[at + 1].startswith("-"):
            values[word], at = argv[at + 1], at + 2
        else:
            return None
    if "--jobs" in values and not (values["--jobs"].isascii() and values["--jobs"].isdigit() and 0 < len(values["--jobs"]) < 6 and int(values["--jobs"]) > 0):
        return None
    if "--jobs" not in values and not _jobs_valid(environ.get("AUDITS_JOBS")):
        return None
    root = values.get("--root")
    return root, _request(cwd, root, "--exit-zero" in values, values.get("--select"), values.get("--ignore"))


def recorded_table(argv: list[str], cwd: Optional[str] = None, environ=None) -> Optional[tuple[str, int]]:
    """(stdout, exit status) of `tinyaudit ARGV` when a run with the same arguments, from the same
    folder, already printed the table of this very checkout with this very auditor; else None.

    A fully cached run still pays for the interpreter, the auditor's imports, discovery and a
    second walk of the checkout to know it is unchanged. This replay needs only the walk:
    the run that printed the table recorded it (ResultCache.record) in the state folder of the
    checkout's and the auditor's fingerprints, under a name keyed with the secret and the
    arguments, so any change to a file, a path, the auditor, the arguments or the folder the
    command runs in finds no record and runs the audit. Only plain table runs are recorded
    (`table_request`), and only when they printed nothing else; the command that wrote no
    record (an interrupted change to complete, a checkout found above the current folder, a
    damaged secret) runs as usual, warnings and repairs included.
    """
    environ = os.environ if environ is None else environ
    if environ.get("AUDITS_NO_CACHE", "") not in ("", "0"):
        return None
    cwd = os.getcwd() if cwd is None else cwd
    parsed = _argv_request(argv, cwd, environ)
    if parsed is None:
        return None
    given, request = parsed
    if given is None:  # the checkout holding the current folder: replayed only when it is the current folder itself
        if not any(os.path.exists(os.path.join(cwd, marker)) for marker in CHECKOUT_MARKERS):
            return None
        given = cwd
    root = Path(cwd, given).resolve()
    if not root.is_dir() or os.path.lexists(root / JOURNAL):
        return None
    secret = _read_secret(user_cache_folder() / "secret")
    if secret is None:
        return None
    return ResultCache.of_state(root, secret).recorded(request)
