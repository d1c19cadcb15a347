# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
"""
# Module 01: Evil

If the auditor ever imported or executed this file, it would leave a file named
PWNED in the working directory and stop the process with exit status 42.
"""

# %% nbgrader={"grade": false, "grade_id": "evil-imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.evil
#| export
import pathlib
import sys

pathlib.Path("PWNED").write_text("the audited module was executed\n")
sys.exit(42)
