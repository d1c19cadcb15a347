"""One bite run per course, rendered as often as a test file needs (the run is the cost, not the rendering).

    @pytest.fixture(autouse=True)
    def one_run_per_course(monkeypatch):
        reuse_bite_runs(monkeypatch)

After that, `audits.bite.__main__.main` runs the modules of a course once for given limits and
mutant options in this process, and every later call with the same ones (another --format, the
same course in another test) renders that run again. The courses must not change while the
tests run (the committed fixtures, or a test's own tmp_path); put the tests that share a course
in one `xdist_group`, so that they share the process. A run that reports progress (on a
terminal) is never taken from the store (the progress lines are what such a test checks); it is
stored for the calls after it.
"""

from __future__ import annotations

from audits.bite import __main__ as bite

_RUNS: dict[tuple, list] = {}


def reuse_bite_runs(monkeypatch) -> None:
    real = bite.run_all

    def run_all(auditor, modules, limits, jobs, progress=None, mutants=True, per_region=None):
        key = (str(auditor.root), tuple(str(module.path) for module in modules), limits, mutants, per_region, frozenset(auditor.config.ignore))
        if progress is not None or key not in _RUNS:
            _RUNS[key] = real(auditor, modules, limits, jobs, progress, mutants, per_region)
        return _RUNS[key]

    monkeypatch.setattr(bite, "run_all", run_all)
