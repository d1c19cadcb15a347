# nbgrader's configuration of this course: its own solution delimiters and stub.
c = get_config()  # noqa: F821 - nbgrader provides get_config() when it runs this file

c.ClearSolutions.begin_solution_delimeter = "BEGIN ANSWER"
c.ClearSolutions.end_solution_delimeter = "END ANSWER"
c.ClearSolutions.code_stub = {"python": "# write your answer here\nraise RuntimeError('no answer yet')", "R": "fail()"}
c.ClearHiddenTests.begin_test_delimeter = "BEGIN SECRET"
c.ClearHiddenTests.end_test_delimeter = "END SECRET"
