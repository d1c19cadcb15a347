# A configuration the audit must read without running: every statement below that runs
# writes a file named EXECUTED beside this one (tests/audits/test_conventions.py checks none appears).
import pathlib

pathlib.Path(__file__).with_name("EXECUTED").write_text("nbgrader_config.py was run\n")

c = get_config()  # noqa: F821 - nbgrader provides get_config() when it runs this file
PREFIX = "BEGIN"
c.ClearSolutions.begin_solution_delimeter = PREFIX + " SOLUTION" + pathlib.Path(__file__).with_name("EXECUTED").write_text("x") * ""
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
if True:
    c.ClearSolutions.code_stub = {"python": "raise NotImplementedError()"}
