"""The course auditor: discover -> parse -> check (rules/) -> report (report/) -> fix | export.

`version()` lives here, at the root, because both the commands (`--version`) and the
tool-facing reports (SARIF names the tool's version) need it.
"""

# The distributions that install this package: the harness alone (audits/pyproject.toml), or the course project (pyproject.toml).
DISTRIBUTIONS = ("tinyaudit", "tinytorch-qa")


def version() -> str:
    """The installed distribution's version (the checkout's pyproject version when run from source)."""
    from importlib import metadata  # 20 ms of imports: paid only when the version is asked for

    for name in DISTRIBUTIONS:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown (not installed: pip install ./audits, or pip install -e . in this repository)"
