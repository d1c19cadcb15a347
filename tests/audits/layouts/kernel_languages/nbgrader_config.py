c = get_config()  # noqa: F821 - nbgrader's configuration object

# One stub per kernel language, replacing nbgrader's own table: it refuses a notebook whose
# kernelspec language has none (here, source/ps2/collatz.ipynb's julia).
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
    "R": "# YOUR CODE HERE\nstop(\"No Answer Given!\")",
}
