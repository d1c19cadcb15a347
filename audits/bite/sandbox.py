"""The operating-system sandbox every bite worker runs in: bubblewrap (`bwrap`).

    sandbox = detect()                       # a Sandbox, or SandboxUnavailable with one line saying why
    with sandbox.command(script, root=..., workdir=..., cwd=..., env=..., quota=..., processes=...) as cmd:
        subprocess.Popen(cmd, ...)           # `python -I script`, run inside the sandbox

Inside, the worker sees a new root holding only what it needs, read-only: the system's
/usr (and the /bin, /lib... links into it), a few files of /etc, the Python installation
it runs with (every folder on `python -I`'s sys.path, the prefixes), the course root and
the worker script. The only writable place is its working directory: a tmpfs of `quota`
bytes at the same path as `workdir`, filled with a copy of `workdir`'s files (plus a
small /dev/shm). Nothing else of the machine is there: not the real home, not the rest of
/tmp, not the auditor's files.

Namespaces (all of them, unshared): no network (a loopback of its own), its own PID
namespace (it sees and signals only its own processes; /proc is that namespace's), its
own user namespace with every capability dropped and no nested user namespaces. The
sandbox dies with the process that started it, and when its first process (the worker)
ends, the kernel kills every process left in the namespace: a double fork with setsid()
does not outlive the run.

Process count: RLIMIT_NPROC, set inside the sandbox, when the auditor is not root (the
kernel counts per user namespace). The kernel ignores RLIMIT_NPROC for root, so as root
the sandbox is started inside a pids cgroup of its own (cgroup v1 or v2) when one can be
created; `Sandbox.process_limit` says which holds ("" when neither does).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from audits.model import InputError

BWRAP = "bwrap"
SHM_BYTES = 64 * 1024 * 1024  # /dev/shm (multiprocessing's semaphores): its own small tmpfs
SEED = "/.bite-seed"  # where the workdir's files are visible, read-only, before the copy into the tmpfs
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "localtime", "passwd", "group", "nsswitch.conf", "hosts", "mime.types", "fonts")  # what Python, numpy and matplotlib read
SYSTEM = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")  # links into /usr on merged-/usr systems

# Runs inside the sandbox as `python -I -c STUB seed workdir cwd processes script`: fills the tmpfs
# with the seed's files, goes to cwd, limits the process count, then runs the script in this same
# interpreter, as `python -I script` would (same flags, sys.path and sys.argv). Exec'ing a second
# interpreter for it cost a whole Python startup per module run (~20 ms of CPU).
STUB = """\
import os, resource, runpy, shutil, sys
seed, workdir, cwd, processes, script = sys.argv[1:6]
shutil.copytree(seed, workdir, symlinks=True, dirs_exist_ok=True)
os.chdir(cwd)
if int(processes):
    resource.setrlimit(resource.RLIMIT_NPROC, (int(processes), int(processes)))
sys.argv = [script]
runpy.run_path(script, run_name="__main__")
"""


class SandboxUnavailable(InputError):
    """No sandbox can be made here; the message is one line saying why (and how to run anyway)."""

    def __init__(self, why: str):
        super().__init__(f"{why}; bite runs course code only in a sandbox (--no-sandbox runs it unisolated, for code you trust)")


@dataclass(frozen=True)
class Sandbox:
    bwrap: str
    process_limit: str  # "RLIMIT_NPROC" | "pids cgroup" | "" (root without a pids cgroup it can create)
    cgroups: str = ""  # the pids cgroup folder new cgroups are made in (root only)

    name = "bubblewrap"

    def describe(self, quota: int, processes: int) -> str:
        """One line for report headers: what the sandbox holds the course code to."""
        limit = f"at most {processes} processes ({self.process_limit})" if self.process_limit else "no process limit (root without a pids cgroup)"
        return f"{self.name}: course read-only, only scratch writable ({quota // (1024 * 1024)} MiB), no network, own PID namespace, {limit}"

    @contextlib.contextmanager
    def command(self, script: str, *, root: str, workdir: str, cwd: str, env: dict[str, str], quota: int, processes: int, readable: tuple[str, ...] = ()):
        """The command that runs `python -I script` (this interpreter) in `cwd` (workdir or a folder in
        it) in the sandbox (yielded), and the cgroup it needs while it runs. The script must be readable
        there (`readable`)."""
        with self._cgroup(processes) as procs:
            args = [self.bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
                    "--die-with-parent", "--new-session", "--clearenv"]  # fmt: skip
            for key, value in env.items():
                args += ["--setenv", key, value]
            args += _filesystem([root, *readable, *python_paths()])
            args += ["--size", str(quota), "--tmpfs", workdir, "--ro-bind", workdir, SEED]
            args += ["--remount-ro", "/", "--chdir", "/"]  # the new root itself (a tmpfs bwrap made) is read-only too
            limit = processes if self.process_limit == "RLIMIT_NPROC" else 0
            args += [sys.executable, "-I", "-c", STUB, SEED, workdir, cwd, str(limit), script]
            if procs:  # join the cgroup before bwrap forks anything: every process of the sandbox is counted
                args = ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', procs, *args]
            yield args

    @contextlib.contextmanager
    def _cgroup(self, processes: int):
        if self.process_limit != "pids cgroup":
            yield ""
            return
        _sweep(Path(self.cgroups))
        folder = Path(self.cgroups, f"bite-{os.getpid()}-{next(_numbers)}")
        folder.mkdir()
        try:
            (folder / "pids.max").write_text(f"{processes + 3}\n")  # + the sh/bwrap, bwrap's init and the stub that runs the worker
            yield str(folder / "cgroup.procs")
        finally:
            _empty(folder)


_numbers = itertools.count()


def _sweep(cgroups: Path) -> None:
    """Remove the empty cgroups of bite processes that are gone (killed before they could remove them)."""
    for folder in cgroups.glob("bite-*-*"):
        owner = folder.name.split("-")[1]
        if owner.isdigit() and not Path("/proc", owner).exists():
            with contextlib.suppress(OSError):
                folder.rmdir()  # fails, harmlessly, if anything still runs in it


def _empty(folder: Path) -> None:
    """Kill whatever is left in the cgroup (nothing, normally: the PID namespace died with the run) and
    remove it, once the kernel has let the killed processes go (a few milliseconds; 5 s at most)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            left = [int(pid) for pid in (folder / "cgroup.procs").read_text().split()]
        except OSError:
            left = []
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        try:
            folder.rmdir()
            return
        except OSError:
            if time.monotonic() > deadline:
                return  # an empty cgroup left behind: harmless, named bite-<pid>-<n>
            time.sleep(0.005)


def _filesystem(readable: list[str]) -> list[str]:
    """bwrap arguments for the new root: the system, /dev, /proc, and `readable` folders, all read-only."""
    args = ["--ro-bind", "/usr", "/usr"]
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    bound: list[str] = ["/usr"]
    inside = lambda path: any(path == b or path.startswith(b.rstrip("/") + "/") for b in bound)  # noqa: E731
    for path in sorted({os.path.realpath(p) for p in readable if p}, key=len):
        if os.path.exists(path) and not inside(path):
            bound.append(path)
            args += ["--ro-bind", path, path]
    for path in readable:  # a path reached through a symlink from outside what is bound: visible by that name too
        if path and os.path.exists(path) and not inside(os.path.abspath(path)):
            args += ["--ro-bind", os.path.realpath(path), os.path.abspath(path)]
    return args + ["--dev", "/dev", "--remount-ro", "/dev", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm", "--proc", "/proc"]


@cache
def python_paths() -> tuple[str, ...]:
    """What `python -I` needs to start and import its packages: the prefixes and its sys.path."""
    out = subprocess.run([sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
                         capture_output=True, text=True, check=True, env={"PATH": os.defpath}).stdout  # fmt: skip
    paths = [p for p in json.loads(out) if os.path.isabs(p)]
    return tuple(dict.fromkeys([sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *paths]))


@cache
def detect() -> Sandbox:
    """The sandbox this machine can make; raises SandboxUnavailable (one line) when there is none."""
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"no sandbox on {sys.platform}: bite's sandbox needs Linux with bubblewrap")
    bwrap = shutil.which(BWRAP)
    if bwrap is None:
        raise SandboxUnavailable("no sandbox: bubblewrap is not installed (apt-get install bubblewrap)")
    probe = [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL", "--die-with-parent",
             *_filesystem(list(python_paths())), sys.executable, "-I", "-S", "-c", "pass"]  # fmt: skip
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=60, env={"PATH": os.defpath})
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SandboxUnavailable(f"no sandbox: bubblewrap does not start ({error})") from None
    if result.returncode != 0:
        why = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        raise SandboxUnavailable(f"no sandbox: bubblewrap cannot make one here ({why})")
    if os.geteuid() != 0:
        return Sandbox(bwrap, "RLIMIT_NPROC")
    folder = _pids_cgroup()
    return Sandbox(bwrap, "pids cgroup" if folder else "", folder)


def _pids_cgroup() -> str:
    """A pids cgroup folder this (root) process can create cgroups in and move processes to, or ""."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
        own = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return ""
    for line in mounts:
        _, point, kind, options = line.split()[:4]
        if kind == "cgroup" and "pids" in options.split(","):
            path = next((entry.split(":", 2)[2] for entry in own if "pids" in entry.split(":")[1].split(",")), "/")
        elif kind == "cgroup2" and "pids" in _read(Path(point, "cgroup.controllers")).split():
            path = next((entry.split(":", 2)[2] for entry in own if entry.startswith("0::")), "/")
            if "pids" not in _read(Path(point, path.lstrip("/"), "cgroup.subtree_control")).split():
                continue
        else:
            continue
        folder = Path(point, path.lstrip("/"))
        if os.access(folder, os.W_OK):
            return str(folder)
    return ""


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
