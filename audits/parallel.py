"""Audit a checkout's modules in several processes at once, as ruff uses every core.

    audit_refs(auditor, refs, jobs) -> one Audit (or the InputError saying why not) per ref, in order
    jobs_wanted()                    AUDITS_JOBS when set, else the CPUs this process may use

A cold whole-repository audit spends its time parsing (the module sources and
their test files) and running the rules, module by module. The only facts that
tie the modules together are each module's exports (`audits.index.ModuleExports`:
its export target and the names it defines), which the cross-module rules look
up. So the modules left to audit (not in the result cache) are split into `jobs`
groups of about equal size, and one process per group (this one, and jobs - 1
children forked after the imports and discovery are done):

1. parses its modules (and, when there are other processes to wait for, their
   test files), and reads the modules' exports;
2. swaps exports with the others: each child sends its modules' exports up a
   pipe, the parent sends every module's exports back down, so every process
   knows the whole checkout without parsing it;
3. audits its modules, letting go of each parse once its findings are made (so
   the trees of a large course are never all in memory), and, in a child, sends
   the findings up the pipe
   (pickled: it runs between our own processes, nothing is ever read from a
   file). Exports are a few kilobytes, findings about half a kilobyte each.

The parent puts the results back in module order and fills the cache itself,
so the output, the reports, the exit status and the cache entries are those of
a serial run. The audit is serial (the same steps, one group) with jobs 1, with
fewer than two modules to audit, without `os.fork` (Windows) or when this
process runs threads (forking them is unsafe). A child that fails leaves its
modules to the parent, which audits them itself, so a bug in a rule is
reported exactly as the serial run reports it. Nothing audited is ever run.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import BinaryIO, NoReturn, Union

from audits.auditor import Audit, Auditor, read_text
from audits.discover import quoted, whole_number
from audits.model import InputError, ModuleRef

JOBS_VARIABLE = "AUDITS_JOBS"
Result = Union[Audit, InputError]


def jobs_wanted() -> int:
    """AUDITS_JOBS when set (1 = serial), else the number of CPUs this process may use."""
    text = os.environ.get(JOBS_VARIABLE, "").strip()
    if text:
        jobs = whole_number(text)
        if not jobs:
            raise InputError(f"{JOBS_VARIABLE}={quoted(text)}: expected a whole number of processes, 1 or more")
        return jobs
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Forking is safe here: POSIX, and no other thread that the child would inherit half-way."""
    import threading  # here, not at the top: a run whose findings all come from the cache never forks

    return hasattr(os, "fork") and threading.active_count() == 1


def audit_refs(auditor: Auditor, refs: list[ModuleRef], jobs: int = 1) -> list[Result]:
    """Every ref audited (cached findings reused), in the order given; an unreadable one is its InputError."""
    results: list[Result | None] = [None] * len(refs)
    texts: dict[int, str] = {}  # position -> text, for the modules left to audit
    for at, ref in enumerate(refs):
        try:
            text = read_text(ref)
        except InputError as error:
            results[at] = error
            continue
        results[at] = auditor.cached(ref, text)
        if results[at] is None:
            texts[at] = text
    groups = split(auditor, refs, texts, jobs)
    if len(groups) < 2 or not can_fork():
        groups = [sorted(texts)]
    else:
        _load_before_forking(refs[at] for at in texts)
    for at, result in Team(auditor, refs, texts, groups).run().items():
        results[at] = result
    return results


def _load_before_forking(refs) -> None:
    """Import what every process will need (the rules, nbformat for a notebook) once, before the
    fork: loaded lazily after it, each process would pay for the same imports."""
    import pickle  # noqa: F401  (the pipes between the processes)

    import audits.check  # noqa: F401  (the rules)

    if any(ref.path.suffix == ".ipynb" for ref in refs):
        from audits.notebook import import_nbformat

        import_nbformat()


def split(auditor: Auditor, refs: list[ModuleRef], texts: dict[int, str], jobs: int) -> list[list[int]]:
    """The positions of `texts` in at most `jobs` groups of about equal work (a module's text and its test files, in bytes)."""
    work = {at: len(text) + sum(_size(path) for path in auditor.index.test_paths(refs[at].number)) for at, text in texts.items()}
    groups: list[list[int]] = [[] for _ in range(min(jobs, len(texts)))]
    loads = [0] * len(groups)
    for at in sorted(work, key=lambda at: (-work[at], at)):  # the largest first, each to the least loaded group
        lightest = loads.index(min(loads))
        groups[lightest].append(at)
        loads[lightest] += work[at]
    return [sorted(group) for group in groups if group]


def _size(path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


@dataclass
class Child:
    """A forked process auditing one group, and the parent's ends of its two pipes."""

    pid: int
    group: list[int]
    up: BinaryIO  # what the child sends: its modules' exports, then its findings
    down: BinaryIO  # what the parent sends: every module's exports


class Team:
    """This process and its children auditing the groups; `run()` -> {position: Audit or InputError}."""

    def __init__(self, auditor: Auditor, refs: list[ModuleRef], texts: dict[int, str], groups: list[list[int]]):
        self.auditor, self.refs, self.texts, self.groups = auditor, refs, texts, groups

    def run(self) -> dict[int, Result]:
        children: list[Child] = []
        try:
            for group in self.groups[1:]:
                children.append(self._fork(group, children))
            exports = self.exports(self.groups[0])
            for child in children:
                exports.update(_receive(child.up) or {})  # a child that failed sends none: its modules are parsed here if needed
            for child in children:
                _send(child.down, exports)
            self.auditor.index.add_exports(exports)
            results = self.audit(self.groups[0])
            for child in children:
                found = _receive(child.up)
                if found is None:  # the child failed: its modules are audited here
                    results.update(self.audit(child.group))
                    continue
                for at, result in found.items():
                    ref, text = self.refs[at], self.texts[at]
                    results[at] = InputError(result) if isinstance(result, str) else self.auditor.audit_of(ref, text, *result)
            for at, result in results.items():
                if isinstance(result, Audit):
                    self.auditor.remember(self.refs[at], self.texts[at], result.findings, result.suppressed)
            return results
        finally:
            for child in children:
                _close(child.up)
                _close(child.down)
                os.waitpid(child.pid, 0)

    def exports(self, group: list[int]) -> dict:
        """Step 1: parse the group's modules, and read the exports of those a module number names.
        Each module's test files are parsed when it is audited, and let go with it (step 3), so
        they are never all in memory at once: parsed here, ahead of the exchange, they would all
        be (a third more memory per process, and the fresh pages cost more CPU than the wait
        for the other processes' exports saves)."""
        index = self.auditor.index
        found = {}
        for at in group:
            ref = self.refs[at]
            index.source_of(ref)
            if index.refs.get(ref.number) == ref:
                found[ref.number] = index.exports(ref.number)
        return found

    def audit(self, group: list[int]) -> dict[int, Result]:
        """Step 3: audit the group's modules, each parse let go once its findings are made."""
        results: dict[int, Result] = {}
        for at in group:
            try:
                results[at] = self.auditor.audit_text(self.refs[at], self.texts[at])
            except InputError as error:
                results[at] = error
            else:
                self.auditor.release(results[at])
        return results

    def _fork(self, group: list[int], siblings: list[Child]) -> Child:
        up_read, up_write = os.pipe()
        down_read, down_write = os.pipe()
        sys.stdout.flush()  # else the child inherits what is still buffered
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            os.close(up_read)
            os.close(down_write)
            for sibling in siblings:  # the parent's ends of the other children's pipes
                _close(sibling.up)
                _close(sibling.down)
            self._child(group, os.fdopen(up_write, "wb"), os.fdopen(down_read, "rb"))  # never returns
        os.close(up_write)
        os.close(down_read)
        return Child(pid, group, os.fdopen(up_read, "rb"), os.fdopen(down_write, "wb"))

    def _child(self, group: list[int], up: BinaryIO, down: BinaryIO) -> NoReturn:
        """Steps 1 to 3 in a child, which then leaves at once: no cleanup, no output (the parent
        prints everything). Findings travel without their Audit, which the parent rebuilds."""
        code = 1
        try:
            _send(up, self.exports(group))
            exports = _receive(down)
            if exports is None:
                return  # the parent is gone
            self.auditor.index.add_exports(exports)
            found = {}
            for at, result in self.audit(group).items():
                found[at] = str(result) if isinstance(result, InputError) else (result.findings, result.suppressed)
            _send(up, found)
            code = 0
        except BaseException:  # noqa: BLE001 - whatever the failure, the parent audits this group itself
            pass
        finally:
            os._exit(code)


def _send(stream: BinaryIO, value) -> None:
    """One pickled value down a pipe; a reader that is gone is not an error (it is a failed child, handled by its reader)."""
    import pickle  # only a run that forks pays for it (imported before the fork: _load_before_forking)

    try:
        pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
        stream.flush()
    except OSError:
        pass


def _receive(stream: BinaryIO):
    """The next pickled value from a pipe, or None when the writer failed or is gone."""
    import pickle

    try:
        return pickle.load(stream)
    except Exception:  # noqa: BLE001 - nothing, or a torn value, from a child that died: it counts as failed
        return None


def _close(stream: BinaryIO) -> None:
    try:
        stream.close()
    except OSError:  # a pipe whose reader is gone: its unflushed bytes no longer matter
        pass
