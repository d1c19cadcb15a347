"""The checkouts under this folder are fixtures audited by tests/audits/test_layouts.py, not test suites."""

collect_ignore_glob = ["*/*"]
