c = get_config()
c.CourseDirectory.course_id = "bite-fixture"
