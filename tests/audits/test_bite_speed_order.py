"""`python -m audits.bite` starts the modules longest expected first (the jobs then end together) and
still reports them in the order given: the expected time is the module's in the last run of the same
kind, kept in the user's cache folder unless the cache is off."""

from pathlib import Path
from types import SimpleNamespace

from audits.bite import __main__ as bite
from audits.bite.runner import Limits


def _module(name, size):
    return SimpleNamespace(path=Path("/course") / name / f"{name}.py", text="x" * size)


def _bite(module, seconds):
    return SimpleNamespace(module=module, summary=SimpleNamespace(seconds=seconds))


def _cache_on(monkeypatch, tmp_path):
    monkeypatch.delenv("AUDITS_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_without_a_past_run_the_longer_source_starts_first():
    modules = [_module("01_a", 10), _module("02_b", 30), _module("03_c", 20)]
    assert bite.longest_first(modules, mutants=True) == [1, 2, 0]


def test_the_last_runs_times_order_the_next_run_per_kind_and_a_new_module_comes_first(monkeypatch, tmp_path):
    _cache_on(monkeypatch, tmp_path)
    a, b, c, new = _module("01_a", 10), _module("02_b", 30), _module("03_c", 20), _module("04_new", 1)
    bite.remember_seconds([_bite(a, 5.0), _bite(b, 1.0), _bite(c, 3.0)], mutants=True)
    bite.remember_seconds([_bite(a, 0.5), _bite(b, 2.0), _bite(c, 1.0)], mutants=False)
    assert bite.longest_first([a, b, c, new], mutants=True) == [3, 0, 2, 1]
    assert bite.longest_first([a, b, c], mutants=False) == [1, 2, 0]
    assert (tmp_path / "cache" / "audits" / bite.SECONDS).is_file()


def test_nothing_is_kept_while_the_cache_is_off(monkeypatch, tmp_path):
    monkeypatch.setenv("AUDITS_NO_CACHE", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    a, b = _module("01_a", 10), _module("02_b", 30)
    bite.remember_seconds([_bite(a, 9.0), _bite(b, 1.0)], mutants=True)
    assert not (tmp_path / "cache").exists()
    assert bite.longest_first([a, b], mutants=True) == [1, 0]


def test_a_damaged_record_is_ignored(monkeypatch, tmp_path):
    _cache_on(monkeypatch, tmp_path)
    record = tmp_path / "cache" / "audits" / bite.SECONDS
    record.parent.mkdir(parents=True)
    a, b = _module("01_a", 10), _module("02_b", 30)
    for damage in ("{not json", '["a list"]', '{"mutants": {"/course/01_a/01_a.py": "slow"}}'):
        record.write_text(damage)
        assert bite.longest_first([a, b], mutants=True) == [1, 0], damage


def test_run_all_starts_longest_first_and_reports_in_the_order_given(monkeypatch):
    started = []

    def fake_run_module(auditor, module, limits, mutants, per_region):
        started.append(module.path.parent.name)
        return module, None, None

    monkeypatch.setattr(bite, "run_module", fake_run_module)
    monkeypatch.setattr(bite, "judge", lambda auditor, module, plan, run, mutants: _bite(module, 0.0))
    modules = [_module("01_a", 10), _module("02_b", 30), _module("03_c", 20)]
    bites = bite.run_all(None, modules, Limits(), jobs=1, mutants=False)
    assert started == ["02_b", "03_c", "01_a"]
    assert [b.module for b in bites] == modules
