c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "course101"
c.IncludeHeaderFooter.header = "source/header.ipynb"
