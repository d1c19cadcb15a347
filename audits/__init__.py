"""The course auditor: discover -> parse -> check (rules/) -> report (report/) -> fix | export.

`version()` lives here, at the root, because both the commands (`--version`) and the
tool-facing reports (SARIF names the tool's version) need it.
"""

DISTRIBUTION = "tinytorch-qa"  # [project] name in pyproject.toml


def version() -> str:
    """The installed distribution's version (the checkout's pyproject version when run from source)."""
    from importlib import metadata  # 20 ms of imports: paid only when the version is asked for

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown (not installed: pip install -e .)"
