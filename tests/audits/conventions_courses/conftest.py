"""The courses under this folder are fixtures audited by tests/audits/test_conventions.py, not test suites."""

collect_ignore_glob = ["*/*"]
