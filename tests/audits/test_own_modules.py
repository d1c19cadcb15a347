"""Every module source of this course passes its own audit: READY FOR EXPORT (no critical or high finding)."""

from pathlib import Path

import pytest

from audits.discover import find_modules
from audits.auditor import Auditor

ROOT = Path(__file__).resolve().parents[2]
MODULES = [pytest.param(ref, id=ref.folder, marks=pytest.mark.module(ref.number)) for ref in find_modules(ROOT)]


# Its module-scoped fixture (`auditor`) is built once: every test of this file runs on one xdist worker.
pytestmark = pytest.mark.xdist_group("test_own_modules")


@pytest.fixture(scope="module")
def auditor():
    return Auditor(ROOT)


@pytest.mark.parametrize("ref", MODULES)
def test_module_is_ready_for_export(auditor, ref):
    audit = auditor.audit_ref(ref)
    blocking = [f"{f.path}:{f.line} {f.code} {f.message}" for f in audit.findings if f.severity.blocks_export]
    assert blocking == [], f"{ref.folder} is NOT READY FOR EXPORT:\n" + "\n".join(blocking)
