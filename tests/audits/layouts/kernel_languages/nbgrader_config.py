c = get_config()  # noqa: F821 - nbgrader's configuration object

# One stub per kernel language: nbgrader's ClearSolutions refuses a notebook whose language has none.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
    "R": "# YOUR CODE HERE\nstop(\"No Answer Given!\")",
    "julia": "# YOUR CODE HERE\nerror(\"No Answer Given!\")",
}
