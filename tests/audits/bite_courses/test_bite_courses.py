"""`python -m audits.bite` on nbgrader notebooks that need what Jupyter gives them: the files
beside the notebook, IPython syntax, input history (tests/audits/bite_courses/nbcourse)."""

import json
from pathlib import Path

from audits.bite.__main__ import main

COURSE = Path(__file__).resolve().parent / "nbcourse"


def bite_json(capsys, target):
    code = main([target, "--root", str(COURSE), "--format", "json"])
    (module,) = json.loads(capsys.readouterr().out)["modules"]
    return code, module


def test_cells_run_in_a_copy_of_the_notebooks_folder_with_ipython_semantics(capsys):
    """kernel.ipynb imports helper.py and reads data.csv beside it, uses %env, `squares?`, `!ls`
    and exec(In[-2]): every cell runs on the solution version, as in Jupyter."""
    _, module = bite_json(capsys, "source/ps1/kernel.ipynb")
    assert [f for f in module["findings"] if f["code"] == "BITE001"] == []
    assert module["bite"]["solution_passed"] == module["bite"]["graded"] == 4
    assert not (COURSE / "source" / "ps1" / ".ipython").exists()
