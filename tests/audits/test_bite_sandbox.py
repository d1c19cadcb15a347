"""Bite's operating-system sandbox (audits/bite/sandbox.py) against hostile course code.

Every hostile cell attempts one attack and asserts that it worked; in the sandbox the attack
fails, so the cell raises and bite reports it (BITE001, or BITE004 for the cells that kill
the worker). Each run is on a scratch copy of a tiny course under tmp_path, with small limits;
afterwards the course is byte-identical, nothing was written outside it, and no process the
course started is left on the machine (the processes it forks name themselves TAG, and no
process of the machine carries that name afterwards).
"""

import hashlib
import json
import os
import select
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from testkit.auditkit import assert_one_line_error, line_of, make_checkout, marker, source
from testkit.bitekit import reuse_bite_runs

from audits.auditor import Auditor
from audits.bite import sandbox
from audits.bite.__main__ import bite_module, main
from audits.bite.runner import Limits

LIMITS = Limits(timeout=10.0, grace=1.0, disk_mb=8, processes=16)


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def processes_named(tag: str) -> list[int]:
    """Processes of the machine whose name (comm) is `tag`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == tag:
                found.append(int(entry.name))
        except OSError:
            pass  # it ended while we looked
    return found


def hostile_course(tmp_path: Path, cells: dict[str, str]) -> tuple[Path, str]:
    """A one-module course with a package file, the given setup cells in order; returns (root, source text)."""
    text = source(*(marker(grade_id) + "\n" + code for grade_id, code in cells.items()))
    root = make_checkout(tmp_path / "course", {"01_widget": text}, files={"tinytorch/__init__.py": "VERSION = 1\n"})
    return root, text


def run_bite(root: Path, limits: Limits = LIMITS):
    auditor = Auditor(root)
    return bite_module(auditor, auditor.index.source(1), limits)


@pytest.fixture
def tag():
    """The name every process a hostile cell starts gives itself (15 characters at most: comm's size)."""
    return "bite-" + uuid.uuid4().hex[:10]


def received(listener: socket.socket) -> bytes:
    """What every connection waiting on a non-blocking listener has sent so far."""
    data = b""
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return data
        with connection:
            readable, _, _ = select.select([connection], [], [], 0)  # a connection that sent nothing yet is not waited for
            data += connection.recv(1 << 16) if readable else b""


def test_hostile_cells_each_end_in_a_finding_and_leave_course_and_machine_untouched(tmp_path, monkeypatch, tag):
    secret = "token-" + uuid.uuid4().hex
    monkeypatch.setenv("BITE_TEST_SECRET", secret)  # the auditor's environment: no cell may read it
    home = tmp_path / "home"
    home.mkdir()
    (home / "secret.txt").write_text(secret)
    monkeypatch.setenv("HOME", str(home))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    outside = tmp_path / "outside"
    root = tmp_path / "course"
    module_dir = root / "modules" / "01_widget"
    me = os.getpid()
    name_self = f"open('/proc/self/comm', 'w').write({tag!r})"
    cells = {
        # the cells run in a copy of the notebook's folder inside scratch (scratch/work/01_widget): three up is outside
        "write-up": "open('../../../escaped.txt', 'w').write('x')\n",
        "write-absolute": f"open({str(outside)!r}, 'w').write('x')\n",
        "write-beside": f"open({str(module_dir / 'planted.txt')!r}, 'w').write('x')\n",
        "append-package": f"open({str(root / 'tinytorch/__init__.py')!r}, 'a').write('HACKED = 1\\n')\n",
        # sys.path[0] is that copy (writable, as Jupyter's notebook folder is); sys.path[1] the course root
        "plant-sys-path": "import os, sys\nopen(os.path.join(sys.path[1], 'planted.py'), 'w').write('x = 1\\n')\n",
        "delete-source": f"import os\nos.remove({str(module_dir / 'widget.py')!r})\n",
        "delete-package": f"import shutil\nshutil.rmtree({str(root / 'tinytorch')!r})\n",
        "parent-environ": (
            "import glob\n"
            "def environ(path):\n"
            "    try:\n"
            "        return open(path, 'rb').read()\n"
            "    except OSError:\n"
            "        return b''\n"
            f"assert any({secret!r}.encode() in environ(p) for p in [f'/proc/{me}/environ', *glob.glob('/proc/*/environ')]), 'no secret found'\n"
        ),
        "real-home": f"assert open({str(home / 'secret.txt')!r}).read() == {secret!r}\n",
        "net-localhost": f"import socket\nwith socket.create_connection(('127.0.0.1', {port}), timeout=2) as out:\n    out.sendall({secret!r}.encode())\n",
        "net-outside": (  # a documentation address (TEST-NET-1); never tried where another interface exists
            "import socket\n"
            "if all(name == 'lo' for _, name in socket.if_nameindex()):\n"
            "    socket.create_connection(('192.0.2.1', 9), timeout=2).close()\n"
        ),
        "find-auditor": (
            "import glob, os\n"
            f"os.kill({me}, 0)  # only asks whether it exists\n"
        ),
        "fill-disk": (
            "chunk = b'x' * (1 << 20)\n"
            "for number in range(64):\n"
            "    with open(f'fill-{number}.bin', 'wb') as out:\n"
            "        out.write(chunk)\n"
        ),
        "setsid-escape": (
            "import os, sys, time\n"
            "read_end, write_end = os.pipe()\n"
            "if os.fork() == 0:\n"
            "    os.setsid()\n"
            "    if os.fork() == 0:\n"
            f"        {name_self}\n"
            "        try:\n"
            f"            open({str(tmp_path / 'escaped-alive')!r}, 'w').write('alive')\n"
            "            os.write(write_end, b'y')\n"
            "        except OSError:\n"
            "            os.write(write_end, b'n')\n"
            "        time.sleep(60)\n"
            "    os._exit(0)\n"
            "assert os.read(read_end, 1) == b'y', 'the escaped process could not write outside scratch'\n"
        ),
        "fork-bomb": (
            "import os\n"
            "read_end, _ = os.pipe()\n"
            "for _ in range(200):\n"
            "    if os.fork() == 0:\n"
            f"        {name_self}\n"
            "        os.read(read_end, 1)\n"
            "        os._exit(0)\n"
        ),
    }
    root, text = hostile_course(tmp_path, cells)
    before = tree_hash(root)
    try:
        bite = run_bite(root)
        # No cell reached the auditor's listening socket. Another process of the machine may have (a port
        # bound with 0 can be one a kernel elsewhere was about to bind), so it is the secret that must not arrive.
        assert secret.encode() not in received(listener)
    finally:
        listener.close()
    assert tree_hash(root) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["course", "home"]
    assert not Path(tmp_path.parent, "escaped.txt").exists()
    assert processes_named(tag) == []
    if sandbox.detect().process_limit == "pids cgroup":  # root: the run's own pids cgroup went with it
        assert list(Path(sandbox.detect().cgroups).glob(f"bite-{os.getpid()}-*")) == []
    failing = {f.line: f.message for f in bite.findings if f.code in ("BITE001", "BITE008")}  # a missing file is BITE008
    expected = {
        "write-up": "Read-only file system",
        "write-absolute": "Read-only file system",
        "write-beside": "Read-only file system",
        "append-package": "Read-only file system",
        "plant-sys-path": "Read-only file system",
        "delete-source": "Read-only file system",
        "delete-package": "Read-only file system",
        "parent-environ": "no secret found",
        "real-home": "secret.txt` is missing",
        "net-localhost": "ConnectionRefusedError",
        "find-auditor": "ProcessLookupError",
        "fill-disk": "No space left on device",
        "setsid-escape": "could not write outside scratch",
        "fork-bomb": "Resource temporarily unavailable",
    }
    for grade_id, needle in expected.items():
        line = line_of(text, f'"grade_id": "{grade_id}"')
        assert needle in failing.get(line, ""), (grade_id, failing.get(line), failing)
    # the network is one BITE008 (at its first cell) naming every cell that needed it
    assert "the network is unreachable" in failing[line_of(text, '"grade_id": "net-localhost"')]
    assert "`net-outside`" in failing[line_of(text, '"grade_id": "net-localhost"')]
    assert len(failing) == len(expected) and bite.summary.stopped is None


KILLING_TEST = (
    "import os, signal, time\n"
    "def test_unit_two():\n"
    "    try:\n"
    "        assert two() == 2\n"
    "    except NotImplementedError:  # the student version: take everything down\n"
    "        if os.readlink('/proc/self/ns/pid') == {outer!r}:\n"
    "            raise RuntimeError('not in a PID namespace of its own: not killing anything')\n"
    "        {kill}\n"
    "        time.sleep(5)\n"
    "test_unit_two()\n"
)


@pytest.mark.skipif(sandbox.detect().process_limit != "pids cgroup", reason="root's pids cgroups only")
def test_a_killed_bite_s_empty_cgroup_is_swept_by_the_next_run(tmp_path):
    stale = Path(sandbox.detect().cgroups, "bite-999999999-0")  # above any pid_max: its bite is gone
    stale.mkdir(exist_ok=True)
    root, _ = hostile_course(tmp_path, {"quiet": "x = 1\n"})
    assert run_bite(root).findings == []
    assert not stale.exists()


@pytest.mark.parametrize("kill", ["os.kill(os.getppid(), signal.SIGKILL)", "os.kill(-1, signal.SIGKILL)"])
def test_killing_the_parent_or_every_process_stops_only_the_sandbox(tmp_path, kill):
    """The student version's test cell kills its parent (the worker) or sends SIGKILL to every process it
    may signal: the sandbox dies, the machine does not (a process of ours outside survives), and the
    finding names that cell, not the module's first one (BITE004 used to name the cell the walk was at)."""
    impl = marker("two", "impl") + '\ndef two():\n    """TODO."""\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n'
    test = marker("test-two", "test") + "\n" + KILLING_TEST.format(outer=os.readlink("/proc/self/ns/pid"), kill=kill)
    text = source(impl, test)
    root = make_checkout(tmp_path / "course", {"01_widget": text})
    before = tree_hash(root)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        bite = run_bite(root)
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()
    assert tree_hash(root) == before
    (finding,) = [f for f in bite.findings if f.code == "BITE004"]
    assert finding.line == line_of(text, '"grade_id": "test-two"'), finding
    assert "student version" in finding.message and bite.summary.stopped is not None


# -- no sandbox: refuse in one line, or run when told to; the headers say which ------------------


def test_without_bubblewrap_bite_refuses_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on it
    monkeypatch.setattr(sandbox, "detect", sandbox.detect.__wrapped__)  # no cached answer
    root, _ = hostile_course(tmp_path, {"quiet": "x = 1\n"})
    code = main(["--root", str(root)])
    assert_one_line_error(code, capsys.readouterr().err, "bubblewrap is not installed", "--no-sandbox")


def test_a_bwrap_that_cannot_make_namespaces_is_named_in_the_line(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "bin" / "bwrap"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.setattr(sandbox, "detect", sandbox.detect.__wrapped__)
    root, _ = hostile_course(tmp_path, {"quiet": "x = 1\n"})
    code = main(["--root", str(root), "--format", "json"])
    assert_one_line_error(code, capsys.readouterr().err, "No permissions to create new namespace", "--no-sandbox")


HEADERS = {  # format (None: the table) -> how its header names the isolation
    None: "isolation: {}",  # the first line
    "text": "isolation: {}",
    "markdown": "(dynamic check: the module ran in isolated child processes, never in the auditor); isolation: {}",
    "json": '"isolation": "{}',
}


def test_no_sandbox_runs_unisolated_and_every_header_says_so(tmp_path, monkeypatch, capsys):
    reuse_bite_runs(monkeypatch)  # one run, rendered in every format
    monkeypatch.setattr(sandbox, "detect", lambda: pytest.fail("--no-sandbox must not look for a sandbox"))
    root, _ = hostile_course(tmp_path, {"pid": "import os\nassert os.getpid() > 3  # not a PID namespace's first processes\n"})
    for fmt, header in HEADERS.items():
        assert main(["--root", str(root), "--no-sandbox", *(["--format", fmt] if fmt else [])]) == 0
        out = capsys.readouterr().out
        assert header.format("none (--no-sandbox)") in out, fmt
        assert fmt not in (None, "text") or out.startswith("isolation: none (--no-sandbox)\n")


def test_the_sandbox_is_named_in_every_header(tmp_path, capsys, monkeypatch):
    reuse_bite_runs(monkeypatch)  # one run, rendered in every format (and one with other limits)
    root, _ = hostile_course(tmp_path, {"pid": "import os\nassert os.getpid() <= 3  # the sandbox's PID namespace\n"})
    for fmt, header in HEADERS.items():
        assert main(["--root", str(root), *(["--format", fmt] if fmt else [])]) == 0
        out = capsys.readouterr().out
        assert header.format("bubblewrap: course read-only") in out, fmt
        assert fmt not in (None, "text") or out.startswith("isolation: bubblewrap: ")
    assert main(["--root", str(root), "--disk-mb", "16", "--processes", "12"]) == 0  # the limits given are the ones held
    assert "only scratch writable (16 MiB)" in capsys.readouterr().out


def test_the_command_line_limits_reach_the_sandbox(tmp_path, capsys):
    """--processes and --disk-mb are what the course code meets: with 6 processes eight forks cannot all
    succeed (the worker and the sandbox's own processes count too), with 4 MiB the 5th MiB cannot be written."""
    cells = {
        "forks": "import os, time\nfor _ in range(8):\n    if os.fork() == 0:\n        time.sleep(30)\n        os._exit(0)\n",
        "fills": "with open('big.bin', 'wb') as out:\n    for _ in range(5):\n        out.write(b'x' * (1 << 20))\n",
    }
    root, text = hostile_course(tmp_path, cells)
    assert main(["--root", str(root), "--processes", "6", "--disk-mb", "4", "--format", "json"]) == 1
    (module,) = json.loads(capsys.readouterr().out)["modules"]
    messages = {f["line"]: f["message"] for f in module["findings"]}
    assert "Resource temporarily unavailable" in messages[line_of(text, '"grade_id": "forks"')]
    assert "No space left on device" in messages[line_of(text, '"grade_id": "fills"')]


# -- verdicts out of the course code's reach ----------------------------------------------------

# Course code that writes events into every pipe it holds (the worker's report channel among them).
FORGE = (
    "import json, os, stat\n"
    "def forge(*events):\n"
    "    for fd in range(3, 64):\n"
    "        try:\n"
    "            if stat.S_ISFIFO(os.fstat(fd).st_mode):\n"
    "                os.write(fd, b''.join(json.dumps(event).encode() + b'\\n' for event in events))\n"
    "        except OSError:\n"
    "            pass\n"
)
FAILING_TEST = marker("test-two", "test") + "\ndef test_unit_two():\n    assert two() == 3, 'two is not three'\n\ntest_unit_two()\n"
TAMPERING = {
    "a later cell passes": "forge({'event': 'result', 'variant': 'solution', 'cell': 3, 'status': 'pass', 'graded': True})\n",
    "a cell is skipped": "forge({'event': 'start', 'variant': 'solution', 'cell': 3}, {'event': 'result', 'variant': 'solution', 'cell': 3, 'status': 'pass'})\n",
    "the walk is done early": "forge({'event': 'done', 'variant': 'solution'})\nos._exit(0)\n",
    "its own result first": "forge({'event': 'result', 'variant': 'solution', 'cell': 2, 'status': 'pass'})\nraise RuntimeError('fails after all')\n",
    # a refusal is only the AUTOTEST fork's, before the walk: mid-walk it would silence every verdict
    "a refusal mid-walk": "forge({'event': 'refused', 'variant': 'solution', 'cell': 0, 'message': 'no release'})\nos._exit(0)\n",
}


@pytest.mark.parametrize("attack", sorted(TAMPERING))
def test_forged_reports_end_the_run_with_a_finding_on_the_forging_cell(tmp_path, attack):
    """The runner checks the event sequence outside the sandbox: an event the worker would not write
    next stops the run, with BITE004 on the cell that was running, and the failing test is not clean."""
    impl = marker("two", "impl") + '\ndef two():\n    """TODO."""\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n'
    text = source(impl, marker("tamper") + "\n" + FORGE + TAMPERING[attack], FAILING_TEST)
    root = make_checkout(tmp_path / "course", {"01_widget": text})
    bite = run_bite(root)
    (stop,) = [f for f in bite.findings if f.code == "BITE004"]
    assert stop.line == line_of(text, '"grade_id": "tamper"') and "tampered with" in stop.message, stop.message
    assert not bite.bites and bite.summary.solution_passed == 0
